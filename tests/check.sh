#!/bin/sh
# `make check`: what CI runs. Installs missing Debian packages (as root),
# runs the unit tests under ASan/UBSan and the fuzzers briefly, builds the module W=1 and sparse
# clean against both supported kernels, checks the packaging (install, DKMS,
# man pages) without touching the system, runs the VM scenarios on both kernels
# and the harness self-tests; ends with one line "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
scripts/install-deps.sh || exit 1
mkdir -p build
results=build/check-results.txt
: > "$results"
start=$(date +%s)

# step <label> <command...>: stream the command's PASS/FAIL lines into the
# results; a command that fails without naming a failure counts as one.
step() {
	label=$1
	shift
	before=$(grep -c '^FAIL' "$results")
	{ "$@" 2>&1; echo $? > build/step.rc; } | tee -a "$results"
	if [ "$(cat build/step.rc)" -ne 0 ] && [ "$(grep -c '^FAIL' "$results")" -eq "$before" ]; then
		echo "FAIL $label: exited $(cat build/step.rc)" | tee -a "$results"
	fi
}

build_modules() {
	for s in 6.1 6.12; do
		kver=$(scripts/kernel-version.sh "$s")
		rm -rf "build/$kver/kmod"
		log=build/build-$kver.log
		if make -s module KDIR="/usr/src/linux-headers-$kver" W=1 C=1 > "$log" 2>&1 &&
			! grep -E ': (warning|error):' "$log"; then
			echo "PASS build/$kver/W=1+sparse"
		else
			cat "$log"
			echo "FAIL build/$kver/W=1+sparse"
		fi
	done
}

echo "== unit tests (ASan, UBSan)"
step unit make -s unit
echo "== offline tool tests (ASan, UBSan)"
step tool make -s tool-test
echo "== benchmark smoke run"
step bench make -s bench-smoke
echo "== fuzzers (short run)"
step fuzz make -s fuzz
echo "== module builds (W=1, sparse)"
step build build_modules
echo "== packaging: make install into a DESTDIR, DKMS builds, man pages"
step pkg tests/pkg/install.sh 6.1 6.12
step man tests/pkg/man.sh
echo "== VM scenarios"
step vm tests/vm/run-suite.sh 6.1 6.12
echo "== profile smoke run (perf in the guest, 2 s per run)"
step profile env PROFILE_RUNTIME=2 PROFILE_ROUNDS=1 bench/run-profile.sh 6.1 6.12
echo "== harness self-tests (each must fail for its stated reason)"
step harness tests/vm/run-suite.sh --selftest 6.1 6.12

passed=$(grep -c '^PASS' "$results")
failed=$(grep -c '^FAIL' "$results")
echo "== $(($(date +%s) - start)) s"
grep '^FAIL' "$results"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
