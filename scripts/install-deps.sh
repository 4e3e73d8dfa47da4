#!/usr/bin/env bash
# Installs the Debian packages conntop needs, only those missing, so it is cheap to run every
# time. Usage: install-deps.sh build|test|fuzz
set -euo pipefail

build_pkgs=(make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libncurses-dev
	uthash-dev pkg-config)
test_pkgs=(libcmocka-dev tmux iproute2 procps util-linux nginx redis-server redis-tools curl
	graphviz jq man-db groff-base bsdextrautils bash-completion)
# `make fuzz`: clang's libFuzzer and sanitizer runtimes.
fuzz_pkgs=(libclang-rt-14-dev)

case "${1:-build}" in
build) wanted=("${build_pkgs[@]}") ;;
test) wanted=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
fuzz) wanted=("${build_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
*) echo "usage: $0 build|test|fuzz" >&2; exit 2 ;;
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
