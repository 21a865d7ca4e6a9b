# An fsync on the remap device reaches BOTH underlying devices as a flush
# (their flush counters in /sys/block/*/stat), in two-disk mode.
# disks: 64M 16M
# timeout: 60
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
expect_eq "$(cat /sys/block/vda/queue/write_cache)" "write back" "vda write cache"
create r "$(remap_table 131072 "$main" "$spare" 0 32768)"
expect_eq "$(cat "/sys/block/$(dm_blk r)/queue/write_cache")" \
	"write back" "remap device write cache"
pattern /tmp/p 4096
for i in 1 2 3; do
	fm=$(flushes "$main") fs=$(flushes "$spare")
	gdd if=/tmp/p of=/dev/mapper/r bs=4096 seek=$i conv=fsync status=none
	[ "$(flushes "$main")" -gt "$fm" ] || fail "fsync $i: no flush reached main"
	[ "$(flushes "$spare")" -gt "$fs" ] || fail "fsync $i: no flush reached spare"
done
remove r
# Control: a linear device on main alone does not flush the spare disk, so the
# counter above moved because of the remap target.
create l "0 131072 linear $main 0"
fs=$(flushes "$spare")
gdd if=/tmp/p of=/dev/mapper/l bs=4096 conv=fsync status=none
expect_eq "$(flushes "$spare")" "$fs" "spare flushes after fsync on linear(main)"
remove l
