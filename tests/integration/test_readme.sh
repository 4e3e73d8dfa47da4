#!/usr/bin/env bash
# The README stays true: every command in its ```sh blocks runs, in order, in a scratch folder,
# with this build's conntop first in PATH, and must exit 0 (pipelines too). Commands that would
# start the screen or run until stopped, install into the real system or run the whole test suite
# are bounded first, by these rules:
#   conntop ...        gets -b, and -n 2 -d 0.2 unless it has -n (or is a replay, which ends)
#   make ...           runs in the source tree, on this build folder
#   make run           without ARGS gets ARGS="-b -n 2 -d 0.2"
#   make install, make uninstall   get DESTDIR=<a scratch folder> (replacing any DESTDIR given)
#   make test          is only make -n test (it runs every test, this one too)
# Also: its Options block lists --help's options, and its tour is a real capture with a picture
# that Graphviz rendered from the DOT file beside it.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root
for tool in jq dot; do
	command -v "$tool" >/dev/null || { fail "$tool is installed (make deps-test)"; exit 1; }
done

REPO=$PWD
WORK=$TMP/work
mkdir -p "$WORK" "$TMP/bin"
ln -s "$CONNTOP" "$TMP/bin/conntop"
MAKE_CMD="make -C '$REPO' --no-print-directory BUILD=$BUILD"
[ "$BUILD" = build-san ] && MAKE_CMD+=" SAN=1"

# The commands of the ```sh blocks, one a line: continuation lines joined, and without their
# comments (two spaces or more, then "# ", as the README writes them).
readme_commands() {
	awk '/^```sh$/ { on = 1; next } /^```/ { on = 0 } on' README.md |
		sed -e ':a' -e '/\\$/N; s/\\\n//; ta' | sed -E 's/ {2,}# .*$//' | grep -vE '^\s*(#|$)'
}

has() { grep -qE -- "(^| )($2)( |=|\$)" <<<"$1"; }

# bounded COMMAND: the command as the rules above run it.
bounded() {
	local c=$1 add=""
	case $c in
	"make test"*)
		echo "$MAKE_CMD -n test"
		return
		;;
	make | make\ *)
		c="$MAKE_CMD${c#make}"
		if has "$c" 'install|uninstall'; then
			c=$(sed -E 's| DESTDIR=[^ ]*||' <<<"$c")" DESTDIR='$TMP/destdir'"
		fi
		has "$c" run && ! has "$c" ARGS && c+=' ARGS="-b -n 2 -d 0.2"'
		;;
	conntop\ *)
		local own=${c%%[|;&]*} # conntop's own words, before a pipe or a next command
		if ! has "$own" '-V|--version|-h|--help'; then
			has "$own" '-b|--batch' || add+=" -b"
			has "$own" '-n|--iterations|--replay' || add+=" -n 2"
			has "$own" '-d|--delay|--replay' || add+=" -d 0.2"
		fi
		c="conntop$add${c#conntop}"
		;;
	esac
	echo "$c"
}

n=0
while IFS= read -r cmd; do
	n=$((n + 1))
	run=$(bounded "$cmd")
	(cd "$WORK" && PATH="$TMP/bin:$PATH" timeout 60 bash -o pipefail -c "$run") \
		>"$TMP/cmd.out" 2>&1 </dev/null
	rc=$?
	if [ $rc = 0 ]; then
		ok "README: $cmd"
	else
		fail "README: $cmd (exit $rc)"
		echo "    ran: $run"
		tail -n 20 "$TMP/cmd.out" | sed 's/^/    | /'
	fi
done < <(readme_commands)
check "the README has sh commands to run ($n)" test $n -ge 15
check "they wrote what they said (now.json, now.svg, today.rec, then.json, bug.rec)" eval \
	"jq -e '.format == 1' '$WORK/now.json' >/dev/null && grep -q '<svg' '$WORK/now.svg' &&
	 [ -s '$WORK/today.rec' ] && jq -e '.format == 1' '$WORK/then.json' >/dev/null &&
	 [ -s '$WORK/bug.rec' ]"
check "make install put the binary in the scratch DESTDIR's sbin" \
	test -x "$TMP/destdir/usr/sbin/conntop"

# --- the Options block is --help's ---

awk '/^## Options/ { s = 1 } s && /^```/ { if (on) exit; on = 1; next } on' README.md |
	grep -oE '^ +(-[[:alnum:]], )?--[a-z-]+(=[A-Z]+)?' | sed 's/^ *//' | sort >"$TMP/readme.opts"
"$CONNTOP" --help | grep -oE '^ +(-[[:alnum:]], )?--[a-z-]+(=[A-Z]+)?' | sed 's/^ *//' |
	sort >"$TMP/help.opts"
if [ -s "$TMP/help.opts" ] && cmp -s "$TMP/help.opts" "$TMP/readme.opts"; then
	ok "the README's Options are --help's"
else
	fail "the README's Options are --help's"
	diff "$TMP/help.opts" "$TMP/readme.opts" | sed 's/^/    (< --help, > README) /'
fi

# --- the tour: three captures of the screen, a picture from a DOT export ---

tour_block() { awk -v n="$1" '$0 ~ "^<!-- tour:" n " " { on = 1; next }
	$0 ~ "^<!-- /tour:" n " " { on = 0 } on' README.md; }
captured() { # NAME TITLES-REGEX: a whole screen: host line, tabs, the view's titles, the footer
	local b
	b=$(tour_block "$1")
	grep -qE '^conntop on .+ (eBPF|/proc)' <<<"$b" && grep -qE '^ 1 Nodes   2 Connections' <<<"$b" &&
		grep -qE "$2" <<<"$b" && grep -qE '^F1Help ' <<<"$b"
}
check "tour: the Nodes view, captured" captured nodes '^ +PID.* NAME +CONTAINER +IN +OUT '
check "tour: the Connections view, captured" captured connections '^ +PID.* COMM +DIR +LOCAL +REMOTE '
check "tour: the Topology view, captured" captured topology '^SERVER / CLIENT.* PORT +ACTIVE '
check "tour: the Topology capture shows nginx with a curl client under it" eval \
	"tour_block topology | grep -A1 -E '^nginx\\[' | grep -qE '^(├─|└─) curl\\['"
check "the README shows docs/tour/topology.svg" grep -qF '](docs/tour/topology.svg)' README.md
svg_has_every_node() {
	local id
	grep -q '<svg' docs/tour/topology.svg || return 1
	for id in $(grep -oE '^\s*"[^"]+" \[label' docs/tour/lab.dot | grep -oE '"[^"]+"' | tr -d '"'); do
		grep -qF "<title>$id</title>" docs/tour/topology.svg || return 1
	done
}
check "docs/tour/topology.svg is docs/tour/lab.dot rendered (every node of it)" svg_has_every_node
check "docs/tour/lab.dot is a DOT export Graphviz reads" eval \
	"grep -q '^digraph conntop' docs/tour/lab.dot && dot -Tsvg docs/tour/lab.dot >/dev/null 2>&1"
