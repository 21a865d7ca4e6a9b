#!/bin/sh
# Run cmocka test binaries with TAP output; print one PASS/FAIL line per test.
set -u
rc=0
for bin in "$@"; do
	suite=$(basename "$bin")
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$bin" 2>&1)
	status=$?
	echo "$out" | sed -n "s/^ok [0-9]* - \(.*\)/PASS unit\/$suite\/\1/p; s/^not ok [0-9]* - \(.*\)/FAIL unit\/$suite\/\1/p"
	if [ "$status" -ne 0 ]; then
		echo "$out" | grep -v '^ok ' >&2
		echo "$out" | grep -q '^not ok' || echo "FAIL unit/$suite: exited $status"
		rc=1
	fi
done
exit $rc
