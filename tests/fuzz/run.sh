#!/bin/sh
# Run each fuzzer for a fixed time from a copy of its seed corpus; one
# PASS/FAIL line per fuzzer. Everything a run leaves (corpus, log, crash
# inputs) is beside the fuzzer binary, e.g. in build/fuzz/.
set -u
secs=$1
shift
rc=0
for bin in "$@"; do
	name=$(basename "$bin")
	dir=$(dirname "$bin")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	work=$name.corpus
	log=$dir/$name.log
	mkdir -p "$dir/$work"
	cp "$seeds"/* "$dir/$work/"
	if (cd "$dir" && "./$name" -max_total_time="$secs" -print_final_stats=1 \
		"$work") > "$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "PASS fuzz/$name: $runs inputs in ${secs}s, no crash"
	else
		tail -n 30 "$log"
		echo "FAIL fuzz/$name: see $log"
		rc=1
	fi
done
exit $rc
