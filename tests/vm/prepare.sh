#!/bin/sh
# Prepare everything a VM run needs for one kernel series (6.1 or 6.12):
# Debian's kernel image, the module and test fixtures built against the
# matching headers, the tool (with sanitizers), and the initramfs. Prints the kernel release.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
kver=$(scripts/kernel-version.sh "$1")
kdir=/usr/src/linux-headers-$kver
out=build/vm/$kver
mkdir -p "$out"
log=$out/build.log
tests/vm/fetch-kernel.sh "$kver" "$out/kernel" >&2
# W=1 as in make check, so the module booted is the one checked for warnings
# and is not rebuilt.
if ! make -s module vm-tools KDIR="$kdir" W=1 > "$log" 2>&1 ||
	! scripts/build-kmod.sh "$kdir" "build/$kver/fixtures" tests/vm/fixtures >> "$log" 2>&1 ||
	! scripts/build-dm-dust.sh "$1" "$kdir" "build/$kver/dm-dust" >> "$log" 2>&1; then
	cat "$log" >&2
	echo "prepare: building modules for $kver failed" >&2
	exit 1
fi
tests/vm/build-initramfs.sh "$kver" "$out/kernel" "$out/initramfs.cpio" \
	"build/$kver/kmod/dm-remap.ko" "build/$kver/fixtures/dmr-selftest-warn.ko" \
	"build/$kver/dm-dust/dm-dust.ko" \
	build/san/dmremap build/progs/dmr-blkio
echo "$kver"
