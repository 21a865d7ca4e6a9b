#!/bin/sh
# Offline `dmremap check`, `dump`, `format`, `repair` and `restore` on image
# files whose metadata is written by the shared core (tests/tool/mkimage.c:
# the kernel's format and commit code run in userspace), clean and damaged in
# the ways a disk damages it; the writers' results are compared byte for
# byte with what that code writes, and every refusal with the image before. One line per test, `PASS tool/offline/<name>` or
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

# ---- format, repair, restore: these write; each image they must not change
# is compared with its copy taken before (*.before).

# same <name> <file>: the last run left <file> as <file>.before was.
same() {
	if cmp -s "$2.before" "$2"; then
		pass "$1"
	else
		fail "$1" "$2 changed"
	fi
}

# region <image>: the bytes of the spare region 2048+8192 (both copies of it
# and the spare blocks), to compare metadata written by different paths.
region() {
	dd if="$1" bs=512 skip=2048 count=8192 status=none
}

FMT="--block-size 4096 --len 65536"

# shellcheck disable=SC2086 # $S and $FMT are several words
{
# format writes exactly what the module writes into an all-zero region (the
# core's activation in mkimage), and check finds it clean.
truncate -s $(((2048 + 8192) * 512)) fmt
run "$tool" format fmt $S $FMT
expect format-zero 0 '^formatted spare region 2048\+8192 of fmt: block_size 4096, len 65536, small layout, 2 copies$' \
	'^copy 0 at sector 2048: written, generation 1, read back ok$' \
	'^copy 1 at sector 2080: written, generation 1, read back ok$'
run "$tool" check fmt $S
expect format-then-check 0 '^copy 0 at sector 2048: ok, generation 1$' \
	'^copy 1 at sector 2080: ok, generation 1$' '^generation 1 from copy 0: 0 remapped, 0 pending, 0 bad, 1016 free$' '^ok$'
truncate -s $(((2048 + 8192) * 512)) byactivation
run ./mkimage byactivation 2048 8192 4096 65536
if [ "$rc" -eq 0 ] && cmp -s fmt byactivation; then
	pass format-same-bytes-as-activation
else
	fail format-same-bytes-as-activation "dmremap format and the module's format differ"
fi

# Medium layout, 512-byte blocks.
truncate -s $(((4096 + 131072) * 512)) fmtmedium
run "$tool" format fmtmedium 4096 131072 --block-size 512 --len 1000000
expect format-medium 0 '^copy 2 at sector 91476: written, generation 1, read back ok$'
run "$tool" check fmtmedium 4096 131072
expect format-medium-check 0 '^ok$'

# A region that is not all zeroes: refused unless --force, saying what is there.
cp fmt fmt.before
run "$tool" format fmt $S $FMT
expect format-refuses-formatted 1 'holds dm-remap metadata: generation 1, 0 remapped' \
	'refusing to format it; --force overwrites it' '!^formatted'
same format-refuses-formatted-unchanged fmt
cp clean.orig busy
cp busy busy.before
run "$tool" format busy $S $FMT
expect format-refuses-remaps 1 'holds dm-remap metadata: generation 3, 3 remapped, 1 pending, 1 bad' '--force'
same format-refuses-remaps-unchanged busy
run "$tool" format busy $S --block-size 512 --len 65536
expect format-refuses-other-geometry 1 'holds data from sector 2048 on, and no dm-remap metadata this geometry can use: .*metadata is for len 65536, spare_start 2048, spare_len 8192, block_size 4096' \
	'--force'
same format-refuses-other-geometry-unchanged busy
truncate -s $(((2048 + 8192) * 512)) data
printf 'x' | dd of=data bs=1 seek=$((9000 * 512 + 300)) conv=notrunc status=none
cp data data.before
run "$tool" format data $S $FMT
expect format-refuses-data 1 'holds data from sector 9000 on, and every metadata copy position is zero' '--force'
same format-refuses-data-unchanged data
cp allbad.orig foreign
cp foreign foreign.before
run "$tool" format foreign $S $FMT
expect format-refuses-foreign 1 'no dm-remap metadata this geometry can use: .*no dm-remap superblock' '--force'
same format-refuses-foreign-unchanged foreign

# --force: what was there is said, then formatted.
run "$tool" format busy $S $FMT --force
expect format-force 0 'holds dm-remap metadata: generation 3' 'overwriting it \(--force\)' \
	'^copy 1 at sector 2080: written, generation 1, read back ok$'
run "$tool" dump busy $S
expect format-force-dump 0 '^generation: +1 \(copy 0\)$' '^remapped: +0$' '^bad: +0$' '!^[0-9]+ +remapped'
run "$tool" format data $S $FMT --force
expect format-force-data 0 '^copy 0 at sector 2048: written'
run "$tool" check data $S
expect format-force-data-check 0 '^ok$'

# Usage: the geometry must be given, whole blocks, --force only for format.
run "$tool" format fmt $S --len 65536
expect format-needs-block-size 2 'needs --block-size and --len'
run "$tool" format fmt $S --block-size 4096
expect format-needs-len 2 'needs --block-size and --len'
run "$tool" format fmt 2048 8191 $FMT
expect format-whole-blocks 2 'multiples of the block size'
run "$tool" format fmt 2048 1024 $FMT
expect format-region-too-small 1 'too small'
run "$tool" format fmt 2048 16384 $FMT
expect format-region-past-end 1 'ends past the end'
run "$tool" check fmt $S --force
expect check-takes-no-force 2 '^usage:'
same format-usage-unchanged fmt

# repair: every damaged or stale copy rewritten from the newest valid one;
# a repaired image is byte for byte what the commit wrote.
for img in bad1 bad0 page0 stale torn medium; do
	cp "$img.orig" "$img.fix"
done
run "$tool" repair bad1.fix $S
expect repair-copy1-garbage 0 '^copy 0 at sector 2048: ok, generation 3, the source$' \
	'^copy 1 at sector 2080: repaired, generation 3 \(was bad: no dm-remap superblock \(magic\)\)$' \
	'^repaired 1 copy\(ies\)$'
if cmp -s bad1.fix clean.orig; then pass repair-copy1-same-bytes; else fail repair-copy1-same-bytes "differs from the clean image"; fi
run "$tool" repair bad0.fix $S
expect repair-copy0-garbage 0 '^copy 0 at sector 2048: repaired, generation 3 \(was bad' \
	'^copy 1 at sector 2080: ok, generation 3, the source$' '^generation 3 from copy 1:'
if cmp -s bad0.fix clean.orig; then pass repair-copy0-same-bytes; else fail repair-copy0-same-bytes "differs from the clean image"; fi
run "$tool" repair page0.fix $S
expect repair-slot-page 0 '^copy 0 at sector 2048: repaired, generation 3 \(was bad: slot page 0: crc mismatch'
if cmp -s page0.fix clean.orig; then pass repair-slot-page-same-bytes; else fail repair-slot-page-same-bytes "differs from the clean image"; fi
run "$tool" repair stale.fix $S
expect repair-stale 0 '^copy 1 at sector 2080: repaired, generation 4 \(was stale: generation 3, current is 4\)$'
run "$tool" repair torn.fix $S
expect repair-torn 0 '^copy 1 at sector 2080: repaired, generation 4 \(was bad: spare block 12'
run "$tool" repair medium.fix 4096 131072
expect repair-medium-copy2 0 '^copy 2 at sector 91476: repaired' '^copy 1 at sector 47786: ok'
for img in bad1 bad0 page0 stale torn; do
	run "$tool" check "$img.fix" $S
	expect "repair-then-check-$img" 0 '^ok$'
done
run "$tool" check medium.fix 4096 131072
expect repair-then-check-medium 0 '^ok$'
cp stale.fix stale.fix.before
run "$tool" repair stale.fix $S
expect repair-clean 0 '^clean: nothing to repair, nothing written$' '!repaired'
same repair-clean-unchanged stale.fix

# No valid copy: refused, nothing written.
for img in page01 allbad zero; do
	cp "$img.orig" "$img.rep"
	cp "$img.rep" "$img.rep.before"
done
run "$tool" repair page01.rep $S
expect repair-no-valid-copy 1 'cannot load the metadata: no valid metadata copy' 'nothing written' '!^repaired'
same repair-no-valid-copy-unchanged page01.rep
run "$tool" repair allbad.rep $S
expect repair-all-garbage 1 'no valid dm-remap superblock' 'nothing written'
same repair-all-garbage-unchanged allbad.rep
run "$tool" repair zero.rep $S
expect repair-not-formatted 1 'is not formatted' 'nothing written'
same repair-not-formatted-unchanged zero.rep
run "$tool" repair clean.orig $S --block-size 512
expect repair-wrong-geometry 1 'does not match the given --block-size' 'nothing written'

# restore: dump -> restore into a freshly formatted image -> dump is the same
# text, and the copies are the bytes the module's commit wrote.
run "$tool" dump clean.orig $S
cp out clean.dump
cp fmt restored
run "$tool" restore restored $S clean.dump
expect restore 0 '^restored generation 3 \(3 remapped, 1 pending, 1 bad\) to spare region 2048\+8192 of restored: ' \
	'^copy 0 at sector 2048: written, generation 3, read back ok$' \
	'^copy 1 at sector 2080: written, generation 3, read back ok$'
run "$tool" dump restored $S
if cmp -s out clean.dump; then pass restore-dump-identical; else fail restore-dump-identical "dumps differ"; fi
region clean.orig > clean.region
region restored > restored.region
if cmp -s clean.region restored.region; then
	pass restore-same-bytes-as-commit
else
	fail restore-same-bytes-as-commit "restored copies differ from the committed ones"
fi
run "$tool" check restored $S
expect restore-then-check 0 '^invariants: ok$' '^ok$'
run "$tool" dump --json clean.orig $S
sed 's/"device":"[^"]*"//' out > clean.json
run "$tool" dump --json restored $S
sed 's/"device":"[^"]*"//' out > restored.json
if cmp -s clean.json restored.json; then pass restore-json-identical; else fail restore-json-identical "JSON dumps differ"; fi

# Onto an unformatted region, from stdin; medium layout, 512-byte blocks.
truncate -s $(((4096 + 131072) * 512)) medium2
run ./mkimage medium2 4096 131072 512 1000000 remap:999999 remap:3 pending:500000 bad:70000 commit remap:77 bad:100000
run "$tool" dump medium2 4096 131072
cp out medium2.dump
truncate -s $(((4096 + 131072) * 512)) medium3
"$tool" restore medium3 4096 131072 - < medium2.dump > out 2> err
rc=$?
expect restore-stdin-unformatted 0 '^copy 2 at sector 91476: written, generation 3, read back ok$'
run "$tool" dump medium3 4096 131072
if cmp -s out medium2.dump; then pass restore-medium-dump-identical; else fail restore-medium-dump-identical "dumps differ"; fi
if cmp -s medium2 medium3; then pass restore-medium-same-bytes; else fail restore-medium-same-bytes "images differ"; fi

# A dump that went through a DOS editor (CRLF line ends) reads the same.
sed 's/$/\r/' clean.dump > crlf.dump
cp fmt crlf
run "$tool" restore crlf $S crlf.dump
expect restore-crlf 0 '^copy 1 at sector 2080: written, generation 3, read back ok'
run "$tool" dump crlf $S
if cmp -s out clean.dump; then pass restore-crlf-identical; else fail restore-crlf-identical "dumps differ"; fi

# Over other metadata (a stale copy): every copy is the dump's afterwards.
cp stale.orig over
run "$tool" restore over $S clean.dump
expect restore-over-newer 0 '^copy 1 at sector 2080: written, generation 3, read back ok$'
run "$tool" dump over $S
if cmp -s out clean.dump; then pass restore-over-newer-identical; else fail restore-over-newer-identical "dumps differ"; fi

# Malformed dumps: each refused with its reason, the image untouched.
cp fmt target
cp target target.before
# bad_dump <name> <pattern> <sed script>: restore the clean dump edited by
# the script; it must fail with <pattern> and write nothing.
bad_dump() {
	cp target.before target
	sed "$3" clean.dump > bad.dump
	run "$tool" restore target $S bad.dump
	expect "restore-rejects-$1" 1 "$2" 'nothing written' '!^restored'
	same "restore-rejects-$1-unchanged" target
}
bad_dump block-size 'line 1: block_size 3000' 's/^block_size: .*/block_size:   3000/'
bad_dump main-len 'line 2: main_len 65537 is not a positive multiple' 's/^main_len: .*/main_len:     65537/'
bad_dump spare-len 'line 4: spare_len 8193 is not a multiple' 's/^spare_len: .*/spare_len:    8193/'
bad_dump too-small 'line 4: Spare region too small' 's/^spare_len: .*/spare_len:    1024/'
bad_dump blocks 'line 5: blocks 1023, the geometry gives 1024' 's/^blocks: .*/blocks:       1023/'
bad_dump strategy 'line 6: expected "strategy: small"' 's/^strategy: .*/strategy:     medium/'
bad_dump copies 'line 7: 3 copies, the geometry gives 2' 's/^copies: .*/copies:       3 of 4 blocks/'
bad_dump copy-position 'line 9: copy 1 at sector 2088, block 5; the geometry puts it at sector 2080, block 4' \
	's/^copy 1: .*/copy 1:       sector 2088, block 5, ok, generation 3/'
bad_dump generation-zero 'line 10: generation 0' 's/^generation: .*/generation:   0 (copy 0)/'
bad_dump features 'line 11: compat_ro "0xzz" is not 0x and 1 to 8 hex digits' 's/compat_ro 0x0,/compat_ro 0xzz,/'
bad_dump counters 'the counters say 4 remapped, 1 pending, 1 bad; the rows hold 3, 1, 1' 's/^remapped: .*/remapped:     4/'
bad_dump free-counter 'the counters say 8 reserved, 4 used, 1010 free' 's/^free: .*/free:         1010/'
bad_dump spare-twice 'line 21: spare block 9 is given twice' '20s/.*/0              remapped  9            2120/'
bad_dump main-twice 'main sector 40 is given two spare blocks' 's/^0 .*/40             remapped  11           2136/'
bad_dump into-copy 'line 20: spare block 5 lies in metadata copy 1' 's/^0 .*/0              remapped  5            2088/'
bad_dump block-past-region 'line 20: spare block 1024 is past the region.s last block 1023' \
	's/^0 .*/0              remapped  1024         10240/'
bad_dump block-huge 'line 20: spare block 4294967296 is past' 's/^0 .*/0              remapped  4294967296   10240/'
bad_dump main-past-end 'line 20: main block 8192 is past the device end' 's/^0 .*/65536          remapped  11           2136/'
bad_dump main-unaligned 'line 20: main sector 41 is not on a block boundary' 's/^0 .*/41             remapped  11           2136/'
bad_dump spare-sector 'line 20: spare block 11 is at sector 2136, not 2137' 's/^0 .*/0              remapped  11           2137/'
bad_dump state 'line 20: state "remaped" is not remapped, pending or bad' 's/^0 .*/0              remaped   11           2136/'
bad_dump bad-with-main 'line 24: a bad spare block serves no main sector' 's/^- .*/0              bad       20           2208/'
bad_dump negative 'line 20: main sector "-8" is not a decimal number' 's/^0 .*/-8             remapped  11           2136/'
bad_dump row-words 'line 20: expected "<main_sector> <state> <spare_block> <spare_sector>"' 's/^0 .*/0 remapped 11/'
bad_dump heading 'line 19: expected the heading' 's/^main_sector.*/main state spare sector/'
bad_dump no-blank-line 'line 18: expected an empty line' '/^$/d'
bad_dump truncated 'line 9: the dump ends too early' '8q'
bad_dump empty 'line 1: the dump ends too early' 'd'
bad_dump json 'line 1: expected "block_size: <number>"' '1s/.*/{"device":"clean.orig",/'
head -c 3000 /dev/urandom > bad.dump
run "$tool" restore target $S bad.dump
expect restore-rejects-random 1 'line 1' 'nothing written'
same restore-rejects-random-unchanged target
run "$tool" restore target 0 8192 clean.dump
expect restore-rejects-other-region 1 'the dump is of spare region 2048\+8192 \(block_size 4096, len 65536\), not of the one given; nothing written'
same restore-rejects-other-region-unchanged target
run "$tool" restore target $S clean.dump --len 131072
expect restore-rejects-other-len 1 'not of the one given'
same restore-rejects-other-len-unchanged target
run "$tool" restore target $S no-such-dump
expect restore-missing-file 1 'no-such-dump: No such file'
run "$tool" restore target $S
expect restore-usage 2 '^usage:'
same restore-usage-unchanged target
truncate -s $(((2048 + 16384) * 512)) big
run ./mkimage big 2048 16384 4096 65536 remap:1
run "$tool" dump big 2048 16384
cp out big.dump
cp target target.before
run "$tool" restore target 2048 16384 big.dump
expect restore-region-past-end 1 'spare region 2048\+16384 ends past the end \(10240 sectors\)'
same restore-region-past-end-unchanged target

# A block device: repaired through it, and refused while something holds it
# (O_EXCL, as a live target or a mount would), when loop devices can be set up.
cp clean.orig blk
if loop=$(losetup -f --show blk 2> /dev/null); then
	dd if=/dev/urandom of="$loop" bs=512 seek=2080 count=8 conv=notrunc,fsync status=none
	run "$tool" repair "$loop" $S
	expect block-device-repair 0 '^copy 1 at sector 2080: repaired, generation 3'
	python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL)
print("held", flush=True)
time.sleep(60)' "$loop" > held &
	holder=$!
	while [ ! -s held ] && kill -0 $holder 2> /dev/null; do sleep 0.1; done
	run "$tool" repair "$loop" $S
	expect block-device-in-use 1 'in use \(a live dm-remap device or a mount holds it'
	run "$tool" format "$loop" $S $FMT --force
	expect block-device-in-use-format 1 'in use'
	run "$tool" check "$loop" $S
	expect block-device-in-use-check 0 '^ok$'
	kill $holder
	wait $holder 2> /dev/null
	losetup -d "$loop"
	if cmp -s blk clean.orig; then
		pass block-device-repair-same-bytes
	else
		fail block-device-repair-same-bytes "differs from the clean image"
	fi
else
	echo "SKIP tool/offline/block-device-repair: no loop device"
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
