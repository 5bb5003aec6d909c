#!/bin/bash
# A node with three NICs whose boot NIC is the last one (eth2, QEMU's user
# network with the servers behind it); eth0 and eth1 have no link (QEMU's
# set_link off), so they never get carrier.
#  1. ip=dhcp without BOOTIF: the carrier waits run together (3 s in all,
#     not 3 s per NIC), DHCP runs on every link, eth2's lease wins, and
#     the node swaps and pivots.
#  2. A static ip= without a device and BOOTIF= naming eth2: the address
#     goes on eth2, not on the first link.
. "$(dirname "$0")/../lib.sh"

sparse_file "$T/swap.img" 64M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"
S=10.0.2.2:$NBD_PORT
mac0=52:54:00:00:01:01 mac1=52:54:00:00:01:02 mac2=52:54:00:00:01:03

# three_nics NAME APPEND: eth0 and eth1 on UDP sockets nobody listens to,
# their links cut from the monitor at once; eth2 on the user network.
three_nics() {
	QEMU_MEM=96 QEMU_NETDEV="socket,id=n0,udp=127.0.0.1:$(free_port),localaddr=127.0.0.1:$(free_port)" \
		QEMU_NIC_OPTS=",mac=$mac0" qemu_boot "$1" "$2" \
		-netdev "socket,id=n1,udp=127.0.0.1:$(free_port),localaddr=127.0.0.1:$(free_port)" \
		-device "virtio-net-pci,netdev=n1,mac=$mac1" \
		-netdev user,id=n2 -device "virtio-net-pci,netdev=n2,mac=$mac2" \
		-monitor "unix:$T/$1.mon,server,nowait"
	for _ in $(seq 50); do [ -S "$T/$1.mon" ] && break; sleep 0.1; done
	python3 - "$T/$1.mon" <<'EOF' || fail "cannot cut the links of eth0 and eth1 from the QEMU monitor"
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"set_link n0 off\nset_link n1 off\n")
time.sleep(0.3)
s.close()
EOF
}

three_nics dhcp "ip=dhcp netswap=nbd:$S/swap root=nbd:$S/root"
wait_console dhcp "TESTROOT: done" 180 || fail "DHCP with the boot NIC last: the node did not reach its real init"
console_has dhcp "netswap: eth2: DHCP lease 10\.0\.2\.15/24" || fail "the lease is not on eth2: $(console_line dhcp 'DHCP lease')"
console_has dhcp "netswap: eth0: no carrier after 3000 ms" || fail "eth0 had carrier: the test did not cut its link"
ms=$(console_line dhcp "netswap: network done in" | grep -oE '[0-9]+ ms' | cut -d' ' -f1)
# one 3 s wait for both dead links, plus DHCP; one after the other was 6 s
[ -n "$ms" ] && [ "$ms" -lt 5500 ] || fail "network took ${ms:-?} ms with two dead links; expected one 3 s carrier wait, not one per NIC"
console_has dhcp "TESTROOT: swaps=/dev/nbd0:partition" || fail "no swap in the real root"

three_nics static "ip=10.0.2.16::10.0.2.2:255.255.255.0:::off BOOTIF=01-${mac2//:/-} netswap=nbd:$S/swap root=nbd:$S/root"
wait_console static "TESTROOT: done" 180 || fail "static ip= with BOOTIF on the last NIC: the node did not reach its real init"
console_has static "netswap: eth2: static address 10\.0\.2\.16/24" || fail "the static address is not on eth2: $(console_line static 'static address')"
console_has static "TESTROOT: net: DEVICE='eth2'" || fail "net-eth2.conf missing"
pass "boot NIC last of three: DHCP network done in $ms ms with two dead links; static ip= went to the BOOTIF NIC eth2"
