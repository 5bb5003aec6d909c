#!/bin/bash
# Two swap servers at the same priority: the kernel deals pages out to
# equal-priority swap devices in turn, so swap is striped over both
# servers. A node with netswap= on nbd-server and on nbdkit, both prio=5,
# runs the verifying hog at 3x RAM; both devices must carry a share of the
# pages (each at least a third of the total) and every page must verify.
. "$(dirname "$0")/../lib.sh"

mem=64
two_swap_servers 256
# the swap use of each device at its peak, sampled while the hog runs
run="(while sleep 2; do echo STRIPE: \$(grep ^/dev/nbd /proc/swaps | tr '\t' ' ' | tr -s ' ' | cut -d' ' -f1,4 | tr '\n' ' '); done) & hog -m $((mem * 3)) -p 1 -j 4 -o random -q"
QEMU_MEM=$mem qemu_boot stripe "netswap=nbd:10.0.2.2:$NBD_PORT/swapa:prio=5 netswap=nbd:10.0.2.2:$KIT_PORT/swap:prio=5 root=nbd:10.0.2.2:$NBD_PORT/root nstest=\"$run\""
wait_console stripe "TESTROOT: done" 900 || fail "the node did not finish"
console_has stripe "hog: RESULT ok" || fail "$(console_line stripe 'hog: RESULT|hog: BAD')"
[ "$(console_line stripe 'TESTROOT: swaps=' | grep -o 'partition:prio=5' | wc -l)" = 2 ] ||
	fail "not two swap devices at prio 5: $(console_line stripe 'TESTROOT: swaps=')"
# the sample with the most swap in use, as "kib_a kib_b"
peak=$(console_text stripe | sed -n 's/^STRIPE: \/dev\/nbd[0-9]* \([0-9]*\) \/dev\/nbd[0-9]* \([0-9]*\).*/\1 \2/p' |
	awk '$1 + $2 > best { best = $1 + $2; line = $1 " " $2 } END { print line }')
read -r a b <<<"$peak"
[ -n "$a" ] && [ -n "$b" ] || fail "no swap samples: $(console_line stripe '^STRIPE:')"
total=$((a + b))
[ "$total" -gt 65536 ] || fail "only $total KiB in swap at the peak: the hog proves nothing"
[ $((a * 3)) -ge "$total" ] && [ $((b * 3)) -ge "$total" ] || fail "not striped: $a KiB on one server, $b KiB on the other"
pass "striped over two servers: $a KiB and $b KiB at the peak; $(console_line stripe 'hog: RESULT' | grep -oE 'mib_per_s=[0-9.]+')"
