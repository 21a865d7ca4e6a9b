# dmremap create/status/remove on live devices (the tool runs under ASan and
# UBSan); its table lines are the kernel's canonical form; bad input is
# refused before device-mapper is asked.
# disks: 64M 16M 40M
# timeout: 90
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
[ -z "$(dmsetup ls | grep -v 'No devices found')" ] || fail "devices left behind: $(dmsetup ls)"
