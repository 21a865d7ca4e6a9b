# Malformed table lines are refused with a clear message and nothing written.
# disks: 64M 16M 32M
# timeout: 60
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2) single=$(disk 3)
w1=$(writes "$main") w2=$(writes "$spare") w3=$(writes "$single")
T="0 131072 remap $main $spare"
expect_rejected "Not enough arguments" "0 131072 remap"
expect_rejected "Not enough arguments" "$T 0"
expect_rejected "Invalid spare_start" "$T 1x 1024"
expect_rejected "Invalid spare_start" "$T -8 1024"
expect_rejected "Invalid spare_len" "$T 0 99999999999999999999999"
expect_rejected "spare_len is zero" "$T 0 0"
expect_rejected "Spare region too small: at least 2048 sectors (1 MiB)" "$T 0 2040"
expect_rejected "Optional argument count does not match" "$T 0 1024 3 block_size 512"
expect_rejected "Optional argument count does not match" "$T 0 1024 x"
expect_rejected "block_size needs a value" "$T 0 1024 1 block_size"
expect_rejected "Invalid block_size" "$T 0 1024 2 block_size 3000"
expect_rejected "Invalid block_size" "$T 0 1024 2 block_size 8192"
expect_rejected "Invalid block_size" "$T 0 1024 2 block_size 256"
expect_rejected "Unknown optional argument" "$T 0 1024 1 frobnicate"
expect_rejected "read_only given twice" "$T 0 1024 2 read_only read_only"
expect_rejected "block_size given twice" "$T 0 1024 4 block_size 512 block_size 512"
expect_rejected "spare_start and spare_len must be multiples" "$T 1 4096 2 block_size 4096"
expect_rejected "spare_start and spare_len must be multiples" "$T 0 4097 2 block_size 4096"
expect_rejected "Target length is not a multiple" "0 131071 remap $main $spare 0 1024 2 block_size 1024"
expect_rejected "Main device is smaller" "0 131080 remap $main $spare 0 1024"
expect_rejected "Spare region extends beyond" "$T 32768 8"
expect_rejected "Spare region extends beyond" "$T 0 32769"
expect_rejected "Spare region extends beyond" "$T 18446744073709551615 1024"
expect_rejected "Main device lookup failed" "0 1024 remap /dev/nonexistent $spare 0 1024"
expect_rejected "Spare device lookup failed" "0 1024 remap $main /dev/nonexistent 0 1024"
expect_rejected "Spare region overlaps" "0 32768 remap $single $single 32760 1024"
expect_rejected "Spare region overlaps" "0 32768 remap $single $single 0 1024"
expect_eq "$(writes "$main") $(writes "$spare") $(writes "$single")" "$w1 $w2 $w3" "writes to the disks"
[ -z "$(dmsetup ls | grep -v 'No devices found')" ] || fail "a device was left behind"
