#!/usr/bin/env bash
# The bash completion (scripts/conntop.bash) in a plain bash: it loads and registers _conntop,
# offers exactly the options `conntop --help` lists, the values of --format, --source,
# --transport, --hooks and --traffic (also as --opt=value), files after -o, --output, --record and
# --replay, and nothing after an option that takes a number. No root needed.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
SCRIPT=$PWD/scripts/conntop.bash

# comp WORD...: what completing the last WORD offers, sorted, one a line, as bash would call
# _conntop: COMP_WORDS as bash splits the line (at '=' too), COMP_CWORD the last. Its stderr goes
# to $TMP/comp.err, which must stay empty; set -u catches an unset variable.
comp() {
	bash --norc --noprofile -c 'set -u; source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_conntop && printf "%s\n" "${COMPREPLY[@]}"' _ "$SCRIPT" "$@" 2>>"$TMP/comp.err" |
		grep . | sort
}
# offers "WORD..." "EXPECTED...": the completion of WORDs (split on spaces) is exactly EXPECTED.
offers() {
	local words got want
	read -ra words <<<"$1"
	[ "${1: -1}" = " " ] && words+=("") # a line ending in a space completes an empty word
	got=$(comp "${words[@]}" | paste -sd' ')
	want=$(tr ' ' '\n' <<<"$2" | grep . | sort | paste -sd' ')
	[ "$got" = "$want" ] && return 0
	echo "    '$1' offers '$got', not '$want'"
	return 1
}

check "bash -n reads it" bash -n "$SCRIPT"
registered=$(bash --norc --noprofile -c 'source "$1" && complete -p conntop' _ "$SCRIPT" 2>&1)
check "sourcing it registers _conntop for conntop ($registered)" \
	test "$registered" = "complete -F _conntop conntop"

check "--for gives --format" offers "conntop --for" "--format"
check "--tr gives --traffic and --transport" offers "conntop --tr" "--traffic --transport"
check "--replay gives --replay and --replay-speed" offers "conntop --replay" "--replay --replay-speed"

# Every option --help lists, short and long, and nothing else.
help_opts=$("$CONNTOP" --help | grep -oE '^ +(-[[:alnum:]], )?--[a-z-]+' | tr -d ' ' | tr ',' '\n' |
	sort | paste -sd' ')
check "--help lists options" test -n "$help_opts"
check "- offers exactly --help's options, short and long" offers "conntop -" "$help_opts"
check "an empty word offers them too" offers "conntop " "$help_opts"
check "after -b, options again" offers "conntop -b --ev" "--every"

check "--format: text json dot" offers "conntop --format " "text json dot"
check "--format j: json" offers "conntop --format j" "json"
check "--source: auto ebpf proc" offers "conntop --source " "auto ebpf proc"
check "--transport: auto ringbuf perfbuf" offers "conntop --transport " "auto ringbuf perfbuf"
check "--hooks: auto tracepoint fentry kprobe tp_btf raw_tp tp" offers "conntop --hooks " "auto tracepoint fentry kprobe tp_btf raw_tp tp"
check "--traffic: auto bpf bpf-hash sockdiag off" offers "conntop --traffic " "auto bpf bpf-hash sockdiag off"
# bash splits "--hooks=f" into "--hooks" "=" "f"; with '=' out of COMP_WORDBREAKS it is one word.
check "--hooks=f (split at =): fentry" offers "conntop --hooks = f" "fentry"
check "--format= (split at =, the cursor after it): every format" \
	offers "conntop -b --format =" "text json dot"
check "--format= j (split at =): json" offers "conntop -b --format = j" "json"
check "--traffic=s (one word): sockdiag" offers "conntop --traffic=s" "sockdiag"

mkdir -p "$TMP/files/sub"
touch "$TMP/files/now.json" "$TMP/files/today.rec" "$TMP/files/other"
for opt in -o --output --record --replay; do
	check "$opt completes files" offers "conntop -b $opt $TMP/files/no" "$TMP/files/now.json"
done
check "--replay lists a folder's files and folders" \
	offers "conntop --replay $TMP/files/" "$TMP/files/now.json $TMP/files/today.rec $TMP/files/other $TMP/files/sub"
for opt in -n --iterations -d --delay --port --ringbuf-size --heal-interval --replay-speed --container; do
	check "$opt takes a value: nothing offered" offers "conntop $opt " ""
done
check "--pid offers this shell's pid" eval "comp conntop --pid '$$' | grep -qx '$$'"

check "no error on stderr" test ! -s "$TMP/comp.err"
sed 's/^/    stderr: /' "$TMP/comp.err"
