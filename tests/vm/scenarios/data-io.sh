# Data written through the remap device with O_DIRECT reads back, and equals
# main at the same offset; sizes from 512 B to several MiB, unaligned offsets.
# Data written to main reads back through the remap device. Pass-through I/O
# writes nothing to the spare device outside the metadata copies.
# disks: 64M 16M
# timeout: 180
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
create r "$(remap_table 131072 "$main" "$spare" 0 32768)"
dev=/dev/mapper/r
total=$((131072 * 512))
n=0
# size:offset pairs; offsets are multiples of 512 but mostly not of 4096.
for case in 512:0 512:512 1024:3584 4096:4096 4608:28160 65536:1048064 \
	131584:2097664 1048576:3145216 4194304:7340544 5243392:12582400 \
	$((1 << 20)):$((total - (1 << 20))) 512:$((total - 512)); do
	size=${case%%:*} off=${case#*:}
	pattern /tmp/p "$size"
	write_direct "$dev" "$off" /tmp/p
	read_direct "$dev" "$off" "$size" /tmp/r
	same_content /tmp/p /tmp/r "remap read-back of $size bytes at $off"
	read_direct "$main" "$off" "$size" /tmp/m
	same_content /tmp/p /tmp/m "main content of $size bytes at $off"
	n=$((n + 1))
done
echo "verified $n writes through the remap device"
# Reads pass through: data put on main directly is what the remap device reads.
pattern /tmp/p 262144
write_direct "$main" 9437696 /tmp/p
read_direct "$dev" 9437696 262144 /tmp/r
same_content /tmp/p /tmp/r "read of data written to main"
# Buffered I/O too, across the whole device.
pattern /tmp/p $((8 << 20))
gdd if=/tmp/p of="$dev" bs=1M seek=20 conv=fsync status=none
gdd if="$main" of=/tmp/m bs=1M skip=20 count=8 iflag=direct status=none
same_content /tmp/p /tmp/m "buffered 8 MiB write"
expect_eq "$(spare_data_nonzero r "$spare")" 0 "non-zero bytes on the spare device outside the metadata"
remove r
