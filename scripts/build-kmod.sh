#!/bin/sh
# Build an out-of-tree module for one kernel in its own build directory, so
# that several kernels build side by side and no object lands in the sources.
# usage: build-kmod.sh <KDIR> <out dir> <Kbuild source dir> [<core dir>]
# The source dir's files are linked into <out dir>, the core's into
# <out dir>/core. Kbuild variables (W=1, C=1) come in through MAKEFLAGS.
set -eu
kdir=$1 out=$2 src=$(cd "$3" && pwd)
core=${4:+$(cd "$4" && pwd)}
mkdir -p "$out"
for f in "$src"/*; do ln -sf "$f" "$out/"; done
if [ -n "$core" ]; then
	mkdir -p "$out/core"
	for f in "$core"/*.c "$core"/*.h; do ln -sf "$f" "$out/core/"; done
fi
exec make -C "$kdir" M="$(cd "$out" && pwd)" modules
