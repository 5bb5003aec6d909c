#!/bin/bash
# cgroup v2's memory.swap.max on a node that swaps over NBD, as a batch
# scheduler uses it (Slurm's ConstrainSwapSpace, systemd's MemorySwapMax=):
# two groups of 24 MiB of RAM each run a 64 MiB hog; the one capped at
# 16 MiB of swap never has more than that in swap (memory.swap.peak) and
# its hog is OOM-killed; the one without a swap limit swaps more than
# 16 MiB and gets every page back. The controllers Slurm's cgroup/v2 and
# systemd enable (memory, pids, cpu, cpuset, io) must all be there.
. "$(dirname "$0")/../lib.sh"

cap_mib=16
sparse_file "$T/swap.img" 256M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"
QEMU_MEM=160 qemu_boot node "ip=dhcp netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"cgswap $cap_mib 24 64\""
wait_console node "TESTROOT: done" 240 || fail "the node did not finish"

controllers=$(console_line node 'TESTROOT: cgroup controllers=')
for c in memory pids cpu cpuset io; do
	[[ " ${controllers#*=} " == *" $c "* ]] || fail "no $c controller: $controllers"
done
console_has node 'TESTROOT: cgroup subtree_control=.*memory' || fail "could not enable the controllers: $(console_line node 'subtree_control=')"
field() { # GROUP NAME: a number from the group's line
	console_line node "TESTROOT: cgroup $1:" | sed -n "s/.* $2[= ]\([0-9]*\).*/\1/p"
}
cap=$((cap_mib << 20))
[ "$(field capped swap.max)" = "$cap" ] || fail "memory.swap.max not set: $(console_line node 'cgroup capped:')"
peak=$(field capped swap.peak) free_peak=$(field free swap.peak)
[ -n "$peak" ] && [ -n "$free_peak" ] || fail "no memory.swap.peak: $(console_text node | grep 'TESTROOT: cgroup' | tr '\n' ' ')"
[ "$peak" -le "$cap" ] || fail "the capped group swapped $peak bytes, over its $cap"
[ "$peak" -gt $((cap / 2)) ] || fail "the capped group hardly swapped ($peak bytes): the test proves nothing"
[ "$(field capped oom_kill)" -ge 1 ] || fail "the capped group's hog was not OOM-killed: $(console_line node 'cgroup capped:')"
[ "$(field capped hog_rc)" != 0 ] || fail "the capped group's hog finished: it was not held"
[ "$free_peak" -gt "$cap" ] || fail "the uncapped group swapped only $free_peak bytes, not more than $cap: the cap was not what held the other"
[ "$(field free hog_rc)" = 0 ] && console_has node 'CGROUP free: hog: RESULT ok' ||
	fail "the uncapped group's hog did not verify every page: $(console_line node 'CGROUP free:.*RESULT')"
bad=$(console_text node | grep -E 'blocked for more than|I/O error|BUG:|Oops|Kernel panic|hog: BAD' | head -n 3)
[ -z "$bad" ] || fail "the node reported: $bad"
stop_qemu node 60
pass "capped at $cap_mib MiB of swap: peak $((peak >> 10)) KiB, OOM-killed; uncapped: peak $((free_peak >> 10)) KiB, every page verified"
