#!/usr/bin/env bash
# Every fuzz target's corpus and kept crashes (tests/fuzz/corpus/NAME, tests/fuzz/crashes/NAME),
# replayed through the target's checks in this build (BUILD/fuzz/replay_NAME, plain main instead
# of libFuzzer): a parser bug fixed once stays fixed, under gcc and under ASan + UBSan. Seconds.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}

ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; }

targets=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	bin="$BUILD/fuzz/replay_$name"
	inputs=("tests/fuzz/corpus/$name")
	[ -d "tests/fuzz/crashes/$name" ] && inputs+=("tests/fuzz/crashes/$name")
	targets=$((targets + 1))
	if [ ! -x "$bin" ]; then
		fail "fuzz $name: $bin is not built (make tests)"
		continue
	fi
	if out=$("$bin" "${inputs[@]}" 2>&1); then
		ok "fuzz $name: $out replayed"
	else
		fail "fuzz $name: $(echo "$out" | tail -3 | tr '\n' ' ')"
	fi
done
[ "$targets" -gt 0 ] || fail "no fuzz targets in tests/fuzz"
