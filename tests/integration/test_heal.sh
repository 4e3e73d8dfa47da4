#!/usr/bin/env bash
# Self-healing: records are lost for certain (conntop stopped while a 4 KiB ring overflows), the
# loss is counted, and the healing pass then brings the table back to what the kernel has:
# connections whose close was lost are closed, connections whose open was lost are added, and
# the corrections are counted.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root

HELD=50
BURST=2000
start_conntop --ringbuf-size 4K --heal-interval 0.5
CONNTOP_PID=$(pgrep -P "$PID_conntop" -x conntop)
check "conntop found" test -n "$CONNTOP_PID"

start server "$TCPFIXTURE" serve 127.0.0.1 17601 -c $HELD -t 60
start bserver "$TCPFIXTURE" burst-serve 127.0.0.1 17602 $BURST -t 60
wait_line server '^listening'
wait_line bserver '^listening'
wait_frames 2

kill -STOP "$CONNTOP_PID"
start holder "$TCPFIXTURE" hold 127.0.0.1 17601 $HELD -t 60
start burst "$TCPFIXTURE" burst 127.0.0.1 17602 $BURST -j 2 -t 60
check "$HELD connections held" wait_line holder "^holding $HELD\$" 20
check "$BURST short connections made" wait_line burst "^done $BURST\$" 30
kill -CONT "$CONNTOP_PID"

lost_some() { [ "$(header_value lost)" -gt 0 ] 2>/dev/null; }
check "the overflow is counted as lost" wait_until 10 lost_some
healed() { [ "$(header_value active)" = $((2 * HELD)) ]; }
check "healed: active = $((2 * HELD)), the held connections' two sides" wait_until 15 healed
check "corrections were counted" test "$(header_value corrections)" -gt 0
held_rows() { last_frame | grep -E '127\.0\.0\.1:17601 ' | grep -E ' ESTABLISHED '; }
held_rows=$(held_rows | wc -l)
check "every held side has its row ($held_rows)" test "$held_rows" = $((2 * HELD))
in_ss=$(ss -tanH state established '( sport = :17601 or dport = :17601 )' | wc -l)
check "and ss agrees ($in_ss)" test "$in_ss" = $((2 * HELD))
owned=$(held_rows | grep -cE '^ *[0-9]+ tcpfixture ')
check "with their owners ($owned)" test "$owned" = $((2 * HELD))
