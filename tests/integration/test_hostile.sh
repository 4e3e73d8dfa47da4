#!/usr/bin/env bash
# shellcheck disable=SC2154,SC2016 # PID_<name> are set by lib.sh's start; bash -c '$0'
# Hostile input from real processes (issue 9): names and command lines made of escape sequences
# (a terminal title, clear screen, colour), newlines, tabs, invalid UTF-8, C1 controls, a bidi
# override and a 4 KiB argv, holding real loopback connections, one of them in a cgroup whose
# name holds escape bytes. Each must be inert text on the screen (tmux: the title is unchanged,
# no hostile byte reaches the terminal, the frame is intact), in -b text, in JSON (jq reads the
# escaped form), in DOT (dot renders it), through a recording and its replay, and for a conntop
# started after the connections (sock_diag seeding). Then processes that exit while conntop
# resolves them, and memory with many 4 KiB command lines.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root

SESSION="conntop-hostile-$$"
PANE="$SESSION:0.0"
PORT=17851 PORT_CHURN=17852 PORT_MEM=17853
CG=
hostile_cleanup() {
	tmux kill-session -t "$SESSION" 2>/dev/null
	cleanup
	[ -z "$CG" ] || rmdir "$CG" 2>/dev/null
}
trap hostile_cleanup EXIT

# --- the hostile strings, and how conntop must show them (sanitize.h) ---
SRV_COMM=$'\e]0;pwn\a\e[2J' # a file so named, exec'd: the kernel names the process after it
SRV_COMM_SHOWN='\x1b]0;pwn\x07\x1b[2J'
SRV_ARGV0=$'evil\e]0;title\a\e[2J\e[31mred\nline2\ttab\xff\xfe\xe2\x80\xaeRLO'
SRV_ARGV0_SHOWN='evil\x1b]0;title\x07\x1b[2J\x1b[31mred\x0aline2\x09tab\xff\xfe\u{202e}RLO'
SRV_CMDLINE_SHOWN="$SRV_ARGV0_SHOWN serve 127.0.0.1 $PORT -c 3 -t 60"
CLI_COMM=$'a\nb\tc\xff\xc2\x9b1m' # by prctl(PR_SET_NAME): newline, tab, bad byte, C1 CSI
CLI_COMM_SHOWN='a\x0ab\x09c\xff\u{009b}1m'
# argv[0] of 5000 bytes: "\e[2J\n" 1000 times. The command line is read up to 4 KiB, and its
# shown form is cut at 4095 bytes between escapes: 372 of the 11-byte escaped units.
LONG_ARGV0=$(printf '\e[2J\nX%.0s' $(seq 1000) | tr -d X)
LONG_SHOWN=$(printf '%s' "$(printf '\\x1b[2J\\x0aX%.0s' $(seq 372) | tr -d X)")
CG_COMM=$'\xe2\x80\xaegnp.exe' # RLO: "exe.png" on a terminal that obeys it
CG_COMM_SHOWN='\u{202e}gnp.exe'
CG_NAME="conntop-hostile-$$-"$'\e]0;cg\a\xff\xe2\x80\xae.service'
CG_NAME_SHOWN="conntop-hostile-$$-"'\x1b]0;cg\x07\xff\u{202e}.service'
# Runs "$@" with argv[0] set to $1 (bash -c, as $0): the command line any process can give itself.
AS_ARGV0='exec -a "$0" "$@"'
# Bytes that must never reach an output: ESC, BEL, 0xff, U+202E, U+009B, a tab.
RAW_RE=$'\e|\a|\xff|\xe2\x80\xae|\xc2\x9b|\t'

# cgroup v2 where a test can make a cgroup: unified mode, or hybrid mode's unified hierarchy.
cgroup2_root() {
	local d
	for d in /sys/fs/cgroup/unified /sys/fs/cgroup; do
		[ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ] && { echo "$d"; return 0; }
	done
	return 1
}

# No byte of $RAW_RE and no other control byte but the newline; valid UTF-8.
inert_file() {
	! LC_ALL=C grep -qE "$RAW_RE" "$1" &&
		! LC_ALL=C tr -d '\n' <"$1" | LC_ALL=C grep -q '[[:cntrl:]]' &&
		iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1
}
# DOT indents with tabs: the same, after them.
inert_dot() {
	sed $'s/^\t*//' "$1" >"$1.untabbed" && inert_file "$1.untabbed"
}

# The last whole line of FILE, which conntop may be writing.
last_doc() {
	if [ -z "$(tail -c 1 "$1")" ]; then tail -1 "$1"; else tail -2 "$1" | head -1; fi
}
# node_field FILE PID FIELD: from the last JSON document in FILE.
node_field() {
	last_doc "$1" | jq -r --argjson p "$2" "[.nodes[] | select(.pid == \$p)][0].$3 // empty"
}
# all_nodes_seen FILE: the last document has the three hostile processes with a connection each.
all_nodes_seen() {
	last_doc "$1" | jq -e --argjson a "$PID_srv" --argjson b "$PID_cli" --argjson c "${PID_cg:-0}" \
		--argjson port $PORT '[.connections[] | select(.state == "ESTABLISHED" and
		(.local_port == $port or .remote_port == $port)) | .pid] as $p
		| ($p | index($a)) and ($p | index($b)) and ($c == 0 or ($p | index($c)))' >/dev/null 2>&1
}

# check_nodes WHAT FILE: the three processes' names as the escaped text, in FILE's last document.
check_nodes() {
	local what=$1 f=$2
	check "$what: the server's comm is the escaped text" \
		test "$(node_field "$f" "$PID_srv" comm)" = "$SRV_COMM_SHOWN"
	check "$what: the server's command line, escapes, newline, tab, bad bytes, RLO as text" \
		test "$(node_field "$f" "$PID_srv" cmdline)" = "$SRV_CMDLINE_SHOWN"
	check "$what: the client's comm (newline, tab, 0xff, C1 CSI) is the escaped text" \
		test "$(node_field "$f" "$PID_cli" comm)" = "$CLI_COMM_SHOWN"
	check "$what: the 4 KiB command line is cut at 4095 bytes, between escapes" \
		test "$(node_field "$f" "$PID_cli" cmdline)" = "$LONG_SHOWN"
	if [ -n "$CG" ]; then
		check "$what: the RLO comm is the escaped text" \
			test "$(node_field "$f" "$PID_cg" comm)" = "$CG_COMM_SHOWN"
		check "$what: the hostile cgroup is a service named as escaped text" \
			test "$(node_field "$f" "$PID_cg" 'container.name')" = "$CG_NAME_SHOWN"
	fi
}

# ===== the processes =====
CG_ROOT=$(cgroup2_root)
if [ -n "$CG_ROOT" ]; then
	CG="$CG_ROOT/$CG_NAME"
	mkdir "$CG" || CG=
fi
if [ -z "$CG" ]; then
	if [ "${CI:-}" = true ]; then fail "a cgroup v2 directory to make (CI has one)"; else
		skip "no cgroup v2 to make a hostile cgroup in"; fi
fi

ln -s "$TCPFIXTURE" "$TMP/$SRV_COMM"
tmux new-session -d -s "$SESSION" -x 160 -y 30 \
	"env -i PATH=$PATH TERM=tmux-256color LANG=C.UTF-8 PS1='prompt\$ ' bash --norc --noprofile"
screen() { tmux capture-pane -p -t "$PANE"; }
screen_has_text() { screen | grep -qF -- "$1"; }
last_text_line_is() { [ "$(screen | grep -v '^$' | tail -1)" = "$1" ]; }
keys() { tmux send-keys -t "$PANE" "$@"; }
check "tmux: shell prompt" wait_until 10 screen_has_text 'prompt$'
TITLE_BEFORE=$(tmux display -p -t "$PANE" '#{pane_title}')
# Every byte conntop sends to the terminal, to look for what must not be there.
tmux pipe-pane -t "$PANE" -o "cat >>'$TMP/pane.raw'"
keys "$CONNTOP -d 0.2 --port $PORT 2>$TMP/screen.err; echo conntop-exit=\$?" Enter

# Started before the processes, so BPF sees them: text with a DOT snapshot at exit, and JSON
# with a recording and a JSON snapshot at exit (the replay must give the same file).
start_conntop --port $PORT -o "$TMP/live.dot"
conntop_json json --port $PORT --record "$TMP/live.rec" -o "$TMP/live.json"

start srv bash -c "$AS_ARGV0" "$SRV_ARGV0" "$TMP/$SRV_COMM" serve 127.0.0.1 $PORT -c 3 -t 60
wait_line srv '^listening'
start cli bash -c "$AS_ARGV0" "$LONG_ARGV0" "$TCPFIXTURE" connect 127.0.0.1 $PORT -t 60 \
	-N "$CLI_COMM"
if [ -n "$CG" ]; then
	start cg bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$CG" "$TCPFIXTURE" connect \
		127.0.0.1 $PORT -t 60 -N "$CG_COMM"
	wait_line cg '^connected '
fi
wait_line cli '^connected '
check "the hostile processes are seen with their connections (JSON)" \
	wait_until 15 all_nodes_seen "$TMP/json.out"

# ===== JSON =====
parses() { jq -e . "$1" >/dev/null; }
check "JSON: every document parses" parses "$TMP/json.out"
check_nodes "JSON" "$TMP/json.out"
check "JSON: the connections' comm is the same text" test "$(last_doc "$TMP/json.out" |
	jq -r --argjson p "$PID_cli" '[.connections[] | select(.pid == $p)][0].comm')" = "$CLI_COMM_SHOWN"
check "JSON: inert" inert_file "$TMP/json.out"

# ===== the screen =====
# A column shows what fits of a name: the first 15 characters of the escaped text, as any name.
row_of() { screen | grep -E "^ *$1 "; }
name_cell() { row_of "$1" | grep -qF -- " ${2:0:15} "; }
wait_screen() { name_cell "$PID_srv" "$SRV_COMM_SHOWN" && name_cell "$PID_cli" "$CLI_COMM_SHOWN"; }
check "screen: both names shown as escaped text (Nodes)" wait_until 10 wait_screen
check "screen: the server's command line shown as text" \
	eval "row_of $PID_srv | grep -qF -- '${SRV_ARGV0_SHOWN:0:60}'"
check "screen: the 4 KiB command line shown as text, cut at the edge" \
	eval "row_of $PID_cli | grep -qE -- ' (\\\\x1b\\[2J\\\\x0a){5}'"
check "screen: the host line is intact, at the top" eval "screen | head -1 | grep -qE '^conntop on .+ [0-9]{2}:[0-9]{2}:[0-9]{2}\$'"
check "screen: the counters line is intact" eval "screen | sed -n 2p | grep -qE '^Events/s [0-9-]+  Lost [0-9]+  Active [0-9]+'"
check "screen: the footer is intact, at the bottom" eval "screen | tail -1 | grep -qE '^F1Help .*qQuit *\$'"
# The detail of a node (Enter) shows its command line and container whole.
detail_of() { # PID: the selection moved to its row (rows are in PID order), Enter
	local rank=0 p
	for p in $PID_srv $PID_cli ${PID_cg:-}; do [ "$p" -ge "$1" ] || rank=$((rank + 1)); done
	keys Up Up Up
	for ((p = 0; p < rank; p++)); do keys Down; done
	keys Enter
}
detail_has() { screen | grep -E "^ *$1 " | grep -qF -- "$2"; }
detail_of "$PID_srv"
check "screen: the server's detail shows its whole command line as text" \
	wait_until 5 detail_has Command "$SRV_CMDLINE_SHOWN"
keys Escape
if [ -n "$CG" ]; then
	detail_of "$PID_cg"
	check "screen: the cgroup process's detail shows the cgroup's name as text" \
		wait_until 5 detail_has Container "$CG_NAME_SHOWN  (service $CG_NAME_SHOWN)"
	keys Escape
fi
keys Tab
check "screen: the Connections view shows the escaped comm" \
	wait_until 5 eval "row_of $PID_cli | grep -F -- '${CLI_COMM_SHOWN:0:15}' | grep -qE ' +out +127\\.0\\.0\\.1:[0-9]+ +127\\.0\\.0\\.1:$PORT +ESTABLISHED'"
keys Tab
check "screen: the Topology view shows the escaped name" wait_until 5 screen_has_text "${SRV_COMM_SHOWN}[$PID_srv]"
check "screen: no hostile character in what tmux shows" eval "! screen | LC_ALL=C grep -qE '$RAW_RE'"
check "screen: the terminal title is unchanged" \
	test "$(tmux display -p -t "$PANE" '#{pane_title}')" = "$TITLE_BEFORE"
keys q
check "screen: q exits back to the prompt" wait_until 10 last_text_line_is 'prompt$'
check "screen: conntop exits with status 0" screen_has_text 'conntop-exit=0'
tmux pipe-pane -t "$PANE"
# Our own escapes are CSI (ESC [) and charset switches; an OSC (ESC ]), a BEL or a raw hostile
# byte could only have come from a name.
check "terminal stream: conntop drew the escaped names" grep -qF -- "$SRV_COMM_SHOWN" "$TMP/pane.raw"
lacks() { ! LC_ALL=C grep -qE -- "$1" "$2"; }
check "terminal stream: no OSC (title) sequence, no BEL" lacks $'\e\\]|\a' "$TMP/pane.raw"
check "terminal stream: no 0xff, RLO or C1 byte" lacks $'\xff|\xe2\x80\xae|\xc2\x9b' "$TMP/pane.raw"
check "screen: nothing on stderr" test ! -s "$TMP/screen.err"

# ===== -b text =====
check "text: a frame with the escaped names" wait_until 5 eval "last_frame | grep -qF -- '$CLI_COMM_SHOWN'"
check "text: the server's row, its name and command line as text" \
	eval "last_frame | grep -F -- '$SRV_COMM_SHOWN' | grep -qF -- '$SRV_CMDLINE_SHOWN'"
check "text: the 4 KiB command line, whole as shown" eval "last_frame | grep -qF -- '$LONG_SHOWN'"
[ -z "$CG" ] || check "text: the cgroup's name as text" eval "last_frame | grep -qF -- '$CG_NAME_SHOWN'"
check "text: no control byte but newlines, valid UTF-8" inert_file "$TMP/conntop.out"

# ===== DOT, recording and replay: written at exit =====
stop conntop
stop json
check "DOT: written at exit" test -s "$TMP/live.dot"
check "DOT: inert" inert_dot "$TMP/live.dot"
check "DOT: dot renders it without a warning" eval "dot -Tsvg '$TMP/live.dot' -o '$TMP/live.svg' 2>'$TMP/dot.err' && test ! -s '$TMP/dot.err'"
check "DOT: the SVG has the escaped names" eval "grep -qF -- '$SRV_COMM_SHOWN' '$TMP/live.svg' && grep -qF -- '$CLI_COMM_SHOWN' '$TMP/live.svg'"
check "JSON snapshot at exit: parses" parses "$TMP/live.json"
check_nodes "JSON snapshot" "$TMP/live.json"
"$CONNTOP" --replay "$TMP/live.rec" --replay-speed 0 --port $PORT -b -o "$TMP/replay.json" >"$TMP/replay.txt" 2>"$TMP/replay.err"
check "replay: exit 0" test $? -eq 0
check "replay: its snapshot is byte for byte the live one" cmp "$TMP/live.json" "$TMP/replay.json"
check "replay: text output inert" inert_file "$TMP/replay.txt"
check "replay: text has the escaped names" eval "grep -qF -- '$SRV_COMM_SHOWN' '$TMP/replay.txt' && grep -qF -- '$CLI_COMM_SHOWN' '$TMP/replay.txt'"
check "replay: nothing on stderr" test ! -s "$TMP/replay.err"

# ===== started after: the connections come from sock_diag, owners and names from /proc =====
"$CONNTOP" -b -n 2 -d 0.3 --port $PORT --format json >"$TMP/seeded.out" 2>"$TMP/seeded.err"
check "seeded: exit 0" test $? -eq 0
check_nodes "seeded" "$TMP/seeded.out"
check "seeded: inert" inert_file "$TMP/seeded.out"

# ===== processes that exit while conntop reads them =====
# 1500 connections from 300 processes that live a few ms each, in rounds, under a conntop that
# resolves every 50 ms: their /proc entries vanish before, during or after the read.
finish srv
finish cli
[ -z "$CG" ] || finish cg
# lib.sh's last_frame reads conntop.out: the text conntop's output moves aside for the next one.
finish conntop
mv "$TMP/conntop.out" "$TMP/text.out"
rm -f "$TMP/conntop.in"
start churnsrv "$TCPFIXTURE" burst-serve 127.0.0.1 $PORT_CHURN 1500 -t 60
wait_line churnsrv '^listening'
start_conntop --port $PORT_CHURN -d 0.05
churn_ok=true
for _ in $(seq 10); do
	"$TCPFIXTURE" burst 127.0.0.1 $PORT_CHURN 150 -j 30 -N churnkid -t 30 </dev/null >/dev/null || churn_ok=false
done
check "churn: 1500 connections from 300 processes made" $churn_ok
check "churn: the server served them all" wait_line churnsrv '^served 1500' 15
no_stale() { # the last frame lists no open connection and no process of the churn
	last_frame | grep -q '^EDGES' && ! last_frame | grep -qE '^ *[0-9]+ +churnkid .* ESTABLISHED' &&
		! last_frame | sed -n '/^NODES/,/^EDGES/p' | grep -qE '^ *[0-9]+ +churnkid '
}
check "churn: no stale rows once they are gone" wait_until 10 no_stale
kill -INT "$PID_conntop"
wait "$PID_conntop"
check "churn: conntop exits 0" test $? -eq 0
check "churn: no sanitizer report, nothing on stderr" test ! -s "$TMP/conntop.err"
[ -s "$TMP/conntop.err" ] && head -20 "$TMP/conntop.err" | sed 's/^/    stderr: /'

# ===== memory: 120 processes with a 4 KiB command line each =====
NMEM=120
# conntop's own, not that of the timeout(1) that runs it
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$(pgrep -P "$1" -x conntop)/status"; }
start memsrv "$TCPFIXTURE" serve 127.0.0.1 $PORT_MEM -c $NMEM -t 60
wait_line memsrv '^listening'
conntop_json mem --port $PORT_MEM -d 0.1
wait_frames_json() { [ "$(wc -l <"$TMP/mem.out")" -ge "$1" ]; }
RSS_BEFORE=$(rss_kib "$PID_mem")
for i in $(seq $NMEM); do
	start "mem$i" bash -c "$AS_ARGV0" "$LONG_ARGV0" "$TCPFIXTURE" connect 127.0.0.1 \
		$PORT_MEM -t 60
done
mem_seen() { [ "$(last_doc "$TMP/mem.out" | jq '[.nodes[] | select(.kind == "process" and (.cmdline | startswith("\\x1b[2J")))] | length')" -eq $NMEM ]; }
check "memory: the $NMEM processes are shown" wait_until 20 mem_seen
longest_cmdline() { last_doc "$TMP/mem.out" | jq '[.nodes[] | .cmdline // "" | utf8bytelength] | max'; }
check "memory: each command line is cut to at most 4095 bytes" test "$(longest_cmdline)" -le 4095
RSS_SEEN=$(rss_kib "$PID_mem")
n=$(wc -l <"$TMP/mem.out")
wait_until 20 wait_frames_json $((n + 50))
RSS_LATER=$(rss_kib "$PID_mem")
echo "    memory: VmRSS $RSS_BEFORE KiB before, $RSS_SEEN KiB with $NMEM processes, $RSS_LATER KiB 50 frames later"
# The RSS bounds are the normal build's checks: ASan's shadow and quarantine make RSS meaningless.
if [ "$BUILD" != build-san ]; then
	# The cap: a process's details hold at most 4 KiB of command line, the tracker's copy and
	# the snapshot's; 64 KiB per process leaves room for the allocator, the rows, and for the
	# other connections of a shared machine, which this conntop tracks too.
	check "memory: under 64 KiB per 4 KiB-command-line process" \
		test $((RSS_SEEN - RSS_BEFORE)) -le $((NMEM * 64))
	# A command line kept per frame would be 4 KiB x 120 x 50 = 24 MB.
	check "memory: no growth with the frames (under 4 MB over 50)" \
		test $((RSS_LATER - RSS_SEEN)) -le 4096
fi
stop mem
