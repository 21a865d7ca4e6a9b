# dm-dust under main (the kernel's bad-block emulator with drive-firmware
# semantics: a bad block fails reads until it is written, and a write heals
# it; built out of tree, Debian leaves it out). A read of a bad block fails
# and leaves it pending; the next write puts it on the spare (dm-remap does
# not bet on the firmware healing it); a bad block written before any read
# heals in dust, so nothing is remapped and the data stays on main.
# disks: 64M 16M
# timeout: 120
. /lib/dmr-test.sh
load_remap
modprobe dm-dust || fail "modprobe dm-dust"
disk=$(disk 1) spare=$(disk 2)
n=$(sectors "$disk")
pattern /tmp/p $((64 << 20))
gdd if=/tmp/p of="$disk" bs=1M oflag=direct status=none
dmsetup create dust --table "0 $n dust $disk 0 4096" || fail "create dust"
create r "$(remap_table "$n" /dev/mapper/dust "$spare" 0 2048 block_size 4096)"
for b in 100 200 300; do
	dmsetup message dust 0 addbadblock $b || fail "addbadblock $b"
done
dmsetup message dust 0 enable || fail "enable dust"
# A healthy read first: main is seen serving blocks.
read_direct /dev/mapper/r $((50 * 4096)) 4096 /tmp/r

# Read error: pending, the read fails (no zeros).
io_fails "Input/output error" read_direct /dev/mapper/r $((100 * 4096)) 4096 /tmp/r
expect_eq "$(msg r count)" "remapped=0 pending=1" "count after a read of a bad block"
# The next write goes to the spare.
pattern /tmp/w 4096
write_direct /dev/mapper/r $((100 * 4096)) /tmp/w || fail "write to the pending block"
expect_eq "$(msg r count)" "remapped=1 pending=0" "count after writing the pending block"
dev_matches /dev/mapper/r $((100 * 4096)) /tmp/w "block 100"
dmsetup message dust 0 queryblock 100 2>&1 | grep -q "found in badblocklist" ||
	fail "dust healed block 100 although no write reached it: $(dmsetup message dust 0 queryblock 100 2>&1)"

# A bad block written before any read: the write heals it in dust.
pattern /tmp/w2 8192
write_direct /dev/mapper/r $((199 * 4096)) /tmp/w2 || fail "write over bad block 200"
expect_eq "$(msg r count)" "remapped=1 pending=0" "count after a healing write"
dev_matches /dev/mapper/r $((199 * 4096)) /tmp/w2 "blocks 199-200"
dev_matches "$disk" $((199 * 4096)) /tmp/w2 "blocks 199-200 on main"

# Everything else reads what main holds; block 300 is still bad.
io_fails "Input/output error" read_direct /dev/mapper/r $((300 * 4096)) 4096 /tmp/r
expect_eq "$(msg r count)" "remapped=1 pending=1" "count at the end"
expect_eq "$(msg r check)" "ok" "check"
remove r
dmsetup remove dust
