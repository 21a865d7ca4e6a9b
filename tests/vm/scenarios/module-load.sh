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
# Module parameters: defaults, validated writes.
p=/sys/module/dm_remap/parameters
expect_eq "$(cat $p/auto_remap) $(cat $p/read_retries) $(cat $p/low_spare_percent)" "Y 3 10" "parameter defaults"
echo 17 > $p/read_retries 2>/dev/null && fail "read_retries 17 accepted"
echo 101 > $p/low_spare_percent 2>/dev/null && fail "low_spare_percent 101 accepted"
echo x > $p/read_retries 2>/dev/null && fail "read_retries x accepted"
echo 0 > $p/read_retries || fail "read_retries 0 refused"
echo 16 > $p/read_retries || fail "read_retries 16 refused"
expect_eq "$(cat $p/read_retries)" 16 "read_retries after a valid write"
echo 3 > $p/read_retries
rmmod dm-remap
modprobe dm-remap read_retries=99 2>/dev/null && fail "modprobe with read_retries=99 succeeded"
modprobe dm-remap auto_remap=N read_retries=5 || fail "modprobe with parameters"
expect_eq "$(cat $p/auto_remap) $(cat $p/read_retries)" "N 5" "parameters from modprobe"
create r "$(remap_table 16384 "$(disk 1)" "$(disk 1)" 16384 16384)"
dmsetup message r 0 stats | grep -qx auto_remap=off || fail "auto_remap=N not taken at table load"
remove r
rmmod dm-remap
load_remap
# A module in use cannot be removed.
create r "$(remap_table 16384 "$(disk 1)" "$(disk 1)" 16384 16384)"
rmmod dm-remap 2>/dev/null && fail "rmmod succeeded while a remap device exists"
remove r
rmmod dm-remap || fail "rmmod failed after removal"
