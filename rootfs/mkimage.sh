#!/bin/bash
# rootfs/mkimage.sh DIR IMAGE [EXTRA_MIB] - an ext4 image of the directory
# tree DIR, as large as its contents plus a quarter plus EXTRA_MIB (default
# 64): what `make netboot ROOT_IMAGE=` and `make run ROOT=` take. Owners,
# modes, links, device nodes and xattrs are kept (mke2fs -d); run as root
# if DIR has files root owns, or they land owned by you.
set -euo pipefail
dir=${1:?usage: rootfs/mkimage.sh DIR IMAGE [EXTRA_MIB]}
img=${2:?usage: rootfs/mkimage.sh DIR IMAGE [EXTRA_MIB]}
used=$(du -sm --apparent-size "$dir" | cut -f1)
size=$((used + used / 4 + ${3:-64}))
rm -f "$img"
mke2fs -q -t ext4 -L netswap-root -d "$dir" "$img" "${size}M"
echo "mkimage: $img: ${size} MiB ext4 holding ${used} MiB of $dir"
