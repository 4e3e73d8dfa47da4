#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/run.sh [BUILD]: conntop's benchmark (`make bench`), as root. Prints one table and PASS/FAIL
# lines for the targets; bench/README.md says what each line means and what limits it.
#
# Every comparison is measured in the same run as what it is compared with, runs alternating
# (bare, peer, bare, peer, ... bare): a peer's ratio is its run over the mean of the bare runs just
# before and after it, and the table gives median, min and max over the rounds.
#
# Settings (environment): BENCH_ROUNDS (3) rounds of each comparison; BENCH_CHURN_SECONDS (3) per
# churn run; BENCH_CHURN_MODE (fin, or rst: see churn.c); BENCH_SERVERS (2) and BENCH_CLIENTS (4)
# churn processes; BENCH_IPERF_SECONDS (2); BENCH_KEEP=1 keeps the work folder (its path is
# printed), which holds every run's raw output.
set -uo pipefail

BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
CONNTOP=$BUILD/conntop
CHURN=$BUILD/bench/churn
HOLD=$BUILD/bench/hold
FIRSTLINE=$BUILD/bench/firstline
FRAMEBENCH=$BUILD/bench/framebench
ROUNDS=${BENCH_ROUNDS:-3}
CHURN_S=${BENCH_CHURN_SECONDS:-3}
MODE=${BENCH_CHURN_MODE:-fin}
SERVERS=${BENCH_SERVERS:-2}
CLIENTS=${BENCH_CLIENTS:-4}
IPERF_S=${BENCH_IPERF_SECONDS:-2}
# conntop's batch frames are filtered to a port nothing uses: each frame is then its counters
# only, while the tracker, the edges and the snapshot still take in every connection.
QUIET_PORT=1
CONNTOP_ARGS=(-b -d 1 --format json --port "$QUIET_PORT")
HZ=$(getconf CLK_TCK)
BPFTOOL=${BPFTOOL:-$(command -v bpftool || echo /usr/sbin/bpftool)}

die() {
	echo "bench: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run me as root (eBPF, network namespaces)"
for f in "$CONNTOP" "$CHURN" "$HOLD" "$FIRSTLINE" "$FRAMEBENCH"; do
	[ -x "$f" ] || die "$f is missing: run \`make bench\`"
done
for cmd in jq unshare ss ip; do
	command -v "$cmd" >/dev/null || die "$cmd is missing: run scripts/install-deps.sh bench"
done
have_bpftrace=$(command -v bpftrace >/dev/null && echo 1)
have_iperf=$(command -v iperf3 >/dev/null && echo 1)

work=$(mktemp -d /tmp/conntop-bench.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "bench: raw output kept in $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
# Prints "median min max" of its arguments ("- - -" for none).
stats() {
	[ $# -gt 0 ] || { echo "- - -"; return; }
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
		END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		      print m, a[1], a[NR] }'
}
calc() { awk "BEGIN { printf \"%.12g\", ($*) }"; }
# The user+system CPU seconds process $1 has used so far.
cpu_s() {
	local stat
	stat=$(cat "/proc/$1/stat") || return 1
	stat=${stat##*) } # the fields after the command name, from the 3rd (state)
	set -- $stat
	calc "(${12} + ${13}) / $HZ"
}
rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }
hwm_kb() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status"; }
lines() { local n; n=$(wc -l <"$1" 2>/dev/null) && echo "$n" || echo 0; }

# wait_lines FILE N SECONDS PID: until FILE has N lines; fails when PID dies or time is up.
wait_lines() {
	local deadline
	deadline=$(calc "$(now) + $3")
	while [ "$(lines "$1")" -lt "$2" ]; do
		kill -0 "$4" 2>/dev/null || return 1
		[ "$(calc "$(now) > $deadline")" = 1 ] && return 1
		sleep 0.05
	done
}

# Every network namespace some process is in now: "INODE ACTIVE_OPENS PASSIVE_OPENS" (its TCP
# counters). Their deltas over a churn tell what else on the host opened connections meanwhile:
# the churn itself runs in a namespace that exists at neither end, so it is not among them.
netns_opens() {
	stat -L -c '%i %n' /proc/[0-9]*/ns/net 2>/dev/null | awk '!seen[$1]++ {
		f = $2; sub(/ns\/net$/, "net/snmp", f)
		while ((getline line < f) > 0) {
			split(line, v, " ")
			if (v[1] == "Tcp:" && v[2] != "RtoAlgorithm") print $1, v[6], v[7]
		}
		close(f) }'
}
# others_delta BEFORE AFTER: active and passive opens in the namespaces found at both ends.
others_delta() {
	awk 'NR == FNR { a[$1] = $2; p[$1] = $3; next }
	     ($1 in a) { da += $2 - a[$1]; dp += $3 - p[$1] }
	     END { print da + 0, dp + 0 }' <(echo "$1") <(echo "$2")
}

# The counters of the newest frame conntop wrote to FILE, as one JSON object.
last_stats() { tail -n 1 "$1" | jq -c .stats; }
field() { jq -r ".$2" <<<"$1"; }

# own_pid PID NAME: the process NAME that was started in the background as PID. Usually PID
# itself; where the shell forks a subshell for a background command, that subshell's child.
own_pid() {
	local i c
	for ((i = 0; i < 100; i++)); do
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && { echo "$1"; return; }
		c=$(pgrep -P "$1" -x "$2" | head -n 1)
		[ -n "$c" ] && { echo "$c"; return; }
		sleep 0.02
	done
	echo "$1"
}

# start_conntop FILE: conntop in the background, batch JSON frames to FILE; returns once its first
# frame is out (its programs are attached). Sets $conntop.
start_conntop() {
	"$CONNTOP" "${CONNTOP_ARGS[@]}" >"$1" 2>"$1.err" &
	conntop_job=$!
	pids+=("$!")
	conntop=$(own_pid "$!" conntop)
	pids+=("$conntop")
	wait_lines "$1" 1 20 "$conntop" || { cat "$1.err" >&2; die "conntop did not start"; }
}
# stop_pid PID [JOB]: SIGTERM, then SIGKILL after 5 s; reaps it, and JOB ($! when it started).
stop_pid() {
	local i
	kill -TERM "$1" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || break
		[ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" = Z ] && break
		sleep 0.05
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	# The subshell that started it, if any (own_pid), ends with it.
	[ -n "${2:-}" ] && wait "$2" 2>/dev/null
	# Its programs are freed after an RCU grace period: until then the next run would count them
	# as another tracer's. Up to 3 s, for when someone else's really are loaded.
	for ((i = 0; i < 60; i++)); do
		[ "$(tracers)" -eq 0 ] && break
		sleep 0.05
	done
	return 0
}
# How many tracing eBPF programs are loaded now (another conntop, bpftrace, ...): runs that
# overlap someone else's are marked, since those programs slow every connection down too.
tracers() {
	"$BPFTOOL" prog show -j 2>/dev/null | jq '[.[] | select(.type == "tracing" or
		.type == "tracepoint" or .type == "kprobe" or .type == "raw_tracepoint")] | length' ||
		echo 0
}

# One churn in a network namespace of its own; prints churn's line. Extra args go to in-netns.sh.
churn() {
	unshare -n "$here/in-netns.sh" "$@" "$CHURN" -s "$SERVERS" -c "$CLIENTS" -t "$CHURN_S" \
		-m "$MODE"
}
churn_field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$1"; }

kernel=$(uname -r)
printf 'conntop benchmark  %s  Linux %s  %s CPUs  %s\n' "$(date '+%Y-%m-%d %H:%M')" "$kernel" \
	"$(nproc)" "$("$CONNTOP" --version 2>/dev/null | head -n 1)"
printf 'churn: %s close, %s servers + %s clients on 127.0.0.1, %s s runs, %s rounds; conntop %s\n' \
	"$MODE" "$SERVERS" "$CLIENTS" "$CHURN_S" "$ROUNDS" "${CONNTOP_ARGS[*]}"
n=$(tracers)
[ "$n" -gt 0 ] && echo "note: $n tracing eBPF programs of others are loaded at the start (another conntop?)"
echo

# --- 1-3: churn, bare and with each peer, alternating --------------------------------------------
peers=(conntop)
[ -n "$have_bpftrace" ] && peers+=(bpftrace)
peers+=(ss)
BPFTRACE_PROG='tracepoint:sock:inet_sock_set_state { @ = count(); }'

churn >/dev/null || die "churn failed" # warm-up, not counted
seq_rates=()	# every run's rate, in order
seq_kinds=()	# bare or the peer's name
conntop_rows=() # per conntop run: conns accepted d_out d_in d_closed d_lost lost ring skipped
		# not_accepted corrections cpu_s d_events other_active other_passive
bpf_per_conn=()

seq_dist=()	# 1 when someone else's tracer was loaded during the run
# disturbed T0 T1: whether someone else's tracers were loaded before or after a run (ours are not
# loaded yet, or no longer, when they are counted).
disturbed() { [ "$1" -gt 0 ] || [ "$2" -gt 0 ] && echo 1 || echo 0; }
# With BENCH_WAIT_QUIET=SECONDS, each run first waits up to that long for others' tracers to go.
wait_quiet() {
	local deadline
	[ "${BENCH_WAIT_QUIET:-0}" = 0 ] && return
	deadline=$(calc "$(now) + $BENCH_WAIT_QUIET")
	while [ "$(tracers)" -gt 0 ] && [ "$(calc "$(now) < $deadline")" = 1 ]; do
		sleep 0.5
	done
}

run_bare() {
	local out t0
	wait_quiet
	t0=$(tracers)
	out=$(churn) || die "churn failed"
	seq_rates+=("$(churn_field "$out" rate)")
	seq_kinds+=(bare)
	seq_dist+=("$(disturbed "$t0" "$(tracers)")")
}

run_conntop() {
	local f=$work/churn-conntop-$1.jsonl out s0 s1 c0 c1 n conns o0 o1 t0
	wait_quiet
	t0=$(tracers)
	start_conntop "$f"
	o0=$(netns_opens)
	s0=$(last_stats "$f")
	c0=$(cpu_s "$conntop")
	out=$(churn) || die "churn failed"
	# Everything the churn made is in the frames two ticks later (drained at each tick).
	n=$(lines "$f")
	wait_lines "$f" $((n + 2)) 10 "$conntop" || die "conntop stopped during the churn"
	c1=$(cpu_s "$conntop")
	s1=$(last_stats "$f")
	o1=$(netns_opens)
	stop_pid "$conntop" "$conntop_job"
	conns=$(churn_field "$out" connections)
	seq_rates+=("$(churn_field "$out" rate)")
	seq_kinds+=(conntop)
	seq_dist+=("$(disturbed "$t0" "$(tracers)")")
	conntop_rows+=("$conns $(churn_field "$out" accepted) $(jq -rn --argjson a "$s0" --argjson b "$s1" \
		'[$b.opened_out - $a.opened_out, $b.opened_in - $a.opened_in, $b.closed - $a.closed,
		  $b.lost - $a.lost, $b.lost, $b.ring_full, $b.skipped_runs,
		  $b.not_accepted - $a.not_accepted, $b.corrections - $a.corrections] | join(" ")') \
		$(calc "$c1 - $c0") $(jq -rn --argjson a "$s0" --argjson b "$s1" '$b.events - $a.events') \
		$(others_delta "$o0" "$o1")")
}

run_bpftrace() {
	local f=$work/churn-bpftrace-$1.out out bt count t0
	wait_quiet
	t0=$(tracers)
	unshare -m --propagation slave sh -c \
		'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
		 exec bpftrace -e "$1"' sh "$BPFTRACE_PROG" >"$f" 2>"$f.err" &
	bt_job=$!
	pids+=("$!")
	bt=$(own_pid "$!" bpftrace)
	pids+=("$bt")
	local deadline
	deadline=$(calc "$(now) + 30")
	until grep -q '^Attaching' "$f"; do
		kill -0 "$bt" 2>/dev/null || { cat "$f.err" >&2; die "bpftrace did not start"; }
		[ "$(calc "$(now) > $deadline")" = 1 ] && die "bpftrace did not attach in 30 s"
		sleep 0.05
	done
	out=$(churn) || die "churn failed"
	kill -INT "$bt"
	wait "$bt" 2>/dev/null
	wait "$bt_job" 2>/dev/null
	count=$(awk '$1 == "@:" { print $2 }' "$f")
	seq_rates+=("$(churn_field "$out" rate)")
	seq_kinds+=(bpftrace)
	seq_dist+=("$(disturbed "$t0" "$(tracers)")")
	[ -n "$count" ] && bpf_per_conn+=("$(calc "$count / $(churn_field "$out" connections)")")
}

run_ss() {
	local out t0
	wait_quiet
	t0=$(tracers)
	out=$(churn --poll-ss) || die "churn failed"
	seq_rates+=("$(churn_field "$out" rate)")
	seq_kinds+=(ss)
	seq_dist+=("$(disturbed "$t0" "$(tracers)")")
}

for ((r = 1; r <= ROUNDS; r++)); do
	for p in "${peers[@]}"; do
		run_bare
		"run_$p" "$r"
	done
done
run_bare

# Ratios: each peer run over the mean of its neighbours (always bare runs).
declare -A ratios rates quiet_ratios
bare_rates=()
for i in "${!seq_kinds[@]}"; do
	k=${seq_kinds[$i]}
	if [ "$k" = bare ]; then
		bare_rates+=("${seq_rates[$i]}")
		continue
	fi
	rates[$k]+=" ${seq_rates[$i]}"
	ratio=$(calc "${seq_rates[$i]} / ((${seq_rates[$((i - 1))]} + ${seq_rates[$((i + 1))]}) / 2)")
	ratios[$k]+=" $ratio"
	[ "${seq_dist[$((i - 1))]}${seq_dist[$i]}${seq_dist[$((i + 1))]}" = 000 ] &&
		quiet_ratios[$k]+=" $ratio"
done

label_conntop="conntop ${CONNTOP_ARGS[*]}"
label_bpftrace="bpftrace: count sock:inet_sock_set_state"
label_ss="ss -tanp every 1 s"

echo "1. Overhead: loopback churn, connections/s     median     min     max   ratio to bare: median   min   max"
read -r m lo hi <<<"$(stats "${bare_rates[@]}")"
printf '   %-42s %8.0f %7.0f %7.0f\n' "bare (${#bare_rates[@]} runs)" "$m" "$lo" "$hi"
for p in "${peers[@]}"; do
	label=label_$p
	read -r m lo hi <<<"$(stats ${rates[$p]})"
	read -r rm rlo rhi <<<"$(stats ${ratios[$p]})"
	printf '   %-42s %8.0f %7.0f %7.0f                 %5.3f %5.3f %5.3f\n' "${!label}" \
		"$m" "$lo" "$hi" "$rm" "$rlo" "$rhi"
done
[ -n "$have_bpftrace" ] || echo "   bpftrace: not installed (apt-get install bpftrace), not measured"
[ ${#bpf_per_conn[@]} -gt 0 ] &&
	printf '   (bpftrace counted %s state changes per connection)\n' "$(stats "${bpf_per_conn[@]}" | cut -d' ' -f1)"
overhead_ratio=$(stats ${ratios[conntop]} | cut -d' ' -f1)
runs_line=
ndist=0
for i in "${!seq_kinds[@]}"; do
	mark=
	[ "${seq_dist[$i]}" = 1 ] && { mark='*'; ndist=$((ndist + 1)); }
	runs_line+=" ${seq_kinds[$i]:0:2} $(printf '%.0f' "${seq_rates[$i]}")$mark"
done
echo "   runs in order (ba bare, co conntop, bp bpftrace, ss):$runs_line" | fold -s -w 100 | sed '2,$s/^/     /'
if [ "$ndist" -gt 0 ]; then
	echo "   * $ndist runs overlapped another tracer's eBPF programs (someone else's conntop or bpftrace)"
	for p in "${peers[@]}"; do
		[ -n "${quiet_ratios[$p]:-}" ] || continue
		read -r rm rlo rhi <<<"$(stats ${quiet_ratios[$p]})"
		printf '   %-42s ratio to bare, undisturbed triples only: %5.3f %5.3f %5.3f (%d)\n' "$p" \
			"$rm" "$rlo" "$rhi" "$(wc -w <<<"${quiet_ratios[$p]}")"
	done
fi
echo

echo "2. Completeness at full churn, each conntop run: the generator's count vs conntop's (deltas)"
echo "   run  connections  accepted | opened_out opened_in     closed | lost ring_full skipped not_acc corr | elsewhere  verdict"
exact=1
adjusted=0
lost_total=0
cpu_per_100k=()
events_per_conn=()
i=0
for row in "${conntop_rows[@]}"; do
	i=$((i + 1))
	read -r conns acc dout din dclosed dlost lost ring skipped notacc corr cpu events oa op <<<"$row"
	# Connections something else on the host opened meanwhile (oa active, op passive) are in
	# conntop's counts too: subtracted from the opens; its closes can only be bounded.
	ours=$((conns + acc))
	if [ "$dout" -eq $((conns + oa)) ] && [ "$din" -eq $((acc + op)) ] &&
		[ "$dclosed" -ge "$ours" ] && [ "$dclosed" -le $((ours + oa + op)) ]; then
		v=exact
		[ $((oa + op)) -gt 0 ] && { v='exact*'; adjusted=$((adjusted + 1)); }
	else
		v=DIFFERS
		exact=0
	fi
	printf '   %3d %12d %9d | %10d %9d %10d | %4d %9d %7d %7d %4d | %9s  %s\n' "$i" "$conns" \
		"$acc" "$dout" "$din" "$dclosed" "$dlost" "$ring" "$skipped" "$notacc" "$corr" \
		"$oa+$op" "$v"
	[ "$lost" -gt "$lost_total" ] && lost_total=$lost
	cpu_per_100k+=("$(calc "$cpu * 100000 / $conns")")
	events_per_conn+=("$(calc "$events / $conns")")
done
echo "   exact: opened_out = connections, opened_in = accepted, closed = both. elsewhere: active+passive"
echo "   opens in the host's other namespaces meanwhile (other work on the machine); exact* = exact once"
echo "   those are subtracted from the opens (their closes only bound conntop's closed count)."
printf '   conntop'"'"'s records per connection: %s (4 = connect, accept, two closes, without other work)\n' \
	"$(stats "${events_per_conn[@]}" | cut -d' ' -f1)"
echo

read -r cpu_m cpu_lo cpu_hi <<<"$(stats "${cpu_per_100k[@]}")"
echo "3. conntop's own CPU (user+sys), seconds per 100,000 connections churned"
printf '   %-42s %8.3f %7.3f %7.3f   (median min max, over %d runs)\n' "conntop" "$cpu_m" "$cpu_lo" \
	"$cpu_hi" "${#cpu_per_100k[@]}"
echo

# --- 4: memory with 10,000 and 50,000 established connections --------------------------------------
mkfifo "$work/hold.in"
# hold_start N PAIRS FILE: N connections held by PAIRS pairs of processes; returns once they are up.
hold_start() {
	"$HOLD" -n "$1" -P "$2" 0<>"$work/hold.in" >"$3" 2>"$3.err" &
	hold_job=$!
	pids+=("$!")
	hold_pid=$(own_pid "$!" hold)
	pids+=("$hold_pid")
	wait_lines "$3" 1 120 "$hold_pid" || { cat "$3.err" >&2; die "hold did not start"; }
}
# wait_active FILE N: until conntop's newest frame counts N active connections, then one more frame.
wait_active() {
	local deadline
	deadline=$(calc "$(now) + 60")
	while [ "$(field "$(last_stats "$1")" active)" -lt "$2" ]; do
		kill -0 "$conntop" 2>/dev/null || die "conntop stopped"
		[ "$(calc "$(now) > $deadline")" = 1 ] && die "conntop did not see $2 connections in 60 s"
		sleep 0.2
	done
	local n
	n=$(lines "$1")
	wait_lines "$1" $((n + 1)) 10 "$conntop"
}

f=$work/memory.jsonl
start_conntop "$f"
wait_lines "$f" 3 10 "$conntop"
base_active=$(field "$(last_stats "$f")" active)
rss0=$(rss_kb "$conntop")
hold_start 10000 2 "$work/hold10k.out"
hold10=$hold_pid
hold10_job=$hold_job
wait_active "$f" $((base_active + 20000))
rss10=$(rss_kb "$conntop")
act10=$(field "$(last_stats "$f")" active)
hold_start 40000 3 "$work/hold40k.out"
hold40=$hold_pid
hold40_job=$hold_job
wait_active "$f" $((base_active + 100000))
rss50=$(rss_kb "$conntop")
act50=$(field "$(last_stats "$f")" active)
hwm=$(hwm_kb "$conntop")
stop_pid "$hold40" "$hold40_job"
stop_pid "$hold10" "$hold10_job"
stop_pid "$conntop" "$conntop_job"
per_conn_base=$(calc "($rss50 - $rss0) * 1024 / ($act50 - $base_active)")
per_conn_slope=$(calc "($rss50 - $rss10) * 1024 / ($act50 - $act10)")
echo "4. Memory: conntop's resident size (VmRSS), one run; each local connection is two tracked sockets"
printf '   %-42s %8d kB  (tracking %d)\n' "no connections of ours" "$rss0" "$base_active"
printf '   %-42s %8d kB  (tracking %d)\n' "10,000 established (2+2 processes)" "$rss10" "$act10"
printf '   %-42s %8d kB  (tracking %d; peak %d kB)\n' "50,000 established (5+5 processes)" "$rss50" \
	"$act50" "$hwm"
printf '   bytes per tracked connection over the base: %.0f at 50,000; slope 10,000 -> 50,000: %.0f\n' \
	"$per_conn_base" "$per_conn_slope"
printf '   (per local connection, both ends: %.0f)\n' "$(calc "2 * $per_conn_base")"
echo

# --- 5: start-up with 10,000 established connections, vs ss -tanp -------------------------------------
hold_start 10000 2 "$work/hold-start.out"
hold_s=$hold_pid
hold_s_job=$hold_job
sleep 0.5
start_first=()
start_exit=()
ss_exit=()
start_ok=1
for ((r = 1; r <= ROUNDS; r++)); do
	out=$("$FIRSTLINE" "$work/start-$r.json" "$CONNTOP" -b -n 1 --format json)
	start_first+=("$(awk '{ print $2 }' <<<"$out")")
	start_exit+=("$(awk '{ print $4 }' <<<"$out")")
	# Complete: all 20,000 sockets of the holders, each with its pid, each process resolved.
	got=$(head -n 1 "$work/start-$r.json" | jq '[.connections[] | select(.comm == "bench-hold" and
		.pid != null)] | length')
	unresolved=$(head -n 1 "$work/start-$r.json" | jq '[.nodes[] | select(.comm == "bench-hold"
		and (.cmdline == "" or .user == null or .user == ""))] | length')
	[ "$got" -eq 20000 ] && [ "$unresolved" -eq 0 ] || start_ok=0
	start_got=$got
	out=$("$FIRSTLINE" "$work/ss-$r.txt" ss -tanp)
	ss_exit+=("$(awk '{ print $4 }' <<<"$out")")
	ss_got=$(grep -c 'bench-hold' "$work/ss-$r.txt")
done
stop_pid "$hold_s" "$hold_s_job"
echo "5. Start-up with 10,000 established connections (20,000 sockets) open, seconds"
read -r m lo hi <<<"$(stats "${start_first[@]}")"
printf '   %-42s %8.3f %7.3f %7.3f   (%d of 20000 sockets with pids%s)\n' \
	"conntop -b -n 1: start to first frame" "$m" "$lo" "$hi" "$start_got" \
	"$([ $start_ok = 1 ] && echo ", processes resolved" || echo ": INCOMPLETE")"
read -r m lo hi <<<"$(stats "${start_exit[@]}")"
printf '   %-42s %8.3f %7.3f %7.3f\n' "conntop -b -n 1: start to exit" "$m" "$lo" "$hi"
read -r m lo hi <<<"$(stats "${ss_exit[@]}")"
printf '   %-42s %8.3f %7.3f %7.3f   (%d lines with a pid)\n' "ss -tanp: start to exit" "$m" "$lo" \
	"$hi" "$ss_got"
start_ratio=$(calc "$(stats "${start_first[@]}" | cut -d' ' -f1) / $(stats "${ss_exit[@]}" | cut -d' ' -f1)")
printf '   (conntop / ss: %.2f)\n' "$start_ratio"
echo

# --- 6: frame time -----------------------------------------------------------------------------------
"$FRAMEBENCH" -f 11 >"$work/frame.txt" || die "framebench failed"
echo "6. Frame time, 50,000 connections and 1,000 processes (framebench, user space only), ms"
printf '   %s\n' "$(head -n 1 "$work/frame.txt")"
for v in nodes connections topology; do
	for m in snapshot render frame; do
		read -r med lo hi <<<"$(awk -v v="$v" -v m="$m" '$1 == v && $2 == m { print $4, $6, $8 }' \
			"$work/frame.txt")"
		printf '   %-42s %8.2f %7.2f %7.2f\n' "$v view: $m" "$med" "$lo" "$hi"
	done
done
for m in text json; do
	read -r med lo hi <<<"$(awk -v m="$m" '$1 == "nodes" && $2 == m { print $4, $6, $8 }' "$work/frame.txt")"
	printf '   %-42s %8.2f %7.2f %7.2f\n' "batch output of the snapshot: $m" "$med" "$lo" "$hi"
done
frame_ms=$(awk '$1 == "connections" && $2 == "frame" { print $4 }' "$work/frame.txt")
echo

# --- 7: iperf3 ---------------------------------------------------------------------------------------
echo "7. Byte counting: iperf3 over loopback, Gbit/s, $IPERF_S s runs  median     min     max   ratio to bare: median   min   max"
declare -A iperf_ratio=()
if [ -z "$have_iperf" ]; then
	echo "   iperf3: not installed (apt-get install iperf3), not measured"
else
	iperf_dist=0
	for len in "" 1K; do
		seq_bw=()
		seq_k=()
		iperf() { unshare -n "$here/in-netns.sh" "$here/iperf-pair.sh" "$IPERF_S" $len; }
		for ((r = 1; r <= ROUNDS; r++)); do
			wait_quiet
			[ "$(tracers)" -gt 0 ] && iperf_dist=$((iperf_dist + 1))
			seq_bw+=("$(iperf)") || die "iperf3 failed"
			seq_k+=(bare)
			start_conntop "$work/iperf-${len:-128K}-$r.jsonl"
			seq_bw+=("$(iperf)") || die "iperf3 failed"
			seq_k+=(conntop)
			stop_pid "$conntop" "$conntop_job"
		done
		seq_bw+=("$(iperf)") || die "iperf3 failed"
		seq_k+=(bare)
		bare=()
		with=()
		rat=()
		for i in "${!seq_k[@]}"; do
			if [ "${seq_k[$i]}" = bare ]; then
				bare+=("$(calc "${seq_bw[$i]} / 1e9")")
			else
				with+=("$(calc "${seq_bw[$i]} / 1e9")")
				rat+=("$(calc "${seq_bw[$i]} / ((${seq_bw[$((i - 1))]} + ${seq_bw[$((i + 1))]}) / 2)")")
			fi
		done
		read -r m lo hi <<<"$(stats "${bare[@]}")"
		printf '   %-42s %8.2f %7.2f %7.2f\n' "bare, ${len:-128K} writes" "$m" "$lo" "$hi"
		read -r m lo hi <<<"$(stats "${with[@]}")"
		read -r rm rlo rhi <<<"$(stats "${rat[@]}")"
		iperf_ratio[${len:-128K}]=$rm
		printf '   %-42s %8.2f %7.2f %7.2f                 %5.3f %5.3f %5.3f\n' \
			"conntop, ${len:-128K} writes" "$m" "$lo" "$hi" "$rm" "$rlo" "$rhi"
	done
	[ "$iperf_dist" -gt 0 ] &&
		echo "   ($iperf_dist of $((2 * ROUNDS)) rounds began with another tracer's eBPF programs loaded)"
fi
echo

# --- targets -----------------------------------------------------------------------------------------
verdict() { [ "$1" = 1 ] && echo PASS || echo FAIL; }
printf '%s  Overhead: churn with conntop / without = %.3f (median of %d), target >= 0.95\n' \
	"$(verdict "$(calc "$overhead_ratio >= 0.95")")" "$overhead_ratio" "${#conntop_rows[@]}"
printf '%s  Lost: %d at full churn with the default buffer (largest of %d runs), target 0\n' \
	"$(verdict "$([ "$lost_total" -eq 0 ] && echo 1)")" "$lost_total" "${#conntop_rows[@]}"
printf '%s  Completeness: opened and closed equal the generator'"'"'s count in all %d runs%s, target exact\n' \
	"$(verdict "$exact")" "${#conntop_rows[@]}" \
	"$([ "$adjusted" -gt 0 ] && echo " ($adjusted with other work subtracted)")"
printf '%s  Own CPU: %.3f s per 100,000 connections (median), target <= 0.2\n' \
	"$(verdict "$(calc "$cpu_m <= 0.2")")" "$cpu_m"
printf '%s  Memory: %.0f bytes per tracked connection over the base (at 50,000), target <= 300\n' \
	"$(verdict "$(calc "$per_conn_base <= 300")")" "$per_conn_base"
start_m=$(stats "${start_first[@]}" | cut -d' ' -f1)
ss_m=$(stats "${ss_exit[@]}" | cut -d' ' -f1)
printf '%s  Start-up: %.3f s to the first complete frame, ss -tanp %.3f s (ratio %.2f), target <= 0.5\n' \
	"$(verdict "$(calc "$start_m <= 0.5 * $ss_m")")" "$start_m" "$ss_m" "$(calc "$start_m / $ss_m")"
printf '%s  Frame: %.1f ms at 50,000 connections (connections view: snapshot and render), target <= 10\n' \
	"$(verdict "$(calc "$frame_ms <= 10")")" "$frame_ms"
if [ -n "${iperf_ratio[1K]:-}" ]; then
	for len in 128K 1K; do
		printf '%s  Byte counting: iperf3 %s writes with conntop / without = %.3f, target >= 0.97\n' \
			"$(verdict "$(calc "${iperf_ratio[$len]} >= 0.97")")" "$len" "${iperf_ratio[$len]}"
	done
fi
