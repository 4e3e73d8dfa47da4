#!/usr/bin/env bash
# The topology on real servers in real network namespaces and containers' cgroups (lab.sh): nginx
# in a Docker-named cgroup, redis-server in a Kubernetes-named one, clients in a third namespace.
# conntop must show client -> nginx :80 and client -> redis :6379 edges with the right pids and
# container ids, including connections opened before it started, agree with `ss -tanp` in every
# namespace, and keep no stale edge after the connections close.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
source tests/integration/lab.sh
require_root
lab_require_packages || { fail "lab packages installed"; exit 1; }
lab_up || { fail "lab up"; exit 1; }

WEB_CID12=${LAB_WEB_CID:0:12}
CACHE_CID12=${LAB_CACHE_CID:0:12}

# Long-lived clients, opened before conntop starts: they must come from the sock_diag seed.
lab_client web_hold "$TCPFIXTURE" connect "$LAB_WEB_IP" "$LAB_WEB_PORT" -t 120
lab_client cache_hold "$TCPFIXTURE" connect "$LAB_CACHE_IP" "$LAB_CACHE_PORT" -t 120
check "held clients connected" wait_line web_hold '^connected ' 10
wait_line cache_hold '^connected ' 10
HOLD_WEB=$(sed -n 's/^pid=//p' "$TMP/web_hold.out")
HOLD_CACHE=$(sed -n 's/^pid=//p' "$TMP/cache_hold.out")

start_conntop --heal-interval 1
frame_has() { last_frame | grep -qE "$1"; }
edge_row() { # CLIENT-REGEX SERVER-REGEX PORT: a row of the EDGES table
	printf '^%s +%s +%s +[0-9]+ ' "$1" "$2" "$3"
}

NGINX_PIDS_RE="($(echo "$LAB_NGINX_PIDS" | tr ' ' '|'))"
nginx_re="nginx\\[$NGINX_PIDS_RE\\]@$WEB_CID12"
redis_re="redis-server\\[$LAB_REDIS_PID\\]@$CACHE_CID12"
check "seeded: held client -> nginx :80 in the Docker container" \
	wait_until 10 frame_has "$(edge_row "tcpfixture\\[$HOLD_WEB\\]" "$nginx_re" 80)"
check "seeded: held client -> redis :6379 in the pod's container" \
	wait_until 10 frame_has "$(edge_row "tcpfixture\\[$HOLD_CACHE\\]" "$redis_re" 6379)"
check "nginx's node names its Docker container id" \
	frame_has "^ *$NGINX_PIDS_RE +nginx +root +docker:$WEB_CID12 "
check "redis's node names its containerd container id" \
	frame_has "^ *$LAB_REDIS_PID +redis-server +root +containerd:$CACHE_CID12 "
check "nginx listens on 80, redis on 6379" bash -c "
	$(declare -f last_frame); TMP='$TMP'
	last_frame | grep -qE '^ *$NGINX_PIDS_RE +nginx .* 80 +[0-9]+ +[0-9]+ +[0-9]+ ' &&
	last_frame | grep -qE '^ *$LAB_REDIS_PID +redis-server .* 6379 +[0-9]+ +[0-9]+ +[0-9]+ '"
check "container roll-up: host -> the pod's container" \
	frame_has "^host +$CACHE_CID12 +6379 "
check "netns roll-up: client namespace -> web namespace" \
	frame_has "^$LAB_NS_CLIENT +$LAB_NS_WEB +80 "

# Live traffic after start: short curl processes and a redis benchmark.
for i in 1 2 3; do
	lab_exec client curl -s -o /dev/null "http://$LAB_WEB_IP/" || fail "curl $i"
done
lab_exec client redis-benchmark -h "$LAB_CACHE_IP" -n 200 -c 2 -q -t ping >/dev/null ||
	fail "redis-benchmark"
output_has() { grep -qE "$1" "$TMP/conntop.out"; }
check "curl -> nginx :80 edges" wait_until 10 output_has "$(edge_row 'curl\[[0-9]+\]' "$nginx_re" 80)"
check "redis-benchmark -> redis :6379 edge" \
	wait_until 10 output_has "$(edge_row 'redis-benchmark\[[0-9]+\]' "$redis_re" 6379)"

# Established connections, per namespace: conntop's (local remote pid) against ss -tanp's.
conntop_established() { # NETNS-INODE: "local remote pid" lines
	last_frame | awk -v ns="$1" '/^NODES$/ { exit }
		$6 == "ESTABLISHED" && $(NF - 3) == ns { print $4, $5, $1 }' | sort # NETNS SENT RECV RETR
}
ss_established() { # NAMESPACE: the same from ss, the pid of the first process holding it
	lab_exec "$1" ss -tanpH state established |
		sed -E 's/^ *[0-9]+ +[0-9]+ +([^ ]+) +([^ ]+) .*pid=([0-9]+).*/\1 \2 \3/' | sort
}
wait_frames 3
for ns in web cache client; do
	nsvar="LAB_$(echo $ns | tr a-z A-Z)_NETNS_INO"
	diff <(conntop_established "${!nsvar}") <(ss_established "$ns") >"$TMP/diff.$ns"
	check "$ns namespace: conntop's established connections equal ss -tanp's" \
		test ! -s "$TMP/diff.$ns"
	[ -s "$TMP/diff.$ns" ] && sed 's/^/    /' "$TMP/diff.$ns"
	check "$ns namespace has connections to compare" test -n "$(ss_established "$ns")"
done
check "no corrections on a healthy run" test "$(header_value corrections)" = 0
check "every socket's cgroup is its process's" test "$(header_value 'cgroup mismatch')" = 0
check "nginx's command line is shown" frame_has "^ *$NGINX_PIDS_RE +nginx .* nginx: (master|worker) process"
check "nothing lost" test "$(header_value lost)" = 0

# Started filtered to the web container: only its sockets and the edges into it.
"$CONNTOP" -b -n 1 --container "$WEB_CID12" >"$TMP/filtered.out" 2>&1
check "--container: nginx's edge is there" \
	grep -qE "$(edge_row "tcpfixture\\[$HOLD_WEB\\]" "$nginx_re" 80)" "$TMP/filtered.out"
check "--container: redis's edge is not" eval "! grep -q redis-server '$TMP/filtered.out'"
check "--container: only nginx's rows" eval "! awk '/^NODES\$/{exit} NR>3 && NF && \$2 != \"nginx\"' '$TMP/filtered.out' | grep -q ."

# Close the held clients: their edges go, and no stale edge stays.
finish web_hold
finish cache_hold
gone() { ! frame_has "^tcpfixture\\[($HOLD_WEB|$HOLD_CACHE)\\] "; }
check "held edges gone after they close" wait_until 10 gone
gone || { last_frame | sed 's/^/    /'; cat "$TMP/web_hold.out" "$TMP/web_hold.err"; }
wait_frames 3
check "no edge left at all once traffic stopped" \
	bash -c "$(declare -f last_frame); TMP='$TMP'; last_frame | sed -n '/^EDGES\$/,/^\$/p' | wc -l | grep -qx 3"
