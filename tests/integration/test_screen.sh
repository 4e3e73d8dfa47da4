#!/usr/bin/env bash
# The screen in a real terminal (tmux): it shows connections as they come, quits on q, and gives
# the terminal back usable.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root

SESSION="conntop-test-$$"
PANE="$SESSION:0.0"
tmux_cleanup() { tmux kill-session -t "$SESSION" 2>/dev/null; cleanup; }
trap tmux_cleanup EXIT

screen_has() { tmux capture-pane -p -t "$PANE" | grep -qE "$1"; }
# The last line with text on the screen (capture-pane drops trailing blanks).
last_line_is() { [ "$(tmux capture-pane -p -t "$PANE" | grep -v '^$' | tail -1)" = "$1" ]; }

tmux new-session -d -s "$SESSION" -x 100 -y 30 "env -i PATH=$PATH TERM=xterm-256color PS1='prompt\$ ' bash --norc --noprofile"
check "shell prompt" wait_until 10 screen_has '^prompt\$'
tmux send-keys -t "$PANE" "$CONNTOP -d 0.2" Enter
check "screen shows the header" wait_until 15 screen_has 'events: [0-9]+  lost: 0'
check "screen shows column titles" screen_has 'PID COMM +DIR LOCAL +REMOTE +STATE +AGE'
check "screen shows the key hints" screen_has '^qQuit'

start server "$TCPFIXTURE" serve 127.0.0.1 17301 -c 1
wait_line server '^listening'
start client "$TCPFIXTURE" connect 127.0.0.1 17301
wait_line client '^connected '
check "a new connection appears" wait_until 10 screen_has "tcpfixture +out +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:17301 +ESTABLISHED"
check "its accepting side appears" wait_until 10 screen_has "tcpfixture +in +127\.0\.0\.1:17301 "

tmux send-keys -t "$PANE" q
check "q exits back to the prompt" wait_until 10 last_line_is 'prompt$'
check "the screen is gone" eval '! screen_has "PID COMM"'
tmux send-keys -t "$PANE" "echo typed-back" Enter
check "the terminal echoes input again" wait_until 5 screen_has '^typed-back$'
check "and gives the prompt back" wait_until 5 last_line_is 'prompt$'
