#!/bin/bash
# tests/bench/ref_dracut.sh [OUT] - the second reference initramfs for the
# boot figures of bench.sh: Debian's dracut (network-legacy + nbd) built for
# our kernel, without installing anything. The .deb files are unpacked into
# a private tree, and dracut runs in a private mount namespace in which an
# overlay lays that tree over /usr, so it finds its modules, udev and
# dhclient where Debian installs them; the system's /etc, /usr, /lib/modules
# and dpkg database are not touched, and the overlay goes with the namespace.
# Writes OUT/bench/ref/dracut.img and its lines in OUT/bench/ref/summary.txt.
set -euo pipefail
. "$(dirname "$0")/ref_lib.sh"
touch "$ref/summary.txt"

say() { # our lines replace the ones an earlier run wrote
	grep -v -e '^dracut[ :]' -e '^  (dracut' "$ref/summary.txt" >"$work/summary" || true
	printf '%s\n' "$@" >>"$work/summary"
	cat "$work/summary" >"$ref/summary.txt"
}

# udev is not installed here (systemd is): take the udev that goes with the
# installed libudev1 (udev depends on exactly that version). dhclient
# (isc-dhcp-client) and arping (iputils-arping) are what network-legacy
# requires and the host lacks; nbd-client, bash, ip, blkid etc. come from
# the host, as they would for an installed dracut.
debs=(dracut-core dracut-network "udev=$(dpkg-query -W -f='${Version}' libudev1)" isc-dhcp-client iputils-arping)
unpack_debs "${debs[@]}" || { say "dracut: apt-get download ${debs[*]} failed"; exit 1; }
# The host has merged /usr (/bin, /sbin, /lib are links into /usr): move
# udev's /lib/udev, /bin/udevadm and /sbin/dhclient there, so one overlay
# on /usr shows them at their usual paths.
for d in bin sbin lib; do
	[ -d "$R/$d" ] || continue
	mkdir -p "$R/usr/$d"
	cp -a "$R/$d/." "$R/usr/$d/"
	rm -rf "${R:?}/$d"
done
# dracut's own defaults (/etc/dracut.conf*) are left out: the options below say it all.
mkdir -p "$work/conf.d" "$work/tmp"
: >"$work/dracut.conf"

version=$(kernel_version "$OUT/bzImage")
dver=$(dpkg-deb -f "$work"/dracut-core_*.deb Version)
img=$ref/dracut.img
# --no-kernel: our kernel is monolithic, so no /lib/modules/$version is
# read. --modules is the whole list: base pulls in udev-rules, nbd pulls
# in network (-> network-legacy, kernel-network-modules) and rootfs-block
# (-> fs-lib). No systemd in the image: its init is dracut's shell init.
args=(--conf "$work/dracut.conf" --confdir "$work/conf.d" --tmpdir "$work/tmp"
	--no-kernel --kver "$version" --no-hostonly --no-early-microcode
	--modules 'base network-legacy nbd rootfs-block'
	--omit 'systemd systemd-networkd network-manager'
	--xz --force "$img")
# Booting it (the root= syntax is 95nbd's nbdroot.sh): root=nbd:SERVER:PORT:
# FSTYPE:FLAGS:NBDOPTS; nbd-client gets NBDOPTS after the device, and a
# named export needs -name=EXPORT there, since a PORT that is not a number
# is taken as the export name on the default port. rd.skipfsck: without
# it, e2fsck runs on the root and fails on the read-only export, which ends
# in dracut's emergency shell. On the console, "grep: /etc/fstab" and
# "mount: /sysroot: can't find in /etc/fstab" are harmless: nbdroot's mount
# hook finds no fstab line (fs-lib's write_fs_tab writes none when fstab
# lacks one already), so rootfs-block's mount-root mounts the root instead;
# so is "Error: ipv4: Address already assigned" after "dhcp: BOUND".
start=$SECONDS
# shellcheck disable=SC2016 # expanded by the inner shell
if timeout 300 unshare --mount --propagation private sh -c \
	'mount -t overlay netswap-dracut -o "lowerdir=$0/usr:/usr" /usr && exec dracut "$@"' \
	"$R" "${args[@]}" >"$ref/dracut.log" 2>&1; then
	secs=$((SECONDS - start))
	chmod 0644 "$img"
	say "dracut $dver (Debian 12) for $version with network-legacy (dhclient), nbd, udev $(dpkg-deb -f "$work"/udev_*.deb Version), bash, no systemd, no modules (monolithic kernel): $(stat -c %s "$img") bytes xz (like ours), $(xz -dc "$img" 2>/dev/null | wc -c) bytes as cpio, built in $secs s" \
		"  (dracut: boot it: root=nbd:<server>:<port>:ext4:ro:-name=<export> rd.neednet=1 ip=dhcp rd.skipfsck ro)"
else
	say "dracut $dver: not built: dracut failed: $(grep -v '^$' "$ref/dracut.log" | tail -n 3 | tr '\n' ' ')"
fi
grep -e '^dracut[ :]' -e '^  (dracut' "$ref/summary.txt"
