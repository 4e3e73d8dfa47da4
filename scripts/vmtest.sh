#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# conntop's integration test in a second kernel: Debian's cloud kernel (6.1 on bookworm) booted
# under qemu with software emulation (TCG: this host's /dev/kvm is nested and hangs stock kernels)
# from a busybox initramfs, no network device. `make vmtest` builds the static binaries and calls
#
#   scripts/vmtest.sh [STATIC_BUILD]      (default build-static: conntop, tests/tcpfixture)
#
# Steps, each skipped when its result is already in the cache folder ($VMTEST_CACHE, build/vm):
#   1. the kernel package the linux-image-cloud-amd64 metapackage depends on now (versioned
#      names move with security updates; resolved from apt's local lists, so a warm run does
#      not touch the network) and busybox-static, with `apt-get download`
#   2. vmlinuz and the sock_diag modules (inet_diag, tcp_diag) taken out of the kernel package,
#      busybox out of its own; the packages are then deleted, older versions too
#   3. an initramfs (busybox's cpio, newc): busybox, the static binaries, tests/vm/init as /init
#      and tests/vm/checks.sh (built every run: under a second)
#   4. qemu-system-x86_64 -accel tcg with a hard timeout; the console goes to the terminal and
#      to build/vm/console.log. Passes only on a "VMTEST PASS" line there.
#
# Environment: VMTEST_TIMEOUT (seconds, default 300), VMTEST_SMP (default 2), VMTEST_CHECKS
# (comma-separated check names from tests/vm/checks.sh, default all), VMTEST_KERNEL_PKG (the
# metapackage, default linux-image-cloud-amd64), VMTEST_SHELL=1 (a shell on the console at the
# end instead of powering off; needs a terminal), VMTEST_APPEND (more kernel arguments).
# Needs root only to install qemu (qemu-system-x86) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

STATIC=${1:-build-static}
CACHE=${VMTEST_CACHE:-build/vm}
TIMEOUT=${VMTEST_TIMEOUT:-300}
SMP=${VMTEST_SMP:-2}
META=${VMTEST_KERNEL_PKG:-linux-image-cloud-amd64}
ARCH=$(dpkg --print-architecture)
QEMU="qemu-system-x86_64"

say() { echo "vmtest: $*" >&2; }
die() {
	say "FAIL: $*"
	exit 1
}

[ "$ARCH" = amd64 ] || die "only amd64 hosts are supported (this is $ARCH)"
for bin in "$STATIC/conntop" "$STATIC/tests/tcpfixture"; do
	[ -x "$bin" ] || die "$bin is missing: run \`make vmtest\` (it builds it)"
	# A dynamic binary has an interpreter; the guest has no libc.
	if readelf -l "$bin" | grep -q 'program interpreter'; then
		die "$bin is not statically linked"
	fi
done

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
t0=$SECONDS

# --- qemu --------------------------------------------------------------------------------------
apt_updated=0
apt_update() {
	[ "$apt_updated" = 1 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "the package lists need an update: run as root (apt-get update)"
	say "apt-get update"
	apt-get update -q >/dev/null
	apt_updated=1
}

if ! command -v "$QEMU" >/dev/null; then
	[ "$(id -u)" -eq 0 ] || die "$QEMU is missing: apt-get install qemu-system-x86 as root"
	say "installing qemu-system-x86"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y -q --no-install-recommends qemu-system-x86 >/dev/null 2>&1; then
		apt_update
		apt-get install -y -q --no-install-recommends qemu-system-x86 >/dev/null
	fi
fi

# --- packages ----------------------------------------------------------------------------------
# candidate PKG: "VERSION DEPENDS" of the version apt would install now, from the local lists.
candidate() {
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		awk '/^Version: / { v = $2 } /^Depends: / { sub(/^Depends: /, ""); d = $0 }
		     END { if (v != "") print v, d }'
}

# deb_file PKG VERSION: where apt-get download puts it (an epoch's colon becomes %3a).
deb_file() { echo "$CACHE/debs/${1}_${2//:/%3a}_$ARCH.deb"; }

# fetch PKG VERSION: the .deb into the cache, unless it is there already.
fetch() {
	local pkg=$1 ver=$2 file tmp
	file=$(deb_file "$pkg" "$ver")
	[ -s "$file" ] && return 0
	mkdir -p "$CACHE/debs"
	say "downloading $pkg $ver"
	tmp=$(mktemp -d "$CACHE/debs/.dl.XXXXXX")
	# As root apt drops to _apt, which cannot write here; the sandbox option keeps it quiet.
	if ! (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg=$ver" >/dev/null); then
		rm -rf "$tmp"
		return 1
	fi
	mv "$tmp"/*.deb "$file"
	rmdir "$tmp"
}

# resolve: sets KPKG KVER (the kernel image package the metapackage depends on) and BBVER.
resolve() {
	local meta
	meta=$(candidate "$META")
	BBVER=$(candidate busybox-static | cut -d' ' -f1)
	if [ -z "$meta" ] || [ -z "$BBVER" ]; then
		apt_update
		meta=$(candidate "$META")
		BBVER=$(candidate busybox-static | cut -d' ' -f1)
	fi
	[ -n "$meta" ] || die "apt knows no $META"
	[ -n "$BBVER" ] || die "apt knows no busybox-static"
	# "6.1.192-2 linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)"
	KPKG=$(echo "$meta" | cut -d' ' -f2- | sed 's/[,|]/\n/g' | sed -n 's/^ *\(linux-image-[^ ]*\).*/\1/p' | head -1)
	[ -n "$KPKG" ] || die "$META ($meta) depends on no linux-image package"
	KVER=$(apt-cache show --no-all-versions "$KPKG" 2>/dev/null | sed -n 's/^Version: //p' | head -1)
	[ -n "$KVER" ] || die "apt knows no $KPKG"
}

resolve
# The release is the package name without its prefix: linux-image-6.1.0-56-cloud-amd64.
KREL=${KPKG#linux-image-}
KDIR=$CACHE/kernel-$KREL-$KVER
BBDIR=$CACHE/busybox-${BBVER//:/_}
if [ ! -f "$KDIR/.done" ] || [ ! -x "$BBDIR/busybox" ]; then
	if ! fetch "$KPKG" "$KVER" || ! fetch busybox-static "$BBVER"; then
		# The lists may name versions the mirror no longer has: update once and try again.
		apt_update
		resolve
		KREL=${KPKG#linux-image-}
		KDIR=$CACHE/kernel-$KREL-$KVER
		BBDIR=$CACHE/busybox-${BBVER//:/_}
		fetch "$KPKG" "$KVER" || die "apt-get download $KPKG=$KVER failed"
		fetch busybox-static "$BBVER" || die "apt-get download busybox-static=$BBVER failed"
	fi
fi
say "kernel package $KPKG $KVER (through $META), busybox-static $BBVER"

# --- extract -----------------------------------------------------------------------------------
if [ ! -f "$KDIR/.done" ]; then
	say "extracting $KPKG"
	rm -rf "$KDIR" "$KDIR.tmp"
	mkdir -p "$KDIR.tmp/modules"
	# Only what the guest needs out of ~100 MB: the image and the two sock_diag modules.
	dpkg-deb --fsys-tarfile "$(deb_file "$KPKG" "$KVER")" |
		tar -x -C "$KDIR.tmp" --wildcards --no-anchored 'vmlinuz-*' 'inet_diag.ko*' 'tcp_diag.ko*'
	vmlinuz=$(find "$KDIR.tmp" -name "vmlinuz-*" -type f | head -1)
	[ -n "$vmlinuz" ] || die "no vmlinuz in $KPKG"
	mv "$vmlinuz" "$KDIR.tmp/vmlinuz"
	find "$KDIR.tmp" -name '*_diag.ko*' -type f -exec mv {} "$KDIR.tmp/modules/" \;
	rm -rf "$KDIR.tmp/boot" "$KDIR.tmp/lib" "$KDIR.tmp/usr"
	touch "$KDIR.tmp/.done"
	mv "$KDIR.tmp" "$KDIR"
fi
if [ ! -x "$BBDIR/busybox" ]; then
	rm -rf "$BBDIR" "$BBDIR.tmp"
	mkdir -p "$BBDIR.tmp"
	dpkg-deb --fsys-tarfile "$(deb_file busybox-static "$BBVER")" |
		tar -x -C "$BBDIR.tmp" ./bin/busybox
	mv "$BBDIR.tmp/bin/busybox" "$BBDIR.tmp/busybox"
	rmdir "$BBDIR.tmp/bin"
	mv "$BBDIR.tmp" "$BBDIR"
fi
BUSYBOX=$BBDIR/busybox

# What was extracted is the cache: the packages go, and so do older kernels and busyboxes.
rm -rf "$CACHE/debs"
for old in "$CACHE"/kernel-* "$CACHE"/busybox-*; do
	case $old in
	"$KDIR" | "$BBDIR") ;;
	*) rm -rf "$old" ;;
	esac
done

# --- initramfs ---------------------------------------------------------------------------------
ROOT=$CACHE/initramfs
INITRD=$CACHE/initramfs.cpio
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,vm/bin,vm/modules,etc,root,proc,sys,dev,tmp,run}
cp "$BUSYBOX" "$ROOT/bin/busybox"
# Debug info is not needed in the guest: a third of the size.
objcopy --strip-debug "$STATIC/conntop" "$ROOT/vm/bin/conntop"
objcopy --strip-debug "$STATIC/tests/tcpfixture" "$ROOT/vm/bin/tcpfixture"
cp "$KDIR"/modules/* "$ROOT/vm/modules/" 2>/dev/null || true
install -m 0755 tests/vm/init "$ROOT/init"
install -m 0644 tests/vm/checks.sh "$ROOT/vm/checks.sh"
echo 'root:x:0:0:root:/root:/bin/sh' >"$ROOT/etc/passwd"
echo 'root:x:0:' >"$ROOT/etc/group"
(cd "$ROOT" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) >"$INITRD.tmp"
mv "$INITRD.tmp" "$INITRD"
say "initramfs $(du -k "$INITRD" | cut -f1) KiB, prepared in $((SECONDS - t0)) s"

# --- boot --------------------------------------------------------------------------------------
LOG=$CACHE/console.log
append="console=ttyS0 panic=-1 oops=panic quiet mitigations=off"
[ -z "${VMTEST_CHECKS:-}" ] || append+=" vmtest_checks=$VMTEST_CHECKS"
[ "${VMTEST_SHELL:-0}" != 1 ] || append+=" vmtest_shell=1"
[ -z "${VMTEST_APPEND:-}" ] || append+=" $VMTEST_APPEND"
qemu=("$QEMU" -accel tcg -cpu max -smp "$SMP" -m 1024 -nographic -no-reboot -nic none
	-kernel "$KDIR/vmlinuz" -initrd "$INITRD" -append "$append")

say "booting $KREL under TCG (${SMP} cpus, timeout ${TIMEOUT} s)"
t1=$SECONDS
if [ "${VMTEST_SHELL:-0}" = 1 ]; then
	exec "${qemu[@]}"
fi
# No stdin: qemu must not put a terminal into raw mode (nor read from it).
set +e
# SeaBIOS clears the screen: its escape sequences go, and so do the serial line's carriage returns.
timeout -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null 2>&1 |
	sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
boot_s=$((SECONDS - t1))

if grep -qx 'VMTEST PASS' "$LOG"; then
	say "PASS: $(grep -c '^ok ' "$LOG") checks ok, $(grep -c '^SKIP ' "$LOG") skipped, guest ran ${boot_s} s, $((SECONDS - t0)) s in all"
	exit 0
fi
reason=$(grep -m1 '^VMTEST FAIL' "$LOG" | sed 's/^VMTEST FAIL *//' || true)
if [ -z "$reason" ]; then
	if [ "$status" = 124 ] || [ "$status" = 137 ]; then
		reason="no marker: timed out after $TIMEOUT s"
	else
		reason="no marker: qemu exited $status (kernel panic or crash? see the log)"
	fi
fi
grep '^FAIL ' "$LOG" >&2 || true
say "FAIL: $reason (console: $LOG)"
exit 1
