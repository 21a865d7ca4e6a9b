# Power cuts during a write workload with remaps in flight. In every boot but
# the last, single 4 KiB blocks are written with O_DIRECT|O_SYNC through the
# remap device while blocks below main go bad (the `error` target spliced in)
# and manual remaps run; each write is logged before it starts (W) and once
# it is acknowledged (A). The host kills QEMU at a random instant of that. The next
# boot rebuilds main with every bad block logged, loads the device, and
# checks that every acknowledged block reads back the content of its last
# acknowledged write (or of a later write that was in flight at the cut),
# that `check` is ok; then it goes on writing, until the last boot.
# QEMU's kill keeps every write it completed (cache=unsafe, host page cache):
# this cuts power between requests; losing a volatile cache is the write-log
# replay's job.
# disks: 64M 16M 4M
# crash: 3 2 12
# host-check: 2 0 4096
# timeout: 240
. /lib/dmr-test.sh
load_remap
disk=$(disk 1) spare=$(disk 2) notes=$(disk 3)
n=$(sectors "$disk")
BLOCKS=2048
tr -d '\0' < "$notes" | grep -E '^(W|A|BAD) ' > /tmp/log || true
# Bad blocks so far, ascending.
bad=$(awk '$1 == "BAD" { print $2 }' /tmp/log | sort -n | tr '\n' ' ')
main_table() { bad_table "$disk" "$@"; }
# shellcheck disable=SC2086
main_table $bad | dmsetup create m || fail "create main"
create r "$(remap_table 131072 /dev/mapper/m "$spare" 0 4096 block_size 4096)"

# Verify: per block, the last acknowledged content, or a later unacknowledged one.
awk '
	$1 == "W" { blk[$2] = $3; sha[$2] = $4; later[$3] = later[$3] " " $4 }
	$1 == "A" { b = blk[$2]; last[b] = sha[$2]; later[b] = "" }
	END { for (b in last) print b, last[b] later[b] }
' /tmp/log > /tmp/expect
checked=0
while read -r b shas; do
	got=$(gdd if=/dev/mapper/r bs=4096 skip="$b" count=1 iflag=direct status=none | sha256sum | cut -d' ' -f1)
	case " $shas " in
	*" $got "*) ;;
	*) fail "block $b after a power cut: content $got, acknowledged $shas" ;;
	esac
	checked=$((checked + 1))
done < /tmp/expect
expect_eq "$(msg r check)" "ok" "check after boot $DMR_BOOT"
echo "boot $DMR_BOOT: $checked acknowledged blocks verified, $(msg r count), bad blocks: $(echo $bad | wc -w)"
[ "$DMR_BOOT" -gt 1 ] || [ "$checked" -eq 0 ] || fail "first boot found a log"
if [ "$DMR_BOOT" -lt "$DMR_BOOTS" ]; then
	# Not the last boot: write until the power goes.
	rnd() { od -An -N4 -tu4 /dev/urandom | tr -d ' '; }
	written=" $(awk '$1 == "W" { printf "%s ", $3 }' /tmp/log)"
	echo DMR-ARMED
	i=0
	while :; do
		i=$((i + 1))
		if [ $((i % 8)) -eq 0 ]; then
			# A block never written goes bad; later writes to it remap it.
			while :; do
				nb=$(($(rnd) % BLOCKS))
				case "$written" in *" $nb "*) continue ;; esac
				case " $bad " in *" $nb "*) continue ;; esac
				break
			done
			bad=$(echo $bad $nb | tr ' ' '\n' | sort -n | tr '\n' ' ')
			# shellcheck disable=SC2086
			{ dmsetup suspend m && main_table $bad | dmsetup load m && dmsetup resume m; } ||
				fail "swap main"
			echo "BAD $nb"
			b=$nb
		elif [ $((i % 13)) -eq 0 ]; then
			dmsetup message r 0 remap $(($(rnd) % BLOCKS * 8)) > /dev/null 2>&1 || true
			continue
		else
			b=$(($(rnd) % BLOCKS))
		fi
		head -c 4096 /dev/urandom > /tmp/d
		echo "W $DMR_BOOT.$i $b $(sha256sum < /tmp/d | cut -d' ' -f1)"
		gdd if=/tmp/d of=/dev/mapper/r bs=4096 seek="$b" count=1 oflag=direct,sync \
			conv=notrunc status=none && echo "A $DMR_BOOT.$i"
		written="$written$b "
	done
fi
remove r
dmsetup remove m
