# xfs (at least 300 MiB for xfsprogs 6.1) on a remap device whose main
# already has bad blocks, fio writing and verifying while more blocks go
# bad, xfs_repair -n clean, all of it again after the device is set up
# anew (fs_under_bad_blocks in lib.sh). The blocks bad before mkfs include
# the superblock (0), an AG header (32768), the log's area and free space.
# disks: 512M 32M
# timeout: 300
# initramfs: fio
. /lib/dmr-test.sh
fs_under_bad_blocks xfs "0 1 16 100 3000 8192 16384 32768 40000 65536 70000 100000 131071"
