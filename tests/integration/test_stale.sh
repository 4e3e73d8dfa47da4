#!/usr/bin/env bash
# Nothing stale after what a row points at goes away, with real processes and conntop's JSON
# frames: a network namespace deleted (after its processes, or before them while they keep it
# alive), a Docker-named container's cgroup emptied and removed, and a pid reused by another
# process. Each must leave no row and no node behind one refresh later (two frames allowed: the
# first may still show the close), and healing passes must neither bring them back nor keep
# counting namespace errors.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
source tests/integration/lab.sh # the cgroup helpers only: lab_up is never called
require_root

PORT_NS_A=18101 PORT_NS_B=18102 PORT_CONTAINER=18103 PORT_PID=18104

start ct timeout 120 "$CONNTOP" -b -d 0.3 --format json --heal-interval 0.3
wait_line ct '^\{' 15 || { fail "conntop attached"; exit 1; }

# Every JSON frame is one line of $TMP/ct.out.
frames() { grep -c '^{' "$TMP/ct.out"; }
frames_reach() { [ "$(frames)" -ge "$1" ]; }
frame() { sed -n "$1p" "$TMP/ct.out"; }
last() { last_whole_line "$TMP/ct.out"; }
# wait_json_frames N: until N frames after the current one are complete; prints its number.
wait_json_frames() {
	local want=$(($(frames) + $1))
	wait_until 10 frames_reach $((want + 1)) # a line is whole once the next one has begun
	echo "$want"
}
# last_has JQ-EXPR: the last whole frame satisfies it.
last_has() { last | jq -e "$1" >/dev/null 2>&1; }
# frames_none FROM JQ-FILTER: no frame from number FROM on has anything the filter selects.
frames_none() {
	[ "$(tail -n +"$1" "$TMP/ct.out" | grep '^{' | jq -c "$2" 2>/dev/null | grep -c .)" = 0 ]
}
pid_of() { sed -n 's/^pid=//p' "$TMP/$1.out"; }
# kill_wait NAME...: SIGKILL, reaped: the kernel has closed their sockets on return.
kill_wait() {
	local name pid pids=()
	for name; do
		pid=PID_$name
		pids+=("${!pid}")
	done
	kill -KILL "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
}
# netns_rows INODE PORT PID...: a jq filter selecting the rows and nodes of ours in that netns.
# Ours only: the kernel reuses a freed namespace's inode, and other users on this machine make
# namespaces all the time (a second netns of this test gets the first's inode, too).
netns_rows() {
	local ino=$1 port=$2 pids
	shift 2
	pids=$(IFS=,; echo "$*")
	echo "(.connections[] | select(.netns == $ino and (.local_port == $port or
		.remote_port == $port or ([.pid] | inside([$pids]))))),
	      (.nodes[] | select(.netns == $ino and ([.pid] | inside([$pids]))))"
}

# --- 1. network namespaces ---

# ns_pair TAG NS PORT: a server and a client (TAG_srv, TAG_cli) holding one connection inside NS
# on its loopback; conntop shows both sides with the namespace's inode. Sets INO, PAIR_PIDS.
ns_pair() {
	local tag=$1 ns=$2 port=$3 spid cpid
	ip netns add "$ns" || { fail "$tag: ip netns add $ns"; return 1; }
	ip -n "$ns" link set lo up
	INO=$(stat -L -c %i "/run/netns/$ns")
	start "${tag}_srv" ip netns exec "$ns" "$TCPFIXTURE" serve 127.0.0.1 "$port" -t 60
	wait_line "${tag}_srv" '^listening'
	start "${tag}_cli" ip netns exec "$ns" "$TCPFIXTURE" connect 127.0.0.1 "$port" -t 60
	check "$tag: client connected inside $ns" wait_line "${tag}_cli" '^connected '
	spid=$(pid_of "${tag}_srv") cpid=$(pid_of "${tag}_cli")
	PAIR_PIDS="$spid $cpid"
	check "$tag: both sides shown with netns $INO" wait_until 10 last_has "
		[.connections[] | select(.netns == $INO and .state == \"ESTABLISHED\")
		 | \"\(.pid) \(.direction)\"] | contains([\"$spid in\", \"$cpid out\"])"
	check "$tag: both processes' nodes in netns $INO" last_has \
		"[.nodes[] | select(.netns == $INO) | .pid] | contains([$spid, $cpid])"
}

NS_A=stale$$-a
ns_pair netns "$NS_A" $PORT_NS_A
INO_A=$INO
# shellcheck disable=SC2086 # two pids
A_ROWS=$(netns_rows "$INO_A" $PORT_NS_A $PAIR_PIDS)
check "netns: the filter finds both rows and both nodes while they live" last_has "[$A_ROWS] | length >= 4"
kill_wait netns_srv netns_cli
ip netns del "$NS_A"
n=$(wait_json_frames 2)
check "netns: no row or node in deleted netns $INO_A after one refresh" \
	frames_none "$n" "$A_ROWS"
# Healing passes every 0.3 s: four frames hold three or more of them.
wait_json_frames 4 >/dev/null
check "netns: healing brings nothing back" frames_none "$n" "$A_ROWS"
check "netns: namespace errors back to 0 once it is gone" \
	last_has '.stats.namespace_errors == 0 and .stats.dump_passes > 2'

# The name goes first: the processes keep the namespace alive, and their rows must stay.
NS_B=stale$$-b
ns_pair nsgone "$NS_B" $PORT_NS_B
INO_B=$INO
# shellcheck disable=SC2086 # two pids
B_ROWS=$(netns_rows "$INO_B" $PORT_NS_B $PAIR_PIDS)
check "nsgone: the filter finds both rows and both nodes while they live" last_has "[$B_ROWS] | length >= 4"
ip netns del "$NS_B"
n=$(wait_json_frames 2)
check "nsgone: rows stay while its processes keep it" last_has \
	"[.connections[] | select(.netns == $INO_B and .state == \"ESTABLISHED\")] | length == 2"
kill_wait nsgone_srv nsgone_cli
n=$(wait_json_frames 2)
check "nsgone: no row or node after its processes end" \
	frames_none "$n" "$B_ROWS"
wait_json_frames 4 >/dev/null
check "nsgone: healing brings nothing back" frames_none "$n" "$B_ROWS"
check "nsgone: namespace errors back to 0" last_has '.stats.namespace_errors == 0'

# --- 2. a container that exits ---

found=$(_lab_find_cgroup2)
if [ -z "$found" ]; then
	fail "container: a cgroup v2 hierarchy is mounted"
else
	LAB_CGROUP_ROOT=${found% *}
	CID=$(_lab_random_hex 32)
	CID12=${CID:0:12}
	# lab_down (on exit) empties and removes it, should the test stop half-way.
	LAB_WEB_CGROUP=$LAB_CGROUP_ROOT/system.slice/docker-$CID.scope
	_lab_locked _lab_mkcgroup "$LAB_WEB_CGROUP" || fail "container: mkdir $LAB_WEB_CGROUP"
	start c_srv "$TCPFIXTURE" serve 127.0.0.1 $PORT_CONTAINER -t 60
	wait_line c_srv '^listening'
	# The holder moves itself into the cgroup before it execs, so it connects from inside.
	# shellcheck disable=SC2016 # $$ and "$@" are the inner shell's
	start c_hold sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' holder \
		"$LAB_WEB_CGROUP" "$TCPFIXTURE" connect 127.0.0.1 $PORT_CONTAINER -t 60
	check "container: holder connected" wait_line c_hold '^connected '
	hpid=$(pid_of c_hold)
	check "container: holder is in the cgroup" grep -qx "$hpid" "$LAB_WEB_CGROUP/cgroup.procs"
	container_rows="(.connections[], .nodes[]) | select(.container.id // \"\" | startswith(\"$CID12\"))"
	check "container: $CID12 on the holder's row" wait_until 10 last_has \
		"[.connections[] | select(.pid == $hpid and .direction == \"out\"
		 and .state == \"ESTABLISHED\") | .container.id] == [\"$CID\"]"
	check "container: $CID12 on the holder's node" last_has \
		"[.nodes[] | select(.pid == $hpid) | .container.id] == [\"$CID\"]"
	check "container: the filter finds its row and node while it runs" \
		last_has "[$container_rows] | length >= 2"
	kill_wait c_hold
	_lab_locked _lab_rmcgroup "$LAB_WEB_CGROUP"
	check "container: cgroup removed" test ! -d "$LAB_WEB_CGROUP"
	n=$(wait_json_frames 2)
	check "container: no row or node of $CID12 after one refresh" \
		frames_none "$n" "$container_rows"
	wait_json_frames 4 >/dev/null
	check "container: healing brings nothing back" frames_none "$n" "$container_rows"
	kill_wait c_srv
fi

# --- 3. a pid reused ---

# start_at_pid NAME PID command...: lib.sh's start, with the next fork made to get PID. Nothing
# forks between the write to ns_last_pid and the launch: the fifo is made first, echo is a
# builtin. Fails (the process still started) when another process's fork came in between.
start_at_pid() {
	local name=$1 want=$2 pid
	shift 2
	mkfifo "$TMP/$name.in"
	echo $((want - 1)) >/proc/sys/kernel/ns_last_pid
	launch "$name" "$@"
	pid="PID_$name"
	[ "${!pid}" = "$want" ]
}

start p_srv "$TCPFIXTURE" serve 127.0.0.1 $PORT_PID -c 30 -t 60
wait_line p_srv '^listening'
reused=""
ALPHA_ROWS='(.connections[] | select(.comm == "alpha")), (.nodes[] | select(.comm == "alpha"))'
for try in 1 2 3 4 5 6 7 8 9 10; do
	start "alpha$try" "$TCPFIXTURE" connect 127.0.0.1 $PORT_PID -t 60 -N alpha
	wait_line "alpha$try" '^connected ' || continue
	apid=$(pid_of "alpha$try")
	# conntop has seen A: its row and its node, whose id B's must not take over.
	wait_until 10 last_has "[.connections[] | select(.pid == $apid and .comm == \"alpha\")] | length > 0" ||
		continue
	anode=$(last | jq -r ".nodes[] | select(.pid == $apid) | .id")
	alpha_seen=$(last | jq "[$ALPHA_ROWS] | length")
	kill_wait "alpha$try"
	if start_at_pid "beta$try" "$apid" "$TCPFIXTURE" connect 127.0.0.1 $PORT_PID -t 60 -N beta; then
		reused=beta$try
		break
	fi
	kill_wait "beta$try" # another fork took the pid first: again, with a new A
done
check "pid: B got A's pid $apid (try $try of 10)" test -n "$reused"
if [ -n "$reused" ]; then
	check "pid: B connected" wait_line "$reused" '^connected '
	wait_until 10 last_has "[.connections[] | select(.pid == $apid and .comm == \"beta\"
		and .state == \"ESTABLISHED\")] | length > 0"
	n=$(wait_json_frames 2)
	check "pid: rows of pid $apid show beta" last_has \
		"[.connections[] | select(.pid == $apid) | .comm] | length > 0 and all(. == \"beta\")"
	check "pid: A's row and node were shown before it ended" test "$alpha_seen" -ge 2
	check "pid: no row or node shows alpha after one refresh" frames_none "$n" "$ALPHA_ROWS"
	check "pid: one node for pid $apid, named beta" last_has \
		"[.nodes[] | select(.pid == $apid) | .comm] == [\"beta\"]"
	check "pid: B's node is not A's ($anode)" last_has \
		"[.nodes[] | select(.pid == $apid) | .id] | length == 1 and .[0] != \"$anode\""
fi

check "nothing lost" last_has '.stats.lost == 0'
check "conntop ends cleanly on SIGINT" stop ct
check "no sanitizer report" eval "! grep -qE 'Sanitizer|runtime error' '$TMP/ct.err'"
