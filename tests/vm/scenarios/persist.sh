# Disk images persist across VM boots: data written through the remap device
# in boot 1 (then power-off) reads back through a new remap device in boot 2.
# The checksum travels on a third, raw "notes" disk.
# disks: 64M 16M 1M
# boots: 2
# timeout: 60
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2) notes=$(disk 3)
create r "$(remap_table 131072 "$main" "$spare" 0 32768)"
if [ "$DMR_BOOT" -eq 1 ]; then
	pattern /tmp/p $((16 << 20))
	gdd if=/tmp/p of=/dev/mapper/r bs=1M seek=40 oflag=direct conv=fsync status=none
	sha256sum < /tmp/p | cut -d' ' -f1 | gdd of="$notes" oflag=direct,sync conv=sync bs=4096 status=none
	echo "boot 1: wrote 16 MiB, $(head -c 64 "$notes")"
else
	want=$(head -c 64 "$notes")
	[ -n "$want" ] || fail "no checksum from boot 1"
	got=$(gdd if=/dev/mapper/r bs=1M skip=40 count=16 iflag=direct status=none | sha256sum | cut -d' ' -f1)
	expect_eq "$got" "$want" "checksum of the data written in boot 1"
	echo "boot 2: data from boot 1 intact"
fi
remove r
