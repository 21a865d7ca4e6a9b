# Write-log replay: the spare device sits under dm-log-writes (every write
# to it, in the order it reached stable storage, with every flush and FUA)
# during a remap storm: manual remaps of single blocks and of ranges,
# unremaps, rewrites of remapped blocks, and automatic remaps of blocks that
# go bad below main (the `error` target) while they are written, with a
# random writer running throughout so that commits are in flight, and a
# suspend/resume and a table reload in the middle. After each acknowledged
# operation the guest writes a mark into the log (mapped:<sector>:<tag>,
# unmapped:<sector>; forget:<sector> before changing a block). After the
# devices are removed cleanly, the host replays the log
# (tests/replay/dmr-log-replay.c) and judges the spare at every flush and
# FUA point and at points between them (subsets of the unflushed writes, as
# a volatile cache may keep any of them): the metadata loads, every
# invariant holds, the generation never goes back, every acknowledged remap
# is there with its data, no remapped block's data is all zero, the
# activation's repair leaves every copy current; and the whole log replayed
# equals the spare disk. The spare disk has 4 KiB logical blocks (the log
# counts in those units) and a 64 MiB region (3 metadata copies). Data is
# also verified by content in the guest.
# disks: 64M 64M:4k 256M
# timeout: 300
# host-replay: 3 2 0 131072 4096 131072 --nonzero-data
. /lib/dmr-test.sh
load_remap
modprobe dm-log-writes || fail "modprobe dm-log-writes"
disk=$(disk 1) spare=$(disk 2) logdev=$(disk 3)
# Main holds no zero block: a remapped block's spare data must never be zero.
pattern /tmp/p $((64 << 20))
gdd if=/tmp/p of="$disk" bs=1M oflag=direct status=none
rm -f /tmp/p
create lw "0 $(sectors "$spare") log-writes $spare $logdev"
bad_table "$disk" | dmsetup create m || fail "create m"
table=$(remap_table 131072 /dev/mapper/m /dev/mapper/lw 0 131072 block_size 4096)
create r "$table"
lwmark() { dmsetup message lw 0 mark "$1" || fail "mark $1"; }
lwmark created

# pat <label>: the 4 KiB block of "<label>" lines (printf '%-15s\n'), as the replay expects.
pat() { awk -v l="$1" 'BEGIN { s = sprintf("%-15s\n", l); for (i = 0; i < 256; i++) printf "%s", s }'; }
# put <block> <tag>: an acknowledged write of the block's pattern (O_DIRECT|O_SYNC).
put() {
	pat "$(($1 * 8)).$2" > "/tmp/b.$1"
	gdd if="/tmp/b.$1" of=/dev/mapper/r bs=4096 seek="$1" count=1 oflag=direct,sync \
		conv=notrunc status=none || fail "write of block $1"
}
# same <block> <tag>: the device reads the block's pattern back.
same() {
	gdd if=/dev/mapper/r of=/tmp/r bs=4096 skip="$1" count=1 iflag=direct status=none
	pat "$(($1 * 8)).$2" > /tmp/q
	same_content /tmp/q /tmp/r "block $1 ($2)"
}
# single <first> <last> <tag>: manual remaps, one block at a time.
single() {
	for b in $(seq "$1" "$2"); do
		put "$b" "$3"
		msg r remap $((b * 8)) > /dev/null
		lwmark "mapped:$((b * 8)):$3"
	done
}
# autoremap <tag> <block>...: writes of blocks gone bad, each remapped on
# its write error and acknowledged from the spare.
autoremap() {
	tag=$1
	shift
	for b; do
		put "$b" "$tag"
		lwmark "mapped:$((b * 8)):$tag"
	done
}

# Writer A: random blocks 0-511, plain and O_SYNC writes, throughout; some of
# these blocks are remapped under it, manually or because they go bad.
(
	i=0
	while [ ! -e /tmp/stop ]; do
		b=$(($(od -An -N2 -tu2 /dev/urandom) % 512))
		flag=direct
		[ $((i % 3)) -ne 0 ] || flag=direct,sync
		head -c 4096 /dev/urandom > /tmp/a.d
		gdd if=/tmp/a.d of=/dev/mapper/r bs=4096 seek="$b" count=1 oflag=$flag \
			conv=notrunc status=none || { echo "writer A: write of block $b failed"; exit 1; }
		i=$((i + 1))
	done
	echo "writer A: $i writes"
) > /tmp/a.log 2>&1 &
apid=$!

# Blocks 3000-3039 and 400-409 (under writer A) go bad below main; writer B
# writes 3000-3039 while the manual remaps run.
BAD1=$(seq 3000 3039)
# shellcheck disable=SC2086
set_bad m "$disk" $BAD1 $(seq 400 409)
# shellcheck disable=SC2086 # a list of blocks
(autoremap w $BAD1 && echo "writer B: done") > /tmp/b.log 2>&1 &
bpid=$!

single 1000 1023 m
# Ranges: 8 blocks in one message (one commit).
for base in 1100 1200 1300 1400; do
	for b in $(seq "$base" $((base + 7))); do put "$b" g; done
	msg r remap $((base * 8)) 64 | grep -qx "remapped=8 pending=0 already=0" ||
		fail "range remap at block $base"
	for b in $(seq "$base" $((base + 7))); do lwmark "mapped:$((b * 8)):g"; done
done
# Unmarked remaps under writer A.
for b in 7 77 177 277 377 477; do msg r remap $((b * 8)) > /dev/null; done
wait "$bpid" || fail "writer B"
echo "before the reload: $(msg r count); $(msg r stats | grep -E '^(auto_remaps|manual_remaps|commits|generation)=' | tr '\n' ' ')"

log "suspend/resume and a table reload during the storm"
dmsetup suspend r && dmsetup resume r || fail "suspend/resume"
dmsetup suspend r && dmsetup load r --table "$table" && dmsetup resume r || fail "reload"
lwmark reloaded

# A second wave of bad blocks, written by writer C while unremaps, rewrites
# and more remaps run.
BAD2=$(seq 3100 3139)
# shellcheck disable=SC2086
set_bad m "$disk" $BAD1 $(seq 400 409) $BAD2
# shellcheck disable=SC2086 # a list of blocks
(autoremap x $BAD2 && echo "writer C: done") > /tmp/c.log 2>&1 &
cpid=$!
# Unremaps: forget, unremap, then the block must stay off the spare.
UNREMAP="1000 1002 1004 1104 1205 1307"
for b in $UNREMAP; do
	lwmark "forget:$((b * 8))"
	msg r unremap $((b * 8)) | grep -q "^unremapped" || fail "unremap $b"
	lwmark "unmapped:$((b * 8))"
done
# Rewrites of remapped blocks: the new data on the spare.
REWRITE="1001 1003 1201 1401 3005 3010"
for b in $REWRITE; do
	lwmark "forget:$((b * 8))"
	put "$b" v2
	lwmark "mapped:$((b * 8)):v2"
done
single 1500 1523 n
wait "$cpid" || fail "writer C"
touch /tmp/stop
wait "$apid" || { cat /tmp/a.log; fail "writer A"; }
cat /tmp/a.log /tmp/b.log /tmp/c.log

# Every acknowledged block reads back by content.
tag_of() {
	case " $REWRITE " in *" $1 "*) echo v2; return ;; esac
	case $1 in
	30??) echo w ;; 31??) echo x ;; 10??) echo m ;; 15??) echo n ;; *) echo g ;;
	esac
}
n=0
for b in $BAD1 $BAD2 $(seq 1000 1023) $(seq 1100 1107) $(seq 1200 1207) $(seq 1300 1307) \
	$(seq 1400 1407) $(seq 1500 1523); do
	same "$b" "$(tag_of "$b")"
	n=$((n + 1))
done
for b in $UNREMAP; do
	msg r query $((b * 8)) | grep -q "state=ok" || fail "block $b still remapped: $(msg r query $((b * 8)))"
done
expect_eq "$(msg r check)" ok "check"
echo "$n blocks verified; after the reload: $(msg r count); $(msg r stats | grep -E '^(auto_remaps|manual_remaps|unremaps|commits|generation)=' | tr '\n' ' ')"
echo "log-writes: $(dmsetup status lw)"
remove r
dmsetup remove m || fail "remove m"
# Removing the log-writes device logs the last writes and its end mark.
remove lw
