#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID_<name> are set by lib.sh's start
# Overload: the smallest ring buffer (4 KiB) under connection churn, with conntop on the screen.
# Every record the kernel made is either applied or counted lost, exactly (compared with what the
# generator made), the header shows it, the keys still answer within a second while the churn
# runs, and the healing pass then brings the table back to what the kernel has.
# Then a table limit: more sockets than --max-connections, dropped and counted, memory bounded.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
source tests/integration/tmux.sh
require_root

PORT=17951 HOLD_PORT=17952
N1=2000  # connections made while conntop is stopped: the ring overflows for certain
N2=20000 # connections made while the keys are pressed
HELD=40  # connections opened while the ring is full: their opens are lost, healing finds them
SNAP="$TMP/snap.json"

# stats NAME...: counters from the last snapshot, on one line (each frame replaces it whole).
stats() {
	local fields
	fields=$(printf '.%s,' "$@")
	jq -r ".stats | [${fields%,}] | map(tostring) | join(\" \")" "$SNAP"
}
# Sides of connections on $1 open in the last snapshot.
open_on() {
	jq --argjson p "$1" '[.connections[] | select((.local_port == $p or .remote_port == $p)
		and (.closed | not))] | length' "$SNAP"
}

start server "$TCPFIXTURE" burst-serve 127.0.0.1 $PORT $((N1 + N2)) -t 120
start holdserver "$TCPFIXTURE" serve 127.0.0.1 $HOLD_PORT -c $HELD -t 120
wait_line server '^listening'
wait_line holdserver '^listening'

tmux_run --ringbuf-size 4K --heal-interval 0.5 -d 0.2 -o "$SNAP" --every
check "conntop runs on the screen" test -n "$CONNTOP_PID"
check "the first snapshot is written" wait_until 15 test -s "$SNAP"
wait_until 5 screen_has '^Events/s'
read -r events0 lost0 ring_full0 skipped0 <<<"$(stats events lost ring_full skipped_runs)"

# The ring overflows: conntop stopped while N1 connections churn, then HELD are opened.
kill -STOP "$CONNTOP_PID"
start burst1 "$TCPFIXTURE" burst 127.0.0.1 $PORT $N1 -j 2 -t 60
check "$N1 connections made while stopped" wait_line burst1 "^done $N1\$" 60
start holder "$TCPFIXTURE" hold 127.0.0.1 $HOLD_PORT $HELD -t 120
check "$HELD connections held" wait_line holder "^holding $HELD\$" 20
kill -CONT "$CONNTOP_PID"

# Churn goes on; the keys must still answer. 1/2/3 switch views, each with its own titles.
start burst2 "$TCPFIXTURE" burst 127.0.0.1 $PORT $N2 -j 2 -t 120
slowest=0
for view in 2 3 1 2 3 1; do
	case $view in
	1) title='^ +PID' ;;
	2) title='^ +PID.* +COMM +DIR' ;;
	3) title='^SERVER / CLIENT' ;;
	esac
	started=$(date +%s%N)
	keys "$view"
	if wait_until 3 row_has 3 "$title"; then
		ms=$((($(date +%s%N) - started) / 1000000))
		[ "$ms" -le "$slowest" ] || slowest=$ms
	else
		[ "$slowest" = 9999 ] || dump
		slowest=9999
	fi
	sleep 0.1
done
churning() { ! grep -q "^done $N2\$" "$TMP/burst2.out"; }
check "the churn was still running while the keys were pressed" churning
check "each key answered within a second under overload (slowest ${slowest} ms)" \
	test "$slowest" -lt 1000
check "$N2 more connections made" wait_line burst2 "^done $N2\$" 120
check "server served all $((N1 + N2))" wait_line server "^served $((N1 + N2))\$" 30

# Healing: the held connections, whose opens were lost, are found in the kernel's table.
healed() { [ "$(open_on $HOLD_PORT)" = $((2 * HELD)) ]; }
check "healed: the $((2 * HELD)) held sides are in the table" wait_until 15 healed
check "corrections were counted" test "$(stats corrections)" -gt 0

# Closing the held ones too, every record the generator caused has now been made: 4 per
# connection (connect, accept, two closes), and 1 for the burst server's listener, closed as it
# exits after its last connection. Each was applied or counted lost, none both.
finish holder
kill "$PID_holder" 2>/dev/null
check "the burst server has exited, its listener closed" \
	wait_until 10 eval "! kill -0 $PID_server 2>/dev/null"
expected=$((4 * (N1 + N2 + HELD) + 1))
settled() {
	read -r events lost <<<"$(stats events lost)"
	[ $((events - events0 + lost - lost0)) -ge "$expected" ]
}
wait_until 20 settled
sleep 1 # a record still on its way would show now
read -r events lost ring_full skipped <<<"$(stats events lost ring_full skipped_runs)"
applied=$((events - events0)) counted=$((lost - lost0))
echo "    records: expected $expected, applied $applied, counted lost $counted" \
	"(ring full $ring_full, skipped runs $skipped)"
check "the ring overflowed and that was counted (lost $counted)" test "$counted" -gt 0
# A skipped program run is counted whether or not its state change would have made a record, so
# lost is exact for the ring and an upper bound for skipped runs: with none skipped, exact.
counted_ring=$((ring_full - ring_full0))
check "applied + ring overflow <= the generator's $expected records <= applied + lost" \
	test $((applied + counted_ring)) -le "$expected" -a "$expected" -le $((applied + counted))
if [ "$((skipped - skipped0))" = 0 ]; then
	check "no run skipped: applied + lost = the generator's $expected records, exactly" \
		test $((applied + counted)) = "$expected"
else
	check "runs skipped: what is missing ($((expected - applied - counted_ring))) is at most the skipped runs ($((skipped - skipped0)))" \
		test $((expected - applied - counted_ring)) -le $((skipped - skipped0))
fi
check "lost is the ring's overflow and the skipped runs" test "$lost" = $((ring_full + skipped))
# The screen and the snapshot come from one frame: the same lost count, read at the same time.
same_lost() { screen_has "^Events/s [0-9-]+  Lost $(stats lost) "; }
check "the header shows the lost count" wait_until 5 same_lost
gone() { [ "$(open_on $HOLD_PORT)" = 0 ] && [ "$(open_on $PORT)" = 0 ]; }
check "active back to none on both ports" wait_until 15 gone
keys q
check "q exits" wait_until 10 last_text_line_is 'done'
last_text_line_is 'done' || dump
check "conntop exited 0" screen_has '^conntop-exit=0$'
[ -s "$TMP/screen.err" ] && sed 's/^/    stderr: /' "$TMP/screen.err"

# --- table limits: 3,000 connections held, 1,000 sockets may be tracked ---
LIMIT=1000 MANY=3000 LPORT=17953
start lserver "$TCPFIXTURE" serve 127.0.0.1 $LPORT -c $MANY -t 120
wait_line lserver '^listening'
start lholder "$TCPFIXTURE" hold 127.0.0.1 $LPORT $MANY -t 120
check "$MANY connections held" wait_line lholder "^holding $MANY\$" 30
conntop_json limited --max-connections $LIMIT --max-processes 2 --heal-interval 0.3
conntop_json unlimited --heal-interval 0.3
# New connections while the table is full: their records are dropped and counted.
start server2 "$TCPFIXTURE" burst-serve 127.0.0.1 $PORT 200 -t 60
wait_line server2 '^listening'
start lburst "$TCPFIXTURE" burst 127.0.0.1 $PORT 200 -j 1 -t 60
check "200 more connections made" wait_line lburst '^done 200$' 30
sleep 2 # several frames and healing passes
# last NAME COUNTER: from NAME's last frame written whole.
last() { last_whole_line "$TMP/$1.out" | jq -r ".stats.$2"; }
check "limited: active is capped at $LIMIT ($(last limited active))" \
	test "$(last limited active)" -le $LIMIT
check "limited: the new connections were dropped and counted ($(last limited table_full))" \
	test "$(last limited table_full)" -ge 400
check "limited: what the dump found but could not keep is shown ($(last limited untracked))" \
	test "$(last limited untracked)" -ge $((2 * MANY - LIMIT))
untracked_now=$(last limited untracked) full_now=$(last limited table_full)
sleep 1.5 # more healing passes: a gauge and a count of records, neither grows with passes
check "limited: untracked does not grow with healing passes" \
	test "$(last limited untracked)" -le "$untracked_now"
check "limited: table full does not grow with healing passes" \
	test "$(last limited table_full)" = "$full_now"
check "limited: at most 2 processes kept" test "$(last limited processes)" -le 2
check "unlimited: every held side tracked" test "$(last unlimited active)" -ge $((2 * MANY))
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(pgrep -P "$1" -x conntop)/status"; }
rss_limited=$(rss "$PID_limited") rss_unlimited=$(rss "$PID_unlimited")
echo "    VmRSS: limited $rss_limited kB, unlimited $rss_unlimited kB"
# ASan's shadow and quarantine make RSS meaningless: a check of the normal build only.
if [ "$BUILD" != build-san ]; then
	check "limited: memory stays below the unlimited run's" \
		test "$rss_limited" -lt "$rss_unlimited"
fi
stop limited
stop unlimited
