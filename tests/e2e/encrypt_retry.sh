#!/bin/bash
# Encrypted swap is retried cleanly: the server fails every write at first
# (nbdkit's error filter, while a trigger file exists), so the swap header
# cannot be written through the fresh dm-crypt mapping and the swap step
# fails. The init must not leave that mapping behind (a retry would get
# EBUSY from DM_DEV_CREATE forever): once the writes work again, the next
# attempt sets dm-crypt up again, swaps on it and the hog verifies every page.
. "$(dirname "$0")/../lib.sh"

sparse_file "$T/swap.img" 256M
nbd_server root="$TESTROOT_IMG:ro"
trigger=$T/fail-writes
touch "$trigger"
NBDKIT_FILTERS=--filter=error NBDKIT_PARAMS="error-pwrite=EIO error-pwrite-rate=1 error-pwrite-file=$trigger" \
	nbdkit_start "$T/swap.img" 0
QEMU_MEM=64 qemu_boot node "netswap=nbd:10.0.2.2:$KIT_PORT:encrypt root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"hog -m 128 -p 1 -q\""
wait_console node "netswap: swap failed; retrying" 300 || fail "the swap step did not fail while writes fail"
# let a second attempt fail too, then heal the server
wait_console node "netswap: swap failed; retrying in 2 s" 120 || fail "no second attempt"
rm -f "$trigger"
log "server writes work again"
wait_console node "TESTROOT: done|cannot set up dm-crypt" 600 || fail "the node did not finish after the server healed"
console_has node "cannot set up dm-crypt" && fail "a retry found the old mapping: $(console_line node "cannot set up dm-crypt")"
console_has node "netswap: /dev/nbd0: encrypted with a per-boot key as /dev/dm-0" || fail "no dm-crypt mapping at the end"
console_has node "TESTROOT: swaps=/dev/dm-0" || fail "swap is not on dm-0: $(console_line node 'TESTROOT: swaps=')"
console_has node "hog: RESULT ok" || fail "$(console_line node 'hog: RESULT')"
pass "$(console_text node | grep -c 'swap failed; retrying') failed attempts, then swap on dm-crypt; $(console_line node 'hog: RESULT' | sed 's/.*hog: //')"
