#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID_<name> are set by lib.sh's start
# After loading and attaching, conntop keeps only the capabilities it still uses (docs/conntop.8,
# SECURITY): permitted, effective and bounding sets alike, no ambient ones, no_new_privs; and
# with them it still does its work: another user's process resolved with its namespace, bytes
# read from its maps, healing passes in every namespace.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root

CAP_DAC_OVERRIDE=1 CAP_DAC_READ_SEARCH=2 CAP_SYS_PTRACE=19 CAP_SYS_ADMIN=21 CAP_BPF=39
mask() {
	local m=0 cap
	for cap in "$@"; do m=$((m | 1 << cap)); done
	printf '%016x' "$m"
}
# Before Linux 6.5 every bpf() call is checked, reading our own maps too: CAP_BPF stays there.
kernel=$(uname -r)
major=${kernel%%.*} rest=${kernel#*.} minor=${rest%%.*}
extra_bpf=()
if [ "$major" -lt 6 ] || { [ "$major" = 6 ] && [ "$minor" -lt 5 ]; }; then
	extra_bpf=("$CAP_BPF")
fi
status_of() { grep "^$2:" "/proc/$1/status" | awk '{ print $2 }'; }
conntop_pid() { pgrep -P "$1" -x conntop; }

# caps_are NAME WHAT CAPS...: NAME's conntop holds exactly CAPS, in every set.
caps_are() {
	local name=$1 what=$2 pid want set
	shift 2
	pid=$(conntop_pid "${!name}")
	want=$(mask "$@")
	for set in CapPrm CapEff CapBnd; do
		check "$what: $set is $want" test "$(status_of "$pid" $set)" = "$want"
	done
	check "$what: no ambient capabilities" test "$(status_of "$pid" CapAmb)" = 0000000000000000
	check "$what: no_new_privs" test "$(status_of "$pid" NoNewPrivs)" = 1
	check "$what: still root" test "$(status_of "$pid" Uid | cut -c1)" = 0
}

# Another user's connection: its namespace needs ptrace access to read, its bytes the maps.
PORT=17971
start server "$TCPFIXTURE" sink 127.0.0.1 $PORT -c 1 -r 0 -t 60
wait_line server '^listening'

conntop_json healing --heal-interval 0.3 --traffic auto
caps_are PID_healing "default (healing)" "$CAP_DAC_READ_SEARCH" "$CAP_SYS_PTRACE" \
	"$CAP_SYS_ADMIN" "${extra_bpf[@]}"
conntop_json quiet --heal-interval 0 --traffic bpf
caps_are PID_quiet "no healing, bytes from BPF" "$CAP_DAC_READ_SEARCH" "$CAP_SYS_PTRACE" \
	"${extra_bpf[@]}"
conntop_json writing --heal-interval 0 --traffic bpf -o "$TMP/out.json" --every
caps_are PID_writing "with -o" "$CAP_DAC_OVERRIDE" "$CAP_DAC_READ_SEARCH" "$CAP_SYS_PTRACE" \
	"${extra_bpf[@]}"

start client setpriv --reuid=65534 --regid=65534 --clear-groups "$TCPFIXTURE" send 127.0.0.1 \
	$PORT 300000 -p 200000 -t 60
check "nobody's client connected" wait_line client '^connected '
sleep 2.5 # its bytes flow, frames and healing passes go by
client_node() { # NAME FIELD: the client's node in NAME's last frame
	last_whole_line "$TMP/$1.out" | jq -r --argjson pid "$PID_client" \
		".nodes[] | select(.pid == \$pid) | .$2"
}
self_netns=$(stat -L -c %i /proc/self/ns/net)
for name in healing quiet; do
	check "$name: nobody's process is resolved with its namespace" \
		test "$(client_node $name netns)" = "$self_netns"
	sent=$(last_whole_line "$TMP/$name.out" | jq --argjson p $PORT \
		'[.connections[] | select(.remote_port == $p) | .bytes_sent] | max // 0')
	check "$name: its bytes are read from the kernel ($sent)" test "$sent" -gt 0
done
check "healing: passes keep running in every namespace" \
	test "$(last_whole_line "$TMP/healing.out" | jq '.stats.dump_passes')" -gt 3
check "healing: and none fails" \
	test "$(last_whole_line "$TMP/healing.out" | jq '.stats.namespace_errors')" = 0
snapshot_whole() { jq -e .stats "$TMP/out.json" >/dev/null; }
check "-o: the snapshot is written after the drop" snapshot_whole

# A replay needs nothing of the kernel or of other processes.
"$CONNTOP" -b -n 2 -d 0.5 --record "$TMP/rec" >/dev/null 2>&1
start replaying "$CONNTOP" --replay "$TMP/rec" --replay-speed 0.001 -b
check "replay: the first frame shows" wait_line replaying '^conntop ' 10
check "replay: no capability left" test "$(status_of "$PID_replaying" CapEff)" = 0000000000000000
