#!/bin/sh
# The write-log replay (tests/replay/dmr-log-replay.c) on logs written by
# tests/replay/mklog.c, which runs the shared core's format and commit code
# as the kernel does and logs the writes as dm-log-writes would: clean logs
# pass at every point, and a log with a flaw fails at the point where a power
# cut would expose it. One line per test, `PASS tool/replay/<name>` or
# `FAIL tool/replay/<name>: why`, as `make check` expects.
#
#   tests/tool/replay.sh [dmr-log-replay] [mklog]   (default build/san/...)
# shellcheck disable=SC2086 # $GEO, $STORM and $RARGS are lists of words
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
replay=${1:-$top/build/san/dmr-log-replay}
mklog=${2:-$top/build/san/mklog}
for t in replay mklog; do
	eval "p=\$$t"
	case $p in /*) ;; *) eval "$t=\$(pwd)/\$p" ;; esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
passed=0
failed=0

pass() { echo "PASS tool/replay/$1"; passed=$((passed + 1)); }
fail() {
	echo "FAIL tool/replay/$1: $2"
	failed=$((failed + 1))
	sed 's/^/    | /' out
}

for p in "$replay" "$mklog"; do
	if [ ! -x "$p" ]; then
		echo "FAIL tool/replay: no $p (make build/san/dmr-log-replay build/san/mklog)"
		exit 1
	fi
done

# A spare device of 4 MiB, the region at sector 2048 (6144 sectors), 4 KiB
# blocks, main 65536 sectors: 2 copies of 3 blocks.
GEO="2048 6144 4096 65536"

# case <name> <status> <pattern> <sectorsize> <op>...: mklog writes the log
# and the spare image, the replay must exit with <status> and print the
# pattern (extended regex). Sanitizer reports always fail.
case_() {
	name=$1 want=$2 pat=$3 ss=$4
	shift 4
	if ! "$mklog" log spare "$ss" 4194304 $GEO "$@" > out 2>&1; then
		fail "$name" "mklog failed"
		return
	fi
	"$replay" --seed 7 --nonzero-data ${RARGS:-} log spare $GEO > out 2>&1
	rc=$?
	if grep -qE 'Sanitizer|runtime error' out; then
		fail "$name" "sanitizer report"
	elif [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, expected $want"
	elif ! grep -qE -- "$pat" out; then
		fail "$name" "output lacks '$pat'"
	else
		pass "$name"
	fi
}

STORM="create remap:800:a remap:16:b remap:4000:c unremap:16 write:800:d mark:x remap:24:e discard:40 remap:32:f"

# Clean logs, 512-byte and 4 KiB log units: every point passes.
case_ clean-512 0 '^ok: [0-9]+ points checked \(' 512 $STORM
if grep -qE '^points judged: [1-9][0-9]* flush, 1 fua, [1-9][0-9]* between .* 2 before the first format, not judged$' out &&
	grep -qE '^judged: generations 1\.\.7, at most 4 remapped, .* [1-9][0-9]* mark expectations' out; then
	pass clean-512-counts
else
	fail clean-512-counts "counts"
fi
case_ clean-4096 0 '^ok: [0-9]+ points checked \(' 4096 $STORM
# Prefixes, all-but-one and random subsets instead of every subset.
RARGS="--exhaustive 1"
case_ clean-random-subsets 0 ' [1-9][0-9]* prefix, [1-9][0-9]* all but one, [1-9][0-9]* random\), 1 end' 512 $STORM
RARGS=""

# A commit that forgets its flushes: a cut tears copy 0 and copy 1 at once,
# or loses the acknowledged remap.
case_ commit-without-flush 1 '^FAIL point: between' 512 create remap:800:a noflush remap:16:b mark:end
# Both superblocks destroyed: nothing loads at the next flush.
case_ torn-superblocks 1 'FAIL point: flush .*|the metadata does not load: no valid metadata copy' 512 \
	create remap:800:a garbage:0 garbage:1
# One destroyed: the other copy loads, and the activation repairs it. (A
# commit after that is another matter: the kernel does not know, and a cut
# that tears copy 0 leaves nothing; two copies protect against one failure.)
case_ one-superblock-destroyed 0 '^ok: ' 512 create remap:800:a remap:16:b garbage:1
# An older state written back: the generation goes back.
case_ generation-back 1 'generation 2 loaded, but 3 was durable already' 512 \
	create remap:800:a remap:16:b rewind
# A mark for a remap that never happened.
case_ remap-lost 1 'sector 1600 is not remapped, but its remap was acknowledged' 512 \
	create remap:800:a lie:1600:z
# A mark with the wrong data for a remapped block.
case_ remap-data-wrong 1 'spare block [0-9]+ does not hold its acknowledged data "800.zz"' 512 \
	create remap:800:a lie:800:zz
# Discarding the spare block of a remapped block loses its data: found by
# the mark, and without a mark by --nonzero-data.
case_ remapped-data-discarded 1 'spare block 6 does not hold its acknowledged data "800.a"' 512 \
	create remap:800:a discard:6
case_ remapped-data-zero 1 'main block 100 is remapped to spare block 6, which holds only zeroes' 512 \
	create remap:800:a mark:forget:800 discard:6
# A discard inside a metadata copy, then a commit: a cut tears the other copy.
case_ discard-in-metadata 1 'copy 1 bad' 512 create discard:5 remap:800:a

# The whole log replayed must be the spare's image.
"$mklog" log spare 512 4194304 $GEO create remap:800:a > out 2>&1
dd if=/dev/urandom of=spare bs=4096 seek=1000 count=1 conv=notrunc status=none
"$replay" log spare $GEO > out 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'the whole log replayed differs from spare at byte 4096000' out; then
	pass final-image-differs
else
	fail final-image-differs "exit $rc"
fi

# Not a log, a cut log, and usage errors: status 2.
# status2 <name> <pattern>: the last replay exited 2 and said so.
status2() {
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$2" out; then
		pass "$1"
	else
		fail "$1" "exit $rc, expected 2 and '$2'"
	fi
}
"$mklog" log spare 512 4194304 $GEO create > out 2>&1
cp log good.log
printf 'XXXXXXXX' | dd of=log conv=notrunc status=none
"$replay" log spare $GEO > out 2>&1
status2 not-a-log 'no dm-log-writes super'
# nr_entries one short: the end mark is missing.
cp good.log log
python3 -c '
import struct, sys
f = open("log", "r+b"); f.seek(16); n = struct.unpack("<Q", f.read(8))[0]
f.seek(16); f.write(struct.pack("<Q", n - 1))'
"$replay" log spare $GEO > out 2>&1
status2 log-cut 'does not end with the mark dm-log-writes-end'
"$replay" good.log spare 2048 6144 4096 > out 2>&1
status2 usage '^usage:'

echo "tool/replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
