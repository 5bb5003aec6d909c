#!/bin/bash
# tests/bench/ref_initramfs.sh [OUT] - the reference initramfs for the boot
# figures of bench.sh: Debian's initramfs-tools (with the nbd-client hooks)
# built for our kernel, without installing anything: the .deb files
# are unpacked into a private tree and mkinitramfs runs from there with its
# paths pointed at it. The system's /etc, /lib/modules and dpkg database
# are not touched. Writes OUT/bench/ref/{initramfs-tools.img,summary.txt},
# then runs ref_dracut.sh for the dracut reference (its lines follow ours).
set -euo pipefail
. "$(dirname "$0")/ref_lib.sh"

debs=(initramfs-tools-core initramfs-tools klibc-utils libklibc)
unpack_debs "${debs[@]}" ||
	{ echo "initramfs-tools: apt-get download ${debs[*]} failed" >"$ref/summary.txt"; exit 1; }
# the hooks other installed packages put in the system tree: nbd-client, busybox
cp -rn /usr/share/initramfs-tools/. "$R/usr/share/initramfs-tools/" 2>/dev/null || true

version=$(kernel_version "$OUT/bzImage")
mkdir -p "$R/lib/modules/$version"
: >"$R/lib/modules/$version/modules.order"
: >"$R/lib/modules/$version/modules.builtin"
# mkinitramfs reads the kernel config to pick a compressor the kernel can unpack
mkdir -p "$R/boot"
cp "$OUT/kernel.config" "$R/boot/config-$version"
# Point every absolute path of the tool at the private tree; paths under
# ${DESTDIR} (inside the image) follow a '}' and stay as they are.
paths='/usr/share/initramfs-tools|/etc/initramfs-tools|/usr/lib/klibc|/lib/klibc-|/lib/modules|/boot/config-'
grep -rlE "$paths" "$R/usr/sbin" "$R/usr/share/initramfs-tools" | while read -r f; do
	sed -i -E "s#(^|[[:space:]\"'=(:])($paths)#\1$R\2#g" "$f"
done
# The init leaves moving /dev into the new root to udev's init-bottom
# script; without udev installed, this one-liner stands in for it.
mkdir -p "$R/usr/share/initramfs-tools/scripts/init-bottom"
cat >"$R/usr/share/initramfs-tools/scripts/init-bottom/zz-move-dev" <<'EOS'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
mount -n -o move /dev "${rootmnt:?}/dev"
EOS
chmod 0755 "$R/usr/share/initramfs-tools/scripts/init-bottom/zz-move-dev"

img=$ref/initramfs-tools.img
start=$SECONDS
if PATH=$R/usr/sbin:$R/usr/bin:$PATH timeout 300 mkinitramfs -c xz -o "$img" "$version" >"$ref/mkinitramfs.log" 2>&1; then
	{
		echo "initramfs-tools 0.142 (Debian 12) for $version with nbd-client hooks, busybox, klibc, no modules (monolithic kernel):" \
			"$(stat -c %s "$img") bytes xz (like ours), $(xz -dc "$img" 2>/dev/null | wc -c) bytes as cpio, built in $((SECONDS - start)) s"
		echo "  (udev not installed: a stand-in init-bottom script moves /dev; boot it: root=/dev/nbd0 nbdroot=<server>:<port>/<export> ip=dhcp)"
	} >"$ref/summary.txt"
else
	echo "initramfs-tools: mkinitramfs failed: $(tail -n 3 "$ref/mkinitramfs.log" | tr '\n' ' ')" >"$ref/summary.txt"
fi
bash "$(dirname "$0")/ref_dracut.sh" "$OUT" >/dev/null || true
cat "$ref/summary.txt"
