#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID_<name> are set by lib.sh's start
# The two transports: one loopback churn traced at once by a conntop on the BPF ring buffer and
# one on the per-CPU perf buffers (merged by timestamp in user space) ends in the same counts for
# the churn's port, each exact (every connection opened, closed once, none left active), with
# nothing lost. Perf buffers too small for the churn: what they lose is counted, never silent.
# The screen's header names the transport; JSON's source stays "ebpf".
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root

N=3000
PORT=17401 PORT_SMALL=17402
SESSION="conntop-transport-$$"

tmux_cleanup() {
	tmux kill-session -t "$SESSION" 2>/dev/null
	cleanup
}
trap tmux_cleanup EXIT

json_frames_at_least() { [ "$(grep -c '^{' "$TMP/$1.out")" -ge "$2" ]; }

# wait_json_frames NAME N: until NAME has printed N more frames.
wait_json_frames() {
	wait_until 10 json_frames_at_least "$1" $(($(grep -c '^{' "$TMP/$1.out") + $2))
}

churn() { # NAME PORT N PARALLEL
	start "$1_server" "$TCPFIXTURE" burst-serve 127.0.0.1 "$2" "$3" -t 60
	wait_line "$1_server" '^listening' || return 1
	start "$1_client" "$TCPFIXTURE" burst 127.0.0.1 "$2" "$3" -j "$4" -t 60
	wait_line "$1_client" "^done $3\$" 60 && wait_line "$1_server" "^served $3\$" 60
}

# 1. The same churn, traced by both transports at once.
conntop_json ring --transport ringbuf
conntop_json perf --transport perfbuf
check "churn of $N connections on port $PORT" churn churn $PORT $N 4
check "ring buffer saw every side closed" wait_until 20 closed_seen ring $PORT $((2 * N))
check "perf buffer saw every side closed" wait_until 20 closed_seen perf $PORT $((2 * N))
wait_json_frames ring 2
wait_json_frames perf 2
stop ring
stop perf

read -r r_in r_out r_closed r_active r_lost r_late r_source <<<"$(port_counts ring $PORT)"
read -r p_in p_out p_closed p_active p_lost p_late p_source <<<"$(port_counts perf $PORT)"
echo "# ring buffer: in $r_in out $r_out closed $r_closed active $r_active lost $r_lost late $r_late"
echo "# perf buffer: in $p_in out $p_out closed $p_closed active $p_active lost $p_lost late $p_late"
check "ring buffer: $N accepted, $N connected" test "$r_in $r_out" = "$N $N"
check "perf buffer: $N accepted, $N connected" test "$p_in $p_out" = "$N $N"
check "ring buffer: each side closed once, none active" test "$r_closed $r_active" = "$((2 * N)) 0"
check "perf buffer: each side closed once, none active" test "$p_closed $p_active" = "$((2 * N)) 0"
check "both transports end with the same counts" \
	test "$p_in $p_out $p_closed $p_active" = "$r_in $r_out $r_closed $r_active"
check "ring buffer: lost = 0" test "$r_lost" = 0
check "perf buffer: lost = 0" test "$p_lost" = 0
check "JSON source is ebpf with both" test "$r_source $p_source" = "ebpf ebpf"

# 2. Perf buffers of one page per CPU (--ringbuf-size 4K split over the CPUs) cannot keep up with
# a burst: what the kernel could not write reaches the lost counter. Every open of ours that is
# missing is a lost record (no seeding: it starts before the churn; no healing).
conntop_json small --transport perfbuf --ringbuf-size 4K --heal-interval 0
check "churn of $N connections on port $PORT_SMALL" churn small $PORT_SMALL $N 4
wait_json_frames small 3
stop small
read -r s_in s_out s_closed _ s_lost _ <<<"$(port_counts small $PORT_SMALL)"
missing=$((2 * N - s_in - s_out))
echo "# small perf buffers: in $s_in out $s_out closed $s_closed lost $s_lost, opens missing $missing"
check "small perf buffers: lost ($s_lost) >= opens missing ($missing)" test "$s_lost" -ge "$missing"

# 3. The screen's header says which transport.
screen_has() { tmux capture-pane -p -t "$SESSION:0.0" | head -1 | grep -qF -- "$1"; }
for transport in perfbuf ringbuf; do
	tmux new-session -d -s "$SESSION" -x 160 -y 30 \
		"timeout 60 $CONNTOP -d 0.3 --transport $transport"
	check "header says 'eBPF tp_btf, $transport' with --transport $transport" \
		wait_until 15 screen_has "eBPF tp_btf, $transport"
	tmux send-keys -t "$SESSION:0.0" q
	wait_until 5 eval "! tmux has-session -t '$SESSION' 2>/dev/null" ||
		tmux kill-session -t "$SESSION" 2>/dev/null
done
