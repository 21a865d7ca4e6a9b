#!/bin/sh
# Boot one scenario in QEMU (TCG) and judge it. A scenario passes only if
#  - its DMR-RESULT ... PASS line came out of the guest (serial port 2),
#  - the kernel console (serial port 1) shows no BUG/WARNING/oops/panic/lockup/
#    hung task, and
#  - QEMU ended before the outer timeout.
# Header lines of the scenario script:
#   # disks: <size>[:4k] ...   virtio disks, vda first; :4k = 4 KiB logical blocks
#   # timeout: <seconds>       in-guest watchdog; the host allows 60 s more
#   # boots: <n>               boot n times on the same disk images (DMR_BOOT=1..n)
#   # crash: <n> <min s> <max s>
#                              power cuts: boots 1..n are killed (SIGKILL to QEMU)
#                              at a random instant between min and max seconds
#                              after the guest prints DMR-ARMED (its workload
#                              runs), boot n+1 must pass. Before each
#                              later boot the guest logs so far are copied onto
#                              the last disk (the guest's record of what it was
#                              told was written). CRASH_SEED replays the instants,
#                              CRASHES overrides n.
#   # host-check: <disk> <spare_start> <spare_len>
#                              after the last boot, `dmremap check` (the host's
#                              sanitizer build) on that disk's image must pass
#   # initramfs: fio           boot the initramfs with fio (<initramfs>-fio.cpio)
#   # memory: <MiB>            guest RAM (default 1024), e.g. for big brd disks
# usage: run-scenario.sh <kver> <kernel dir> <initramfs> <scenario.sh> <work dir>
set -u
kver=$1 kdir=$2 initrd=$3 script=$4 work=$5
name=$(basename "$script" .sh)
header() { sed -n "s/^# $1: *//p" "$script" | head -n 1; }
disks=$(header disks)
timeout=$(header timeout)
timeout=${timeout:-60}
boots=$(header boots)
boots=${boots:-1}
crash=$(header crash)
crashes=0
if [ -n "$crash" ]; then
	# shellcheck disable=SC2086
	set -- $crash
	crashes=${CRASHES:-$1} crash_min=$2 crash_max=$3
	boots=$((crashes + 1))
	seed=${CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
	killed_at=""
fi
layer=$(header initramfs)
memory=$(header memory)
[ -z "$layer" ] || initrd="${initrd%.cpio}-$layer.cpio"

rm -rf "$work"
mkdir -p "$work"
drives=""
i=0
for d in $disks; do
	size=${d%%:*}
	img="$work/disk$i.img"
	truncate -s "$size" "$img"
	props=""
	case "$d" in
	*:4k) props=",logical_block_size=4096,physical_block_size=4096" ;;
	esac
	drives="$drives -drive file=$img,if=none,id=d$i,format=raw,cache=unsafe,discard=unmap"
	drives="$drives -device virtio-blk-pci,drive=d$i,serial=dmr$i$props"
	i=$((i + 1))
done

start=$(date +%s)
verdict=PASS
why=""
boot=1
while [ "$boot" -le "$boots" ]; do
	con="$work/console.$boot.log"
	out="$work/guest.$boot.log"
	cut=""
	if [ "$boot" -le "$crashes" ]; then
		# Deterministic in the seed: the n-th cut of a run.
		cut=$(awk -v s="$seed" -v b="$boot" -v lo="$crash_min" -v hi="$crash_max" \
			'BEGIN { srand(s % 1000003 + b * 7919); printf "%.2f", lo + rand() * (hi - lo) }')
		killed_at="$killed_at ${cut}s"
	fi
	if [ "$boot" -gt 1 ] && [ "$crashes" -gt 0 ]; then
		cat "$work"/guest.*.log | dd of="$work/disk$((i - 1)).img" conv=notrunc status=none
	fi
	# Single-threaded TCG: multi-threaded TCG in QEMU 7.2 now and then broke
	# the 6.12 kernel's early boot (3 of ~90 boots: a double fault after
	# cmpxchg16b in the slab fast path, a stray int3 from text patching);
	# 0 of 30 with thread=single. Two vCPUs still interleave preemptively.
	# shellcheck disable=SC2086
	timeout -s KILL $((timeout + 60)) qemu-system-x86_64 \
		-machine q35 -accel tcg,thread=single -cpu max -smp 2 -m "${memory:-1024}" \
		-nodefaults -display none -no-reboot -monitor none \
		-kernel "$kdir/vmlinux" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1 hung_task_panic=1 rdinit=/init dmr.scenario=$name dmr.timeout=$timeout dmr.boot=$boot dmr.boots=$boots" \
		-serial "file:$con" -serial "file:$out" $drives \
		> "$work/qemu.$boot.log" 2>&1 &
	qpid=$!
	if [ -n "$cut" ]; then
		# The cut comes at its instant after the workload started.
		while kill -0 "$qpid" 2>/dev/null && ! grep -q '^DMR-ARMED' "$out" 2>/dev/null; do
			sleep 0.2
		done
		sleep "$cut"
		pkill -KILL -P "$qpid" qemu-system-x86 2>/dev/null
	fi
	wait "$qpid" 2>/dev/null
	qrc=$?
	if [ "$boot" -le "$crashes" ]; then
		# A power cut: the guest must have been running until the end.
		if [ "$qrc" -ne 137 ]; then
			verdict=FAIL why="${why}boot $boot: ended before its power cut ($(grep -E '^(DMR-RESULT|FAIL:)' "$out" | head -n 1)); "
		fi
		bad=$(grep -E -m 3 'BUG:|WARNING:|Oops|Kernel panic|general protection|soft lockup|hard LOCKUP|blocked for more than|rcu_sched self-detected|RCU stall|Call Trace' "$con")
		[ -z "$bad" ] || verdict=FAIL why="${why}boot $boot: kernel log: $(echo "$bad" | head -n 1 | tr -d '\r'); "
		[ "$verdict" = PASS ] || break
		boot=$((boot + 1))
		continue
	fi
	if [ "$qrc" -eq 137 ]; then
		verdict=FAIL why="${why}boot $boot: QEMU killed by the host timeout; "
	fi
	bad=$(grep -E -m 3 'BUG:|WARNING:|Oops|Kernel panic|general protection|soft lockup|hard LOCKUP|blocked for more than|rcu_sched self-detected|RCU stall|Call Trace' "$con")
	if [ -n "$bad" ]; then
		verdict=FAIL why="${why}boot $boot: kernel log: $(echo "$bad" | head -n 1 | tr -d '\r'); "
	fi
	if ! grep -q "^DMR-RESULT $name PASS" "$out"; then
		verdict=FAIL
		res=$(grep -E '^(DMR-RESULT|DMR-WATCHDOG|DMR-TAINT|FAIL:)' "$out" | head -n 2 | tr '\n' ' ')
		why="${why}boot $boot: ${res:-no result line from the guest}; "
	fi
	[ "$verdict" = PASS ] || break
	boot=$((boot + 1))
done
hostcheck=$(header host-check)
if [ "$verdict" = PASS ] && [ -n "$hostcheck" ]; then
	# shellcheck disable=SC2086
	set -- $hostcheck
	if ! "${DMREMAP:-$(dirname "$0")/../../build/san/dmremap}" check "$work/disk$(($1 - 1)).img" "$2" "$3" \
		> "$work/host-check.log" 2>&1; then
		verdict=FAIL why="host-side dmremap check: $(tail -n 1 "$work/host-check.log"); "
	fi
fi
secs=$(($(date +%s) - start))
cuts=""
[ "$crashes" -eq 0 ] || cuts=", crash seed $seed: cut at$killed_at"
if [ "$verdict" = PASS ]; then
	echo "PASS vm/$kver/$name (${secs}s$cuts)"
else
	echo "FAIL vm/$kver/$name (${secs}s$cuts): $why logs in $work"
fi
[ "$verdict" = PASS ]
