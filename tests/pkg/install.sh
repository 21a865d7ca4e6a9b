#!/bin/sh
# The packaging, natively and without touching the system: `make install`
# into a DESTDIR (files, the installed module's name, version and vermagic),
# `make uninstall` from it, and a DKMS build of the source tree for each
# supported kernel in a temporary DKMS tree. One PASS/FAIL line per check.
# usage: install.sh <kernel series>...   (default: 6.1 6.12)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ $# -gt 0 ] || set -- 6.1 6.12
version=$(make -s version)
prefix=/usr/local
# What a caller's environment could redirect: the checks expect the defaults.
unset DESTDIR PREFIX SBINDIR MANDIR INSTALL_MOD_DIR

failed=0
pass() { echo "PASS pkg/$1"; }
fail() { echo "FAIL pkg/$1${2:+: $2}"; failed=$((failed + 1)); }
# expect <label> <actual> <expected>
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi; }

# make install covers the first series: the KDIR a plain `make install` uses.
kver=$(scripts/kernel-version.sh "$1") || { fail install "no kernel for $1"; exit 1; }
root=$tmp/root
if make -s install DESTDIR="$root" KDIR="/usr/src/linux-headers-$kver" > "$tmp/install.log" 2>&1; then
	pass "install/$kver"
else
	cat "$tmp/install.log"
	fail "install/$kver"
fi
ko=$root/lib/modules/$kver/updates/dm-remap.ko
for f in $prefix/sbin/dmremap $prefix/share/man/man8/dmremap.8 \
	$prefix/share/man/man7/dm-remap.7 /lib/modules/$kver/updates/dm-remap.ko; do
	if [ -f "$root$f" ]; then pass "installed $f"; else fail "installed $f" "missing"; fi
done
expect "installed dmremap runs" "$("$root$prefix/sbin/dmremap" > /dev/null 2>&1; echo $?)" 2
expect "module name" "$(modinfo -F name "$ko" 2>&1)" dm_remap
expect "module version" "$(modinfo -F version "$ko" 2>&1)" "$version"
expect "module vermagic" "$(modinfo -F vermagic "$ko" 2>&1 | cut -d' ' -f1)" "$kver"
make -s uninstall DESTDIR="$root" KDIR="/usr/src/linux-headers-$kver" > "$tmp/uninstall.log" 2>&1
left=$(find "$root" -type f | sed "s|^$root||")
expect "uninstall leaves no file" "$left" ""

# DKMS, in its own trees under $tmp; module signing (Debian's dkms signs
# with a key it creates in /var/lib/dkms) uses a key made under $tmp too.
if ! command -v dkms > /dev/null; then
	fail dkms "dkms is not installed (scripts/install-deps.sh)"
	exit 1
fi
export mok_signing_key="$tmp/mok.key" mok_certificate="$tmp/mok.pub"
dkms_() { dkms --dkmstree "$tmp/dkms" --sourcetree "$tmp/src" "$@"; }
mkdir -p "$tmp/dkms" "$tmp/src"
make -s dkms-source > /dev/null || { fail dkms-source; exit 1; }
if dkms_ add "build/dkms/dm-remap-$version" > "$tmp/dkms-add.log" 2>&1 &&
	[ -f "$tmp/src/dm-remap-$version/dkms.conf" ]; then
	pass "dkms add dm-remap/$version"
else
	cat "$tmp/dkms-add.log"
	fail "dkms add dm-remap/$version"
	exit 1
fi
for s in "$@"; do
	kver=$(scripts/kernel-version.sh "$s") || { fail "dkms build/$s" "no kernel"; continue; }
	if dkms_ build -m dm-remap -v "$version" -k "$kver" \
		--kernelsourcedir "/usr/src/linux-headers-$kver" > "$tmp/dkms-$kver.log" 2>&1; then
		pass "dkms build/$kver"
	else
		cat "$tmp/dkms-$kver.log" "$tmp/dkms/dm-remap/$version/build/make.log" 2>/dev/null
		fail "dkms build/$kver"
		continue
	fi
	ko=$(find "$tmp/dkms/dm-remap/$version/$kver" -path "*/module/dm-remap.ko*" | head -n 1)
	expect "dkms module vermagic/$kver" "$(modinfo -F vermagic "$ko" 2>&1 | cut -d' ' -f1)" "$kver"
	expect "dkms module version/$kver" "$(modinfo -F version "$ko" 2>&1)" "$version"
done
[ "$failed" -eq 0 ]
