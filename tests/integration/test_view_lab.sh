#!/usr/bin/env bash
# The screen (tmux) on the lab's real servers (lab.sh): nginx in a Docker-named cgroup, redis in a
# Kubernetes-named one, clients from tcpfixture in the client namespace. The Nodes view labels
# both containers; the container pick list, the port filter and the grouping by container narrow
# what is shown to one of them; the Topology view draws nginx with its client under it; the
# detail of a node names its runtime, cgroup and namespace.
cd "$(dirname "$0")/../.." || exit 1
source tests/integration/lib.sh
source tests/integration/lab.sh
require_root
lab_require_packages || { fail "lab packages installed"; exit 1; }
lab_up || { fail "lab up"; exit 1; }

# tmux.sh's trap ends the session, then lab.sh's cleanup (lab down, then lib.sh's) runs.
source tests/integration/tmux.sh

WEB_CID12=${LAB_WEB_CID:0:12}
CACHE_CID12=${LAB_CACHE_CID:0:12}
NGINX_PIDS_RE="($(echo "$LAB_NGINX_PIDS" | tr ' ' '|'))"
MARK='(▲|▼)'
NODES_TITLES="^ +PID$MARK? +NAME +CONTAINER +IN +OUT +OPEN/S +RATE$MARK? +LISTEN +NETNS +COMMAND"
CONNS_TITLES="^ +PID$MARK? +COMM +DIR +LOCAL +REMOTE +STATE +AGE +RATE +SENT +RECV +RETR +CONTAINER"
TOPO_TITLES="^SERVER / CLIENT$MARK? +CONTAINER +PORT +ACTIVE +OPENED +CLOSED +RATE +SENT +RECV +RETR +NETNS"
GROUP_TITLES="^CONTAINER$MARK? +PROCS +IN +OUT +OPEN/S +RATE$MARK? +LISTEN"


# Clients held open for the whole test, in the client namespace.
lab_client web_hold "$TCPFIXTURE" connect "$LAB_WEB_IP" "$LAB_WEB_PORT" -t 60
lab_client cache_hold "$TCPFIXTURE" connect "$LAB_CACHE_IP" "$LAB_CACHE_PORT" -t 60
check "held clients connected" eval "wait_line web_hold '^connected ' 10 && wait_line cache_hold '^connected ' 10"
HOLD_WEB=$(sed -n 's/^pid=//p' "$TMP/web_hold.out")
HOLD_CACHE=$(sed -n 's/^pid=//p' "$TMP/cache_hold.out")

tmux new-session -d -s "$SESSION" -x 140 -y 30 \
	"env -i PATH=$PATH TERM=tmux-256color LANG=C.UTF-8 PS1='prompt\$ ' bash --norc --noprofile"
check "shell prompt" wait_until 10 screen_has '^prompt\$'
keys "$CONNTOP -d 0.2 2>$TMP/screen.err; echo conntop-exit=\$?" Enter
check "the Nodes view" wait_until 15 view_is "$NODES_TITLES"

# --- Nodes: each server with its container's label ---
nginx_row="^ *$NGINX_PIDS_RE +nginx +$WEB_CID12 +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.KMGTPE-]+ +"
check "Nodes: nginx, labelled with its Docker container" wait_until 10 body_has "$nginx_row"
check "Nodes: nginx listens on $LAB_WEB_PORT" body_has "${nginx_row}$LAB_WEB_PORT "
check "Nodes: redis-server, labelled with its Kubernetes container" \
	wait_until 10 body_has "^ *$LAB_REDIS_PID +redis-server +$CACHE_CID12 +1 +0 +[0-9.]+ +[0-9.KMGTPE-]+ +$LAB_CACHE_PORT "
check "Nodes: the clients, on the host" \
	wait_until 10 body_has "^ *$HOLD_WEB +tcpfixture +- +0 +1 "
body_has "$nginx_row" || dump

# --- c: pick the web container by part of its id ---
keys c
check "c: the container pick list" wait_until 5 row_has 3 '^Container: '
check "it lists both containers" eval "screen_has '^ $WEB_CID12 ' && screen_has '^ $CACHE_CID12 '"
PART=${LAB_WEB_CID:3:6}
type_text "$PART"
only_web_offered() {
	row_has 3 "^Container: $PART" && row_has 4 "^ $WEB_CID12 " && ! screen_has "^ $CACHE_CID12 " &&
		! screen_has '^ \(any container\)'
}
check "typing part of its id narrows the list to the web container" wait_until 5 only_web_offered
keys Enter
only_nginx() {
	row_has 2 "Filter: container $WEB_CID12( |,|\$)" && view_is "$NODES_TITLES" &&
		body_all "^ *$NGINX_PIDS_RE +nginx +$WEB_CID12 " && body_has "^ *$LAB_NGINX_PID +nginx "
}
check "Enter: only the web container's processes (nginx), not redis" wait_until 5 only_nginx
only_nginx || dump

# The detail of nginx's master (the first row: the lowest pid).
keys Home Enter
nginx_detail() {
	row_has 3 "^ nginx\\[$LAB_NGINX_PID\\]\$" && screen_has '^ Command +nginx: master process' &&
		screen_has "^ Container +$WEB_CID12 +\\(docker $LAB_WEB_CID\\)\$" &&
		screen_has "^ Cgroup id +$LAB_WEB_CGROUP_ID\$" &&
		screen_has "^ Namespace +$LAB_WEB_NETNS_INO +\\($LAB_NS_WEB\\)\$" &&
		screen_has "^ Listening +$LAB_WEB_PORT\$"
}
check "Enter: nginx's detail names its runtime, id, cgroup and namespace" wait_until 5 nginx_detail
nginx_detail || dump
keys Escape
check "Esc: back to the filtered list" wait_until 5 only_nginx
keys F
check "F clears the container filter" wait_until 5 eval \
	"! row_has 2 Filter: && body_has '^ *$LAB_REDIS_PID +redis-server '"

# --- Topology: each server with its client under it ---
keys 3
check "3: the Topology view" wait_until 5 view_is "$TOPO_TITLES"
branch_under() { # SERVER-REGEX LABEL PORT CLIENT-PID
	screen | grep -A1 -E "^$1 +$2 +$3 +[0-9]+ " | grep -qE "^(├─|└─) tcpfixture\\[$4\\] +- +$3 +1 "
}
check "Topology: nginx serves :$LAB_WEB_PORT with the tcpfixture client under it" \
	wait_until 10 branch_under "nginx\\[$NGINX_PIDS_RE\\]" "$WEB_CID12" "$LAB_WEB_PORT" "$HOLD_WEB"
check "Topology: redis-server serves :$LAB_CACHE_PORT with its client under it" \
	wait_until 10 branch_under "redis-server\\[$LAB_REDIS_PID\\]" "$CACHE_CID12" "$LAB_CACHE_PORT" \
	"$HOLD_CACHE"
branch_under "nginx\\[$NGINX_PIDS_RE\\]" "$WEB_CID12" "$LAB_WEB_PORT" "$HOLD_WEB" || dump

# --- p: the Connections view on one port ---
keys 2
check "2: the Connections view" wait_until 5 view_is "$CONNS_TITLES"
check "both servers' connections are listed" wait_until 10 eval \
	"body_has ' $LAB_WEB_IP:$LAB_WEB_PORT ' && body_has ' $LAB_CACHE_IP:$LAB_CACHE_PORT '"
keys p
type_text "$LAB_CACHE_PORT"
keys Enter
only_cache_port() {
	row_has 2 "Filter: port $LAB_CACHE_PORT( |,|\$)" && body_all ":$LAB_CACHE_PORT " &&
		body_has "^ *$LAB_REDIS_PID +redis-server +in +$LAB_CACHE_IP:$LAB_CACHE_PORT +$LAB_CLIENT_IP:[0-9]+ +ESTABLISHED .* $CACHE_CID12" &&
		body_has "^ *$HOLD_CACHE +tcpfixture +out +$LAB_CLIENT_IP:[0-9]+ +$LAB_CACHE_IP:$LAB_CACHE_PORT +ESTABLISHED " &&
		body_lacks ":$LAB_WEB_PORT "
}
check "p $LAB_CACHE_PORT: only port-$LAB_CACHE_PORT rows, redis's and its client's" \
	wait_until 5 only_cache_port
only_cache_port || dump
keys F
check "F: nginx's rows are back" wait_until 5 body_has " $LAB_WEB_IP:$LAB_WEB_PORT "

# --- g: the Nodes view grouped by container, then by netns ---
keys g
grouped() {
	row_has 2 '^ 1 Nodes by container ' && view_is "$GROUP_TITLES" &&
		body_has "^$WEB_CID12 +[0-9]+ +1 +0 +[0-9.]+ +[0-9.KMGTPE-]+ +$LAB_WEB_PORT\$" &&
		body_has "^$CACHE_CID12 +1 +1 +0 +[0-9.]+ +[0-9.KMGTPE-]+ +$LAB_CACHE_PORT\$" && body_has '^host +[0-9]+ '
}
check "g: grouped by container, one row per container" wait_until 5 grouped
grouped || dump
keys g
by_netns() {
	row_has 2 '^ 1 Nodes by netns ' && view_is "^NETNS$MARK? +PROCS " &&
		body_has "^$LAB_NS_WEB +[0-9]+ " && body_has "^$LAB_NS_CACHE +1 " &&
		body_has "^$LAB_NS_CLIENT +2 "
}
check "g again: grouped by netns, the lab's namespaces by name" wait_until 5 by_netns
by_netns || dump
keys g
check "g a third time: not grouped" wait_until 5 eval "row_has 2 '^ 1 Nodes   ' && view_is '$NODES_TITLES'"

# Enter on the web container's group row: its processes.
keys g
wait_until 5 grouped
web_row=$(body | grep -nE "^$WEB_CID12 " | cut -d: -f1)
check "the web container has a group row" test -n "$web_row"
keys Home
for ((i = 1; i < ${web_row:-1}; i++)); do
	keys Down
done
keys Enter
check "Enter on its group row: the Nodes view of the web container" wait_until 5 only_nginx
only_nginx || dump
check "and no longer grouped" row_has 2 '^ 1 Nodes   '

keys q
check "q exits" wait_until 10 last_text_line_is 'prompt$'
check "conntop exits with status 0" screen_has '^conntop-exit=0$'
if [ -s "$TMP/screen.err" ]; then sed 's/^/    stderr: /' "$TMP/screen.err"; fi
