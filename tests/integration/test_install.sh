#!/usr/bin/env bash
# make install and make uninstall as a distribution package runs them: with DESTDIR (here a
# folder with a space in its name) and PREFIX=/usr, install writes exactly the binary to sbin,
# the man page and the bash completion, with their modes, and nothing else anywhere; man and
# bash-completion find them there by name; uninstall removes the three files. The default PREFIX
# is /usr/local, and install builds first what is missing (both checked with make -n, which
# writes nothing). No root needed.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
for tool in man bash; do
	command -v "$tool" >/dev/null || { fail "$tool is installed (make deps-test)"; exit 1; }
done

# make ARGS...: the project's make for this test's build folder, quiet, output in $TMP/make.out.
MAKEVARS=(BUILD="$BUILD")
[ "$BUILD" = build-san ] && MAKEVARS+=(SAN=1)
mk() { make --no-print-directory "${MAKEVARS[@]}" "$@" >"$TMP/make.out" 2>&1; }
show_make() { sed 's/^/    make: /' "$TMP/make.out"; }

D="$TMP/dest dir"
WANT="usr
usr/sbin
usr/sbin/conntop
usr/share
usr/share/bash-completion
usr/share/bash-completion/completions
usr/share/bash-completion/completions/conntop
usr/share/man
usr/share/man/man8
usr/share/man/man8/conntop.8"
listing() { (cd "$D" && find . -mindepth 1 | sed 's|^\./||' | sort); }
# What the work tree holds (tracked changes and new files; build folders are ignored): install
# must not change it, nor write under the real PREFIX.
tree_state() { git status --porcelain --untracked-files=all; }
before=$(tree_state)
real_before=$(ls -d /usr/sbin/conntop /usr/share/man/man8/conntop.8 \
	/usr/share/bash-completion/completions/conntop 2>/dev/null)

# --- install ---

mk install DESTDIR="$D" PREFIX=/usr
rc=$?
check "make install DESTDIR='$D' PREFIX=/usr: exit 0" test $rc = 0
[ $rc = 0 ] || show_make
if [ "$(listing)" = "$WANT" ]; then
	ok "exactly the binary, the man page and the completion, and their folders"
else
	fail "exactly the binary, the man page and the completion, and their folders"
	diff <(echo "$WANT") <(listing) | sed 's/^/    (< wanted, > installed) /'
fi
mode() { stat -c %a "$D/$1"; }
check "modes: 755 for the binary, 644 for the others" eval \
	"[ $(mode usr/sbin/conntop) = 755 ] && [ $(mode usr/share/man/man8/conntop.8) = 644 ] &&
	 [ $(mode usr/share/bash-completion/completions/conntop) = 644 ]"
check "the binary is the build's" cmp -s "$BUILD/conntop" "$D/usr/sbin/conntop"
check "the man page is docs/conntop.8" cmp -s docs/conntop.8 "$D/usr/share/man/man8/conntop.8"
check "the completion is scripts/conntop.bash" \
	cmp -s scripts/conntop.bash "$D/usr/share/bash-completion/completions/conntop"
check "the installed binary runs" eval "'$D/usr/sbin/conntop' --version | grep -q '^conntop '"
check "nothing written in the work tree" test "$(tree_state)" = "$before"
check "nothing written under the real /usr" test "$(ls -d /usr/sbin/conntop \
	/usr/share/man/man8/conntop.8 /usr/share/bash-completion/completions/conntop \
	2>/dev/null)" = "$real_before"

# man finds the page by name in that tree, and it renders cleanly.
found=$(man -M "$D/usr/share/man" -w 8 conntop 2>&1)
check "man -M <prefix>/share/man finds conntop(8) ($found)" \
	test "$found" = "$D/usr/share/man/man8/conntop.8"
check "man renders the installed page without warnings" eval \
	"MANWIDTH=80 man -l --warnings '$D/usr/share/man/man8/conntop.8' 2>&1 >/dev/null | grep -c . | grep -qx 0"

# bash-completion loads it on demand from <prefix>/share/bash-completion/completions.
BC=/usr/share/bash-completion/bash_completion
if [ -r "$BC" ]; then
	# shellcheck disable=SC2016 # the inner bash's variables
	loaded=$(XDG_DATA_DIRS="$D/usr/share" bash --norc --noprofile -c 'source "$1" &&
		_completion_loader conntop; complete -p conntop' _ "$BC" 2>&1)
	check "bash-completion loads it for conntop ($loaded)" \
		test "$loaded" = "complete -F _conntop conntop"
else
	fail "bash-completion is installed (make deps-test)"
fi

# install again over it: the same files, no error.
mk install DESTDIR="$D" PREFIX=/usr
check "make install a second time: exit 0, the same files" eval "[ $? = 0 ] && [ \"\$(listing)\" = \"\$WANT\" ]"

# --- uninstall ---

mk uninstall DESTDIR="$D" PREFIX=/usr
rc=$?
check "make uninstall with the same DESTDIR and PREFIX: exit 0" test $rc = 0
[ $rc = 0 ] || show_make
left=$(cd "$D" && find . ! -type d)
check "make uninstall removes the three files${left:+ (left: $left)}" test -z "$left"
mk uninstall DESTDIR="$D" PREFIX=/usr
check "make uninstall when nothing is installed: exit 0" test $? = 0

# --- defaults and order, as make -n shows them (nothing is run) ---

mk -n install
check "the default PREFIX is /usr/local, binary in sbin" eval \
	"grep -qF ' \"/usr/local/sbin/conntop\"' '$TMP/make.out' &&
	 grep -qF ' \"/usr/local/share/man/man8/conntop.8\"' '$TMP/make.out' &&
	 grep -qF ' \"/usr/local/share/bash-completion/completions/conntop\"' '$TMP/make.out'"
writes=$(grep -cE '^(install|rm|cp|mkdir|ln)' "$TMP/make.out")
check "make install, already built, only runs the three installs ($writes)" test "$writes" = 3
show_if_not_3() { [ "$writes" = 3 ] || show_make; }
show_if_not_3
# From a folder with nothing built, install builds the binary first.
mk -n install BUILD="$TMP/fresh" DESTDIR="$D"
link=$(grep -n -- "-o $TMP/fresh/conntop\$" "$TMP/make.out" | cut -d: -f1 | head -1)
inst=$(grep -n "^install .*$TMP/fresh/conntop " "$TMP/make.out" | cut -d: -f1 | head -1)
check "make install with nothing built links conntop first, then installs it" \
	eval "[ -n '$link' ] && [ -n '$inst' ] && [ '$link' -lt '$inst' ]"
check "make -n wrote nothing" test ! -e "$TMP/fresh"
