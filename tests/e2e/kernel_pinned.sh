#!/bin/bash
# The patch series on a real NBD device, against the stock kernel as the
# negative control: scheduler pinned to [none], a switch refused with
# EOPNOTSUPP and logged, writing "none" answered without freezing the queue
# while the server stalls, requests of one 4 KiB segment, 512 of them in
# flight per queue, requests spread over all four connections of a one-CPU
# node, and a verified swap run.
. "$(dirname "$0")/../lib.sh"
STOCK=${STOCK_KERNEL:-$OUT/stock/bzImage}
[ -f "$STOCK" ] || fail "$STOCK missing (make stock-kernel)"

# one swap export per node: two nodes on one swap would corrupt each other
sparse_file "$T/swap1.img" 512M
sparse_file "$T/swap2.img" 512M
nbd_server root="$TESTROOT_IMG:ro"
# Each node's swap alone on an nbdkit of its own, so its port's sockets are
# the node's four swap connections, and stalling it stalls only that swap.
nbdkit_start "$T/swap1.img" 0
PATCHED_PORT=$KIT_PORT PATCHED_KIT=$KIT_PID
unset KIT_PORT
nbdkit_start "$T/swap2.img" 0
STOCK_PORT=$KIT_PORT STOCK_KIT=$KIT_PID
append() { echo "netswap=nbd:10.0.2.2:$1/swap:conns=4 root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"kcheck; hog -m 160 -p 0 -q; sleep 5; kstall nbd0\""; }
QEMU_MEM=64 qemu_boot patched "$(append "$PATCHED_PORT")"
QEMU_MEM=64 KERNEL=$STOCK qemu_boot stock "$(append "$STOCK_PORT")"

# stall_swap NAME PID: stops the node's swap server while kstall writes
# "none", and resumes it 10 s later (or as soon as the write returned).
stall_swap() {
	wait_console "$1" "KSTALL: ready" 900 || return
	signal_ours STOP "$2"
	wait_console "$1" "KSTALL: nbd0 none-write" 10
	signal_ours CONT "$2"
}

# each node gets to kstall on its own time
stall_swap patched "$PATCHED_KIT" &
stalls=$!
stall_swap stock "$STOCK_KIT" &
stalls="$stalls $!"
wait_console patched "hog: RESULT" 900 || fail "patched node's hog did not finish"
# bytes each connection received from the node (the server's view)
received=$(ss -tniH state established "( sport = :$PATCHED_PORT )" | grep -o 'bytes_received:[0-9]*' | cut -d: -f2 | sort -n | tr '\n' ' ')
busy=$(for b in $received; do [ "$b" -gt 1048576 ] && echo; done | wc -l)
[ "$busy" -ge 4 ] || fail "patched: $busy of 4 swap connections carried over 1 MiB (bytes received: $received)"
# shellcheck disable=SC2086 # two PIDs
wait $stalls
wait_console patched "TESTROOT: done" 900 || fail "patched node did not finish"
wait_console stock "TESTROOT: done" 900 || fail "stock node did not finish"

for dev in nbd0 nbd1; do
	console_has patched "KCHECK: $dev scheduler=\[none\] max_segments=1 max_segment_size=4096 max_hw_sectors_kb=4 nomerges=2 nr_requests=512" ||
		fail "patched $dev: $(console_line patched "KCHECK: $dev scheduler")"
	console_has patched "KCHECK: $dev switch=refused \(.*Operation not supported.*\) now=\[none\]" ||
		fail "patched $dev switch not refused: $(console_line patched "KCHECK: $dev switch")"
done
console_has patched 'KCHECK: dmesg: I/O scheduler pinned to "none" by the driver, refusing "mq-deadline"' ||
	fail "no 'pinned' message in dmesg: $(console_line patched 'KCHECK: dmesg')"
console_has patched "hog: RESULT ok" || fail "patched: swap run did not verify"
# Writing "none" while the server stalls: at once on ours (nothing to
# switch, no freeze), and only when the server is back on stock (a freeze
# waits for the reads in flight).
stall_ms() { console_line "$1" "KSTALL: nbd0 none-write rc=0" | sed -n 's/.* took \([0-9]*\) ms.*/\1/p'; }
pms=$(stall_ms patched) sms=$(stall_ms stock)
[ -n "$pms" ] && [ "$pms" -lt 1000 ] || fail "patched: writing none took ${pms:-?} ms with the server stalled: $(console_line patched 'KSTALL: nbd0')"

console_has stock "KCHECK: nbd0 scheduler=.*\[mq-deadline\]" || fail "stock kernel not the control: $(console_line stock 'KCHECK: nbd0 sched')"
console_has stock "KCHECK: nbd0 switch=accepted" || fail "stock kernel refused a switch"
console_has stock "max_hw_sectors_kb=4 " && fail "stock kernel has page-sized requests"
console_has stock "hog: RESULT ok" || fail "stock: swap run did not verify"
[ -n "$sms" ] && [ "$sms" -ge 3000 ] || fail "stock: writing none took ${sms:-?} ms with the server stalled; the control should wait for it: $(console_line stock 'KSTALL: nbd0')"
pass "patched: $(console_line patched 'KCHECK: nbd0 sched' | cut -c1-126), 4 connections busy ($received bytes), 'none' written in $pms ms with the server stalled (stock: $sms ms); stock: $(console_line stock 'KCHECK: nbd0 sched' | cut -c1-80)"
