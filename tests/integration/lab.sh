# shellcheck shell=bash
# A small lab of the project's own test hosts, for integration tests that need real servers in
# real containers: sourced after lib.sh, it builds network namespaces joined by a bridge, runs
# nginx and redis-server in them inside Docker- and Kubernetes-named cgroups, and tears it all
# down on exit, pass or fail.
#
#   switch  lab$$-sw      bridge br0; one veth per host (named after the host)
#   web     lab$$-web     10.77.0.2/24  nginx on :80, cgroup system.slice/docker-<id>.scope
#   cache   lab$$-cache   10.77.0.3/24  redis-server on :6379, cgroup kubepods.slice/.../
#                                       cri-containerd-<id>.scope
#   client  lab$$-client  10.77.0.4/24  the test's clients (lab_client)
#
# Nothing touches the root namespace's networking: every link is made from inside the switch
# namespace, with its peer created straight in the host namespace, so none ever exists outside.
# Call lab_up and lab_client in the test's own shell (not in $(...) or a pipeline): they set
# variables and start processes that lab_down must find.

# The suffix keeps parallel runs apart; a pid is unique among live processes, so anything left
# under these names is a dead run's and lab_up may clear it.
export LAB_NS_SWITCH="lab$$-sw" LAB_NS_WEB="lab$$-web" LAB_NS_CACHE="lab$$-cache"
export LAB_NS_CLIENT="lab$$-client"
export LAB_WEB_IP=10.77.0.2 LAB_CACHE_IP=10.77.0.3 LAB_CLIENT_IP=10.77.0.4
export LAB_WEB_PORT=80 LAB_CACHE_PORT=6379
export LAB_WEB_PAGE="conntop lab web" LAB_WEB_BIG=/1m.bin LAB_WEB_BIG_SIZE=1048576
export LAB_NGINX_WORKERS=2
export LAB_UP_TIMEOUT=${LAB_UP_TIMEOUT:-10} LAB_EXEC_TIMEOUT=${LAB_EXEC_TIMEOUT:-30}
LAB_CGROUP_ROOT="" LAB_WEB_CGROUP="" LAB_CACHE_CGROUP=""
LAB_NGINX_PIDS="" LAB_NGINX_PID="" LAB_REDIS_PID=""
_LAB_NAMES=()                 # lib.sh `start` names of everything the lab started
_LAB_DIR=""                   # the lab's files, under $TMP
# Cgroup parents (kubepods.slice, ...) are shared by parallel runs: whichever run created one
# lists it here, so that the last run out removes it and a host's own (system.slice) is never
# removed. Edited only under a lock on the cgroup root.
_LAB_CG_REGISTRY=/run/conntop-lab-cgroups

# lib.sh's trap calls `cleanup` by name: wrapping it makes the lab come down first, pass or fail,
# while $TMP (its logs) still exists. Sourcing lab.sh twice must not wrap the wrapper. errexit is
# turned off in there: the shell is leaving anyway, and every step must get its turn.
declare -F _lab_lib_cleanup >/dev/null ||
	eval "$(declare -f cleanup | sed '1s/^cleanup/_lab_lib_cleanup/')"
cleanup() {
	set +e
	lab_down
	_lab_lib_cleanup
}

# --- packages ---

# lab_require_packages: 0 when the lab's Debian packages are installed; otherwise names the
# missing ones on stderr. (bookworm's nginx-light only adds modules to nginx; older releases
# ship the binary in nginx-light or nginx-core, so any of them will do.)
lab_require_packages() {
	local want missing=() alt found
	for want in nginx/nginx-light/nginx-core/nginx-full redis-server redis-tools curl iproute2; do
		found=0
		for alt in ${want//\// }; do
			_lab_installed "$alt" && found=1
		done
		[ $found -eq 1 ] || missing+=("${want//\// or }")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "lab: missing Debian packages: ${missing[*]}" >&2
	return 1
}

_lab_installed() {
	dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q ' installed$'
}

# --- running things in the lab ---

# _lab_ns NAME: the netns of a lab host (switch, web, cache, client), or NAME itself (a full
# netns name, such as $LAB_NS_WEB).
_lab_ns() {
	case $1 in
	switch | web | cache | client)
		local var="LAB_NS_${1^^}"
		echo "${!var}"
		;;
	*) echo "$1" ;;
	esac
}

# The environment's proxy settings point outside the lab, where no lab host can go.
_LAB_NOPROXY=(env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy
	-u ALL_PROXY -u no_proxy -u NO_PROXY)

# lab_exec NS command...: runs it to completion in a lab namespace, bounded by
# $LAB_EXEC_TIMEOUT seconds (exit 124 when that expires).
lab_exec() {
	local ns
	ns=$(_lab_ns "$1")
	shift
	ip netns exec "$ns" "${_LAB_NOPROXY[@]}" timeout "$LAB_EXEC_TIMEOUT" "$@"
}

# lab_start NS NAME command...: lib.sh's `start` (PID_NAME, $TMP/NAME.out, `finish NAME`) inside
# a lab namespace; lab_down stops it. ip and env exec, so PID_NAME is the command's own pid.
lab_start() {
	local ns
	ns=$(_lab_ns "$1")
	_LAB_NAMES+=("$2")
	start "$2" ip netns exec "$ns" "${_LAB_NOPROXY[@]}" "${@:3}"
}

# lab_client NAME command...: lab_start in the client namespace, e.g.
# `lab_client hold_web "$TCPFIXTURE" connect "$LAB_WEB_IP" 80`.
lab_client() {
	lab_start client "$@"
}

# _lab_start_in_cgroup CGROUP NS NAME command...: the shell joins the cgroup before it execs the
# server, so the server and every process it forks (nginx's workers) are born in it.
_lab_start_in_cgroup() {
	local cg=$1 ns
	ns=$(_lab_ns "$2")
	_LAB_NAMES+=("$3")
	# shellcheck disable=SC2016 # $$ and "$@" are the inner shell's
	start "$3" sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec ip netns exec "$@"' \
		lab-cgroup "$cg" "$ns" "${@:4}"
}

# --- network ---

_lab_netns_up() {
	local host ip
	ip netns add "$LAB_NS_SWITCH" || return 1
	ip -n "$LAB_NS_SWITCH" link add br0 type bridge || return 1
	ip -n "$LAB_NS_SWITCH" link set br0 up || return 1
	ip -n "$LAB_NS_SWITCH" link set lo up || return 1
	for host in web cache client; do
		ip=LAB_${host^^}_IP
		_lab_host_up "$host" "${!ip}" || return 1
	done
}

# _lab_host_up HOST IP: the host's namespace, its lo, and a veth whose switch end is named after
# the host and whose host end is eth0.
_lab_host_up() {
	local ns
	ns=$(_lab_ns "$1")
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up || return 1
	ip -n "$LAB_NS_SWITCH" link add "$1" type veth peer name eth0 netns "$ns" || return 1
	ip -n "$LAB_NS_SWITCH" link set "$1" master br0 up || return 1
	ip -n "$ns" addr add "$2/24" dev eth0 || return 1
	ip -n "$ns" link set eth0 up
}

_lab_netns_inodes() {
	local host var
	for host in switch web cache client; do
		var=LAB_${host^^}_NETNS_INO
		printf -v "$var" '%s' "$(stat -L -c %i "/run/netns/$(_lab_ns "$host")")" || return 1
		export "${var?}"
	done
}

# --- cgroups ---

# The cgroup v2 hierarchy: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified on hybrid
# ones. Prints its mount point and, second, the path its root has (what /proc/PID/cgroup's 0::
# line is relative to; "/" but in a container that mounts a sub-hierarchy).
_lab_find_cgroup2() {
	awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $5, $4; exit } }' \
		/proc/self/mountinfo
}

_lab_random_hex() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# _lab_locked command...: runs it holding a lock on the cgroup root, which parallel runs share.
_lab_locked() {
	local fd rc
	exec {fd}<"$LAB_CGROUP_ROOT" || return 1
	flock -w 10 "$fd" || { exec {fd}<&-; echo "lab: cgroup lock busy for 10 s" >&2; return 1; }
	"$@" && rc=0 || rc=$?
	exec {fd}<&-
	return $rc
}

# _lab_mkcgroup DIR: mkdir -p, listing each directory it creates in the registry. The parent
# slices need not exist beforehand, and need no controllers: processes go only in the leaves, so
# the no-internal-processes rule never applies.
_lab_mkcgroup() {
	local dir=$LAB_CGROUP_ROOT part rest=${1#"$LAB_CGROUP_ROOT"/}
	while [ -n "$rest" ]; do
		part=${rest%%/*}
		rest=${rest#"$part"}
		rest=${rest#/}
		dir+=/$part
		[ -d "$dir" ] && continue
		mkdir "$dir" || return 1
		echo "$dir" >>"$_LAB_CG_REGISTRY"
	done
}

# _lab_rmcgroup DIR: removes DIR and, upwards, each parent the registry lists, stopping at the
# first still in use (another run's) or not the lab's (system.slice on a systemd host).
_lab_rmcgroup() {
	local dir=$1
	while [ "${#dir}" -gt "${#LAB_CGROUP_ROOT}" ]; do
		grep -qxF "$dir" "$_LAB_CG_REGISTRY" 2>/dev/null || break
		if [ -d "$dir" ] && ! rmdir "$dir" 2>/dev/null; then
			break
		fi
		grep -vxF "$dir" "$_LAB_CG_REGISTRY" >"$_LAB_CG_REGISTRY.new" || true # none left
		mv "$_LAB_CG_REGISTRY.new" "$_LAB_CG_REGISTRY"
		dir=${dir%/*}
	done
	[ -s "$_LAB_CG_REGISTRY" ] || rm -f "$_LAB_CG_REGISTRY"
}

# Names like the ones Docker (systemd driver) and kubelet + containerd give a container's cgroup,
# with fresh ids so parallel runs cannot share a leaf.
_lab_cgroups_up() {
	local found uid
	found=$(_lab_find_cgroup2)
	[ -n "$found" ] || { echo "lab: no cgroup v2 hierarchy is mounted" >&2; return 1; }
	LAB_CGROUP_ROOT=${found% *}
	_LAB_CG_PREFIX=${found#* }
	_LAB_CG_PREFIX=${_LAB_CG_PREFIX%/}
	LAB_WEB_CID=$(_lab_random_hex 32)
	LAB_CACHE_CID=$(_lab_random_hex 32)
	LAB_CACHE_POD_UID=$(cat /proc/sys/kernel/random/uuid)
	uid=${LAB_CACHE_POD_UID//-/_}
	LAB_WEB_CGROUP_PATH=/system.slice/docker-$LAB_WEB_CID.scope
	LAB_CACHE_CGROUP_PATH=/kubepods.slice/kubepods-besteffort.slice
	LAB_CACHE_CGROUP_PATH+=/kubepods-besteffort-pod$uid.slice/cri-containerd-$LAB_CACHE_CID.scope
	LAB_WEB_CGROUP=$LAB_CGROUP_ROOT$LAB_WEB_CGROUP_PATH
	LAB_CACHE_CGROUP=$LAB_CGROUP_ROOT$LAB_CACHE_CGROUP_PATH
	# What /proc/PID/cgroup shows, when the root of the mount is not the hierarchy's root.
	LAB_WEB_CGROUP_PATH=$_LAB_CG_PREFIX$LAB_WEB_CGROUP_PATH
	LAB_CACHE_CGROUP_PATH=$_LAB_CG_PREFIX$LAB_CACHE_CGROUP_PATH
	export LAB_CGROUP_ROOT LAB_WEB_CID LAB_CACHE_CID LAB_CACHE_POD_UID LAB_WEB_CGROUP
	export LAB_CACHE_CGROUP LAB_WEB_CGROUP_PATH LAB_CACHE_CGROUP_PATH
	_lab_locked _lab_mkcgroup "$LAB_WEB_CGROUP" || return 1
	_lab_locked _lab_mkcgroup "$LAB_CACHE_CGROUP" || return 1
	# The inode is the kernfs id, which bpf_get_current_cgroup_id() returns on cgroup v2.
	LAB_WEB_CGROUP_ID=$(stat -c %i "$LAB_WEB_CGROUP") || return 1
	LAB_CACHE_CGROUP_ID=$(stat -c %i "$LAB_CACHE_CGROUP") || return 1
	export LAB_WEB_CGROUP_ID LAB_CACHE_CGROUP_ID
}

_lab_cgroup_procs() {
	[ -d "$1" ] && cat "$1/cgroup.procs"
}

_lab_cgroup_empty() {
	[ -z "$(_lab_cgroup_procs "$1")" ]
}

# _lab_cgroup_kill DIR: whatever is still in the cgroup (an orphaned nginx worker) is killed;
# cgroup.kill (5.14+) also catches processes forking meanwhile.
_lab_cgroup_kill() {
	[ -d "$1" ] || return 0
	_lab_cgroup_empty "$1" && return 0
	if [ -e "$1/cgroup.kill" ]; then
		echo 1 >"$1/cgroup.kill"
	else
		_lab_cgroup_procs "$1" | xargs -r kill -KILL 2>/dev/null || true
	fi
	wait_until 5 _lab_cgroup_empty "$1" || echo "lab: processes left in $1" >&2
}

# --- servers ---

_lab_nginx_conf() {
	local d=$_LAB_DIR/nginx
	mkdir -p "$d/www" "$d/tmp" || return 1
	echo "$LAB_WEB_PAGE" >"$d/www/index.html"
	head -c "$LAB_WEB_BIG_SIZE" /dev/zero >"$d/www$LAB_WEB_BIG"
	# Workers run as root: $TMP is mode 0700, which nginx's default user (nobody) cannot enter.
	cat >"$d/nginx.conf" <<-EOF
		daemon off;
		master_process on;
		user root;
		worker_processes $LAB_NGINX_WORKERS;
		pid $d/nginx.pid;
		error_log $d/error.log;
		events { worker_connections 256; }
		http {
			access_log $d/access.log;
			client_body_temp_path $d/tmp/body;
			proxy_temp_path $d/tmp/proxy;
			fastcgi_temp_path $d/tmp/fastcgi;
			uwsgi_temp_path $d/tmp/uwsgi;
			scgi_temp_path $d/tmp/scgi;
			types { text/html html; application/octet-stream bin; }
			default_type application/octet-stream;
			sendfile on;
			server {
				listen $LAB_WEB_IP:$LAB_WEB_PORT;
				root $d/www;
				index index.html;
			}
		}
	EOF
}

# -p and -e keep nginx from touching /usr/share/nginx and /var/log/nginx before it reads the
# configuration.
_lab_nginx_up() {
	_lab_nginx_conf || return 1
	_lab_start_in_cgroup "$LAB_WEB_CGROUP" web lab_nginx \
		nginx -p "$_LAB_DIR/nginx" -e "$_LAB_DIR/nginx/error.log" -c "$_LAB_DIR/nginx/nginx.conf"
	LAB_NGINX_PID=$(_lab_pid lab_nginx)
}

# Redis 7's protected mode refuses every non-loopback client when there is no password, even with
# an explicit --bind: off, as the only address it listens on is inside the lab.
_lab_redis_up() {
	mkdir -p "$_LAB_DIR/redis" || return 1
	_lab_start_in_cgroup "$LAB_CACHE_CGROUP" cache lab_redis \
		redis-server --bind "$LAB_CACHE_IP" --port "$LAB_CACHE_PORT" --save '' \
		--appendonly no --daemonize no --protected-mode no --dir "$_LAB_DIR/redis" --logfile ''
	LAB_REDIS_PID=$(_lab_pid lab_redis)
}

_lab_web_answers() {
	[ "$(lab_exec client curl -s --max-time 1 "http://$LAB_WEB_IP:$LAB_WEB_PORT/")" = \
		"$LAB_WEB_PAGE" ]
}

_lab_nginx_ready() {
	local n
	n=$(_lab_cgroup_procs "$LAB_WEB_CGROUP" | wc -l)
	[ "$n" -eq $((LAB_NGINX_WORKERS + 1)) ] && _lab_web_answers
}

_lab_redis_ready() {
	[ "$(lab_exec client redis-cli -h "$LAB_CACHE_IP" -p "$LAB_CACHE_PORT" ping 2>/dev/null)" = PONG ]
}

# _lab_wait_server WHAT NAME READY [LOG]: until READY succeeds, for $LAB_UP_TIMEOUT s at most and
# no longer than the server lives (a bad configuration fails at once); on failure, says why with
# the server's last words, from its output and LOG.
_lab_wait_server() {
	local pid
	pid=$(_lab_pid "$2")
	wait_until "$LAB_UP_TIMEOUT" _lab_ready_or_dead "$pid" "$3"
	"$3" && return 0
	if kill -0 "$pid" 2>/dev/null; then
		echo "lab: $1 did not answer within $LAB_UP_TIMEOUT s" >&2
	else
		echo "lab: $1 has exited" >&2
	fi
	tail -n 5 "$TMP/$2.err" "$TMP/$2.out" ${4:+"$4"} >&2 2>/dev/null
	return 1
}

_lab_ready_or_dead() {
	! kill -0 "$1" 2>/dev/null || "$2"
}

_lab_pid() {
	local var="PID_$1"
	echo "${!var:-}"
}

# --- up and down ---

# lab_up: builds the lab and returns once nginx and redis answer from the client namespace
# (each within $LAB_UP_TIMEOUT s); on failure it says why, tears down what it built, returns 1.
lab_up() {
	lab_down
	_LAB_DIR=$TMP/lab
	mkdir -p "$_LAB_DIR" &&
		_lab_cgroups_up &&
		_lab_netns_up &&
		_lab_netns_inodes &&
		_lab_nginx_up &&
		_lab_redis_up &&
		_lab_wait_server nginx lab_nginx _lab_nginx_ready "$_LAB_DIR/nginx/error.log" &&
		_lab_wait_server redis-server lab_redis _lab_redis_ready && {
		LAB_NGINX_PIDS=$(_lab_cgroup_procs "$LAB_WEB_CGROUP" | sort -n | paste -sd' ')
		export LAB_NGINX_PID LAB_NGINX_PIDS LAB_REDIS_PID
		return 0
	}
	echo "lab: lab_up failed" >&2
	lab_down
	return 1
}

# lab_down: stops everything the lab started, removes its cgroups and namespaces. Idempotent,
# and safe after a lab_up that failed half-way: each step checks what is there.
lab_down() {
	_lab_stop_started
	_lab_cgroup_kill "$LAB_WEB_CGROUP"
	_lab_cgroup_kill "$LAB_CACHE_CGROUP"
	_lab_netns_kill
	[ -z "$LAB_CGROUP_ROOT" ] || {
		_lab_locked _lab_rmcgroup "$LAB_WEB_CGROUP"
		_lab_locked _lab_rmcgroup "$LAB_CACHE_CGROUP"
	}
	_lab_netns_delete
	[ -z "$_LAB_DIR" ] || rm -rf "$_LAB_DIR"
	LAB_NGINX_PIDS="" LAB_NGINX_PID="" LAB_REDIS_PID=""
	return 0
}

# SIGTERM first (nginx and redis shut down cleanly, nginx takes its workers along), SIGKILL to
# what is left 5 s later; then lib.sh forgets these pids, so its own cleanup can never signal a
# reused pid, and the names can be started again by the next lab_up.
_lab_stop_started() {
	local name pids=() pid
	for name in "${_LAB_NAMES[@]}"; do
		pid=$(_lab_pid "$name")
		[ -n "$pid" ] && pids+=("$pid")
	done
	[ ${#pids[@]} -eq 0 ] || {
		kill -TERM "${pids[@]}" 2>/dev/null || true # some may have ended already
		wait_until 5 _lab_none_alive "${pids[@]}" || kill -KILL "${pids[@]}" 2>/dev/null || true
		wait "${pids[@]}" 2>/dev/null || true # their status is the test's business, not ours
		_lab_forget_pids "${pids[@]}"
	}
	for name in "${_LAB_NAMES[@]}"; do
		_lab_forget_name "$name"
	done
	_LAB_NAMES=()
}

# A background child is reaped by bash as soon as it ends, so kill -0 fails from then on.
_lab_none_alive() {
	local pid
	for pid; do
		kill -0 "$pid" 2>/dev/null && return 1
	done
	return 0
}

_lab_forget_pids() {
	local keep=() pid
	for pid in "${PIDS[@]}"; do
		[[ " $* " == *" $pid "* ]] || keep+=("$pid")
	done
	PIDS=("${keep[@]}")
}

# Closes the fifo lib.sh's `start` holds open and removes its files.
_lab_forget_name() {
	local fdvar="FD_$1"
	[ -z "${!fdvar:-}" ] || eval "exec ${!fdvar}>&-"
	unset "PID_$1" "FD_$1"
	rm -f "$TMP/$1.in" "$TMP/$1.out" "$TMP/$1.err"
}

# Anything else in the lab's namespaces (a lab_exec cut short, a stray child) is killed.
_lab_netns_kill() {
	local host ns
	for host in web cache client switch; do
		ns=$(_lab_ns "$host")
		[ -e "/run/netns/$ns" ] || continue
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
		wait_until 5 _lab_netns_empty "$ns" || echo "lab: processes left in netns $ns" >&2
	done
}

_lab_netns_empty() {
	[ -z "$(ip netns pids "$1" 2>/dev/null)" ]
}

# Deleting the switch namespace destroys the bridge and, with them, every veth pair.
_lab_netns_delete() {
	local host ns
	for host in web cache client switch; do
		ns=$(_lab_ns "$host")
		[ -e "/run/netns/$ns" ] || continue
		ip netns delete "$ns" || echo "lab: cannot delete netns $ns" >&2
	done
}
