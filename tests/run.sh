#!/usr/bin/env bash
# Runs the unit tests (cmocka) and the integration tests against each build folder given, and
# ends with one line: "N passed, N failed, N skipped". Exits non-zero when anything failed.
# Integration tests need root; under CI=true a missing privilege is a failure, never a skip.
set -uo pipefail
cd "$(dirname "$0")/.."
export FIXTURES="$PWD/tests/fixtures"

passed=0 failed=0 skipped=0
failures=()

# Adds one suite's counts, read from its output: cmocka's summary lines or our "ok"/"FAIL" lines.
count() {
	local name=$1 log=$2 status=$3 p f s
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	p=$((${p:-0} + $(grep -c '^ok ' "$log")))
	f=$((${f:-0} + $(grep -c '^FAIL ' "$log")))
	s=$(grep -c '^SKIP ' "$log")
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # it died without saying which check: a crash or a sanitizer report
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -ne 0 ]; then
		failures+=("$name")
		sed 's/^/    /' "$log"
	fi
	printf '%-48s %3d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
}

logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

for build in "$@"; do
	for bin in "$build"/tests/test_*; do
		[ -x "$bin" ] || continue
		log="$logdir/log"
		"$bin" >"$log" 2>&1
		count "$build: $(basename "$bin")" "$log" $?
	done
	for script in tests/integration/test_*.sh; do
		log="$logdir/log"
		BUILD="$build" bash "$script" >"$log" 2>&1
		count "$build: $(basename "$script")" "$log" $?
	done
done

if [ ${#failures[@]} -ne 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
