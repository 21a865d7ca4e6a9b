# A main device with 4 KiB logical blocks gives a 4 KiB remap device by
# default; a smaller block_size is refused; 4 KiB I/O works.
# disks: 64M:4k 16M
# timeout: 60
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
expect_eq "$(blockdev --getss "$main")" 4096 "main logical block size"
create r "$(remap_table 131072 "$main" "$spare" 0 32768)"
expect_eq "$(blockdev --getss /dev/mapper/r)" 4096 "remap logical block size"
expect_eq "$(dmsetup status r)" "0 131072 remap 4.0.0 rw 4096 0/4076 0 0 0 0 2/2 1 0 0 0 0" "status"
expect_eq "$(dmsetup table r | awk '{ print $8, $9, $10 }')" "2 block_size 4096" "table options"
pattern /tmp/p 12288
write_direct /dev/mapper/r 40960 /tmp/p
read_direct "$main" 40960 12288 /tmp/m
same_content /tmp/p /tmp/m "4 KiB-aligned write"
gdd if=/tmp/p of=/dev/mapper/r bs=512 count=1 seek=1 oflag=direct status=none 2>/dev/null &&
	fail "a 512-byte O_DIRECT write to a 4 KiB device succeeded"
remove r
expect_rejected "block_size is smaller than a device's logical block size" \
	"0 131072 remap $main $spare 0 32768 2 block_size 512"
# The larger of the two logical block sizes wins, whichever device has it.
# (The old main becomes the spare: clear its data, or it is refused as foreign.)
wipe "$main" 0 32768
create r "$(remap_table 32768 "$spare" "$main" 0 32768)"
expect_eq "$(blockdev --getss /dev/mapper/r)" 4096 "remap block size with a 4 KiB spare"
remove r
