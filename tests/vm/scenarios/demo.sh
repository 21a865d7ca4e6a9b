# What `make demo` shows (and the suite checks): a remap device created on a
# main disk with a spare disk, its table and status, data written through it
# and verified by content on the main disk.
# disks: 64M 16M
# timeout: 90
. /lib/dmr-test.sh
show() {
	echo "# $*"
	"$@"
}
main=$(disk 1) spare=$(disk 2)
show modprobe dm-remap
show dmsetup targets
show dmsetup create demo --table "0 131072 remap $main $spare 0 32768"
show dmsetup table demo
show dmsetup status demo
show blockdev --getsize64 /dev/mapper/demo
pattern /tmp/data $((4 << 20))
show gdd if=/tmp/data of=/dev/mapper/demo bs=1M seek=8 oflag=direct conv=fsync status=none
show sha256sum /tmp/data
gdd if="$main" bs=1M skip=8 count=4 iflag=direct status=none > /tmp/back
show sha256sum /tmp/back
same_content /tmp/data /tmp/back "data on main"
echo "# the 4 MiB written through the remap device are on the main disk, byte for byte"
show dmsetup remove demo
