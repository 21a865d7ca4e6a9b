# Single-disk mode: the spare region is a range of the main device after the
# mapped length. I/O stays in [0, len); the spare region holds only the metadata.
# disks: 80M
# timeout: 180
. /lib/dmr-test.sh
load_remap
d=$(disk 1)
create r "$(remap_table 131072 "$d" "$d" 131072 32768)"
expect_eq "$(sectors /dev/mapper/r)" 131072 "size"
pattern /tmp/p $((64 << 20))
gdd if=/tmp/p of=/dev/mapper/r bs=1M oflag=direct status=none
gdd if=/dev/mapper/r of=/tmp/r bs=1M iflag=direct status=none
same_content /tmp/p /tmp/r "whole-device read-back"
# Writing past the end is refused by the block layer, not wrapped into spare.
gdd if=/tmp/p of=/dev/mapper/r bs=512 count=1 seek=131072 oflag=direct status=none 2>/dev/null &&
	fail "write past the end succeeded"
wipe "$d" 0 131072
expect_eq "$(spare_data_nonzero r "$d")" 0 "non-zero bytes in the spare region outside the metadata"
fm=$(flushes "$d")
gdd if=/tmp/p of=/dev/mapper/r bs=4096 count=1 conv=fsync status=none
[ "$(flushes "$d")" -gt "$fm" ] || fail "no flush reached the disk"
remove r
