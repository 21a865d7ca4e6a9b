#!/bin/sh
# Install the Debian packages the build and the test suite need (the last
# line: filesystem tools, fio and perf, copied into the VM guest's initramfs).
# As root: installs what is missing. Otherwise: names what is missing and fails.
set -eu

PKGS="gcc make libc6-dev pkg-config
linux-headers-amd64 linux-headers-6.12-amd64
libdevmapper-dev libcmocka-dev libisal-dev sparse clang libclang-rt-14-dev
qemu-system-x86 busybox-static dmsetup coreutils
cpio xz-utils zstd kmod util-linux dkms groff-base
e2fsprogs xfsprogs btrfs-progs fio linux-perf"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
