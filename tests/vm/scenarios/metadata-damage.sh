# Damaged metadata: garbage over one copy -> loads from another and repairs
# it; over every copy -> refused, nothing written; a region holding other
# data -> refused; a table line with another geometry -> refused. The copies
# are found with metadata_locations, not hard-coded.
# disks: 64M 16M
# timeout: 120
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
table=$(remap_table 131072 "$main" "$spare" 0 32768 block_size 4096)
create r "$table"
msg r remap 800 > /dev/null
msg r remap 4000 > /dev/null
msg r metadata_locations > /tmp/locs
remove r
expect_eq "$(wc -l < /tmp/locs)" 2 "copies"
copy_sector() { sed -n "$(($1 + 1))p" /tmp/locs | sed 's/.* sector=\([0-9]*\) .*/\1/'; }
c0=$(copy_sector 0) c1=$(copy_sector 1)

# Garbage over copy 0's superblock and first slot page.
head -c 8192 /dev/urandom | gdd of="$spare" bs=4096 seek=$((c0 / 8)) oflag=direct conv=notrunc status=none
dmesg -c > /dev/null
create r "$table"
dmesg | grep -q "metadata copy 0 was damaged or stale, repaired from copy 1" ||
	{ dmesg | tail; fail "no repair message"; }
expect_eq "$(msg r count)" "remapped=2 pending=0" "remaps after loading from copy 1"
expect_eq "$(msg r check)" "ok" "check after repair"
expect_eq "$(dmsetup status r | cut -d' ' -f12)" "2/2" "copies ok after repair"
remove r
dmremap check "$spare" 0 32768 > /tmp/c || { cat /tmp/c; fail "offline check after repair"; }

# A torn copy: copy 1's slot page from an older commit (generation 2's page,
# superblock of generation 3) is detected by the crc over the page crcs.
gdd if="$spare" of=/tmp/oldpage bs=4096 skip=$((c1 / 8 + 1)) count=1 iflag=direct status=none
create r "$table"
msg r remap 8000 > /dev/null
remove r
gdd if=/tmp/oldpage of="$spare" bs=4096 seek=$((c1 / 8 + 1)) oflag=direct conv=notrunc status=none
dmremap check "$spare" 0 32768 > /tmp/c && fail "offline check missed a torn copy"
grep -q "^copy 1 .*bad" /tmp/c || { cat /tmp/c; fail "torn copy 1 not named"; }
dmesg -c > /dev/null
create r "$table"
dmesg | grep -q "metadata copy 1 was damaged or stale, repaired from copy 0" || { dmesg | tail; fail "torn copy not repaired"; }
expect_eq "$(msg r count)" "remapped=3 pending=0" "remaps after a torn copy"
remove r

# Every copy destroyed: refused with a clear message, nothing written.
for c in $c0 $c1; do
	head -c 4096 /dev/urandom | gdd of="$spare" bs=4096 seek=$((c / 8)) oflag=direct conv=notrunc status=none
done
sum=$(sha256sum < "$spare")
w=$(writes "$spare")
expect_rejected "no valid metadata copy in the spare region, refusing to format it" "$table"
expect_eq "$(writes "$spare")" "$w" "writes to the spare after refusing"
expect_eq "$(sha256sum < "$spare")" "$sum" "spare content after refusing"

# A region holding other data (no metadata at all): refused, not formatted.
wipe "$spare" 0 32768
head -c 4096 /dev/urandom | gdd of="$spare" bs=4096 seek=1000 oflag=direct conv=notrunc status=none
expect_rejected "spare region holds data but no dm-remap metadata; refusing to format it" "$table"
wipe "$spare" 0 32768

# Another geometry over valid metadata: refused, whichever field differs.
create r "$table"
remove r
expect_rejected "spare region holds dm-remap metadata this table line cannot use" "$(remap_table 131072 "$main" "$spare" 0 32768 block_size 2048)"
expect_rejected "spare region holds dm-remap metadata this table line cannot use" "$(remap_table 65536 "$main" "$spare" 0 32768 block_size 4096)"
expect_rejected "spare region holds dm-remap metadata this table line cannot use" "$(remap_table 131072 "$main" "$spare" 0 30720 block_size 4096)"
create r "$table"
expect_eq "$(msg r check)" "ok" "check after the refusals"
remove r
