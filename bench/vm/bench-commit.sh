# What remap creation costs the spare device (issue 6), counted from its
# /sys/block stats as commit-cost does (write I/Os, sectors written,
# flushes; a flush is also counted as a write I/O of 0 sectors), and how
# many remaps per second the automatic path makes when many blocks fail at
# once (group commit: the worker takes every failed bio queued so far, puts
# each on the spare, flushes once and commits once).
# Cases: manual single-block remaps (one message each); one manual range;
# failing writes one at a time (fio, 1 job, QD1); and BENCH_GROUP (8,192)
# blocks failing under 16 fio writers at QD16 each. Main is disk 1 behind
# a linear table with `error` over the failing ranges, the spare is all of
# disk 2 (65,536 blocks, 3 copies). Rates use fio's own runtime.
# disks: 256M 256M
# initramfs: fio
# timeout: 1200
. /lib/dmr-test.sh
single=${BENCH_SINGLE:-100}
range=${BENCH_RANGE:-10000}
qd1=${BENCH_QD1:-256}
group=${BENCH_GROUP:-8192}
load_remap
main=$(disk 1) spare=$(disk 2)
n=$(sectors "$main")
a=20000 b=32768
[ $((b + group)) -le $((n / 8)) ] && [ $((a + qd1)) -le "$b" ] || fail "sizes do not fit"
{
	echo "0 $((a * 8)) linear $main 0"
	echo "$((a * 8)) $((qd1 * 8)) error"
	echo "$(((a + qd1) * 8)) $(((b - a - qd1) * 8)) linear $main $(((a + qd1) * 8))"
	echo "$((b * 8)) $((group * 8)) error"
	echo "$(((b + group) * 8)) $((n - (b + group) * 8)) linear $main $(((b + group) * 8))"
} | dmsetup create m || fail "create m"
create r "$(remap_table "$n" /dev/mapper/m "$spare" 0 "$(sectors "$spare")" block_size 4096)"

now() { awk '/^now at/ { print $3; exit }' /proc/timer_list; }
mark() {
	s0=$(write_sectors "$spare") w0=$(writes "$spare") f0=$(flushes "$spare")
	c0=$(stat_of r commits) t0=$(now)
}
# row <case> <remaps> [seconds]: per-remap costs since mark, and the rate.
row() {
	local s w f c t
	t=$(now)
	s=$(($(write_sectors "$spare") - s0)) w=$(($(writes "$spare") - w0))
	f=$(($(flushes "$spare") - f0)) c=$(($(stat_of r commits) - c0))
	[ "$2" -gt 0 ] || fail "$1: no remaps"
	awk -v n="$1" -v k="$2" -v s="$s" -v w="$w" -v f="$f" -v c="$c" -v secs="${3:-}" \
		-v wall="$(((t - t0) / 1000))" 'BEGIN {
		if (secs == "") secs = wall / 1e6
		printf "| %s | %d | %.2f | %.2f | %.1f | %.2f | %.1f | %.0f |\n", n, k, (w - f) / k, f / k,
			s / k, c / k, k / c, k / secs }' >> /tmp/table || fail "$1: no row"
	tail -n 1 /tmp/table
}
# fio_write <jobs> <depth> <first block> <blocks>: each block written once,
# the range split among the jobs; fio's write runtime in seconds goes to $secs.
fio_write() {
	local per=$(($4 / $1))
	fio --name=w --filename=/dev/mapper/r --direct=1 --ioengine=libaio --bs=4k --rw=write \
		--iodepth="$2" --numjobs="$1" --offset=$(($3 * 4096)) --size=$((per * 4096)) \
		--offset_increment=$((per * 4096)) --group_reporting --output-format=terse \
		--eta=never > /tmp/fio.out 2>&1 || { cat /tmp/fio.out; fail "fio $* exited non-zero"; }
	secs=$(awk -F';' 'NF > 100 && $5 == 0 && $50 > 0 { printf "%.3f\n", $50 / 1000 }' /tmp/fio.out)
	[ -n "$secs" ] || { cat /tmp/fio.out; fail "fio $*: an error or no runtime"; }
}

cat > /tmp/table <<'EOF'
| case | remaps | data+metadata writes per remap | flushes per remap | sectors written per remap | commits per remap | remaps per commit | remaps per second |
|---|---|---|---|---|---|---|---|
EOF
mark
i=0
while [ "$i" -lt "$single" ]; do
	msg r remap $((i * 8)) > /dev/null
	i=$((i + 1))
done
row "manual, one block per message" "$single"

mark
expect_eq "$(msg r remap 8000 $((range * 8)))" "remapped=$range pending=0 already=0" "range"
row "manual, $range blocks in one message" "$range"

mark
fio_write 1 1 $a "$qd1"
expect_eq "$(stat_of r auto_remaps)" "$qd1" "automatic remaps after the QD1 writes"
row "automatic, failing writes one at a time (1 job, QD1)" "$qd1" "$secs"

mark
fio_write 16 16 $b "$group"
expect_eq "$(stat_of r auto_remaps)" $((qd1 + group)) "automatic remaps after the group"
row "automatic, $group blocks failing under 16 jobs x QD16" "$group" "$secs"

expect_eq "$(msg r count)" "remapped=$((single + range + qd1 + group)) pending=0" "count"
expect_eq "$(msg r check)" ok "check"
lat=$(msg r stats | grep -E '^remap_latency_(avg|max)_us=' | tr '\n' ' ')
remove r
dmsetup remove m
echo "=== bench-commit $(uname -r): spare = virtio disk (host cache=unsafe), 3 copies"
cat /tmp/table
echo "automatic remaps, from a failed write to its completion: $lat"
