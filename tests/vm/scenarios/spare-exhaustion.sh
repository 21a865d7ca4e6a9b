# A remap storm that exhausts the spare: every free block is handed out, the
# next remap is a clean "no spare space" error, no data block lands in a
# metadata copy (the copies still validate, online and offline) and every
# remapped block holds its data.
# disks: 64M 16M
# timeout: 300
# host-check: 2 0 2048
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
pattern /tmp/p $((2 << 20))
gdd if=/tmp/p of="$main" bs=1M oflag=direct status=none
table=$(remap_table 131072 "$main" "$spare" 0 2048 block_size 4096)
create r "$table"
free=$(msg r reservation_stats | sed -n 's/^free=//p')
expect_eq "$free" 252 "free blocks"
i=0
while [ "$i" -lt "$free" ]; do
	msg r remap $((i * 8)) > /dev/null
	i=$((i + 1))
done
expect_eq "$(msg r count)" "remapped=252 pending=0" "count"
msg_refused r "no spare space" remap $((i * 8))
expect_eq "$(msg r reservation_stats | sed -n 's/^free=//p')" 0 "free blocks at the end"
expect_eq "$(msg r check)" "ok" "check after exhaustion"
gdd if=/dev/mapper/r of=/tmp/r bs=1M count=2 iflag=direct status=none
same_content /tmp/p /tmp/r "remapped blocks' data"
remove r
dmremap check "$spare" 0 2048 > /tmp/c || { cat /tmp/c; fail "offline check"; }
create r "$table"
expect_eq "$(msg r count)" "remapped=252 pending=0" "count after reload"
gdd if=/dev/mapper/r of=/tmp/r bs=1M count=2 iflag=direct status=none
same_content /tmp/p /tmp/r "remapped blocks' data after reload"
remove r
echo "252 remaps filled the spare; the 253rd was refused cleanly"
