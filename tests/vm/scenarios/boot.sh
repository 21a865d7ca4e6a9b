# Smoke: the guest boots, sees its disks, device-mapper works.
# disks: 16M 8M
# timeout: 60
. /lib/dmr-test.sh
expect_eq "$(sectors "$(disk 1)")" 32768 "size of vda"
dmsetup targets | grep -q '^linear' || fail "no linear target"
create lin "0 32768 linear $(disk 1) 0"
pattern /tmp/p 65536
write_direct /dev/mapper/lin 4096 /tmp/p
read_direct "$(disk 1)" 4096 65536 /tmp/r
same_content /tmp/p /tmp/r "linear write read back from vda"
remove lin
