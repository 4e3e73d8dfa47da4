#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# missed-closes.sh [-n RUNS] [-w SECONDS] [-k] [BUILD [CONNTOP_ARG...]]: reproduces the closes
# that go missing under a churn like the bench's (BENCHMARKS.md, "Not explained").
# Each run starts conntop (-b -d 1 --format json --port 1 and CONNTOP_ARGs), waits SECONDS (0 by
# default) after its first frame, churns as bench/run.sh does for 3 s in a network namespace of its
# own, takes conntop's counts two frames later, and prints the connections, how many closes are
# missing, conntop's lost, and its corrections (a healing pass, every 5 s, closes the rows of a
# close that went missing once the churn's namespace is gone: a count taken after one shows the
# misses there). With -k the first run where more closes are missing than lost
# counts stops the loop and keeps its recording (--record) in ./missed-closes.rec, to follow the
# sockets that have an open and no close. As root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=10
wait_s=0
keep=
while getopts n:w:k opt; do
	case $opt in
	n) runs=$OPTARG ;;
	w) wait_s=$OPTARG ;;
	k) keep=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
build=${1:-build}
[ $# -gt 0 ] && shift
conntop=$here/../$build/conntop
churn=$here/../$build/bench/churn
for f in "$conntop" "$churn"; do
	[ -x "$f" ] || { echo "missed-closes: $f is missing: make bench builds it" >&2; exit 1; }
done
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
for ((i = 1; i <= runs; i++)); do
	rm -f "$tmp/frames" # else the wait below could see the last run's frames
	record=()
	[ -n "$keep" ] && record=(--record "$tmp/run.rec")
	"$conntop" -b -d 1 --format json --port 1 "${record[@]}" "$@" >"$tmp/frames" 2>"$tmp/err" &
	pid=$!
	while [ ! -s "$tmp/frames" ]; do
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; exit 1; }
		sleep 0.02
	done
	sleep "$wait_s"
	out=$(unshare -n "$here/in-netns.sh" "$churn" -s 2 -c 4 -t 3 -m fin) || exit 1
	n=$(wc -l <"$tmp/frames")
	while [ "$(wc -l <"$tmp/frames")" -lt $((n + 2)) ]; do sleep 0.05; done
	kill "$pid"
	wait "$pid"
	conns=$(awk '{ for (i = 1; i < NF; i++) if ($i == "connections") print $(i + 1) }' <<<"$out")
	read -r closed lost corrections < <(tail -n 1 "$tmp/frames" |
		jq -r '.stats | "\(.closed) \(.lost) \(.corrections)"')
	missing=$((2 * conns - closed))
	echo "run $i: connections $conns closes missing $missing lost $lost corrections $corrections"
	if [ -n "$keep" ] && [ "$missing" -gt "$lost" ]; then
		cp "$tmp/run.rec" ./missed-closes.rec
		echo "kept in ./missed-closes.rec: more closes missing than lost counts"
		break
	fi
done
