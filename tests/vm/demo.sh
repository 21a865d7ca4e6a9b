#!/bin/sh
# `make demo`: boot Debian's kernel under QEMU and show a remap device at work
# (the host kernel may not be able to load modules; the VM always can).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
scripts/install-deps.sh
kver=$(tests/vm/prepare.sh "${DEMO_KERNEL:-6.1}")
work=build/vm/$kver/run/demo
echo "booting Debian's $kver under QEMU (TCG)..."
rc=0
tests/vm/run-scenario.sh "$kver" "build/vm/$kver/kernel" "build/vm/$kver/initramfs.cpio" \
	tests/vm/scenarios/demo.sh "$work" || rc=$?
grep -v '^DMR-' "$work/guest.1.log"
exit $rc
