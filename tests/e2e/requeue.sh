#!/bin/bash
# Requests in flight when a swap connection dies are sent again as soon as
# the keeper has reconnected, not 30 s later when the block timeout fires.
# Two nodes with the README's default swap line (one connection, no request
# timeout) swap to nbdkit behind 5 ms: one server is stopped with SIGTERM,
# so it answers what is in flight with NBD_ESHUTDOWN, the other is killed
# with SIGKILL; both come back 3 s later. Each node must reconnect, print no
# "Possible stuck request" (the block layer's 30 s report) and verify every
# page. The time from the server's return to the first progress of the hog
# is printed.
. "$(dirname "$0")/../lib.sh"

mem=64
nbd_server root="$TESTROOT_IMG:ro"
declare -A port pid
for node in term kill; do
	sparse_file "$T/swap-$node.img" 512M
	unset KIT_PORT
	nbdkit_start "$T/swap-$node.img" 5
	port[$node]=$KIT_PORT pid[$node]=$KIT_PID
	QEMU_MEM=$mem qemu_boot "$node" "netswap=nbd:10.0.2.2:$KIT_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"hog -m 160 -p 2 -j 4 -o random\""
done

# bounce NODE SIGNAL: stops the node's swap server mid-swap, restarts it
# 3 s later on the same port, and sets moved to the seconds from its return
# to the hog's next progress line (the hog prints one every 2 s it runs).
bounce() {
	local node=$1 sig=$2 lines t0
	wait_console "$node" "hog: worker [0-9] pass 1/" 600 || fail "$node: the hog did not reach pass 1"
	KIT_PID=${pid[$node]}
	nbdkit_stop "$sig"
	sleep 3
	KIT_PORT=${port[$node]}
	nbdkit_start "$T/swap-$node.img" 5
	t0=$SECONDS lines=$(console_text "$node" | grep -c "hog: worker")
	log "$node: swap server stopped with SIG$sig and back"
	while [ $SECONDS -lt $((t0 + 60)) ]; do
		[ "$(console_text "$node" | grep -c "hog: worker")" -gt "$lines" ] && break
		sleep 0.2
	done
	moved=$((SECONDS - t0))
}
bounce term TERM
term_s=$moved
bounce kill KILL
kill_s=$moved

for node in term kill; do
	wait_console "$node" "TESTROOT: done|blocked for more than|Possible stuck request" 900 ||
		fail "$node: the node did not finish"
	console_has "$node" "$SWAP_BAD_RE" && fail "$node: $(console_line "$node" "$SWAP_BAD_RE")"
	console_has "$node" "keeper: /dev/nbd0 connection.* back after" || fail "$node: the keeper never reconnected"
	console_has "$node" "hog: RESULT ok" || fail "$node: pages lost: $(console_line "$node" 'hog: RESULT')"
done
console_has term "Server shutting down, waiting for a reconnect" ||
	fail "term: nbdkit's SIGTERM answered nothing with ESHUTDOWN (the kernel's message is missing)"
pass "the hog moved on ${term_s} s after nbdkit's SIGTERM (ESHUTDOWN) and ${kill_s} s after its SIGKILL, once the server was back; no request waited for the block timeout, every page verified"
