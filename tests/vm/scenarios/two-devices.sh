# Two remap devices at once, each on its own main device and its own region
# of one spare device, written concurrently: each main holds its own data.
# disks: 32M 32M 16M
# timeout: 90
. /lib/dmr-test.sh
load_remap
m1=$(disk 1) m2=$(disk 2) spare=$(disk 3)
create r1 "$(remap_table 65536 "$m1" "$spare" 0 16384)"
create r2 "$(remap_table 65536 "$m2" "$spare" 16384 16384)"
pattern /tmp/p1 $((32 << 20))
pattern /tmp/p2 $((32 << 20))
gdd if=/tmp/p1 of=/dev/mapper/r1 bs=256k oflag=direct status=none &
a=$!
gdd if=/tmp/p2 of=/dev/mapper/r2 bs=256k oflag=direct status=none &
b=$!
wait $a || fail "writer 1 failed"
wait $b || fail "writer 2 failed"
gdd if="$m1" of=/tmp/r bs=1M iflag=direct status=none
same_content /tmp/p1 /tmp/r "main 1"
gdd if="$m2" of=/tmp/r bs=1M iflag=direct status=none
same_content /tmp/p2 /tmp/r "main 2"
expect_eq "$(dmsetup status r1 | cut -d' ' -f4-)" "4.0.0 rw 512 0/15840 0 0 0 0 2/2 1 0 0 0 0" "r1 status"
remove r1
expect_eq "$(dmsetup status r2 | cut -d' ' -f4-)" "4.0.0 rw 512 0/15840 0 0 0 0 2/2 1 0 0 0 0" "r2 status after removing r1"
remove r2
