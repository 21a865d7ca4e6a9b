#!/bin/sh
# Build the guest's initramfs (an uncompressed newc cpio: nothing to inflate
# under TCG) for one kernel release:
#   busybox-static, dmsetup and GNU dd (busybox dd ignores O_DIRECT) with their
#   libraries, the kernel modules the scenarios use (decompressed, depmod'ed),
#   the dm-remap module, test fixture modules and tools, the guest init and
#   scenarios.
# usage: build-initramfs.sh <kver> <kernel dir> <output> <module.ko|program>...
# Modules go to /lib/modules/<kver>/extra, programs to /sbin.
set -eu
kver=$1 kdir=$(cd "$2" && pwd) out=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)

# In-tree modules the scenarios may load; dependencies are added below.
MODULES="virtio_pci virtio_blk dm-mod dm-flakey dm-log-writes dm-delay dm-thin-pool null_blk
scsi_debug sd_mod brd loop configfs crc32c_generic crc32c-intel libcrc32c
ext4 xfs btrfs"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/bin "$stage"/sbin "$stage"/lib64 "$stage"/lib/x86_64-linux-gnu \
	"$stage"/proc "$stage"/sys "$stage"/dev "$stage"/tmp "$stage"/run \
	"$stage"/etc "$stage"/mnt "$stage/lib/modules/$kver/extra"

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
for bin in /sbin/dmsetup /bin/dd $programs; do
	ldd "$bin" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' | while read -r lib; do
		[ -f "$lib" ] || continue
		case "$lib" in
		*/ld-linux*) cp -L "$lib" "$stage/lib64/" ;;
		*) cp -L "$lib" "$stage/lib/x86_64-linux-gnu/" ;;
		esac
	done
done

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
cp "$here"/scenarios/*.sh "$stage/scenarios/"
chmod +x "$stage/init"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$out.tmp"
mv "$out.tmp" "$out"
