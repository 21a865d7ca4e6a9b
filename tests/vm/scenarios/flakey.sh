# Automatic remapping with dm-flakey under main. flakey covers blocks
# 0-7167 of main; the last 1024 blocks stay healthy, as a disk with a failing
# region would be (a device failing as a whole is a path failure: its errors
# pass through, path-errors.sh). flakey's up and down periods are swapped in
# by reloading its table (up 0 = always down, down 0 = always up) rather than
# left to the clock, which TCG makes unpredictable.
# Down with error_writes (writes fail with EIO, reads pass): a 4 KiB and a
# 1 MiB write are acknowledged only once on the spare: their data is on the
# spare device and in the committed metadata (a reload keeps it), and main
# never got it. Down with no feature (all I/O fails with EIO): a read fails
# (no zeros) and the block turns pending; a write to it goes to the spare;
# another pending block is cleared by a good read once flakey is up. Up
# again, everything reads back as written, main holds its old data under
# the remapped blocks. Down with error_reads (a newer flakey feature: 6.12
# has it, 6.1 refuses it and that part is skipped): a read fails, the block
# turns pending, while writes elsewhere stay on main.
# disks: 32M 16M
# timeout: 180
. /lib/dmr-test.sh
load_remap
modprobe dm-flakey || fail "modprobe dm-flakey"
disk=$(disk 1) spare=$(disk 2)
n=$(sectors "$disk")
pattern /tmp/expect $((32 << 20))
cp /tmp/expect /tmp/main
gdd if=/tmp/expect of="$disk" bs=1M oflag=direct status=none
fl_len=$((7168 * 8))
up="0 $fl_len flakey $disk 0 3600 0"
down="0 $fl_len flakey $disk 0 0 3600"
flakey() {
	dmsetup suspend fl && echo "$1" | dmsetup load fl && dmsetup resume fl ||
		fail "flakey table: $1"
}
dmsetup create fl --table "$up" || fail "create fl"
printf '0 %s linear /dev/mapper/fl 0\n%s %s linear %s %s\n' "$fl_len" "$fl_len" \
	$((n - fl_len)) "$disk" "$fl_len" | dmsetup create m || fail "create m"
table=$(remap_table "$n" /dev/mapper/m "$spare" 0 4096 block_size 4096)
# A read in the healthy region: main is seen serving blocks.
healthy() { read_direct /dev/mapper/r $((8000 * 4096)) 4096 /tmp/h || fail "healthy read"; }
create r "$table"
# put <block> <file>: the file is now expected at that block.
put() { gdd if="$2" of=/tmp/expect bs=4096 seek="$1" conv=notrunc status=none; }
# on_spare <block> <file>: the block's spare block holds the file.
on_spare() {
	s=$(msg r query $(($1 * 8)) | sed -n 's/.*state=remapped spare_sector=\([0-9]*\) .*/\1/p')
	[ -n "$s" ] || fail "block $1 not remapped: $(msg r query $(($1 * 8)))"
	dev_matches "$spare" $((s * 512)) "$2" "block $1 on the spare"
}

log "down, error_writes: writes are acknowledged from the spare"
flakey "$down 1 error_writes"
pattern /tmp/w 4096
io_fails "Input/output error" write_direct /dev/mapper/fl $((10 * 4096)) /tmp/w
write_direct /dev/mapper/r $((10 * 4096)) /tmp/w || fail "4 KiB write while down failed"
put 10 /tmp/w
on_spare 10 /tmp/w
expect_eq "$(msg r count)" "remapped=1 pending=0" "count after a 4 KiB write"
pattern /tmp/w2 $((1 << 20))
write_direct /dev/mapper/r $((1000 * 4096)) /tmp/w2 || fail "1 MiB write while down failed"
gdd if=/tmp/w2 of=/tmp/expect bs=4096 seek=1000 conv=notrunc status=none
expect_eq "$(msg r count)" "remapped=257 pending=0" "count after a 1 MiB write"
gdd if=/tmp/w2 of=/tmp/b bs=4096 count=1 status=none
on_spare 1000 /tmp/b
gdd if=/tmp/w2 of=/tmp/b bs=4096 skip=255 count=1 status=none
on_spare 1255 /tmp/b
log "reads pass while down (error_writes) and see the new data"
dev_matches /dev/mapper/r $((1000 * 4096)) /tmp/w2 "1 MiB while down"
dev_matches /dev/mapper/r $((10 * 4096)) /tmp/w "4 KiB while down"
expect_eq "$(stat_of r auto_remaps)" 257 "auto_remaps"
log "the remaps were committed: a reload keeps them"
remove r
create r "$table"
expect_eq "$(msg r count)" "remapped=257 pending=0" "count after reload"
dev_matches /dev/mapper/r $((1000 * 4096)) /tmp/w2 "1 MiB after reload"

log "down, all I/O to the region failing: a read fails and leaves the block pending"
healthy
flakey "$down"
io_fails "Input/output error" read_direct /dev/mapper/fl $((5000 * 4096)) 4096 /tmp/r
io_fails "Input/output error" read_direct /dev/mapper/r $((5000 * 4096)) 4096 /tmp/r
io_fails "Input/output error" read_direct /dev/mapper/r $((6000 * 4096)) 4096 /tmp/r
expect_eq "$(msg r count)" "remapped=257 pending=2" "count after two read errors"
log "a write to a pending block while down goes to the spare"
pattern /tmp/w3 4096
write_direct /dev/mapper/r $((5000 * 4096)) /tmp/w3 || fail "write to a pending block failed"
put 5000 /tmp/w3
on_spare 5000 /tmp/w3
expect_eq "$(msg r count)" "remapped=258 pending=1" "count after writing a pending block"
dev_matches /dev/mapper/r $((1000 * 4096)) /tmp/w2 "remapped blocks read from the spare while main is down"

log "up: a good read clears the other pending block"
flakey "$up"
gdd if=/tmp/expect of=/tmp/q bs=4096 skip=6000 count=1 status=none
dev_matches /dev/mapper/r $((6000 * 4096)) /tmp/q "block 6000 when up"
i=0
while [ "$(msg r count)" != "remapped=258 pending=0" ] && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_eq "$(msg r count)" "remapped=258 pending=0" "count after the good read"
expect_eq "$(stat_of r pending_cleared)" 1 "pending_cleared"

log "up: everything reads back as written; main never got the writes made while down"
gdd if=/dev/mapper/r bs=1M iflag=direct status=none | cmp -s - /tmp/expect ||
	fail "device content differs from what was written"
gdd if="$disk" bs=1M iflag=direct status=none | cmp -s - /tmp/main ||
	fail "main changed under the remapped blocks"
expect_eq "$(stat_of r auto_remaps)" 1 "auto_remaps since the reload"
expect_eq "$(stat_of r path_errors)" 0 "path_errors"
expect_eq "$(msg r check)" "ok" "check"

if dmsetup reload fl --table "$down 1 error_reads" 2>/dev/null; then
	log "down, error_reads: a read fails and leaves the block pending; writes reach main"
	dmsetup suspend fl && dmsetup resume fl || fail "flakey error_reads"
	healthy
	io_fails "Input/output error" read_direct /dev/mapper/r $((7000 * 4096)) 4096 /tmp/r
	expect_eq "$(msg r count)" "remapped=258 pending=1" "count after a read error"
	pattern /tmp/w4 8192
	write_direct /dev/mapper/r $((7001 * 4096)) /tmp/w4 || fail "write with error_reads failed"
	gdd if=/tmp/w4 of=/tmp/expect bs=4096 seek=7001 conv=notrunc status=none
	expect_eq "$(msg r count)" "remapped=258 pending=1" "count after a write to main"
	pattern /tmp/w5 4096
	write_direct /dev/mapper/r $((7000 * 4096)) /tmp/w5 || fail "write to the pending block failed"
	put 7000 /tmp/w5
	expect_eq "$(msg r count)" "remapped=259 pending=0" "count after writing the pending block"
	flakey "$up"
	dev_matches "$disk" $((7001 * 4096)) /tmp/w4 "blocks 7001-7002 on main"
	gdd if=/dev/mapper/r bs=1M iflag=direct status=none | cmp -s - /tmp/expect ||
		fail "device content differs at the end"
	expect_eq "$(msg r check)" "ok" "check at the end"
else
	log "dm-flakey of $(uname -r) has no error_reads: skipped"
fi
remove r
dmsetup remove m
dmsetup remove fl
