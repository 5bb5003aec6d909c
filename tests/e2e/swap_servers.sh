#!/bin/bash
# Swap on each real NBD server users run: nbd-server, nbdkit (memory
# plugin) and qemu-nbd, each asked for conns=2. Swap is active on the NBD
# device before the pivot, and a memory hog of 3x the guest's RAM writes
# and verifies every page. qemu-nbd serves one client at a time and does not
# advertise NBD_FLAG_CAN_MULTI_CONN: its node says so and uses one.
. "$(dirname "$0")/../lib.sh"

mem=64
hog="hog -m $((mem * 3)) -p 0 -j 2 -q"
sparse_file "$T/swap.img" 512M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"
R="root=nbd:10.0.2.2:$NBD_PORT/root"

kit_port=$(free_port)
nbdkit -f -i 127.0.0.1 -p "$kit_port" -e swap memory 512M >"$T/nbdkit.log" 2>&1 &
track_pid $!
qn_port=$(free_port)
sparse_file "$T/qswap.img" 512M
qemu-nbd -b 127.0.0.1 -p "$qn_port" -x swap -f raw -t "$T/qswap.img" >"$T/qemu-nbd.log" 2>&1 &
track_pid $!
sleep 1

QEMU_MEM=$mem qemu_boot nbdserver "netswap=nbd:10.0.2.2:$NBD_PORT/swap:conns=2 $R nstest=\"$hog\""
QEMU_MEM=$mem qemu_boot nbdkit "netswap=nbd:10.0.2.2:$kit_port/swap:conns=2 $R nstest=\"$hog\""
QEMU_MEM=$mem qemu_boot qemunbd "netswap=nbd:10.0.2.2:$qn_port/swap:conns=2 $R nstest=\"$hog\""
summary=""
for s in nbdserver nbdkit qemunbd; do
	wait_console $s "TESTROOT: done" 1200 || fail "$s: node did not finish"
	console_has $s "netswap: /dev/nbd0: swap on" || fail "$s: no swap before the pivot"
	console_has $s "hog: RESULT ok" || fail "$s: $(console_line $s 'hog: RESULT')"
	conns=2
	[ $s = qemunbd ] && conns=1
	console_has $s "netswap: /dev/nbd0: .* $conns connection\(s\)" ||
		fail "$s: expected $conns connection(s): $(console_line $s 'netswap: /dev/nbd0: ')"
	summary+="$s: $(grep -o 'mib_per_s=[0-9.]*' "$T/$s.console" | tail -n1) "
done
console_has qemunbd "allows one connection \(no NBD_FLAG_CAN_MULTI_CONN\); using 1, not conns=2" ||
	fail "qemunbd: no message about its single connection"
pass "$summary"
