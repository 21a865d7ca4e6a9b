#!/bin/sh
# Print the kernel release (uname -r) that a Debian headers metapackage points
# at: "6.1" -> linux-headers-amd64, "6.12" -> linux-headers-6.12-amd64.
# The VM boots exactly this release so the module's vermagic matches.
set -eu
case "${1:?usage: kernel-version.sh 6.1|6.12}" in
6.1) meta=linux-headers-amd64 ;;
6.12) meta=linux-headers-6.12-amd64 ;;
*) echo "kernel-version: unknown kernel series '$1'" >&2; exit 2 ;;
esac
dep=$(dpkg-query -W -f='${Depends}' "$meta" 2>/dev/null) || {
	echo "kernel-version: $meta is not installed (run scripts/install-deps.sh)" >&2
	exit 1
}
echo "$dep" | tr ',' '\n' | sed -n 's/^ *linux-headers-\([^ ]*\).*/\1/p' | head -n 1
