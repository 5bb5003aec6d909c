#!/bin/bash
# The node's link goes dead mid-swap without a FIN or RST (QEMU's monitor:
# set_link off, as a pulled cable or a powered-off switch) for 60 s, then
# comes back. With the README's command line (no timeout=), the kernel and
# the keeper notice the dead sockets of both the swap and the root device
# in well under a minute, the keeper reconnects once the link is back, and
# the hog verifies every page: no I/O error, no OOM kill. While the link is
# dead, no task sleeps in NBD's ->queue_rq: requests with no connection are
# parked in blk-mq (patch 9), not waited for by whoever submitted them, which
# may be kthreadd or a kworker the reconnect needs. SysRq-w, 10 s before the
# link returns, lists the blocked tasks; if the keeper has not reconnected
# 120 s after the link's return, SysRq-t shows where it sleeps.
# A task waiting 60 s for its page is expected here, so the hung-task
# report fires at 120 s instead of the test root's 30.
. "$(dirname "$0")/../lib.sh"

mem=64 outage=${OUTAGE:-60}
HOG_ARGS=${HOG_ARGS:--m $((mem * 3)) -p 1 -j 2 -o random}
sparse_file "$T/swap.img" 512M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"
QEMU_MEM=$mem QEMU_SYSRQ=1 qemu_boot node "sysctl.kernel.hung_task_timeout_secs=120 netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"${HANG_DUMP_SH}hog $HOG_ARGS\""
wait_console node "hog: worker 0 .*swap used [0-9]{2,}" 400 || fail "the hog did not start swapping"

# seconds since $1 (a $SECONDS value) at which REGEX first shows up, or "never"
seen_after() {
	local t0=$1 re=$2 end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		console_has node "$re" && { echo $((SECONDS - t0)); return; }
		sleep 0.5
	done
	echo never
}


qemu_monitor node "set_link n0 off" >/dev/null
cut=$SECONDS
log "link of the node cut (set_link n0 off) for $outage s"
# Each device's first "lost" line after the cut; detection must beat the outage.
# The keeper must see it on its own copy of the socket: the kernel's notice
# needs memory that a node swapping to the dead link may not have.
swap_dev=$(console_text node | sed -n 's/.*netswap: \(\/dev\/nbd[0-9]\): swap on.*/\1/p' | head -n1)
root_dev=/dev/nbd$(( ${swap_dev#/dev/nbd} + 1 ))
t_swap=$(seen_after $cut "keeper: $swap_dev connection.* lost" "$outage")
t_root=$(seen_after $cut "keeper: $root_dev connection.* lost" $((outage - (SECONDS - cut))))
while [ $((SECONDS - cut)) -lt $((outage - 10)) ]; do sleep 1; done
console_lines=$(console_text node | wc -l)
qemu_sysrq node w
wait_console node "Show Blocked State" 10 && sleep 3
blocked_dump=$(console_text node | tail -n +"$console_lines")
blocked=$(grep -c 'task:' <<<"$blocked_dump")
# each blocked task's name and the NBD submit function it sleeps in
in_queue_rq=$(awk '/task:/ { task = $0 } /nbd_(queue_rqs?|handle_cmd)\+/ && task { print task; task = "" }' <<<"$blocked_dump" |
	sed 's/.*task:\([^ ]*\).*/\1/' | sort | uniq -c | awk '{ printf "%s%s x%d", sep, $2, $1; sep = ", " }')
while [ $((SECONDS - cut)) -lt "$outage" ]; do sleep 1; done
# Parked requests look again once a second (patch 9) and must not log the
# dead connection each time: that printed 10 lines in these 10 s. A request
# that finds no connection for the first time still logs it once.
fallback_lines=$(console_text node | tail -n +"$console_lines" | grep -c 'failed to find a fallback')
qemu_monitor node "set_link n0 on" >/dev/null
up=$SECONDS
log "link back after $((up - cut)) s; swap $swap_dev dead after ${t_swap} s, root $root_dev after ${t_root} s"
t_back=$(seen_after $up "keeper: $swap_dev connection.* back after" 120)
if [ "$t_back" = never ]; then
	# Where the keeper is: it sleeps, so SysRq-w does not list it; t
	# prints every task's stack (its writer thread shares its name).
	console_lines=$(console_text node | wc -l)
	qemu_sysrq node t
	sleep 20
	console_text node | tail -n +"$console_lines" |
		awk '/task:/ { keep = /task:@netswap-keep/ } keep' | head -n 80 | sed 's/^/  /'
fi
wait_console node "TESTROOT: done|blocked for more than" 1500 || fail "the node did not finish after the link came back"
# the blocked tasks' stacks (lib.sh's hang_dump), if a task hung
console_has node "blocked for more than" && wait_console node "HANG: sysrq-w" 30 && sleep 10
# what the keeper did, on every outcome
console_text node | grep -E "keeper: .*(lost|back after|took)|timed out|cannot connect" | sed 's/^/  /'
console_has node "$SWAP_BAD_RE" && fail "after the outage: $(console_line node "$SWAP_BAD_RE")"
[ "$t_swap" != never ] && [ "$t_swap" -lt 45 ] || fail "the swap device's dead socket was not noticed within 45 s (after: $t_swap)"
[ "$t_root" != never ] && [ "$t_root" -lt 45 ] || fail "the root device's dead socket was not noticed within 45 s (after: $t_root)"
for dev in "$swap_dev" "$root_dev"; do
	console_has node "keeper: $dev connection.* lost.*seen on its socket" ||
		fail "the keeper did not see $dev's loss on its copy of the socket: $(console_line node "keeper: $dev connection.* lost")"
done
[ "$fallback_lines" -lt 5 ] || fail "$fallback_lines 'failed to find a fallback' lines in the outage's last 10 s: parked requests log at every look"
[ -z "$in_queue_rq" ] || fail "with the link dead, tasks slept in NBD's ->queue_rq: $in_queue_rq"
[ "$t_back" != never ] || fail "the keeper did not reconnect $swap_dev within 120 s of the link's return"
console_has node "keeper: $root_dev connection.* back after" || fail "the keeper did not reconnect the root $root_dev"
console_has node "hog: RESULT ok" || fail "pages lost: $(console_line node 'hog: RESULT')"
pass "dead link noticed after ${t_swap} s (swap) and ${t_root} s (root), none of $blocked blocked tasks in ->queue_rq, swap back ${t_back} s after the link; $(console_line node 'hog: RESULT' | sed 's/.*hog: //')"
