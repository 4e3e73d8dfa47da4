#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# in-netns.sh [--poll-ss] COMMAND [ARG]...: the benchmark's loads run here, in a network namespace
# of their own, so that what one run leaves behind (TIME_WAIT sockets, ports) cannot slow the next
# and nothing else on the host shares their loopback. Call it through `unshare -n`: it brings lo up
# and runs COMMAND; with --poll-ss it also runs `ss -tanp` once a second beside it (the /proc
# approach as a peer: it sees the namespace's sockets, as it would see the host's) and stops it
# when COMMAND ends. Then it waits until every socket has closed (TIME_WAIT aside), so that the
# namespace's end cuts off no close. Exit status: COMMAND's.
set -uo pipefail

poll=
if [ "${1:-}" = --poll-ss ]; then
	poll=1
	shift
fi
[ $# -gt 0 ] || { echo "usage: unshare -n $0 [--poll-ss] COMMAND [ARG]..." >&2; exit 2; }
ip link set lo up || exit 1
if [ -n "$poll" ]; then
	(while :; do ss -tanp >/dev/null; sleep 1; done) &
	poller=$!
fi
"$@"
rc=$?
# Sockets still closing (a FIN or its ACK in flight) would be cut off when the namespace goes,
# and their closes never happen: wait (up to 5 s) until only TIME_WAIT is left. Report on stderr
# any that are left.
for _ in $(seq 100); do
	left=$(ss -tanH state all exclude time-wait exclude listening | wc -l)
	[ "$left" -eq 0 ] && break
	sleep 0.05
done
[ "$left" -eq 0 ] || echo "in-netns: $left sockets still not closed" >&2
if [ -n "$poll" ]; then
	kill "$poller" 2>/dev/null
	wait "$poller" 2>/dev/null
fi
exit $rc
