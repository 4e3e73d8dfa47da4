#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs: $names are jq's
# shellcheck disable=SC2154 # PID_<name> are set by lib.sh's start
# Where the kernel counts bytes: in each socket's own storage, read by an iterator (chosen where
# the kernel has the send/receive tracepoints, 6.3+, and lets tracing programs use socket
# storage, 5.11+), or in one hash map keyed by cookie (older kernels; --traffic=bpf-hash forces
# it). Two conntops, one each way, watch the same loopback transfers at once and must both show
# the exact bytes (SYN and FIN are no data): open, closed, and closed between two frames. Each
# creates only its own way's map (the hash map's 262,144 preallocated entries cost start-up), and
# neither counts a socket it could not count (traffic_full 0). (Not fentry: this kernel refuses
# it, and 6.1, where it loads, has no sock_send_length.)
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root

PORT=17431
UP=3000000 DOWN=1200000 # different each way, so that a swapped count shows
UP2=700000 # the connection that lives between two frames (the sink answers DOWN)

check "this kernel has the sock_send_length tracepoint (6.3+)" \
	grep -q btf_trace_sock_send_length /sys/kernel/btf/vmlinux

# How conntop says (-v) it counts bytes.
counted_in() { "$CONNTOP" -b -n 1 -d 0.1 -v "$@" 2>&1 >/dev/null | sed -n 's/^conntop: bytes: counted in //p'; }
way=$(counted_in)
check "auto: bytes are counted in socket storage on this kernel ($way)" \
	test "$way" = "socket storage, read by an iterator"
way=$(counted_in --traffic=bpf-hash)
check "--traffic=bpf-hash: in the hash map ($way)" test "$way" = "a hash map keyed by socket cookie"
way=$(counted_in --traffic=bpf)
check "--traffic=bpf: in socket storage too ($way)" test "$way" = "socket storage, read by an iterator"

# maps_of NAME: "type max_entries" of each BPF map the conntop started as NAME holds (under
# timeout: its child). Types: 1 hash, 24 socket storage.
maps_of() {
	local pid
	pid=$(pgrep -P "$(eval echo "\$PID_$1")" conntop) || return 1
	for f in /proc/"$pid"/fdinfo/*; do
		awk '/^map_type:/ { t = $2 } /^max_entries:/ { m = $2 } END { if (t != "") print t, m }' "$f"
	done 2>/dev/null
}

conntop_json store
conntop_json hash --traffic=bpf-hash
maps_of store >"$TMP/store.maps"
maps_of hash >"$TMP/hash.maps"
check "storage: its conntop has the socket storage map and no traffic hash map" \
	eval "grep -q '^24 ' '$TMP/store.maps' && ! grep -q '^1 262144$' '$TMP/store.maps'"
check "bpf-hash: its conntop has the traffic hash map and no socket storage map" \
	eval "grep -q '^1 262144$' '$TMP/hash.maps' && ! grep -q '^24 ' '$TMP/hash.maps'"

start sink "$TCPFIXTURE" sink 127.0.0.1 $PORT -c 4 -r $DOWN -t 60
wait_line sink '^listening' || fail "sink listens"
start sender "$TCPFIXTURE" send 127.0.0.1 $PORT $UP -r $DOWN -t 60
check "transfer done" wait_line sender "^sent $UP received $DOWN\$" 20
local_addr=$(sed -n 's/^connected //p' "$TMP/sender.out")
sender_pid=$(sed -n 's/^pid=//p' "$TMP/sender.out")
sink_pid=$(sed -n 's/^pid=//p' "$TMP/sink.out")

# exact NAME PID WHO SENT RECEIVED [closed]: in NAME's last frame (or, with closed, in the first
# frame that shows it closed), PID's connection (WHO: local or remote = the sender's address)
# moved exactly SENT and RECEIVED bytes.
exact() {
	local name=$1 pid=$2 who=$3 sent=$4 received=$5 closed=${6:-}
	jq -e -n --argjson p "$pid" --arg a "$local_addr" --arg who "$who" \
		--argjson s "$sent" --argjson r "$received" --arg closed "$closed" '
		[inputs | first(.connections[] | select(.pid == $p and .[$who] == $a
			and ($closed == "" or .closed)))] as $v
		| (if $closed == "" then $v | last else $v | first end)
		| . != null and .bytes_sent == $s and .bytes_received == $r' "$TMP/$name.out" \
		>/dev/null 2>&1
}
for ct in store hash; do
	check "$ct: open, the client's connection sent $UP, received $DOWN" \
		wait_until 5 exact $ct "$sender_pid" local $UP $DOWN
	check "$ct: open, the server's connection the other way round" \
		wait_until 5 exact $ct "$sink_pid" remote $DOWN $UP
done
finish sender
check "sender closed" wait_line sink "^received $UP sent $DOWN " 10
for ct in store hash; do
	check "$ct: closed, the client's connection keeps its final counts" \
		wait_until 5 exact $ct "$sender_pid" local $UP $DOWN closed
	check "$ct: closed, the server's connection too" \
		wait_until 5 exact $ct "$sink_pid" remote $DOWN $UP closed
done

# Opened, moved and closed at once (-x): only the close record's counts can tell. The sink's
# reply size is fixed: DOWN again.
start quick "$TCPFIXTURE" send 127.0.0.1 $PORT $UP2 -r $DOWN -x -t 60
check "quick transfer done and closed" wait_line quick '^closed ' 20
local_addr=$(sed -n 's/^connected //p' "$TMP/quick.out")
quick_pid=$(sed -n 's/^pid=//p' "$TMP/quick.out")
for ct in store hash; do
	check "$ct: a connection that lived between two frames shows its exact final counts" \
		wait_until 5 exact $ct "$quick_pid" local $UP2 $DOWN closed
done
# Stopped first: SIGINT ends a frame whole.
traffic_full() { jq -s 'last | .stats.traffic_full' "$TMP/$1.out"; }
for ct in store hash; do
	stop $ct
	full=$(traffic_full $ct)
	check "$ct: traffic_full is 0 ($full)" test "$full" = 0
done
check "no sanitizer report" eval "! cat '$TMP'/*.err 2>/dev/null | grep -qE 'Sanitizer|runtime error'"
