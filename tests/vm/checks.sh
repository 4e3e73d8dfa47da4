# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# The checks run inside the vmtest guest (busybox ash), sourced by tests/vm/init. One function
# per check, check_NAME, listed in VM_CHECKS in the order they run; each prints "ok <what>" and
# "FAIL <what>" lines (the integration tests' convention), returns non-zero when any failed, and
# leaves its files in /tmp/NAME.*. A variant of conntop's kernel side is one line, e.g.
#
#	check_fentry() { conn_variant fentry 17141 --hooks=fentry; }
#
# plus "fentry" in VM_CHECKS (use a port range of its own); conn_variant says SKIP when
# `conntop --help` does not list an option it is given (nor a word value: --opt=word). Run one
# check alone with `VMTEST_CHECKS=fentry make vmtest`. conntop and tcpfixture are in /vm/bin
# (static builds).

# shellcheck disable=SC2034 # read by tests/vm/init
VM_CHECKS="info ringbuf perfbuf fentry kprobe raw_tp tp proc traffic churn_kprobe_perfbuf churn_fentry"

CONNTOP=/vm/bin/conntop
TCPFIXTURE=/vm/bin/tcpfixture
# TCG is slow: every wait is generous, and bounded.
WAIT_ATTACH=90
WAIT_ROWS=30

BG_PIDS=""
nfail=0

ok() { echo "ok $*"; }
fail() {
	echo "FAIL $*"
	nfail=$((nfail + 1))
}
skip() { echo "SKIP $*"; }

# check WHAT command...: one counted check.
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

# Stops whatever the last check started in the background (tests/vm/init calls it after each).
cleanup_all() {
	[ -n "$BG_PIDS" ] || return 0
	# shellcheck disable=SC2086
	kill -TERM $BG_PIDS 2>/dev/null
	sleep 0.5
	# shellcheck disable=SC2086
	kill -KILL $BG_PIDS 2>/dev/null
	BG_PIDS=""
	wait 2>/dev/null
}

# wait_until SECONDS command...: polls every 0.1 s; 0 when the command succeeded in time.
wait_until() {
	deadline=$(($(cut -d. -f1 /proc/uptime) + $1))
	shift
	until "$@"; do
		[ "$(cut -d. -f1 /proc/uptime)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# bg NAME command...: runs it in the background, stdout and stderr in /tmp/NAME.out and
# /tmp/NAME.err, stdin a FIFO opened read-write (never at EOF: tcpfixture quits at stdin's EOF
# and on SIGTERM). Sets $BG_LAST.
bg() {
	name=$1
	shift
	rm -f "/tmp/$name.in"
	mkfifo "/tmp/$name.in"
	"$@" <>"/tmp/$name.in" >"/tmp/$name.out" 2>"/tmp/$name.err" &
	BG_LAST=$!
	BG_PIDS="$BG_PIDS $BG_LAST"
}

has_line() { grep -qE "$2" "/tmp/$1.out"; }

# The last complete frame (ends with a blank line) of a batch conntop writing /tmp/NAME.out.
last_frame() {
	tac "/tmp/$1.out" | awk '
		started { print }
		started && /^conntop [0-9][0-9]:[0-9][0-9]:[0-9][0-9] / { exit }
		!started && /^$/ { started = 1; print }' | tac
}

frame_has() { last_frame "$1" | grep -qE "$2"; }

# header_value NAME COUNTER: a counter from the last complete frame's header.
header_value() {
	last_frame "$1" | head -2 | grep -oE "(^|[ (])$2:? [0-9]+" | head -1 | grep -oE '[0-9]+$'
}

# conntop_option OPT [VALUE]: conntop --help lists OPT (and VALUE on its lines).
conntop_option() {
	if [ $# -eq 1 ]; then
		"$CONNTOP" --help 2>&1 | grep -qE -- "$1([=, ]|$)"
	else
		"$CONNTOP" --help 2>&1 | grep -A3 -E -- "$1([=, ]|$)" | grep -q -- "$2"
	fi
}

# skip_unless_option OPT [VALUE]: says SKIP and fails when this conntop has no such option.
skip_unless_option() {
	conntop_option "$@" && return 0
	skip "$cv: conntop --help lists no $*"
	return 1
}

esc() { printf '%s' "$1" | sed 's/[].[]/\\&/g'; }

# row_regex PID DIR LOCAL REMOTE STATE: a connections-table row of a text frame.
row_regex() {
	printf '^ *%s +tcpfixture +%s +%s +%s +%s ' "$1" "$2" "$(esc "$3")" "$(esc "$4")" "$5"
}

first_frame_or_exit() { has_line "$1" '^conntop [0-9:]{8} ' || ! kill -0 "$2" 2>/dev/null; }

# start_conntop NAME ARGS...: batch conntop into /tmp/NAME.out; returns once the first frame is
# out (the programs are attached then), printing its first lines and whatever it said on stderr.
start_conntop() {
	name=$1
	shift
	bg "$name" timeout -s TERM 600 "$CONNTOP" -b -d 0.5 -n 100000 "$@"
	wait_until "$WAIT_ATTACH" first_frame_or_exit "$name" "$BG_LAST"
	if ! has_line "$name" '^conntop [0-9:]{8} '; then
		if kill -0 "$BG_LAST" 2>/dev/null; then
			fail "$name: conntop${*:+ $*} printed no frame in $WAIT_ATTACH s"
		else
			wait "$BG_LAST"
			fail "$name: conntop${*:+ $*} exited $? before its first frame"
		fi
		sed 's/^/    stderr: /' "/tmp/$name.err"
		return 1
	fi
	ok "$name: conntop${*:+ $*} attached and printed a frame"
	head -2 "/tmp/$name.out" | cut -c1-200 | sed 's/^/    /'
	sed 's/^/    stderr: /' "/tmp/$name.err"
	return 0
}

# conn_variant NAME PORT CONNTOP-ARGS...: with conntop running (started first, so the records
# come from its kernel programs, not from a sock_diag seed), a tcpfixture server and a separate
# client connect on 127.0.0.1 and on ::1. Both rows must show with the right pids and ports,
# then both closed; lost, corrections (what the healing pass had to fix) and invalid stay 0.
conn_variant() {
	cv=$1
	port=$2
	shift 2
	nfail=0
	for arg in "$@"; do
		case $arg in
		--*=[a-z]*) skip_unless_option "${arg%%=*}" "${arg#*=}" || return 0 ;;
		--*=*) skip_unless_option "${arg%%=*}" || return 0 ;;
		--*) skip_unless_option "$arg" || return 0 ;;
		esac
	done
	start_conntop "$cv" "$@" || return 1
	cvpid=$BG_LAST
	for addr in 127.0.0.1 ::1; do
		host=$addr
		case $addr in *:*) host="[$addr]" ;; esac
		label="$cv $host"
		bg "$cv.srv$port" "$TCPFIXTURE" serve "$addr" "$port" -c 1 -t 600
		spid=$BG_LAST
		check "$label: server listens" wait_until 10 has_line "$cv.srv$port" '^listening'
		bg "$cv.cli$port" "$TCPFIXTURE" connect "$addr" "$port" -t 600
		cpid=$BG_LAST
		check "$label: client connects" wait_until 10 has_line "$cv.cli$port" '^connected '
		cport=$(sed -n 's/^connected .*:\([0-9]*\)$/\1/p' "/tmp/$cv.cli$port.out")
		in_row=$(row_regex "$spid" in "$host:$port" "$host:$cport" ESTABLISHED)
		out_row=$(row_regex "$cpid" out "$host:$cport" "$host:$port" ESTABLISHED)
		check "$label: server pid $spid on the in row, port $port" \
			wait_until "$WAIT_ROWS" frame_has "$cv" "$in_row"
		check "$label: client pid $cpid on the out row, port $cport" \
			wait_until "$WAIT_ROWS" frame_has "$cv" "$out_row"
		kill -TERM "$cpid" "$spid"
		check "$label: client row closed" wait_until "$WAIT_ROWS" has_line "$cv" \
			"$(row_regex "$cpid" out "$host:$cport" "$host:$port" CLOSED)"
		check "$label: server row closed" wait_until "$WAIT_ROWS" has_line "$cv" \
			"$(row_regex "$spid" in "$host:$port" "$host:$cport" CLOSED)"
		port=$((port + 1))
	done
	# One more frame, so the header counts everything above.
	frames=$(grep -cE '^conntop [0-9:]{8} ' "/tmp/$cv.out")
	wait_until 10 test "$(grep -cE '^conntop [0-9:]{8} ' "/tmp/$cv.out")" -gt "$((frames + 1))"
	echo "    last header: $(last_frame "$cv" | head -1)"
	for counter in lost corrections invalid 'closed unseen' 'not accepted'; do
		v=$(header_value "$cv" "$counter")
		check "$cv: $counter: ${v:-?} (want 0)" test "${v:-x}" = 0
	done
	v=$(header_value "$cv" opened)
	check "$cv: opened: ${v:-?} (want 4: 2 in, 2 out)" test "${v:-x}" = 4
	v=$(header_value "$cv" closed)
	check "$cv: closed: ${v:-?} (want 4)" test "${v:-x}" = 4
	check "$cv: conntop still running" kill -0 "$cvpid"
	[ "$nfail" -eq 0 ] && return 0
	dump_frames "$cv"
	return 1
}

# dump_frames NAME: on a failure, each frame's counters that are not 0 and its tcpfixture rows.
dump_frames() {
	echo "    frames of /tmp/$1.out (counters not 0, tcpfixture rows):"
	awk '/^conntop [0-9:]+ / { hdr = 1 }
		hdr == 1 { print "    " $2; hdr = 2; next }
		hdr == 2 { n = split($0, f, "  "); out = "";
			for (i = 1; i <= n; i++) if (f[i] !~ /: 0$/ && f[i] != "") out = out "  " f[i];
			print "     " out; hdr = 0; next }
		/tcpfixture/ && !/^ *[0-9]+ tcpfixture root/ { print "     " $0 }' "/tmp/$1.out" | head -150
	sed 's/^/    stderr: /' "/tmp/$1.err" | head -20
}

# What the guest is, and what conntop says about its source and transport (JSON's fields before
# the counters), from one frame with nothing going on.
check_info() {
	nfail=0
	echo "    kernel: $(uname -a)"
	if [ -r /sys/kernel/btf/vmlinux ]; then
		ok "info: /sys/kernel/btf/vmlinux is there"
	else
		fail "info: /sys/kernel/btf/vmlinux is missing"
	fi
	for tp in sock/inet_sock_set_state syscalls/sys_exit_accept4 sock/sock_send_length; do
		if [ -d "/sys/kernel/tracing/events/$tp" ]; then
			echo "    tracepoint $tp: yes"
		else
			echo "    tracepoint $tp: no"
		fi
	done
	echo "    conntop: $("$CONNTOP" --version 2>&1 | head -1)"
	"$CONNTOP" --help 2>&1 | grep -E -- '--(source|transport|hook|traffic)' | sed 's/^/    help:/'
	if timeout -s TERM 120 "$CONNTOP" -b -n 1 -d 0.5 --format json >/tmp/info.out 2>/tmp/info.err; then
		ok "info: conntop --format json ran one frame"
	else
		fail "info: conntop --format json exited $?"
	fi
	sed 's/^/    stderr: /' /tmp/info.err
	echo "    json: $(head -1 /tmp/info.out | sed 's/,"stats".*//' | cut -c1-400)"
	check "info: conntop says its source is ebpf" grep -q '"source":"ebpf"' /tmp/info.out
	[ "$nfail" -eq 0 ]
}

# The default build: ring buffer, the default hooks.
check_ringbuf() { conn_variant ringbuf 17101; }

# The per-CPU perf buffer transport, once conntop has it.
check_perfbuf() { conn_variant perfbuf 17111 --transport=perfbuf; }

# The hook variants, each forced, and what the header says of it.
variant_named() { grep -q "\"source_detail\":\"eBPF $1, $2" "/tmp/$3.json"; }

hooks_variant() {
	conn_variant "$@" || return 1
	hv=$1
	shift 2
	timeout -s TERM 120 "$CONNTOP" -b -n 1 -d 0.5 --format json "$@" >"/tmp/$hv.json" 2>&1
	check "$hv: JSON source_detail names the hooks" variant_named "$hv" ringbuf "$hv"
	head -1 "/tmp/$hv.json" | grep -o '"source_detail":"[^"]*"' | sed 's/^/    /'
	[ "$nfail" -eq 0 ]
}

# Without eBPF: polling sock_diag and /proc shows the same long-lived connections.
check_proc() {
	conn_variant proc 17191 --source=proc || return 1
	timeout -s TERM 120 "$CONNTOP" -b -n 1 -d 0.5 --format json --source=proc >/tmp/proc.json 2>&1
	check "proc: JSON says /proc polling" \
		grep -q '"source":"proc","source_detail":"/proc polling, no eBPF"' /tmp/proc.json
	[ "$nfail" -eq 0 ]
}

check_fentry() { hooks_variant fentry 17131 --hooks=fentry; }
check_kprobe() { hooks_variant kprobe 17141 --hooks=kprobe; }
check_raw_tp() { hooks_variant raw_tp 17151 --hooks=raw_tp; }
check_tp() { hooks_variant tp 17161 --hooks=tp; }

# churn_variant NAME PORT N CONNTOP-ARGS...: N connections made and closed in a row; the header's
# counters must say exactly so (nothing else runs in the guest), with nothing lost. With
# HEALED=1 (hooks whose skipped runs this kernel does not count) healing runs, and what it
# corrected is shown: then every connection seen must end closed, none left active.
churn_variant() {
	cv=$1
	port=$2
	n=$3
	shift 3
	nfail=0
	if [ "${HEALED:-0}" = 1 ]; then
		start_conntop "$cv" --heal-interval 1 "$@" || return 1
		check "$cv: conntop says skipped runs are not counted" \
			grep -q 'not counted by kernels before 6.7' "/tmp/$cv.err"
	else
		start_conntop "$cv" --heal-interval 0 "$@" || return 1
	fi
	# Sockets an earlier check left closing (FIN_WAIT2 of a killed fixture) are seeded as active.
	base=$(header_value "$cv" active)
	base=${base:-0}
	bg "$cv.srv" "$TCPFIXTURE" burst-serve 127.0.0.1 "$port" "$n" -t 600
	check "$cv: server listens" wait_until 10 has_line "$cv.srv" '^listening'
	bg "$cv.cli" "$TCPFIXTURE" burst 127.0.0.1 "$port" "$n" -j 2 -t 600
	check "$cv: $n connections made" wait_until 300 has_line "$cv.cli" "^done $n\$"
	check "$cv: closed: $((2 * n))" wait_until 60 eval \
		'test "$(header_value "$cv" closed)" -ge $((2 * n))'
	if [ "${HEALED:-0}" = 1 ]; then
		check "$cv: healed: none active but the $base from before" wait_until 30 eval \
			'test "$(header_value "$cv" active)" = "$base"'
		echo "    last header: $(last_frame "$cv" | head -2 | tr '\n' ' ' | cut -c1-400)"
		v=$(header_value "$cv" opened)
		c=$(header_value "$cv" closed)
		check "$cv: closed ($c) = opened ($v) <= $((2 * n))" \
			test "${c:-x}" = "${v:-y}" -a "${v:-0}" -le $((2 * n))
		echo "    seen $v of $((2 * n)) opens; corrections: $(header_value "$cv" corrections)"
		for counter in duplicate 'pending full' invalid; do
			v=$(header_value "$cv" "$counter")
			check "$cv: $counter: ${v:-?} (want 0)" test "${v:-x}" = 0
		done
		return $((nfail != 0))
	fi
	echo "    last header: $(last_frame "$cv" | head -2 | tr '\n' ' ' | cut -c1-300)"
	v=$(header_value "$cv" opened)
	check "$cv: opened: ${v:-?} (want $((2 * n)))" test "${v:-x}" = $((2 * n))
	v=$(header_value "$cv" closed)
	check "$cv: closed: ${v:-?} (want $((2 * n)))" test "${v:-x}" = $((2 * n))
	v=$(header_value "$cv" active)
	check "$cv: active: ${v:-?} (want the $base from before)" test "${v:-x}" = "$base"
	for counter in 'closed unseen' 'not accepted' invalid duplicate late 'pending full'; do
		v=$(header_value "$cv" "$counter")
		check "$cv: $counter: ${v:-?} (want 0)" test "${v:-x}" = 0
	done
	# With the counts exact, lost can only be skips the kernel counted in the guard's window
	# around a first copy (docs/ARCHITECTURE.md), of changes that made no record: an upper
	# bound, rare.
	v=$(header_value "$cv" lost)
	check "$cv: lost: ${v:-?} (want 0, or a few counted skips: <= $((n / 20)))" \
		test "${v:-x}" -le $((n / 20))
	[ "$nfail" -eq 0 ]
}

check_churn_kprobe_perfbuf() {
	HEALED=1 churn_variant churn_kprobe_perfbuf 17171 300 --hooks=kprobe --transport=perfbuf
}
check_churn_fentry() { churn_variant churn_fentry 17181 300 --hooks=fentry; }

# Bytes: a client sends 100000 bytes and gets 50000 back. On a kernel without the
# sock_send_length tracepoints (6.1) they come from sock_diag's tcp_info at each refresh.
check_traffic() {
	nfail=0
	start_conntop traffic || return 1
	port=17121
	bg traffic.sink "$TCPFIXTURE" sink 127.0.0.1 $port -r 50000 -t 600
	spid=$BG_LAST
	check "traffic: sink listens" wait_until 10 has_line traffic.sink '^listening'
	bg traffic.send "$TCPFIXTURE" send 127.0.0.1 $port 100000 -r 50000 -t 600
	cpid=$BG_LAST
	check "traffic: sent and received" wait_until 20 has_line traffic.send '^sent 100000 received 50000'
	cport=$(sed -n 's/^connected .*:\([0-9]*\)$/\1/p' /tmp/traffic.send.out)
	row="$(row_regex "$cpid" out "127.0.0.1:$cport" "127.0.0.1:$port" ESTABLISHED).* 100000 +50000 +[0-9]+ *$"
	check "traffic: client row shows SENT 100000 RECV 50000" wait_until "$WAIT_ROWS" frame_has traffic "$row"
	if [ "$nfail" -ne 0 ]; then
		last_frame traffic | grep -E "tcpfixture|^PID" | sed 's/^/    /'
	fi
	kill -TERM "$cpid" "$spid"
	[ "$nfail" -eq 0 ]
}
