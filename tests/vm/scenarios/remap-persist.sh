# Manual remaps persist: blocks remapped in boot 1 (data copied to the spare,
# later writes land there and not on main) come back after a power-off in
# boot 2 with their data; `check` passes in the kernel and offline; unremap
# writes the data back to main.
# disks: 64M 16M 1M
# boots: 2
# host-check: 2 0 32768
# timeout: 120
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2) notes=$(disk 3)
table=$(remap_table 131072 "$main" "$spare" 0 32768 block_size 4096)
sectors_list="0 8 4096 65528 131064"
if [ "$DMR_BOOT" -eq 1 ]; then
	pattern /tmp/p $((64 << 20))
	gdd if=/tmp/p of="$main" bs=1M oflag=direct status=none
	create r "$table"
	for s in $sectors_list; do
		reply=$(msg r remap "$s")
		echo "$reply" | grep -q "^remapped sector=$s spare_sector=" || fail "remap $s: $reply"
	done
	expect_eq "$(msg r count)" "remapped=5 pending=0" "count"
	# The copy kept the data: the device still reads what main held.
	gdd if=/dev/mapper/r of=/tmp/r bs=1M iflag=direct status=none
	same_content /tmp/p /tmp/r "device content after remapping"
	# New data for a remapped block goes to the spare, not to main.
	pattern /tmp/n 4096
	write_direct /dev/mapper/r $((4096 * 512)) /tmp/n
	read_direct "$main" $((4096 * 512)) 4096 /tmp/m
	cmp -s /tmp/n /tmp/m && fail "write to a remapped block reached main"
	read_direct /dev/mapper/r $((4096 * 512)) 4096 /tmp/r
	same_content /tmp/n /tmp/r "read of a rewritten remapped block"
	gdd if=/tmp/n of=/tmp/p bs=4096 seek=512 conv=notrunc status=none
	expect_eq "$(msg r check)" "ok" "check"
	echo "$(dmsetup status r)"
	sha256sum < /tmp/p | cut -d' ' -f1 | gdd of="$notes" oflag=direct,sync conv=sync bs=4096 status=none
	echo "boot 1: 5 blocks remapped, one rewritten"
else
	want=$(head -c 64 "$notes")
	create r "$table"
	expect_eq "$(msg r count)" "remapped=5 pending=0" "count after reboot"
	got=$(gdd if=/dev/mapper/r bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)
	expect_eq "$got" "$want" "device content after reboot"
	expect_eq "$(msg r check)" "ok" "check after reboot"
	# Offline, the tool reads the same metadata.
	dmremap check "$spare" 0 32768 > /tmp/c || { cat /tmp/c; fail "dmremap check"; }
	# unremap: the block's data goes back to main, verified.
	msg r unremap 4096 > /dev/null
	expect_eq "$(msg r count)" "remapped=4 pending=0" "count after unremap"
	got=$(gdd if=/dev/mapper/r bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)
	expect_eq "$got" "$want" "device content after unremap"
	gdd if=/dev/mapper/r of=/tmp/r bs=4096 skip=512 count=1 iflag=direct status=none
	read_direct "$main" $((4096 * 512)) 4096 /tmp/m
	same_content /tmp/r /tmp/m "unremapped block on main"
	expect_eq "$(msg r check)" "ok" "check after unremap"
	echo "boot 2: remaps and data back after power-off; unremap verified"
fi
remove r
