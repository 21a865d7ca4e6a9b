# I/O path of dm-remap against `linear` on the same devices (issue 6): 4 KiB
# random reads and writes, O_DIRECT (libaio; io_uring too for null_blk with
# no remaps), 1 job at QD1 and 2 jobs at QD32, on brd and on null_blk
# without memory backing (nothing but the CPU path).
# States: no remaps; BENCH_REMAPS (100,000) remaps in a region fio does not
# touch; and fio only over remapped blocks, against linear over the spare
# region that holds them. Each case runs linear and dm-remap side by side
# on the same device, BENCH_ROUNDS (4) rounds of BENCH_RUNTIME (2) s in one
# fio run: at the same time (BENCH_MODE=concurrent, the default) or one
# after the other (alternate: A B A B ...); see pairs(). The ratio is the
# median of the per-pair ratios (see ratios()). Prints one table row per
# case; fails only if fio fails or a ratio cannot be computed, never on the
# ratios (TCG timing is noisy). Three boots: under TCG each boot's placement
# of the modules shifts the two paths' ratio by a few points, so
# bench/run-vm.sh pools the pairs of every boot. Method and figures:
# docs/performance.md.
# memory: 3072
# initramfs: fio
# timeout: 3000
# boots: 3
. /lib/dmr-test.sh
rounds=${BENCH_ROUNDS:-4}
runtime=${BENCH_RUNTIME:-2}
mode=${BENCH_MODE:-concurrent}
engine=libaio
nremaps=${BENCH_REMAPS:-100000}
load_remap
# One brd disk of 1.5 GiB, allocated as written: main is its first GiB, the
# spare region the 512 MiB after it (131,072 blocks, 3 metadata copies).
modprobe brd rd_nr=1 rd_size=$((1536 * 1024)) || fail "modprobe brd"
nullb=$(nullb_create nullb0 1024 512 0)
len=2097152
sstart=2097152 slen=1048576
# fio's window for the no-remap and not-touched cases: the first 256 MiB.
# Remapped blocks start at 512 MiB (block 131072).
win=$((256 << 20))
rfirst=131072

# pairs <dev A> <offset A> <dev B> <offset B> <size> <randread|randwrite>
# <qd1|qd32>: one fio run of $rounds rounds of $runtime s, linear (A) and
# dm-remap (B). concurrent: A and B run at the same time in each round,
# each pinned to one of the guest's 2 CPUs (swapped every round, against
# a bias of either CPU), so that whatever slows the guest down (the host's
# other load stops a TCG guest as a whole) slows both alike, and each
# completes as many I/Os as its CPU time and its cost per I/O allow. alternate: A, then B, each a stonewalled group of its
# own, seconds apart with no fio start-up between them. Per round
# "<IOPS A> <IOPS B>" in /tmp/pairs.
pairs() {
	local j=1 d=1 f=8 i=0 ca cb
	[ "$7" = qd1 ] || j=2 d=32
	[ "$6" = randread ] || f=49
	{
		cat <<JOB
[global]
direct=1
ioengine=$engine
bs=4k
rw=$6
iodepth=$d
numjobs=$j
size=$5
norandommap
randrepeat=0
time_based
runtime=$runtime
JOB
		while [ "$i" -lt "$rounds" ]; do
			if [ "$mode" = concurrent ]; then
				# Each side on a CPU of its own, swapped every round.
				ca="cpus_allowed=$((i % 2))" cb="cpus_allowed=$(((i + 1) % 2))"
			else
				ca="" cb=stonewall
			fi
			printf '[a%d]\nstonewall\n%s\nfilename=%s\noffset=%s\n' "$i" "$ca" "$1" "$2"
			printf '[b%d]\n%s\nfilename=%s\noffset=%s\n' "$i" "$cb" "$3" "$4"
			i=$((i + 1))
		done
	} > /tmp/job.fio
	fio --output-format=terse --eta=never /tmp/job.fio > /tmp/fio.out 2>&1 || {
		cat /tmp/fio.out
		fail "fio $* exited non-zero"
	}
	# One terse line per job (numjobs clones share the name): name in
	# field 3, error in 5. A clone may get no CPU for a whole round when the
	# host is loaded; its side must still have done I/O.
	awk -F';' -v f="$f" -v n="$rounds" -v j="$j" 'NF > 100 {
		if ($5 != 0) exit 1
		v[$3] += $f
		c[$3]++
	} END {
		for (i = 0; i < n; i++) {
			if (c["a" i] != j || c["b" i] != j || v["a" i] <= 0 || v["b" i] <= 0) exit 1
			print v["a" i], v["b" i]
		}
	}' /tmp/fio.out > /tmp/pairs || {
		cat /tmp/fio.out
		fail "fio $*: an error, or a round without an IOPS figure"
	}
}

median() { sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# The ratios of /tmp/pairs (dm-remap's IOPS over linear's), one per line.
# Concurrent: one per pair of rounds, the geometric mean of a round and the
# next, which ran with the CPUs swapped: if one CPU runs a factor c faster,
# the two rounds measure q*c and q/c, and the mean q. An odd last round
# stands alone. Alternate: one per round. (The guest's awk has no sqrt:
# Newton's method.)
ratios() {
	if [ "$mode" = concurrent ]; then
		awk 'function root(x, y, i) { y = x; for (i = 0; i < 40; i++) y = (y + x / y) / 2; return y }
			{ r = $2 / $1 } NR % 2 { p = r; next } { printf "%.3f\n", root(p * r) }
			END { if (NR % 2) printf "%.3f\n", p }' /tmp/pairs
	else
		awk '{ printf "%.3f\n", $2 / $1 }' /tmp/pairs
	fi
}

# bench <case> <goal> <linear dev> <linear offset> <remap dev> <remap offset> <size>:
# every rw and queue depth; a row per workload goes to the output and to
# /tmp/table.
bench() {
	local name=$1 goal=$2 rw qd l r q
	for rw in randread randwrite; do
		for qd in qd1 qd32; do
			pairs "$3" "$4" "$5" "$6" "$7" "$rw" "$qd"
			l=$(cut -d' ' -f1 /tmp/pairs | median)
			r=$(cut -d' ' -f2 /tmp/pairs | median)
			ratios > /tmp/q
			q=$(median < /tmp/q)
			[ -n "$q" ] || fail "$name $rw $qd: no ratio"
			awk -v n="$name" -v rw="$rw" -v qd="$qd" -v l="$l" -v r="$r" -v q="$q" -v g="$goal" \
				-v all="$(tr '\n' ' ' < /tmp/q)" 'BEGIN {
				printf "| %s | %s %s | %d | %d | %.1f%% | >= %d%% | %s | %s|\n", n, rw, qd, l, r,
					q * 100, g, (q * 100 >= g) ? "met" : "NOT met", all }' >> /tmp/table ||
				fail "$name $rw $qd: no table row"
			tail -n 1 /tmp/table
		done
	done
}

header() {
	echo "| case | workload | linear IOPS | dm-remap IOPS | ratio | goal | | per-pair ratios |"
	echo "|---|---|---|---|---|---|---|---|"
}

log "$(uname -r): $rounds rounds of ${runtime} s per case, linear and dm-remap $mode, medians"
# brd allocates a page on its first write: fill what fio will touch first.
gdd if=/dev/zero of=/dev/ram0 bs=1M count=$((win >> 20)) oflag=direct status=none
dmsetup create lb --table "0 $len linear /dev/ram0 0" || fail "create lb"
dmsetup create ln --table "0 $len linear $nullb 0" || fail "create ln"
rb=$(remap_table $len /dev/ram0 /dev/ram0 $sstart $slen block_size 4096)
rn=$(remap_table $len "$nullb" /dev/ram0 $sstart $slen block_size 4096)
header > /tmp/table

create r "$rb"
bench "brd, no remaps" 98 /dev/mapper/lb 0 /dev/mapper/r 0 $win
remove r
create r "$rn"
bench "null_blk, no remaps" 98 /dev/mapper/ln 0 /dev/mapper/r 0 $win
# The method's own error: linear against a second linear device on the
# same disk, where 100% is the truth.
dmsetup create ln2 --table "0 $len linear $nullb 0" || fail "create ln2"
bench "null_blk, control: linear against linear" 98 /dev/mapper/ln 0 /dev/mapper/ln2 0 $win
dmsetup remove ln2
# io_uring issues without blocking only to a device that says it can
# (QUEUE_FLAG_NOWAIT, DM_TARGET_NOWAIT for device-mapper); to others it
# hands every I/O to a worker thread.
engine=io_uring
bench "null_blk, no remaps, io_uring" 98 /dev/mapper/ln 0 /dev/mapper/r 0 $win
engine=libaio
remove r

# The remaps, in ranges of at most 10,000 blocks (one message each).
create r "$rb"
t0=$(cut -d' ' -f1 /proc/uptime)
remap_many r "$rfirst" "$nremaps"
log "$nremaps remaps made in $(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print b - a }') s: $(msg r count)"
bench "brd, $nremaps remaps not touched" 97 /dev/mapper/lb 0 /dev/mapper/r 0 $win

# Hits: fio over the remapped blocks only. Every I/O goes to the spare, so
# the fair baseline is linear over exactly the spare blocks that hold them,
# in the same order (same brd, same number of blocks, the same random
# spread), made from the list of remaps: runs of consecutive spare blocks,
# which step over the metadata copies among them (linear must not write
# over those).
remaps_debugfs r | sed -n 's/.*spare_sector=\([0-9]*\).*/\1/p' | awk '
	$1 != at { if (n) print out - n, n, "linear /dev/ram0", at - n; n = 0; at = $1 }
	{ n += 8; at += 8; out += 8 }
	END { if (n) print out - n, n, "linear /dev/ram0", at - n }' > /tmp/ls.table
expect_eq "$(awk '{ s += $2 } END { print s }' /tmp/ls.table)" $((nremaps * 8)) "sectors of the spare blocks of the remaps"
dmsetup create ls < /tmp/ls.table || fail "create ls: $(cat /tmp/ls.table)"
log "linear over the spare blocks of the remapped ones: $(tr '\n' ',' < /tmp/ls.table)"
bench "brd, $nremaps remaps, I/O hitting them" 90 /dev/mapper/ls 0 /dev/mapper/r \
	$((rfirst * 4096)) $((nremaps * 4096))
expect_eq "$(msg r check)" ok "check after the hit cases"
remove r
create r "$rn"
expect_eq "$(msg r count)" "remapped=$nremaps pending=0" "remaps under null_blk"
bench "null_blk, $nremaps remaps not touched" 97 /dev/mapper/ln 0 /dev/mapper/r 0 $win
remove r
dmsetup remove ls
dmsetup remove ln
dmsetup remove lb
echo "=== bench-io $(uname -r): $rounds rounds of $runtime s, $mode"
cat /tmp/table
