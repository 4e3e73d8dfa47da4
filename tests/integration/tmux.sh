# shellcheck shell=bash
# A real terminal for integration tests: a tmux session with a plain bash at "prompt$ ", in which
# conntop is started as a user would start it. Sourced after lib.sh; the session goes with the
# test's cleanup, pass or fail.
#
#   tmux_up [WIDTH HEIGHT]        the session, once the prompt shows
#   run_in_pane ARGS...           conntop ARGS at the prompt; sets CONNTOP_PID once it runs
#   tmux_run ARGS...              a session that runs conntop ARGS alone (it may be stopped)
#   screen, screen_has RE, row N, row_has N RE, body, body_has RE, view_is RE, keys KEY...,
#   type_text TEXT, last_text_line_is TEXT, dump

SESSION="conntop-test-$$"
PANE="$SESSION:0.0"
_tmux_cleanup() {
	tmux kill-session -t "$SESSION" 2>/dev/null
	cleanup
}
trap _tmux_cleanup EXIT

screen() { tmux capture-pane -p -t "$PANE"; }
screen_has() { screen | grep -qE -- "$1"; }
pane_height() { tmux display -p -t "$PANE" '#{pane_height}'; }
# row N: screen row N (0 is the top); row -1 is the bottom one.
row() {
	local n=$1
	[ "$n" -ge 0 ] || n=$(($(pane_height) + n))
	screen | sed -n "$((n + 1))p"
}
row_has() { row "$1" | grep -qE -- "$2"; }
# The rows between the column titles and the footer that have text.
body() { screen | awk -v h="$(pane_height)" 'NR > 4 && NR < h && NF'; }
body_has() { body | grep -qE -- "$1"; }
body_lacks() { ! body_has "$1"; }
# Every body row matches $1 and there is at least one.
body_all() { body | grep -q . && ! body | grep -qvE -- "$1"; }
# The view's column titles (row 3) match $1.
view_is() { row_has 3 "$1"; }
keys() { tmux send-keys -t "$PANE" "$@"; }
type_text() { tmux send-keys -t "$PANE" -l -- "$1"; }
# The last line with text, like "prompt$" once the shell has the screen back.
last_text_line_is() { [ "$(screen | grep -v '^$' | tail -1)" = "$1" ]; }
pane_shell_pid() { tmux display -p -t "$PANE" '#{pane_pid}'; }

# Shows the screen, for the log of a failed check.
dump() {
	echo "    --- screen:"
	screen | sed 's/^/    |/'
}

tmux_up() {
	tmux new-session -d -s "$SESSION" -x "${1:-120}" -y "${2:-30}" \
		"env -i PATH=$PATH TERM=tmux-256color LANG=C.UTF-8 PS1='prompt\$ ' bash --norc --noprofile"
	wait_until 10 screen_has '^prompt\$'
}

# A session running conntop ARGS under a shell without job control, so that the test may stop
# and continue it (an interactive shell would take the terminal back from a stopped job).
# Afterwards "conntop-exit=N" and "done" show. Sets CONNTOP_PID.
tmux_run() {
	local shell_pid
	tmux new-session -d -s "$SESSION" -x 120 -y 30 \
		"env -i PATH=$PATH TERM=tmux-256color LANG=C.UTF-8 bash --norc --noprofile -c \
		'$CONNTOP $* 2>$TMP/screen.err; echo conntop-exit=\$?; echo done; sleep 600'"
	shell_pid=$(pane_shell_pid)
	CONNTOP_PID=
	_find_conntop() { CONNTOP_PID=$(pgrep -P "$shell_pid" -x conntop | head -1) && [ -n "$CONNTOP_PID" ]; }
	wait_until 10 _find_conntop
}

# conntop ARGS at the prompt, its stderr to $TMP/screen.err and its status printed after it.
run_in_pane() { # [VAR=VALUE...] ARGS...
	local shell_pid env=""
	while [[ ${1:-} =~ ^[A-Z_]+= ]]; do
		env+="$1 "
		shift
	done
	keys "$env$CONNTOP $* 2>$TMP/screen.err; echo conntop-exit=\$?" Enter
	shell_pid=$(pane_shell_pid)
	CONNTOP_PID=
	_find_conntop() { CONNTOP_PID=$(pgrep -P "$shell_pid" -x conntop | head -1) && [ -n "$CONNTOP_PID" ]; }
	wait_until 10 _find_conntop
}
