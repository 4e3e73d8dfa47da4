#!/usr/bin/env bash
# Installs the Debian packages conntop needs, only those missing, so it is cheap to run every
# time. Usage: install-deps.sh build|test|fuzz|bench|soak
set -euo pipefail

build_pkgs=(make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libncurses-dev
	uthash-dev pkg-config)
test_pkgs=(libcmocka-dev tmux iproute2 procps util-linux nginx redis-server redis-tools curl
	graphviz jq man-db groff-base bsdextrautils bash-completion)
# `make fuzz`: clang's libFuzzer and sanitizer runtimes.
fuzz_pkgs=(libclang-rt-14-dev)
# `make bench`: the peers conntop is measured against, and the tools of the harness.
bench_pkgs=(bpftrace iperf3 jq iproute2 util-linux procps)
# `make soak`: valgrind, beside the test packages (the lab's servers).
soak_pkgs=(valgrind)

case "${1:-build}" in
build) wanted=("${build_pkgs[@]}") ;;
test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
fuzz) wanted=("${build_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
bench) wanted=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
soak) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}" "${soak_pkgs[@]}") ;;
*) echo "usage: $0 build|test|fuzz|bench|soak" >&2; exit 2 ;;
esac

missing=()
for pkg in "${wanted[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "conntop: missing packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "conntop: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Update the package lists once, the first time this machine needs a package.
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
