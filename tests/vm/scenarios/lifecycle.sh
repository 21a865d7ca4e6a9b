# Lifecycle under I/O: suspend/resume and same-table reloads while writers
# run and blocks are remapped lose no write and no remap; a reload with other
# options is taken, one with another geometry refused (the old table stays);
# `dmsetup remove --force` under I/O ends it with errors, not an oops; the
# module unloads and reloads with its devices re-created intact; two remap
# devices share one spare device in different regions, each with its remaps.
# disks: 64M 64M 16M
# timeout: 300
. /lib/dmr-test.sh
load_remap
m1=$(disk 1) m2=$(disk 2) spare=$(disk 3)
t1=$(remap_table 131072 "$m1" "$spare" 0 4096 block_size 4096)
t2=$(remap_table 131072 "$m2" "$spare" 4096 4096 block_size 4096)
create r1 "$t1"
create r2 "$t2"
# Writers: each owns 1 MiB slices of r1 and rewrites them with known content.
pattern /tmp/p $((4 << 20))
writer() {	# writer <slice>: 20 passes over its slice, each verified
	pass=0
	while [ $pass -lt 20 ]; do
		gdd if=/tmp/p of=/dev/mapper/r1 bs=1M skip="$1" seek="$1" count=1 oflag=direct \
			conv=notrunc status=none || { echo "writer $1: write failed"; return 1; }
		gdd if=/dev/mapper/r1 of=/tmp/w$1 bs=1M skip="$1" count=1 iflag=direct status=none
		gdd if=/tmp/p of=/tmp/x$1 bs=1M skip="$1" count=1 status=none
		cmp -s /tmp/w$1 /tmp/x$1 || { echo "writer $1: read back differs in pass $pass"; return 1; }
		pass=$((pass + 1))
	done
}
for s in 0 1 2 3; do writer $s > /tmp/writer$s.log 2>&1 & done
# Meanwhile: remaps inside the writers' slices, suspends, reloads.
i=0
while [ $i -lt 12 ]; do
	msg r1 remap $((i * 512 + 8)) > /dev/null
	dmsetup suspend r1 && dmsetup resume r1 || fail "suspend/resume under I/O"
	if [ $((i % 3)) -eq 0 ]; then
		dmsetup reload r1 --table "$t1" && dmsetup resume r1 || fail "reload under I/O"
	fi
	i=$((i + 1))
done
wait
for s in 0 1 2 3; do
	[ -s /tmp/writer$s.log ] && fail "$(cat /tmp/writer$s.log)"
done
expect_eq "$(msg r1 count)" "remapped=12 pending=0" "remaps after suspends and reloads"
gdd if=/dev/mapper/r1 of=/tmp/r bs=1M count=4 iflag=direct status=none
same_content /tmp/p /tmp/r "writers' data"
expect_eq "$(msg r1 check)" "ok" "check after the storm"

# Reloads: other options are taken, another geometry is refused.
dmsetup reload r1 --table "$(remap_table 131072 "$m1" "$spare" 0 4096 block_size 4096 no_auto_remap)" &&
	dmsetup resume r1 || fail "reload with no_auto_remap"
msg r1 stats | grep -qx auto_remap=off || fail "no_auto_remap not taken by the reload"
dmesg -c > /dev/null
dmsetup reload r1 --table "$(remap_table 65536 "$m1" "$spare" 0 4096 block_size 4096)" 2>/dev/null &&
	fail "reload with another length accepted"
dmesg | grep -q "metadata this table line cannot use" || fail "no reason for the refused reload"
dmsetup resume r1
expect_eq "$(dmsetup table r1 | cut -d' ' -f2)" 131072 "table after a refused reload"
expect_eq "$(msg r1 count)" "remapped=12 pending=0" "remaps after a refused reload"

# The other device on the same spare keeps its own remaps.
msg r2 remap 0 64 > /dev/null
expect_eq "$(msg r2 count)" "remapped=8 pending=0" "second device's remaps"
expect_eq "$(msg r1 count)" "remapped=12 pending=0" "first device untouched"

# Forced removal under I/O: the table becomes `error`, the reader ends with
# an error, then the device goes.
# The reader reads until an error (a fast host could finish one pass first);
# the removal comes once its reads are seen.
r2blk=$(dm_blk r2)
reads0=$(disk_stat "$r2blk" 1)
( n=0
  while [ $n -lt 100 ]; do
	gdd if=/dev/mapper/r2 of=/dev/null bs=4096 iflag=direct status=none 2>/dev/null || exit 1
	n=$((n + 1))
  done ) &
reader=$!
reads_above() { [ "$(disk_stat "$r2blk" 1)" -gt "$1" ]; }
wait_for 30 "the reader of r2 does not read" reads_above $((reads0 + 64))
dmsetup remove --force r2 2>/dev/null || true
wait $reader && fail "reader of a force-removed device ended without an error"
if dmsetup info r2 > /dev/null 2>&1; then
	dmsetup remove r2 || fail "removal after the forced one"
fi

# Module unload and reload, devices re-created.
remove r1
rmmod dm-remap || fail "rmmod"
load_remap
create r1 "$t1"
create r2 "$t2"
expect_eq "$(msg r1 count)" "remapped=12 pending=0" "r1 after module reload"
expect_eq "$(msg r2 count)" "remapped=8 pending=0" "r2 after module reload"
gdd if=/dev/mapper/r1 of=/tmp/r bs=1M count=4 iflag=direct status=none
same_content /tmp/p /tmp/r "writers' data after module reload"
remove r1
remove r2
