#!/bin/bash
# The storage server restarts while the node is deep in swap: nbd-server is
# killed in the middle of a hog run and started again on the same port.
# The keeper reconnects, the kernel replays the I/O, and every page still
# verifies: no page and no process lost.
. "$(dirname "$0")/../lib.sh"

mem=64
HOG_ARGS=${HOG_ARGS:--m $((mem * 3)) -p 1 -j 4 -o random}
sparse_file "$T/swap.img" 512M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"
QEMU_MEM=$mem qemu_boot node "netswap=nbd:10.0.2.2:$NBD_PORT/swap:timeout=10 root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"hog $HOG_ARGS\""
wait_console node "hog: worker 0 .*swap used [0-9]{2,}" 300 || fail "the hog did not start swapping"
log "killing nbd-server (pid $NBD_PID) mid-run"
nbd_server_down
sleep 5
nbd_server_restart
log "nbd-server restarted (pid $NBD_PID)"
# the test root's hung-task detector reports a task blocked for 30 s
wait_console node "TESTROOT: done|blocked for more than" 1200 || fail "the node did not finish after the restart"
console_has node "$SWAP_BAD_RE" && fail "after the restart: $(console_line node "$SWAP_BAD_RE")"
console_has node "keeper: /dev/nbd[0-9] connection.* back after" || fail "the keeper never reconnected"
console_has node "hog: RESULT ok" || fail "pages lost: $(console_line node 'hog: RESULT')"
pass "$(console_line node 'keeper: .* back after' | sed 's/.*netswap: //'); $(console_line node 'hog: RESULT' | sed 's/.*hog: //')"
