# shellcheck shell=bash
# Shared by the integration tests: each check prints "ok <what>" or "FAIL <what>" (tests/run.sh
# counts them), every process a test starts is stopped on exit, pass or fail, and every wait is
# bounded.

# No pipefail: `producer | grep -q` must not fail when grep stops reading at the first match.
set -u
BUILD=${BUILD:-build}
CONNTOP="$PWD/$BUILD/conntop"
TCPFIXTURE="$PWD/$BUILD/tests/tcpfixture"
TMP=$(mktemp -d /tmp/conntop-test.XXXXXX)
PIDS=()

cleanup() {
	local watchdog
	[ ${#PIDS[@]} -eq 0 ] || {
		kill -TERM "${PIDS[@]}" 2>/dev/null
		# Whatever has not ended 5 s after SIGTERM is killed.
		(sleep 5 && kill -KILL "${PIDS[@]}" 2>/dev/null) &
		watchdog=$!
		wait "${PIDS[@]}" 2>/dev/null
		kill "$watchdog" 2>/dev/null
	}
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $*"; }

# check "what" command...: one counted check.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# The BPF programs a process holds, by id, from its files' fdinfo (a link names its program).
prog_ids_of() { grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u; }
# Whether none of the programs with these ids is loaded any more.
none_loaded() {
	local id
	for id in $1; do
		bpftool prog show id "$id" >/dev/null 2>&1 && return 1
	done
	return 0
}
# conntop's programs that no running process holds: left loaded by one that ended. Unlike a
# search by name alone, a conntop that another test runs meanwhile does not count.
orphan_programs() {
	local held
	held=$(grep -hs '^prog_id:' /proc/[0-9]*/fdinfo/* | awk '{ print $2 }' | sort -u)
	bpftool prog show 2>/dev/null | awk -F: '/name handle_(set_stat|accept)/ { print $1 }' |
		grep -vxF -f <(echo "$held")
}

# Root is needed to load BPF programs. Outside CI, without it, the test says SKIP and stops.
require_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	if [ "${CI:-}" = true ]; then
		fail "$(basename "$0"): needs root, and CI runs as root"
		exit 1
	fi
	skip "$(basename "$0"): needs root"
	exit 0
}

# wait_until SECONDS command...: polls every 0.05 s; 0 when the command succeeded in time.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.05
	done
}

# start NAME command...: runs it in the background with stdin from a pipe we hold open (closing it
# with `finish NAME` asks the fixture to end) and stdout in $TMP/NAME.out. Sets PID_<NAME>.
start() {
	mkfifo "$TMP/$1.in"
	launch "$@"
}

# launch NAME command...: start's second half, once $TMP/NAME.in exists (a test may need nothing
# forked in between: test_stale's start_at_pid).
launch() {
	local name=$1 fd
	shift
	# The child must not inherit the write ends of the other fixtures' stdin pipes: one held
	# open by a later process would keep that fixture from ever seeing EOF.
	(
		for var in ${!FD_@}; do
			eval "exec ${!var}>&-"
		done
		exec "$@"
	) <"$TMP/$name.in" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	printf -v "PID_$name" '%s' $!
	PIDS+=($!)
	exec {fd}>"$TMP/$name.in"
	printf -v "FD_$name" '%s' "$fd"
}

finish() {
	local fdvar="FD_$1"
	eval "exec ${!fdvar}>&-"
}

# wait_line NAME REGEX [SECONDS]: until NAME's output has a line matching REGEX.
wait_line() {
	wait_until "${3:-10}" grep -qE "$2" "$TMP/$1.out"
}

# conntop in batch mode, a frame every 0.2 s, into $TMP/conntop.out; returns once attached.
start_conntop() {
	start conntop timeout 120 "$CONNTOP" -b -d 0.2 "$@"
	wait_line conntop '^conntop [0-9:]{8} ' 15
}

# The last complete frame conntop printed (a frame ends with a blank line), read from the end so
# polling stays cheap while the output grows.
last_frame() {
	tac "$TMP/conntop.out" | awk '
		started { print }
		started && /^conntop [0-9][0-9]:[0-9][0-9]:[0-9][0-9] / { exit }
		!started && /^$/ { started = 1; print }' | tac
}

# header_value NAME: a counter from the last complete frame's header: "lost" reads "lost: 0",
# "in" reads "(in 5, ...".
header_value() {
	last_frame | head -2 | grep -oE "(^|[ (])$1:? [0-9]+" | head -1 | grep -oE '[0-9]+$'
}

# last_whole_line FILE: its last line that was written whole (the file may be growing).
last_whole_line() {
	local tail="$TMP/.last_whole_line"
	tail -n 2 "$1" >"$tail" # read once: the file may grow between two reads
	if [ -z "$(tail -c 1 "$tail")" ]; then tail -n 1 "$tail"; else head -n 1 "$tail"; fi
}

frames_printed() {
	grep -cE '^conntop [0-9:]{8} ' "$TMP/conntop.out"
}

frames_at_least() { [ "$(frames_printed)" -ge "$1" ]; }

# wait_frames N: until N more frames have been printed.
wait_frames() {
	wait_until 10 frames_at_least $(($(frames_printed) + $1))
}

# --- Several conntops in JSON at once, each into $TMP/NAME.out (test_transport, test_hooks) ---

# conntop_json NAME [ARGS...]: JSON frames every 0.2 s; returns once the first is out (attached).
conntop_json() {
	local name=$1
	shift
	start "$name" timeout 120 "$CONNTOP" -b -d 0.2 --format json "$@"
	wait_line "$name" '^\{' 15
}

# port_counts NAME PORT: over every frame of NAME, for one port, "in out closed active lost late
# source": connections by cookie, so neither frame boundaries nor joins count one twice.
port_counts() {
	jq -r -s --argjson p "$2" '
		[.[] | .connections[] | select(.local_port == $p or .remote_port == $p)] as $c
		| ([$c[] | select(.direction == "in") | .cookie] | unique | length) as $in
		| ([$c[] | select(.direction == "out") | .cookie] | unique | length) as $out
		| ([$c[] | select(.closed)] | length) as $closed
		| ([.[-1].connections[] | select((.local_port == $p or .remote_port == $p)
			and (.closed | not))] | length) as $active
		| "\($in) \($out) \($closed) \($active) \(.[-1].stats.lost) \(.[-1].stats.late) "
		  + .[-1].source' "$TMP/$1.out"
}

# closed_seen NAME PORT N: NAME has shown at least N sides on PORT closed.
closed_seen() {
	[ "$(jq -s --argjson p "$2" '[.[] | .connections[] | select(.closed and
		(.local_port == $p or .remote_port == $p))] | length' "$TMP/$1.out")" -ge "$3" ]
}

# stop NAME: SIGINT (a clean exit, its last frame whole) and wait for it.
stop() {
	local pid="PID_$1"
	kill -INT "${!pid}" 2>/dev/null
	wait "${!pid}" 2>/dev/null
}
