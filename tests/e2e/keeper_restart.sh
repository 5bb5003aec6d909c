#!/bin/bash
# The keeper can be lost and started again from the real root: the test
# root starts /run/netswap/init keeper as the systemd unit does (a
# stand-by, waiting on the running keeper's lock), then kills the running
# one (SIGKILL, as a sysvinit or busybox shutdown's kill -KILL -1 would).
# The stand-by takes over and adopts the NBD devices from
# /run/netswap/keeper.state. Then the server is restarted mid-swap: the
# new keeper reconnects, and the hog verifies every page.
. "$(dirname "$0")/../lib.sh"

mem=64
sparse_file "$T/swap.img" 512M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"
QEMU_MEM=$mem qemu_boot node "netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"restart_keeper; hog -m $((mem * 3)) -p 1 -j 2 -o random\""
wait_console node "TESTROOT: keeper restarted" 400 || fail "the test root did not restart the keeper"
line=$(console_line node "TESTROOT: keeper restarted")
log "$line"
echo "$line" | grep -q "new=none" && fail "no keeper after the restart: $line"
echo "$line" | grep -q "argv0=@run/netswap/init" || fail "the new keeper is not /run/netswap/init with an '@': $line"
console_has node "netswap: keeper: another keeper runs \(pid [0-9]+\); waiting to take over" || fail "the second keeper did not wait for the first"
console_has node "netswap: keeper: pid [0-9]+ keeps 2 NBD device\(s\), adopted" || fail "the new keeper did not adopt both devices"
wait_console node "keeper: /dev/nbd1: all 1 connection\(s\) alive" 60 || fail "the new keeper did not check the root's connection"
wait_console node "hog: worker 0 .*swap used [0-9]{2,}" 300 || fail "the hog did not start swapping"
log "restarting nbd-server (pid $NBD_PID) under the new keeper"
nbd_server_down
sleep 3
nbd_server_restart
wait_console node "TESTROOT: done|blocked for more than" 1200 || fail "the node did not finish after the restart"
console_has node "$SWAP_BAD_RE" && fail "$(console_line node "$SWAP_BAD_RE")"
# an adopted keeper holds no copies of the sockets: only the kernel's
# notice (NBD_CMD_LINK_DEAD, patch 10's work item) tells it of the loss
console_has node "keeper: /dev/nbd0 connection lost.*the kernel's notice" ||
	fail "the adopted keeper did not hear of the swap's loss from the kernel: $(console_line node 'keeper: /dev/nbd0 connection lost')"
console_has node "keeper: /dev/nbd0 connection back after" || fail "the new keeper never reconnected the swap"
console_has node "hog: RESULT ok" || fail "pages lost: $(console_line node 'hog: RESULT')"
first=$(console_line node "TESTROOT: keeper VmLck" | sed 's/.*VmLck: //')
pass "keeper (VmLck $first) killed and started again ($(echo "$line" | grep -o 'VmLck: .*')); $(console_line node 'keeper: /dev/nbd0 connection back after' | sed 's/.*netswap: //'); $(console_line node 'hog: RESULT' | sed 's/.*hog: //')"
