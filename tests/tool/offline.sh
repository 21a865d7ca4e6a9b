#!/bin/sh
# Offline `dmremap check` and `dmremap dump` on image files whose metadata is
# written by the shared core (tests/tool/mkimage.c: the kernel's format and
# commit code run in userspace), clean and damaged in the ways a disk damages
# it. One line per test, `PASS tool/offline/<name>` or
# `FAIL tool/offline/<name>: why`, as `make check` expects.
#
#   tests/tool/offline.sh [dmremap binary, default build/san/dmremap]
#
# mkimage is built here with the sanitizers, like the unit tests ($CC, default cc).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tool=${1:-$top/build/san/dmremap}
case $tool in /*) ;; *) tool=$(pwd)/$tool ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
passed=0
failed=0

pass() { echo "PASS tool/offline/$1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL tool/offline/$1: $2"
	failed=$((failed + 1))
	sed 's/^/    | /' out err
}

if [ ! -x "$tool" ]; then
	echo "FAIL tool/offline: no $tool (make build/san/dmremap)"
	exit 1
fi
# shellcheck disable=SC2086 # CC may carry words
if ! ${CC:-cc} -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -I"$top/core" -O2 -g \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-o mkimage "$top/tests/tool/mkimage.c" "$top"/core/*.c -lisal; then
	echo "FAIL tool/offline/mkimage: does not build"
	exit 1
fi

# run <command...>: stdout in out, stderr in err, exit status in $rc.
run() {
	"$@" > out 2> err
	rc=$?
}

# expect <name> <status> <pattern>...: the last run exited with <status> and
# its output (stdout and stderr) matches every extended regex; a pattern
# starting with ! must not match. Sanitizer reports always fail.
expect() {
	name=$1 want=$2
	shift 2
	if grep -qE 'Sanitizer|runtime error' err; then
		fail "$name" "sanitizer report"
		return
	fi
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, expected $want"
		return
	fi
	for p; do
		case $p in
		!*)
			if cat out err | grep -qE -- "${p#!}"; then
				fail "$name" "output matches '${p#!}'"
				return
			fi ;;
		*)
			if ! cat out err | grep -qE -- "$p"; then
				fail "$name" "output lacks '$p'"
				return
			fi ;;
		esac
	done
	pass "$name"
}

# garbage <image> <sector> <count>: random bytes over sectors.
garbage() {
	dd if=/dev/urandom of="$1" bs=512 seek="$2" count="$3" conv=notrunc status=none
}

# The spare device: 1 MiB of unrelated data, then the spare region
# 2048+8192 (small layout: 2 copies of 4 blocks, at sectors 2048 and 2080).
S="2048 8192"
truncate -s $(((2048 + 8192) * 512)) clean
garbage clean 0 2048
run ./mkimage clean 2048 8192 4096 65536 remap:100 remap:5 pending:7 bad:20 commit remap:0
if [ "$rc" -ne 0 ]; then
	fail mkimage "cannot write the test image"
	exit 1
fi
# Spare blocks 8.. in allocation order: 100->8, 5->9, 7->10, 0->11; 20 bad.
cp clean clean.orig

# shellcheck disable=SC2086 # $S is two words
{
run "$tool" check clean $S
expect clean-check 0 '^copy 0 at sector 2048: ok, generation 3$' \
	'^copy 1 at sector 2080: ok, generation 3$' '^invariants: ok$' '^ok$' '!fail'

run "$tool" check clean $S --block-size 4096 --len 65536
expect clean-check-given-geometry 0 '^ok$'

run "$tool" dump clean $S
expect clean-dump 0 '^block_size: +4096$' '^main_len: +65536$' '^strategy: +small$' \
	'^copy 1: +sector 2080, block 4, ok, generation 3$' '^generation: +3 \(copy 0\)$' \
	'^remapped: +3$' '^pending: +1$' '^bad: +1$' '^reserved: +8$' '^used: +4$' \
	'^free: +1011$' '^0 +remapped +11 +2136$' '^40 +remapped +9 +2120$' \
	'^56 +pending +10 +2128$' '^800 +remapped +8 +2112$' '^- +bad +20 +2208$'
order=$(awk 'f { printf "%s ", $1 } /^main_sector/ { f = 1 }' out)
if [ "$order" = "0 40 56 800 - " ]; then
	pass dump-sorted-by-main-sector
else
	fail dump-sorted-by-main-sector "order '$order'"
fi

run "$tool" dump --json clean $S
expect dump-json-status 0
if python3 -c '
import json, sys
d = json.load(open("out"))
assert d["generation"] == 3 and d["loaded_from"] == 0, d
assert (d["remapped"], d["pending"], d["bad"], d["free"]) == (3, 1, 1, 1011), d
assert [s["main_sector"] for s in d["slots"]] == [0, 40, 56, 800, None], d["slots"]
assert [c["sector"] for c in d["copies"]] == [2048, 2080], d["copies"]
assert [c["state"] for c in d["copies"]] == ["ok", "ok"], d["copies"]
' 2>> err; then
	pass dump-json
else
	fail dump-json "JSON wrong"
fi

# Copy 1 destroyed: check fails naming it; dump reads copy 0.
cp clean.orig bad1
garbage bad1 2080 8
cp bad1 bad1.orig
run "$tool" check bad1 $S
expect copy1-garbage-check 1 '^copy 0 at sector 2048: ok, generation 3$' \
	'^copy 1 at sector 2080: bad, generation -: no dm-remap superblock' '^fail: 1 problem\(s\)$'
run "$tool" dump bad1 $S
expect copy1-garbage-dump 0 '^generation: +3 \(copy 0\)$' '^copy 1: .* bad' '^0 +remapped +11 +2136$'

# Copy 0 destroyed: the geometry comes from copy 1, dump reads copy 1.
cp clean.orig bad0
garbage bad0 2048 8
cp bad0 bad0.orig
run "$tool" check bad0 $S
expect copy0-garbage-check 1 '^copy 0 at sector 2048: bad' '^copy 1 at sector 2080: ok' \
	'^fail: 1 problem\(s\)$'
run "$tool" dump bad0 $S
expect copy0-garbage-dump 0 '^generation: +3 \(copy 1\)$' '^800 +remapped +8 +2112$'

# A slot page of copy 0 damaged (its superblock intact): copy 1 is loaded.
cp clean.orig page0
printf XXXX | dd of=page0 bs=1 seek=$((2056 * 512 + 100)) conv=notrunc status=none
cp page0 page0.orig
run "$tool" check page0 $S
expect slot-page-damage-check 1 '^copy 0 at sector 2048: bad, generation 3: slot page 0: crc mismatch' \
	'^copy 1 at sector 2080: ok' '^generation 3 from copy 1' '^fail: 1 problem\(s\)$'

# ... and copy 1 destroyed too: nothing loads.
cp page0.orig page01
garbage page01 2080 8
cp page01 page01.orig
run "$tool" check page01 $S
expect no-loadable-copy-check 1 '^cannot load the metadata: .*copy 0 bad: slot page 0' '^fail: 1 problem\(s\)$'
run "$tool" dump page01 $S
expect no-loadable-copy-dump 1 'cannot load the metadata' '!^main_sector'

# Every copy destroyed.
cp clean.orig allbad
garbage allbad 2048 8
garbage allbad 2080 8
cp allbad allbad.orig
run "$tool" check allbad $S
expect all-copies-garbage-check 1 '^no valid dm-remap superblock' \
	'^  sector 2048 \(copy 0\): foreign' '^fail: 1 problem\(s\)$'
run "$tool" dump allbad $S
expect all-copies-garbage-dump 1 'no valid dm-remap superblock'

# Never formatted.
truncate -s $(((2048 + 8192) * 512)) zero
cp zero zero.orig
run "$tool" check zero $S
expect zero-check 1 'is not formatted' '^fail: 1 problem\(s\)$'
run "$tool" dump zero $S
expect zero-dump 1 'is not formatted'

# Arguments that do not match the metadata are refused.
run "$tool" check clean $S --block-size 512
expect wrong-block-size 1 'is for block_size 4096, len 65536' 'does not match the given --block-size' '!^ok$'
run "$tool" dump clean $S --block-size 2048
expect wrong-block-size-dump 1 'does not match the given --block-size' '!^main_sector'
run "$tool" check clean $S --len 65528
expect wrong-len 1 'does not match the given --len'
run "$tool" check clean 2048 16384
expect region-past-end 1 'ends past the end'
run "$tool" check clean 2048 1024
expect region-too-small 1 'too small'

# Usage errors: status 2.
run "$tool" check clean 2048
expect usage-missing-argument 2 '^usage:'
run "$tool" check clean $S --block-size 3000
expect usage-block-size 2 'block-size'
run "$tool" check clean $S --json
expect usage-check-json 2 '^usage:'
run "$tool" dump clean 2048 x
expect usage-not-a-number 2 'decimal'
run "$tool" check no-such-file $S
expect missing-file 1 'No such file'

# A stale copy (a commit reached copy 0 only) fails check; dump is current.
cp clean.orig stale
dd if=stale of=copy1.old bs=512 skip=2080 count=32 status=none
run ./mkimage stale 2048 8192 4096 65536 remap:200
expect mkimage-second-commit 0 '^loaded generation 3$' '^remap:200 spare 12$' '^commit generation 4$'
cp stale torn
dd if=copy1.old of=stale bs=512 seek=2080 conv=notrunc status=none
cp stale stale.orig
run "$tool" check stale $S
expect stale-copy-check 1 '^copy 0 at sector 2048: ok, generation 4$' \
	'^copy 1 at sector 2080: stale, generation 3: current is 4$' '^fail: 1 problem\(s\)$'
run "$tool" dump stale $S
expect stale-copy-dump 0 '^generation: +4 \(copy 0\)$' '^1600 +remapped +12 '

# A torn copy: new superblock, old slot page.
dd if=copy1.old of=torn bs=512 skip=8 seek=2088 count=8 conv=notrunc status=none
cp torn torn.orig
run "$tool" check torn $S
expect torn-copy-check 1 '^copy 1 at sector 2080: bad, generation 4: spare block 12' '^fail: 1 problem\(s\)$'

# Medium layout (3 copies spread over the region), 512-byte blocks.
truncate -s $(((4096 + 131072) * 512)) medium
run ./mkimage medium 4096 131072 512 1000000 remap:999999 remap:3 pending:500000 bad:70000
expect mkimage-medium 0 '^formatted generation 1$'
run "$tool" check medium 4096 131072
expect medium-check 0 '^spare region 4096\+131072 of medium: block_size 512, len 1000000, medium layout, 3 copies$' \
	'^copy 1 at sector 47786: ok' '^copy 2 at sector 91476: ok' '^ok$'
garbage medium 91476 8
cp medium medium.orig
run "$tool" check medium 4096 131072
expect medium-copy2-garbage-check 1 '^copy 2 at sector 91476: bad' '^fail: 1 problem\(s\)$'
run "$tool" dump medium 4096 131072
expect medium-copy2-garbage-dump 0 '^3 +remapped' '^500000 +pending' '^999999 +remapped' '^- +bad +70000 +74096$'

# A block device, when loop devices can be set up.
if loop=$(losetup -f --show -r clean 2> /dev/null); then
	run "$tool" check "$loop" $S
	expect block-device-check 0 '^ok$'
	losetup -d "$loop"
else
	echo "SKIP tool/offline/block-device-check: no loop device"
fi
}

# check and dump never wrote to any image.
ok=1
for f in *.orig; do
	if ! cmp -s "$f" "${f%.orig}"; then
		echo "    ${f%.orig} changed"
		ok=0
	fi
done
: > out
: > err
if [ $ok = 1 ]; then pass never-writes; else fail never-writes "an image changed"; fi

echo "tool/offline: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
