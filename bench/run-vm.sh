#!/bin/sh
# `make bench-vm`: the VM benchmarks (bench/vm/*.sh, scenarios of the VM
# harness) on the given kernel series, one VM at a time; then each run's
# table. Fails if a benchmark failed (fio, a missing figure), not on the
# figures. SCENARIOS="bench-io" picks some.
#   run-vm.sh [6.1] [6.12]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
series=${*:-6.1 6.12}
# shellcheck disable=SC2086
SCENARIO_DIR=bench/vm VM_JOBS=1 tests/vm/run-suite.sh $series
rc=$?
for s in $series; do
	kver=$(scripts/kernel-version.sh "$s")
	for f in bench/vm/*.sh; do
		name=$(basename "$f" .sh)
		log=build/vm/$kver/run/$name/guest.1.log
		[ -f "$log" ] || continue
		if [ -n "${SCENARIOS:-}" ]; then
			case " $SCENARIOS " in *" $name "*) ;; *) continue ;; esac
		fi
		echo
		sed -n '/^=== /,/^DMR-RESULT/p' "$log" | grep -v '^DMR-RESULT'
		if [ "$name" = bench-io ]; then
			echo
			echo "bench-io $kver, per-pair ratios pooled per case:"
			sed -n '/^=== /,$p' "$log" | awk -f bench/pool.awk
		fi
	done
done
exit "$rc"
