#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID_<name> are set by lib.sh's start
# shellcheck disable=SC2016 # jq programs: $names are jq's
# -o FILE and --format on real loopback connections (tcpfixture): JSON that jq reads (format 1,
# the connections with their pids, addresses and direction, an edge whose ends are nodes), JSON
# Lines on stdout, DOT that Graphviz renders, text like the batch frame, the format from the
# extension unless --format says otherwise; --every rewriting the file at every frame, always
# whole; and the file's edges: atomic writes leaving no temporary file, a directory, a missing
# folder, a read-only folder (also one that becomes read-only during the run), a full disk, a
# symlink or a hard link at the target; filters applied to what is written; bad formats refused.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
require_root
for tool in jq dot; do
	command -v "$tool" >/dev/null || { fail "$tool is installed (make deps-test)"; exit 1; }
done

PORT=17701  # the connections exported
PORT2=17702 # another pair, that --port leaves out
D=$TMP/out  # where the exports go: only they are ever in it
mkdir "$D"

# Mounts this test makes (tmpfs, read-only ones) come off before lib.sh removes $TMP, pass or
# fail; a lazy unmount when something still holds one.
MOUNTS=()
eval "$(declare -f cleanup | sed '1s/^cleanup/_export_lib_cleanup/')"
cleanup() {
	local m
	set +e
	for m in "${MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	_export_lib_cleanup
}

# mount_tmpfs DIR [OPTIONS]: a small tmpfs of our own at DIR, unmounted on exit.
mount_tmpfs() {
	mkdir -p "$1" && mount -t tmpfs -o "size=${2:-1m}" conntop-test "$1" && MOUNTS+=("$1")
}

# ct NAME ARGS...: runs conntop to its end (bounded), stdout in $TMP/NAME.stdout, stderr in
# $TMP/NAME.stderr, its exit status in RC.
ct() {
	local name=$1
	shift
	timeout 30 "$CONNTOP" "$@" >"$TMP/$name.stdout" 2>"$TMP/$name.stderr"
	RC=$?
}

# Checks on the last ct NAME.
one_line() { [ "$(wc -l <"$TMP/$1.stderr")" -eq 1 ]; }
says() { grep -qF -- "$2" "$TMP/$1.stderr"; }
no_temps() { ! compgen -G "$1/.conntop-*" >/dev/null; }
show_stderr() { sed 's/^/    stderr: /' "$TMP/$1.stderr"; }
jqe() { jq -e "$@" >/dev/null; }

# --- the traffic: a server and a client, held open; another pair on PORT2 ---

start srv "$TCPFIXTURE" serve 127.0.0.1 $PORT -c 4 -t 60
start srv2 "$TCPFIXTURE" serve 127.0.0.1 $PORT2 -c 4 -t 60
both_listen() { wait_line srv "^listening" && wait_line srv2 "^listening"; }
check "servers listen" both_listen
start cli "$TCPFIXTURE" connect 127.0.0.1 $PORT -t 60
start cli2 "$TCPFIXTURE" connect 127.0.0.1 $PORT2 -t 60
# A client whose name needs escaping in JSON ("), in DOT (" \ and an entity) and is plain text.
WEIRD='q"b\s&lt;}'
start weird "$TCPFIXTURE" connect 127.0.0.1 $PORT -t 60 -N "$WEIRD"
all_connected() {
	wait_line cli "^connected " && wait_line cli2 "^connected " && wait_line weird "^connected "
}
check "clients connected" all_connected
SRV=$(sed -n 's/^pid=//p' "$TMP/srv.out")
CLI=$(sed -n 's/^pid=//p' "$TMP/cli.out")
CLI2=$(sed -n 's/^pid=//p' "$TMP/cli2.out")
WEIRD_PID=$(sed -n 's/^pid=//p' "$TMP/weird.out")
CLI_LOCAL=$(sed -n 's/^connected //p' "$TMP/cli.out")
SRV_ADDR=127.0.0.1:$PORT

# --- JSON to a file ---

ct json -b -n 1 -o "$D/now.json"
check "-b -n 1 -o now.json: exit 0" test $RC = 0
[ $RC = 0 ] || show_stderr json
J=$D/now.json
check "now.json is one line of JSON that jq reads" \
	eval "[ \"\$(wc -l <'$J')\" = 1 ] && jq -e . '$J' >/dev/null"
check "format 1, source ebpf" jqe '.format == 1 and .source == "ebpf"' "$J"
check "host and kernel are uname's" jqe --arg h "$(uname -n)" --arg k "$(uname -r)" \
	'.host == $h and .kernel == $k' "$J"
check "time is ISO 8601 UTC and agrees with time_ms" \
	jqe '(.time | fromdateiso8601) == ((.time_ms / 1000) | floor)' "$J"
check "first frame: interval_s is null" jqe '.interval_s == null' "$J"
check "the client's side: its pid, out, local and remote addresses" \
	jqe --argjson p "$CLI" --arg l "$CLI_LOCAL" --arg r "$SRV_ADDR" --argjson port $PORT \
	'any(.connections[]; .pid == $p and .direction == "out" and .local == $l and
		.remote == $r and .remote_port == $port and .state == "ESTABLISHED" and
		.closed == false)' "$J"
check "the server's side: its pid, in, local and remote addresses" \
	jqe --argjson p "$SRV" --arg l "$SRV_ADDR" --arg r "$CLI_LOCAL" --argjson port $PORT \
	'any(.connections[]; .pid == $p and .direction == "in" and .local == $l and
		.remote == $r and .local_port == $port and .comm == "tcpfixture")' "$J"
check "the server's node lists its listening port" \
	jqe --argjson p "$SRV" --argjson port $PORT \
	'any(.nodes[]; .kind == "process" and .pid == $p and (.listening | index($port)) != null)' "$J"
check "an edge from the client's node to the server's, on the port" \
	jqe --argjson c "$CLI" --argjson s "$SRV" --argjson port $PORT '
	(.nodes | map(select(.kind == "process"))) as $n
	| ($n | map(select(.pid == $c)) | .[0].id) as $from
	| ($n | map(select(.pid == $s)) | .[0].id) as $to
	| $from != null and $to != null
	  and any(.edges[]; .from == $from and .to == $to and .port == $port and .active >= 1)' "$J"
check "every edge's from and to are ids of nodes" \
	jqe '(.nodes | map({ (.id): true }) | add // {}) as $ids
		| all(.edges[]; $ids[.from] and $ids[.to])' "$J"
check "node ids are unique" jqe '(.nodes | map(.id)) as $i | ($i | unique | length) == ($i | length)' "$J"
check "a name with \" \\ and an entity comes through as it is" \
	jqe --argjson p "$WEIRD_PID" --arg w "$WEIRD" \
	'any(.connections[]; .pid == $p and .comm == $w)' "$J"
check "the README's jq example runs on it (heaviest edges)" eval "jq -r '(.nodes | INDEX(.id)) as \$n
	| .edges | sort_by(-.active, -.opened)[:10][]
	| \"\(\$n[.from].name) -> \(\$n[.to].name):\(.port)\"' '$J' |
	grep -qF 'tcpfixture[$CLI] -> tcpfixture[$SRV]:$PORT'"

# --- JSON Lines on stdout ---

ct jsonl --format json -b -n 3 -d 0.2
check "--format json -b -n 3: exit 0" test $RC = 0
check "--format json -b -n 3: exactly 3 lines" test "$(wc -l <"$TMP/jsonl.stdout")" = 3
jsonl_each_line() {
	local line n=0
	while IFS= read -r line; do
		jq -e '.format == 1 and (.connections | length) > 0' <<<"$line" >/dev/null || return 1
		n=$((n + 1))
	done <"$TMP/jsonl.stdout"
	[ $n = 3 ]
}
check "each line is a whole JSON document of its own" jsonl_each_line
check "jq reads them as a stream of 3" test "$(jq -s length "$TMP/jsonl.stdout")" = 3
check "frames follow each other: time_ms rises, interval_s after the first" \
	jqe -s '.[0].interval_s == null and .[1].interval_s > 0 and .[2].interval_s > 0
		and .[0].time_ms < .[1].time_ms and .[1].time_ms < .[2].time_ms' "$TMP/jsonl.stdout"
check "--format json with no -o writes no file" test -z "$(find "$D" -mindepth 1 ! -name now.json)"
# A reader that goes away (| head -1) ends conntop cleanly.
timeout 20 "$CONNTOP" -b -d 0.1 --format json 2>"$TMP/head.stderr" | head -1 >"$TMP/head.out"
status=("${PIPESTATUS[@]}")
check "--format json | head -1: conntop exits 0 when the reader goes (${status[0]})" \
	test "${status[0]}" = 0
check "--format json | head -1: one document" jqe '.format == 1' "$TMP/head.out"

# --- DOT ---

ct dot -b -n 1 -o "$D/now.dot"
check "-o now.dot: exit 0" test $RC = 0
check "now.dot is a digraph" grep -q '^digraph ' "$D/now.dot"
dot -Tsvg "$D/now.dot" -o "$TMP/now.svg" 2>"$TMP/dot.err"
rc=$?
check "dot -Tsvg renders it, with no warning" eval "[ $rc = 0 ] && [ ! -s '$TMP/dot.err' ]"
[ -s "$TMP/dot.err" ] && sed 's/^/    dot: /' "$TMP/dot.err"
check "the picture shows the server and the client" \
	eval "grep -qF 'tcpfixture[$SRV]' '$TMP/now.svg' && grep -qF 'tcpfixture[$CLI]' '$TMP/now.svg'"
check "the picture shows the odd name as text" grep -qF "q&quot;b\\s&amp;lt;}[$WEIRD_PID]" "$TMP/now.svg"
cli_id=$(jq -r --argjson p "$CLI" '.nodes[] | select(.pid == $p) | .id' "$J")
srv_id=$(jq -r --argjson p "$SRV" '.nodes[] | select(.pid == $p) | .id' "$J")
check "DOT's edge joins the JSON's node ids (client -> server)" \
	grep -qF "\"$cli_id\" -> \"$srv_id\"" "$D/now.dot"
check "DOT's edge label: port and counts" grep -qF ":$PORT\\n1 active" "$D/now.dot"
ct gv -b -n 1 -o "$D/now.gv"
check ".gv is DOT too" eval "[ $RC = 0 ] && grep -q '^digraph ' '$D/now.gv'"

# --- text ---

ct txt -b -n 1 -o "$D/now.txt"
check "-o now.txt: exit 0" test $RC = 0
check "now.txt is the text frame, the same as printed on stdout" cmp -s "$D/now.txt" "$TMP/txt.stdout"
check "now.txt starts with the header line" grep -qE '^conntop [0-9]{2}:[0-9]{2}:[0-9]{2} ' "$D/now.txt"
check "now.txt has NODES and EDGES, and the edge" eval "grep -qx NODES '$D/now.txt' &&
	grep -qx EDGES '$D/now.txt' && grep -qE '^tcpfixture\\[$CLI\\] +tcpfixture\\[$SRV\\] +$PORT ' '$D/now.txt'"
ct noext -b -n 1 -o "$D/now"
check "no extension: the text frame" eval "[ $RC = 0 ] && cmp -s '$D/now' '$TMP/noext.stdout'"
ct hidden -b -n 1 -o "$D/.json"
check "a file named .json is text (a leading dot is no extension)" \
	eval "[ $RC = 0 ] && cmp -s '$D/.json' '$TMP/hidden.stdout'"
ct upper -b -n 1 -o "$D/UP.JSON"
check "the extension in any case: .JSON is JSON" eval "[ $RC = 0 ] && jq -e '.format == 1' '$D/UP.JSON' >/dev/null"

# --- --format over the extension ---

ct fdot -b -n 1 --format dot -o "$D/forced.json"
check "--format dot -o forced.json: DOT despite the extension" \
	eval "[ $RC = 0 ] && grep -q '^digraph ' '$D/forced.json' && dot -Tsvg '$D/forced.json' >/dev/null 2>&1"
check "--format dot: stdout stays the text frame" grep -qE '^conntop [0-9:]{8} ' "$TMP/fdot.stdout"
ct fjson -b -n 1 --format JSON -o "$D/forced.txt"
check "--format JSON (any case) -o forced.txt: JSON" \
	eval "[ $RC = 0 ] && jq -e '.format == 1' '$D/forced.txt' >/dev/null"
ct ftext -b -n 1 --format text -o "$D/forced.dot"
check "--format text -o forced.dot: text" \
	eval "[ $RC = 0 ] && grep -qE '^conntop [0-9:]{8} ' '$D/forced.dot'"

# --- bad formats and combinations: usage errors, nothing written ---

ct badfmt -b -n 1 --format yaml -o "$D/bad.json"
check "--format yaml: exit 2" test $RC = 2
check "--format yaml: says what is wrong" says badfmt yaml
check "--format yaml: no file" test ! -e "$D/bad.json"
ct badfmt2 -b -n 1 --format= -o "$D/bad.json"
check "--format '': exit 2" test $RC = 2
ct dotstdout -b -n 1 --format dot
check "--format dot without -o: exit 2" test $RC = 2
ct everyalone -b -n 1 --every
check "--every without -o: exit 2" test $RC = 2
ct emptyout -b -n 1 -o ''
check "-o '': exit 2" test $RC = 2

# --- filters apply to what is written (the counters are never filtered) ---

ct port -b -n 1 --port $PORT -o "$D/port.json"
check "--port: exit 0" test $RC = 0
check "--port: every connection is on the port" \
	jqe --argjson port $PORT 'all(.connections[]; .local_port == $port or .remote_port == $port)
		and (.connections | length) >= 4' "$D/port.json"
check "--port: every edge is on the port" \
	jqe --argjson port $PORT 'all(.edges[]; .port == $port) and (.edges | length) >= 1' "$D/port.json"
check "--port: the other pair's client is not a node" \
	jqe --argjson p "$CLI2" 'all(.nodes[]; .pid != $p)' "$D/port.json"
check "--port: the counters are not filtered" \
	jqe '.stats.active > (.connections | length)' "$D/port.json"
check "--port: the text file is filtered too" eval "
	timeout 30 '$CONNTOP' -b -n 1 --port $PORT2 -o '$D/port2.txt' >/dev/null 2>&1 &&
	grep -qE '^tcpfixture\\[$CLI2\\] ' '$D/port2.txt' && ! grep -qE '^tcpfixture\\[$CLI\\] ' '$D/port2.txt'"
ct portdot -b -n 1 --port $PORT2 -o "$D/port2.dot"
check "--port: the DOT file is filtered too" eval "[ $RC = 0 ] &&
	grep -qF 'tcpfixture[$CLI2]' '$D/port2.dot' && ! grep -qF 'tcpfixture[$CLI]' '$D/port2.dot'"
ct pid -b -n 1 --pid "$CLI" -o "$D/pid.json"
check "--pid: only that process's connections" \
	jqe --argjson p "$CLI" 'all(.connections[]; .pid == $p) and (.connections | length) == 1' "$D/pid.json"

# --- --every: the file at every frame, whole every time it is read ---

start every timeout 30 "$CONNTOP" -b -d 0.1 -n 40 --every -o "$D/every.json"
exists() { [ -e "$D/every.json" ]; }
check "--every: the file is there at the first frame" wait_until 10 exists
# Read it as often as we can while conntop runs: each read must be a whole document. A client
# started midway must show up in it.
reads=0 bad=0 times="" inodes="" saw_late=0
late_started=0 LATE=0
while kill -0 "$PID_every" 2>/dev/null; do
	ino=$(stat -c %i "$D/every.json" 2>/dev/null) || { bad=$((bad + 1)); continue; }
	if t=$(jq -e -r '.time_ms' "$D/every.json" 2>/dev/null); then
		reads=$((reads + 1))
		times+="$t"$'\n'
		inodes+="$ino"$'\n'
		if [ $late_started = 1 ] && [ $saw_late = 0 ] &&
			jqe --argjson p "$LATE" 'any(.connections[]; .pid == $p)' "$D/every.json" >/dev/null 2>&1; then
			saw_late=1
		fi
	elif kill -0 "$PID_every" 2>/dev/null; then
		bad=$((bad + 1)) # not JSON, while conntop still ran
		cp "$D/every.json" "$TMP/every.bad" 2>/dev/null
	fi
	if [ $reads = 20 ] && [ $late_started = 0 ]; then
		start late "$TCPFIXTURE" connect 127.0.0.1 $PORT -t 60
		wait_line late '^connected ' && LATE=$(sed -n 's/^pid=//p' "$TMP/late.out")
		late_started=1
	fi
done
wait "$PID_every"
check "--every: conntop exits 0" test $? = 0
check "--every: read $reads times while it ran, always a whole JSON document ($bad bad)" \
	eval "[ $reads -ge 20 ] && [ $bad = 0 ]"
distinct_times=$(printf '%s' "$times" | sort -u | grep -c .)
check "--every: its content changed while running ($distinct_times different frames seen)" \
	test "$distinct_times" -ge 5
distinct_inodes=$(printf '%s' "$inodes" | sort -u | grep -c .)
check "--every: each write is a new file renamed over the old ($distinct_inodes inodes seen)" \
	test "$distinct_inodes" -ge 2
check "--every: a client started midway shows up in the file" test $saw_late = 1
check "--every: the final file is the last frame" jqe '.format == 1 and .interval_s > 0' "$D/every.json"
check "no temporary file (.conntop-*) left in the folder" no_temps "$D"

# --- where the file cannot be written: one line, exit 1, nothing made ---

mkdir "$D/adir"
# shellcheck disable=SC2034 # read in the eval below
before=$(ls -A "$D")
ct isdir -b -n 1 -o "$D/adir"
check "target is a directory: exit 1" test $RC = 1
check "target is a directory: one line on stderr, naming it" eval "one_line isdir && says isdir '$D/adir'"
one_line isdir || show_stderr isdir
check "target is a directory: no frame printed (refused at start)" test ! -s "$TMP/isdir.stdout"
check "target is a directory: nothing created in it or beside it" \
	eval "[ -z \"\$(ls -A '$D/adir')\" ] && [ \"\$(ls -A '$D')\" = \"\$before\" ]"
ct isdir2 -b -n 1 -o "$D/adir/"
check "target ends with a slash: exit 1, one line" eval "[ $RC = 1 ] && one_line isdir2"

ct nofolder -b -n 1 -o "$D/missing/x.json"
check "folder does not exist: exit 1, one line naming the file" \
	eval "[ $RC = 1 ] && one_line nofolder && says nofolder '$D/missing/x.json'"
check "folder does not exist: nothing created" test ! -e "$D/missing"

# A read-only folder (chmod would not stop root: a tmpfs remounted read-only), with a file in it.
RO=$TMP/ro
mount_tmpfs "$RO" && echo precious >"$RO/old.json" && mount -o remount,ro "$RO"
check "read-only tmpfs mounted" eval "! touch '$RO/probe' 2>/dev/null"
ct ro -b -n 1 -o "$RO/new.json"
check "read-only folder: exit 1" test $RC = 1
check "read-only folder: one clear line naming the file" \
	eval "one_line ro && says ro '$RO/new.json' && grep -qi 'read-only' '$TMP/ro.stderr'"
one_line ro || show_stderr ro
check "read-only folder: nothing left there" test "$(ls -A "$RO")" = old.json
ct ro2 -b -n 1 -o "$RO/old.json"
check "read-only folder, file exists: exit 1, one line, the file untouched" \
	eval "[ $RC = 1 ] && one_line ro2 && [ \"\$(cat '$RO/old.json')\" = precious ]"

# A folder that becomes read-only during the run: the write at exit fails, cleanly.
LATE_RO=$TMP/latero
mount_tmpfs "$LATE_RO"
start latero timeout 30 "$CONNTOP" -b -d 0.2 -n 8 -o "$LATE_RO/x.json"
wait_until 10 grep -qE '^conntop [0-9:]{8} ' "$TMP/latero.out"
mount -o remount,ro "$LATE_RO"
check "folder made read-only while conntop runs" eval "! touch '$LATE_RO/probe' 2>/dev/null"
wait "$PID_latero"
rc=$?
check "read-only at exit: exit 1 ($rc)" test $rc = 1
check "read-only at exit: one line on stderr, naming the file" \
	eval "[ \"\$(wc -l <'$TMP/latero.err')\" = 1 ] && grep -qF '$LATE_RO/x.json' '$TMP/latero.err'"
check "read-only at exit: the frames were printed" test "$(grep -cE '^conntop [0-9:]{8} ' "$TMP/latero.out")" = 8
check "read-only at exit: nothing left there" test -z "$(ls -A "$LATE_RO")"

# A full disk: the write fails part way; the old file stays whole, no temporary file is left.
FULL=$TMP/full
mount_tmpfs "$FULL" 64k && echo precious >"$FULL/t.json" &&
	head -c 61440 /dev/zero >"$FULL/filler" 2>/dev/null
check "full tmpfs mounted" eval "! head -c 4096 /dev/zero >'$FULL/probe' 2>/dev/null; rm -f '$FULL/probe'; true"
ct full -b -n 1 -o "$FULL/t.json"
check "full disk: exit 1, one line naming the file" \
	eval "[ $RC = 1 ] && one_line full && says full '$FULL/t.json'"
one_line full || show_stderr full
check "full disk: the old file is untouched" test "$(cat "$FULL/t.json")" = precious
check "full disk: no temporary file left" no_temps "$FULL"

# --- a symlink or a hard link at the target is replaced, never written through ---

echo precious >"$TMP/victim"
ln -s "$TMP/victim" "$D/link.json"
ct symlink -b -n 1 -o "$D/link.json"
check "symlink at the target: exit 0" test $RC = 0
check "symlink at the target: replaced by a regular file" \
	eval "[ -f '$D/link.json' ] && [ ! -L '$D/link.json' ]"
check "symlink at the target: the new file is the JSON" jqe '.format == 1' "$D/link.json"
check "symlink at the target: the file it pointed to is untouched" test "$(cat "$TMP/victim")" = precious
ln -s "$TMP/nowhere/ghost" "$D/dangling.json"
ct dangling -b -n 1 -o "$D/dangling.json"
check "dangling symlink at the target: replaced by the file, nothing made where it pointed" \
	eval "[ $RC = 0 ] && [ -f '$D/dangling.json' ] && [ ! -L '$D/dangling.json' ] && [ ! -e '$TMP/nowhere' ]"
mkdir "$TMP/victimdir"
ln -s "$TMP/victimdir" "$D/dirlink.json"
ct dirlink -b -n 1 -o "$D/dirlink.json"
check "symlink to a directory at the target: replaced, not followed (exit $RC)" \
	eval "[ $RC = 0 ] && [ -f '$D/dirlink.json' ] && [ ! -L '$D/dirlink.json' ]"
[ $RC = 0 ] || show_stderr dirlink
check "symlink to a directory at the target: nothing written in that directory" \
	test -z "$(ls -A "$TMP/victimdir")"
echo precious >"$TMP/hardvictim"
ln "$TMP/hardvictim" "$D/hard.json"
ct hardlink -b -n 1 -o "$D/hard.json"
check "hard link at the target: replaced, the other name keeps its content" \
	eval "[ $RC = 0 ] && [ \"\$(cat '$TMP/hardvictim')\" = precious ] && jq -e .format '$D/hard.json' >/dev/null"

check "still no temporary file (.conntop-*) left in the folder" no_temps "$D"
check "no sanitizer report" eval "! cat '$TMP'/*.stderr '$TMP'/*.err 2>/dev/null | grep -qE 'Sanitizer|runtime error'"
