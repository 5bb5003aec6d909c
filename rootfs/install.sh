#!/bin/bash
# rootfs/install.sh DIR - installs netswap's systemd integration into the
# root file system tree DIR (a directory: mmdebstrap's output, a Warewulf
# image's rootfs, an OCI image exported with `podman export`/`docker
# export` and unpacked). Needs systemd in DIR; touches nothing outside DIR.
set -euo pipefail
dir=${1:?usage: rootfs/install.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$dir/etc" ] || { echo "install: $dir has no /etc: not a root file system" >&2; exit 1; }
[ -e "$dir/lib/systemd/systemd" ] || [ -e "$dir/usr/lib/systemd/systemd" ] ||
	{ echo "install: $dir has no systemd (lib/systemd/systemd)" >&2; exit 1; }

install -D -m 0644 "$here/../init/netswap-keeper.service" "$dir/etc/systemd/system/netswap-keeper.service"
install -D -m 0644 "$here/netswap-boot-nic.service" "$dir/etc/systemd/system/netswap-boot-nic.service"
install -D -m 0755 "$here/netswap-boot-nic" "$dir/usr/lib/netswap/netswap-boot-nic"
install -D -m 0755 "$here/netswap-swap-generator" "$dir/usr/lib/systemd/system-generators/netswap-swap-generator"
install -D -m 0755 "$here/netswap-check" "$dir/usr/sbin/netswap-check"
install -D -m 0644 "$here/networkd.conf" "$dir/etc/systemd/networkd.conf.d/netswap.conf"
# node_exporter's textfile collector, if Debian's package is installed,
# reads the keeper's metrics where they are (instead of its default
# /var/lib/prometheus/node-exporter: the flag can be given only once)
defaults=$dir/etc/default/prometheus-node-exporter
if [ -f "$defaults" ] && ! grep -q 'textfile.directory' "$defaults"; then
	sed -i 's|^ARGS="|ARGS="--collector.textfile.directory=/run/netswap |' "$defaults"
fi
# `systemctl enable` without running anything: the [Install] sections' links
for unit in netswap-keeper.service netswap-boot-nic.service; do
	mkdir -p "$dir/etc/systemd/system/sysinit.target.wants"
	ln -sfn "/etc/systemd/system/$unit" "$dir/etc/systemd/system/sysinit.target.wants/$unit"
done
# The root and swap come from the initramfs: no fstab line may mount or
# swapon them again.
[ -s "$dir/etc/fstab" ] && grep -q '^[^#]' "$dir/etc/fstab" &&
	echo "install: note: $dir/etc/fstab has entries; it must not list / or swap (the initramfs mounts them)" >&2
echo "install: netswap integration installed in $dir"
