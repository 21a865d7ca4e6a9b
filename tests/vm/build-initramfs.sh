#!/bin/sh
# Build the guest's initramfs (an uncompressed newc cpio: nothing to inflate
# under TCG) for one kernel release:
#   busybox-static, dmsetup and GNU dd (busybox dd ignores O_DIRECT), the
#   filesystem tools (mkfs, fsck, filefrag) with their libraries, the kernel
#   modules the scenarios use (decompressed, depmod'ed), the dm-remap module,
#   test fixture modules and tools, the guest init and scenarios (tests/vm/scenarios, bench/vm).
# A second archive, <output without .cpio>-fio.cpio, is the same plus fio for
# the scenarios whose header says "# initramfs: fio". Debian's fio links the
# ceph, gluster, rdma and pmem engines in: about 80 MiB of libraries, which
# cost every boot 4 s under TCG; appended as a second cpio (the kernel
# unpacks concatenated archives) only the scenarios that run fio pay for it.
# usage: build-initramfs.sh <kver> <kernel dir> <output> <module.ko|program>...
# Modules go to /lib/modules/<kver>/extra, programs to /sbin.
set -eu
kver=$1 kdir=$(cd "$2" && pwd) out=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)

# In-tree modules the scenarios may load; dependencies are added below.
MODULES="virtio_pci virtio_blk dm-mod dm-flakey dm-log-writes dm-delay dm-thin-pool dm-zero null_blk
scsi_debug sd_mod brd loop configfs crc32c_generic crc32c-intel libcrc32c
ext4 xfs btrfs"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/bin "$stage"/sbin "$stage"/lib64 "$stage"/lib/x86_64-linux-gnu \
	"$stage"/proc "$stage"/sys "$stage"/dev "$stage"/tmp "$stage"/run \
	"$stage"/etc "$stage"/mnt "$stage/lib/modules/$kver/extra"

# copy_libs <root> <program>...: the shared libraries the programs need.
copy_libs() {
	root=$1
	shift
	for bin in "$@"; do
		ldd "$bin" 2>/dev/null | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' |
			while read -r lib; do
				[ -f "$lib" ] || continue
				case "$lib" in
				*/ld-linux*) cp -L "$lib" "$root/lib64/" ;;
				*) cp -L "$lib" "$root/lib/x86_64-linux-gnu/" ;;
				esac
			done
	done
}

cp /bin/busybox "$stage/bin/busybox"
cp /sbin/dmsetup "$stage/sbin/dmsetup"
cp /bin/dd "$stage/bin/gdd"
programs=""
for f in "$@"; do
	case "$f" in
	*.ko) cp "$f" "$stage/lib/modules/$kver/extra/" ;;
	*) cp "$f" "$stage/sbin/" && programs="$programs $f" ;;
	esac
done
# Filesystem tools (e2fsprogs, xfsprogs, btrfs-progs), under their own names:
# mke2fs picks the type from argv[0].
fstools=""
for t in mkfs.ext4 e2fsck filefrag mkfs.xfs xfs_repair mkfs.btrfs btrfs btrfs-map-logical; do
	path=$(PATH=/usr/sbin:/sbin:/usr/bin:/bin command -v "$t") || {
		echo "build-initramfs: $t not found (run scripts/install-deps.sh)" >&2
		exit 1
	}
	cp -L "$path" "$stage/sbin/$t"
	fstools="$fstools $path"
done
cp /etc/mke2fs.conf "$stage/etc/"
# shellcheck disable=SC2086
copy_libs "$stage" /sbin/dmsetup /bin/dd $programs $fstools

# Resolve each module's dependency chain against the unpacked kernel package.
for m in $MODULES; do
	modprobe -d "$kdir/root" -S "$kver" --show-depends "$m" 2>/dev/null || true
done | awk '$1 == "insmod" { print $2 }' | sort -u | while read -r path; do
	rel=${path#"$kdir/root/lib/modules/$kver/"}
	dst="$stage/lib/modules/$kver/$rel"
	mkdir -p "$(dirname "$dst")"
	case "$path" in
	*.ko.xz) xz -dc "$path" > "${dst%.xz}" ;;
	*.ko.zst) zstd -dcq "$path" > "${dst%.zst}" ;;
	*) cp "$path" "$dst" ;;
	esac
done
for f in modules.order modules.builtin modules.builtin.modinfo; do
	cp "$kdir/root/lib/modules/$kver/$f" "$stage/lib/modules/$kver/"
done
depmod -b "$stage" "$kver"

cp "$here/guest/init" "$stage/init"
cp "$here/guest/lib.sh" "$stage/lib/dmr-test.sh"
mkdir -p "$stage/scenarios"
cp "$here"/scenarios/*.sh "$here"/../../bench/vm/*.sh "$stage/scenarios/"
chmod +x "$stage/init"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out.tmp"

# The fio layer: fio and whatever it links, appended to the base archive.
fio=$(command -v fio) || {
	echo "build-initramfs: fio not found (run scripts/install-deps.sh)" >&2
	exit 1
}
layer=$(mktemp -d)
trap 'rm -rf "$stage" "$layer"' EXIT
mkdir -p "$layer/sbin" "$layer/lib64" "$layer/lib/x86_64-linux-gnu"
cp "$fio" "$layer/sbin/fio"
copy_libs "$layer" "$fio"
fio_out="${out%.cpio}-fio.cpio"
{
	cat "$out.tmp"
	(cd "$layer" && find . | LC_ALL=C sort | cpio -o -H newc --quiet)
} > "$fio_out.tmp"
mv "$fio_out.tmp" "$fio_out"
mv "$out.tmp" "$out"
