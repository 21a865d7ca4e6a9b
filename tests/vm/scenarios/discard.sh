# Discard passes to main only, for exactly the range asked: the spare device
# sees no discard, and data around the discarded range is intact.
# disks: 64M 16M
# timeout: 60
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
create r "$(remap_table 131072 "$main" "$spare" 0 32768)"
[ "$(cat "/sys/block/$(dm_blk r)/queue/discard_max_bytes")" -gt 0 ] || fail "remap device does not offer discard"
pattern /tmp/p $((64 << 20))
gdd if=/tmp/p of=/dev/mapper/r bs=1M oflag=direct status=none
dm=$(discards "$main") ds=$(discards "$spare")
blkdiscard -o $((8 << 20)) -l $((4 << 20)) /dev/mapper/r || fail "blkdiscard failed"
[ "$(discards "$main")" -gt "$dm" ] || fail "no discard reached main"
expect_eq "$(discards "$spare")" "$ds" "discards on the spare device"
gdd if="$main" of=/tmp/m bs=1M count=8 iflag=direct status=none
head -c $((8 << 20)) /tmp/p > /tmp/e
same_content /tmp/e /tmp/m "data before the discarded range"
gdd if="$main" of=/tmp/m bs=1M skip=12 iflag=direct status=none
tail -c +$(((12 << 20) + 1)) /tmp/p > /tmp/e
same_content /tmp/e /tmp/m "data after the discarded range"
remove r
