#!/bin/bash
# rootovl: the NBD root is mounted read-only below an overlay whose upper
# layer is a tmpfs, so the node can write to its root while the export (and
# the image every node shares) is never written. The real init finds the
# overlay as /, writes a file there, and sees the layers under
# /run/initramfs/netswap; the image's checksum is unchanged afterwards.
. "$(dirname "$0")/../lib.sh"

cp --sparse=always "$TESTROOT_IMG" "$T/root.ext4"
before=$(sha256sum <"$T/root.ext4")
sparse_file "$T/swap.img" 128M
nbd_server root="$T/root.ext4:ro" swap="$T/swap.img"
# The kernel command line cannot nest double quotes: no awk program here.
nstest="echo written >/etc/ovl-test; cat /etc/ovl-test; grep netswap /proc/mounts | cut -d' ' -f2-4 | sed 's/^/OVL: /'; hog -m 160 -p 0"
QEMU_MEM=96 qemu_boot node "ip=dhcp netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root rootovl=32M nstest=\"$nstest\""
wait_console node "TESTROOT: done" 240 || fail "the node did not reach its real init"
console_has node "TESTROOT: root=overlay overlay" || fail "/ is not the overlay: $(console_line node 'TESTROOT: root=')"
console_has node "^written" || fail "the node could not write to its root"
console_has node "OVL: /run/initramfs/netswap/lower ext4 ro," || fail "the lower layer is not the read-only NBD root: $(console_line node 'OVL:')"
console_has node "OVL: /run/initramfs/netswap/rw tmpfs .*size=32768k" || fail "the upper layer is not a 32 MiB tmpfs: $(console_text node | grep 'OVL:' | tr '\n' ' ')"
console_has node "hog: RESULT ok" || fail "the hog did not verify every page"
stop_qemu node 60
[ "$(sha256sum <"$T/root.ext4")" = "$before" ] || fail "the root image changed"
pass "writable root over a read-only NBD export, image unchanged"
