# A reload's table reads the metadata in its constructor, while the table it
# replaces is still live. What that one commits between `dmsetup reload` and
# `dmsetup resume` (a manual remap, an unremap, an automatic remap of a write
# to a block that went bad) must not be lost: the new table reads the
# metadata again before it goes live. Without that, it would send block 100
# to a spare block it no longer owns and blocks 200 and 300 to main's stale
# data, and its first commit would leave slot pages that no superblock
# matches.
#  - After the resume every remap is where the old table left it, every
#    block reads its last write, `check` is ok, the kernel log says why.
#  - The new table commits on top of that (another remap), and a device
#    created anew over the region has all of it.
# disks: 64M 16M
# timeout: 120
. /lib/dmr-test.sh
load_remap
disk=$(disk 1) spare=$(disk 2)
bad_table "$disk" | dmsetup create m || fail "create m"
table=$(remap_table 131072 /dev/mapper/m "$spare" 0 32768 block_size 4096)
create r "$table"
dev=/dev/mapper/r
for b in 100 200 300 400; do
	pattern /tmp/a$b 4096
	write_direct "$dev" $((b * 4096)) /tmp/a$b || fail "write block $b"
done
msg r remap $((100 * 8)) > /dev/null
g0=$(dmsetup status r | cut -d" " -f13)
log "before the reload: $(msg r count), generation $g0"

dmsetup reload r --table "$table" || fail "reload"
# The old table is live until the resume: it changes the metadata.
expect_eq "$(msg r unremap $((100 * 8)))" "unremapped sector=800" "unremap on the old table"
expect_eq "$(msg r remap $((200 * 8)) | cut -d" " -f1-2)" "remapped sector=1600" "remap on the old table"
set_bad m "$disk" 300
pattern /tmp/b300 4096
write_direct "$dev" $((300 * 4096)) /tmp/b300 || fail "write to block 300 gone bad"
expect_eq "$(msg r query $((300 * 8)) | cut -d' ' -f2)" state=remapped "block 300 on the old table"
for b in 100 200; do
	pattern /tmp/b$b 4096
	write_direct "$dev" $((b * 4096)) /tmp/b$b || fail "write block $b on the old table"
done
g1=$(dmsetup status r | cut -d" " -f13)
log "the old table committed up to generation $g1 after the reload read $g0"
[ "$g1" -gt "$g0" ] || fail "no commit between reload and resume"

dmesg -c > /dev/null
dmsetup resume r || fail "resume"
dmesg | grep -q "read again" || { dmesg | tail; fail "no word of reading the metadata again"; }
expect_eq "$(msg r count)" "remapped=2 pending=0" "count after the resume"
expect_eq "$(msg r query $((100 * 8)) | cut -d' ' -f2)" state=ok "block 100"
expect_eq "$(msg r query $((200 * 8)) | cut -d' ' -f2)" state=remapped "block 200"
expect_eq "$(msg r query $((300 * 8)) | cut -d' ' -f2)" state=remapped "block 300"
for b in 100 200 300; do dev_matches "$dev" $((b * 4096)) /tmp/b$b "block $b"; done
dev_matches "$dev" $((400 * 4096)) /tmp/a400 "block 400"
expect_eq "$(dmsetup status r | cut -d" " -f13)" "$g1" "generation after the resume"
expect_eq "$(msg r check)" ok "check after the resume"

# The new table's own commit goes on from there.
expect_eq "$(msg r remap $((400 * 8)) | cut -d" " -f1-2)" "remapped sector=3200" "remap on the new table"
expect_eq "$(msg r check)" ok "check after the new table's commit"
remove r
create r "$table"
expect_eq "$(msg r count)" "remapped=3 pending=0" "count created anew"
expect_eq "$(msg r check)" ok "check created anew"
for b in 100 200 300; do dev_matches "$dev" $((b * 4096)) /tmp/b$b "block $b created anew"; done
dev_matches "$dev" $((400 * 4096)) /tmp/a400 "block 400 created anew"
# A plain suspend and resume reads nothing again.
dmesg -c > /dev/null
dmsetup suspend r && dmsetup resume r || fail "suspend/resume"
dmesg | grep -q "read again" && fail "metadata read again on a plain resume"
remove r
dmsetup remove m
