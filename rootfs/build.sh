#!/bin/bash
# rootfs/build.sh OUT - OUT/rootfs.ext4: a real Debian 12 node root, made
# with mmdebstrap from the Debian archive (systemd, udev, iproute2, procps;
# minbase, no recommends, no docs), with the netswap integration installed:
#   /etc/systemd/system/netswap-keeper.service  (enabled) stand-by keeper
#   /etc/systemd/system/netswap-boot-nic.service (enabled) keeps networkd
#       and NetworkManager off the boot NIC; /usr/lib/netswap/netswap-boot-nic
#   /usr/lib/systemd/system-generators/netswap-swap-generator  swap units
#       that systemd does not turn off before its final shutdown
#   /etc/systemd/networkd.conf.d/netswap.conf  no removal of foreign routes
# Cached in $NETSWAP_CACHE/rootfs/<hash of the inputs>/; the archive is not
# an input (set ROOTFS_REFRESH=1 to build again with today's packages).
# Needs root (mmdebstrap's root mode, to own files as root).
#   ROOTFS_MIRROR  the Debian mirror (default http://deb.debian.org/debian)
#   ROOTFS_SUITE   default bookworm
#   ROOTFS_PACKAGES  more packages, comma separated
#   ROOTFS_SLURM=1   OUT/rootfs-slurm.ext4 instead: the same root made a
#       one-node Slurm cluster (rootfs/slurm/: slurmctld, slurmd, munge and
#       D-Bus, with the README's cgroup.conf), for tests/e2e/slurm_node.sh
set -euo pipefail
out=$1
here=$(cd "$(dirname "$0")" && pwd)
mirror=${ROOTFS_MIRROR:-http://deb.debian.org/debian}
suite=${ROOTFS_SUITE:-bookworm}
packages="systemd,systemd-sysv,udev,iproute2,procps${ROOTFS_PACKAGES:+,$ROOTFS_PACKAGES}"
img=$out/rootfs.ext4
slurm_files=()
if [ "${ROOTFS_SLURM:-0}" = 1 ]; then
	# slurmd 22.05's cgroup/v2 asks systemd over D-Bus for its scope
	packages+=",dbus,munge,slurmd,slurmctld,slurm-client"
	img=$out/rootfs-slurm.ext4
	slurm_files=("$here"/slurm/*)
fi

# Two levels: the Debian tree as mmdebstrap made it (base.tar, keyed by what
# it was asked for), and the image with our integration (keyed by that and
# our files too), so a change of ours does not download Debian again.
base_hash=$( {
	echo "$mirror $suite $packages"
	sed -n '/^mmdebstrap_base()/,/^}/p' "$here/build.sh"
} | sha256sum | cut -c1-16)
hash=$( {
	echo "$base_hash"
	cat "$here"/*.sh "$here"/netswap-* "$here"/networkd.conf "$here"/../init/netswap-keeper.service "${slurm_files[@]}"
} | sha256sum | cut -c1-16)
root_cache=${NETSWAP_CACHE:-$HOME/.cache/netswap}/rootfs
cache=$root_cache/$hash
base=$root_cache/base-$base_hash.tar
if [ -f "$cache/rootfs.ext4" ] && [ -z "${ROOTFS_REFRESH:-}" ]; then
	[ -f "$img" ] && [ "$(cat "$img.stamp" 2>/dev/null)" = "$hash" ] && exit 0
	cp --sparse=always "$cache/rootfs.ext4" "$img"
	echo "$hash" >"$img.stamp"
	echo "rootfs: $img (cached $hash)"
	exit 0
fi
[ "$(id -u)" = 0 ] || { echo "rootfs: mmdebstrap needs root to build $img" >&2; exit 1; }
command -v mmdebstrap >/dev/null || { echo "rootfs: mmdebstrap missing (make deps)" >&2; exit 1; }

# No docs, man pages or translations: a node image is not read by people.
mmdebstrap_base() {
	mmdebstrap --variant=minbase --format=tar --include="$packages" \
		--aptopt='APT::Install-Recommends "false"' \
		--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
		--dpkgopt='path-exclude=/usr/share/info/*' \
		--customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
		"$suite" "$1" "$mirror"
}

start=$SECONDS
mkdir -p "$cache"
if [ ! -f "$base" ] || [ -n "${ROOTFS_REFRESH:-}" ]; then
	echo "rootfs: mmdebstrap $suite from $mirror: $packages"
	mmdebstrap_base "$base.new"
	mv "$base.new" "$base"
	echo "rootfs: $base in $((SECONDS - start)) s"
fi
dir=$cache/dir
rm -rf "$dir" && mkdir -p "$dir"
tar -C "$dir" --numeric-owner --xattrs --xattrs-include='*' -xpf "$base"
bash "$here/install.sh" "$dir"
echo "netswap-node" >"$dir/etc/hostname"
# a demo image: root logs in on the console with no password (set one, or
# bring your own root, for anything else)
sed -i 's/^root:[^:]*:/root::/' "$dir/etc/shadow"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tnetswap-node\n' >"$dir/etc/hosts"
[ ${#slurm_files[@]} = 0 ] || bash "$here/slurm/install.sh" "$dir"
bash "$here/mkimage.sh" "$dir" "$cache/rootfs.ext4.new"
mv "$cache/rootfs.ext4.new" "$cache/rootfs.ext4"
rm -rf "$dir"
cp --sparse=always "$cache/rootfs.ext4" "$img"
echo "$hash" >"$img.stamp"
echo "rootfs: $img built in $((SECONDS - start)) s ($hash)"
