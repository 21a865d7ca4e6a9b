# 10,000+ remaps on a medium spare (256 MiB, 4 KiB blocks: 65536 blocks, 3
# copies), in ranges and single blocks, then a power-off: every remap comes
# back, the data written through the remapped blocks reads back, `check` is
# ok in the kernel and offline.
# disks: 64M 256M 1M
# boots: 2
# host-check: 2 0 524288
# timeout: 600
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2) notes=$(disk 3)
table=$(remap_table 131072 "$main" "$spare" 0 524288 block_size 4096)
create r "$table"
if [ "$DMR_BOOT" -eq 1 ]; then
	# 10 ranges of 1000 blocks with gaps, then 100 single blocks in the gaps.
	i=0
	while [ $i -lt 10 ]; do
		reply=$(msg r remap $((i * 1600 * 8)) 8000)
		expect_eq "$reply" "remapped=1000 pending=0 already=0" "range $i"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 100 ]; do
		msg r remap $(((i * 6 + 1000) * 8)) > /dev/null
		i=$((i + 1))
	done
	expect_eq "$(msg r count)" "remapped=10100 pending=0" "count"
	expect_eq "$(msg r check)" "ok" "check"
	# New data through the device: remapped blocks take it on the spare.
	pattern /tmp/p $((64 << 20))
	gdd if=/tmp/p of=/dev/mapper/r bs=1M oflag=direct status=none
	gdd if=/dev/mapper/r of=/tmp/r bs=1M iflag=direct status=none
	same_content /tmp/p /tmp/r "device content"
	gdd if="$main" of=/tmp/m bs=4096 count=1000 iflag=direct status=none
	gdd if=/tmp/p of=/tmp/q bs=4096 count=1000 status=none
	cmp -s /tmp/m /tmp/q && fail "data for remapped blocks reached main"
	sha256sum < /tmp/p | cut -d' ' -f1 | gdd of="$notes" oflag=direct,sync conv=sync bs=4096 status=none
	dmsetup status r
	echo "boot 1: 10100 remaps, 64 MiB written through them"
else
	expect_eq "$(msg r count)" "remapped=10100 pending=0" "count after reboot"
	got=$(gdd if=/dev/mapper/r bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)
	expect_eq "$got" "$(head -c 64 "$notes")" "device content after reboot"
	expect_eq "$(msg r check)" "ok" "check after reboot"
	remove r
	dmremap check "$spare" 0 524288 > /tmp/c || { cat /tmp/c; fail "offline check"; }
	create r "$table"
	echo "boot 2: 10100 remaps and their data back"
fi
remove r
