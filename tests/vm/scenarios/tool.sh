# dmremap create/status/remove on live devices (the tool runs under ASan and
# UBSan); its table lines are the kernel's canonical form; bad input is
# refused before device-mapper is asked. The live commands (remap, unremap,
# query, list across pages, monitor, import-badblocks) against the target's
# own replies, with the data checked by content. Offline restore, repair and
# format write what the module then loads.
# disks: 64M 16M 40M
# timeout: 150
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2) single=$(disk 3)
M=$(majmin "$main") S=$(majmin "$spare")
out=$(dmremap create t "$main" "$spare" 0 32768) || fail "dmremap create failed"
expect_eq "$out" "t: 0 131072 remap $main $spare 0 32768 2 block_size 512" "create output"
expect_eq "$(dmsetup table t)" "0 131072 remap $M $S 0 32768 2 block_size 512" "table"
expect_eq "$(dmremap status --json t)" \
	'{"name":"t","start":0,"length":131072,"version":"4.0.0","mode":"rw","block_size":512,"spare_used":0,"spare_total":31712,"remapped":0,"pending":0,"read_errors":0,"write_errors":0,"copies_ok":2,"copies":2,"generation":1,"auto_remaps":0,"manual_remaps":0,"bad":0,"path_errors":0}' "json status"
dmremap status t | grep -q '^mode: *rw$' || fail "human status: $(dmremap status t)"
dmremap status t | grep -q '^metadata: *2 of 2 copies ok, generation 1$' || fail "human status: $(dmremap status t)"
dmremap remove t || fail "remove failed"
dmsetup info t > /dev/null 2>&1 && fail "t still exists"

# read_only never formats: a fresh region is formatted read-write first.
wipe "$spare" 0 32768
dmremap create u "$main" "$spare" 0 16384 --len 65536 --block-size 4096 > /dev/null || fail "create u failed"
dmremap remove u
dmremap create u "$main" "$spare" 0 16384 --len 65536 --block-size 4096 --read-only --no-auto-remap > /dev/null ||
	fail "create with options failed"
expect_eq "$(dmsetup table u)" "0 65536 remap $M $S 0 16384 4 block_size 4096 no_auto_remap read_only" "table with options"
expect_eq "$(dmremap status --json u)" \
	'{"name":"u","start":0,"length":65536,"version":"4.0.0","mode":"ro","block_size":4096,"spare_used":0,"spare_total":2036,"remapped":0,"pending":0,"read_errors":0,"write_errors":0,"copies_ok":2,"copies":2,"generation":1,"auto_remaps":0,"manual_remaps":0,"bad":0,"path_errors":0}' "json status with options"
dmremap remove u

# Single-disk mode: the default length is everything before the spare region.
dmremap create s "$single" "$single" 65536 16384 > /dev/null || fail "single-disk create failed"
expect_eq "$(sectors /dev/mapper/s)" 65536 "single-disk default length"
dmremap remove s

expect_tool_error() {
	msg=$1
	shift
	if dmremap "$@" > /tmp/out 2> /tmp/err; then
		fail "dmremap $* succeeded"
	fi
	grep -qF "$msg" /tmp/err || fail "dmremap $*: '$(cat /tmp/err)' lacks '$msg'"
	echo "refused: dmremap $* -> $msg"
}
expect_tool_error "Invalid block_size" create x "$main" "$spare" 0 32768 --block-size 3000
expect_tool_error "Invalid spare_len" create x "$main" "$spare" 0 lots
expect_tool_error "Spare region overlaps" create x "$single" "$single" 1024 1024 --len 2048
expect_tool_error "Spare region extends beyond" create x "$main" "$spare" 0 32776
expect_tool_error "Main device is smaller" create x "$main" "$spare" 0 8 --len 131080
expect_tool_error "No such file" create x /dev/nonexistent "$spare" 0 8
expect_tool_error "not a block device" create x /tmp/out "$spare" 0 8
expect_tool_error "usage" create x
expect_tool_error "unknown command" frobnicate
create l "0 1024 linear $main 0"
expect_tool_error "not a remap device" status l
remove l
expect_tool_error "removing x failed" remove x

# Live commands. Main under a table whose block 1250 fails (unreadable).
wipe "$spare" 0 32768
bad_table "$main" 1250 | dmsetup create m || fail "create m"
dmremap create v /dev/mapper/m "$spare" 0 32768 --block-size 4096 --len 131072 > /dev/null ||
	fail "create v failed"
pattern /tmp/p $((4 << 20))
gdd if=/tmp/p of=/dev/mapper/v bs=1M oflag=direct status=none
expect_eq "$(dmremap remap v 8)" "remapped sector=8 spare_sector=$(msg v query 8 | sed -n 's/.*spare_sector=\([0-9]*\).*/\1/p')" "remap reply"
expect_eq "$(dmremap query v 8 | cut -d' ' -f1-2)" "sector=8 state=remapped" "query"
expect_eq "$(dmremap query v 0 16 | wc -l)" 2 "query of a range: one line per block"
expect_eq "$(dmremap remap v 800 4000)" "remapped=500 pending=0 already=0" "range remap"
expect_tool_error "refused" remap v 8
expect_tool_error "usage" remap v eight
expect_tool_error "not a remap device" remap m 8
# The list is longer than one reply: the tool follows next= to the end.
dmremap list v > /tmp/list || fail "list"
expect_eq "$(wc -l < /tmp/list)" 501 "list lines"
expect_eq "$(grep -c next= /tmp/list)" 0 "list continuation lines"
expect_eq "$(msg v list | grep -c '^next=')" 1 "the target's own list is paged"
expect_eq "$(head -n 1 /tmp/list | cut -d' ' -f1-2)" "sector=8 state=remapped" "list order"
expect_eq "$(dmremap unremap v 8)" "unremapped sector=8" "unremap"
expect_eq "$(dmremap query v 8)" "sector=8 state=ok" "query after unremap"
# monitor: the current state, then one line per dm event.
dmremap monitor v --count 2 > /tmp/mon &
mon=$!
wait_line /tmp/mon "mode rw"
dmremap remap v 16 > /dev/null || fail "remap 16"
# The second event only once the first is reported (two at once are one line).
wait_line /tmp/mon "; +1 remapped"
dmremap remap v 24 > /dev/null || fail "remap 24"
wait "$mon" || fail "monitor failed"
cat /tmp/mon
expect_eq "$(wc -l < /tmp/mon)" 3 "monitor lines"
grep -q 'mode rw, remapped 500,' /tmp/mon || fail "monitor first line"
expect_eq "$(grep -c '; +1 remapped' /tmp/mon)" 2 "monitor: each remap an event"
# import-badblocks: 1 KiB blocks 100 and 101 lie in 4 KiB block 25, 4999 in
# 1249 and 5000 in the unreadable 1250 (pending); 1249 and 1250 go in one message.
printf '100\n101\n5000\n4999\n' > /tmp/bb
expect_eq "$(dmremap import-badblocks v /tmp/bb)" \
	"v: 2 remapped, 1 pending (main unreadable: the data is lost until rewritten), 0 already" "import"
expect_eq "$(dmremap import-badblocks v /tmp/bb)" \
	"v: 0 remapped, 0 pending (main unreadable: the data is lost until rewritten), 3 already" "import again"
printf '7\n' > /tmp/bb4
expect_eq "$(dmremap import-badblocks v /tmp/bb4 --block-size 4096)" \
	"v: 1 remapped, 0 pending (main unreadable: the data is lost until rewritten), 0 already" "import, 4 KiB blocks"
printf '12\nx\n' > /tmp/bbx
expect_tool_error "not a block number" import-badblocks v /tmp/bbx
expect_tool_error "usage" import-badblocks v /tmp/bb --block-size 1000
# The 4 MiB written read back through the remaps.
gdd if=/dev/mapper/v of=/tmp/r bs=4096 count=1024 iflag=direct status=none
gdd if=/tmp/p of=/tmp/q bs=4096 count=1024 status=none
same_content /tmp/q /tmp/r "content through remaps"
expect_eq "$(msg v count)" "remapped=505 pending=1" "count"
expect_eq "$(msg v check)" "ok" "check"
msg v metadata_locations > /tmp/locs
dmremap remove v

# Offline restore, repair and format, then the module loads what they wrote.
# Every copy destroyed: check fails, restore from the dump brings back the
# table, and the data through it.
dmremap dump "$spare" 0 32768 > /tmp/dump || fail "dump"
# trash <copy>: random bytes over a metadata copy (its sectors from metadata_locations).
trash() {
	# shellcheck disable=SC2046
	set -- $(sed -n "s/^copy=$1 .* sector=\([0-9]*\) sectors=\([0-9]*\) .*/\1 \2/p" /tmp/locs)
	[ -n "${2:-}" ] || fail "no location of a copy in $(cat /tmp/locs)"
	gdd if=/dev/urandom of="$spare" bs=512 seek="$1" count="$2" oflag=direct conv=notrunc status=none
}
trash 0
trash 1
dmremap check "$spare" 0 32768 > /dev/null 2>&1 && fail "check passed with every copy destroyed"
dmremap restore "$spare" 0 32768 /tmp/dump > /dev/null || fail "restore"
dmremap check "$spare" 0 32768 > /dev/null || fail "check after restore"
dmremap create v /dev/mapper/m "$spare" 0 32768 --block-size 4096 --len 131072 > /dev/null ||
	fail "create after restore"
expect_eq "$(msg v count)" "remapped=505 pending=1" "count after restore"
expect_eq "$(msg v check)" "ok" "check after restore"
gdd if=/dev/mapper/v of=/tmp/r bs=4096 count=1024 iflag=direct status=none
same_content /tmp/q /tmp/r "content through restored remaps"
dmremap remove v
# One copy destroyed: repair rewrites it from the other before the module sees it.
trash 1
dmremap check "$spare" 0 32768 > /dev/null 2>&1 && fail "check passed with a copy destroyed"
dmremap repair "$spare" 0 32768 > /dev/null || fail "repair"
dmremap check "$spare" 0 32768 > /dev/null || fail "check after repair"
dmremap dump "$spare" 0 32768 > /tmp/dump2 || fail "dump after repair"
same_content /tmp/dump /tmp/dump2 "dump after restore and repair"
# A region formatted by the tool loads as the module's own fresh one.
wipe "$spare" 0 32768
dmremap format "$spare" 0 32768 --block-size 4096 --len 131072 > /dev/null || fail "format"
dmremap create v /dev/mapper/m "$spare" 0 32768 --block-size 4096 --len 131072 > /dev/null ||
	fail "create on a formatted region"
expect_eq "$(dmsetup status v | cut -d' ' -f5,8,9,12,13)" "rw 0 0 2/2 1" "mode, remapped, pending, copies, generation on a formatted region"
dmremap remove v
remove m
[ -z "$(dmsetup ls | grep -v 'No devices found')" ] || fail "devices left behind: $(dmsetup ls)"
