#!/usr/bin/env bash
# shellcheck disable=SC2154 # PID_<name> are set by lib.sh's start
# shellcheck disable=SC2016 # jq programs: $names are jq's
# --record and --replay on the lab (lab.sh): a live run over real traffic to nginx (Docker-named
# cgroup) and redis (Kubernetes-named cgroup) is recorded, then replayed by an unprivileged user
# without BPF: the same frames, the same text, a byte-identical -o file, the containers there, at
# once with --replay-speed 0 and at the recorded pace with 1. Then damaged copies (cut at many
# offsets, one byte flipped at many places), a file that is no recording and an empty one: each is
# one stderr line naming the file, the record and its byte offset and the reason, exit 1, the
# frames before the damage printed (and a JSON of them written), and never a crash.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
source tests/integration/lab.sh
require_root
lab_require_packages || { fail "lab packages installed"; exit 1; }
command -v jq >/dev/null || { fail "jq is installed (make deps-test)"; exit 1; }
lab_up || { fail "lab up"; exit 1; }

FRAMES=6  # frames of the live run
DELAY=0.5 # between them
REC_FRAME=17 # the record type of a frame (docs/RECORDING.md)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
jqe() { jq -e "$@" >/dev/null; }
frames_in() { grep -cE '^conntop [0-9]{2}:[0-9]{2}:[0-9]{2} ' "$1"; }
# first_frames FILE K: the text of the first K frames.
first_frames() {
	awk -v k="$2" '/^conntop [0-9][0-9]:[0-9][0-9]:[0-9][0-9] / { n++ } n <= k' "$1"
}

# --- traffic, and the live run that records it ---

# Held from before the start (seeded from sock_diag) to after the end.
lab_client web_hold "$TCPFIXTURE" connect "$LAB_WEB_IP" "$LAB_WEB_PORT" -t 60
lab_client cache_hold "$TCPFIXTURE" connect "$LAB_CACHE_IP" "$LAB_CACHE_PORT" -t 60
held() { wait_line web_hold '^connected ' && wait_line cache_hold '^connected '; }
check "held clients connected" held

REC=$TMP/live.rec
live_start=$(now_ms)
start live timeout 60 "$CONNTOP" -b -n $FRAMES -d $DELAY --record "$REC" -o "$TMP/live.json"
check "live run: first frame" wait_line live '^conntop [0-9:]{8} ' 15
# During the run: a curl every 0.15 s throughout; a burst of short connections to redis; a
# connection to redis opened now and held to the end; one to nginx opened now, closed midway.
lab_client curl_loop sh -c "while :; do curl -s -o /dev/null http://$LAB_WEB_IP:$LAB_WEB_PORT/; sleep 0.15; done"
lab_client burst "$TCPFIXTURE" burst "$LAB_CACHE_IP" "$LAB_CACHE_PORT" 30 -t 30
lab_client mid_cache "$TCPFIXTURE" connect "$LAB_CACHE_IP" "$LAB_CACHE_PORT" -t 60
lab_client mid_web "$TCPFIXTURE" connect "$LAB_WEB_IP" "$LAB_WEB_PORT" -t 60
check "burst of 30 done during the run" wait_line burst '^done 30$' 10
mid_connected() { wait_line mid_web "^connected " && wait_line mid_cache "^connected "; }
check "mid-run clients connected" mid_connected
sleep 1
finish mid_web
wait "$PID_live"
live_rc=$?
live_ms=$(($(now_ms) - live_start))
kill "$PID_curl_loop" 2>/dev/null
cp "$TMP/live.out" "$TMP/live.txt" # lab.sh's `start` files go with the lab

check "live run: exit 0" test $live_rc = 0
check "live run: nothing on stderr" test ! -s "$TMP/live.err"
[ -s "$TMP/live.err" ] && sed 's/^/    live stderr: /' "$TMP/live.err"
check "live run: $FRAMES frames" test "$(frames_in "$TMP/live.txt")" = $FRAMES
check "live run: the recording and live.json exist" test -s "$REC" -a -s "$TMP/live.json"
check "live run saw curl's short connections close" grep -qE '^ *[0-9]+ curl +out .* CLOSED ' "$TMP/live.txt"
BURST=$(sed -n 's/^pid=//p' "$TMP/burst.out")
check "live run saw the burst's 30 connections" \
	grep -qE "^tcpfixture\\[$BURST\\] +redis-server\\[$LAB_REDIS_PID\\]@[0-9a-f]{12} +$LAB_CACHE_PORT +[0-9]+ +30 +" "$TMP/live.txt"
MID_WEB=$(sed -n 's/^pid=//p' "$TMP/mid_web.out")
check "live run saw the midway connection close" \
	grep -qE "^ *$MID_WEB +tcpfixture +out .* CLOSED " "$TMP/live.txt"

# --- the recording's records: "number offset type size" per line, from its bytes ---

# The layout (docs/RECORDING.md): a header whose size is the u32 at byte 12,
# then records, each a 12-byte head (u32 type, u32 size, u32 crc) and size bytes of payload.
od -An -v -tu1 -w1 "$REC" | awk '
	{ b[n++] = $1 }
	function u32(o) { return b[o] + 256 * b[o + 1] + 65536 * b[o + 2] + 16777216 * b[o + 3] }
	END {
		off = u32(12)
		print "header", off, n
		while (off + 12 <= n) { r++; print r, off, u32(off), u32(off + 4); off += 12 + u32(off + 4) }
		if (off != n) print "trailing", off, n
	}' >"$TMP/records"
read -r _ HDR SIZE < <(head -1 "$TMP/records")
sed -i 1d "$TMP/records"
NREC=$(wc -l <"$TMP/records")
check "the recording is a header and whole records ($NREC records, $SIZE bytes)" \
	eval "! grep -q trailing '$TMP/records' && [ $NREC -gt $((FRAMES * 3)) ]"
check "the recording holds one frame record per live frame" \
	test "$(awk -v t=$REC_FRAME '$3 == t' "$TMP/records" | wc -l)" = $FRAMES

# --- replay as nobody, without root or BPF ---

chmod 711 "$TMP"
RP=$TMP/replay
mkdir "$RP"
cp "$REC" "$RP/good.rec"
chmod 644 "$RP/good.rec"
chown nobody "$RP"
# as_nobody NAME ARGS...: conntop as nobody, bounded; $RP/NAME.out, $RP/NAME.err, RC, MS.
as_nobody() {
	local name=$1 t0
	shift
	t0=$(now_ms)
	runuser -u nobody -- timeout 30 "$CONNTOP" "$@" >"$RP/$name.out" 2>"$RP/$name.err"
	RC=$?
	MS=$(($(now_ms) - t0))
}

as_nobody replay --replay "$RP/good.rec" -b --replay-speed 0 -o "$RP/replay.json"
check "replay as nobody: exit 0 ($RC)" test $RC = 0
check "replay: nothing on stderr" test ! -s "$RP/replay.err"
[ -s "$RP/replay.err" ] && sed 's/^/    replay stderr: /' "$RP/replay.err"
check "replay: its -o file is byte for byte the live one" cmp "$TMP/live.json" "$RP/replay.json"
check "replay: the same $FRAMES frames" test "$(frames_in "$RP/replay.out")" = $FRAMES
check "replay: the same text as the live run, frame for frame" cmp "$TMP/live.txt" "$RP/replay.out"
check "replay at speed 0 is at once (${MS} ms, the live run ${live_ms} ms)" \
	eval "[ $MS -lt 2000 ] && [ $((MS * 4)) -lt $live_ms ]"
check "replayed JSON: nginx in its Docker container" \
	jqe --arg id "$LAB_WEB_CID" 'any(.nodes[]; .comm == "nginx" and .container.id == $id
		and .container.runtime == "docker" and .container.name == ($id[0:12]))' "$RP/replay.json"
check "replayed JSON: redis in the pod's containerd container" \
	jqe --arg id "$LAB_CACHE_CID" --argjson p "$LAB_REDIS_PID" 'any(.nodes[]; .pid == $p and
		.comm == "redis-server" and .container.id == $id and .container.runtime == "containerd")' \
	"$RP/replay.json"
check "replayed JSON: client -> nginx :80 and client -> redis :6379 edges" \
	jqe --arg w "$LAB_WEB_CID" --arg c "$LAB_CACHE_CID" '(.nodes | INDEX(.id)) as $n
		| any(.edges[]; $n[.to].container.id == $w and .port == 80 and .active >= 1)
		and ([.edges[] | select($n[.to].container.id == $c and .port == 6379) | .active] | add) >= 2' \
	"$RP/replay.json"
check "replayed JSON: the netns names of the lab" \
	jqe --arg ns "$LAB_NS_WEB" 'any(.nodes[]; .netns_name == $ns)' "$RP/replay.json"

# Every frame as JSON Lines: the reference for the damaged copies below.
as_nobody ref --replay "$RP/good.rec" -b --replay-speed 0 --format json
cp "$RP/ref.out" "$TMP/ref.jsonl"
check "replay --format json: $FRAMES JSON lines" \
	eval "[ $RC = 0 ] && [ \$(wc -l <'$TMP/ref.jsonl') = $FRAMES ] && jq -s -e 'length == $FRAMES' '$TMP/ref.jsonl' >/dev/null"
check "replay --format json: its last line is live.json" \
	eval "tail -1 '$TMP/ref.jsonl' | cmp -s - '$TMP/live.json'"
span_ms=$(jq -s '.[-1].time_ms - .[0].time_ms' "$TMP/ref.jsonl")

as_nobody dot --replay "$RP/good.rec" -b --replay-speed 0 -o "$RP/replay.dot"
check "replay -o .dot: dot -Tsvg renders the containers" eval "[ $RC = 0 ] &&
	dot -Tsvg '$RP/replay.dot' 2>/dev/null | grep -qF '${LAB_WEB_CID:0:12} (docker)' &&
	grep -qF '${LAB_CACHE_CID:0:12} (containerd)' '$RP/replay.dot'"

as_nobody filtered --replay "$RP/good.rec" -b --replay-speed 0 --container "${LAB_WEB_CID:0:12}"
check "replay --container: nginx's rows, not redis's" eval "[ $RC = 0 ] &&
	grep -q ' nginx ' '$RP/filtered.out' && ! grep -q redis-server '$RP/filtered.out'"

# At the recorded pace: the frames come as far apart as they did live.
as_nobody speed1 --replay "$RP/good.rec" -b --replay-speed 1
check "replay at speed 1 takes about as long as the recording (${MS} ms for ${span_ms} ms)" \
	eval "[ $RC = 0 ] && [ $((MS * 2)) -ge $span_ms ] && [ $MS -le $((span_ms + 3000)) ]"
check "replay at speed 1: the same text" cmp -s "$TMP/live.txt" "$RP/speed1.out"
as_nobody speed1n --replay "$RP/good.rec" -b --replay-speed 1 -n $FRAMES
check "replay at speed 1 with -n $FRAMES takes about as long too (${MS} ms for ${span_ms} ms)" \
	eval "[ $RC = 0 ] && [ $((MS * 2)) -ge $span_ms ] && [ $MS -le $((span_ms + 3000)) ]"
as_nobody speed0n --replay "$RP/good.rec" -b --replay-speed 0 -n 2
check "replay -n 2 stops after 2 frames, the live run's first two" \
	eval "[ $RC = 0 ] && [ \$(frames_in '$RP/speed0n.out') = 2 ] &&
	first_frames '$TMP/live.txt' 2 | cmp -s - '$RP/speed0n.out'"

# --- damaged copies ---

# record_at OFFSET: "number start type size" of the record holding that byte.
record_at() {
	awk -v x="$1" '$2 <= x && x < $2 + 12 + $4 { print; exit }' "$TMP/records"
}
# frames_before N: frame records before record number N.
frames_before() {
	awk -v n="$1" -v t=$REC_FRAME '$1 < n && $3 == t { k++ } END { print k + 0 }' "$TMP/records"
}

CASES=0 CASE_FAILS=() EXTRA_FAILS=()
# damaged NAME WHAT REASON-REGEX: replays $RP/NAME.rec, damaged at byte $AT, and checks it all.
# Collected per case, then two checks over all cases: what the damage must give, and the extra
# frame docs/RECORDING.md promises ("one more frame shows the state up to the bad record").
damaged() {
	local name=$1 what=$2 reason=$3 r start type size k want out=$RP/$1
	local errs=()
	read -r r start type size < <(record_at "$AT")
	k=$(frames_before "$r")
	rm -f "$out.json"
	as_nobody "$name" --replay "$out.rec" -b --replay-speed 0 -o "$out.json"
	CASES=$((CASES + 1))
	[ $RC -lt 128 ] || errs+=("crashed (exit $RC)")
	[ $RC = 1 ] || errs+=("exit $RC, not 1")
	[ "$(wc -l <"$out.err")" = 1 ] || errs+=("$(wc -l <"$out.err") stderr lines, not 1")
	grep -qF "$out.rec" "$out.err" || errs+=("the error does not name the file")
	grep -qE "record $r at byte $start: " "$out.err" || errs+=("does not say 'record $r at byte $start'")
	grep -qE "$reason" "$out.err" || errs+=("reason is not /$reason/")
	[ "$(frames_in "$out.out")" -ge "$k" ] ||
		errs+=("$(frames_in "$out.out") frames printed, fewer than the $k before the damage")
	want=$((k > 0 ? k + 1 : 0))
	[ "$(frames_in "$out.out")" = $want ] ||
		EXTRA_FAILS+=("$what: $(frames_in "$out.out") frames printed, not $want")
	first_frames "$out.out" "$k" | cmp -s - <(first_frames "$TMP/live.txt" "$k") ||
		errs+=("the first $k frames are not the live run's")
	if [ "$k" -gt 0 ]; then
		jq -e --argjson t "$(sed -n "${k}p" "$TMP/ref.jsonl" | jq .time_ms)" \
			'.format == 1 and .time_ms == $t' "$out.json" >/dev/null 2>&1 ||
			errs+=("no JSON of frame $k written")
	else
		[ ! -e "$out.json" ] || errs+=("a JSON was written with no frame before the damage")
	fi
	! grep -qE 'Sanitizer|runtime error' "$out.err" || errs+=("sanitizer report")
	[ ${#errs[@]} = 0 ] && return 0
	CASE_FAILS+=("$what (byte $AT in record $r, type $type, $k frames before): ${errs[*]}")
	sed 's/^/      stderr: /' "$out.err" | head -5 >>"$TMP/case_details"
	return 1
}

# cut NAME: $RP/NAME.rec is the recording's first $AT bytes.
cut_at() {
	head -c "$AT" "$REC" >"$RP/$1.rec" && chmod 644 "$RP/$1.rec"
}
# flip NAME: $RP/NAME.rec is the recording with byte $AT inverted.
flip_at() {
	local byte
	cp "$REC" "$RP/$1.rec" && chmod 644 "$RP/$1.rec"
	byte=$(od -An -tu1 -j "$AT" -N1 "$REC" | tr -d ' ')
	# shellcheck disable=SC2059 # the octal escape is the point
	printf "\\$(printf %03o $((byte ^ 255)))" |
		dd of="$RP/$1.rec" bs=1 seek="$AT" conv=notrunc status=none
}

# Cuts: inside a record's head and inside its payload, at records spread over the file, in the
# first record, and one byte short of the end.
: >"$TMP/case_details"
n=0
for frac in 10 25 40 50 60 75 90; do
	r=$((NREC * frac / 100))
	[ "$r" -ge 1 ] || r=1
	read -r _ start type size < <(sed -n "${r}p" "$TMP/records")
	AT=$((start + 5)) && cut_at cut$n && damaged cut$n "cut in the head of record $r" 'truncated'
	n=$((n + 1))
	if [ "$size" -gt 1 ]; then
		AT=$((start + 12 + size / 2)) && cut_at cut$n &&
			damaged cut$n "cut in the payload of record $r" 'truncated'
		n=$((n + 1))
	fi
done
AT=$((HDR + 3)) && cut_at cut$n && damaged cut$n "cut in the first record" 'truncated'
n=$((n + 1))
AT=$((SIZE - 1)) && cut_at cut$n && damaged cut$n "cut one byte short of the end" 'truncated'
n=$((n + 1))
# A cut in each frame's records: in the payload of each frame record.
while read -r r start type size; do
	AT=$((start + 12 + size / 2)) && cut_at cut$n && damaged cut$n "cut in frame record $r" 'truncated'
	n=$((n + 1))
done < <(awk -v t=$REC_FRAME '$3 == t' "$TMP/records")
cut_cases=$CASES

# Flips: in the payload, the checksum, the type and the size of records of every type, and at
# offsets spread evenly over every record.
n=0
# shellcheck disable=SC2013 # one number a line
for type in $(awk '{ print $3 }' "$TMP/records" | sort -un); do
	read -r r start _ size < <(awk -v t="$type" '$3 == t { c++; row = $0 } c == 2 { print; exit }
		END { if (c == 1) print row }' "$TMP/records")
	if [ "$size" -gt 0 ]; then
		AT=$((start + 12 + size / 2)) && flip_at flip$n &&
			damaged flip$n "flip in the payload of a type $type record" 'checksum'
		n=$((n + 1))
	fi
	AT=$((start + 8)) && flip_at flip$n && damaged flip$n "flip in the checksum of a type $type record" 'checksum'
	n=$((n + 1))
	AT=$start && flip_at flip$n && damaged flip$n "flip in the type of a type $type record" 'unknown record type'
	n=$((n + 1))
	AT=$((start + 4)) && flip_at flip$n && damaged flip$n "flip in the size of a type $type record" 'wrong size'
	n=$((n + 1))
done
for i in $(seq 1 24); do
	AT=$((HDR + (SIZE - HDR) * i / 25 + i % 7))
	flip_at flip$n && damaged flip$n "flip at byte $AT" 'checksum|unknown record type|wrong size|truncated'
	n=$((n + 1))
done
flip_cases=$((CASES - cut_cases))
check "damaged copies ($cut_cases cuts, $flip_cases flipped bytes): each exit 1, one stderr line naming the file, the record, its byte and why, the frames before it printed and written, no crash" \
	test ${#CASE_FAILS[@]} = 0
for f in "${CASE_FAILS[@]}"; do echo "    $f"; done
[ ${#CASE_FAILS[@]} = 0 ] || head -20 "$TMP/case_details"
check "damaged copies: the frames before the damage, then one more with the state up to it (${#EXTRA_FAILS[@]} of $CASES not)" \
	test ${#EXTRA_FAILS[@]} = 0
for f in "${EXTRA_FAILS[@]:0:5}"; do echo "    $f"; done

# The same with -n: a cut in frame 3's records, replayed with a limit it never reaches.
r=$(awk -v t=$REC_FRAME '$3 == t { k++ } k == 2 { print $1 + 3; exit }' "$TMP/records")
AT=$(($(awk -v r="$r" '$1 == r { print $2 }' "$TMP/records") + 5))
cut_at cutn
as_nobody cutn --replay "$RP/cutn.rec" -b --replay-speed 0 -n 100 -o "$RP/cutn.json"
check "damaged, with -n 100: exit 1, frames 1 and 2, then one more with the state up to the damage" \
	eval "[ $RC = 1 ] && [ \$(frames_in '$RP/cutn.out') = 3 ] &&
	first_frames '$TMP/live.txt' 2 | cmp -s - <(first_frames '$RP/cutn.out' 2)"

# A cut exactly between two records, after frame 2 ends, is a recording that stopped there.
r=$(awk -v t=$REC_FRAME '$3 == t { k++ } k == 2 { print $1 + 2; exit }' "$TMP/records")
AT=$(awk -v r="$r" '$1 == r { print $2 }' "$TMP/records")
cut_at boundary
as_nobody boundary --replay "$RP/boundary.rec" -b --replay-speed 0 -o "$RP/boundary.json"
check "cut between records after frame 2: exit 0, frames 1 and 2 as live, nothing on stderr" \
	eval "[ $RC = 0 ] && [ ! -s '$RP/boundary.err' ] && [ \$(frames_in '$RP/boundary.out') = 2 ] &&
	first_frames '$TMP/live.txt' 2 | cmp -s - '$RP/boundary.out' &&
	sed -n 2p '$TMP/ref.jsonl' | cmp -s - '$RP/boundary.json'"

# --- not recordings, and headers that cannot be read ---

# not_replayable NAME WHAT REGEX: exit 1, one line naming the file and matching REGEX, no output.
not_replayable() {
	local name=$1 file=$RP/$1.rec
	rm -f "$RP/$name.json"
	as_nobody "$name" --replay "$file" -b --replay-speed 0 -o "$RP/$name.json"
	check "$2: exit 1 ($RC)" test $RC = 1
	check "$2: one line on stderr naming the file, saying why" eval "
		[ \$(wc -l <'$RP/$name.err') = 1 ] && grep -qF '$file' '$RP/$name.err' &&
		grep -qE '$3' '$RP/$name.err'"
	[ "$(wc -l <"$RP/$name.err")" = 1 ] || sed 's/^/    stderr: /' "$RP/$name.err"
	check "$2: no frame, no file" eval "[ ! -s '$RP/$name.out' ] && [ ! -e '$RP/$name.json' ]"
}
: >"$RP/empty.rec"
not_replayable empty "an empty file" 'not a conntop recording|empty'
cp "$TMP/live.json" "$RP/json.rec"
not_replayable json "a JSON file, not a recording" 'not a conntop recording'
head -c 100000 /dev/urandom >"$RP/random.rec"
not_replayable random "random bytes" 'not a conntop recording'
head -c 100 "$REC" >"$RP/shortheader.rec"
not_replayable shortheader "a header cut short" 'header is cut short'
head -c "$HDR" "$REC" >"$RP/headeronly.rec"
not_replayable headeronly "a header with no record" 'no frame'
AT=8 && flip_at version
not_replayable version "a flipped byte in the format version" 'version'
AT=12 && flip_at hdrsize
not_replayable hdrsize "a flipped byte in the header size" 'different build'
AT=0 && flip_at magic
not_replayable magic "a flipped byte in the magic" 'not a conntop recording'
chmod 644 "$RP"/*.rec
as_nobody missing --replay "$RP/missing.rec" -b
check "a missing file: exit 1, one line naming it" \
	eval "[ $RC = 1 ] && [ \$(wc -l <'$RP/missing.err') = 1 ] && grep -qF '$RP/missing.rec' '$RP/missing.err'"
# The header has strings that end up in every frame (host, kernel): damage there must not pass
# unnoticed either. Byte 48 is the first of the host name.
AT=48 && flip_at hostname
as_nobody hostname --replay "$RP/hostname.rec" -b --replay-speed 0 --format json
check "a flipped byte in the header's host name is caught (exit $RC, host $(head -1 "$RP/hostname.out" | jq -c .host 2>/dev/null))" \
	eval "[ $RC = 1 ] && [ \$(wc -l <'$RP/hostname.err') = 1 ]"

check "no temporary file (.conntop-*) left" eval "! ls -A '$RP' | grep -q '^\\.conntop-'"
check "no sanitizer report in any replay" eval "! cat '$RP'/*.err | grep -qE 'Sanitizer|runtime error'"
