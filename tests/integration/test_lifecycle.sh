#!/usr/bin/env bash
# The real BPF programs, loaded: a server process and a separate client process on 127.0.0.1 and
# on ::1. conntop's batch output must show the server's pid on the "in" row and the client's on
# the "out" row, then both closed, then gone.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root

# row_regex PID DIR LOCAL REMOTE STATE: a table row, addresses given literally.
row_regex() {
	local l r
	l=$(printf '%s' "$3" | sed 's/[].[]/\\&/g')
	r=$(printf '%s' "$4" | sed 's/[].[]/\\&/g')
	printf '^ *%s +tcpfixture +%s +%s +%s +%s ' "$1" "$2" "$l" "$r" "$5"
}

frame_has() { last_frame | grep -qE "$1"; }
output_has() { grep -qE "$1" "$TMP/conntop.out"; }

# lifecycle ADDR PORT LABEL: one connection between two processes, seen open, closed, then gone.
lifecycle() {
	local addr=$1 port=$2 label=$3 host cport spid cpid in_row out_row
	host=$addr
	[[ $addr == *:* ]] && host="[$addr]"

	start "server_$label" "$TCPFIXTURE" serve "$addr" "$port" -c 1
	check "$label: server listens" wait_line "server_$label" '^listening'
	start "client_$label" "$TCPFIXTURE" connect "$addr" "$port"
	check "$label: client connects" wait_line "client_$label" '^connected '
	spid=$(sed -n 's/^pid=//p' "$TMP/server_$label.out")
	cpid=$(sed -n 's/^pid=//p' "$TMP/client_$label.out")
	cport=$(sed -n 's/^connected .*:\([0-9]*\)$/\1/p' "$TMP/client_$label.out")

	in_row=$(row_regex "$spid" in "$host:$port" "$host:$cport" ESTABLISHED)
	out_row=$(row_regex "$cpid" out "$host:$cport" "$host:$port" ESTABLISHED)
	check "$label: server pid $spid on the in row" wait_until 10 frame_has "$in_row"
	check "$label: client pid $cpid on the out row" wait_until 10 frame_has "$out_row"
	if [ "$spid" = "$cpid" ] || [ -z "$spid" ]; then
		fail "$label: server and client are separate processes ($spid, $cpid)"
	fi

	finish "client_$label"
	finish "server_$label"
	check "$label: client closed" wait_until 10 output_has \
		"$(row_regex "$cpid" out "$host:$cport" "$host:$port" CLOSED)"
	check "$label: server closed" wait_until 10 output_has \
		"$(row_regex "$spid" in "$host:$port" "$host:$cport" CLOSED)"
	wait_frames 2
	gone() { ! last_frame | grep -qE ":$cport +.*(ESTABLISHED|CLOSED)"; }
	check "$label: both rows gone after one frame" gone
}

start_conntop
lifecycle 127.0.0.1 17101 ipv4
lifecycle ::1 17102 ipv6
check "nothing lost" test "$(header_value lost)" = 0
