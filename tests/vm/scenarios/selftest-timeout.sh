# Harness self-test (skipped by default): a scenario that overruns its time is
# stopped by the in-guest watchdog and fails.
# selftest: DMR-WATCHDOG
# disks: 16M
# timeout: 20
. /lib/dmr-test.sh
sleep 600
