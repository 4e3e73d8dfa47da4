#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID_<name> are set by lib.sh's start
# The screen in a real terminal (tmux), with loopback connections made by tcpfixture: the three
# views and their titles, connections appearing as they come, the keys (filters by port, pid,
# container and search, the detail of a node, export, pause, help, sort), a resize, a hostile
# process name drawn as text, colours; q gives the terminal back usable. A second run with
# NO_COLOR in the C locale checks the screen without colour and without UTF-8.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root

source tests/integration/tmux.sh

ESC=$'\e'
# The sort marker: grep -E in any locale, as bytes.
MARK='(▲|▼)'
NODES_TITLES="^ +PID$MARK? +NAME +CONTAINER +IN +OUT +OPEN/S +RATE$MARK? +LISTEN +NETNS +COMMAND"
CONNS_TITLES="^ +PID$MARK? +COMM +DIR +LOCAL +REMOTE +STATE +AGE +RATE +SENT +RECV +RETR"
TOPO_TITLES="^SERVER / CLIENT$MARK? +CONTAINER +PORT +ACTIVE +OPENED +CLOSED +RATE +SENT +RECV +RETR"
PORT_A=17301 PORT_B=17302 PORT_EVIL=17303

screen_has_text() { screen | grep -qF -- "$1"; }
conntop_alive() { kill -0 "$CONNTOP_PID" 2>/dev/null; }
# The screen row with @2 (fixed text) in it, with its attributes (capture-pane -e).
attr_row_with() { tmux capture-pane -e -p -t "$PANE" | grep -F -- "$1" | head -1; }
# A background colour in SGR: 40-47, 100-107, 48;5;N or 48;2;R;G;B.
has_background() { grep -qE "$ESC\\[((4[0-7]|10[0-7]|48(;[0-9]+)+);?)+m"; }

# Rows of one connection end, in the Connections view: PID COMM DIR LOCAL REMOTE STATE.
conn_re() { # PID DIR LOCAL-PORT-REGEX REMOTE-PORT-REGEX
	printf '^ *%s +tcpfixture +%s +127\\.0\\.0\\.1:%s +127\\.0\\.0\\.1:%s +ESTABLISHED ' "$@"
}

start_conntop_in_pane() { # ENV-ASSIGNMENTS...: starts conntop at the prompt, sets CONNTOP_PID
	local shell_pid
	keys "$* $CONNTOP -d 0.2 2>$TMP/screen.err; echo conntop-exit=\$?" Enter
	shell_pid=$(tmux display -p -t "$PANE" '#{pane_pid}')
	CONNTOP_PID=
	find_conntop() { CONNTOP_PID=$(pgrep -P "$shell_pid" -x conntop | head -1) && [ -n "$CONNTOP_PID" ]; }
	wait_until 10 find_conntop
}

quit_conntop() {
	keys q
	check "q exits back to the prompt" wait_until 10 last_text_line_is 'prompt$'
	check "conntop exits with status 0" screen_has '^conntop-exit=0$'
	if [ -s "$TMP/screen.err" ]; then sed 's/^/    stderr: /' "$TMP/screen.err"; fi
}

# The counters' names, from one batch frame's second line ("processes: 0  listening: 1 ..."): the
# help must list each.
COUNTERS=$("$CONNTOP" -b -n 1 -d 0.1 2>/dev/null | sed -n 2p | grep -oE '[a-z][a-z ]*: [0-9]+' |
	sed 's/: [0-9]*$//')

tmux new-session -d -s "$SESSION" -x 100 -y 30 \
	"env -i PATH=$PATH TERM=tmux-256color LANG=C.UTF-8 PS1='prompt\$ ' bash --norc --noprofile"
check "shell prompt" wait_until 10 screen_has '^prompt\$'
start_conntop_in_pane
check "conntop runs" test -n "$CONNTOP_PID"

# --- the frame: host line, counters, tabs, titles, footer ---
check "host line with the clock" wait_until 15 row_has 0 '^conntop on .+  Linux .+ [0-9]{2}:[0-9]{2}:[0-9]{2}$'
check "counters line, nothing lost" \
	wait_until 5 row_has 1 '^Events/s [0-9-]+  Lost 0  Active [0-9]+  (Nodes|Processes) [0-9]+  Edges [0-9]+  Opened [0-9]+  Closed [0-9]+'
check "tabs line" row_has 2 '^ 1 Nodes   2 Connections   3 Topology'
check "starts in the Nodes view, sorted by PID" view_is "^ +PID▲ +NAME +CONTAINER"
check "Nodes view column titles" view_is "$NODES_TITLES"
check "footer key hints, quit at the end" row_has -1 '^F1Help TabView .*qQuit *$'
titles_coloured() { attr_row_with ' NAME ' | has_background; }
tab_coloured() { attr_row_with ' 1 Nodes ' | has_background; }
check "colour: the column titles are a coloured bar" titles_coloured
check "colour: the active tab has a colour of its own" tab_coloured

# --- connections appear as they come, in the Connections view ---
keys Tab
check "Tab: the Connections view" wait_until 5 view_is "$CONNS_TITLES"

start srvA "$TCPFIXTURE" serve 127.0.0.1 $PORT_A -c 4 -t 60
start srvB "$TCPFIXTURE" serve 127.0.0.1 $PORT_B -c 2 -t 60
start evil "$TCPFIXTURE" serve 127.0.0.1 $PORT_EVIL -c 1 -t 60 -N "${ESC}[31mevil"
wait_line srvA '^listening'
wait_line srvB '^listening'
wait_line evil '^listening'
start cA "$TCPFIXTURE" connect 127.0.0.1 $PORT_A -t 60
start cB "$TCPFIXTURE" connect 127.0.0.1 $PORT_B -t 60
wait_line cA '^connected '
wait_line cB '^connected '

check "a new connection appears" wait_until 10 body_has "$(conn_re "$PID_cA" out '[0-9]+' $PORT_A)"
check "its accepting side appears" wait_until 10 body_has "$(conn_re "$PID_srvA" in $PORT_A '[0-9]+')"
check "the other server's connection appears" \
	wait_until 10 body_has "$(conn_re "$PID_srvB" in $PORT_B '[0-9]+')"

keys Tab
check "Tab: the Topology view" wait_until 5 view_is "$TOPO_TITLES"
topology_branch() { # SERVER-PID CLIENT-PID PORT: the server row, its client on the next one
	screen | grep -A1 -E "^tcpfixture\\[$1\\] +- +$3 " | sed -n 2p |
		grep -qE "^(├─|└─) tcpfixture\\[$2\\] +- +$3 +1 "
}
check "Topology: the server with its client branch under it" \
	wait_until 10 topology_branch "$PID_srvA" "$PID_cA" $PORT_A
keys Tab
check "Tab: back to the Nodes view" wait_until 5 view_is "$NODES_TITLES"
check "Nodes: the server with its listening port" \
	wait_until 10 body_has "^ *$PID_srvA +tcpfixture +- +1 +0 +[0-9.]+ +[0-9.KMGTPE-]+ +$PORT_A "
check "Nodes: the client, no listening port" body_has "^ *$PID_cA +tcpfixture +- +0 +1 +[0-9.]+ +[0-9.KMGTPE-]+ +- "

# --- a hostile name is shown as text ---
evil_row() { body | grep -F -- "\\x1b[31mevil" | grep -qE "^ *$PID_evil "; }
check "a process named with an escape sequence shows as the text \\x1b[31mevil" \
	wait_until 10 evil_row
evil_not_red() {
	local line
	line=$(attr_row_with "mevil")
	[ -n "$line" ] && ! grep -qE "$ESC\\[([0-9]+;)*31(;[0-9]+)*m" <<<"$line"
}
check "its escape sequence does not turn the screen red" evil_not_red
check "the raw escape byte is not drawn as ^[" eval '! screen_has_text "^[[31mevil"'

keys 3
check "key 3: the Topology view" wait_until 5 view_is "$TOPO_TITLES"
keys 1
check "key 1: the Nodes view" wait_until 5 view_is "$NODES_TITLES"
keys 2
check "key 2: the Connections view" wait_until 5 view_is "$CONNS_TITLES"

# --- port filter ---
keys p
check "p: the port prompt" wait_until 5 row_has -1 '^Port \(empty: any\): _'
type_text $PORT_A
check "the port is typed at the prompt" wait_until 5 row_has -1 "^Port \\(empty: any\\): ${PORT_A}_"
keys Enter
port_filtered() {
	row_has 2 "Filter: port $PORT_A( |,|\$)" &&
		body_has "$(conn_re "$PID_cA" out '[0-9]+' $PORT_A)" &&
		body_lacks ":$PORT_B " && body_all "127\\.0\\.0\\.1:$PORT_A |\\]:$PORT_A "
}
check "p $PORT_A: only rows of port $PORT_A, the other server's are gone" wait_until 5 port_filtered
port_filtered || dump
keys F
unfiltered() {
	! row_has 2 'Filter:' && body_has "$(conn_re "$PID_srvB" in $PORT_B '[0-9]+')" &&
		body_has "$(conn_re "$PID_cA" out '[0-9]+' $PORT_A)"
}
check "F clears the filter: every row is back" wait_until 5 unfiltered

# --- incremental search ---
keys /
check "/: the search prompt" wait_until 5 row_has -1 '^Search: _'
type_text 1730
both_ports() {
	row_has -1 "^Search: 1730_" && body_has ":$PORT_A " && body_has ":$PORT_B "
}
check "search 1730: both ports still listed" wait_until 5 both_ports
type_text 2
only_b() {
	row_has -1 "^Search: 17302_" && row_has 2 'Filter: search "17302"' &&
		body_lacks ":$PORT_A " && body_has "$(conn_re "$PID_srvB" in $PORT_B '[0-9]+')"
}
check "search 17302: narrowed as it is typed" wait_until 5 only_b
keys BSpace
check "Backspace widens it again" wait_until 5 both_ports
keys Escape
check "Esc cancels the search" wait_until 5 unfiltered

# --- pid filter, and the detail of a node ---
keys P
check "P: the pid prompt" wait_until 5 row_has -1 '^PID \(empty: any\): _'
type_text "$PID_srvA"
keys Enter
pid_filtered() {
	row_has 2 "Filter: pid $PID_srvA( |,|\$)" && body_all "^ *$PID_srvA " &&
		body_has "$(conn_re "$PID_srvA" in $PORT_A '[0-9]+')"
}
check "P $PID_srvA: only that process's rows" wait_until 5 pid_filtered
pid_filtered || dump
keys 1
only_node() { view_is "$NODES_TITLES" && body_all "^ *$PID_srvA +tcpfixture "; }
check "the Nodes view lists only that process" wait_until 5 only_node
keys Enter
detail_open() {
	row_has 3 "^ tcpfixture\\[$PID_srvA\\]\$" &&
		screen_has "^ Command +.*tcpfixture serve 127\\.0\\.0\\.1 $PORT_A " &&
		screen_has "^ PID +$PID_srvA " && screen_has '^ Container +none' &&
		screen_has '^ Cgroup id +[0-9]+' && screen_has '^ Namespace +[0-9]+' &&
		screen_has "^ Listening +$PORT_A\$" && screen_has '^ Connections +1 in, 0 out' &&
		screen_has "$(conn_re "$PID_srvA" in $PORT_A '[0-9]+')"
}
check "Enter: the node's detail, its command line and its connection" wait_until 5 detail_open
detail_open || dump
keys Escape
check "Esc leaves the detail" wait_until 5 only_node
keys F
check "F clears the pid filter" wait_until 5 body_has "^ *$PID_cA +tcpfixture "

# --- container pick list ---
keys c
check "c: the container pick list" wait_until 5 row_has 3 '^Container: '
check "it offers any container" screen_has '^ \(any container\) '
type_text nosuchbox
check "a name nobody has: Enter filters by it" \
	wait_until 5 screen_has 'none seen: Enter filters by this'
keys Enter
no_container() {
	row_has 2 'Filter: container nosuchbox( |,|$)' && body_has 'Nothing matches the filter'
}
check "filtered by a container nobody is in: nothing listed" wait_until 5 no_container
keys F
check "F clears it" wait_until 5 body_has "^ *$PID_cA +tcpfixture "

# --- export ---
keys 2
wait_until 5 view_is "$CONNS_TITLES"
keys e
check "e: the export prompt with a default name" \
	wait_until 5 row_has -1 '^Export to: conntop-[0-9]{8}-[0-9]{6}\.txt_$'
keys C-u
check "Ctrl-U clears it" wait_until 5 row_has -1 '^Export to: _$'
type_text "$TMP/export.txt"
keys Enter
check "the footer says Exported" \
	wait_until 5 row_has -1 "^Exported [0-9]+ connections, [0-9]+ nodes, [0-9]+ edges to $TMP/export\\.txt\$"
check "the export is written" test -s "$TMP/export.txt"
check "it has the client's connection row" \
	grep -qE "^ *$PID_cA +tcpfixture +out +127\\.0\\.0\\.1:[0-9]+ +127\\.0\\.0\\.1:$PORT_A +ESTABLISHED" "$TMP/export.txt"
check "it has the server's connection row" \
	grep -qE "^ *$PID_srvA +tcpfixture +in +127\\.0\\.0\\.1:$PORT_A +127\\.0\\.0\\.1:[0-9]+ +ESTABLISHED" "$TMP/export.txt"
check "it has the hostile name as text, no escape byte" eval \
	"grep -qF '\\x1b[31mevil' '$TMP/export.txt' && ! grep -q '$ESC' '$TMP/export.txt'"
check "no temporary file is left beside it" eval "! ls -A '$TMP' | grep -q '^\\.export'"

keys e C-u
type_text /nonexistent/dir/x.txt
keys Enter
check "an unwritable path: Export failed" \
	wait_until 5 row_has -1 '^Export failed: /nonexistent/dir/x\.txt: No such file or directory$'
check "and nothing is written" test ! -e /nonexistent/dir/x.txt
mkdir "$TMP/adir"
keys e C-u
type_text "$TMP/adir"
keys Enter
check "a directory as the target: Export failed" \
	wait_until 5 row_has -1 "^Export failed: $TMP/adir: "
check "and its temporary file is removed" eval "! ls -A '$TMP' | grep -q '^\\.adir'"
keys x
check "the next key clears the message" wait_until 5 row_has -1 '^F1Help '

# --- pause ---
keys Space
check "space: PAUSED" wait_until 5 row_has 0 ' PAUSED  [0-9]{2}:[0-9]{2}:[0-9]{2}$'
start cC "$TCPFIXTURE" connect 127.0.0.1 $PORT_A -t 60
wait_line cC '^connected '
sleep 1 # five refreshes
check "while paused, a new connection is not shown" \
	eval "! body_has '$(conn_re "$PID_cC" out '[0-9]+' $PORT_A)'"
keys Space
check "space again: PAUSED goes" wait_until 5 eval "! row_has 0 PAUSED"
check "and the new connection is shown" wait_until 5 body_has "$(conn_re "$PID_cC" out '[0-9]+' $PORT_A)"

# --- help ---
keys h
help_shown() {
	row_has 3 '^ conntop keys: any other key goes back' && screen_has '^ Every counter now' &&
		screen_has '^ q F10 +quit'
}
check "h: the help" wait_until 5 help_shown
check "help: each key is apart from its meaning" screen_has '^ Up Down PgUp PgDn +move the selection'
help_shown || dump
# Every counter the batch output names is in the help with its value: the top of the help, then
# its end (End scrolls), hold them all.
screen >"$TMP/help.txt"
keys End
wait_until 5 screen_has "^ ${COUNTERS##*$'\n'} +[0-9]+\$"
screen >>"$TMP/help.txt"
every_counter_in_help() {
	local name
	[ -n "$COUNTERS" ] || return 1
	while read -r name; do
		grep -qE "^ $name +[0-9]+\$" "$TMP/help.txt" || { echo "    not in the help: $name"; return 1; }
	done <<<"$COUNTERS"
}
check "help: every counter, with its value ($(wc -l <<<"$COUNTERS") of them)" every_counter_in_help
keys x
check "any key leaves the help" wait_until 5 view_is "$CONNS_TITLES"
keys F1
check "F1: the help" wait_until 5 help_shown
keys Escape
check "Esc leaves it" wait_until 5 view_is "$CONNS_TITLES"

# --- sort ---
check "Connections sorted by PID" view_is '^ +PID▲ +COMM +DIR'
keys '>'
check "> moves the marker to the next column" wait_until 5 view_is '^ +PID +COMM▲ +DIR '
keys I
check "I inverts it" wait_until 5 view_is '^ +PID +COMM▼ +DIR '
keys '<'
check "< moves it back" wait_until 5 view_is '^ +PID▼ +COMM +DIR '
sorted_by_pid_desc() {
	local pids
	pids=$(body | awk '{ print $1 }')
	[ -n "$pids" ] && [ "$pids" = "$(sort -rn <<<"$pids")" ]
}
check "rows follow the sort: pids descending" sorted_by_pid_desc
keys s
check "s: the sort pick list" wait_until 5 row_has 3 '^Sort by: '
type_text remo
keys Enter
check "picking REMOTE sorts by it" wait_until 5 view_is ' LOCAL +REMOTE▼ +STATE '
keys s
type_text pid
keys Enter I
check "and back to PID" wait_until 5 view_is '^ +PID▲ +COMM'

# --- interval prompt ---
keys d
check "d: the interval prompt with the interval" wait_until 5 row_has -1 '^Refresh every \(s\): 0\.2_$'
keys Escape
check "Esc cancels it" wait_until 5 row_has -1 '^F1Help '

# --- resize ---
tmux resize-window -t "$SESSION" -x 80 -y 24
check "80x24: redrawn, titles and footer in place" wait_until 5 eval \
	"[ \"\$(pane_height)\" = 24 ] && view_is '${CONNS_TITLES% +SENT +RECV +RETR}' && row_has -1 '^F1Help '"
check "80x24: the clock at the right edge" eval \
	"row_has 0 '[0-9]{2}:[0-9]{2}:[0-9]{2}\$' && [ \"\$(row 0 | wc -m)\" -eq 81 ]"
tmux resize-window -t "$SESSION" -x 40 -y 12
check "40x12: redrawn" wait_until 5 eval \
	"[ \"\$(pane_height)\" = 12 ] && row_has 0 '^conntop on ' && row_has -1 '^F1Help ' && view_is '^ +PID'"
sleep 0.5
check "40x12: conntop still runs" conntop_alive
tmux resize-window -t "$SESSION" -x 100 -y 30
check "100x30 again: every row back" wait_until 5 eval \
	"[ \"\$(pane_height)\" = 30 ] && view_is '$CONNS_TITLES' && body_has '$(conn_re "$PID_cA" out '[0-9]+' $PORT_A)'"

# --- quit ---
quit_conntop
check "the screen is gone" eval '! screen_has "F1Help|PID.* COMM"'
keys "echo typed-back" Enter
check "the terminal echoes input again" wait_until 5 screen_has '^typed-back$'
check "and gives the prompt back" wait_until 5 last_text_line_is 'prompt$'

# --- no colour, no UTF-8 ---
keys clear Enter
wait_until 5 last_text_line_is 'prompt$'
start_conntop_in_pane env -u LANG LC_ALL=C NO_COLOR=1
check "NO_COLOR, C locale: conntop runs" wait_until 15 row_has 2 ' 1 Nodes '
no_colour() {
	! tmux capture-pane -e -p -t "$PANE" | grep -qE "$ESC\\[([0-9]+;)*(3[0-7]|4[0-7]|9[0-7]|10[0-7]|38|48)(;[0-9]+)*m"
}
check "NO_COLOR: no colour at all" no_colour
check "NO_COLOR: the active tab in reverse video" eval \
	"attr_row_with ' 1 Nodes ' | grep -qE '$ESC\\[([0-9]+;)*7m($ESC\\[[0-9;]*m)* 1 Nodes '"
keys 3
check "NO_COLOR: the reverse follows the view" wait_until 5 eval \
	"attr_row_with ' 3 Topology' | grep -qE '$ESC\\[([0-9]+;)*7m($ESC\\[[0-9;]*m)* 3 Topology'"
# In the C locale ncurses draws a character it cannot convert (▲, ├─) as '?'.
check "C locale: the Topology titles, the sort marker readable" eval \
	"view_is '^SERVER / CLIENT[[:graph:]]? +CONTAINER +PORT +ACTIVE' && ! row_has 3 '\\?'"
client_branch() { screen | grep -E " tcpfixture\\[$PID_cA\\] +- +$PORT_A " | head -1; }
client_branch_shown() { [ -n "$(client_branch)" ]; }
branch_readable() { client_branch_shown && ! client_branch | grep -q '?'; }
wait_until 5 client_branch_shown
check "C locale: the topology branches are readable" branch_readable
if ! branch_readable; then dump; fi
quit_conntop
