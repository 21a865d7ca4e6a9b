# Every message verb with good and bad arguments, against golden replies.
# Geometry: 1 MiB spare region, 4 KiB blocks: 256 blocks, small placement,
# 2 copies of 2 blocks (a superblock page and one slot page) at blocks 0, 2.
# disks: 64M 16M
# timeout: 90
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
create r "$(remap_table 131072 "$main" "$spare" 0 2048 block_size 4096)"
golden() {
	got=$(msg r "$@")
	expect_eq "$got" "$(printf "$GOLDEN")" "reply to '$*'"
	echo "ok: $*"
}
GOLDEN='remap <sector> [<sectors>]\nunremap <sector>\nquery <sector> [<sectors>]\nlist [<sector> [<count>]]\ncount\nstats\nreservation_stats\nallocation_map\nmetadata_locations\ncheck\ncommit\nhelp\nset auto_remap on|off' golden help
GOLDEN='strategy=small\ncopies=2\ncopy_blocks=2\nblocks=256\nreserved=4\nused=0\nbad=0\nfree=252' golden reservation_stats
GOLDEN='copy=0 block=0 blocks=2 sector=0 sectors=16 state=ok generation=1\ncopy=1 block=2 blocks=2 sector=16 sectors=16 state=ok generation=1' golden metadata_locations
GOLDEN='0-3 reserved\n4-255 free' golden allocation_map
GOLDEN='remapped=0 pending=0' golden count
GOLDEN='' golden list
GOLDEN='ok' golden check
uevent_listen /tmp/uev
GOLDEN='remapped sector=8 spare_sector=32' golden remap 8
GOLDEN='remapped sector=131064 spare_sector=40' golden remap 131071
GOLDEN='sector=8 state=remapped spare_sector=32 spare_block=4' golden query 15
GOLDEN='sector=0 state=ok\nsector=8 state=remapped spare_sector=32 spare_block=4\nsector=16 state=ok' golden query 0 24
GOLDEN='remapped=2 pending=0' golden count
GOLDEN='sector=8 state=remapped spare_sector=32\nsector=131064 state=remapped spare_sector=40' golden list
GOLDEN='sector=131064 state=remapped spare_sector=40' golden list 16
GOLDEN='sector=8 state=remapped spare_sector=32' golden list 0 1
GOLDEN='0-3 reserved\n4-5 used\n6-255 free' golden allocation_map
GOLDEN='generation=4' golden commit
GOLDEN='ok' golden check
GOLDEN='mode=rw\nblock_size=4096\nremapped=2\npending=0\nbad=0\nspare_used=2\nspare_total=252\nspare_free=250\nread_errors=0\nwrite_errors=0\npath_errors=0\nauto_remap=on\nauto_remaps=0\nmanual_remaps=2\nunremaps=0\npending_cleared=0\nremap_latency_avg_us=0\nremap_latency_max_us=0\ncommits=3\ncommit_failures=0\nrefused_bios=0\ngeneration=4\ncopies_ok=2\ncopies=2' golden stats
expect_eq "$(dmsetup status r)" "0 131072 remap 4.0.0 rw 4096 2/252 2 0 0 0 2/2 4 0 2 0 0" "status"
# debugfs carries the same reports.
dbg=/sys/kernel/debug/dm-remap/$(dm_blk r)
expect_eq "$(cat "$dbg/reservation_stats")" "$(msg r reservation_stats)" "debugfs reservation_stats"
expect_eq "$(cat "$dbg/allocation_map")" "$(msg r allocation_map)" "debugfs allocation_map"
expect_eq "$(cat "$dbg/metadata_locations")" "$(msg r metadata_locations)" "debugfs metadata_locations"
expect_eq "$(cat "$dbg/remaps")" "$(msg r list)" "debugfs remaps"
GOLDEN='unremapped sector=8' golden unremap 12
GOLDEN='remapped=1 pending=0' golden count
# A udev change uevent for each change, naming it.
wait_line /tmp/uev "^change r unremap rw$"
expect_eq "$(cat /tmp/uev)" "$(printf 'change r remap rw\nchange r remap rw\nchange r unremap rw')" "uevents"

msg_refused r "already remapped" remap 131064
msg_refused r "is not remapped" unremap 8
msg_refused r "unknown message verb" frobnicate
msg_refused r "usage: remap <sector> [<sectors>]" remap
msg_refused r "usage: remap <sector> [<sectors>]" remap 1 2 3
msg_refused r "usage: unremap <sector>" unremap
msg_refused r "usage: query <sector> [<sectors>]" query
msg_refused r "usage: query <sector> [<sectors>]" query 1 2 3
msg_refused r "usage: list [<sector> [<count>]]" list 1 2 3
msg_refused r "usage: count" count 1
msg_refused r "usage: check" check now
msg_refused r "usage: help" help me
msg_refused r "sector is not a decimal number" remap x
msg_refused r "sector is not a decimal number" remap 1e3
msg_refused r "sector is not a decimal number" query 0x10
msg_refused r "sector is beyond the end of the device" remap 131072
msg_refused r "sector is beyond the end of the device" list 131072
msg_refused r "sector is not a decimal number" list 99999999999999999999
msg_refused r "count is not a positive decimal number" query 0 0
msg_refused r "count is not a positive decimal number" list 0 many
msg_refused r "range goes beyond the end of the device" query 131071 2
# Nothing above changed the metadata.
GOLDEN='remapped=1 pending=0' golden count
GOLDEN='ok' golden check
# Ranges: every block touching [sector, sector + sectors), one commit.
GOLDEN='remapped=3 pending=0 already=0' golden remap 64 24
GOLDEN='remapped=2 pending=0 already=3' golden remap 70 30
GOLDEN='remapped=0 pending=0 already=2' golden remap 64 16
GOLDEN='remapped=6 pending=0' golden count
msg_refused r "no spare space: at least 16378 blocks to remap, 246 free" remap 0 131072
msg_refused r "range goes beyond the end of the device" remap 131064 9
msg_refused r "count is not a positive decimal number" remap 0 0
GOLDEN='remapped=6 pending=0' golden count
GOLDEN='ok' golden check
GOLDEN='auto_remap=off' golden set auto_remap off
msg r stats | grep -qx auto_remap=off || fail "stats after set auto_remap off"
GOLDEN='auto_remap=on' golden set auto_remap on
msg_refused r "usage: set auto_remap on|off" set auto_remap
msg_refused r "unknown key (known: auto_remap)" set read_retries 3
msg_refused r "auto_remap takes on or off" set auto_remap yes
# Free spare falling below low_spare_percent: an event once per crossing.
p=/sys/module/dm_remap/parameters/low_spare_percent
echo 99 > $p || fail "set low_spare_percent"
: > /tmp/uev
msg r remap 200 | grep -q '^remapped sector=200 ' || fail "remap 200"
wait_line /tmp/uev "^change r low_spare rw$"
msg r remap 208 | grep -q '^remapped sector=208 ' || fail "remap 208"
sleep 1
expect_eq "$(grep -c low_spare /tmp/uev)" 1 "low_spare uevents for two remaps below the threshold"
echo 10 > $p
GOLDEN='unremapped sector=200' golden unremap 200
GOLDEN='unremapped sector=208' golden unremap 208
remove r

# read_only: reports work, changes are refused.
create ro "$(remap_table 131072 "$main" "$spare" 0 2048 block_size 4096 read_only)"
expect_eq "$(msg ro count)" "remapped=6 pending=0" "count read-only"
msg_refused ro "metadata is ro (table option read_only)" remap 0
msg_refused ro "metadata is ro (table option read_only)" unremap 131064
msg_refused ro "metadata is ro (table option read_only)" commit
expect_eq "$(msg ro check)" "ok" "check read-only"
remove ro
