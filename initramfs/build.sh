#!/bin/bash
# initramfs/build.sh OUT RESCUE - OUT/initramfs.img from initramfs/list:
# a reproducible newc cpio (mkcpio: fixed mtimes, owners and order),
# compressed with zstd or xz, whichever is smaller for this content.
# RESCUE=1 adds busybox as /bin/sh for netswap.onfail=shell.
# FIRMWARE="bnx2x ice" adds the firmware those built-in drivers request,
# from Debian or from FIRMWARE_DIR=<dir> (initramfs/firmware.sh).
set -euo pipefail
out=$1 rescue=${2:-0}
firmware=${FIRMWARE:-} firmware_dir=${FIRMWARE_DIR:-}
here=$(dirname "$0")
list=$out/initramfs.list

sed "s|@OUT@|$out|g" "$here/list" >"$list"
if [ "$rescue" = 1 ]; then
	cat >>"$list" <<EOT
dir /bin 0755 0 0
file /bin/busybox /bin/busybox 0755 0 0
slink /bin/sh busybox 0777 0 0
EOT
fi
if [ -n "${firmware// /}" ]; then
	# shellcheck disable=SC2086 # a list of names
	bash "$here/firmware.sh" "$out" $firmware >>"$list"
elif [ -n "$firmware_dir" ]; then
	echo "initramfs: error: FIRMWARE_DIR=$firmware_dir needs FIRMWARE=<names> (see initramfs/firmware.list)" >&2
	exit 1
fi
"$out/mkcpio" "$list" >"$out/initramfs.cpio"
# The kernel allocates the compressor's whole window while it unpacks the
# initramfs: xz -9's 64 MiB dictionary fails on a 64 MB node, so both are
# capped at 1 MiB, far more than the archive's size. The kernel's xz wants
# crc32, not xz's default crc64.
zstd -q -19 --zstd=wlog=20 -f "$out/initramfs.cpio" -o "$out/initramfs.cpio.zst"
xz -q --check=crc32 --lzma2=preset=9e,dict=1MiB -k -f "$out/initramfs.cpio"
zs=$(stat -c %s "$out/initramfs.cpio.zst") xs=$(stat -c %s "$out/initramfs.cpio.xz")
if [ "$zs" -le "$xs" ]; then best=zst; else best=xz; fi
cp "$out/initramfs.cpio.$best" "$out/initramfs.img"
echo "initramfs: $out/initramfs.img $(stat -c %s "$out/initramfs.img") bytes ($best; cpio $(stat -c %s "$out/initramfs.cpio"), zstd $zs, xz $xs)"
