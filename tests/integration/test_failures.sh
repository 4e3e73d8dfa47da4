#!/usr/bin/env bash
# How conntop fails and stops: one clear line and the documented exit status; signals stop it
# cleanly with nothing of it left attached in the kernel and the host's mounts untouched.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root

nothing_left() { [ -z "$(orphan_programs)" ]; }

"$CONNTOP" --bogus >"$TMP/out" 2>"$TMP/err"
check "unknown option exits 2" test $? = 2
check "unknown option: one line naming it" \
	bash -c "[ \$(wc -l <'$TMP/err') = 2 ] && grep -q \"unknown option '--bogus'\" '$TMP/err'"
"$CONNTOP" --help >"$TMP/out" 2>&1
check "--help exits 0 and shows usage" bash -c "[ $? = 0 ] && grep -q '^Usage: conntop' '$TMP/out'"
"$CONNTOP" --version >"$TMP/out" 2>&1
check "--version exits 0" bash -c "[ $? = 0 ] && grep -qE '^conntop [0-9]+\.[0-9]+' '$TMP/out'"
# Help that could not be written is a runtime error, not a success.
"$CONNTOP" --help >/dev/full 2>"$TMP/err"
check "--help to a full disk exits 1, saying so" \
	bash -c "[ $? = 1 ] && grep -q 'failed to write to stdout' '$TMP/err'"

# The screen without a terminal: one line pointing at -b, before anything is loaded.
"$CONNTOP" </dev/null >"$TMP/out" 2>"$TMP/err"
check "no terminal exits 1" test $? = 1
check "no terminal says to use -b" grep -q 'needs a terminal; use -b' "$TMP/err"
check "no terminal: nothing was attached" wait_until 5 nothing_left

# Not root, eBPF asked for: one line saying why and what to do, exit 1.
chmod 755 "$TMP"
cp "$CONNTOP" "$TMP/conntop"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
nobody "$TMP/conntop" --source ebpf -b -n 1 >"$TMP/out" 2>"$TMP/err"
status=$?
check "unprivileged --source ebpf exits 1 (got $status)" test $status = 1
check "unprivileged --source ebpf says permission denied and what to do" \
	grep -q 'permission denied: .*run it with sudo' "$TMP/err"
check "unprivileged --source ebpf prints one line" test "$(wc -l <"$TMP/err")" = 1
check "unprivileged --source ebpf prints no frame" test ! -s "$TMP/out"

# Not root by default: the /proc fallback, named in the first line with its reason and limits.
nobody "$TMP/conntop" -b -n 1 --format json >"$TMP/out" 2>"$TMP/err"
status=$?
check "unprivileged run falls back and exits 0 (got $status)" test $status = 0
check "unprivileged run: first line names the reason and the fallback's limit" \
	bash -c "head -1 '$TMP/err' | grep -q '^conntop: eBPF unavailable: permission denied: .*; using /proc polling, connections shorter than the refresh interval are not seen\$'"
check "unprivileged run prints one line" test "$(wc -l <"$TMP/err")" = 1
check "unprivileged run: the frame says its source is proc" \
	bash -c "jq -e '.source == \"proc\"' '$TMP/out' >/dev/null"

# -n: exactly that many frames, then exit 0 on its own.
mounts_before=$(grep -c tracefs /proc/self/mounts)
"$CONNTOP" -b -n 2 -d 0.1 >"$TMP/out" 2>"$TMP/err"
check "-n 2 exits 0" test $? = 0
check "-n 2 prints two frames" test "$(grep -cE '^conntop [0-9:]{8} ' "$TMP/out")" = 2
check "host mount table untouched" test "$(grep -c tracefs /proc/self/mounts)" = "$mounts_before"
check "nothing attached after exit" wait_until 5 nothing_left

for sig in TERM INT; do
	start "run_$sig" "$CONNTOP" -b -d 0.2
	check "SIG$sig: attached" wait_line "run_$sig" '^conntop [0-9:]{8} ' 15
	pidvar="PID_run_$sig"
	ids=$(prog_ids_of "${!pidvar}")
	check "SIG$sig: programs attached while running" test -n "$ids"
	kill -"$sig" "${!pidvar}"
	wait "${!pidvar}"
	check "SIG$sig: exits 0" test $? = 0
	check "SIG$sig: nothing attached afterwards" wait_until 5 none_loaded "$ids"
done
