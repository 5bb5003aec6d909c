#!/bin/bash
# tests/root/build.sh OUT - OUT/testroot.ext4: a tiny Debian-like root made
# from busybox-static, with the verifying memory hog and an init that
# reports what the end-to-end tests check. Built without root (mke2fs -d).
set -euo pipefail
out=$1
here=$(dirname "$0")
dir=$out/testroot
img=$out/testroot.ext4
stamp=$(cat "$here/init" "$here/build.sh" /bin/busybox "$out/hog" | sha256sum | cut -c1-16)
[ -f "$img" ] && [ "$(cat "$img.stamp" 2>/dev/null)" = "$stamp" ] && exit 0

rm -rf "$dir" && mkdir -p "$dir"/{bin,sbin,etc,proc,sys,dev,run,tmp,root,var/log}
cp /bin/busybox "$dir/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
done
install -m 0755 "$here/init" "$dir/sbin/init"
# an init that passes every check but cannot be executed: its interpreter
# is missing (tests/e2e/pivot_fail.sh)
printf '#!/no/such/interpreter\n' >"$dir/sbin/badinit"
chmod 0755 "$dir/sbin/badinit"
install -m 0755 "$out/hog" "$dir/bin/hog"
echo "netswap-testroot" >"$dir/etc/hostname"
echo "root:x:0:0:root:/root:/bin/sh" >"$dir/etc/passwd"
echo "root:x:0:" >"$dir/etc/group"
rm -f "$img"
mke2fs -q -t ext4 -L testroot -d "$dir" -E root_owner=0:0 "$img" 64M
echo "$stamp" >"$img.stamp"
echo "testroot: $img"
