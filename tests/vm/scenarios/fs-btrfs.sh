# btrfs on a remap device whose main already has bad blocks, fio writing and
# verifying while more blocks go bad, btrfs check clean, all of it again
# after the device is set up anew (fs_under_bad_blocks in lib.sh). The
# blocks bad before mkfs include the superblock (16: 64 KiB) and its first
# mirror (16384: 64 MiB), metadata chunks and free space.
# disks: 512M 32M
# timeout: 300
# initramfs: fio
. /lib/dmr-test.sh
fs_under_bad_blocks btrfs "0 1 16 100 3000 8192 16384 32768 40000 65536 70000 100000 131071"
