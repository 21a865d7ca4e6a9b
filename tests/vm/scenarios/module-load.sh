# The module loads (crc32c self-test against the published vectors passes in
# the kernel's crc32c), registers remap v4.0.0, unloads, loads again.
# disks: 16M
# timeout: 60
. /lib/dmr-test.sh
dmesg -c > /dev/null
load_remap
expect_eq "$(dmsetup targets | awk '$1 == "remap" { print $2 }')" v4.0.0 "remap target version"
dmesg | grep -q 'remap: version 4.0.0 loaded, crc32c self-test passed' || fail "no self-test line"
rmmod dm-remap || fail "rmmod failed"
dmsetup targets | grep -q '^remap' && fail "remap target still registered after rmmod"
load_remap
dmsetup targets | grep -q '^remap' || fail "remap target missing after reload"
# A module in use cannot be removed.
create r "$(remap_table 16384 "$(disk 1)" "$(disk 1)" 16384 16384)"
rmmod dm-remap 2>/dev/null && fail "rmmod succeeded while a remap device exists"
remove r
rmmod dm-remap || fail "rmmod failed after removal"
