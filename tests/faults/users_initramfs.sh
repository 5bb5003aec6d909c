#!/bin/bash
# tests/faults/users_initramfs.sh [OUT] - the initramfs of "the stack users
# run today" for tests/e2e/faults.sh: busybox and Debian 12's nbd-client
# (3.24, with the libraries it links), unpacked from the .deb files with
# dpkg-deb and never installed. Its /init does what initramfs-tools' nbd
# script does: `nbd-client <server> -N root <port> /dev/nbd0 -swap -persist
# -systemd-mark`, mounts the root and pivots. It leaves nbd-client in a
# tmpfs on the new root's /run, where `/run/users/nbd-swap` attaches swap
# after the pivot, as Debian's nbd-client init script does from /etc/nbdtab:
# nbd-client with -swap -persist, mkswap, swapon. No keeper stays behind.
# 3.24 talks to the kernel over generic netlink (NBD_CMD_CONNECT), which
# both our kernels have built in; it then exits, so -persist reconnects
# nothing.
#
# Boot it with users.root=<ip>:<port> (export "root", read-only) and
# users.swap=<ip>:<port> (export "swap"); the node is 10.0.2.15/24 on eth0.
# Writes OUT/faults/users-initramfs.img (gzip cpio); nothing when it is newer
# than this script.
set -euo pipefail
. "$(dirname "$0")/../bench/ref_lib.sh"
img=$OUT/faults/users-initramfs.img
[ "$img" -nt "$0" ] && { echo "users initramfs: $img"; exit 0; }
mkdir -p "$OUT/faults"
unpack_debs nbd-client libnl-genl-3-200 || { echo "users initramfs: apt-get download nbd-client libnl-genl-3-200 failed" >&2; exit 1; }
version=$(dpkg-deb -f "$work"/nbd-client_*.deb Version)

fs=$work/fs
mkdir -p "$fs"/{bin,sbin,dev,proc,sys,root,lib,lib64,run}
cp /bin/busybox "$fs/bin/busybox"
cp "$R/sbin/nbd-client" "$fs/sbin/nbd-client"
# its libraries: libnl-genl from the unpacked tree, the rest from the host
LD_LIBRARY_PATH=$R/lib/x86_64-linux-gnu:$R/usr/lib/x86_64-linux-gnu ldd "$R/sbin/nbd-client" |
	awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do cp -L "$lib" "$fs/lib/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$fs/lib64/"
# the binary's own loader path is /lib64; its libraries are found in /lib
# through the loader's --library-path, so no ld.so.cache is needed
cat >"$fs/bin/nbd-client" <<'EOT'
#!/bin/sh
d=${0%/bin/nbd-client}
exec "$d/lib64/ld-linux-x86-64.so.2" --library-path "$d/lib" "$d/sbin/nbd-client" "$@"
EOT
cat >"$fs/bin/nbd-swap" <<'EOT'
#!/bin/sh
# after the pivot, as /etc/init.d/nbd-client does for a swap line of nbdtab
d=${0%/bin/nbd-swap}
srv=$(sed -n 's/.*users\.swap=\([^ ]*\).*/\1/p' /proc/cmdline)
"$d/bin/nbd-client" "${srv%:*}" -N swap "${srv#*:}" /dev/nbd1 -swap -persist -systemd-mark || exit 1
mkswap /dev/nbd1 >/dev/null && swapon /dev/nbd1 || exit 1
echo "USERS: swap on /dev/nbd1: $(grep nbd1 /proc/swaps)"
# nbd-client has exited (netlink mode); on a real node it lives on the root
# disk, not in RAM
rm -rf "$d/lib" "$d/lib64" "$d/sbin"
EOT
cat >"$fs/init" <<'EOT'
#!/bin/busybox sh
# the users' stack: initramfs-tools' nbd root, in busybox
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
srv=$(sed -n 's/.*users\.root=\([^ ]*\).*/\1/p' /proc/cmdline)
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
echo "USERS: nbd-client $srv root"
until /bin/nbd-client "${srv%:*}" -N root "${srv#*:}" /dev/nbd0 -swap -persist -systemd-mark; do sleep 1; done
mount -t ext4 -o ro /dev/nbd0 /root || { echo "USERS: cannot mount the root"; exec sh; }
mount -t tmpfs -o size=24m tmpfs /root/run
mkdir -p /root/run/users
cp -a /bin/nbd-client /bin/nbd-swap /sbin /lib /lib64 /root/run/users/ 2>/dev/null
mkdir -p /root/run/users/bin && mv /root/run/users/nbd-client /root/run/users/nbd-swap /root/run/users/bin/
# as initramfs-tools' init: the API file systems move to the new root
for m in dev proc sys; do mount --move /$m /root/$m; done
echo "USERS: pivot"
exec switch_root /root /sbin/init
EOT
chmod 0755 "$fs/init" "$fs/bin/nbd-client" "$fs/bin/nbd-swap"
(cd "$fs" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 >"$img.tmp"
mv "$img.tmp" "$img"
echo "users initramfs: $img, nbd-client $version, $(stat -c %s "$img") bytes (gzip)"
