#!/usr/bin/env bash
# The module boundaries of docs/ARCHITECTURE.md, checked on the sources: one file talks to ncurses,
# one header is the kernel/user contract and includes nothing, src/ does not reach into ui/ (but
# for app.c, which wires them), and the view never reaches past the snapshot.
cd "$(dirname "$0")/../.." || exit 1

ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; }

# offenders PATTERN FILE...: the files that include a header matching PATTERN.
offenders() {
	local pattern=$1
	shift
	grep -lE "^#include [<\"]($pattern)[>\"]" "$@" 2>/dev/null
}

bad=$(grep -lE '^#include <(ncursesw?/)?(n?curses|term)\.h>' src/*.[ch] ui/*.[ch] | grep -vx ui/curses.c)
[ -z "$bad" ] && ok "only ui/curses.c includes ncurses" || fail "ncurses included by: $bad"

bad=$(grep -E '^#include' include/conntop/event.h)
[ -z "$bad" ] && ok "the record header includes nothing" || fail "event.h includes: $bad"

ui_headers=$(cd ui && ls *.h | paste -sd'|')
bad=$(offenders "$ui_headers" src/*.[ch] | grep -vx src/app.c)
[ -z "$bad" ] && ok "src/ does not include ui/ (but app.c)" || fail "src/ files including ui/: $bad"

bad=$(offenders 'bpf_loader\.h|events\.h|tracker\.h|loop\.h|app\.h|conntop\.skel\.h|bpf/.*' ui/*.[ch])
[ -z "$bad" ] && ok "ui/ sees only the snapshot, not the tracker or the kernel" ||
	fail "ui/ files reaching past the snapshot: $bad"

bad=$(offenders 'export\.h|snapshot\.h|table\.h|bpf_loader\.h|app\.h' src/tracker.[ch] src/events.[ch])
[ -z "$bad" ] && ok "tracker and events know nothing of output or the loader" ||
	fail "tracker/events include: $bad"

bad=$(offenders 'tracker\.h|bpf_loader\.h|app\.h' src/export.[ch] src/table.[ch] | grep -v snapshot)
[ -z "$bad" ] && ok "exports draw from the snapshot only" || fail "export/table include: $bad"
