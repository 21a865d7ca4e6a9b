# Each placement strategy at and next to its thresholds (4 KiB blocks): the
# copies lie where docs/target.md's table says, `check` is ok, offline too.
# Below 1 MiB the region is refused with the minimum in the message.
# disks: 64M 4097M
# timeout: 600
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
# layout <spare_len> <strategy> <copy_blocks> <start...>
layout() {
	len=$1 strategy=$2 cb=$3
	shift 3
	create p "$(remap_table 131072 "$main" "$spare" 0 "$len" block_size 4096)"
	msg p reservation_stats | grep -qx "strategy=$strategy" || fail "$len: $(msg p reservation_stats)"
	want="" c=0
	for start in "$@"; do
		want="${want}copy=$c block=$start blocks=$cb sector=$((start * 8)) sectors=$((cb * 8)) state=ok generation=1
"
		c=$((c + 1))
	done
	expect_eq "$(msg p metadata_locations)" "$(printf '%s' "$want")" "copies of a $len-sector region"
	expect_eq "$(msg p check)" "ok" "check of a $len-sector region"
	remove p
	dmremap check "$spare" 0 "$len" > /tmp/c || { cat /tmp/c; fail "offline check of $len"; }
	# Only the copies were written: zeroing them leaves an empty region.
	for start in "$@"; do
		wipe "$spare" $((start * 8)) $((cb * 8))
	done
	echo "$len sectors: $strategy, copies at $*"
}
expect_rejected "Spare region too small: at least 2048 sectors (1 MiB)" \
	"$(remap_table 131072 "$main" "$spare" 0 2040 block_size 4096)"
layout 2048 small 2 0 2
layout 131064 small 34 0 34
layout 131072 medium 34 0 5461 10922
layout 8388600 medium 2058 0 349525 699050
layout 8388608 large 2058 0 65536 262144 1046518
