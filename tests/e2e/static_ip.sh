#!/bin/bash
# The kernel's static ip= form: no DHCP, the address, gateway and hostname
# from the command line, printed by the node, and the NBD swap and root
# reached through them.
. "$(dirname "$0")/../lib.sh"

sparse_file "$T/swap.img" 64M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"
# the root in dracut's syntax, the export picked by nbd-client's -N option
qemu_boot node "ip=10.0.2.77::10.0.2.2:255.255.255.0:node77:eth0:off netswap=nbd:10.0.2.2:$NBD_PORT/swap:prio=5 root=nbd:10.0.2.2:$NBD_PORT:ext4::-N,root"
wait_console node "TESTROOT: done" 180 || fail "the node did not reach its real init"
console_has node "netswap: eth0: static address 10\.0\.2\.77/24, gateway 10\.0\.2\.2" || fail "static address not logged"
console_has node "netswap: .*DHCP" && fail "DHCP was used despite a static ip="
console_has node "TESTROOT: net: PROTO='none'" || fail "state file does not say PROTO=none"
console_has node "TESTROOT: hostname=node77" || fail "hostname not set from ip="
console_has node "TESTROOT: lease=0$" || fail "a lease companion runs after a static ip=: $(console_line node 'TESTROOT: lease=')"
console_has node "TESTROOT: net: IPV4ADDR='10.0.2.77'" || fail "state file lacks the address"
console_has node "TESTROOT: swaps=/dev/nbd0:partition:prio=5" || fail "no swap with prio=5: $(console_line node "TESTROOT: swaps=")"
console_has node "TESTROOT: root=/dev/nbd1 ext4" || fail "dracut-style root not mounted: $(console_line node "TESTROOT: root=")"
pass "$(console_line node 'network done in' | sed 's/.*netswap: //')"
