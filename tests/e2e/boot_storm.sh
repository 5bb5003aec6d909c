#!/bin/bash
# Boot storm: four nodes boot at once from one server (netboot/serve with
# the nbd-server config `make netboot` writes, on 127.0.0.1), each with the
# generated command line, the root export and its own swap-<mac> export.
# Reports each node's boot time against a single node's: kernel start to the
# pivot (the printk stamp of "initramfs done"), the init's swap step, and
# kernel start to the test root's "done" (its /proc/uptime). A measurement:
# it asserts only that all four finish, within a generous timeout. Under TCG
# on 2 cores the four guests also share the CPUs, so the ratio is an upper
# bound on what the server adds.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
storm=${STORM_NODES:-4}
port=$(free_port)

nodes=(solo)
{
	echo "52:54:00:5a:00:00 solo 128M"
	for i in $(seq "$storm"); do
		nodes+=("n$i")
		printf '52:54:00:5a:00:%02x n%d 128M\n' "$i" "$i"
	done
} >"$T/nodes"
NODES="$T/nodes" NETBOOT_DIR="$T/netboot" ROOT_IMAGE="$TESTROOT_IMG" \
	bash "$top/netboot/build.sh" "$OUT" 10.0.2.2 "$port" >"$T/build.log" 2>&1 ||
	fail "build.sh failed: $(cat "$T/build.log")"
DHCP=off bash "$top/netboot/serve" "$T/netboot" >"$T/serve.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do grep -q "serving" "$T/serve.log" && break; sleep 0.2; done
grep -q "serving $((storm + 1)) node" "$T/serve.log" || fail "serve did not start: $(cat "$T/serve.log")"

# the generated command line, as pxelinux would pass it
append=$(sed -n 's/^[[:space:]]*APPEND //p' "$T/netboot/tftp/pxelinux.cfg/default")
case $append in *'swap-${mac}'*) ;; *) fail "unexpected generated command line: $append" ;; esac
append+=' nstest="echo UPTIME $(cat /proc/uptime)"'

mac_of() { awk -v h="$1" '$2 == h { print $1 }' "$T/nodes"; }
boot() {
	local mac
	mac=$(mac_of "$1")
	: >"$T/$1.console"
	QEMU_MEM=96 QEMU_NIC_OPTS=",mac=$mac" qemu_boot "$1" "$append"
	eval "START_$1=\$SECONDS"
}
# done_wall NAME: seconds from QEMU's start to TESTROOT: done
wait_done() {
	wait_console "$1" "TESTROOT: done" "$2" || fail "$1 did not finish within $2 s"
	local start="START_$1"
	eval "WALL_$1=$((SECONDS - ${!start}))"
}

# figures NAME: pivot_s swap_ms done_s wall_s
figures() {
	local pivot swap up wall="WALL_$1"
	pivot=$(console_line "$1" "netswap: initramfs done in" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	swap=$(console_line "$1" "netswap: swap done in" | sed -n 's/.*swap done in \([0-9]*\) ms.*/\1/p')
	up=$(console_line "$1" "^UPTIME " | awk '{ print $2 }')
	echo "${pivot:-?} ${swap:-?} ${up:-?} ${!wall}"
}

check_node() {
	local exp
	exp=swap-$(mac_of "$1" | tr : -)
	console_has "$1" "netswap: /dev/nbd0: 10\.0\.2\.2:$port export '$exp'" || fail "$1 did not attach $exp"
	console_has "$1" "TESTROOT: swaps=/dev/nbd0:partition" || fail "$1: no swap in the real root"
	console_has "$1" "TESTROOT: root=/dev/nbd1 ext4" || fail "$1: root is not NBD"
}

boot solo
wait_done solo 180
check_node solo
t0=$SECONDS
for n in "${nodes[@]:1}"; do boot "$n"; done
for n in "${nodes[@]:1}"; do wait_done "$n" 300; done
storm_wall=$((SECONDS - t0))
for n in "${nodes[@]:1}"; do check_node "$n"; done

printf '%-6s %10s %10s %10s %8s\n' node pivot_s swap_ms done_s wall_s
sum_pivot=0 sum_done=0
for n in "${nodes[@]}"; do
	read -r pivot swap up wall <<<"$(figures "$n")"
	printf '%-6s %10s %10s %10s %8s\n' "$n" "$pivot" "$swap" "$up" "$wall"
	[ "$n" = solo ] && { solo_pivot=$pivot solo_done=$up; continue; }
	sum_pivot=$(awk -v a="$sum_pivot" -v b="$pivot" 'BEGIN { print a + b }')
	sum_done=$(awk -v a="$sum_done" -v b="$up" 'BEGIN { print a + b }')
done
summary=$(awk -v sp="$sum_pivot" -v sd="$sum_done" -v n="$storm" -v p1="$solo_pivot" -v d1="$solo_done" 'BEGIN {
	printf "%d at once: mean kernel-to-pivot %.2f s (single %.2f s, x%.1f), kernel-to-done %.2f s (single %.2f s, x%.1f)",
		n, sp / n, p1, (sp / n) / p1, sd / n, d1, (sd / n) / d1 }')
log "$summary; all $storm done within $storm_wall s of the first start"
pass "$summary"
