# A spare block that fails a write during automatic remapping is marked bad,
# never handed out again, and the data goes to another spare block: the
# write is still acknowledged, and reads back; after a reload the bad block
# is still bad. The spare sits under a linear layer with `error` over spare
# block 4 (the allocator's first pick in a 1 MiB region: blocks 0-3 hold the
# copies); main has `error` over block 500.
# disks: 64M 16M
# timeout: 120
. /lib/dmr-test.sh
load_remap
disk=$(disk 1) spare=$(disk 2)
n=$(sectors "$disk") ns=$(sectors "$spare")
printf '0 4000 linear %s 0\n4000 8 error\n4008 %s linear %s 4008\n' "$disk" $((n - 4008)) "$disk" |
	dmsetup create m || fail "create m"
dmsetup create sp --table "0 $ns linear $spare 0" || fail "create sp"
table=$(remap_table "$n" /dev/mapper/m /dev/mapper/sp 0 2048 block_size 4096)
# Formatting reads the whole region: format first, then spare block 4 fails.
create r "$table"
remove r
printf '0 32 linear %s 0\n32 8 error\n40 %s linear %s 40\n' "$spare" $((ns - 40)) "$spare" |
	dmsetup load sp || fail "load sp"
dmsetup resume sp || fail "resume sp"
create r "$table"
read_direct /dev/mapper/r 0 4096 /tmp/r
pattern /tmp/w 4096
write_direct /dev/mapper/r $((500 * 4096)) /tmp/w || fail "write over a bad main block"
expect_eq "$(msg r count)" "remapped=1 pending=0" "count"
expect_eq "$(msg r query 4000)" "sector=4000 state=remapped spare_sector=40 spare_block=5" "the data went to spare block 5"
expect_eq "$(stat_of r bad)" 1 "bad spare blocks"
msg r allocation_map | grep -qx "4-4 bad" || fail "block 4 not bad: $(msg r allocation_map)"
dev_matches /dev/mapper/r $((500 * 4096)) /tmp/w "block 500"
remove r
create r "$table"
msg r allocation_map | grep -qx "4-4 bad" || fail "block 4 not bad after reload"
dev_matches /dev/mapper/r $((500 * 4096)) /tmp/w "block 500 after reload"
expect_eq "$(msg r check)" "ok" "check"
remove r
dmsetup remove sp
dmsetup remove m
