#!/usr/bin/env bash
# shellcheck disable=SC2016 # jq programs: $names are jq's
# shellcheck disable=SC2154 # PID_<name> are set by lib.sh's start
# Bytes per connection and per edge, on known transfers between the lab's namespaces (lab.sh):
# tcpfixture's send and sink move exact amounts (10 MiB each way, and others, each way of a
# different size so that a swapped count shows), nginx serves a file of known size. conntop runs
# with -b -d 0.5 --format json (one JSON document per line) and must show, within 1 %:
#  - the client's connection: bytes_sent = what it sent, bytes_received = what it got back;
#  - the server's connection the other way round (its own socket's view);
#  - the edge client -> server:port as the client sees it, the connection counted once, while it
#    is open and in the frame where it closes (a close between two reads carries the final bytes);
#  - send_rate and receive_rate: null in the first frame, 0 on an idle connection, within a factor
#    of 2 of a paced sender's pace (and agreeing with the counters' rise);
#  - a connection open before conntop started with its earlier bytes (sock_diag);
#  - retransmits on a lossy path only: the lab's veth into the cache namespace drops every 20th
#    data packet (a tc-bpf program: this kernel has no sch_netem), a clean path at the same time;
#  - the same with --traffic=sockdiag; --traffic=off shows no bytes, the rest as usual.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
source tests/integration/lab.sh
require_root
lab_require_packages || { fail "lab packages installed"; exit 1; }
for tool in jq tc "${CLANG:-clang}"; do
	command -v "$tool" >/dev/null || { fail "$tool is installed"; exit 1; }
done

MiB=1048576
UP=$((10 * MiB)) DOWN=$((10 * MiB))   # the main transfer, client -> server and back
PRE_UP=$((3 * MiB)) PRE_DOWN=$((1 * MiB)) # held open before conntop starts
CLOSE_UP=$((10 * MiB)) CLOSE_DOWN=$((4 * MiB)) # opened, moved and closed between two frames
SLOW=$((5 * MiB)) PACE=$((2 * MiB))   # paced at PACE bytes/s: 2.5 s
LOSS=$((4 * MiB)) LOSS_PACE=$((16 * MiB)) # over the lossy and the clean path at once, paced so
                                          # that the clean one really has no retransmits
HTTP_FILE=/traffic-5m.bin HTTP_SIZE=$((5 * MiB))
# Ports (below 32768, the ephemeral range): one sink per reply size.
P_MAIN=5201 P_LOSSY=5202 P_ZERO=5203 P_PRE=5204 P_CLOSE=5205
DELAY=0.5
DROP_EVERY=20 DROP_MAX=8 # the lossy path: every 20th data packet (5 %), 8 at most

# The lossy path's filter comes off on exit, pass or fail (lab_down deletes the namespace too).
eval "$(declare -f cleanup | sed '1s/^cleanup/_traffic_lab_cleanup/')"
cleanup() {
	set +e
	lossy_off
	_traffic_lab_cleanup
}
lossy_off() {
	[ -e "/run/netns/$LAB_NS_SWITCH" ] || return 0
	tc -n "$LAB_NS_SWITCH" qdisc del dev cache clsact 2>/dev/null
	return 0
}

# try WHAT command...: lib.sh's check, returning the command's success (for a report on failure).
try() {
	local what=$1
	shift
	if "$@"; then
		ok "$what"
		return 0
	fi
	fail "$what"
	return 1
}

# --- reading conntop's JSON Lines ---

# Definitions every jq program here may use. near: within 1 % of $want (TCP's SYN and FIN, which
# tcp_info counts as a byte each, are far below that).
JQ_LIB='
def abs: if . < 0 then -. else . end;
def near($want): type == "number" and ((. - $want) | abs) <= $want / 100;
def nodeid($pid): first((.nodes[] | select(.kind == "process" and .pid == $pid) | .id), null);
def conn($pid; $local): first((.connections[] | select(.pid == $pid and .local == $local)), null);
def conn_to($pid; $remote):
	first((.connections[] | select(.pid == $pid and .remote == $remote)), null);
def edge($c; $s; $port):
	nodeid($c) as $f | nodeid($s) as $t
	| first((.edges[] | select(.from == $f and .to == $t and .port == $port)), null);
def traffic: { bytes_sent, bytes_received, retransmits, send_rate, receive_rate };
# Every traffic key is there, and 0 or null (--traffic=off).
def no_traffic:
	. as $o | . != null and all("bytes_sent", "bytes_received", "retransmits", "send_rate",
		"receive_rate"; . as $k | ($o | has($k)) and ($o[$k] == 0 or $o[$k] == null));
'

# The complete lines (frames) conntop NAME has written; a line still being written is left out.
nframes() { wc -l <"$TMP/$1.out"; }
frames() { head -n "$(nframes "$1")" "$TMP/$1.out"; }
frames_above() { [ "$(nframes "$1")" -gt "$2" ]; }
# jframe NAME FILTER [jq options]: FILTER on NAME's last complete frame gives true. (jq -e is
# content with no input at all: here no frame fails.)
jframe() {
	local name=$1 filter=$2
	shift 2
	frames "$name" | tail -n 1 | jq -e -n "$@" "$JQ_LIB input | ($filter)" >/dev/null 2>&1
}
# jframes NAME FILTER [jq options]: FILTER on the array of all NAME's complete frames gives true.
jframes() {
	local name=$1 filter=$2
	shift 2
	frames "$name" |
		jq -e -n "$@" "$JQ_LIB [inputs] | select(length > 0) | ($filter)" >/dev/null 2>&1
}
# show NAME FILTER [jq options]: what FILTER makes of the last frame, for a failure's report.
show() {
	local name=$1 filter=$2
	shift 2
	frames "$name" | tail -n 1 | jq -c "$@" "$JQ_LIB $filter" 2>&1 | sed 's/^/    /'
}
# wait_new_frames NAME N: until N more frames have been written.
wait_new_frames() {
	wait_until 10 frames_above "$1" $(($(nframes "$1") + $2 - 1))
}

# ct_start NAME [options]: conntop in JSON Lines to $TMP/NAME.out; returns at its first frame.
ct_start() {
	local name=$1
	shift
	start "$name" timeout 120 "$CONNTOP" -b -d "$DELAY" --format json "$@"
	wait_until 15 frames_above "$name" 0
}
# ct_stop NAME: SIGTERM, and a check that it exits 0.
ct_stop() {
	local pid_var="PID_$1" rc
	kill -TERM "${!pid_var}" 2>/dev/null
	wait "${!pid_var}"
	rc=$?
	check "$1: conntop exits 0 on SIGTERM ($rc)" test $rc = 0
}

# --- the transfers ---

# sink NS NAME PORT REPLY: a tcpfixture sink that answers each connection with REPLY bytes.
sink() {
	lab_start "$1" "$2" "$TCPFIXTURE" sink "$(ip_of "$1")" "$3" -c 16 -r "$4" -t 120
	wait_line "$2" '^listening$' || { fail "sink $2 listens"; exit 1; }
}
ip_of() {
	local var="LAB_${1^^}_IP"
	echo "${!var}"
}
# send NAME NS PORT UP DOWN [options]: a client in the client namespace sends UP bytes to NS's
# sink on PORT, which answers DOWN bytes. Sets NAME_pid, NAME_local.
send() {
	local name=$1 ns=$2 port=$3 up=$4 down=$5
	shift 5
	lab_client "$name" "$TCPFIXTURE" send "$(ip_of "$ns")" "$port" "$up" -r "$down" -t 120 "$@"
	wait_line "$name" '^connected ' || { fail "$name connects"; return 1; }
	printf -v "${name}_pid" '%s' "$(sed -n 's/^pid=//p' "$TMP/$name.out")"
	printf -v "${name}_local" '%s' "$(sed -n 's/^connected //p' "$TMP/$name.out")"
}
sent_all() { # NAME UP DOWN: the client says it sent and received all of it
	wait_line "$1" "^sent $2 received $3\$" 30
}
# xargs_of NAME SINK PORT UP DOWN: jq options naming the transfer: $c, $s (client's and server's
# pids), $l (the client's local address), $port, $up, $down. In XA.
xargs_of() {
	local c="${1}_pid" l="${1}_local" s="PID_$2"
	XA=(--argjson c "${!c}" --argjson s "${!s}" --arg l "${!l}" --argjson port "$3"
		--argjson up "$4" --argjson down "$5")
}
# The transfer's three views in the last frame, for a failure's report.
show_xfer() {
	show "$1" '{ client: (conn($c; $l) | traffic), server: (conn_to($s; $l) | traffic),
		edge: (edge($c; $s; $port) | traffic) }' "${XA[@]}"
}

# check_xfer CT WHAT: the open transfer in XA, as its client, its server and their edge see it.
check_xfer() {
	local ct=$1 what=$2 bad=0
	if wait_until 5 jframe "$ct" 'conn($c; $l) | (.bytes_sent | near($up))
			and (.bytes_received | near($down))' "${XA[@]}"; then
		ok "$what: the client's connection sent ≈ $UP_MIB MiB, received ≈ $DOWN_MIB MiB"
	else
		fail "$what: the client's connection sent ≈ $UP_MIB MiB, received ≈ $DOWN_MIB MiB"
		bad=1
	fi
	if wait_until 3 jframe "$ct" 'conn_to($s; $l) | (.bytes_sent | near($down))
			and (.bytes_received | near($up))' "${XA[@]}"; then
		ok "$what: the server's connection the other way: sent ≈ $DOWN_MIB MiB, received ≈ $UP_MIB MiB"
	else
		fail "$what: the server's connection the other way: sent ≈ $DOWN_MIB MiB, received ≈ $UP_MIB MiB"
		bad=1
	fi
	if wait_until 3 jframe "$ct" 'edge($c; $s; $port) | .active == 1
			and (.bytes_sent | near($up)) and (.bytes_received | near($down))' "${XA[@]}"; then
		ok "$what: the edge client -> server:port is the client's view, counted once"
	else
		fail "$what: the edge client -> server:port is the client's view, counted once"
		bad=1
	fi
	[ $bad = 0 ] || show_xfer "$ct"
}
# mib BYTES: for check names.
mib() { awk -v b="$1" 'BEGIN { printf "%g", b / 1048576 }'; }
set_sizes() { UP_MIB=$(mib "$1") DOWN_MIB=$(mib "$2"); }

# check_closed_xfer CT WHAT: the transfer in XA has closed: in every frame from the one that shows
# the client's side closed (the server's may close a frame later), its edge still holds the
# totals, once; and the closed connections show their final counts.
check_closed_xfer() {
	local ct=$1 what=$2
	check "$what: a frame shows the client's side closed" \
		wait_until 10 jframes "$ct" 'any(.[]; conn($c; $l).closed == true)' "${XA[@]}"
	check "$what: closed, the client's connection keeps its final counts" \
		jframes "$ct" 'first(.[] | conn($c; $l) | select(.closed)) |
			(.bytes_sent | near($up)) and (.bytes_received | near($down))' "${XA[@]}"
	check "$what: closed, the server's connection keeps its final counts" \
		wait_until 5 jframes "$ct" 'first(.[] | conn_to($s; $l) | select(.closed)) |
			(.bytes_sent | near($down)) and (.bytes_received | near($up))' "${XA[@]}"
	try "$what: the edge keeps its totals, once, in every frame after the close" \
		jframes "$ct" '[.[] | select(conn($c; $l).closed == true or
				(conn($c; $l) == null and conn_to($s; $l) != null))
			| edge($c; $s; $port)] as $e
		| ($e | length) >= 1
		  and all($e[]; (.bytes_sent | near($up)) and (.bytes_received | near($down)))' "${XA[@]}" ||
		frames "$ct" | jq -c "${XA[@]}" "$JQ_LIB"'select(conn($c; $l).closed == true)
			| { conn: (conn($c; $l) | traffic), edge: (edge($c; $s; $port) | traffic) }' |
		sed 's/^/    /'
}

# --- the lossy path: a tc-bpf program on the switch's veth into the cache namespace ---

# Drops every DROP_EVERY-th packet longer than 100 bytes (data: never a SYN or a bare ACK, whose
# loss costs a 1 s timeout), DROP_MAX of them at most after it is attached, so that a transfer
# surely loses some and never waits long. No headers (Debian's clang -target bpf finds no
# asm/types.h): len is struct __sk_buff's first field; TC_ACT_OK is 0, TC_ACT_SHOT 2.
lossy_on() {
	cat >"$TMP/drop.bpf.c" <<-EOF
		struct __sk_buff {
			unsigned int len;
		};
		static unsigned int seen, dropped;
		__attribute__((section("tc"), used)) int drop(struct __sk_buff *skb)
		{
			if (skb->len <= 100 || dropped >= $DROP_MAX || seen++ % $DROP_EVERY != $((DROP_EVERY / 2)))
				return 0;
			dropped++;
			return 2;
		}
		char _license[] __attribute__((section("license"), used)) = "GPL";
	EOF
	"${CLANG:-clang}" -O2 -target bpf -c "$TMP/drop.bpf.c" -o "$TMP/drop.bpf.o" &&
		tc -n "$LAB_NS_SWITCH" qdisc add dev cache clsact &&
		tc -n "$LAB_NS_SWITCH" filter add dev cache egress bpf direct-action \
			obj "$TMP/drop.bpf.o" sec tc
}

# ss_retrans NS...: a JSON object, "local remote" -> tcp_info's total retransmits (the ground
# truth: retransmitted segments), for every connection in the namespaces. ss -ti shows
# "retrans:NOW/TOTAL" only when TOTAL is not 0.
ss_retrans() {
	local ns
	for ns; do
		lab_exec "$ns" ss -tinH
	done | awk '
		/^[A-Z]/ { local = $4 " " $5; next }
		{
			r = 0
			if (match($0, /retrans:[0-9]+\/[0-9]+/)) {
				r = substr($0, RSTART, RLENGTH)
				sub(/.*\//, "", r)
			}
			print local, r
		}' | jq -R -n '[inputs | split(" ") | { (.[0] + " " + .[1]): (.[2] | tonumber) }] | add // {}'
}

# === up ===

lab_up || { fail "lab up"; exit 1; }
sink web main_srv $P_MAIN $DOWN
sink web pre_srv $P_PRE $PRE_DOWN
sink web close_srv $P_CLOSE $CLOSE_DOWN
sink web zero_srv $P_ZERO 0
sink cache lossy_srv $P_LOSSY 0

# === A: conntop with the default (kernel) counting ===

# Held open with its bytes moved before conntop starts: they must come from sock_diag.
send pre web $P_PRE $PRE_UP $PRE_DOWN
check "pre: transfer done before conntop starts" sent_all pre $PRE_UP $PRE_DOWN

ct_start ctA
check "A: first frame written" frames_above ctA 0
try "A: first frame: interval_s is null, every rate null, the held connection in it" \
	jq -e -n --argjson c "$pre_pid" "$JQ_LIB"'input | .interval_s == null
		and any(.connections[]; .pid == $c)
		and all(.connections[], .edges[]; has("send_rate") and .send_rate == null
			and has("receive_rate") and .receive_rate == null)' "$TMP/ctA.out" >/dev/null ||
	head -n 1 "$TMP/ctA.out" | jq -c '[.interval_s, (.connections[], .edges[] |
		{ send_rate, receive_rate })]' | sed 's/^/    /'

xargs_of pre pre_srv $P_PRE $PRE_UP $PRE_DOWN
set_sizes $PRE_UP $PRE_DOWN
check "pre: the held connection is seeded (found by sock_diag)" \
	wait_until 5 jframe ctA 'conn($c; $l).seeded == true' "${XA[@]}"
check_xfer ctA "pre (open before conntop)"
check "pre: its counts are exact: sent $PRE_UP, received $PRE_DOWN (a SYN is no data)" \
	jframe ctA 'conn($c; $l) | .bytes_sent == $up and .bytes_received == $down' "${XA[@]}"

# The main transfer: 10 MiB each way, then held open.
send main web $P_MAIN $UP $DOWN
check "main: transfer done" sent_all main $UP $DOWN
xargs_of main main_srv $P_MAIN $UP $DOWN
set_sizes $UP $DOWN
check_xfer ctA "main"
# Idle now: two frames later, nothing moved over the last refresh.
wait_new_frames ctA 2
try "main: idle, the rates are 0 (connections and edge)" \
	jframe ctA '[conn($c; $l), conn_to($s; $l), edge($c; $s; $port)]
		| all(.[]; . != null and .send_rate == 0 and .receive_rate == 0)' "${XA[@]}" ||
	show_xfer ctA

# A paced transfer: while it runs, the rates are within a factor of 2 of the pace, and agree with
# the counters' rise between two frames (within 10 %).
send slow web $P_ZERO $SLOW 0 -p $PACE
check "slow: paced transfer done" sent_all slow $SLOW 0
xargs_of slow zero_srv $P_ZERO $SLOW 0
wait_new_frames ctA 2
PACED='[.[] | { i: .interval_s, c: conn($c; $l), v: conn_to($s; $l), e: edge($c; $s; $port) }]
	| [range(1; length) as $k | .[$k - 1] as $a | .[$k]
	   | select($a.c != null and $a.c.bytes_sent > 0 and .c.bytes_sent < $up)
	   | . + { rise: ((.c.bytes_sent - $a.c.bytes_sent) / .i) }]'
bad=0
try "slow: at least 2 frames while the transfer ran" \
	jframes ctA "$PACED | length >= 2" "${XA[@]}" || bad=1
try "slow: send_rate of the client's connection and the edge, receive_rate of the server's, within x2 of $PACE B/s" \
	jframes ctA "$PACED | length >= 2 and all(.[]; [.c.send_rate, .e.send_rate, .v.receive_rate]
		| all(.[]; type == \"number\" and . >= $PACE / 2 and . <= $PACE * 2))" "${XA[@]}" ||
	bad=1
try "slow: send_rate agrees with the rise of bytes_sent between the frames (10 %)" \
	jframes ctA "$PACED | length >= 2 and all(.[]; (.c.send_rate - .rise | abs) <= .rise / 10)" \
	"${XA[@]}" || bad=1
[ $bad = 0 ] || frames ctA | jq -c -s "${XA[@]}" "$JQ_LIB $PACED"'
	| map({ i, rise, c: .c.send_rate, e: .e.send_rate, v: .v.receive_rate })' |
	sed 's/^/    paced frames: /'

# Retransmits: the lossy path (into the cache namespace) and a clean one (into web), at once.
lossy_on
check "lossy path: tc-bpf dropper attached" eval "tc -n '$LAB_NS_SWITCH' filter show dev cache egress | grep -q direct-action"
send lossy cache $P_LOSSY $LOSS 0 -p $LOSS_PACE
send clean web $P_ZERO $LOSS 0 -p $LOSS_PACE
check "lossy: both transfers done" eval "sent_all lossy $LOSS 0 && sent_all clean $LOSS 0"
xargs_of lossy lossy_srv $P_LOSSY $LOSS 0
check "lossy: the server received it all (retransmissions done)" \
	wait_until 15 jframe ctA 'conn_to($s; $l).bytes_received | near($up)' "${XA[@]}"
SS=$(ss_retrans client web cache)
# ss_of LOCAL REMOTE: one socket's retransmits in $SS.
ss_of() { jq -r --arg k "$1 $2" '.[$k] // 0' <<<"$SS"; }
lossy_retrans=$(ss_of "$lossy_local" "$LAB_CACHE_IP:$P_LOSSY")
clean_retrans=$(($(ss_of "$clean_local" "$LAB_WEB_IP:$P_ZERO") +
	$(ss_of "$LAB_WEB_IP:$P_ZERO" "$clean_local")))
check "lossy: ss sees retransmits on the lossy path ($lossy_retrans), none on the clean one ($clean_retrans)" \
	eval "[ '$lossy_retrans' -gt 0 ] && [ '$clean_retrans' = 0 ]"
check "lossy: the lossy edge shows retransmits > 0" \
	wait_until 5 jframe ctA 'edge($c; $s; $port).retransmits > 0' "${XA[@]}"
wait_new_frames ctA 1 # one read after ss's
try "lossy: its client's connection counts them as tcp_info does (ss: $lossy_retrans)" \
	jframe ctA 'conn($c; $l).retransmits == $ss' "${XA[@]}" \
	--argjson ss "$lossy_retrans" ||
	show ctA '{ lossy: (conn($c; $l) | traffic), edge: (edge($c; $s; $port) | traffic) }' "${XA[@]}"
xargs_of clean zero_srv $P_ZERO $LOSS 0
check "lossy: the clean edge, at the same time, shows 0 retransmits and all its bytes" \
	jframe ctA 'edge($c; $s; $port) | .retransmits == 0 and (.bytes_sent | near($up))' "${XA[@]}"
# The other edges (pre, main, slow, clean) against ss: an edge between two local processes has
# both sockets' retransmits (docs/EXPORT.md). A clean path has none unless the kernel really
# retransmitted (a late ACK on a busy machine can make it): then conntop must say as much.
try "lossy: every other edge's retransmits are its two sockets', as ss counts them" \
	jframe ctA '. as $fr | [.connections[] | select(.direction == "out" and .pid != $lc
			and $ss[.local + " " + .remote] != null)
		| { want: ($ss[.local + " " + .remote] + ($ss[.remote + " " + .local] // 0)),
		    edge: (.pid as $p | $fr | nodeid($p) as $f
			| first((.edges[] | select(.from == $f)), null)) }]
		| length >= 4 and all(.[]; .edge != null and .edge.retransmits == .want)' \
	--argjson lc "$lossy_pid" --argjson ss "$SS" || {
	show ctA '.edges[] | { from, to, port, retransmits }'
	echo "    ss: $(jq -c . <<<"$SS")"
}
lossy_off
xargs_of lossy lossy_srv $P_LOSSY $LOSS 0
finish lossy
finish clean
check "lossy: a frame shows it closed" \
	wait_until 10 jframes ctA 'any(.[]; conn($c; $l).closed == true)' "${XA[@]}"
check "lossy: closed, its bytes are exact: sent $LOSS, received 0 (SYN and FIN are no data)" \
	jframes ctA 'first(.[] | conn($c; $l) | select(.closed))
		| .bytes_sent == $up and .bytes_received == 0' "${XA[@]}"
try "lossy: closed, its retransmits are what they were while open" \
	jframes ctA '[.[] | conn($c; $l) | select(. != null)] as $v
		| ($v | last | .closed) and ($v | length) >= 2
		and ($v[-1].retransmits == $v[-2].retransmits)' "${XA[@]}" ||
	frames ctA | jq -c -n "${XA[@]}" "$JQ_LIB"'[inputs | conn($c; $l) | select(. != null)
		| { closed, retransmits }] | .[-2:]' | sed 's/^/    lossy, last two frames: /'

# Opened, moved and closed between two frames: only the close's final counts can tell.
wait_new_frames ctA 1
send close web $P_CLOSE $CLOSE_UP $CLOSE_DOWN -x
check "close: transfer done and closed" wait_line close '^closed ' 30
xargs_of close close_srv $P_CLOSE $CLOSE_UP $CLOSE_DOWN
wait_new_frames ctA 2
check "close: the connection was never seen open (it lived between two frames)" \
	jframes ctA 'first(.[] | conn($c; $l) | select(. != null)) | .closed == true' "${XA[@]}"
check_closed_xfer ctA "close"

# The held main transfer closes: its edge keeps the totals, once.
xargs_of main main_srv $P_MAIN $UP $DOWN
finish main
check "main: the server saw it all" wait_line main_srv "^received $UP sent $DOWN "
check_closed_xfer ctA "main"

# An HTTP download from the lab's nginx (its document root is the lab's, under $TMP).
WWW=$TMP/lab/nginx/www
check "nginx's document root is where lab.sh puts it" test -f "$WWW/index.html"
head -c $HTTP_SIZE /dev/urandom >"$WWW$HTTP_FILE"
read -r h_req h_hdr h_body h_port < <(lab_exec client curl -s -o /dev/null \
	-w '%{size_request} %{size_header} %{size_download} %{local_port}\n' \
	"http://$LAB_WEB_IP:$LAB_WEB_PORT$HTTP_FILE")
check "http: curl downloaded $HTTP_SIZE bytes ($h_body)" test "${h_body:-0}" = $HTTP_SIZE
HX=(--argjson lp "${h_port:-0}" --argjson req "${h_req:-0}" --argjson body "$HTTP_SIZE"
	--argjson got $((${h_hdr:-0} + HTTP_SIZE)))
HTTP_FRAME='first(.[] | (first(.connections[] | select(.comm == "curl" and .local_port == $lp
	and .closed)) // empty) as $k | { conn: $k, edge: first((nodeid($k.pid) as $f | .edges[]
	| select(.from == $f and .port == 80)), null), nginx: first((.connections[]
	| select(.direction == "in" and .local_port == 80 and .remote_port == $lp)), null) })'
bad=0
try "http: a frame shows curl's connection closed, and its edge to nginx:80" \
	wait_until 10 jframes ctA "$HTTP_FRAME | .edge != null" "${HX[@]}" || bad=1
try "http: the edge curl -> nginx:80 received the file: >= $HTTP_SIZE, within 1 % of body + headers" \
	jframes ctA "$HTTP_FRAME | .edge.bytes_received >= \$body and (.edge.bytes_received | near(\$got))" \
	"${HX[@]}" || bad=1
try "http: the edge sent the request (${h_req:-?} bytes)" \
	jframes ctA "$HTTP_FRAME | .edge.bytes_sent >= \$req and (.edge.bytes_sent | near(\$req))" \
	"${HX[@]}" || bad=1
try "http: nginx's connection sent the file (sendfile), received the request" \
	jframes ctA "$HTTP_FRAME | .nginx.bytes_sent >= \$body and (.nginx.bytes_sent | near(\$got))
		and (.nginx.bytes_received | near(\$req))" "${HX[@]}" || bad=1
[ $bad = 0 ] || frames ctA | jq -c -s "${HX[@]}" "$JQ_LIB $HTTP_FRAME"' | { curl: (.conn | traffic),
	edge: (.edge | traffic), nginx: (.nginx | traffic) }' 2>&1 |
	sed "s/^/    http (request $h_req, headers $h_hdr, body $h_body): /"
ct_stop ctA

# === B: --traffic=sockdiag ===

ct_start ctB --traffic=sockdiag
check "B (sockdiag): first frame written" frames_above ctB 0
send mainB web $P_MAIN $UP $DOWN
check "B: transfer done" sent_all mainB $UP $DOWN
xargs_of mainB main_srv $P_MAIN $UP $DOWN
set_sizes $UP $DOWN
check_xfer ctB "B (sockdiag)"
try "B (sockdiag): open, the client's counts are exact: sent $UP, received $DOWN (a SYN is no data)" \
	jframe ctB 'conn($c; $l) | .bytes_sent == $up and .bytes_received == $down' "${XA[@]}" ||
	show_xfer ctB
finish mainB
check_closed_xfer ctB "B (sockdiag)"
ct_stop ctB

# === C: --traffic=off ===

ct_start ctC --traffic=off
check "C (off): first frame written" frames_above ctC 0
send offC web $P_ZERO $MiB 0
check "C: transfer done" sent_all offC $MiB 0
xargs_of offC zero_srv $P_ZERO $MiB 0
check "C (off): the edge and both connections are there as usual" \
	wait_until 5 jframe ctC 'edge($c; $s; $port).active == 1
		and conn($c; $l).state == "ESTABLISHED" and conn_to($s; $l).direction == "in"' "${XA[@]}"
try "C (off): the open connection, both sides, and its edge: every traffic key there, 0 or null" \
	jframe ctC '[conn($c; $l), conn_to($s; $l), edge($c; $s; $port)] | all(.[]; no_traffic)' \
	"${XA[@]}" || show_xfer ctC
OFF_XA=("${XA[@]}")
xargs_of pre pre_srv $P_PRE $PRE_UP $PRE_DOWN
try "C (off): the connection open before it started (seeded) shows no bytes either" \
	jframe ctC '[conn($c; $l), conn_to($s; $l), edge($c; $s; $port)] | all(.[]; no_traffic)' \
	"${XA[@]}" || show_xfer ctC
XA=("${OFF_XA[@]}")
finish offC
check "C (off): a frame shows it closed" \
	wait_until 10 jframes ctC 'any(.[]; conn($c; $l).closed == true)' "${XA[@]}"
try "C (off): closed, no bytes either" \
	jframes ctC 'first(.[] | select(conn($c; $l).closed == true))
		| [conn($c; $l), edge($c; $s; $port)] | all(.[]; no_traffic)' "${XA[@]}" ||
	frames ctC | jq -c -n "${XA[@]}" "$JQ_LIB"'first(inputs | select(conn($c; $l).closed == true))
		| { conn: (conn($c; $l) | traffic), edge: (edge($c; $s; $port) | traffic) }' |
	sed 's/^/    closed: /'
ct_stop ctC

check "no sanitizer report (conntop, tcpfixture)" \
	eval "! cat '$TMP'/*.err 2>/dev/null | grep -qE 'Sanitizer|runtime error'"
