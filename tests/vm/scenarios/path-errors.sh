# Errors that are not media errors pass through unchanged and consume no
# spare. What the block layer of these kernels really returns (errno seen by
# an O_DIRECT dd, which carries the bio's status):
#  - dm-thin out of data space with error_if_no_space: BLK_STS_NOSPC
#    (ENOSPC), both kernels; the write succeeds on main once the pool grows.
#  - scsi_debug per-device error injection (debugfs .../<h:c:t:l>/error;
#    6.12 has it, 6.1 not): host byte DID_TRANSPORT_FAILFAST ->
#    BLK_STS_TRANSPORT (ENOLINK), sense HARDWARE ERROR -> BLK_STS_TARGET
#    (EREMOTEIO), status RESERVATION CONFLICT -> BLK_STS_RESV_CONFLICT (EBADE).
# Everything else tried comes back as BLK_STS_IOERR, which dm-remap counts
# as media: scsi_debug opts 0x10 (transport error, ABORTED COMMAND) after
# the SCSI retries; opts 0x4 (timeouts) and injected DID_TIME_OUT after error
# recovery, which ends with the device offline (tens of seconds); a device
# set offline ("rejecting I/O to offline device"); injected DID_NO_CONNECT,
# DID_ERROR, DID_NEXUS_FAILURE, DID_TRANSPORT_DISRUPTED. null_blk's timeout
# injection needs CONFIG_BLK_DEV_NULL_BLK_FAULT_INJECTION, off in Debian.
# Those plain-IOERR path failures are caught another way: before errors use
# spare, dm-remap reads a main block that completed fine a moment ago; if
# that fails too, main fails as a whole and the errors pass through. Shown
# here with main's table swapped for `error` wholesale, and with a
# scsi_debug disk deleted under the device (a disk that is gone).
# Each failing write or read leaves remapped, pending, spare_free and the
# generation unchanged, counts path_errors, and main keeps its data.
# disks: 64M 16M
# timeout: 180
. /lib/dmr-test.sh
load_remap
modprobe dm-thin-pool || fail "modprobe dm-thin-pool"
disk=$(disk 1) spare=$(disk 2)
# unchanged <name> <stats before> <what>: nothing of the spare was used.
unchanged() {
	for k in remapped pending bad spare_used spare_free auto_remaps generation commits; do
		expect_eq "$(stat_of "$1" "$k")" "$(echo "$2" | sed -n "s/^$k=//p")" "$3: $k"
	done
}

log "dm-thin out of data space: ENOSPC passes, no spare used"
# 4 MiB metadata, 8 MiB data in 64 KiB pool blocks, a 64 MiB thin volume.
wipe "$disk" 0 8192
dmsetup create meta --table "0 8192 linear $disk 0" || fail "create meta"
dmsetup create data --table "0 16384 linear $disk 8192" || fail "create data"
pool() { echo "0 $1 thin-pool /dev/mapper/meta /dev/mapper/data 128 0 1 error_if_no_space"; }
dmsetup create pool --table "$(pool 16384)" || fail "create pool"
dmsetup message pool 0 "create_thin 0" || fail "create_thin"
dmsetup create thin --table "0 131072 thin /dev/mapper/pool 0" || fail "create thin"
table=$(remap_table 131072 /dev/mapper/thin "$spare" 0 2048 block_size 4096)
create r "$table"
pattern /tmp/p $((8 << 20))
write_direct /dev/mapper/r 0 /tmp/p || fail "filling the pool failed"
before=$(msg r stats)
pattern /tmp/w $((1 << 20))
io_fails "No space left on device" write_direct /dev/mapper/r $((16 << 20)) /tmp/w
io_fails "No space left on device" write_direct /dev/mapper/r $((32 << 20)) /tmp/w
dmsetup status pool | grep -q out_of_data_space || fail "pool not out of space: $(dmsetup status pool)"
unchanged r "$before" "after ENOSPC"
[ "$(stat_of r path_errors)" -gt 0 ] || fail "path_errors: $(msg r stats | tr "\n" " ")"
expect_eq "$(stat_of r path_errors)" "$(stat_of r write_errors)" "every write error a path error"
dev_matches /dev/mapper/r 0 /tmp/p "the data written before"
expect_eq "$(msg r check)" "ok" "check"
log "the pool grows: the same write now succeeds, on main"
dmsetup suspend pool && dmsetup load data --table "0 40960 linear $disk 8192" &&
	dmsetup resume data && dmsetup load pool --table "$(pool 40960)" &&
	dmsetup resume pool || fail "growing the pool"
write_direct /dev/mapper/r $((16 << 20)) /tmp/w || fail "write after growing the pool"
dev_matches /dev/mapper/r $((16 << 20)) /tmp/w "the write after growing"
dev_matches /dev/mapper/thin $((16 << 20)) /tmp/w "the write on main"
expect_eq "$(msg r count)" "remapped=0 pending=0" "count after growing"
remove r
dmsetup remove thin && dmsetup remove pool && dmsetup remove data && dmsetup remove meta ||
	fail "removing the pool"

# Main failing as a whole (every block, including ones just served): plain
# EIO, but not the medium's.
dmsetup create whole --table "0 $(sectors "$disk") linear $disk 0" || fail "create whole"
create w "$(remap_table 131072 /dev/mapper/whole "$spare" 8192 2048 block_size 4096)"
read_direct /dev/mapper/w $((300 * 4096)) 4096 /tmp/r
read_direct /dev/mapper/w $((301 * 4096)) 4096 /tmp/r
before=$(msg w stats)
dmsetup suspend whole && dmsetup load whole --table "0 $(sectors "$disk") error" &&
	dmsetup resume whole || fail "swap whole"
pattern /tmp/w 4096
io_fails "Input/output error" write_direct /dev/mapper/w $((2000 * 4096)) /tmp/w
io_fails "Input/output error" read_direct /dev/mapper/w $((2001 * 4096)) 4096 /tmp/r
unchanged w "$before" "main failing as a whole"
[ "$(stat_of w path_errors)" -ge 2 ] || fail "whole-device failure: path_errors $(stat_of w path_errors)"
remove w
dmsetup remove whole

# A disk that is gone: a scsi_debug disk deleted under the device.
modprobe sd_mod || fail "modprobe sd_mod"
modprobe scsi_debug dev_size_mb=32 sector_size=4096 || fail "modprobe scsi_debug"
sd=$(scsi_debug_disk)
create g "$(remap_table 32768 "$sd" "$spare" 16384 2048 block_size 4096)"
read_direct /dev/mapper/g 0 4096 /tmp/r
before=$(msg g stats)
echo 1 > "/sys/block/$(basename "$sd")/device/delete"
io_fails "" write_direct /dev/mapper/g $((100 * 4096)) /tmp/w
unchanged g "$before" "a deleted disk"
[ "$(stat_of g path_errors)" -ge 1 ] || fail "deleted disk: path_errors $(stat_of g path_errors)"
remove g
rmmod scsi_debug || fail "rmmod scsi_debug"
echo "main failing as a whole and a deleted disk: errors passed through, no spare used"

modprobe scsi_debug sector_size=4096 dev_size_mb=64 || fail "modprobe scsi_debug"
main=$(scsi_debug_disk)
err=$(ls /sys/kernel/debug/scsi_debug/*:*:*:*/error 2>/dev/null | head -n 1)
if [ -z "$err" ]; then
	log "no scsi_debug error injection in $(uname -r): SCSI path errors not exercised"
	exit 0
fi
n=$(sectors "$main")
pattern /tmp/p $((1 << 20))
write_direct "$main" $((100 * 4096)) /tmp/p || fail "writing main"
wipe "$spare" 0 2048
table=$(remap_table "$n" "$main" "$spare" 0 2048 block_size 4096)
create r "$table"
# inject <host byte> <status> <sense key> <asc> <ascq>: every READ and
# WRITE (10 and 16 byte CDBs) fails so; no arguments: stop.
inject() {
	for op in 0x28 0x2a 0x88 0x8a; do
		if [ $# -gt 0 ]; then
			echo "2 1 $op $1 0 $2 $3 $4 $5" > "$err" || fail "inject $*"
		else
			echo "-2 $op" > "$err" || fail "stop injecting"
		fi
	done
}
for c in "0x0f 0 0 0 0|Link has been severed|DID_TRANSPORT_FAILFAST" \
	"0 0x2 0x4 0x44 0|Remote I/O error|HARDWARE ERROR" \
	"0 0x18 0 0 0|Invalid exchange|RESERVATION CONFLICT"; do
	what=${c##*|}
	c=${c%|*}
	errno=${c#*|}
	log "scsi_debug, $what: '$errno' passes, no spare used"
	before=$(msg r stats)
	paths=$(stat_of r path_errors)
	# shellcheck disable=SC2086
	inject ${c%|*}
	io_fails "$errno" read_direct "$main" $((100 * 4096)) 4096 /tmp/r
	pattern /tmp/w $((1 << 20))
	io_fails "$errno" write_direct /dev/mapper/r $((100 * 4096)) /tmp/w
	io_fails "$errno" write_direct /dev/mapper/r $((5000 * 4096)) /tmp/w
	io_fails "$errno" read_direct /dev/mapper/r $((100 * 4096)) 4096 /tmp/r
	inject
	unchanged r "$before" "$what"
	[ "$(stat_of r path_errors)" -gt "$paths" ] || fail "$what: path_errors: $(msg r stats | tr "\n" " ")"
	dev_matches /dev/mapper/r $((100 * 4096)) /tmp/p "$what: main's data"
done
expect_eq "$(msg r check)" "ok" "check"
remove r

