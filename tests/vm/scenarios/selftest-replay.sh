# Harness self-test (skipped by default): a bad point in the spare's write
# log must fail the run even though the guest reports success. The spare is
# under dm-log-writes; after a remap device committed a remap, both
# superblocks are overwritten with random bytes and flushed, so the replay's
# next flush point loads nothing.
# selftest: host-side log replay
# disks: 64M 16M 64M
# timeout: 60
# host-replay: 3 2 0 32768 4096 131072
. /lib/dmr-test.sh
load_remap
modprobe dm-log-writes || fail "modprobe dm-log-writes"
disk=$(disk 1) spare=$(disk 2) logdev=$(disk 3)
create lw "0 $(sectors "$spare") log-writes $spare $logdev"
create r "$(remap_table 131072 "$disk" /dev/mapper/lw 0 32768 block_size 4096)"
msg r remap 8 > /dev/null
sbs=$(msg r metadata_locations | sed -n 's/.* sector=\([0-9]*\) .*/\1/p')
remove r
for s in $sbs; do
	gdd if=/dev/urandom of=/dev/mapper/lw bs=4096 count=1 seek=$((s / 8)) oflag=direct,sync \
		status=none || fail "overwriting the superblock at sector $s"
done
echo "superblocks overwritten at sectors: $(echo "$sbs" | tr "\n" " ")"
remove lw
