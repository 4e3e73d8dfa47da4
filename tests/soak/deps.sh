#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The soak's own Debian packages, beside scripts/install-deps.sh's (test): valgrind. Installs what
# is missing (as root), as install-deps.sh does.
set -euo pipefail

wanted=(valgrind)
missing=()
for pkg in "${wanted[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "soak: missing packages: ${missing[*]}; install them as root" >&2
	exit 1
fi
echo "soak: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
