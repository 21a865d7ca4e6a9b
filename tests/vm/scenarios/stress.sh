# Stress: three remap devices on three spare sizes at once (small: 16 MiB,
# 2 packed copies; medium: 256 MiB, 3 even copies; large: 4 GiB, 4
# geometric copies, on brd: only what is written takes memory, and the
# all-zero check before formatting reads memory, not a disk image),
# 10,000+ remaps in total, all under concurrent fio with crc32c
# verification and suspend/resume cycles.
# Each 64 MiB device has three regions (4 KiB blocks):
#  A 0..4095      fio random writes (4-64 KiB, O_DIRECT), then verify; while
#                 it runs, single blocks are remapped and unremapped there
#                 and 2-block ranges remapped (moves under live writes).
#  B 4096..6143   fio sequential writes, then verify; between passes 5 new
#                 blocks go bad under main (while the manual operations and
#                 suspend/resume cycles go on), which the next pass's writes
#                 find: automatic remaps. (Blocks going bad while a pass
#                 runs would race with its writer: one written before it
#                 went bad fails its verify read, honestly, with EIO.)
#  C 6144..16383  a known pattern, remapped 1000 blocks per message (the bulk
#                 of the count) while fio runs elsewhere, some unremapped
#                 again; compared by content at the end.
# fio runs pass after pass (a pass writes then verifies A and B of every
# device) until the manual operations are done; every pass must verify with
# no error. At the end, on every device: `check` ok, region C intact; the
# devices are taken down and set up again: `check` ok, C intact, fio
# verifies A and B once more; `dmremap check` of the large spare (in the
# guest) and of the medium one (by the host) offline.
# Prints: remaps made (manual, automatic, unremaps), suspend/resume cycles,
# fio passes and bytes verified, time per phase.
# Long form: dmr.scale=<n> on the kernel command line (make stress-long)
# multiplies the rounds of operations (and so fio passes and cycles).
# disks: 64M 64M 64M 16M 256M
# timeout: 600
# host-check: 5 0 524288
# initramfs: fio
. /lib/dmr-test.sh
scale=$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^dmr\.scale=//p')
scale=${scale:-1}
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
t0=$(ms)
load_remap
modprobe brd rd_nr=1 rd_size=4194304 max_part=0 || fail "modprobe brd"
[ -b /dev/ram0 ] || mdev -s
for i in 1 2 3; do
	d=$(disk $i) s=$(disk $((i + 3)))
	[ $i -ne 3 ] || s=/dev/ram0
	bad_table "$d" | dmsetup create m$i || fail "create m$i"
	t=$(remap_table 131072 /dev/mapper/m$i "$s" 0 "$(sectors "$s")" block_size 4096)
	create r$i "$t"
	echo "$t" > /tmp/table$i
	log "r$i: spare $(sectors "$s") sectors, $(msg r$i reservation_stats | tr '\n' ' ')"
done
pattern /tmp/c $((10240 * 4096))
for i in 1 2 3; do
	gdd if=/tmp/c of=/dev/mapper/r$i bs=1M seek=24 oflag=direct status=none ||
		fail "writing region C of r$i"
done
t1=$(ms)
log "set up, region C written: $(((t1 - t0) / 1000)) s"

# The fio job: A and B of every device (verify_only=1: verify what is there).
job() {
	printf '[global]\nioengine=libaio\ndirect=1\nverify=crc32c\nverify_fatal=1\n'
	printf 'verify_state_save=0\ngroup_reporting=1\nverify_only=%s\n' "$1"
	for i in 1 2 3; do
		printf '[a%s]\nfilename=/dev/mapper/r%s\noffset=0\nsize=16m\nrw=randwrite\n' $i $i
		printf 'bsrange=4k-64k\niodepth=4\n'
		printf '[b%s]\nfilename=/dev/mapper/r%s\noffset=16m\nsize=8m\nrw=write\nbs=64k\n' $i $i
	done
}
job 0 > /tmp/pass.fio
job 1 > /tmp/verify.fio
# verified <fio output>: bytes fio read back and verified (%.0f: mawk's %d stops at 2^31).
verified() {
	sed -n 's/.*READ:.*io=\([0-9.]*\)\([KMG]\)iB.*/\1 \2/p' "$1" |
		awk '{ m = $2 == "K" ? 1024 : $2 == "M" ? 1048576 : 1073741824; s += $1 * m }
		     END { printf "%.0f", s }'
}

# fio passes until /tmp/stop; before each pass 5 new blocks of B go bad on
# every main. bad<i> holds main i's bad blocks.
runner() {
	local p=0 i b
	for i in 1 2 3; do : > /tmp/bad$i; done
	while [ ! -e /tmp/stop ]; do
		p=$((p + 1))
		for i in 1 2 3; do
			for b in $((p * 7 % 300)) $((300 + p * 7 % 400)) $((700 + p * 7 % 800)) \
				$((1600 + p * 11 % 200)) $((1800 + p * 11 % 240)); do
				echo $((4096 + b)) >> /tmp/bad$i
			done
			# shellcheck disable=SC2046
			set_bad m$i "$(disk $i)" $(cat /tmp/bad$i)
		done
		fio --eta=never --output=/tmp/fio.$p.out /tmp/pass.fio ||
			{ cat /tmp/fio.$p.out; echo "fio pass $p exited non-zero" > /tmp/runner.fail; return 1; }
		if grep -Eq 'err= *[1-9]|verify: |bad magic|crc32c: |fio: ' /tmp/fio.$p.out; then
			cat /tmp/fio.$p.out
			echo "fio pass $p: errors" > /tmp/runner.fail
			return 1
		fi
		echo "$p $(verified /tmp/fio.$p.out)" >> /tmp/passes
		log "fio pass $p verified $(verified /tmp/fio.$p.out) bytes"
	done
}
rm -f /tmp/stop /tmp/runner.fail /tmp/passes
runner > /tmp/runner.log 2>&1 &
rpid=$!

# Manual operations meanwhile. Singles in the first half of A at
# (n * 29) % 2048 (distinct), half of them unremapped again two rounds
# later; 2-block ranges in the second half (may overlap: "already"); C in
# 1000-block ranges, one block of every other range unremapped again.
ranges1=3 ranges=$((5 * scale))
[ "$ranges" -le 10 ] || ranges=10
rounds=$((8 * scale))
[ "$rounds" -ge "$ranges" ] || rounds=$ranges
n=0 cycles=0 round=0
while [ $round -lt $rounds ]; do
	for i in 1 2 3; do
		lim=$ranges
		[ $i -ne 1 ] || lim=$ranges1
		if [ $round -lt $lim ]; then
			s=$(((6144 + round * 1000) * 8))
			expect_eq "$(msg r$i remap $s 8000)" "remapped=1000 pending=0 already=0" "r$i range at $s"
			[ $((round % 2)) -eq 1 ] || msg r$i unremap $((s + 8 * (round + 1))) > /dev/null
		fi
		k=0
		while [ $k -lt 4 ]; do
			msg r$i remap $((((n + k) * 29 % 2048) * 8)) > /dev/null
			k=$((k + 1))
		done
		if [ $round -ge 2 ] && [ $((round % 2)) -eq 0 ]; then
			msg r$i unremap $((((n - 8) * 29 % 2048) * 8)) > /dev/null
			msg r$i unremap $((((n - 7) * 29 % 2048) * 8)) > /dev/null
		fi
		msg r$i remap $(((2048 + (round * 613 + i * 101) % 2047) * 8)) 16 > /dev/null
		if [ $((round % 2)) -eq 1 ]; then
			dmsetup suspend r$i && dmsetup resume r$i || fail "suspend/resume r$i"
			cycles=$((cycles + 1))
		fi
	done
	n=$((n + 4))
	round=$((round + 1))
	[ ! -e /tmp/runner.fail ] || break
done
t2=$(ms)
log "$rounds rounds of manual operations: $(((t2 - t1) / 1000)) s, $cycles suspend/resume cycles"
touch /tmp/stop
wait $rpid || { cat /tmp/runner.log; fail "$(cat /tmp/runner.fail 2>/dev/null)"; }
cat /tmp/runner.log
[ -s /tmp/passes ] || fail "no fio pass completed"
passes=$(wc -l < /tmp/passes)
bytes=$(awk '{ s += $2 } END { printf "%.0f", s }' /tmp/passes)
t3=$(ms)

manual=0 auto=0 unremaps=0
for i in 1 2 3; do
	expect_eq "$(msg r$i check)" ok "check of r$i"
	for k in manual_remaps auto_remaps unremaps; do eval "$k$i=$(stat_of r$i $k)"; done
	eval "manual=\$((manual + manual_remaps$i)) auto=\$((auto + auto_remaps$i)) unremaps=\$((unremaps + unremaps$i))"
	log "r$i: $(msg r$i count), manual $(stat_of r$i manual_remaps), auto $(stat_of r$i auto_remaps), unremaps $(stat_of r$i unremaps), $(dmsetup status r$i | cut -d' ' -f4-)"
	# Every block that went bad under B is remapped.
	remaps_debugfs r$i > /tmp/remaps
	for b in $(cat /tmp/bad$i); do
		grep -q "^sector=$((b * 8)) state=remapped " /tmp/remaps || fail "r$i: bad block $b: $(msg r$i query $((b * 8)))"
	done
	gdd if=/dev/mapper/r$i of=/tmp/r bs=1M skip=24 iflag=direct status=none
	same_content /tmp/c /tmp/r "region C of r$i"
done
[ $((manual + auto)) -ge 10000 ] || fail "only $((manual + auto)) remaps"

log "devices taken down and set up again"
for i in 1 2 3; do remove r$i; done
for i in 1 2 3; do
	create r$i "$(cat /tmp/table$i)"
	expect_eq "$(msg r$i check)" ok "check of r$i after the reload"
	gdd if=/dev/mapper/r$i of=/tmp/r bs=1M skip=24 iflag=direct status=none
	same_content /tmp/c /tmp/r "region C of r$i after the reload"
done
fio --eta=never --output=/tmp/fio.v.out /tmp/verify.fio || { cat /tmp/fio.v.out; fail "fio verify after the reload"; }
fio_ok /tmp/fio.v.out "verify after the reload"
vbytes=$(verified /tmp/fio.v.out)
for i in 1 2 3; do remove r$i; dmsetup remove m$i; done
dmremap check /dev/ram0 0 8388608 > /tmp/c3 || { cat /tmp/c3; fail "offline check of the large spare"; }
t4=$(ms)
cbytes=$((10240 * 4096 * 6))
echo "stress (scale $scale): remaps made: $((manual + auto)) ($manual manual, $auto automatic), $unremaps unremaps;" \
	"$cycles suspend/resume cycles; $passes fio passes verified $bytes bytes under the load," \
	"$vbytes after the reload; region C compared: $cbytes bytes;" \
	"times: setup $(((t1 - t0) / 1000)) s, load $(((t3 - t1) / 1000)) s, checks and reload $(((t4 - t3) / 1000)) s"
