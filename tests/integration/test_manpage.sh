#!/usr/bin/env bash
# The man page (docs/conntop.8) renders without a warning and says what the program does: its
# OPTIONS are exactly `conntop --help`'s (short and long names, and the value's name), its
# INTERACTIVE COMMANDS name every key of the screen's help (ui/render.c), its ENVIRONMENT every
# variable the code reads, its EXIT STATUS the statuses --help gives, and its version is the
# binary's. No root needed.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
MAN=docs/conntop.8
command -v man >/dev/null || { fail "man is installed (make deps-test)"; exit 1; }

# --- it renders, without warnings ---

groff -man -ww -z "$MAN" >"$TMP/groff.err" 2>&1
check "groff -man -ww finds nothing to warn about" test ! -s "$TMP/groff.err"
sed 's/^/    groff: /' "$TMP/groff.err"
MANWIDTH=80 man -l --warnings "$MAN" >"$TMP/man.txt" 2>"$TMP/man.err"
rc=$?
check "man -l --warnings renders it, with no warning" eval "[ $rc = 0 ] && [ ! -s '$TMP/man.err' ]"
sed 's/^/    man: /' "$TMP/man.err"

# The page as plain text, wide enough that no option or key is wrapped.
LC_ALL=C MANWIDTH=200 man -l "$MAN" 2>/dev/null | col -bx >"$TMP/page.txt"
# section NAME: its text, up to the next section heading.
section() { awk -v s="$1" '/^[A-Z]/ { on = ($0 == s); next } on' "$TMP/page.txt"; }
# tags NAME: the section's item tags (".TP" lines, indented 7), each cut where its text begins.
tags() { section "$1" | grep -E '^ {7}[^ ]' | sed -E 's/^ {7}//; s/  .*//'; }

for s in NAME SYNOPSIS DESCRIPTION OPTIONS "INTERACTIVE COMMANDS" FILES ENVIRONMENT \
	"EXIT STATUS" EXAMPLES "SEE ALSO"; do
	check "section $s" grep -qx "$s" "$TMP/page.txt"
done

# --- OPTIONS: the same as --help, both ways ---

"$CONNTOP" --help >"$TMP/help.txt"
# "-n, --iterations=N" and "--every", from the help's option lines.
grep -oE '^ +(-[[:alnum:]], )?--[a-z-]+(=[A-Z]+)?' "$TMP/help.txt" | sed 's/^ *//' |
	sort >"$TMP/help.opts"
tags OPTIONS | sort >"$TMP/man.opts"
check "--help lists options ($(wc -l <"$TMP/help.opts"))" test "$(wc -l <"$TMP/help.opts")" -ge 20
if cmp -s "$TMP/help.opts" "$TMP/man.opts"; then
	ok "the man page's OPTIONS are --help's, names and values"
else
	fail "the man page's OPTIONS are --help's, names and values"
	diff "$TMP/help.opts" "$TMP/man.opts" | sed 's/^/    (< --help, > man) /'
fi
check "--transport and --hooks are in both" \
	eval "grep -qx -- '--transport=HOW' '$TMP/man.opts' && grep -qx -- '--hooks=KIND' '$TMP/man.opts'"

# --- INTERACTIVE COMMANDS: every key of the screen's help ---

# The key column of help_keys[] in ui/render.c ({ "Tab 1 2 3", "..." }), one key a line; "\\" is
# the C spelling of a backslash. shift-Tab, Home, End, < > and I are named in that help's text.
sed -n '/help_keys\[\]\[2\] = {/,/^};/p' ui/render.c | sed -nE 's/^\s*\{ "([^"]*)".*/\1/p' |
	sed 's/\\\\/\\/g' | tr ' ' '\n' | grep . >"$TMP/help.keys"
printf '%s\n' shift-Tab Home End '<' '>' I >>"$TMP/help.keys"
tags "INTERACTIVE COMMANDS" | sed 's/, /\n/g' >"$TMP/man.keys"
check "the screen's help has keys ($(wc -l <"$TMP/help.keys"))" test "$(wc -l <"$TMP/help.keys")" -ge 30
missing=$(grep -vxF -f "$TMP/man.keys" "$TMP/help.keys" | paste -sd' ')
check "every key of the screen's help is in INTERACTIVE COMMANDS${missing:+ (missing: $missing)}" \
	test -z "$missing"

# --- ENVIRONMENT, EXIT STATUS, version, SEE ALSO ---

env_missing=""
for var in $(grep -rhoE 'getenv\("[A-Z_]+"\)' src ui | sed -E 's/.*"(.*)".*/\1/' | sort -u) \
	LANG LC_ALL; do
	tags ENVIRONMENT | sed 's/, /\n/g' | grep -qx "$var" || env_missing+=" $var"
done
check "ENVIRONMENT names every variable conntop reads, and the locale's${env_missing:+ (missing:$env_missing)}" \
	test -z "$env_missing"
help_statuses=$(sed -n 's/^Exit status: //p' "$TMP/help.txt" | grep -oE '[0-9]+' | paste -sd' ')
man_statuses=$(tags "EXIT STATUS" | paste -sd' ')
check "EXIT STATUS lists --help's statuses ($help_statuses; man: $man_statuses)" \
	eval "[ -n '$help_statuses' ] && [ '$help_statuses' = '$man_statuses' ]"
version=$("$CONNTOP" --version)
check "the footer's version is the binary's ($version)" grep -qE "^$version +" "$TMP/page.txt"
for ref in "ss(8)" "htop(1)" "bpftool(8)"; do
	check "SEE ALSO $ref" eval "section 'SEE ALSO' | grep -qF '$ref'"
done
