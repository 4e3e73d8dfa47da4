#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/soak/soak.sh: conntop's soak test (`make soak`), as root; never part of `make test`.
#
# The sanitizer build (build-san: ASan, LSan, UBSan) runs headless (`-b -d 1 --format json`) for
# SOAK_SECONDS under a steady mixed load, and for a part of that time the screen runs too, in
# tmux. The load: loopback churn bursts in throw-away network namespaces, curl against the lab's
# nginx and redis-benchmark against its redis (tests/integration/lab.sh), and short-lived
# processes holding connections in named namespaces created and deleted as they come and go.
# Then the normal build runs under valgrind: with eBPF, with --source proc, and replaying what
# the eBPF run recorded. It prints a table of conntop's memory and PASS/FAIL lines, and exits 1
# on any FAIL. tests/soak/README.md says what each check means.
#
# Settings (environment): SOAK_SECONDS (600), SOAK_SAMPLE_SECONDS (5) between memory samples,
# SOAK_CHURN_RATE (1000 connections a second) and SOAK_CHURN_SECONDS (10 per namespace),
# SOAK_SCREEN_SECONDS (20 % of the run, at most 60; 0: no screen), SOAK_VALGRIND_SECONDS (20),
# SOAK_GROWTH_LIMIT (5, percent; the normal build's), SOAK_SAN_GROWTH_LIMIT (10, percent: ASan's
# allocator grows on its own, tests/soak/README.md), SOAK_VALGRIND_ARGS (more options for valgrind, such as
# --track-origins=yes), SOAK_KEEP=1 keeps the work folder (its path is printed).
cd "$(dirname "$0")/../.." || exit 1
SAN_BUILD=${SOAK_SAN_BUILD:-build-san}
PLAIN_BUILD=${SOAK_BUILD:-build}
BUILD=$SAN_BUILD
# shellcheck source=tests/integration/lib.sh
source tests/integration/lib.sh
# shellcheck source=tests/integration/lab.sh
source tests/integration/lab.sh

SECONDS_WANTED=${SOAK_SECONDS:-600}
SAMPLE_S=${SOAK_SAMPLE_SECONDS:-5}
CHURN_RATE=${SOAK_CHURN_RATE:-1000}
CHURN_S=${SOAK_CHURN_SECONDS:-10}
SCREEN_S=${SOAK_SCREEN_SECONDS:-$((SECONDS_WANTED / 5 > 60 ? 60 : SECONDS_WANTED / 5))}
VALGRIND_S=${SOAK_VALGRIND_SECONDS:-20}
GROWTH_LIMIT=${SOAK_GROWTH_LIMIT:-5}
SAN_GROWTH_LIMIT=${SOAK_SAN_GROWTH_LIMIT:-10}
PLAIN_CONNTOP=$PWD/$PLAIN_BUILD/conntop
CHURN=$PWD/$PLAIN_BUILD/bench/churn
# The load's own fixture comes from the normal build: the sanitizers' cost belongs to conntop.
TCPFIXTURE=$PWD/$PLAIN_BUILD/tests/tcpfixture
SUPP=$PWD/tests/soak/valgrind.supp
FX_PORT=7301 # inside the soak's own namespaces only
SESSION=conntop-soak-$$

# Any report fails the run: a sanitizer exits 23 (distinct from conntop's own 1 and 2) and stops
# at the first error. ASan's quarantine of freed memory is cut from 256 MB to 16: it would show as
# growth until it fills, and 16 MB still catches a use after a recent free. Free pages go back to
# the system every second, so that RSS follows what is in use.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=23:quarantine_size_mb=16:abort_on_error=0:allocator_release_to_os_interval_ms=1000
export LSAN_OPTIONS=exitcode=23
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
SAN_REPORT='(ERROR|WARNING): (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:|SUMMARY: '

FAILS=0
pass() { echo "PASS $*"; }
failed() {
	echo "FAIL $*"
	FAILS=$((FAILS + 1))
}
verdict() { # WHAT COMMAND...: PASS or FAIL by the command's status
	local what=$1
	shift
	if "$@"; then pass "$what"; else failed "$what"; fi
}
die() {
	failed "$*"
	exit 1
}
note() { echo "  $*"; }

# --- the work folder, and what is still running when the script ends ---

WORK=$TMP/soak
mkdir -p "$WORK"
# Our own children, never in lib.sh's PIDS: each is waited for, and forgotten, once it ends, so
# that no signal can reach a later process that got its pid.
LOAD_PIDS=() CT_PID="" JQ_PID="" PLAIN_PID="" PLAIN_JQ=""
eval "$(declare -f cleanup | sed '1s/^cleanup/_soak_lab_cleanup/')"
cleanup() {
	set +e
	touch "$WORK/stop"
	tmux kill-session -t "$SESSION" 2>/dev/null
	# shellcheck disable=SC2206 # the empty ones are left out
	local ours=("${LOAD_PIDS[@]}" $CT_PID $JQ_PID $PLAIN_PID $PLAIN_JQ)
	# A bare `wait` would wait for the lab's servers too, which only lab_down stops.
	[ ${#ours[@]} -eq 0 ] || {
		kill -TERM "${ours[@]}" 2>/dev/null
		wait "${ours[@]}" 2>/dev/null
	}
	pc_netns_delete
	if [ "${SOAK_KEEP:-}" = 1 ]; then
		KEPT=$(mktemp -d /tmp/conntop-soak.XXXXXX) && cp -a "$WORK/." "$KEPT/" &&
			echo "soak: work folder kept in $KEPT"
	fi
	_soak_lab_cleanup
}

# --- prerequisites: a missing one is a FAIL, never a skip ---

[ "$(id -u)" -eq 0 ] || die "soak: needs root (eBPF, network namespaces, cgroups)"
for f in "$CONNTOP" "$PLAIN_CONNTOP" "$CHURN" "$TCPFIXTURE"; do
	[ -x "$f" ] || die "soak: $f is missing: run \`make soak\`"
done
for cmd in jq tmux valgrind unshare ip ss curl redis-benchmark redis-cli; do
	command -v "$cmd" >/dev/null || die "soak: $cmd is missing: run \`make soak\` (it installs it)"
done
lab_require_packages || die "soak: lab packages installed"
[ "$SECONDS_WANTED" -ge 30 ] 2>/dev/null || die "soak: SOAK_SECONDS must be at least 30"

# --- loads; each loop ends at its next turn once $WORK/stop exists ---

# Paced, not bursts: every frame then holds about as many rows as the next, and conntop's memory,
# which follows its largest frame so far, reaches its level in the warm-up.
churn_loop() {
	while [ ! -e "$WORK/stop" ]; do
		unshare -n bench/in-netns.sh "$CHURN" -s 1 -c 2 -t "$CHURN_S" -r "$CHURN_RATE" \
			>>"$WORK/churn.log" 2>>"$WORK/churn.err"
	done
}

# In the lab's client namespace: a page per curl process every 0.2 s, the 1 MiB file every 20th.
# shellcheck disable=SC2016 # expanded by the inner shell
WEB_LOOP='n=0 bad=0
while [ ! -e "$1" ]; do
	n=$((n + 1)); path=/
	[ $((n % 20)) -ne 0 ] || path=$3
	curl -s -o /dev/null --max-time 5 "http://$2$path" || bad=$((bad + 1))
	sleep 0.2
done
echo "requests $n failed $bad"'

# A redis-benchmark process (4 connections, 300 requests of each kind) every 2 s.
# shellcheck disable=SC2016
REDIS_LOOP='n=0 bad=0
while [ ! -e "$1" ]; do
	n=$((n + 1))
	redis-benchmark -h "$2" -p "$3" -n 300 -c 4 -q -t ping,set,get >/dev/null 2>&1 ||
		bad=$((bad + 1))
	sleep 2
done
echo "runs $n failed $bad"'

# Processes that come and go: per turn, a named namespace with a tcpfixture server and three
# clients holding connections to it for 1-3 s; then either side is stopped first, or all are
# killed at once (the kernel closes their sockets), and the namespace is deleted.
# The namespace of the turn under way is named in $WORK/pc.ns, for the cleanup.
pc_netns_delete() {
	local ns
	ns=$(cat "$WORK/pc.ns" 2>/dev/null)
	[ -n "$ns" ] && [ -e "/run/netns/$ns" ] || return 0
	ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
	ip netns delete "$ns" 2>/dev/null
	rm -f "$WORK/pc.ns"
}

pc_turn() {
	local k=$1 ns="soak$$-$1" srv cli=()
	echo "$ns" >"$WORK/pc.ns"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up || return 1
	# stdin: the fifo this loop holds open, so the fixtures hold until signalled.
	ip netns exec "$ns" "$TCPFIXTURE" serve 127.0.0.1 "$FX_PORT" -c 3 -t 60 -N soak-server \
		<"$WORK/pc.fifo" >"$WORK/pc.srv" 2>&1 &
	srv=$!
	wait_until 5 grep -q '^listening' "$WORK/pc.srv" || return 1
	for _ in 1 2 3; do
		ip netns exec "$ns" "$TCPFIXTURE" connect 127.0.0.1 "$FX_PORT" -t 60 -N soak-client \
			<"$WORK/pc.fifo" >/dev/null 2>&1 &
		cli+=($!)
	done
	sleep $((1 + k % 3))
	case $((k % 3)) in
	0) kill -TERM "${cli[@]}" && sleep 0.2 && kill -TERM "$srv" ;;
	1) kill -TERM "$srv" && sleep 0.2 && kill -TERM "${cli[@]}" ;;
	2) kill -KILL "$srv" "${cli[@]}" ;;
	esac 2>/dev/null
	wait "$srv" "${cli[@]}" 2>/dev/null
	ip netns delete "$ns" && rm -f "$WORK/pc.ns"
}

pidchurn_loop() {
	local k=0 bad=0 hold
	# shellcheck disable=SC2034 # held open (read-write: no wait for a reader) until the loop ends
	exec {hold}<>"$WORK/pc.fifo"
	while [ ! -e "$WORK/stop" ]; do
		k=$((k + 1))
		pc_turn "$k" || {
			bad=$((bad + 1))
			pc_netns_delete
		}
	done
	echo "turns $k failed $bad" >"$WORK/pidchurn.log"
}

in_client() { # command... in the lab's client namespace, in the background
	ip netns exec "$LAB_NS_CLIENT" "${_LAB_NOPROXY[@]}" "$@" &
	LOAD_PIDS+=($!)
}

start_loads() {
	rm -f "$WORK/stop"
	churn_loop &
	LOAD_PIDS+=($!)
	pidchurn_loop &
	LOAD_PIDS+=($!)
	in_client bash -c "$WEB_LOOP" web-load "$WORK/stop" "$LAB_WEB_IP" "$LAB_WEB_BIG" \
		>"$WORK/web.log" 2>&1
	in_client bash -c "$REDIS_LOOP" redis-load "$WORK/stop" "$LAB_CACHE_IP" "$LAB_CACHE_PORT" \
		>"$WORK/redis.log" 2>&1
	# One long-lived client with a request a second, for the whole run.
	in_client redis-cli -h "$LAB_CACHE_IP" -p "$LAB_CACHE_PORT" -r -1 -i 1 ping >/dev/null 2>&1
	REDIS_HOLD=$!
}

# stop_loads: asks every loop to end and waits (bounded) for them; stops the long-lived client.
stop_loads() {
	local p
	touch "$WORK/stop"
	kill -TERM "$REDIS_HOLD" 2>/dev/null
	for p in "${LOAD_PIDS[@]}"; do
		wait_until 20 not_alive "$p" || kill -KILL "$p" 2>/dev/null
	done
	wait "${LOAD_PIDS[@]}" 2>/dev/null
	LOAD_PIDS=()
}

not_alive() { ! kill -0 "$1" 2>/dev/null; }

# --- conntop's frames: every line must be one whole JSON document ---

# The summary of a frame: counters, rows, and its open connections counted per namespace and per
# process name. fromjson on each raw line: a line that is not a whole document is an error (jq
# says so on stderr and goes on; its status is then 5).
SUMMARY='fromjson | {t: .time_ms, s: .stats, rows: (.connections | length),
	ns: ([.connections[] | select(.closed | not) | .netns | tostring]
		| group_by(.) | map({key: .[0], value: length}) | from_entries),
	comm: ([.connections[] | select(.closed | not) | .comm]
		| group_by(.) | map({key: .[0], value: length}) | from_entries)}'

# start_headless NAME COMMAND...: conntop's JSON frames (COMMAND runs it) through a fifo into jq,
# which keeps a summary line per frame in $WORK/NAME.frames; sets CT_PID and JQ_PID.
start_headless() {
	local name=$1
	shift
	mkfifo "$WORK/$name.fifo"
	: >"$WORK/$name.frames" # jq opens it only once conntop has opened the fifo
	jq -R --unbuffered -c "$SUMMARY" <"$WORK/$name.fifo" >"$WORK/$name.frames" \
		2>"$WORK/$name.jq.err" &
	JQ_PID=$!
	"$@" >"$WORK/$name.fifo" 2>"$WORK/$name.err" &
	CT_PID=$!
}

# json_valid NAME MIN: jq ended well on every line of NAME's frames, and there were MIN or more.
json_valid() {
	local rc
	wait_until 30 not_alive "$JQ_PID" || kill -KILL "$JQ_PID"
	wait "$JQ_PID"
	rc=$?
	JQ_PID=""
	[ "$rc" -eq 0 ] && [ ! -s "$WORK/$1.jq.err" ] && [ "$(frames "$1")" -ge "$2" ] && return 0
	note "jq status $rc, $(frames "$1") frames (at least $2 wanted)"
	show_tail "$WORK/$1.jq.err" 5
	return 1
}

frames() { wc -l <"$WORK/$1.frames"; }
frames_at_least_n() { [ "$(frames "$1")" -ge "$2" ]; }
last_summary() { tail -n 1 "$WORK/$1.frames"; }
stat_of() { last_summary "$1" | jq -r ".s.$2"; }

# stop_conntop SECONDS: SIGINT to CT_PID; RC is its exit status (137 if it had to be killed).
stop_conntop() {
	kill -INT "$CT_PID" 2>/dev/null
	wait_until "$1" not_alive "$CT_PID" || kill -KILL "$CT_PID" 2>/dev/null
	wait "$CT_PID" 2>/dev/null
	RC=$?
	CT_PID=""
}

san_clean() { ! grep -qE "$SAN_REPORT" "$1"; }
show_tail() { [ -s "$1" ] && tail -n "${2:-30}" "$1" | sed 's/^/    | /'; }

# --- memory samples ---

status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }

fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# sample ELAPSED: one line of $WORK/samples: seconds, then the sanitizer build's rss_kb hwm_kb fds,
# then its frame's active rows events, then the normal build's rss_kb hwm_kb fds.
sample() {
	local sum
	sum=$(last_summary soak | jq -r '"\(.s.active) \(.rows) \(.s.events)"' 2>/dev/null)
	echo "$1 $(status_kb "$CT_PID" VmRSS) $(status_kb "$CT_PID" VmHWM) $(fd_count "$CT_PID")" \
		"${sum:-- - -} $(status_kb "$PLAIN_PID" VmRSS) $(status_kb "$PLAIN_PID" VmHWM)" \
		"$(fd_count "$PLAIN_PID")" >>"$WORK/samples"
}

# The screen for a part of the run: its own conntop (the sanitizer build) in tmux, views and sort
# switched every 2 s, then q.
screen_part() {
	local end=$((SECONDS + SCREEN_S)) keys=(Tab 3 1 2 End Home Tab Space Space F1 Escape) i=0
	tmux new-session -d -s "$SESSION" -x 120 -y 40 \
		"env ASAN_OPTIONS=$ASAN_OPTIONS LSAN_OPTIONS=$LSAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS \
		TERM=tmux-256color LANG=C.UTF-8 $CONNTOP -d 1 2>$WORK/screen.err; \
		echo conntop-exit=\$? >$WORK/screen.rc; sleep 600"
	while [ $SECONDS -lt $end ] && [ ! -e "$WORK/screen.rc" ]; do
		sleep 2
		tmux send-keys -t "$SESSION" "${keys[i % ${#keys[@]}]}" 2>/dev/null
		i=$((i + 1))
	done
	tmux capture-pane -p -t "$SESSION" >"$WORK/screen.txt" 2>/dev/null
	tmux send-keys -t "$SESSION" Escape q 2>/dev/null
	wait_until 30 test -e "$WORK/screen.rc"
	tmux kill-session -t "$SESSION" 2>/dev/null
}

# ============================ the sanitizer build, under load ============================

echo "soak: $SECONDS_WANTED s, $SAN_BUILD/conntop -b -d 1 --format json; valgrind on" \
	"$PLAIN_BUILD/conntop; work folder $WORK"
lab_up || die "lab up (nginx, redis in their namespaces)"
LAB_NS_INOS="$LAB_SWITCH_NETNS_INO $LAB_WEB_NETNS_INO $LAB_CACHE_NETNS_INO $LAB_CLIENT_NETNS_INO"
mkfifo "$WORK/pc.fifo"

# The normal build beside it, for its memory: ASan's allocator has a growth of its own (its
# shadow memory and size classes follow the largest frames so far), which the normal build's
# malloc does not show.
start_headless plain "$PLAIN_CONNTOP" -b -d 1 --format json
PLAIN_PID=$CT_PID PLAIN_JQ=$JQ_PID
start_headless soak "$CONNTOP" -b -d 1 --format json
wait_until 60 frames_at_least_n soak 3 || {
	show_tail "$WORK/soak.err"
	die "conntop (sanitizer build) printed its first frames"
}
wait_until 30 frames_at_least_n plain 3 || die "conntop (normal build) printed its first frames"

# lab_active SUMMARY-LINE: open connections conntop shows in the lab's namespaces.
lab_active() {
	jq -r --arg inos "$LAB_NS_INOS" \
		'[.ns as $n | $inos | split(" ")[] | $n[.] // 0] | add' <<<"$1"
}
BASE_SUMMARY=$(last_summary soak)
BASE_LAB=$(lab_active "$BASE_SUMMARY")
BASE_ACTIVE=$(jq -r .s.active <<<"$BASE_SUMMARY")

start_loads
T0=$SECONDS
T0_MS=$(($(date +%s%3N)))
SCREEN_AT=$((SECONDS_WANTED * 2 / 5))
screen_done=
[ "$SCREEN_S" -gt 0 ] || screen_done=skipped
next=0
while :; do
	elapsed=$((SECONDS - T0))
	[ "$elapsed" -lt "$SECONDS_WANTED" ] || break
	not_alive "$CT_PID" && break
	not_alive "$PLAIN_PID" && break
	if [ "$elapsed" -ge "$next" ]; then
		sample "$elapsed"
		next=$((next + SAMPLE_S))
	fi
	if [ -z "$screen_done" ] && [ "$elapsed" -ge "$SCREEN_AT" ]; then
		screen_part &
		SCREEN_PID=$!
		LOAD_PIDS+=("$SCREEN_PID")
		screen_done=started
	fi
	sleep 0.5
done
sample "$((SECONDS - T0))"
[ "$screen_done" != started ] || wait "$SCREEN_PID"
stop_loads
LOAD_S=$((SECONDS - T0))

# --- after the load: does conntop come back to where it was? ---

no_soak_processes() { # the soak's short-lived processes are gone from the last frame
	last_summary soak | jq -e '[.comm | to_entries[]
		| select(.key | test("^(soak-server|soak-client|churn-server|churn-client|curl|redis-benchmark|redis-cli)$"))]
		| length == 0' >/dev/null
}
lab_back() { [ "$(lab_active "$(last_summary soak)")" = "$BASE_LAB" ]; }
# Namespaces conntop still shows open connections in: each must still exist.
ghost_namespaces() {
	local live ns
	live=$( (
		for ns in /proc/[0-9]*/ns/net /run/netns/*; do stat -L -c %i "$ns" 2>/dev/null; done
	) | sort -u)
	last_summary soak | jq -r '.ns | keys[]' | while read -r ns; do
		grep -qx "$ns" <<<"$live" || echo "$ns"
	done
}
no_ghosts() { [ -z "$(ghost_namespaces)" ]; }
settled() { no_soak_processes && lab_back && no_ghosts; }
# Healing runs every 5 s: two passes are more than enough for anything a record missed.
wait_until 15 settled
END_SUMMARY=$(last_summary soak)
verdict "active back to the baseline in the lab's namespaces: $(lab_active "$END_SUMMARY") open,\
 $BASE_LAB before the load" lab_back
verdict "no open connection of the load's processes is left (churn, tcpfixture, curl, redis)" \
	no_soak_processes
GHOSTS=$(ghost_namespaces | paste -sd' ')
verdict "no open connection in a namespace that is gone${GHOSTS:+ (shown in $GHOSTS)}" \
	test -z "$GHOSTS"
note "host-wide active: $BASE_ACTIVE before the load, $(jq .s.active <<<"$END_SUMMARY") after" \
	"(other users' connections count in both)"

# --- the counters: nothing dropped for want of room, nothing invalid ---

counter() { jq -r ".s.$1" <<<"$END_SUMMARY"; }
EVENTS=$(counter events)
for c in ring_full table_full edge_table_full pending_full traffic_full invalid \
	tombstones_evicted namespace_errors; do
	verdict "counter $c is 0" test "$(counter "$c")" = 0 || note "$c: $(counter "$c")"
done
# Skipped runs of the tracepoint in the kernel's guard window are a kernel limit, each counted
# (docs/ARCHITECTURE.md): a few per million records is what they are; more is a real loss.
LOST=$(counter lost)
verdict "lost $LOST (skipped_runs $(counter skipped_runs)) is at most 1 per 100,000 of\
 $EVENTS records" test "$((LOST * 100000))" -le "$EVENTS"
note "$(jq -r '.s | "opened \(.opened) closed \(.closed) late \(.late) duplicate \(.duplicate)" +
	" corrections \(.corrections) closed_unseen \(.closed_unseen) not_accepted \(.not_accepted)" +
	" nested \(.nested) dump_passes \(.dump_passes)"' <<<"$END_SUMMARY")"

# --- the load itself ran ---

WEB_DONE=$(tail -n 1 "$WORK/web.log" 2>/dev/null)
REDIS_DONE=$(tail -n 1 "$WORK/redis.log" 2>/dev/null)
PC_DONE=$(cat "$WORK/pidchurn.log" 2>/dev/null)
CHURN_DONE=$(awk '{ n++; c += $2 } END { printf "%d namespaces, %d connections, %.0f/s", n, c, c / '"$LOAD_S"' }' \
	"$WORK/churn.log")
load_ran() { # "WORD N failed F": N > 0 and F = 0
	# shellcheck disable=SC2086 # split into its words
	set -- $1
	[ "${2:-0}" -gt 0 ] && [ "${4:-1}" -eq 0 ]
}
verdict "loopback churn in throw-away namespaces: $CHURN_DONE" \
	awk '$2 > 0 { ok = 1 } END { exit !ok }' "$WORK/churn.log"
verdict "nginx: curl $WEB_DONE" load_ran "$WEB_DONE"
verdict "redis: redis-benchmark $REDIS_DONE" load_ran "$REDIS_DONE"
verdict "processes and named namespaces that come and go: $PC_DONE" load_ran "$PC_DONE"
show_tail "$WORK/churn.err" 5

# --- memory: flat after the warm-up ---

# For each build, the warm-up's end W is the largest RSS over 10-20 % of the run, the end E the
# largest over its last 10 % (a frame's size moves with the load's bursts, so single samples
# would measure the bursts); growth = (E - W) / W.
echo
echo "conntop over the run, a sample every $SAMPLE_S s (san: the sanitizer build; normal: beside it):"
awk -v T="$LOAD_S" -v lim="$GROWTH_LIMIT" -v slim="$SAN_GROWTH_LIMIT" '
	# A short run may have no sample inside a window: then the last one before its end.
	function window(col, from, to,    i, m, last) {
		m = 0
		for (i = 1; i <= n; i++) {
			if (t[i] >= from * T && t[i] <= to * T && v[i, col] > m) m = v[i, col]
			if (t[i] <= to * T && v[i, col] > 0) last = v[i, col]
		}
		return m ? m : last + 0
	}
	function verdict(name, rcol, hcol, fcol, lim,    w, e, g, max, maxh, i) {
		w = window(rcol, 0.1, 0.2)
		e = window(rcol, 0.9, 1)
		max = window(rcol, 0, 1)
		maxh = window(hcol, 0, 1)
		g = w ? (e - w) * 100 / w : 100
		printf "V %s %s %.2f %d %d %d %d %d %d\n", name, (w && e && g < lim) ? "ok" : "bad", g,
			w, e, max, maxh, window(fcol, 0.1, 0.2), window(fcol, 0.9, 1)
	}
	{ n++; t[n] = $1; for (c = 2; c <= NF; c++) v[n, c] = $c }
	END {
		printf "T %6s %9s %9s %5s %11s %5s %7s %7s %9s\n", "time", "san MiB", "HWM MiB",
			"fds", "normal MiB", "fds", "active", "rows", "events/s"
		step = int((n + 11) / 12)
		if (step < 1) step = 1
		p = 1
		for (i = 1; i <= n; i++) {
			if ((i - 1) % step && i != n) continue
			rate = 0
			if (i > p && t[i] > t[p] && v[i, 7] != "-" && v[p, 7] != "-")
				rate = (v[i, 7] - v[p, 7]) / (t[i] - t[p])
			printf "T %5ds %9.1f %9.1f %5d %11.1f %5d %7s %7s %9.0f\n", t[i], v[i, 2] / 1024,
				v[i, 3] / 1024, v[i, 4], v[i, 8] / 1024, v[i, 10], v[i, 5], v[i, 6], rate
			p = i
		}
		verdict("san", 2, 3, 4, slim)
		verdict("normal", 8, 9, 10, lim)
	}' "$WORK/samples" >"$WORK/memory"
sed -n 's/^T //p' "$WORK/memory"
echo
# The largest frame (rows, and open connections) in the warm-up and after it, from every frame:
# conntop's memory follows its largest frame so far, and other users' connections count too.
read -r rows_w rows_a act_w act_a < <(jq -rs --argjson t0 "$T0_MS" --argjson T "$LOAD_S" '
	[.[] | select(.t >= $t0 and .t <= $t0 + $T * 1000)] as $f
	| [$f[] | select(.t < $t0 + $T * 200)] as $w | [$f[] | select(.t >= $t0 + $T * 200)] as $a
	| "\([$w[].rows] | max // 0) \([$a[].rows] | max // 0) \([$w[].s.active] | max // 0)" +
	  " \([$a[].s.active] | max // 0)"' "$WORK/soak.frames")
memory_verdict() { # san|normal WHAT LIMIT
	local mem_ok growth w e max hwm wf ef
	read -r mem_ok growth w e max hwm wf ef < <(sed -n "s/^V $1 //p" "$WORK/memory")
	verdict "memory flat after the warm-up, $2: RSS $((w / 1024)) MiB at its end, $((e / 1024))\
 MiB at the run's end, growth $growth % (limit $3 %); max $((max / 1024)) MiB,\
 VmHWM $((hwm / 1024)) MiB" test "$mem_ok" = ok ||
		note "the largest frame had $rows_w rows ($act_w open) in the warm-up, $rows_a" \
			"($act_a open) after it: other users' connections count, and memory follows them"
	verdict "open fds flat after the warm-up, $2: $wf at its end, $ef at the run's end" \
		test "$ef" -le "$wf"
}
note "the largest frame: $rows_w rows ($act_w open) in the warm-up, $rows_a ($act_a open) after it"
memory_verdict normal "normal build" "$GROWTH_LIMIT"
# ASan's RSS climbs for its first minute or two (47 to 54 MiB in a 10-minute run), whatever the
# load: in a shorter run its warm-up ends before that, and its growth says nothing about conntop.
if [ "$LOAD_S" -ge 300 ]; then
	memory_verdict san "sanitizer build" "$SAN_GROWTH_LIMIT"
else
	note "the sanitizer build's memory is judged in runs of 300 s or more (its allocator settles" \
		"in 1-2 minutes): $(sed -n 's/^V san [a-z]* \([-0-9.]*\) .*/growth \1 %/p' "$WORK/memory")"
fi

# --- the screen, and the sanitizers at exit ---

if [ "$screen_done" = started ]; then
	verdict "the screen (tmux, $SCREEN_S s, views and sort switched) exits 0 on q" \
		grep -qx 'conntop-exit=0' "$WORK/screen.rc" || show_tail "$WORK/screen.txt" 10
	verdict "the screen: no sanitizer report" san_clean "$WORK/screen.err" ||
		show_tail "$WORK/screen.err"
else
	note "the screen did not run (SOAK_SCREEN_SECONDS=$SCREEN_S)"
fi
stop_conntop 120
verdict "headless conntop (ASan, LSan, UBSan) exits 0 on SIGINT (status $RC)" test "$RC" = 0
verdict "headless: no sanitizer report (leaks at exit included)" san_clean "$WORK/soak.err" ||
	show_tail "$WORK/soak.err"
[ -s "$WORK/soak.err" ] && { note "its stderr:"; show_tail "$WORK/soak.err" 10; }
verdict "every frame was one whole JSON document ($(frames soak) frames)" \
	json_valid soak $((LOAD_S * 4 / 5))
CT_PID=$PLAIN_PID JQ_PID=$PLAIN_JQ PLAIN_PID="" PLAIN_JQ=""
stop_conntop 30
plain_ended_well() { test "$RC" = 0 && json_valid plain $((LOAD_S * 4 / 5)); }
verdict "the normal build beside it exits 0 on SIGINT (status $RC), every frame whole JSON\
 ($(frames plain) frames)" plain_ended_well

# ============================ valgrind, on the normal build ============================

# Every error and every leak (definite, indirect, possible) fails: exit status 99.
# shellcheck disable=SC2054,SC2206 # the commas are valgrind's; SOAK_VALGRIND_ARGS is words
VALGRIND=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --num-callers=30
	--suppressions="$SUPP" ${SOAK_VALGRIND_ARGS:-})

# valgrind_verdict NAME WHAT RC: status 0, and the log's summary says no error.
valgrind_verdict() {
	local log=$WORK/vg-$1.log errors
	errors=$(grep -oE 'ERROR SUMMARY: [0-9]+ errors' "$log" | grep -oE '[0-9]+' | tail -1)
	verdict "valgrind, $2: status $3, ${errors:-no} errors, $(leak_words "$log")" \
		test "$3" = 0 -a "${errors:-1}" = 0 || show_tail "$log" 40
}

leak_words() {
	if grep -q 'All heap blocks were freed' "$1"; then
		echo "all heap blocks freed"
	else
		grep -oE '(definitely|indirectly|possibly) lost: [0-9,]+ bytes' "$1" | paste -sd, -
	fi
}

echo
start_loads
# eBPF: the programs load and attach, records come through the ring buffer, bytes from the
# kernel's table, sock_diag seeds and heals; recorded for the replay below.
start_headless vg-ebpf "${VALGRIND[@]}" --log-file="$WORK/vg-ebpf.log" "$PLAIN_CONNTOP" \
	-b -d 1 --format json --record "$WORK/vg.rec"
wait_until 120 frames_at_least_n vg-ebpf 2 || note "valgrind, eBPF: no frame after 120 s"
sleep "$VALGRIND_S"
stop_conntop 180
valgrind_verdict ebpf "eBPF for $VALGRIND_S s under load" "$RC"
verdict "valgrind, eBPF: every frame one whole JSON document ($(frames vg-ebpf))" \
	json_valid vg-ebpf 2
UNHANDLED=$(grep -oE 'unhandled eBPF command [0-9]+' "$WORK/vg-ebpf.log" | sort | uniq -c |
	awk '{ printf "%s%s (%d times)", sep, $5, $1; sep = ", " }')
[ -z "$UNHANDLED" ] || note "valgrind does not model bpf() commands $UNHANDLED: what the kernel" \
	"writes through them (batch lookups, link creation) is not checked for definedness"

# /proc polling: the user space without eBPF.
start_headless vg-proc "${VALGRIND[@]}" --log-file="$WORK/vg-proc.log" "$PLAIN_CONNTOP" \
	--source proc -b -d 1 --format json
wait_until 120 frames_at_least_n vg-proc 2 || note "valgrind, /proc: no frame after 120 s"
sleep "$((VALGRIND_S / 2))"
stop_conntop 180
valgrind_verdict proc "--source proc for $((VALGRIND_S / 2)) s under load" "$RC"
verdict "valgrind, /proc: every frame one whole JSON document ($(frames vg-proc))" \
	json_valid vg-proc 2
stop_loads

# The replay of the eBPF run: the recording's reader, and the same frames again.
start_headless vg-replay "${VALGRIND[@]}" --log-file="$WORK/vg-replay.log" "$PLAIN_CONNTOP" \
	--replay "$WORK/vg.rec" -b --replay-speed 0 --format json
wait_until 300 not_alive "$CT_PID"
stop_conntop 10
valgrind_verdict replay "--replay of that recording" "$RC"
verdict "valgrind, replay: every frame one whole JSON document ($(frames vg-replay))" \
	json_valid vg-replay 1
verdict "valgrind, replay: the same frames as the recorded run" \
	cmp -s "$WORK/vg-ebpf.frames" "$WORK/vg-replay.frames"

echo
if [ "$FAILS" -eq 0 ]; then
	echo "soak: PASS ($LOAD_S s under load)"
	exit 0
fi
echo "soak: FAIL ($FAILS checks failed)"
exit 1
