#!/bin/bash
# tests/e2e/systemd_root.sh [OUT] - `make systemd-root`: the Debian root of
# `make rootfs` boots under systemd with the README's command line for it:
# root over NBD read-only below a tmpfs overlay (rootovl), swap over NBD.
# It must reach multi-user.target with systemd "running" (failed units are
# printed), see the swap as active units that its shutdown leaves alone,
# keep the keeper and the boot NIC's address, count a server restart in
# the keeper's metrics and netswap-check, pass the verifying hog at
# 2.5x RAM, hold a scope with MemorySwapMax=16M to 16 MiB of swap while
# one without swaps more, and power off through `systemctl poweroff`
# with pages still in swap and in the overlay: no hung task, no NBD I/O
# error, "reboot: Power down" reached.
# SYSTEMD_ROOT_END=reboot ends with `systemctl reboot` instead (QEMU runs
# with -no-reboot: "reboot: Restarting system" is the end).
# ROOT_MODE=ro boots the root read-only, without the overlay (default
# overlay); SYSTEMD_ROOT_OPTS= adds words to the command line
# (rootovl=64M). Prints the boot time from "Run /init" to systemd's start
# and to multi-user.target, and how long the shutdown took. Several
# minutes on TCG: not part of `make check`.
set -u
export OUT=${1:-${OUT:-out}}
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")/.." && pwd)

ROOTFS_IMG=${ROOTFS_IMG:-$OUT/rootfs.ext4}
[ -f "$ROOTFS_IMG" ] || fail "$ROOTFS_IMG missing: run make rootfs"
[ -x "$OUT/hog" ] || fail "$OUT/hog missing: run make testroot"

# The test's own copy of the image, with the hog and the checks in it
# (debugfs: no mount on the host). The node never writes to it (rootovl).
image_copy_with "$ROOTFS_IMG" "$T/root.ext4" <<DEBUGFS
write $OUT/hog /usr/local/bin/hog
write $here/root/systemd/netswap-e2e /usr/local/sbin/netswap-e2e
write $here/root/systemd/netswap-e2e.service /etc/systemd/system/netswap-e2e.service
symlink /etc/systemd/system/multi-user.target.wants/netswap-e2e.service /etc/systemd/system/netswap-e2e.service
DEBUGFS

mem=${QEMU_MEM:-192}
sparse_file "$T/swap.img" 1G
nbd_server root="$T/root.ext4:ro" swap="$T/swap.img"
# The README's line for a real root (ROOT_MODE=overlay), on QEMU's network
append="ip=dhcp netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root"
case ${ROOT_MODE:-overlay} in
overlay) append+=" rootovl" ;;
ro) ;;
*) fail "ROOT_MODE=$ROOT_MODE: expected overlay (a tmpfs overlay on the read-only root) or ro" ;;
esac
append+=" ${SYSTEMD_ROOT_OPTS:-}"
end=${SYSTEMD_ROOT_END:-poweroff}
case $end in poweroff) down_re="reboot: Power down" ;; reboot) down_re="reboot: Restarting system" ;;
*) fail "SYSTEMD_ROOT_END=$end: expected poweroff or reboot" ;; esac
t0=$SECONDS load0=$(cut -d' ' -f1-3 /proc/loadavg)
QEMU_MEM=$mem QEMU_SMP=${QEMU_SMP:-1} qemu_boot node "$append${SYSTEMD_ROOT_END:+ netswap_e2e_end=$end}"

# wall-clock marks, for what has no kernel timestamp
at_init=- at_systemd=- at_state=- at_poweroff=- at_down=-
mark() { # NAME REGEX SECONDS
	wait_console node "$2" "$3" || return 1
	eval "at_$1=$((SECONDS - t0))"
}
mark init "Run /init as init process" 120 || fail "the kernel did not start the init"
mark systemd "systemd\[1\]: " 300 || fail "systemd did not start after the pivot"
mark state "E2E: state=" 600 || fail "the system did not finish booting (no E2E: state= line)"
wait_console node "E2E: ready for the server restart" 300 || fail "the checks did not get to the server restart"
nbd_server_down
sleep 2
nbd_server_restart
log "nbd-server restarted"
log "$(console_line node 'E2E: state=')"
console_text node | grep 'E2E: failed unit' | sed "s/^/[$TEST_NAME] /"
mark poweroff "E2E: $end at" 900 || fail "the checks did not reach the $end"
mark down "$down_re" 600 || fail "no '$down_re' after systemctl $end"
stop_qemu node 60
console_text node | grep 'E2E:' | sed "s/^/[$TEST_NAME] /"

systemd_node_ok
# with rootovl, the overlay must be the root and hold writes
if [[ $append == *rootovl* && $append != *rootovl=0* ]]; then
	console_has node "E2E: root=overlay overlay rw," || fail "the root is not the overlay: $(console_line node 'E2E: root=')"
	console_has node "E2E: root writable: written" || fail "the root is not writable"
	upper=$(console_line node 'E2E: swap used before poweroff' | sed -n 's/.*overlay upper \([0-9]*\) MiB.*/\1/p')
	[ "${upper:-0}" -ge $((mem / 8)) ] || fail "the overlay does not hold what was written to it: $(console_line node 'E2E: swap used before')"
else
	console_has node "E2E: root=/dev/nbd1 ext4 ro," || fail "the root is not the read-only NBD root: $(console_line node 'E2E: root=')"
fi
console_has node "E2E: swaps=/dev/nbd0( |$)" || fail "swap not active under systemd: $(console_line node 'E2E: swaps=')"
console_has node "E2E: swap unit dev-nbd0.swap active DefaultDependencies=no FragmentPath=/run/systemd/generator/dev-nbd0.swap" ||
	fail "swap is not the generator's unit without default dependencies: $(console_line node 'E2E: swap unit')"
console_has node "E2E: keeper-service=active boot-nic-service=active" || fail "$(console_line node 'E2E: keeper-service')"
console_has node "E2E: keepers=.*@netswap-keeper" || fail "no @netswap-keeper: $(console_line node 'E2E: keepers=')"
console_has node "E2E: addr=10\.0\.2\.15/24 route=default via 10\.0\.2\.2" || fail "the boot NIC lost its address or route: $(console_line node 'E2E: addr=')"
console_has node 'E2E: metrics: 1[0-9] series, netswap_nbd_connected\{device="nbd0",server="10\.0\.2\.2:[0-9]+",export="swap"\} 1 netswap_nbd_connected\{device="nbd1".*\} 1' ||
	fail "no metrics of both devices, connected: $(console_line node 'E2E: metrics:')"
console_has node "E2E: netswap-check rc=0" || fail "netswap-check failed on a healthy node: $(console_text node | grep -B1 'netswap-check rc=' | head -n 2 | tr '\n' ' ')"
console_has node 'E2E: metrics after the hog: netswap_nbd_read_bytes_total [1-9][0-9]{7,} netswap_nbd_written_bytes_total [1-9][0-9]{7,}' ||
	fail "the metrics do not count the hog's swap traffic: $(console_line node 'E2E: metrics after')"
console_has node 'E2E: after the restart: netswap_nbd_connected\{device="nbd0"\} 1 netswap_nbd_connected\{device="nbd1"\} 1 netswap_nbd_reconnects_total\{device="nbd0"\} [1-9][0-9]* netswap_nbd_reconnects_total\{device="nbd1"\} [1-9]' ||
	fail "the metrics do not show both devices reconnected after the server restart: $(console_line node 'E2E: after the restart')"
console_has node 'E2E: netswap-check after the restart: netswap: device=nbd[01] .* reconnected [0-9]+ s ago \([0-9]+ reconnect\(s\)\); its link or server is unreliable rc=1' ||
	fail "netswap-check did not report the reconnect: $(console_line node 'netswap-check after')"
# memory.swap.max, through systemd (MemorySwapMax=) as a scheduler sets it
controllers=$(console_line node 'E2E: cgroup controllers=' | sed 's/.*controllers=//')
for c in memory pids cpu cpuset io; do
	[[ " ${controllers% system.slice=*} " == *" $c "* ]] || fail "no $c controller in cgroup.controllers: $controllers"
done
cgfield() { # SCOPE NAME: a number from the scope's line
	console_line node "E2E: cgroup $1:" | sed -n "s/.* $2=\([0-9]*\).*/\1/p"
}
cap=$((16 << 20)) peak=$(cgfield capped swap.peak) free_peak=$(cgfield free swap.peak)
[ "$(cgfield capped swap.max)" = "$cap" ] || fail "MemorySwapMax=16M did not set memory.swap.max: $(console_line node 'E2E: cgroup capped:')"
[ -n "$peak" ] && [ -n "$free_peak" ] || fail "no memory.swap.peak: $(console_text node | grep 'E2E: cgroup' | tr '\n' ' ')"
[ "$peak" -le "$cap" ] || fail "the scope capped at 16 MiB of swap had $peak bytes in swap"
[ "$peak" -gt $((cap / 2)) ] || fail "the capped scope hardly swapped ($peak bytes): the check proves nothing"
[ "$(cgfield capped oom_kill)" -ge 1 ] && [ "$(cgfield capped hog_rc)" != 0 ] ||
	fail "the capped scope's hog was not OOM-killed: $(console_line node 'E2E: cgroup capped:')"
[ "$free_peak" -gt "$cap" ] || fail "the scope without a swap limit swapped only $free_peak bytes"
[ "$(cgfield free hog_rc)" = 0 ] || fail "the uncapped scope's hog failed: $(console_line node 'E2E: cgroup free:')"
console_has node "hog: RESULT ok" || fail "the hog did not verify every page: $(console_line node 'hog: RESULT')"
console_has node "E2E: hog rc=0" || fail "the hog failed"
used=$(console_line node 'E2E: swap used before poweroff' | sed 's/.*poweroff: \([0-9]*\) MiB.*/\1/')
[ "${used:-0}" -gt 0 ] || fail "no pages in swap at poweroff: $(console_line node 'E2E: swap used')"

# The kernel's clock: "Run /init" and "Power down" lines carry printk
# times; systemd reports its own start and multi-user.target on the same
# monotonic clock.
ktime() { console_line node "$1" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'; }
run_init=$(ktime "Run /init as init process")
power_down=$(ktime "$down_re")
sd_start=$(ktime "systemd\[1\]: ")
mu=$(console_line node 'E2E: systemd-started=' | sed 's/.*multi-user=\([0-9.]*\).*/\1/')
poweroff_at=$(console_line node "E2E: $end at" | sed "s/.*$end at \([0-9.]*\).*/\1/")
figures=$(awk -v r="$run_init" -v s="$sd_start" -v m="$mu" -v p="$poweroff_at" -v d="$power_down" -v mem="$mem" -v end="$end" 'BEGIN {
	printf "%d MiB node: Run /init to systemd %.1f s, to multi-user.target %.1f s; systemctl %s to its end %.1f s", mem, s - r, m - r, end, d - p }')
log "wall clock: Run /init at ${at_init} s, systemd at ${at_systemd} s, state at ${at_state} s, poweroff at ${at_poweroff} s, Power down at ${at_down} s"
log "$(console_line node 'hog: RESULT')"
log "memory.swap.peak: capped at 16 MiB $((peak >> 10)) KiB (OOM-killed), uncapped $((free_peak >> 10)) KiB"
log "host load (1, 5, 15 min): at the start $load0, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
pass "$figures"
