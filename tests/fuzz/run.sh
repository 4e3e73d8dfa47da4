#!/usr/bin/env bash
# Runs libFuzzer targets built by `make fuzz`: run.sh BUILD TARGET..., FUZZ_TIME seconds each
# (default 60), one after another (the machine has 2 cores, shared). Each starts from a copy of
# tests/fuzz/corpus/TARGET and tests/fuzz/crashes/TARGET in BUILD/fuzz-work, so the checked-in
# corpus does not grow unless FUZZ_MERGE=1, which merges what was new into it (minimised). A
# crash, leak, timeout or failed property leaves its input in BUILD/fuzz-work/TARGET/ and fails
# the run; keep it as tests/fuzz/crashes/TARGET/NAME once fixed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
build=$1
shift
time=${FUZZ_TIME:-60}
merge=${FUZZ_MERGE:-0}
failed=()

printf '%-12s %10s %8s %8s %8s %s\n' target execs/s cov ft corpus result
for t in "$@"; do
	bin="$build/fuzz/fuzz_$t"
	work="$build/fuzz-work/$t"
	rm -rf "$work"
	mkdir -p "$work/corpus"
	cp tests/fuzz/corpus/"$t"/* "$work/corpus/"
	[ -d "tests/fuzz/crashes/$t" ] && cp tests/fuzz/crashes/"$t"/* "$work/corpus/"
	# -timeout: an input that takes 10 s is a hang; -max_len: room for the recorded dumps.
	"$bin" -max_total_time="$time" -timeout=10 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1
	status=$?
	execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	last=$(grep -E '^#[0-9]+' "$work/log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
	artifacts=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
		-o -name 'timeout-*' -o -name 'oom-*' \) | tr '\n' ' ')
	if [ $status -eq 0 ] && [ -z "$artifacts" ]; then
		result=ok
	else
		result="FAIL (exit $status) $artifacts"
		failed+=("$t")
	fi
	printf '%-12s %10s %8s %8s %8s %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" \
		"${corp:-?}" "$result"
	if [ "$result" != ok ]; then
		grep -E 'ERROR|property failed|SUMMARY' "$work/log" | head -5 | sed 's/^/    /'
	fi
	if [ "$merge" = 1 ] && [ "$result" = ok ]; then
		"$bin" -merge=1 "tests/fuzz/corpus/$t" "$work/corpus" >"$work/merge.log" 2>&1 ||
			echo "    merge failed: see $work/merge.log"
	fi
done
if [ ${#failed[@]} -ne 0 ]; then
	echo "fuzz: failed: ${failed[*]} (logs in $build/fuzz-work/TARGET/log)"
	exit 1
fi
