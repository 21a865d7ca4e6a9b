# Automatic remapping under the `error` target spliced into main (a linear
# table with holes): a read of a bad block fails honestly and leaves it
# pending; the next write puts it on the spare; a write over a new bad block
# is acknowledged only once it is on the spare; a 1 MiB write with one bad
# block remaps exactly one block; everything survives a reload; with
# auto_remap off errors pass through. Data is verified by content.
# disks: 64M 16M
# timeout: 180
. /lib/dmr-test.sh
load_remap
disk=$(disk 1) spare=$(disk 2)
n=$(sectors "$disk")
# main_table <bad block>...: linear over the disk, `error` over each block.
main_table() { bad_table "$disk" "$@"; }
swap_main() {
	dmsetup suspend m && main_table "$@" | dmsetup load m && dmsetup resume m || fail "swap main"
}
pattern /tmp/p $((64 << 20))
gdd if=/tmp/p of="$disk" bs=1M oflag=direct status=none
main_table 125 | dmsetup create m || fail "create m"
table=$(remap_table 131072 /dev/mapper/m "$spare" 0 2048 block_size 4096)
create r "$table"

# Read error: the data is gone, the read fails, the block is pending.
gdd if=/dev/mapper/r of=/tmp/r bs=4096 skip=125 count=1 iflag=direct status=none 2>/dev/null &&
	fail "read of a bad block succeeded"
expect_eq "$(msg r count)" "remapped=0 pending=1" "count after a read error"
expect_eq "$(msg r query 1000)" "sector=1000 state=pending spare_sector=32 spare_block=4" "query pending"
# The blocks around it read fine, and still come from main.
read_direct /dev/mapper/r $((124 * 4096)) 4096 /tmp/r
gdd if=/tmp/p of=/tmp/q bs=4096 skip=124 count=1 status=none
same_content /tmp/q /tmp/r "block before the bad one"

# A 1 MiB write over the pending block: that block goes to the spare.
pattern /tmp/w $((1 << 20))
write_direct /dev/mapper/r $((64 * 4096)) /tmp/w
expect_eq "$(msg r count)" "remapped=1 pending=0" "count after writing the pending block"
read_direct /dev/mapper/r $((64 * 4096)) $((1 << 20)) /tmp/r
same_content /tmp/w /tmp/r "1 MiB over the pending block"

# A write error on a new bad block (5000): acknowledged from the spare, and
# exactly one block remapped for a 1 MiB write; a dm event and a udev
# change uevent naming it are raised.
swap_main 125 5000
events=$(dmsetup info -c --noheadings -o events r)
uevent_listen /tmp/uev
pattern /tmp/w2 $((1 << 20))
write_direct /dev/mapper/r $((4990 * 4096)) /tmp/w2 || fail "write over a new bad block failed"
expect_eq "$(msg r count)" "remapped=2 pending=0" "count after a write error"
[ "$(dmsetup info -c --noheadings -o events r)" -gt "$events" ] || fail "no dm event for a new remap"
wait_line /tmp/uev "^change r remap rw$"
read_direct /dev/mapper/r $((4990 * 4096)) $((1 << 20)) /tmp/r
same_content /tmp/w2 /tmp/r "1 MiB over a bad block"
msg r query $((5000 * 8)) | grep -q "state=remapped" || fail "block 5000 not remapped"
msg r stats | grep -qx "auto_remaps=2" || fail "auto_remaps: $(msg r stats)"
expect_eq "$(msg r check)" "ok" "check"

# Everything back after a reload.
cp /tmp/p /tmp/expect
gdd if=/tmp/w of=/tmp/expect bs=4096 seek=64 conv=notrunc status=none
gdd if=/tmp/w2 of=/tmp/expect bs=4096 seek=4990 conv=notrunc status=none
remove r
create r "$table"
expect_eq "$(msg r count)" "remapped=2 pending=0" "count after reload"
for range in "64 256" "4990 256"; do
	set -- $range
	read_direct /dev/mapper/r $(($1 * 4096)) $(($2 * 4096)) /tmp/r
	gdd if=/tmp/expect of=/tmp/q bs=4096 skip="$1" count="$2" status=none
	same_content /tmp/q /tmp/r "blocks $1+$2 after reload"
done

# Latency of a remap on a write error: 20 single-block O_DIRECT writes to
# new bad blocks against 20 to good blocks (printed, not judged: TCG).
bad=""
i=0
while [ $i -lt 20 ]; do bad="$bad $((10000 + i * 10))"; i=$((i + 1)); done
# shellcheck disable=SC2086
swap_main 125 5000 $bad
head -c 4096 /dev/urandom > /tmp/b
# /proc/uptime: centiseconds, enough over 20 writes (busybox date has no %N).
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
t0=$(ms)
for b in $bad; do write_direct /dev/mapper/r $((b * 4096)) /tmp/b; done
t1=$(ms)
for b in $bad; do write_direct /dev/mapper/r $(((b + 1) * 4096)) /tmp/b; done
t2=$(ms)
expect_eq "$(msg r count)" "remapped=22 pending=0" "count after 20 more write errors"
echo "latency: write with remap $(((t1 - t0) / 20)) ms, plain write $(((t2 - t1) / 20)) ms (mean of 20 dd runs, TCG)"
msg r stats | grep "^remap_latency"
for b in $bad; do
	read_direct /dev/mapper/r $((b * 4096)) 4096 /tmp/r
	same_content /tmp/b /tmp/r "remapped block $b"
done

# auto_remap off: errors pass through, nothing is remapped.
# shellcheck disable=SC2086
swap_main 125 5000 8000 $bad
msg r set auto_remap off > /dev/null
write_direct /dev/mapper/r $((8000 * 4096)) /tmp/q 2>/dev/null &&
	fail "write to a bad block with auto_remap off succeeded"
expect_eq "$(msg r count)" "remapped=22 pending=0" "count with auto_remap off"
msg r set auto_remap on > /dev/null
expect_eq "$(msg r check)" "ok" "check at the end"
remove r
dmsetup remove m
