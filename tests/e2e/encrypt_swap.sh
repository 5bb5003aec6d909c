#!/bin/bash
# netswap=...:encrypt puts dm-crypt (aes-xts-plain64, a per-boot random key)
# under the swap header: no page crosses the network in clear. A node pushes
# a known text through swap; the server's backing file must not hold it.
# The same run without encrypt is the control: there the text is found.
. "$(dirname "$0")/../lib.sh"

marker=NETSWAP-PLAINTEXT-MARKER
sparse_file "$T/clear.img" 256M
sparse_file "$T/crypt.img" 256M
nbd_server root="$TESTROOT_IMG:ro" clear="$T/clear.img" crypt="$T/crypt.img"
# 150 MiB of the marker in a tmpfs on a 64 MiB node: most of it must swap.
push="mkdir -p /tmp/t; mount -t tmpfs -o size=200m tmpfs /tmp/t; yes $marker | head -c 157286400 >/tmp/t/f; cat /proc/swaps; sync"
R="root=nbd:10.0.2.2:$NBD_PORT/root"
QEMU_MEM=64 qemu_boot crypt "netswap=nbd:10.0.2.2:$NBD_PORT/crypt:encrypt $R nstest=\"$push\""
QEMU_MEM=64 qemu_boot clear "netswap=nbd:10.0.2.2:$NBD_PORT/clear $R nstest=\"$push\""
wait_console crypt "TESTROOT: done" 400 || fail "the encrypted node did not finish"
wait_console clear "TESTROOT: done" 400 || fail "the control node did not finish"

console_has crypt "netswap: /dev/nbd0: encrypted with a per-boot key as /dev/dm-0" || fail "no dm-crypt mapping logged"
console_has crypt "TESTROOT: swaps=/dev/dm-0" || fail "swap is not on the dm-crypt device"
used=$(console_text crypt | awk '$1 == "/dev/dm-0" { print $4 }')
[ "${used:-0}" -gt 10000 ] || fail "too little went to swap ($used KiB) to prove anything"
grep -q "$marker" "$T/clear.img" || fail "control: the marker is not in the clear swap file; the test proves nothing"
grep -q "$marker" "$T/crypt.img" && fail "plaintext found in the encrypted swap export"
grep -q SWAPSPACE2 "$T/crypt.img" && fail "the swap header is visible on the server"
pass "$used KiB swapped through dm-crypt, no plaintext on the server; the clear control leaks it"
