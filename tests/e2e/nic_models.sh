#!/bin/bash
# The kernel drives the NICs of real nodes that QEMU can emulate besides
# virtio-net (which every other test boots): VMware's vmxnet3
# (configs/nics.config) and Intel's e1000e (configs/base.config). On each,
# the node gets DHCP, swaps over NBD and reaches its root's init.
. "$(dirname "$0")/../lib.sh"

sparse_file "$T/swap.img" 128M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"
for nic in vmxnet3 e1000e; do
	QEMU_NIC=$nic QEMU_MEM=96 qemu_boot "$nic" "ip=dhcp netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root"
	wait_console "$nic" "TESTROOT: done" 180 || fail "$nic: the node did not reach its real init"
	console_has "$nic" "netswap: .*DHCP lease 10\.0\.2\.15/24" || fail "$nic: no DHCP lease"
	console_has "$nic" "TESTROOT: swaps=/dev/nbd0:partition" || fail "$nic: no swap over NBD"
	log "$nic: $(console_line "$nic" 'initramfs done in' | sed 's/.*netswap: //')"
	stop_qemu "$nic" 30
done
pass "vmxnet3 and e1000e: DHCP, swap and root over NBD"
