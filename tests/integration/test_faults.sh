#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID_<name> are set by lib.sh's start
# However conntop ends, the terminal is usable afterwards and none of its BPF programs stays
# loaded: q, Ctrl-C, SIGTERM, SIGHUP, a crash (CONNTOP_DEBUG_CRASH) and kill -9 on the screen,
# and SIGPIPE when the reader of its batch output goes away.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
source tests/integration/tmux.sh
require_root

# The terminal as the shell keeps it: line settings, the normal screen, a visible cursor.
typed_stty() {
	keys "stty -g >$TMP/stty.$1" Enter
	wait_until 5 test -s "$TMP/stty.$1"
}
pane_flag() { tmux display -p -t "$PANE" "#{$1}"; }
no_guard_left() { ! pgrep -s "$(pane_shell_pid)" -x conntop-tty >/dev/null; }

tmux_up 100 30
check "the shell's terminal settings are known" typed_stty before

# end_with HOW: conntop on the screen, ended by HOW; then the terminal and the kernel are checked.
end_with() {
	local how=$1 ids answer
	shift
	keys clear Enter
	run_in_pane "$@" -d 0.2
	check "$how: conntop runs" test -n "$CONNTOP_PID"
	check "$how: the screen is drawn" wait_until 15 screen_has '^ 1 Nodes   2 Connections'
	check "$how: on the alternate screen" test "$(pane_flag alternate_on)" = 1
	ids=$(prog_ids_of "$CONNTOP_PID")
	check "$how: it holds its BPF programs ($(echo $ids))" test -n "$ids"
	case $how in
	q) keys q ;;
	ctrl-c) keys C-c ;;
	sigterm) kill -TERM "$CONNTOP_PID" ;;
	sighup) kill -HUP "$CONNTOP_PID" ;;
	kill-9) kill -KILL "$CONNTOP_PID" ;;
	crash) ;; # CONNTOP_DEBUG_CRASH does it
	esac
	check "$how: conntop is gone" wait_until 15 eval "! kill -0 $CONNTOP_PID 2>/dev/null"
	check "$how: the shell prompt is back" wait_until 10 screen_has '^prompt\$ ?$'
	check "$how: back on the normal screen" wait_until 5 test "$(pane_flag alternate_on)" = 0
	check "$how: the cursor shows" test "$(pane_flag cursor_flag)" = 1
	check "$how: no guard process left" wait_until 5 no_guard_left
	rm -f "$TMP/stty.after"
	check "$how: the terminal settings are the shell's again" typed_stty after
	check "$how: ... exactly" cmp -s "$TMP/stty.before" "$TMP/stty.after"
	answer=$((6 * 7 + ${#how}))
	keys "echo answer-\$((6 * 7 + ${#how}))" Enter
	check "$how: a typed command runs and shows its output" wait_until 5 screen_has "^answer-$answer\$"
	check "$how: no BPF program of it is left" wait_until 10 none_loaded "$ids"
	screen_has "^answer-$answer\$" || dump
}

end_with q
check "q: exit status 0" screen_has '^conntop-exit=0$'
end_with ctrl-c
check "ctrl-c: exit status 0" screen_has '^conntop-exit=0$'
end_with sigterm
check "sigterm: exit status 0" screen_has '^conntop-exit=0$'
end_with sighup
check "sighup: exit status 0" screen_has '^conntop-exit=0$'
end_with kill-9
check "kill-9: exit status 137" screen_has '^conntop-exit=137$'
# ASAN_OPTIONS: in the build-san flavour, the signal as a user's build gets it, not ASan's report.
end_with crash ASAN_OPTIONS=handle_segv=0 CONNTOP_DEBUG_CRASH=25 -o "$TMP/crash.json" --every
check "crash: exit status 139 (SIGSEGV)" screen_has '^conntop-exit=139$'
whole_json() { jq -e "$2" "$1" >/dev/null; }
check "crash: the snapshot written before it is whole" whole_json "$TMP/crash.json" .stats

# SIGPIPE: the reader of -b goes away; conntop ends at once, quietly, with nothing left loaded.
start_reader() {
	"$CONNTOP" -b -d 0.1 --format json 2>"$TMP/pipe.err" | head -c 300 >/dev/null
	echo "${PIPESTATUS[0]}" >"$TMP/pipe.status"
}
ids_before=$(bpftool prog show | grep -c 'name handle_')
timeout 20 bash -c "$(declare -f start_reader); CONNTOP=$CONNTOP TMP=$TMP start_reader"
check "SIGPIPE: conntop ended by itself" test -s "$TMP/pipe.status"
check "SIGPIPE: exit status 0 (the reader had enough)" test "$(cat "$TMP/pipe.status")" = 0
check "SIGPIPE: nothing on stderr" test ! -s "$TMP/pipe.err"
check "SIGPIPE: no more programs loaded than before" \
	wait_until 10 eval "[ \$(bpftool prog show | grep -c 'name handle_') -le $ids_before ]"

# A crash in batch mode with -o --every: the last snapshot stays whole, no BPF program left.
status=$(
	ASAN_OPTIONS=handle_segv=0 CONNTOP_DEBUG_CRASH=4 "$CONNTOP" -b -d 0.1 -o "$TMP/batch.json" --every >/dev/null 2>&1
	echo $?
)
check "batch crash: exit status 139 ($status)" test "$status" = 139
check "batch crash: the snapshot is whole JSON" whole_json "$TMP/batch.json" '.stats.events >= 0'
check "batch crash: no BPF program of it is left" \
	wait_until 10 eval "[ \$(bpftool prog show | grep -c 'name handle_') -le $ids_before ]"
