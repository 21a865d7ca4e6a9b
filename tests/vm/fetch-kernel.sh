#!/bin/sh
# Fetch Debian's kernel image package for release $1 without installing it:
# apt-get download + dpkg-deb -x, then an uncompressed vmlinux (QEMU boots it
# directly through its PVH entry point) and a depmod'ed module tree.
# Output: $2/vmlinux, $2/root/lib/modules/$1/...
set -eu
kver=${1:?usage: fetch-kernel.sh <kernel release> <dir>}
out=${2:?usage: fetch-kernel.sh <kernel release> <dir>}

[ -s "$out/vmlinux" ] && [ -f "$out/root/lib/modules/$kver/modules.dep" ] && exit 0

rm -rf "$out"
mkdir -p "$out/deb"
cd "$out/deb"
if ! apt-get download "linux-image-$kver" >/dev/null 2>&1; then
	# A fresh machine may have no package lists yet.
	[ "$(id -u)" -eq 0 ] && apt-get update -q >/dev/null
	apt-get download "linux-image-$kver" >/dev/null
fi
cd ..
dpkg-deb -x deb/linux-image-"$kver"_*.deb root
rm -rf deb

# vmlinuz is a bzImage whose payload is one xz or zstd stream; find it by magic.
vmlinuz="root/boot/vmlinuz-$kver"
extract() {
	magic=$1; shift
	for off in $(LC_ALL=C grep -obUaP "$magic" "$vmlinuz" | cut -d: -f1); do
		tail -c +$((off + 1)) "$vmlinuz" | "$@" > vmlinux 2>/dev/null || true
		if [ "$(head -c 4 vmlinux | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			return 0
		fi
	done
	return 1
}
extract '\xfd7zXZ\x00' xz -dc || extract '\x28\xb5\x2f\xfd' zstd -dcq || {
	echo "fetch-kernel: cannot find an ELF vmlinux inside $vmlinuz" >&2
	exit 1
}

# Modules live under lib/modules (and usr/lib/modules on merged-/usr builds).
if [ -d root/usr/lib/modules ] && [ ! -d "root/lib/modules/$kver" ]; then
	mkdir -p root/lib/modules
	mv "root/usr/lib/modules/$kver" root/lib/modules/
fi
depmod -b root "$kver"
