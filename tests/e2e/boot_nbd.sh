#!/bin/bash
# A node boots with DHCP from QEMU's user network, attaches its swap from a
# real nbd-server before the pivot, mounts its root from the same server,
# pivots, and its real init finds: PID 1, root on /dev/nbd*, swap on, the
# keeper alive with '@' in argv[0], and the initramfs emptied.
. "$(dirname "$0")/../lib.sh"

sparse_file "$T/swap.img" 256M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"
QEMU_MEM=128 qemu_boot node "ip=dhcp netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root"
wait_console node "TESTROOT: done" 180 || fail "the node did not reach its real init"

console_has node "netswap: .*DHCP lease 10\.0\.2\.15/24" || fail "no DHCP lease logged"
console_has node "netswap: /dev/nbd0: swap on" || fail "swap was not enabled on /dev/nbd0 before the pivot"
console_has node "TESTROOT: pid=1$" || fail "the real init is not PID 1"
console_has node "TESTROOT: root=/dev/nbd1 ext4" || fail "root is not the NBD device: $(console_line node 'TESTROOT: root=')"
console_has node "TESTROOT: swaps=/dev/nbd0:partition" || fail "swap not active in the real root"
console_has node "TESTROOT: keeper=[0-9]+ argv0=@" || fail "no keeper with '@' in argv[0]"
console_has node "TESTROOT: initramfs_left=\[(newroot )?\]" ||
	fail "initramfs files left: $(console_line node initramfs_left)"
console_has node "TESTROOT: net: DEVICE='eth0'" || fail "no /run/netswap/net-eth0.conf for the real root"
console_has node "TESTROOT: lease=1$" || fail "no lease companion @netswap-lease in the real root after a DHCP boot"
console_has node "netswap: eth0: keeping the DHCP lease of 10\.0\.2\.15 \(86400 s\)" || fail "the lease companion did not say what it keeps"
pass "$(console_line node 'initramfs done in' | sed 's/.*netswap: //')"
