# Where the I/O path's time goes, dm-remap against linear (a scenario of the
# VM harness, booted by bench/run-profile.sh with perf added): fio 4 KiB
# random reads and writes at 2 jobs x QD32, O_DIRECT, on null_blk without
# memory (only the CPU path), linear and dm-remap (no remaps) one after the
# other, PROFILE_ROUNDS (2) times each, PROFILE_RUNTIME (15) s per run (see
# bench/run-profile.sh), under `perf record -a` (cpu-clock: TCG emulates no
# PMU). Per run it prints the
# I/Os done and the samples per kernel or fio symbol; bench/profile.awk turns
# that into samples per 10,000 I/Os, side by side.
# initramfs: perf
# memory: 3072
# timeout: 1800
. /lib/dmr-test.sh
# dmr.profile_rounds=, dmr.profile_runtime= and dmr.profile_case= on the
# kernel command line.
cmdline() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^dmr\.$1=//p"; }
rounds=$(cmdline profile_rounds)
rounds=${rounds:-2}
runtime=$(cmdline profile_runtime)
runtime=${runtime:-15}
case=$(cmdline profile_case)
load_remap
len=2097152
if [ "${case:-null}" = null ]; then
	modprobe brd rd_nr=1 rd_size=$((64 * 1024)) || fail "modprobe brd"
	nullb=$(nullb_create nullb0 1024 512 0)
	dmsetup create ln --table "0 $len linear $nullb 0" || fail "create ln"
	# The spare region (metadata must persist) on brd.
	create r "$(remap_table $len "$nullb" /dev/ram0 0 131072 block_size 4096)"
else
	# dmr.profile_case=remaps: bench-io's "brd, 100,000 remaps not touched":
	# main the first GiB of a brd disk, the spare region the 512 MiB after it,
	# 100,000 remaps made by messages at main blocks 131,072 on, fio over the
	# first 256 MiB.
	modprobe brd rd_nr=1 rd_size=$((1536 * 1024)) || fail "modprobe brd"
	gdd if=/dev/zero of=/dev/ram0 bs=1M count=256 oflag=direct status=none
	dmsetup create ln --table "0 $len linear /dev/ram0 0" || fail "create ln"
	create r "$(remap_table $len /dev/ram0 /dev/ram0 2097152 1048576 block_size 4096)"
	remap_many r 131072 100000
	expect_eq "$(msg r count)" "remapped=100000 pending=0" "remaps made"
fi
echo 0 > /proc/sys/kernel/kptr_restrict
echo -1 > /proc/sys/kernel/perf_event_paranoid
log "$(uname -r): clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
log "spectre_v2: $(cat /sys/devices/system/cpu/vulnerabilities/spectre_v2)"
for rw in randread randwrite; do
	i=0
	while [ "$i" -lt "$rounds" ]; do
		for dev in ln r; do
			perf record -q -a -F 499 -e cpu-clock -o /tmp/p.data -- \
				fio --name=p --filename=/dev/mapper/$dev --direct=1 --ioengine=libaio \
				--rw=$rw --bs=4k --iodepth=32 --numjobs=2 --size=256m --norandommap \
				--randrepeat=0 --time_based --runtime="$runtime" --group_reporting \
				--output-format=terse > /tmp/fio.out 2>&1 || { cat /tmp/fio.out; fail "fio on $dev"; }
			# Terse: KiB read and written (fields 6 and 47) in 4 KiB I/Os; error in 5.
			ios=$(awk -F';' 'NF > 100 && $5 == 0 { print int(($6 + $47) / 4) }' /tmp/fio.out)
			[ -n "$ios" ] && [ "$ios" -gt 0 ] || { cat /tmp/fio.out; fail "fio on $dev: no I/O count"; }
			echo "=== PROFILE $dev $rw $ios"
			perf report -i /tmp/p.data --stdio --no-children -n --sort sym 2>/dev/null |
				awk '$1 ~ /%$/ && $2 ~ /^[0-9]+$/ { print $2, $4 }' > /tmp/rep
			[ -s /tmp/rep ] || fail "perf report on $dev: no samples"
			cat /tmp/rep
		done
		i=$((i + 1))
	done
done
echo "=== END"
