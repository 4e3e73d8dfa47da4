#!/usr/bin/env bash
# Regenerates the README's tour from a real run: the test lab (tests/integration/lab.sh: nginx in
# a Docker-named cgroup, redis-server in a Kubernetes-named one, clients in a third network
# namespace) with curl downloading from nginx and redis-cli talking to redis; conntop on the
# screen in tmux, each view captured with `tmux capture-pane -p` into the README's marked
# blocks (<!-- tour:NAME --> ... <!-- /tour:NAME -->); a DOT export rendered by `dot -Tsvg` into
# docs/tour/. As root, after `make`: scripts/tour.sh. Everything it starts (lab, clients,
# conntop, tmux) is stopped when it ends, pass or fail. Whatever else runs on the host is in the
# pictures too: run it on a quiet machine.
cd "$(dirname "$0")/.." || exit 1
[ "$(id -u)" -eq 0 ] || { echo "tour: run it as root (eBPF, namespaces, cgroups)" >&2; exit 1; }
source tests/integration/lib.sh
source tests/integration/lab.sh
for tool in tmux dot curl redis-cli; do
	command -v "$tool" >/dev/null || { echo "tour: $tool is missing (make deps-test)" >&2; exit 1; }
done
[ -x "$CONNTOP" ] || { echo "tour: no $CONNTOP: run make first" >&2; exit 1; }

WIDTH=${TOUR_WIDTH:-120} HEIGHT=${TOUR_HEIGHT:-16}
SESSION="conntop-tour-$$"
PANE="$SESSION:0.0"
eval "$(declare -f cleanup | sed '1s/^cleanup/_tour_lab_cleanup/')"
cleanup() {
	tmux kill-session -t "$SESSION" 2>/dev/null
	_tour_lab_cleanup
}

die() {
	echo "tour: $*" >&2
	exit 1
}

lab_require_packages || die "the lab's packages are missing (make deps-test)"
lab_up || die "the lab did not come up"

# --- traffic: two downloads from nginx at a steady rate, and a redis client ---

WEB=http://$LAB_WEB_IP:$LAB_WEB_PORT$LAB_WEB_BIG
for n in 1 2; do
	lab_client "curl$n" timeout 120 sh -c \
		"while :; do curl -s --limit-rate $((n * n * 80))k -o /dev/null $WEB || sleep 1; done"
done
lab_client rediscli timeout 120 redis-cli -h "$LAB_CACHE_IP" -p "$LAB_CACHE_PORT" -r -1 -i 0.2 \
	INCR visits

# --- the screen, in tmux ---

screen() { tmux capture-pane -p -t "$PANE"; }
screen_has() { screen | grep -qE -- "$1"; }
keys() { tmux send-keys -t "$PANE" "$@"; }

tmux new-session -d -s "$SESSION" -x "$WIDTH" -y "$HEIGHT" \
	"env -i PATH=$PATH TERM=tmux-256color LANG=C.UTF-8 PS1='prompt\$ ' bash --norc --noprofile"
wait_until 10 screen_has '^prompt\$' || die "no shell in tmux"
keys "$CONNTOP -d 1 2>$TMP/tour.err; echo conntop-exit=\$?" Enter
wait_until 15 screen_has '^ +PID.* NAME ' || die "conntop did not start: $(cat "$TMP/tour.err")"
# Two refreshes with the traffic flowing, so that rates are there.
wait_until 15 screen_has '^ *[0-9]+ +curl ' || die "curl is not on the screen"
sleep 2.5

# capture NAME KEY TITLE-REGEX: switch views with KEY, wait for a frame, capture the pane.
capture() {
	keys "$2"
	wait_until 5 screen_has "$3" || die "no $1 view"
	sleep 1.2 # a refresh in this view
	screen | sed 's/[[:space:]]*$//' >"$TMP/tour-$1.txt"
}
capture nodes 1 '^ +PID.* NAME +CONTAINER '
capture connections 2 '^ +PID.* COMM +DIR '
capture topology 3 '^SERVER / CLIENT'
keys q
wait_until 10 screen_has '^conntop-exit=0$' || die "conntop did not exit with 0: $(cat "$TMP/tour.err")"
tmux kill-session -t "$SESSION"

# --- the picture: a DOT export of two frames, rendered by Graphviz ---

mkdir -p docs/tour
timeout 30 "$CONNTOP" -b -n 2 -d 1 -o "$TMP/lab.dot" >/dev/null || die "the DOT export failed"
cp "$TMP/lab.dot" docs/tour/lab.dot
dot -Tsvg docs/tour/lab.dot -o docs/tour/topology.svg || die "dot could not render lab.dot"

# --- into the README: each marked block is replaced by its capture ---

for name in nodes connections topology; do
	grep -q "^<!-- tour:$name " README.md || die "README.md has no <!-- tour:$name --> block"
	awk -v name="$name" -v file="$TMP/tour-$name.txt" '
		$0 ~ "^<!-- tour:" name " " { print; print "```text"
			while ((getline line < file) > 0) print line
			print "```"; skip = 1; next }
		$0 ~ "^<!-- /tour:" name " " { skip = 0 }
		!skip' README.md >"$TMP/README.md" && cat "$TMP/README.md" >README.md
done
echo "tour: README.md's tour blocks, docs/tour/lab.dot and docs/tour/topology.svg are new"
