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

# nullb_create <name> <MiB> <block size> [memory_backed 1|0]: a null_blk disk
# made through configfs, memory-backed unless told 0 (then writes are dropped
# and reads return nothing: only the CPU path is left); prints its device node.
# Bad ranges: nullb_bad.
nullb_create() {
	[ -d /sys/kernel/config/nullb ] || modprobe null_blk nr_devices=0 ||
		fail "modprobe null_blk"
	d=/sys/kernel/config/nullb/$1
	mkdir "$d" || fail "null_blk $1: mkdir"
	echo "${4:-1}" > "$d/memory_backed" && echo "$3" > "$d/blocksize" && echo "$2" > "$d/size" &&
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
# bad_table <disk> <bad 4 KiB block>...: a table for a main device that is
# the disk with the `error` target over each listed block (ascending, distinct).
bad_table() {
	local d=$1 n at=0 b s
	shift
	n=$(sectors "$d")
	for b in "$@"; do
		s=$((b * 8))
		[ "$s" -le "$at" ] || echo "$at $((s - at)) linear $d $at"
		echo "$s 8 error"
		at=$((s + 8))
	done
	[ "$at" -ge "$n" ] || echo "$at $((n - at)) linear $d $at"
}

# set_bad <main name> <disk> <block>...: main's blocks go bad, under I/O:
# its table is swapped for one with exactly those bad blocks (any order).
set_bad() {
	local name=$1 d=$2
	shift 2
	# shellcheck disable=SC2046
	dmsetup suspend "$name" &&
		bad_table "$d" $(printf '%s\n' "$@" | sort -n -u) | dmsetup load "$name" &&
		dmsetup resume "$name" || fail "swapping the table of $name"
}

# fs_job <verify_only 0|1>: the fio job of fs_under_bad_blocks. Two writers
# with O_DIRECT (libaio, 4 x 64 KiB in flight) and two buffered ones (fsync at
# the end), 8 MiB each, every 64 KiB block with a crc32c header; fio reads
# everything back after writing (after fsync and dropping the page cache).
# Files are preallocated (unwritten extents) so that their place on the
# device is known before the first write.
fs_job() {
	cat <<JOB
[global]
directory=/mnt
size=8m
bs=64k
rw=write
fallocate=native
verify=crc32c
verify_fatal=1
verify_state_save=0
group_reporting=1
verify_only=$1
JOB
	# The write pass is throttled so that blocks that go bad while it runs
	# are still ahead of it: at 1 MiB/s, block 1600 of a file is not
	# reached before 6 s.
	[ "$1" = 1 ] || echo "rate=1m"
	cat <<JOB
[direct]
numjobs=2
direct=1
ioengine=libaio
iodepth=4
[buffered]
new_group
numjobs=2
ioengine=psync
end_fsync=1
JOB
}

# dev_block <fs> <dev> <file> <block of the file>: the 4 KiB block of the
# device holding it (filefrag; btrfs reports its own logical addresses,
# btrfs-map-logical turns them into the device's).
dev_block() {
	local fs=$1 dev=$2 file=$3 fb=$4 ext phys
	ext=$(filefrag -v "$file" | tr -d '.:' |
		awk -v b="$fb" '$1 ~ /^[0-9]+$/ && b >= $2 && b <= $3 { print $4 + b - $2; exit }')
	[ -n "$ext" ] || fail "block $fb of $file not found by filefrag"
	if [ "$fs" = btrfs ]; then
		phys=$(btrfs-map-logical -l $((ext * 4096)) -b 4096 "$dev" | awk '/^mirror 1 / { print $6; exit }')
		[ -n "$phys" ] || fail "btrfs-map-logical found no block for $file"
		ext=$((phys / 4096))
	fi
	echo "$ext"
}

# fsck_clean <fs> <dev>: the filesystem's checker finds nothing.
fsck_clean() {
	case $1 in
	ext4) e2fsck -fn "$2" ;;
	xfs) xfs_repair -n "$2" ;;
	btrfs) btrfs check "$2" ;;
	esac > /tmp/fsck.log 2>&1 || {
		cat /tmp/fsck.log
		fail "fsck of $1 not clean"
	}
	log "fsck.$1 clean: $(tail -n 1 /tmp/fsck.log)"
}

# fio_ok <output file> <what>: fio's output shows no error and no verify
# failure; prints its summary lines.
fio_ok() {
	if grep -Eq 'err= *[1-9]|verify: |bad magic|crc32c: |fio: ' "$1"; then
		cat "$1"
		fail "fio $2: errors"
	fi
	grep -E 'err=|^ *(READ|WRITE):' "$1" | sed 's/^ */  /'
}

# fs_under_bad_blocks <fs> <bad blocks before mkfs>: disk 1 (behind the
# linear+error device m) is main, all of disk 2 the spare region, block size
# 4096. mkfs on the remap device must succeed over the bad blocks; fio writes
# and verifies files while more blocks under those files go bad; every such
# block ends remapped; fsck is clean; after the remap device is taken down
# and set up again, fsck is clean again and fio verifies the data again.
# Blocks go bad only where the next access is a write (free space, file
# space the writers have not reached yet): a block that goes bad after it
# was written cannot be read any more (the data is gone, EIO is the honest
# answer), which is not what this tests. So zero verify errors is the
# expectation.
fs_under_bad_blocks() {
	local fs=$1 pre=$2 disk spare n dev table f fb b t0 pid early="" late="" files
	load_remap
	modprobe "$fs" || fail "modprobe $fs"
	disk=$(disk 1) spare=$(disk 2)
	n=$(sectors "$disk")
	dev=/dev/mapper/r
	# shellcheck disable=SC2086
	bad_table "$disk" $pre | dmsetup create m || fail "create m"
	table=$(remap_table "$n" /dev/mapper/m "$spare" 0 "$(sectors "$spare")" block_size 4096)
	create r "$table"

	log "mkfs.$fs over $(echo $pre | wc -w) bad blocks"
	case $fs in
	ext4) mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$dev" ;;
	xfs) mkfs.xfs -q -f "$dev" ;;
	btrfs) mkfs.btrfs -q -f "$dev" ;;
	esac > /tmp/mkfs.log 2>&1 || {
		cat /tmp/mkfs.log
		fail "mkfs.$fs failed over bad blocks"
	}
	log "after mkfs: $(msg r count)"
	mount -t "$fs" "$dev" /mnt || fail "mount $fs"

	fs_job 0 > /tmp/write.fio
	fs_job 1 > /tmp/verify.fio
	fio --eta=never --create_only=1 --output=/tmp/fio.out /tmp/write.fio || {
		cat /tmp/fio.out
		fail "fio could not lay out its files"
	}
	sync
	files=$(ls /mnt/direct.* /mnt/buffered.*)
	[ "$(echo $files | wc -w)" -eq 4 ] || { ls -l /mnt; fail "fio laid out: $files"; }
	# Blocks 64 and 1000 of each file go bad before the writers start;
	# 1600, 1601 (one 64 KiB write) and 2047 (the last) while they run.
	for f in $files; do
		for fb in 64 1000; do early="$early $(dev_block "$fs" "$dev" "$f" "$fb")"; done
		for fb in 1600 1601 2047; do late="$late $(dev_block "$fs" "$dev" "$f" "$fb")"; done
	done
	# shellcheck disable=SC2086
	set_bad m "$disk" $pre $early
	t0=$(date +%s) u0=$(cut -d' ' -f1 /proc/uptime)
	fio --eta=never --output=/tmp/fio.out /tmp/write.fio &
	pid=$!
	sleep 1
	# shellcheck disable=SC2086
	set_bad m "$disk" $pre $early $late
	log "$(echo $early $late | wc -w) blocks under the files went bad (the last $(($(date +%s) - t0)) s into the writes, which need 8 s)"
	# At 1 MiB/s the writers reach file block 1600 after 6.25 s: later, the
	# late blocks were written before they went bad, and verify reads EIO.
	awk -v a="$u0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { exit !(b - a < 6) }' || fail "the late blocks went bad too late for the test (the writers had passed them)"
	wait "$pid" || { cat /tmp/fio.out; fail "fio write+verify exited non-zero"; }
	log "fio write+verify: $(($(date +%s) - t0)) s"
	fio_ok /tmp/fio.out "write+verify"
	for b in $early $late; do
		msg r query $((b * 8)) | grep -q "state=remapped" ||
			fail "block $b went bad under a file and is not remapped: $(msg r query $((b * 8)))"
	done
	log "after fio: $(msg r count), every block that went bad under a file remapped"
	umount /mnt || fail "umount"
	expect_eq "$(msg r check)" ok "check"
	msg r stats | grep -E '^(remapped|pending|auto_remaps|read_errors|write_errors|commits)=' |
		tr '\n' ' '
	echo
	fsck_clean "$fs" "$dev"

	log "remap device taken down and set up again"
	remove r
	create r "$table"
	log "reloaded: $(msg r count)"
	fsck_clean "$fs" "$dev"
	mount -t "$fs" "$dev" /mnt || fail "mount $fs after reload"
	fio --eta=never --output=/tmp/fio.out /tmp/verify.fio || { cat /tmp/fio.out; fail "fio verify_only exited non-zero"; }
	fio_ok /tmp/fio.out "verify after reload"
	umount /mnt || fail "umount"
	expect_eq "$(msg r check)" ok "check at the end"
	remove r
	dmsetup remove m
}

# wait_for <seconds> <what> <command>...: poll the command every 0.1 s until
# it succeeds; fail with "<what> after <seconds> s" if it never does.
wait_for() {
	local limit=$(($1 * 10)) s=$1 what=$2 i=0
	shift 2
	until "$@"; do
		i=$((i + 1))
		[ "$i" -lt "$limit" ] || fail "$what after $s s"
		sleep 0.1
	done
}

has_line() { grep -q "$2" "$1" 2>/dev/null; }
in_dmesg() { dmesg | grep -q "$1"; }

# wait_line <file> <text>: until a background program has printed the text.
wait_line() { wait_for 60 "no '$2' in $1" has_line "$1" "$2"; }

# wait_dmesg <text>: until the kernel has logged the text (a worker may
# log it a moment after the state a test has already seen).
wait_dmesg() { wait_for 10 "no '$1' in the kernel log" in_dmesg "$1"; }

# remap_many <name> <first block> <blocks>: remap a run of 4 KiB blocks in
# messages of at most 10,000 blocks, each reply checked.
remap_many() {
	local done_=0 n
	while [ "$done_" -lt "$3" ]; do
		n=$(($3 - done_))
		[ "$n" -le 10000 ] || n=10000
		expect_eq "$(msg "$1" remap $((($2 + done_) * 8)) $((n * 8)))" \
			"remapped=$n pending=0 already=0" "remap of $n blocks"
		done_=$((done_ + n))
	done
}

# remaps_debugfs <name>: every remapped or pending block (list without a limit).
remaps_debugfs() { cat "/sys/kernel/debug/dm-remap/$(dm_blk "$1")/remaps"; }

# uevent_listen <file>: each dm-remap uevent as a line "<action> <DM_NAME>
# <DM_REMAP_EVENT> <DM_REMAP_MODE>" of <file>, from busybox's netlink
# listener (what udev would see), listening before it returns: its
# NETLINK_KOBJECT_UEVENT (15) socket, bound to its pid, is in the table.
uevent_listen() {
	: > "$1"
	uevent sh -c '[ -z "$DM_REMAP_EVENT" ] ||
		echo "$ACTION $DM_NAME $DM_REMAP_EVENT $DM_REMAP_MODE" >> '"$1" &
	wait_for 30 "the uevent listener is not listening" netlink_bound $!
}
netlink_bound() { awk -v p="$1" '$2 == 15 && $3 == p { f = 1 } END { exit !f }' /proc/net/netlink; }
