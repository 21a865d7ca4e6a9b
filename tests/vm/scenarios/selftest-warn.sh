# Harness self-test (skipped by default): a kernel WARNING must fail the run
# even though the script itself reports success.
# selftest: WARNING:
# disks: 16M
# timeout: 60
. /lib/dmr-test.sh
modprobe dmr-selftest-warn
sleep 5
