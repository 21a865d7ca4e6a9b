#!/bin/sh
# `make bench-profile`: bench/profile/io-profile.sh on the given kernel
# series, in the VM harness's guest with perf (Debian's linux-perf) and its
# libraries added as another initramfs layer, then the table of
# bench/profile.awk. PROFILE_RUNTIME, PROFILE_ROUNDS and PROFILE_CASE
# (null: null_blk, no remaps; remaps: brd, 100,000 remaps not touched) reach
# the guest on the kernel command line.
#   run-profile.sh [6.1] [6.12]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
perf=$(command -v perf) || { echo "run-profile: perf not found (run scripts/install-deps.sh)" >&2; exit 1; }
# Debian's /usr/bin/perf may be a script choosing perf_<version>: take the binary.
ver=$(perf version 2>/dev/null | sed -n 's/^perf version \([0-9]*\.[0-9]*\).*/\1/p')
[ -f "${perf}_$ver" ] && perf=${perf}_$ver
series=${*:-6.1 6.12}
rc=0
for s in $series; do
	kver=$(tests/vm/prepare.sh "$s") || exit 1
	out=build/vm/$kver
	layer=$(mktemp -d)
	mkdir -p "$layer/sbin" "$layer/lib64" "$layer/lib/x86_64-linux-gnu" "$layer/scenarios"
	cp -L "$perf" "$layer/sbin/perf"
	ldd "$perf" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' | while read -r lib; do
		[ -f "$lib" ] || continue
		case "$lib" in
		*/ld-linux*) cp -L "$lib" "$layer/lib64/" ;;
		*) cp -L "$lib" "$layer/lib/x86_64-linux-gnu/" ;;
		esac
	done
	cp bench/profile/io-profile.sh "$layer/scenarios/"
	{
		cat "$out/initramfs-fio.cpio"
		(cd "$layer" && find . | LC_ALL=C sort | cpio -o -H newc --quiet)
	} > "$out/initramfs-perf.cpio"
	rm -rf "$layer"
	work=$out/run/io-profile
	DMR_APPEND="${PROFILE_RUNTIME:+dmr.profile_runtime=$PROFILE_RUNTIME} ${PROFILE_ROUNDS:+dmr.profile_rounds=$PROFILE_ROUNDS} ${PROFILE_CASE:+dmr.profile_case=$PROFILE_CASE}" \
		tests/vm/run-scenario.sh "$kver" "$out/kernel" "$out/initramfs.cpio" \
		bench/profile/io-profile.sh "$work" || rc=1
	echo
	echo "io-profile $kver:"
	# The profile must see dm-remap's map function, or it measured nothing.
	if awk -f bench/profile.awk "$work/guest.1.log" > "$work/table" &&
		grep -q '^| remap_map |' "$work/table"; then
		cat "$work/table"
		echo "PASS bench-profile/$kver"
	else
		cat "$work/table"
		echo "FAIL bench-profile/$kver: no table, or no dm-remap symbol in it"
		rc=1
	fi
done
exit "$rc"
