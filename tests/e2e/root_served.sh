#!/bin/bash
# A dead swap server does not hold up the root's: the swap export's server
# (nbdkit) is killed and stays away while the root's server (nbd-server)
# is restarted. The keeper must bring the root's connection back while it
# still fails to reach the swap server, and reads from the root (a file
# read cold, caches dropped, every second) go on. Then the swap server
# comes back and the swap device reconnects too.
. "$(dirname "$0")/../lib.sh"

sparse_file "$T/swap.img" 256M
nbd_server root="$TESTROOT_IMG:ro"
nbdkit_start "$T/swap.img" 0
reads='i=0; while [ $i -lt 150 ]; do i=$((i+1)); echo 3 >/proc/sys/vm/drop_caches; cat /bin/hog >/dev/null && echo ROOTREAD $i ok $(cut -d. -f1 /proc/uptime); sleep 1; done'
QEMU_MEM=128 qemu_boot node "netswap=nbd:10.0.2.2:$KIT_PORT root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"$reads\""
wait_console node "ROOTREAD 3 ok" 400 || fail "the node did not start reading its root"
log "killing the swap server (nbdkit pid $KIT_PID) for good, for now"
nbdkit_stop KILL
wait_console node "keeper: /dev/nbd0 connection.* lost" 60 || fail "the swap device's loss was not noticed"
log "restarting the root's server (nbd-server pid $NBD_PID)"
nbd_server_down
sleep 2
nbd_server_restart
wait_console node "keeper: /dev/nbd1 connection.* back after" 60 ||
	fail "the root's connection did not come back while the swap server was dead"
n=$(console_text node | grep -c "^ROOTREAD .* ok")
wait_console node "ROOTREAD $((n + 5)) ok" 60 || fail "reads from the root stopped (last: $(console_text node | grep ROOTREAD | tail -n1))"
console_has node "keeper: /dev/nbd0 connection.* back after" && fail "the swap came back without its server?"
log "root served while the swap server is dead: $(console_line node 'keeper: /dev/nbd1 connection.* back after' | sed 's/.*netswap: //')"
nbdkit_start "$T/swap.img" 0
wait_console node "keeper: /dev/nbd0 connection.* back after" 60 || fail "the swap did not reconnect once its server was back"
wait_console node "TESTROOT: done" 400 || fail "the node did not finish"
console_has node "$SWAP_BAD_RE" && fail "$(console_line node "$SWAP_BAD_RE")"
pass "root back in $(console_line node 'keeper: /dev/nbd1 connection.* back after' | grep -o 'after [0-9]* ms') with its swap server dead, $(console_text node | grep -c "^ROOTREAD .* ok") root reads ok; swap $(console_line node 'keeper: /dev/nbd0 connection.* back after' | grep -o 'after [0-9]* ms')"
