#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# iperf-pair.sh SECONDS [LENGTH]: one iperf3 server and one client over 127.0.0.1 for SECONDS,
# with writes of LENGTH bytes (iperf3's -l; its default is 128K). Prints the receiver's throughput
# in bits per second. Run it in a namespace of its own (unshare -n bench/in-netns.sh ...), so
# that its port is free.
set -uo pipefail

seconds=$1
len=${2:-}
port=5201
iperf3 -s -1 -p "$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 100); do
	ss -ltn "sport = :$port" | grep -q LISTEN && break
	sleep 0.02
done
out=$(iperf3 -c 127.0.0.1 -p "$port" -t "$seconds" ${len:+-l "$len"} -J)
rc=$?
wait "$server" 2>/dev/null
[ $rc -eq 0 ] || { echo "iperf3 failed" >&2; exit 1; }
jq -r '.end.sum_received.bits_per_second' <<<"$out"
