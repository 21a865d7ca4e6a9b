# Automatic remapping with a scsi_debug disk as main (sd, 4 KiB sectors)
# whose medium error option (opts bit 2) fails reads of LBAs 2000-2002 with
# sense MEDIUM ERROR / UNRECOVERED READ ERROR, which the SCSI layer returns
# as BLK_STS_MEDIUM (errno ENODATA). scsi_debug fails only READs there:
# writes to the range succeed and land (checked below with the option off),
# so on this injector a block is only ever remapped through pending: a read
# fails with ENODATA passed through unchanged and leaves the failing blocks
# pending (only those, not the rest of the bio); a write over them puts them
# on the spare, and the old data stays on main. Where scsi_debug has
# per-device error injection (debugfs .../scsi_debug/<h:c:t:l>/error: 6.12
# has it, 6.1 not, and that part is skipped), WRITEs failing with
# MEDIUM ERROR sense too: once (ENODATA) -> retried on main, not remapped;
# always (WRITE ERROR, EIO after the SCSI retries) -> on the spare.
# Data verified by content.
# disks: 16M
# timeout: 180
. /lib/dmr-test.sh
load_remap
spare=$(disk 1)
modprobe sd_mod || fail "modprobe sd_mod"
modprobe scsi_debug opts=2 sector_size=4096 dev_size_mb=64 medium_error_start=2000 \
	medium_error_count=3 || fail "modprobe scsi_debug"
opts=/sys/bus/pseudo/drivers/scsi_debug/opts
main=$(scsi_debug_disk)
n=$(sectors "$main")
expect_eq "$n" 131072 "scsi_debug size in sectors"
expect_eq "$(cat "/sys/block/${main#/dev/}/queue/logical_block_size")" 4096 "sector size"
pattern /tmp/expect $((64 << 20))
gdd if=/tmp/expect of="$main" bs=1M oflag=direct status=none || fail "filling main"
# block_of <n> <count> <file>: blocks n.. of the expected content.
block_of() { gdd if=/tmp/expect of="$3" bs=4096 skip="$1" count="$2" status=none; }

log "the injector: reads of LBAs 2000-2002 fail with ENODATA, writes do not"
io_fails "No data available" read_direct "$main" $((2000 * 4096)) 4096 /tmp/r
io_fails "No data available" read_direct "$main" $((2002 * 4096)) 4096 /tmp/r
read_direct "$main" $((2003 * 4096)) 4096 /tmp/r
block_of 2003 1 /tmp/q
same_content /tmp/q /tmp/r "LBA 2003"
echo 0 > "$opts"
block_of 2000 3 /tmp/q
dev_matches "$main" $((2000 * 4096)) /tmp/q "LBAs 2000-2002 written while failing reads"
echo 2 > "$opts"
io_fails "No data available" read_direct "$main" $((2000 * 4096)) 4096 /tmp/r

table=$(remap_table "$n" "$main" "$spare" 0 2048 block_size 4096)
create r "$table"
log "a read of a failing block fails with the same status and leaves it pending"
io_fails "No data available" read_direct /dev/mapper/r $((2000 * 4096)) 4096 /tmp/r
expect_eq "$(msg r count)" "remapped=0 pending=1" "count after a read error"
log "a 256 KiB read over the range: exactly the three failing blocks pending"
io_fails "No data available" read_direct /dev/mapper/r $((1990 * 4096)) $((64 * 4096)) /tmp/r
expect_eq "$(msg r count)" "remapped=0 pending=3" "count after a 64-block read"
got=$(msg r list | sed -n 's/^sector=\([0-9]*\) state=pending .*/\1/p' | tr '\n' ' ')
expect_eq "$got" "16000 16008 16016 " "pending blocks"
read_direct /dev/mapper/r $((1999 * 4096)) 4096 /tmp/r
block_of 1999 1 /tmp/q
same_content /tmp/q /tmp/r "LBA 1999 through the target"

log "a 1 MiB write over the pending blocks puts exactly them on the spare"
block_of 2000 3 /tmp/old
pattern /tmp/w $((1 << 20))
write_direct /dev/mapper/r $((1900 * 4096)) /tmp/w || fail "1 MiB write failed"
gdd if=/tmp/w of=/tmp/expect bs=4096 seek=1900 conv=notrunc status=none
expect_eq "$(msg r count)" "remapped=3 pending=0" "count after the write"
dev_matches /dev/mapper/r $((1900 * 4096)) /tmp/w "the 1 MiB write"
expect_eq "$(stat_of r auto_remaps)" 3 "auto_remaps"
expect_eq "$(stat_of r spare_used)" 3 "spare_used"
expect_eq "$(stat_of r path_errors)" 0 "path_errors"
expect_eq "$(msg r check)" "ok" "check"

log "main kept the old data of the remapped blocks and got the rest of the write"
echo 0 > "$opts"
gdd if=/tmp/w of=/tmp/q bs=4096 count=100 status=none
dev_matches "$main" $((1900 * 4096)) /tmp/q "LBAs 1900-1999 on main"
dev_matches "$main" $((2000 * 4096)) /tmp/old "LBAs 2000-2002 on main: the old data"
echo 2 > "$opts"

err=$(ls /sys/kernel/debug/scsi_debug/*:*:*:*/error 2>/dev/null | head -n 1)
if [ -n "$err" ]; then
	# Per-device error injection: "2 <count> <opcode> <host> <driver>
	# <status> <sense key> <asc> <ascq>" fails commands with that opcode
	# (0x2a WRITE(10)), count < 0: that many times, > 0: until removed.
	log "injected: one WRITE failing with MEDIUM ERROR is retried on main, not remapped"
	echo "2 -1 0x2a 0 0 0x2 0x3 0x11 0x0" > "$err" || fail "inject"
	pattern /tmp/w 4096
	write_direct /dev/mapper/r $((3000 * 4096)) /tmp/w || fail "write failing once failed"
	gdd if=/tmp/w of=/tmp/expect bs=4096 seek=3000 conv=notrunc status=none
	expect_eq "$(msg r count)" "remapped=3 pending=0" "count after a transient write error"
	expect_eq "$(stat_of r write_errors)" 1 "write_errors"
	echo 0 > "$opts"
	dev_matches "$main" $((3000 * 4096)) /tmp/w "block 3000 on main"
	echo 2 > "$opts"
	log "injected: WRITEs failing every time with MEDIUM ERROR/WRITE ERROR (EIO) go to the spare"
	echo "2 1 0x2a 0 0 0x2 0x3 0x0c 0x0" > "$err" || fail "inject"
	io_fails "Input/output error" write_direct "$main" $((3001 * 4096)) /tmp/w
	pattern /tmp/w 4096
	write_direct /dev/mapper/r $((3001 * 4096)) /tmp/w || fail "write to a failing block failed"
	echo "-2 0x2a" > "$err" || fail "remove injection"
	gdd if=/tmp/w of=/tmp/expect bs=4096 seek=3001 conv=notrunc status=none
	expect_eq "$(msg r count)" "remapped=4 pending=0" "count after a write error"
	msg r query $((3001 * 8)) | grep -q "state=remapped" || fail "block 3001 not remapped"
else
	log "no scsi_debug error injection in $(uname -r): write errors not exercised"
fi

log "the whole device reads back as written, also after a reload"
gdd if=/dev/mapper/r bs=1M iflag=direct status=none | cmp -s - /tmp/expect ||
	fail "device content differs from what was written"
before=$(msg r count)
remove r
create r "$table"
expect_eq "$(msg r count)" "$before" "count after reload"
gdd if=/dev/mapper/r bs=1M iflag=direct status=none | cmp -s - /tmp/expect ||
	fail "device content differs after reload"
expect_eq "$(msg r check)" "ok" "check after reload"
remove r
