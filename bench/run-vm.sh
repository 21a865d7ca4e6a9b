#!/bin/sh
# `make bench-vm`: the VM benchmarks (bench/vm/*.sh, scenarios of the VM
# harness) on the given kernel series, one VM at a time (VM_JOBS=2: two);
# then each run's table, every boot's for a benchmark of several boots, and
# for bench-io the pairs of all its boots pooled per case. Fails if a
# benchmark failed (fio, a missing figure), not on the figures.
# SCENARIOS="bench-io" picks some.
#   run-vm.sh [6.1] [6.12]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
series=${*:-6.1 6.12}
# shellcheck disable=SC2086
SCENARIO_DIR=bench/vm VM_JOBS=${VM_JOBS:-1} tests/vm/run-suite.sh $series
rc=$?
for s in $series; do
	kver=$(scripts/kernel-version.sh "$s")
	for f in bench/vm/*.sh; do
		name=$(basename "$f" .sh)
		run=build/vm/$kver/run/$name
		[ -f "$run/guest.1.log" ] || continue
		if [ -n "${SCENARIOS:-}" ]; then
			case " $SCENARIOS " in *" $name "*) ;; *) continue ;; esac
		fi
		boot=1
		while [ -f "$run/guest.$boot.log" ]; do
			echo
			[ ! -f "$run/guest.2.log" ] || echo "boot $boot:"
			sed -n '/^=== /,/^DMR-RESULT/p' "$run/guest.$boot.log" | grep -v '^DMR-RESULT'
			boot=$((boot + 1))
		done
		if [ "$name" = bench-io ]; then
			echo
			echo "bench-io $kver, per-pair ratios of all $((boot - 1)) boots pooled per case:"
			for g in "$run"/guest.*.log; do sed -n '/^=== /,$p' "$g"; done | awk -f bench/pool.awk
		fi
	done
done
exit "$rc"
