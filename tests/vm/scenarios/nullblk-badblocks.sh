# Automatic remapping with null_blk as main: a memory-backed null_blk disk
# (configfs, 4 KiB blocks) whose badblocks list fails every request touching
# a bad range with BLK_STS_IOERR, reads and writes alike, on a request-based
# (blk-mq) device as main disks are. A read of a bad block fails and leaves
# it pending (and only it, not its neighbours in the same bio); a good read
# once the range is healed clears it; a write over it puts it on the spare.
# Bad blocks at the first and the last sector of the device, and three
# inside one 2 MiB O_DIRECT write (two from an unaligned range), are remapped
# by the writes that hit them: exactly the bad 4 KiB blocks, no more. The
# whole device reads back as written, before and after a reload; check is ok.
# disks: 16M
# timeout: 180
. /lib/dmr-test.sh
load_remap
spare=$(disk 1)
main=$(nullb_create nullb0 64 4096)
n=$(sectors "$main")
expect_eq "$n" 131072 "null_blk size in sectors"
expect_eq "$(cat /sys/block/nullb0/queue/logical_block_size)" 4096 "null_blk block size"
pattern /tmp/expect $((64 << 20))
gdd if=/tmp/expect of="$main" bs=1M oflag=direct status=none
# Bad ranges in 512-byte sectors, and the 4 KiB blocks they hit.
nullb_bad nullb0 +0-7                       # block 0, the device's first sector
nullb_bad nullb0 +8000-8007                 # block 1000, read first
nullb_bad nullb0 +33004-33010               # blocks 4125-4126, unaligned
nullb_bad nullb0 +34816-34816               # block 4352, one sector of it
nullb_bad nullb0 +$((n - 1))-$((n - 1))     # block 16383, the device's last sector
pattern /tmp/w 4096
io_fails "Input/output error" read_direct "$main" 0 4096 /tmp/r
io_fails "Input/output error" write_direct "$main" $((n * 512 - 4096)) /tmp/w
table=$(remap_table "$n" "$main" "$spare" 0 2048 block_size 4096)
create r "$table"
# block_of <n> <file>: block n of the expected content.
block_of() { gdd if=/tmp/expect of="$2" bs=4096 skip="$1" count=1 status=none; }
# put <block> <file>: the file is now expected at that block.
put() { gdd if="$2" of=/tmp/expect bs=4096 seek="$1" conv=notrunc status=none; }
wait_count() {
	i=0
	while [ "$(msg r count)" != "$1" ] && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	expect_eq "$(msg r count)" "$1" "$2"
}

log "read error: the read fails, the block is pending, its neighbours are not"
io_fails "Input/output error" read_direct /dev/mapper/r $((1000 * 4096)) 4096 /tmp/r
expect_eq "$(msg r count)" "remapped=0 pending=1" "count after a read error"
msg r query 8000 | grep -q "state=pending" || fail "block 1000 not pending: $(msg r query 8000)"
io_fails "Input/output error" read_direct /dev/mapper/r $((998 * 4096)) 16384 /tmp/r
expect_eq "$(msg r count)" "remapped=0 pending=1" "count after a 4-block read over it"
read_direct /dev/mapper/r $((999 * 4096)) 4096 /tmp/r
block_of 999 /tmp/q
same_content /tmp/q /tmp/r "block 999"

log "a good read of the pending block once it is readable clears it"
nullb_bad nullb0 -8000-8007
read_direct /dev/mapper/r $((1000 * 4096)) 4096 /tmp/r
block_of 1000 /tmp/q
same_content /tmp/q /tmp/r "block 1000 readable again"
wait_count "remapped=0 pending=0" "count after the good read"
expect_eq "$(stat_of r pending_cleared)" 1 "pending_cleared"
nullb_bad nullb0 +8000-8007
io_fails "Input/output error" read_direct /dev/mapper/r $((1000 * 4096)) 4096 /tmp/r
expect_eq "$(msg r count)" "remapped=0 pending=1" "pending again"

log "a write over the pending block puts it on the spare"
pattern /tmp/w 4096
write_direct /dev/mapper/r $((1000 * 4096)) /tmp/w
put 1000 /tmp/w
expect_eq "$(msg r count)" "remapped=1 pending=0" "count after writing the pending block"
dev_matches /dev/mapper/r $((1000 * 4096)) /tmp/w "block 1000 after the write"

log "write errors at the first and the last block of the device"
pattern /tmp/w 4096
write_direct /dev/mapper/r 0 /tmp/w || fail "write to block 0 failed"
put 0 /tmp/w
dev_matches /dev/mapper/r 0 /tmp/w "block 0"
pattern /tmp/w 4096
write_direct /dev/mapper/r $((16383 * 4096)) /tmp/w || fail "write to the last block failed"
put 16383 /tmp/w
dev_matches /dev/mapper/r $((16383 * 4096)) /tmp/w "block 16383"
expect_eq "$(msg r count)" "remapped=3 pending=0" "count after the edge writes"

log "one 2 MiB O_DIRECT write over three bad blocks remaps exactly those three"
pattern /tmp/w $((2 << 20))
write_direct /dev/mapper/r $((4096 * 4096)) /tmp/w || fail "2 MiB write failed"
gdd if=/tmp/w of=/tmp/expect bs=4096 seek=4096 conv=notrunc status=none
expect_eq "$(msg r count)" "remapped=6 pending=0" "count after the 2 MiB write"
dev_matches /dev/mapper/r $((4096 * 4096)) /tmp/w "the 2 MiB write"
got=$(msg r list | sed -n 's/^sector=\([0-9]*\) state=remapped .*/\1/p' | tr '\n' ' ')
expect_eq "$got" "0 8000 33000 33008 34816 131064 " "remapped blocks"
expect_eq "$(stat_of r auto_remaps)" 6 "auto_remaps"
expect_eq "$(stat_of r spare_used)" 6 "spare_used"
expect_eq "$(stat_of r path_errors)" 0 "path_errors"
expect_eq "$(msg r check)" "ok" "check"

log "the whole device reads back as written, also after a reload"
gdd if=/dev/mapper/r bs=1M iflag=direct status=none | cmp -s - /tmp/expect ||
	fail "device content differs from what was written"
remove r
create r "$table"
expect_eq "$(msg r count)" "remapped=6 pending=0" "count after reload"
gdd if=/dev/mapper/r bs=1M iflag=direct status=none | cmp -s - /tmp/expect ||
	fail "device content differs after reload"
expect_eq "$(msg r check)" "ok" "check after reload"
remove r
