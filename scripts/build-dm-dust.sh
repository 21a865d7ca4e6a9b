#!/bin/sh
# Build dm-dust, the kernel's bad-block emulator, as an out-of-tree test
# fixture: Debian's kernels leave CONFIG_DM_DUST unset. Its source comes
# from Debian's linux-source package of the same series, downloaded once.
# usage: build-dm-dust.sh <series: 6.1|6.12> <KDIR> <out dir>
set -eu
series=$1 kdir=$2 out=$3
top=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$out/dm-dust.ko" ] && exit 0
cache=$top/build/src
mkdir -p "$cache" "$out"
if [ ! -f "$cache/dm-dust-$series.c" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	# apt warns that _apt cannot read the temporary directory: harmless.
	(cd "$tmp" && apt-get download "linux-source-$series" > /dev/null 2>&1) ||
		{ echo "build-dm-dust: cannot download linux-source-$series" >&2; exit 1; }
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-"$series"_*.deb |
		tar -xO "./usr/src/linux-source-$series.tar.xz" |
		xz -dc | tar -xO "linux-source-$series/drivers/md/dm-dust.c" > "$tmp/dm-dust.c"
	mv "$tmp/dm-dust.c" "$cache/dm-dust-$series.c"
fi
mkdir -p "$out/src"
cp "$cache/dm-dust-$series.c" "$out/src/dm-dust.c"
echo 'obj-m := dm-dust.o' > "$out/src/Kbuild"
make -s -C "$kdir" M="$(cd "$out/src" && pwd)" modules
cp "$out/src/dm-dust.ko" "$out/dm-dust.ko"
