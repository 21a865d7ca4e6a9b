# The spare failing under a commit. The spare sits under a linear layer whose
# table is swapped for one with `error` over metadata copies:
# one copy failing -> the remap is acknowledged (the other copy holds it) and
# the device turns read-only; every copy failing -> the remap is refused, the
# device turns failed and I/O to that block fails; nothing acknowledged is
# lost when the device is loaded again on a healthy spare.
# Region: 1 MiB at 4 KiB blocks: copies at sectors 0-15 and 16-31.
# disks: 64M 16M
# timeout: 120
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
n=$(sectors "$spare")
healthy="0 $n linear $spare 0"
swap() {
	dmsetup suspend sp && dmsetup load sp --table "$1" && dmsetup resume sp || fail "swap sp"
}
dmsetup create sp --table "$healthy" || fail "create sp"
pattern /tmp/p $((1 << 20))
gdd if=/tmp/p of="$main" bs=1M oflag=direct status=none
table=$(remap_table 131072 "$main" /dev/mapper/sp 0 2048 block_size 4096)
create r "$table"
msg r remap 0 > /dev/null

# Copy 1 fails: acknowledged with one copy, then read-only.
swap "0 16 linear $spare 0
16 16 error
32 $((n - 32)) linear $spare 32"
reply=$(msg r remap 8)
expect_eq "$reply" "remapped sector=8 spare_sector=40" "remap with one copy failing"
expect_eq "$(dmsetup status r | cut -d' ' -f5,12)" "ro 1/2" "mode and copies after one copy failed"
msg_refused r "metadata is ro" remap 16
msg r stats | grep -qx "commit_failures=1" || fail "commit failure not counted"
remove r
swap "$healthy"
dmesg -c > /dev/null
create r "$table"
dmesg | grep -q "metadata copy 1 was damaged or stale, repaired from copy 0" || { dmesg | tail; fail "copy 1 not repaired"; }
expect_eq "$(msg r count)" "remapped=2 pending=0" "remaps after one copy failed"
expect_eq "$(dmsetup status r | cut -d' ' -f5,12)" "rw 2/2" "mode after repair"

# Every copy fails: refused, failed mode, the block's I/O fails.
swap "0 32 error
32 $((n - 32)) linear $spare 32"
msg_refused r "metadata commit failed on every copy" remap 16
expect_eq "$(dmsetup status r | cut -d' ' -f5,12)" "fail 0/2" "mode after every copy failed"
gdd if=/dev/mapper/r of=/dev/null bs=4096 skip=2 count=1 iflag=direct status=none 2>/dev/null &&
	fail "read of a block left ambiguous by a failed commit succeeded"
gdd if=/dev/mapper/r of=/tmp/r bs=4096 count=2 iflag=direct status=none
gdd if=/tmp/p of=/tmp/q bs=4096 count=2 status=none
same_content /tmp/q /tmp/r "acknowledged remapped blocks in failed mode"
remove r
swap "$healthy"
create r "$table"
expect_eq "$(msg r count)" "remapped=2 pending=0" "remaps after every copy failed"
expect_eq "$(msg r check)" "ok" "check"
gdd if=/dev/mapper/r of=/tmp/r bs=1M count=1 iflag=direct status=none
same_content /tmp/p /tmp/r "data after the failures"
remove r
dmsetup remove sp
