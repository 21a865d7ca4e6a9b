# Helpers for guest scenarios, sourced as /lib/dmr-test.sh.
# Every check fails the scenario with a message; data is compared by content.
set -eu
export DM_DISABLE_UDEV=1

fail() {
	echo "FAIL: $*"
	exit 1
}

log() { echo "--- $*"; }

# expect_eq <actual> <expected> <what>
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# Disks in the order the scenario's "# disks:" header declared them.
disk() { echo "/dev/vd$(echo abcdefghij | cut -c"$1")"; }

sectors() { blockdev --getsz "$1"; }

# pattern <file> <bytes>: random content, so misplaced blocks cannot match.
pattern() { head -c "$2" /dev/urandom > "$1"; }

# write_direct <dev> <byte offset> <file>: one O_DIRECT write of the whole file.
write_direct() {
	gdd if="$3" of="$1" bs="$(stat -c %s "$3")" count=1 seek="$2" \
		oflag=direct,seek_bytes conv=notrunc status=none
}

# read_direct <dev> <byte offset> <bytes> <file>
read_direct() {
	gdd if="$1" of="$4" bs="$3" count=1 skip="$2" iflag=direct,skip_bytes status=none
}

# same_content <file a> <file b> <what>
same_content() {
	cmp -s "$1" "$2" || fail "$3: content differs"
}

# remap_table <len> <main> <spare> <spare_start> <spare_len> [opts...]
remap_table() {
	len=$1 main=$2 spare=$3 sstart=$4 slen=$5
	shift 5
	if [ $# -gt 0 ]; then
		echo "0 $len remap $main $spare $sstart $slen $# $*"
	else
		echo "0 $len remap $main $spare $sstart $slen"
	fi
}

# create <name> <table line>
create() { dmsetup create "$1" --table "$2" || fail "dmsetup create $1 failed: $2"; }

remove() { dmsetup remove "$1" || fail "dmsetup remove $1 failed"; }

# Requests completed by a whole-disk device, from /sys/block/*/stat
# (Documentation/block/stat.rst): writes, discards, flushes.
disk_stat() { awk -v f="$2" '{ print $f }' "/sys/block/$(basename "$1")/stat"; }
writes() { disk_stat "$1" 5; }
discards() { disk_stat "$1" 12; }
flushes() { disk_stat "$1" 16; }
write_sectors() { disk_stat "$1" 7; }

# dm_blk <mapped name> -> dm-N, its name under /sys/block
dm_blk() { dmsetup info -c --noheadings -o blkdevname "$1"; }

load_remap() { modprobe dm-remap || fail "modprobe dm-remap failed"; }

# expect_rejected <expected message> <table line>: creation must fail and the
# kernel log must carry the message.
expect_rejected() {
	dmesg -c > /dev/null
	if dmsetup create bad --table "$2" 2> /tmp/err; then
		dmsetup remove bad
		fail "accepted bad table: $2"
	fi
	dmesg | grep -qF "remap: $1" || {
		dmesg | tail -n 3
		fail "rejected '$2' without the message '$1'"
	}
	echo "rejected: $2 -> $1"
}

# majmin <disk> -> major:minor as device-mapper prints it
majmin() { cat "/sys/block/$(basename "$1")/dev"; }

# wipe <dev> <start sector> <sectors> (multiples of 8): zeroes, e.g. to drop a spare region's
# metadata before reusing it with another geometry.
wipe() {
	gdd if=/dev/zero of="$1" bs=4096 seek=$(($2 / 8)) count=$(($3 / 8)) \
		oflag=direct conv=notrunc status=none
}

# spare_data_nonzero <name> <spare dev>: non-zero bytes in the spare device
# outside the metadata copies of remap device <name> (what remaps wrote).
spare_data_nonzero() {
	gdd if="$2" of=/tmp/spare.img bs=1M status=none
	dmsetup message "$1" 0 metadata_locations | while read -r _ _ _ sector sectors _; do
		gdd if=/dev/zero of=/tmp/spare.img bs=512 seek="${sector#sector=}" \
			count="${sectors#sectors=}" conv=notrunc status=none
	done
	tr -d '\0' < /tmp/spare.img | wc -c
	rm -f /tmp/spare.img
}

# msg <name> <verb> [args]: the message's reply; fails the scenario on error.
msg() {
	name=$1
	shift
	dmsetup message "$name" 0 "$@" || fail "message $*: refused"
}

# msg_refused <name> <expected log text> <verb> [args]: the message fails and
# the kernel log says why.
msg_refused() {
	name=$1 why=$2
	shift 2
	dmesg -c > /dev/null
	if dmsetup message "$name" 0 "$@" > /tmp/out 2>&1; then
		fail "message '$*' accepted: $(cat /tmp/out)"
	fi
	dmesg | grep -qF "$why" || {
		dmesg | tail -n 3
		fail "message '$*' refused without '$why'"
	}
	echo "refused: $* -> $why"
}

# stat_of <name> <key>: one value of the `stats` message.
stat_of() { msg "$1" stats | sed -n "s/^$2=//p"; }

# io_fails <expected error text> <command...>: the I/O command must fail and
# its error must name the errno the block layer's status maps to (O_DIRECT
# passes it through: EIO "Input/output error" = BLK_STS_IOERR, ENODATA "No
# data available" = BLK_STS_MEDIUM, ENOSPC = BLK_STS_NOSPC, ENOLINK "Link has
# been severed" = BLK_STS_TRANSPORT).
io_fails() {
	why=$1
	shift
	if "$@" 2> /tmp/io.err; then
		fail "succeeded, expected '$why': $*"
	fi
	grep -qF "$why" /tmp/io.err || fail "failed with '$(cat /tmp/io.err)', expected '$why': $*"
}

# dev_matches <dev> <byte offset> <file> <what>: the device holds the file at that offset.
dev_matches() {
	read_direct "$1" "$2" "$(stat -c %s "$3")" /tmp/dev.read
	same_content "$3" /tmp/dev.read "$4"
	rm -f /tmp/dev.read
}

# nullb_create <name> <MiB> <block size>: a memory-backed null_blk disk made
# through configfs; prints its device node. Bad ranges: nullb_bad.
nullb_create() {
	[ -d /sys/kernel/config/nullb ] || modprobe null_blk nr_devices=0 ||
		fail "modprobe null_blk"
	d=/sys/kernel/config/nullb/$1
	mkdir "$d" || fail "null_blk $1: mkdir"
	echo 1 > "$d/memory_backed" && echo "$3" > "$d/blocksize" && echo "$2" > "$d/size" &&
		echo 1 > "$d/power" || fail "null_blk $1: configure"
	[ -b "/dev/$1" ] || mdev -s
	[ -b "/dev/$1" ] || fail "null_blk $1: no /dev/$1"
	echo "/dev/$1"
}

# nullb_bad <name> +<first>-<last> | -<first>-<last>: add or clear a bad
# range, in 512-byte sectors; reads and writes touching it fail with EIO.
nullb_bad() { echo "$2" > "/sys/kernel/config/nullb/$1/badblocks" || fail "null_blk $1: badblocks $2"; }

# scsi_debug_disk: the block device of the (first) scsi_debug disk, once it appeared.
scsi_debug_disk() {
	i=0
	while [ "$i" -lt 50 ]; do
		for b in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
			[ -e "$b" ] || continue
			[ -b "/dev/${b##*/}" ] || mdev -s
			echo "/dev/${b##*/}"
			return 0
		done
		sleep 0.2
		i=$((i + 1))
	done
	fail "no scsi_debug disk appeared"
}
