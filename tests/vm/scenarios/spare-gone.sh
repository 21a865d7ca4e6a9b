# The spare device disappears under I/O: the spare region is on a scsi_debug
# disk that is deleted (/sys/block/sdX/device/delete, a hot-unplug) while
# dmr-blkio fill writes every block of a range holding manual remaps (a
# range, singles, some unremapped again) and blocks that go bad under main a
# moment before (automatic remaps in flight), and rewrites and reads a region
# on main where nothing may fail.
#  - Blocks on main keep working: the good region sees no error at all.
#  - Remapped blocks fail with EIO, reads and writes (never main's stale data).
#  - The device reports it: mode `fail`, a dm event, the reason in the log;
#    remap, unremap and commit are refused (EROFS), `check` says fail.
#  - No spare block is marked bad and no spare is used for it (a device that
#    is gone is not a failing medium).
#  - No oops, no hang, `dmsetup remove` works.
# Then the disk comes back (a SCSI rescan finds it again, its data intact in
# scsi_debug's store) and the device is created anew: every remap committed
# before the removal is there, `check` is ok, and every block reads back its
# last acknowledged write (dmr-blkio verify); blocks whose last write failed
# read back old or new data, or fail if main is bad there.
# disks: 64M
# timeout: 240
. /lib/dmr-test.sh
load_remap
modprobe sd_mod || fail "modprobe sd_mod"
modprobe scsi_debug dev_size_mb=16 || fail "modprobe scsi_debug"
disk=$(disk 1) sd=$(scsi_debug_disk)
bad_table "$disk" | dmsetup create m || fail "create m"
table() { remap_table 131072 /dev/mapper/m "$1" 0 32768 block_size 4096; }
create r "$(table "$sd")"
dev=/dev/mapper/r

# Blocks 1024..2047 are the range the writers sweep: 1024..1279 remapped in
# one message, every 14th of 1301..1999 singly, every other one of those
# (1315, 1343, ...) unremapped again.
expect_eq "$(msg r remap $((1024 * 8)) $((256 * 8)))" "remapped=256 pending=0 already=0" "range remap"
b=1301
while [ $b -lt 2000 ]; do msg r remap $((b * 8)) > /dev/null; b=$((b + 14)); done
unremapped=0
b=1315
while [ $b -lt 2000 ]; do
	msg r unremap $((b * 8)) > /dev/null
	unremapped=$((unremapped + 1))
	b=$((b + 28))
done
log "before: $(msg r count), $unremapped unremapped again"

rm -f /tmp/stop
dmr-blkio fill "$dev" --good 0 512 --range 1024 1024 --threads 4 --stop-file /tmp/stop --enodev-ok \
	--state /tmp/state > /tmp/fill.out 2>&1 &
pid=$!
wait_line /tmp/fill.out running
sleep 2
# Blocks go bad under main: the sweepers' writes to them are remapped
# automatically; the second set goes bad just before the spare goes.
set_bad m "$disk" 1500 1501 1502 1503 1600 1800
sleep 2
auto=$(stat_of r auto_remaps)
log "auto remaps before the removal: $auto; $(msg r count)"
events=$(dmsetup info -c --noheadings -o events r)
uevent_listen /tmp/uev
set_bad m "$disk" 1500 1501 1502 1503 1600 1800 1700 1701 1900 2000
echo 1 > "/sys/block/$(basename "$sd")/device/delete" || fail "deleting the spare disk"
log "spare disk $sd deleted under I/O"
sleep 4
touch /tmp/stop
wait "$pid" || { cat /tmp/fill.out; fail "dmr-blkio fill with the spare gone"; }
cat /tmp/fill.out

log "after: $(dmsetup status r)"
expect_eq "$(dmsetup status r | cut -d' ' -f5)" fail "mode with the spare gone"
[ "$(dmsetup info -c --noheadings -o events r)" -gt "$events" ] || fail "no dm event"
wait_line /tmp/uev "^change r mode fail$"
# The reason is logged even when a commit failed (and turned the device
# `fail`) while the disk was being removed, before it was marked gone.
wait_dmesg "spare device is gone"
expect_eq "$(dmesg | grep -c "spare device is gone")" 1 "times the reason is logged"
expect_eq "$(stat_of r bad)" 0 "spare blocks marked bad"
msg r stats | grep -E '^(mode|remapped|pending|auto_remaps|manual_remaps|unremaps|read_errors|write_errors|path_errors|commit_failures)=' | tr '\n' ' '
echo

# Remapped blocks: EIO both ways. Main's blocks: fine, and main's data.
pattern /tmp/w 4096
for b in 1024 1279 1301 1329; do
	msg r query $((b * 8)) | grep -q state=remapped || fail "block $b: $(msg r query $((b * 8)))"
	io_fails "Input/output error" read_direct "$dev" $((b * 4096)) 4096 /tmp/r
	io_fails "Input/output error" write_direct "$dev" $((b * 4096)) /tmp/w
done
for b in 100 1315 2047; do
	msg r query $((b * 8)) | grep -q state=ok || fail "block $b: $(msg r query $((b * 8)))"
	write_direct "$dev" $((b * 4096)) /tmp/w || fail "write to main's block $b"
	dev_matches "$dev" $((b * 4096)) /tmp/w "main's block $b"
	dev_matches /dev/mapper/m $((b * 4096)) /tmp/w "main's block $b, on main"
done
# The sweepers' state of those blocks is replaced by what was written just now.
sed -i '/^\(100\|1315\|2047\) /d' /tmp/state

msg_refused r "metadata is fail" remap $((3000 * 8))
msg_refused r "metadata is fail" unremap $((1024 * 8))
msg_refused r "metadata is fail" commit
msg r check > /tmp/check || true
head -n 1 /tmp/check | grep -qx fail || fail "check with the spare gone: $(cat /tmp/check)"
count=$(msg r count)
remove r

log "the disk comes back"
for h in /sys/class/scsi_host/host*/scan; do echo "- - -" > "$h"; done
sd=$(scsi_debug_disk)
create r "$(table "$sd")"
log "created anew on $sd: $(msg r count) (was $count)"
expect_eq "$(msg r check)" ok "check after the disk came back"
# Remaps made under I/O after the removal never committed; the rest are there.
expect_eq "$(msg r query $((1024 * 8)) $((256 * 8)) | grep -c state=remapped)" 256 "range remap"
dmr-blkio verify "$dev" /tmp/state || fail "data after the disk came back"
for b in 100 1315 2047; do dev_matches "$dev" $((b * 4096)) /tmp/w "block $b"; done
remove r
dmsetup remove m
