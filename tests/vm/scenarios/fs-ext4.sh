# ext4 on a remap device whose main already has bad blocks, fio writing and
# verifying while more blocks go bad, fsck clean, all of it again after the
# device is set up anew (fs_under_bad_blocks in lib.sh).
# The blocks bad before mkfs are the group descriptors (1), blocks mkfs
# writes in full (inode tables, journal with lazy init off, the last block)
# and free space. Not block 0 nor a backup superblock (32768, 98304):
# e2fsprogs writes 1 KiB superblocks through the page cache, which on a
# 4 KiB-block device reads the whole block first; on an unreadable block
# that read fails and so does mkfs, honestly (a 4Kn disk does the same).
# disks: 512M 32M
# timeout: 300
# initramfs: fio
. /lib/dmr-test.sh
fs_under_bad_blocks ext4 "1 16 100 3000 8192 16384 40000 65536 70000 100000 131071"
