#!/bin/sh
# Run the VM scenarios on Debian's kernels. Prints one PASS/FAIL line per
# scenario and kernel; exits non-zero if any failed.
#   run-suite.sh [--selftest] [6.1] [6.12]
# --selftest runs only the harness self-tests (scenarios with a "# selftest:"
# header), which pass only if the scenario FAILS for the stated reason.
# SCENARIOS="a b" restricts the run; VM_JOBS sets how many VMs run at once;
# SCENARIO_DIR runs the scenarios of another directory (bench/vm).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
mode=normal
if [ "${1:-}" = --selftest ]; then
	mode=selftest
	shift
fi
series=${*:-6.1 6.12}
jobs=${VM_JOBS:-$(nproc)}
SCENARIO_DIR=${SCENARIO_DIR:-tests/vm/scenarios}
export SCENARIO_DIR
list=$(mktemp)
results=$(mktemp)
trap 'rm -f "$list" "$results"' EXIT
for s in $series; do
	kver=$(tests/vm/prepare.sh "$s") || {
		echo "FAIL vm/$s/prepare"
		exit 1
	}
	for f in "$SCENARIO_DIR"/*.sh; do
		name=$(basename "$f" .sh)
		if [ -n "${SCENARIOS:-}" ]; then
			case " $SCENARIOS " in *" $name "*) ;; *) continue ;; esac
		fi
		expect=$(sed -n 's/^# selftest: *//p' "$f")
		if [ "$mode" = selftest ]; then [ -n "$expect" ] || continue
		else [ -z "$expect" ] || continue
		fi
		echo "$kver $name" >> "$list"
	done
done

xargs -P "$jobs" -L 1 sh -c '
	kver=$0 name=$1
	f=$SCENARIO_DIR/$name.sh
	res=$(tests/vm/run-scenario.sh "$kver" "build/vm/$kver/kernel" \
		"build/vm/$kver/initramfs.cpio" "$f" "build/vm/$kver/run/$name")
	expect=$(sed -n "s/^# selftest: *//p" "$f")
	if [ -z "$expect" ]; then
		echo "$res"
	else
		case "$res" in
		FAIL*"$expect"*) echo "PASS vm/$kver/harness-$name: the run failed as it must ($expect)" ;;
		*) echo "FAIL vm/$kver/harness-$name: expected a failure for \"$expect\", got: $res" ;;
		esac
	fi' < "$list" | tee "$results"
failed=$(grep -c '^FAIL' "$results" || true)
[ "$failed" -eq 0 ]
