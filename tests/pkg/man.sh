#!/bin/sh
# Every man page renders without a groff warning (-ww: all of them), and
# names the version the target has.
set -u
cd "$(dirname "$0")/../.." || exit 1
version=$(make -s version)
failed=0
for m in docs/man/*.[1-8]; do
	out=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
	if [ -z "$out" ]; then
		echo "PASS man/$m renders"
	else
		echo "$out"
		echo "FAIL man/$m renders"
		failed=1
	fi
	if head -n 1 "$m" | grep -q "\"dm-remap $version\""; then
		echo "PASS man/$m version"
	else
		echo "FAIL man/$m version: its .TH line does not say dm-remap $version"
		failed=1
	fi
done
[ "$failed" -eq 0 ]
