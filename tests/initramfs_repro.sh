#!/bin/bash
# The initramfs is reproducible: two builds from the same sources in
# different directories, a second apart, give the same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
a=$(mktemp -d /tmp/netswap-repro.XXXXXX) b=$(mktemp -d /tmp/netswap-repro.XXXXXX)
trap 'rm -rf "$a" "$b"' EXIT
make -s initramfs OUT="$a" >/dev/null
sleep 1
touch init/main.c
make -s initramfs OUT="$b" >/dev/null
sa=$(sha256sum <"$a/initramfs.img" | cut -c1-16) sb=$(sha256sum <"$b/initramfs.img" | cut -c1-16)
if [ "$sa" != "$sb" ]; then
	echo "FAIL initramfs_repro: $a and $b differ ($sa, $sb)"
	exit 1
fi
echo "PASS initramfs_repro: two builds give $(stat -c %s "$a/initramfs.img") identical bytes ($sa)"
