#!/bin/sh
# Run each fuzzer for a fixed time from a copy of its seed corpus; one
# PASS/FAIL line per fuzzer. A crash leaves its input in build/fuzz/.
set -u
secs=$1
shift
rc=0
for bin in "$@"; do
	name=$(basename "$bin")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	work=build/fuzz/$name.corpus
	mkdir -p "$work"
	cp "$seeds"/* "$work/"
	if (cd build/fuzz && "../../$bin" -max_total_time="$secs" -print_final_stats=1 \
		"../../$work") > "build/fuzz/$name.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz/$name.log")
		echo "PASS fuzz/$name: $runs inputs in ${secs}s, no crash"
	else
		tail -n 30 "build/fuzz/$name.log"
		echo "FAIL fuzz/$name: see build/fuzz/$name.log"
		rc=1
	fi
done
exit $rc
