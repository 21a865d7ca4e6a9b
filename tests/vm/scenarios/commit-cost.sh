# What one manual remap costs the spare device, counted from its own stats:
# the data block written, then flushed; per copy the changed slot page and the
# superblock written, then flushed. With 2 copies and 4 KiB pages: 40 sectors
# in 5 writes, and 3 flushes. (blkdev_issue_flush() is an empty write with
# PREFLUSH, which the block layer also counts as a write I/O of 0 sectors.)
# Main sees one read and nothing written.
# disks: 64M 16M
# timeout: 60
. /lib/dmr-test.sh
load_remap
main=$(disk 1) spare=$(disk 2)
create r "$(remap_table 131072 "$main" "$spare" 0 2048 block_size 4096)"
cost() {
	echo "$(($(write_sectors "$spare") - s)) $(($(writes "$spare") - w)) $(($(flushes "$spare") - f))"
}
mark() { s=$(write_sectors "$spare") w=$(writes "$spare") f=$(flushes "$spare"); }
mw=$(writes "$main")
mark
msg r remap 800 > /dev/null
c=$(cost)
echo "one remap, 2 copies: spare sectors written, write I/Os, flushes: $c"
expect_eq "$c" "40 8 3" "spare cost of one remap"
expect_eq "$(($(writes "$main") - mw))" 0 "writes to main"
mark
msg r commit > /dev/null
c=$(cost)
echo "commit with nothing changed: $c"
expect_eq "$c" "16 4 2" "spare cost of an empty commit"
remove r
