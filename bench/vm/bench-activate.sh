# Activation with BENCH_ACT_REMAPS (1,000,000) remaps (issue 6): the time
# `dmsetup create` takes to load the table, against the time to read the
# metadata bytes sequentially from the same device. A load reads every
# copy: the superblocks, the newest copy's slot pages, then each other
# copy's pages to verify it (core/store.c, dmr_store_load). So the baseline
# is reading all copies: one O_DIRECT dd of 1 MiB blocks per copy.
# The spare region is 4 GiB (1,048,576 blocks, 4 copies of 8 MiB): the
# spare is a device-mapper device whose metadata copies are on brd and
# whose data blocks are the `zero` target, so 4 GiB of remapped data need
# no RAM; main is `zero` too. Both devices are the same in both timings.
# `dmsetup create` of a linear device of the same size is timed too: what
# the dmsetup process and the ioctls cost without any metadata; the ratio
# is taken net of it (and shown raw). To tell the fixed cost from the
# per-remap one, the same metadata is loaded with no remaps too, and the
# copies are read in the module's 512 KiB runs too. Medians of BENCH_ACT_ROUNDS (5).
# initramfs: fio
# timeout: 1800
. /lib/dmr-test.sh
nremaps=${BENCH_ACT_REMAPS:-1000000}
rounds=${BENCH_ACT_ROUNDS:-5}
load_remap
modprobe dm-zero || fail "modprobe dm-zero"
modprobe brd rd_nr=1 rd_size=$((4 << 20)) || fail "modprobe brd"
len=8388608

# Nanoseconds of the kernel's clock (busybox date has no %N).
now() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
[ -n "$(now)" ] || fail "no clock in /proc/timer_list"
# time_load <remaps> <file>: one timed `dmsetup create` of the remap device
# (caches dropped), appended to the file in ms; the device is removed again.
time_load() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	t0=$(now)
	dmsetup create r --table "$table" || fail "create r"
	t1=$(now)
	expect_eq "$(msg r count)" "remapped=$1 pending=0" "count after activation"
	remove r
	ms "$t0" "$t1" >> "$2"
}
# read_copies <bs> <file>: every copy read once with O_DIRECT dd, the sum of
# dd's own times appended to the file in ms ("... copied, 0.0123 s, ...").
read_copies() {
	echo 3 > /proc/sys/vm/drop_caches
	: > /tmp/dd
	while read -r sec n; do
		gdd if=/dev/mapper/s of=/dev/null bs="$1" iflag=direct,skip_bytes,count_bytes \
			skip=$((sec * 512)) count=$((n * 512)) 2>> /tmp/dd || fail "reading copy at $sec"
	done < /tmp/copies
	sed -n 's/.* copied, \([0-9.e-]*\) s,.*/\1/p' /tmp/dd |
		awk '{ s += $1; n++ } END { if (n == 4) printf "%.1f\n", s * 1000 }' >> "$2"
}

dmsetup create m --table "0 $len zero" || fail "create m"
dmsetup create s --table "0 $len zero" || fail "create s"
table=$(remap_table $len /dev/mapper/m /dev/mapper/s 0 $len block_size 4096)
# Where the copies lie (a format onto `zero` is dropped; the next one lands on brd).
create r "$table"
msg r metadata_locations | sed 's/.*sector=\([0-9]*\) sectors=\([0-9]*\).*/\1 \2/' |
	sort -n > /tmp/copies
remove r
[ "$(wc -l < /tmp/copies)" -eq 4 ] || fail "expected 4 metadata copies: $(cat /tmp/copies)"
at=0
while read -r sec n; do
	[ "$sec" -le "$at" ] || echo "$at $((sec - at)) zero"
	echo "$sec $n linear /dev/ram0 $sec"
	at=$((sec + n))
done < /tmp/copies > /tmp/spare.table
[ "$at" -ge "$len" ] || echo "$at $((len - at)) zero" >> /tmp/spare.table
dmsetup suspend s && dmsetup load s < /tmp/spare.table && dmsetup resume s ||
	fail "spare table: $(cat /tmp/spare.table)"
create r "$table"
bytes=$(awk '{ s += $2 } END { print s * 512 }' /tmp/copies)
remove r
# The same metadata with no remaps: what reading and checking the copies
# costs before any slot is decoded into a remap.
: > /tmp/load0
i=0
while [ "$i" -lt "$rounds" ]; do
	time_load 0 /tmp/load0
	i=$((i + 1))
done
create r "$table"

t0=$(now)
done_=0
while [ "$done_" -lt "$nremaps" ]; do
	n=$((nremaps - done_))
	[ "$n" -le 100000 ] || n=100000
	reply=$(msg r remap $((done_ * 8)) $((n * 8)))
	expect_eq "$reply" "remapped=$n pending=0 already=0" "remap of $n blocks"
	done_=$((done_ + n))
done
t1=$(now)
expect_eq "$(msg r count)" "remapped=$nremaps pending=0" "count"
log "$nremaps remaps made in $(ms "$t0" "$t1") ms (ranges of 100,000 blocks: one commit each)"
remove r

: > /tmp/load
: > /tmp/lin
: > /tmp/read
: > /tmp/read512
i=0
while [ "$i" -lt "$rounds" ]; do
	time_load "$nremaps" /tmp/load
	echo 3 > /proc/sys/vm/drop_caches
	t0=$(now)
	dmsetup create l --table "0 $len linear /dev/mapper/s 0" || fail "create l"
	t1=$(now)
	remove l
	ms "$t0" "$t1" >> /tmp/lin
	read_copies 1M /tmp/read
	read_copies 512K /tmp/read512
	i=$((i + 1))
done
load=$(median < /tmp/load) lin=$(median < /tmp/lin) rd=$(median < /tmp/read)
rd512=$(median < /tmp/read512) load0=$(median < /tmp/load0)
[ -n "$rd" ] && [ -n "$load" ] && [ -n "$lin" ] && [ -n "$rd512" ] && [ -n "$load0" ] ||
	fail "missing figures"
awk -v x="$rd" 'BEGIN { exit !(x > 0) }' || fail "reading the copies took no time: $rd"
echo "=== bench-activate $(uname -r): $nremaps remaps, 4 copies, $bytes bytes of metadata, medians of $rounds"
awk -v l="$load" -v n="$lin" -v r="$rd" -v r2="$rd512" -v z="$load0" -v b="$bytes" -v rl="$(tr '\n' ' ' < /tmp/load)" \
	-v rr="$(tr '\n' ' ' < /tmp/read)" 'BEGIN {
	q = (l - n) / r
	printf "| figure | ms |\n|---|---|\n"
	printf "| dmsetup create, remap table (load) | %.1f (rounds: %s) |\n", l, rl
	printf "| the same with no remaps (same 4 copies, all slots free) | %.1f |\n", z
	printf "| dmsetup create, linear table of the same size | %.1f |\n", n
	printf "| reading the 4 copies, O_DIRECT 1 MiB (dd own time; %.1f MiB/s) | %.1f (rounds: %s) |\n", b / 1048576 / (r / 1000), r, rr
	printf "| the same in 512 KiB reads (what the module reads at a time) | %.1f |\n", r2
	printf "| ratio load / read (net of the linear create) | %.2f (goal <= 2: %s) |\n", q, (q <= 2) ? "met" : "NOT met"
	printf "| ratio load / read (raw) | %.2f |\n", l / r
}' || fail "no ratio"
