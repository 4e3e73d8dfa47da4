#!/usr/bin/env bash
# Without eBPF (--source proc): sock_diag and /proc polled at each refresh. Long-lived connections
# are seen with their pids, as the eBPF source sees them; a connection that opens and later closes
# across polls is counted opened and closed; one shorter than the refresh is not seen, as the first
# line says; the header and the JSON name the source.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root

PORT=17951
rows_of() { # FILE: "pid dir local remote" of the port's established connections, sorted
	awk -v p=":$PORT" '/^NODES$/ { exit } $6 == "ESTABLISHED" && ($4 ~ p"$" || $5 ~ p"$") {
		print $1, $3, $4, $5 }' "$1" | sort
}

start server "$TCPFIXTURE" serve 127.0.0.1 $PORT -c 4 -t 60
wait_line server '^listening'
start held "$TCPFIXTURE" hold 127.0.0.1 $PORT 2 -t 60
wait_line held '^holding 2'

# The same long-lived connections through both sources.
"$CONNTOP" --source ebpf -b -n 1 >"$TMP/ebpf.out" 2>"$TMP/ebpf.err"
"$CONNTOP" --source proc -b -n 1 >"$TMP/proc.out" 2>"$TMP/proc.err"
check "proc: exits 0" test $? = 0
same_rows() { [ -n "$(rows_of "$TMP/proc.out")" ] && diff <(rows_of "$TMP/ebpf.out") <(rows_of "$TMP/proc.out"); }
check "proc: the held connections with their pids, as eBPF shows them" same_rows
check "proc: four connection ends of the port" test "$(rows_of "$TMP/proc.out" | wc -l)" = 4
check "proc: asked for, so nothing on stderr" test ! -s "$TMP/proc.err"

"$CONNTOP" --source proc -b -n 1 --format json >"$TMP/proc.json"
check "proc: the JSON says source proc" eval 'jq -e ".source == \"proc\"" "$TMP/proc.json" >/dev/null'

# Opens and closes seen between polls are counted as such.
start_conntop --source proc
check "proc: started" wait_frames 2
opened_before=$(header_value opened)
start late "$TCPFIXTURE" connect 127.0.0.1 $PORT -t 60
wait_line late '^connected '
late_pid=$(sed -n 's/^pid=//p' "$TMP/late.out")
late_seen() { last_frame | grep -qE "^ *$late_pid +tcpfixture +out .* ESTABLISHED "; }
check "proc: a new connection shows at the next poll" wait_until 10 late_seen
opened_two_more() { [ $(($(header_value opened) - opened_before)) -ge 2 ]; }
check "proc: counted as opened (both ends)" opened_two_more
finish late
late_gone() { ! last_frame | grep -qE "^ *$late_pid +tcpfixture +out .* ESTABLISHED "; }
check "proc: its close shows at the next poll" wait_until 10 late_gone
closed_some() { [ "$(header_value closed)" -ge 2 ]; }
check "proc: counted as closed (both ends)" wait_until 5 closed_some
check "proc: nothing counted lost" test "$(header_value lost)" = 0
