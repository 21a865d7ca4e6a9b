# Hostile input at the kernel: corrupted metadata (random bytes anywhere in
# the copies, every superblock field overwritten, both copies damaged) at
# construction -> a clean refusal or a correct load (the remaps all there,
# `check` ok), never an oops; random table lines and random message vectors
# through dmsetup -> EINVAL or success, never an oops, invariants intact.
# (Corruptions that keep the crc valid are the userspace fuzzer's: the decoder
# is the same code.)
# disks: 64M 16M
# timeout: 300
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
table=$(remap_table 131072 "$main" "$spare" 0 2048 block_size 4096)
create r "$table"
msg r remap 0 > /dev/null
msg r remap 800 16 > /dev/null
msg r remap 131064 > /dev/null
want=$(msg r count)
remove r
gdd if="$spare" of=/tmp/good bs=4096 count=256 iflag=direct status=none
rnd() { od -An -N4 -tu4 /dev/urandom | tr -d ' '; }
poke() {	# poke <byte offset> <bytes>: random bytes there
	head -c "$2" /dev/urandom | gdd of="$spare" bs=1 seek="$1" conv=notrunc status=none
}
loaded=0 refused=0
try() {
	dmesg -c > /dev/null
	if dmsetup create r --table "$table" 2>/dev/null; then
		expect_eq "$(msg r count)" "$want" "remaps after loading damaged metadata ($1)"
		expect_eq "$(msg r check)" "ok" "check after loading damaged metadata ($1)"
		remove r
		loaded=$((loaded + 1))
	else
		dmesg | grep -q "remap: " || fail "refused without a message ($1)"
		refused=$((refused + 1))
	fi
}
restore() { gdd if=/tmp/good of="$spare" bs=4096 oflag=direct conv=notrunc status=none; }
# Copies: sectors 0-15 and 16-31 (superblock page, slot page each).
i=0
while [ $i -lt 40 ]; do
	restore
	poke $(($(rnd) % 16384)) $((1 + $(rnd) % 64))
	try "random bytes in the copies, round $i"
	i=$((i + 1))
done
for off in 0 8 12 16 24 28 32 36 40 48 56 64 68 72 76 80 84 88 92 96 100 116; do
	restore
	poke $off 4
	poke $((8192 + off)) 4
	try "superblock field at $off in both copies"
done
i=0
while [ $i -lt 10 ]; do
	restore
	poke $(($(rnd) % 8192)) 16
	poke $((8192 + $(rnd) % 8192)) 16
	try "both copies damaged, round $i"
	i=$((i + 1))
done
echo "damaged metadata: $loaded loaded intact, $refused refused"
[ "$refused" -ge 22 ] || fail "superblock damage in both copies was not always refused"
restore

# Random table lines.
words="0 1 8 2048 4096 131072 99999999999999999999 -1 x $main $spare /dev/null 253:0 remap block_size 512 4096 3000 no_auto_remap read_only 1 2 3 4"
set -- $words
nw=$#
i=0
while [ $i -lt 100 ]; do
	line="0 $((1 + $(rnd) % 131072)) remap"
	k=$(($(rnd) % 9))
	while [ $k -gt 0 ]; do
		eval "w=\${$((1 + $(rnd) % nw))}"
		line="$line $w"
		k=$((k - 1))
	done
	if dmsetup create t --table "$line" 2>/dev/null; then
		dmsetup remove t || fail "remove after '$line'"
	fi
	i=$((i + 1))
done
echo "100 random table lines: no oops"

# Random message vectors on a live device.
restore
create r "$table"
verbs="remap unremap query list count stats reservation_stats allocation_map metadata_locations check commit help set auto_remap on off frob"
nums="0 7 8 800 131064 131071 131072 18446744073709551615 -5 x 16 1"
set -- $verbs
nv=$#
set -- $nums
nn=$#
i=0
while [ $i -lt 200 ]; do
	set -- $verbs
	eval "v=\${$((1 + $(rnd) % nv))}"
	set -- $nums
	args=""
	k=$(($(rnd) % 4))
	while [ $k -gt 0 ]; do
		eval "a=\${$((1 + $(rnd) % nn))}"
		args="$args $a"
		k=$((k - 1))
	done
	# shellcheck disable=SC2086
	dmsetup message r 0 $v $args > /dev/null 2>&1 || true
	i=$((i + 1))
done
expect_eq "$(msg r check)" "ok" "check after 200 random messages"
remove r
echo "200 random messages: no oops, check ok"
