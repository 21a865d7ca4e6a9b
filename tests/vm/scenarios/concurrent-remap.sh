# Concurrent O_DIRECT writers and readers on blocks while they are remapped:
# no write is lost, no read is stale. dmr-blkio hammer (tests/vm/progs) runs
# one writer per block for blocks 998..1009, one writer of blocks 1016..1023
# in single 32 KiB bios, and three readers of random runs of 1..8 blocks in
# 996..1025. A block read while no write of it was in flight must hold
# exactly its last acknowledged version (never zeros, another block's data,
# a torn mix or an older version); one read while it was being written may
# mix the versions written meanwhile (plain linear does that too), but only
# those. Writers pause up to 2 ms so that most reads are checked exactly. At
# the end every block holds its last acknowledged version.
#  1. Manual moves under the load: the range 1000..1007 (8 writers' blocks,
#     neighbours 998, 999, 1008, 1009 on main) remapped in one message, then
#     unremapped block by block; 1018 and 1021 (inside the 32 KiB bios, which
#     are cut at each moved block) remapped and unremapped; round and round.
#  2. Blocks going bad under the load: 999, 1002, 1005 (single writers),
#     1017 and 1022 (inside the 32 KiB bios) go bad in main's table while
#     1018 and 1021 keep moving. Every write must succeed (each bad block
#     gets a spare block); a read may fail only on a block whose data was on
#     main when it went bad and that has not been written since (the data is
#     gone: EIO is honest); each bad block ends remapped.
# After each phase `check` is ok, and the data is the same after the remap
# device is taken down and set up again.
# disks: 64M 16M
# timeout: 300
. /lib/dmr-test.sh
load_remap
disk=$(disk 1) spare=$(disk 2)
n=$(sectors "$disk")
bad_table "$disk" | dmsetup create m || fail "create m"
table=$(remap_table "$n" /dev/mapper/m "$spare" 0 "$(sectors "$spare")" block_size 4096)
create r "$table"
hammer="dmr-blkio hammer /dev/mapper/r --span 996 30 --single 998 12 --wide 1016 8 --readers 3 --pause-us 2000"

# move_round: one round of manual moves; prints nothing, fails on a refusal.
move_round() {
	msg r remap 8000 64 > /tmp/m.out
	grep -qx "remapped=8 pending=0 already=0" /tmp/m.out || fail "range remap: $(cat /tmp/m.out)"
	for b in 1000 1001 1002 1003 1004 1005 1006 1007; do
		msg r unremap $((b * 8)) > /dev/null
	done
}
move_pair() {
	msg r remap $((1018 * 8)) > /dev/null
	msg r remap $((1021 * 8)) > /dev/null
	msg r unremap $((1018 * 8)) > /dev/null
	msg r unremap $((1021 * 8)) > /dev/null
}

log "phase 1: manual remap/unremap under 13 writers and 3 readers"
# At least 25 s and at least 3 rounds, however slow the emulation: the load
# stops (SIGTERM) once both are done; 240 s is only a bound.
$hammer --seconds 240 --state /tmp/s1 > /tmp/h1.out 2>&1 &
pid=$!
wait_line /tmp/h1.out running
t0=$(cut -d' ' -f1 /proc/uptime)
rounds=0
while kill -0 "$pid" 2>/dev/null; do
	move_round
	move_pair
	rounds=$((rounds + 1))
	if [ "$rounds" -ge 3 ] &&
		awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { exit !(b - a >= 25) }'; then
		kill -TERM "$pid" 2>/dev/null
		break
	fi
done
wait "$pid" || { cat /tmp/h1.out; fail "hammer under manual moves"; }
cat /tmp/h1.out
[ "$rounds" -ge 3 ] || fail "only $rounds rounds of moves ran under the load (240 s)"
log "$rounds rounds of moves (10 remaps, 10 unremaps each) under the load"
expect_eq "$(msg r count)" "remapped=0 pending=0" "count after phase 1"
expect_eq "$(msg r check)" ok "check after phase 1"
# Some of it on the spare for the reload.
msg r remap 8000 64 > /dev/null
dmr-blkio verify /dev/mapper/r /tmp/s1 || fail "data after phase 1"
remove r
create r "$table"
dmr-blkio verify /dev/mapper/r /tmp/s1 || fail "data after phase 1 and a reload"
for b in 1000 1001 1002 1003 1004 1005 1006 1007; do
	msg r unremap $((b * 8)) > /dev/null
done

log "phase 2: blocks go bad under the load, 1018 and 1021 keep moving"
bad="999 1002 1005 1017 1022"
all_remapped() {
	local b
	for b in $bad; do
		msg r query $((b * 8)) | grep -q "state=remapped" || return 1
	done
}
# The load runs at least 12 s after the blocks went bad and until each of
# them was written (and so remapped), however slow the emulation: SIGTERM
# then; 120 s is only a bound.
$hammer --seconds 120 --state /tmp/s2 > /tmp/h2.out 2>&1 &
pid=$!
wait_line /tmp/h2.out running
sleep 3
kill -USR1 "$pid"
# shellcheck disable=SC2086
set_bad m "$disk" $bad
kill -USR2 "$pid"
t0=$(cut -d' ' -f1 /proc/uptime)
rounds=0
while kill -0 "$pid" 2>/dev/null; do
	move_pair
	rounds=$((rounds + 1))
	if awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { exit !(b - a >= 12) }' &&
		all_remapped; then
		kill -TERM "$pid" 2>/dev/null
		break
	fi
done
wait "$pid" || { cat /tmp/h2.out; fail "hammer while blocks went bad"; }
cat /tmp/h2.out
log "$rounds rounds of moves of 1018 and 1021 meanwhile"
for b in $bad; do
	msg r query $((b * 8)) | grep -q "state=remapped" ||
		fail "bad block $b not remapped: $(msg r query $((b * 8)))"
done
expect_eq "$(msg r count)" "remapped=5 pending=0" "count after phase 2"
expect_eq "$(msg r check)" ok "check after phase 2"
msg r stats | grep -E '^(auto_remaps|manual_remaps|unremaps|read_errors|write_errors|commits)=' | tr '\n' ' '
echo
remove r
create r "$table"
dmr-blkio verify /dev/mapper/r /tmp/s2 || fail "data after phase 2 and a reload"
expect_eq "$(msg r count)" "remapped=5 pending=0" "count after the reload"
remove r
dmsetup remove m
