# Create and remove a remap device; status, size and busy handling.
# disks: 64M 16M
# timeout: 60
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
create r "$(remap_table 131072 "$main" "$spare" 0 16384)"
[ -b /dev/mapper/r ] || fail "no /dev/mapper/r"
expect_eq "$(sectors /dev/mapper/r)" 131072 "remap device size"
expect_eq "$(dmsetup status r)" "0 131072 remap 4.0.0 rw 512 0/15840 0 0 0 0 2/2 1 0 0 0 0" "status line"
# read_only never formats: format the region first, then open it read-only.
create rw2 "$(remap_table 65536 "$main" "$spare" 16384 16384)"
remove rw2
create ro "$(remap_table 65536 "$main" "$spare" 16384 16384 read_only)"
expect_eq "$(dmsetup status ro)" "0 65536 remap 4.0.0 ro 512 0/15840 0 0 0 0 2/2 1 0 0 0 0" "read_only status line"
remove ro
# An open device cannot be removed; closing it allows removal.
exec 4< /dev/mapper/r
dmsetup remove r 2>/dev/null && fail "removed a device that is open"
exec 4<&-
remove r
[ -e /dev/mapper/r ] && fail "/dev/mapper/r still exists"
dmsetup ls | grep -q '^r\b' && fail "r still listed"
# The same name can be created again.
create r "$(remap_table 131072 "$main" "$spare" 0 16384)"
remove r
