#!/bin/bash
# A swap server dies for good and the node loses nothing: netswap= on
# nbd-server and on nbdkit, both mirror=m, are the legs of one md RAID1.
# The verifying hog pushes pages out at 2x RAM; once it swaps, nbdkit is
# killed (SIGKILL, never restarted). The dead leg's I/O fails after its
# request timeout (timeout=10: at most 10 s after a closed connection),
# md drops the leg, and every page still verifies from the other server:
# no hung task, no I/O error on the mirror or in the hog, /proc/mdstat
# shows the array degraded.
#
# MIRROR_RESTART=1 starts nbdkit again 3 s after the kill instead: the
# keeper reconnects the leg within its timeout, md keeps both legs.
# MIRROR_OPTS=,encrypt adds options to both legs (encrypt: one dm-crypt
# over the mirror). MIRROR_CONTROL=1 runs the same with the two devices striped (prio=5
# each, no mirror=): the pages on the dead server are gone, and the run
# must end in a FAIL line (the node hangs or the hog loses pages).
. "$(dirname "$0")/../lib.sh"

mem=64
legs="mirror=m,timeout=10${MIRROR_OPTS:-}"
[ "${MIRROR_CONTROL:-0}" = 1 ] && legs="prio=5,timeout=10${MIRROR_OPTS:-}"
two_swap_servers 256
run="$HANG_DUMP_SH hog -m $((mem * 2)) -p 1 -j 4 -o random; sed s/^/MDSTAT:/ /proc/mdstat"
QEMU_MEM=$mem qemu_boot node "netswap=nbd:10.0.2.2:$NBD_PORT/swapa:$legs netswap=nbd:10.0.2.2:$KIT_PORT/swap:$legs root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"$run\""
wait_console node "hog: worker 0 .*swap used [0-9]{2,}" 300 || fail "the hog did not start swapping"
log "killing nbdkit (pid $KIT_PID) mid-run$([ "${MIRROR_RESTART:-0}" = 1 ] || echo ", for good")"
t_kill=$SECONDS
nbdkit_stop KILL
if [ "${MIRROR_RESTART:-0}" = 1 ]; then
	sleep 3
	nbdkit_start "$T/b.img" 0
	log "nbdkit started again (pid $KIT_PID)"
	wait_console node "TESTROOT: done|blocked for more than" 600 || fail "the node did not finish after the restart"
	bad=$(console_text node | grep -v "nstest=" | grep -E "$SWAP_BAD_RE|Write-error on swap|Read-error on swap|Disk failure" | head -n1)
	[ -z "$bad" ] || fail "after the restart: $bad"
	console_has node "hog: RESULT ok" || fail "pages lost: $(console_line node 'hog: RESULT')"
	console_has node "MDSTAT: .*\[2/2\] \[UU\]" || fail "mdstat: $(console_text node | grep MDSTAT: | tr '\n' ' ')"
	pass "server back after 3 s: $(console_line node 'keeper: .* back after' | sed 's/.*netswap: //'); both legs kept; $(console_line node 'hog: RESULT' | sed 's/.*hog: //')"
	exit 0
fi
wait_console node "Disk failure on|TESTROOT: done|blocked for more than" 120
t_drop=$((SECONDS - t_kill))
wait_console node "TESTROOT: done|blocked for more than" 600 || fail "the node did not finish after the server died"
# The dead leg's own I/O errors are how md learns it is dead; an error
# anywhere else (the mirror, the live leg, swap itself) is a lost page.
leg=$(console_line node 'mirror of 2 NBD devices' | sed -n 's/.*(\/dev\/nbd[0-9]*, \/dev\/\(nbd[0-9]*\)).*/\1/p')
[ "${MIRROR_CONTROL:-0}" = 1 ] && leg=none
[ -n "$leg" ] || fail "no mirror: $(console_line node 'netswap: .*swap on|mirror')"
bad=$(console_text node | grep -v "nstest=" | grep -v "dev $leg," | grep -E "$SWAP_BAD_RE|Write-error on swap|Read-error on swap" | head -n1)
[ -z "$bad" ] || fail "after the server died: $bad"
console_has node "hog: RESULT ok" || fail "pages lost: $(console_line node 'hog: RESULT')"
console_has node "md/raid1:md_m: Disk failure on $leg, disabling device" ||
	fail "md did not drop the dead leg $leg: $(console_line node 'md/raid1')"
console_has node "MDSTAT:md_m : active raid1 .*$leg\[1\]\(F\)" || fail "mdstat: $(console_line node 'MDSTAT:md_m')"
console_has node "MDSTAT: .*\[2/1\] \[U_\]" || fail "mdstat not degraded: $(console_text node | grep MDSTAT: | tr '\n' ' ')"
pass "md dropped $leg ${t_drop} s after its server was killed; $(console_text node | grep 'MDSTAT: ' | head -n1 | sed 's/MDSTAT: *//'); $(console_line node 'hog: RESULT' | sed 's/.*hog: //')"
