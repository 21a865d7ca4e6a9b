# Several failing bios of the same block handled in one batch of the
# auto-remap worker. Main (the linear+error device m) is suspended without
# flushing while four O_DIRECT reads of bad block 100 are issued, then
# resumed: the four fail together and reach the worker together. The block
# must become pending once (one slot, one spare block), the device stay rw,
# `check` ok. Then the same with four O_DIRECT writes (four different
# contents) of bad block 200: all four are acknowledged, the block is
# remapped once and reads back as one of the four.
# disks: 64M 16M
# timeout: 120
. /lib/dmr-test.sh
load_remap
disk=$(disk 1) spare=$(disk 2)
n=$(sectors "$disk")
pattern /tmp/p $((1 << 20))
gdd if=/tmp/p of="$disk" bs=1M oflag=direct status=none
bad_table "$disk" 100 200 | dmsetup create m || fail "create m"
table=$(remap_table "$n" /dev/mapper/m "$spare" 0 32768 block_size 4096)
create r "$table"

# together <command>...: run them in the background while m holds its I/O,
# until all of them are in flight on r (so they fail together; well under the
# 15 s hung-task limit), then let it go.
together() {
	local i=0 inflight=/sys/block/$(dm_blk r)/inflight
	dmsetup suspend --noflush m || fail "suspend m"
	for c in "$@"; do sh -c "$c" & done
	while [ "$(awk '{ print $1 + $2 }' "$inflight")" -lt $# ]; do
		i=$((i + 1))
		[ "$i" -lt 100 ] || { dmsetup resume m; fail "only $(cat "$inflight") of $# bios in flight after 10 s"; }
		sleep 0.1
	done
	dmsetup resume m || fail "resume m"
}

together "gdd if=/dev/mapper/r of=/dev/null bs=4096 skip=100 count=1 iflag=direct status=none 2>/dev/null; echo \$? > /tmp/r1" \
	"gdd if=/dev/mapper/r of=/dev/null bs=4096 skip=100 count=1 iflag=direct status=none 2>/dev/null; echo \$? > /tmp/r2" \
	"gdd if=/dev/mapper/r of=/dev/null bs=4096 skip=100 count=1 iflag=direct status=none 2>/dev/null; echo \$? > /tmp/r3" \
	"gdd if=/dev/mapper/r of=/dev/null bs=4096 skip=100 count=1 iflag=direct status=none 2>/dev/null; echo \$? > /tmp/r4"
wait
for i in 1 2 3 4; do
	[ "$(cat /tmp/r$i)" != 0 ] || fail "read $i of a bad block succeeded"
done
expect_eq "$(msg r count)" "remapped=0 pending=1" "count after 4 reads of one bad block"
expect_eq "$(dmsetup status r | cut -d' ' -f5)" rw "mode after 4 reads of one bad block"
expect_eq "$(msg r check)" ok "check after 4 reads of one bad block"

for i in 1 2 3 4; do pattern /tmp/w$i 4096; done
together "gdd if=/tmp/w1 of=/dev/mapper/r bs=4096 seek=200 count=1 oflag=direct conv=notrunc status=none; echo \$? > /tmp/r1" \
	"gdd if=/tmp/w2 of=/dev/mapper/r bs=4096 seek=200 count=1 oflag=direct conv=notrunc status=none; echo \$? > /tmp/r2" \
	"gdd if=/tmp/w3 of=/dev/mapper/r bs=4096 seek=200 count=1 oflag=direct conv=notrunc status=none; echo \$? > /tmp/r3" \
	"gdd if=/tmp/w4 of=/dev/mapper/r bs=4096 seek=200 count=1 oflag=direct conv=notrunc status=none; echo \$? > /tmp/r4"
wait
for i in 1 2 3 4; do
	expect_eq "$(cat /tmp/r$i)" 0 "write $i of a bad block"
done
expect_eq "$(msg r count)" "remapped=1 pending=1" "count after 4 writes of one bad block"
expect_eq "$(dmsetup status r | cut -d' ' -f5)" rw "mode after 4 writes of one bad block"
expect_eq "$(msg r check)" ok "check after 4 writes of one bad block"
read_direct /dev/mapper/r $((200 * 4096)) 4096 /tmp/r || fail "read of the remapped block"
match=0
for i in 1 2 3 4; do cmp -s /tmp/r /tmp/w$i && match=$i; done
[ "$match" -ne 0 ] || fail "block 200 holds none of the four writes"
remove r
create r "$table"
read_direct /dev/mapper/r $((200 * 4096)) 4096 /tmp/r || fail "read after reload"
same_content /tmp/w$match /tmp/r "block 200 after reload"
remove r
dmsetup remove m
