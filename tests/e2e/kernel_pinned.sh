#!/bin/bash
# The patch series on a real NBD device, against the stock kernel as the
# negative control: scheduler pinned to [none], a switch refused with EBUSY
# and logged, requests of one 4 KiB segment, 512 of them in flight per
# queue, requests spread over all four connections of a one-CPU node, and
# a verified swap run.
. "$(dirname "$0")/../lib.sh"
STOCK=${STOCK_KERNEL:-$OUT/stock/bzImage}
[ -f "$STOCK" ] || fail "$STOCK missing (make stock-kernel)"

# one swap export per node: two nodes on one swap would corrupt each other
sparse_file "$T/swap1.img" 512M
sparse_file "$T/swap2.img" 512M
nbd_server root="$TESTROOT_IMG:ro" swap2="$T/swap2.img"
# The patched node's swap alone on nbdkit, so its port's sockets are the
# node's four swap connections. The hog's sleep keeps them up to be counted.
nbdkit_start "$T/swap1.img" 0
append() { echo "netswap=nbd:10.0.2.2:$1:conns=4 root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"kcheck; hog -m 160 -p 0 -q; sleep 5\""; }
QEMU_MEM=64 qemu_boot patched "$(append "$KIT_PORT/swap1")"
QEMU_MEM=64 KERNEL=$STOCK qemu_boot stock "$(append "$NBD_PORT/swap2")"
wait_console patched "hog: RESULT" 900 || fail "patched node's hog did not finish"
# bytes each connection received from the node (the server's view)
received=$(ss -tniH state established "( sport = :$KIT_PORT )" | grep -o 'bytes_received:[0-9]*' | cut -d: -f2 | sort -n | tr '\n' ' ')
busy=$(for b in $received; do [ "$b" -gt 1048576 ] && echo; done | wc -l)
[ "$busy" -ge 4 ] || fail "patched: $busy of 4 swap connections carried over 1 MiB (bytes received: $received)"
wait_console patched "TESTROOT: done" 900 || fail "patched node did not finish"
wait_console stock "TESTROOT: done" 900 || fail "stock node did not finish"

for dev in nbd0 nbd1; do
	console_has patched "KCHECK: $dev scheduler=\[none\] max_segments=1 max_segment_size=4096 max_hw_sectors_kb=4 nomerges=2 nr_requests=512" ||
		fail "patched $dev: $(console_line patched "KCHECK: $dev scheduler")"
	console_has patched "KCHECK: $dev switch=refused \(.*[Dd]evice or resource busy.*\) now=\[none\]" ||
		fail "patched $dev switch not refused: $(console_line patched "KCHECK: $dev switch")"
done
console_has patched "KCHECK: dmesg: elevator: cannot switch elevator, pinned \(nbd0\)" || fail "no 'pinned' message in dmesg"
console_has patched "hog: RESULT ok" || fail "patched: swap run did not verify"

console_has stock "KCHECK: nbd0 scheduler=.*\[mq-deadline\]" || fail "stock kernel not the control: $(console_line stock 'KCHECK: nbd0 sched')"
console_has stock "KCHECK: nbd0 switch=accepted" || fail "stock kernel refused a switch"
console_has stock "max_hw_sectors_kb=4 " && fail "stock kernel has page-sized requests"
console_has stock "hog: RESULT ok" || fail "stock: swap run did not verify"
pass "patched: $(console_line patched 'KCHECK: nbd0 sched' | cut -c1-126), 4 connections busy ($received bytes); stock: $(console_line stock 'KCHECK: nbd0 sched' | cut -c1-80)"
