# Spare exhaustion under load: a 1 MiB spare region (252 spare blocks at
# 4 KiB) and 400 blocks of main going bad while dmr-blkio fill
# (tests/vm/progs) writes blocks 2000..3599 one block per write with four
# threads, pass after pass, and rewrites and reads back blocks 0..255 (never
# bad) meanwhile. The bad blocks are spread over all four threads' blocks.
# Once the table change is in, the writers finish their pass and make one
# more. Expected, block by block:
#  - the first 252 bad blocks written get the spare: their writes succeed and
#    read back; the other 148 writes fail with EIO and those blocks fail to
#    read (never zeros, never stale data); good blocks never fail;
#  - the good region is served throughout, `check` stays ok, the mode rw;
#  - the same after the remap device is taken down and set up again.
# disks: 64M 16M
# timeout: 300
. /lib/dmr-test.sh
load_remap
disk=$(disk 1) spare=$(disk 2)
n=$(sectors "$disk")
bad_table "$disk" | dmsetup create m || fail "create m"
table=$(remap_table "$n" /dev/mapper/m "$spare" 0 2048 block_size 4096)
create r "$table"
expect_eq "$(msg r reservation_stats | sed -n 's/^free=//p')" 252 "free spare blocks"
bad=$(awk 'BEGIN { for (i = 0; i < 400; i++) print 2000 + 4 * i + i % 4 }')

rm -f /tmp/stop
dmr-blkio fill /dev/mapper/r --good 0 256 --range 2000 1600 --threads 4 \
	--stop-file /tmp/stop --state /tmp/state > /tmp/fill.out 2>&1 &
pid=$!
wait_line /tmp/fill.out running
sleep 2
# shellcheck disable=SC2086
set_bad m "$disk" $bad
log "400 blocks went bad under the writers"
touch /tmp/stop
wait "$pid" || { cat /tmp/fill.out; fail "fill"; }
cat /tmp/fill.out

expect_eq "$(msg r count)" "remapped=252 pending=0" "count"
expect_eq "$(msg r reservation_stats | sed -n 's/^free=//p')" 0 "free spare blocks at the end"
expect_eq "$(msg r check)" ok "check"
expect_eq "$(dmsetup status r | cut -d' ' -f5)" rw "mode"
# Block by block: a write failed last exactly where a bad block got no spare.
echo "$bad" | sort > /tmp/bad
remaps_debugfs r | sed -n 's/^sector=\([0-9]*\) state=remapped.*/\1/p' |
	awk '{ print $1 / 8 }' | sort > /tmp/remapped
awk '$2 == "failed" { print $1 }' /tmp/state | sort > /tmp/failed
expect_eq "$(wc -l < /tmp/remapped)" 252 "remapped blocks listed"
expect_eq "$(wc -l < /tmp/failed)" 148 "bad blocks without spare (their last write failed)"
expect_eq "$(cat /tmp/remapped /tmp/failed | sort -u | wc -l)" 400 "bad blocks remapped or failed, not both"
expect_eq "$(cat /tmp/remapped /tmp/failed /tmp/bad | sort -u | wc -l)" 400 "blocks remapped or failed that are not bad"
msg r stats | grep -E '^(auto_remaps|read_errors|write_errors|commits|spare_free)=' | tr '\n' ' '
echo

log "reload"
remove r
create r "$table"
expect_eq "$(msg r count)" "remapped=252 pending=0" "count after reload"
dmr-blkio verify /dev/mapper/r /tmp/state || fail "data after reload"
expect_eq "$(msg r check)" ok "check after reload"
remove r
dmsetup remove m
