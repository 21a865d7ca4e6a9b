# `dmsetup table` prints a line that reloads to the same configuration, byte
# for byte, for every option combination; options come back in canonical order.
# disks: 64M 16M
# timeout: 60
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
M=$(majmin "$main") S=$(majmin "$spare")
check() {
	opts=$1 expected=$2
	# A block size differs from the metadata's: start each case from a clean
	# region, formatted read-write first (read_only never formats).
	wipe "$spare" 1024 16384
	bs=$(echo "$expected" | sed 's/.*block_size \([0-9]*\).*/\1/')
	create f "$(remap_table 131072 "$main" "$spare" 1024 16384 block_size "$bs")"
	remove f
	# shellcheck disable=SC2086
	create a "$(remap_table 131072 "$main" "$spare" 1024 16384 $opts)"
	t1=$(dmsetup table a)
	expect_eq "$t1" "0 131072 remap $M $S 1024 16384 $expected" "table for '$opts'"
	create b "$t1"
	expect_eq "$(dmsetup table b)" "$t1" "table of a device created from it"
	dmsetup reload a --table "$t1" && dmsetup resume a || fail "reload failed"
	expect_eq "$(dmsetup table a)" "$t1" "table after reload"
	remove a
	remove b
	echo "round-trip ok: $t1"
}
check "" "2 block_size 512"
check "block_size 4096" "2 block_size 4096"
check "no_auto_remap" "3 block_size 512 no_auto_remap"
check "read_only" "3 block_size 512 read_only"
check "read_only no_auto_remap block_size 1024" "4 block_size 1024 no_auto_remap read_only"
