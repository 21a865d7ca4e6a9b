# Harness self-test (skipped by default): a task stuck in the kernel must be
# caught by the hung-task detector. fsync of buffered data written to a
# suspended device-mapper device waits for writeback forever in D state
# (O_DIRECT would not do: its wait is bounded to dodge this detector).
# selftest: blocked for more than
# disks: 16M
# timeout: 120
. /lib/dmr-test.sh
create l "0 32768 linear $(disk 1) 0"
dmsetup suspend l
gdd if=/dev/zero of=/dev/mapper/l bs=4096 count=1 conv=fsync status=none
