#!/bin/bash
# tests/e2e/slurm_node.sh [OUT] - `make slurm-node`: the README's Slurm
# cgroup.conf, run by Slurm. The root of `make slurm-rootfs` (a one-node
# cluster: slurmctld, slurmd and munge on the node) boots as in
# tests/e2e/systemd_root.sh, root over NBD below rootovl, swap over NBD;
# tests/root/systemd/netswap-slurm-e2e then runs the verifying hog as
# `srun --mem=48M` jobs, each in its cgroup/v2 group
# system.slice/<node>_slurmstepd.scope/job_N:
#   within  72 MiB: swaps, stays under its swap cap, verifies every page,
#           COMPLETED
#   past   144 MiB: OOM-killed at its cap, OUT_OF_MEMORY
#   noswap  72 MiB again with AllowedSwapSpace=0 (its default)
# memory.max must be 48 MiB. memory.swap.max is what Slurm 22.05.8 writes:
# its RAM-plus-swap limit, (100 + AllowedSwapSpace)% of --mem (96 MiB,
# then 48 MiB), not the swap alone. No job's swap (memory.swap.peak, and
# memory.swap.current sampled every 0.5 s) may pass its memory.swap.max;
# the node powers off cleanly. QEMU_MEM sets the node's RAM (320 MiB).
# Six to seven minutes on TCG at host load 10: not in `make check`.
set -u
export OUT=${1:-${OUT:-out}}
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")/.." && pwd)

ROOTFS_IMG=${ROOTFS_IMG:-$OUT/rootfs-slurm.ext4}
[ -f "$ROOTFS_IMG" ] || fail "$ROOTFS_IMG missing: run make slurm-rootfs"
[ -x "$OUT/hog" ] || fail "$OUT/hog missing: run make testroot"
# The image's cgroup.conf must be the README's lines, which this test runs.
readme_conf=$(awk '/^For Slurm, `\/etc\/slurm\/cgroup.conf`/ { f = 1 } f && /^```$/ { if (n++) exit; next } f && n' "$here/../README.md")
[ -n "$readme_conf" ] && [ "$readme_conf" = "$(grep -v '^#' "$here/../rootfs/slurm/cgroup.conf")" ] ||
	fail "rootfs/slurm/cgroup.conf is not the README's cgroup.conf block"

image_copy_with "$ROOTFS_IMG" "$T/root.ext4" <<DEBUGFS
write $OUT/hog /usr/local/bin/hog
write $here/root/systemd/netswap-slurm-e2e /usr/local/sbin/netswap-slurm-e2e
write $here/root/systemd/netswap-slurm-e2e.service /etc/systemd/system/netswap-slurm-e2e.service
symlink /etc/systemd/system/multi-user.target.wants/netswap-slurm-e2e.service /etc/systemd/system/netswap-slurm-e2e.service
DEBUGFS

mem=${QEMU_MEM:-320}
sparse_file "$T/swap.img" 1G
nbd_server root="$T/root.ext4:ro" swap="$T/swap.img"
t0=$SECONDS load0=$(cut -d' ' -f1-3 /proc/loadavg)
QEMU_MEM=$mem QEMU_SMP=1 qemu_boot node \
	"ip=dhcp netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root rootovl"

at_init=- at_systemd=- at_state=- at_node=- at_within=- at_past=- at_noswap=- at_down=-
at() { # NAME REGEX SECONDS: waits, notes the wall clock in at_NAME
	wait_console node "$2" "$3" || return 1
	eval "at_$1=$((SECONDS - t0))"
}
at init "Run /init as init process" 120 || fail "the kernel did not start the init"
at systemd "systemd\[1\]: " 300 || fail "systemd did not start after the pivot"
at state "E2E: state=" 900 || fail "the system did not finish booting (no E2E: state= line)"
log "$(console_line node 'E2E: state=')"
at node "E2E: node " 900 || fail "no report of the Slurm node"
log "$(console_line node 'E2E: node ')"
at within "E2E: slurm within:" 1800 || fail "the job within its cap did not end"
log "$(console_line node 'E2E: slurm within:')"
at past "E2E: slurm past:" 1800 || fail "the job past its cap did not end"
log "$(console_line node 'E2E: slurm past:')"
at noswap "E2E: slurm noswap:" 1800 || fail "the job with AllowedSwapSpace=0 did not end"
log "$(console_line node 'E2E: slurm noswap:')"
at poweroff "E2E: poweroff at" 300 || fail "the checks did not reach the poweroff"
at down "reboot: Power down" 600 || fail "no 'reboot: Power down' after systemctl poweroff"
stop_qemu node 60
console_text node | grep 'E2E:' | sed "s/^/[$TEST_NAME] /"

# The OOM kill of the job past its cap is expected: the kernel's "Memory
# cgroup out of memory" does not match SWAP_BAD_RE, and the job's hog lines
# are renamed ("RESULT failed") or held back.
systemd_node_ok
console_has node "E2E: services: dbus=active munge=active slurmctld=active slurmd=active" || fail "$(console_line node 'E2E: services:')"
console_has node "E2E: slurm(-wlm)? 22\.05.* CgroupPlugin = cgroup/v2 " || fail "not Slurm 22.05 with cgroup/v2: $(console_line node 'E2E: slurm ')"
console_has node "E2E: node .*State=IDLE" || fail "the node did not come up idle: $(console_line node 'E2E: node ')"

# --mem=48M: memory.max 48 MiB (AllowedRAMSpace=100). Slurm computes a
# RAM-plus-swap limit of (100 + AllowedSwapSpace)% of --mem, at most
# (MaxRAMPercent + MaxSwapPercent)% of RealMemory=160 (320 MiB), and
# 22.05.8's cgroup/v2 writes that whole limit to memory.swap.max.
max=$((48 << 20))
declare -A swap_max=([within]=$((96 << 20)) [past]=$((96 << 20)) [noswap]=$((48 << 20)))
jobid() { console_line node "E2E: slurm $1:" | sed -n 's/.* job \([0-9]*\) .*/\1/p'; }
jobfield() { # RUN LEVEL NAME: a value from the job's report of its cgroup
	console_line node "E2E: job $(jobid "$1") $2 " | sed -n "s/.* $3=\([0-9a-z-]*\).*/\1/p"
}
slurmfield() { console_line node "E2E: slurm $1:" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
for run in within past noswap; do
	cap=${swap_max[$run]}
	[ "$(jobfield $run job memory.max)" = $max ] && [ "$(jobfield $run job memory.swap.max)" = "$cap" ] ||
		fail "$run: the job's cgroup is not memory.max $max, memory.swap.max $cap: $(console_line node "E2E: job $(jobid $run) job ")"
	peak=$(jobfield $run job memory.swap.peak) current=$(slurmfield $run max)
	[ -n "$peak" ] && [ "$peak" -le "$cap" ] || fail "$run: the job had $peak bytes in swap, its cap is $cap"
	[ "${current:-x}" -le "$cap" ] || fail "$run: memory.swap.current reached $current, its cap is $cap"
	# swapped for real: the RAM of the job over --mem went out over NBD
	[ "$peak" -gt $((16 << 20)) ] || fail "$run: the job hardly swapped ($peak bytes): the check proves nothing"
done
for run in within noswap; do
	[ "$(jobfield $run job oom_kill)" = 0 ] || fail "$run: an OOM kill in the job: $(console_line node "E2E: job $(jobid $run) job ")"
	console_has node "E2E: job $(jobid $run): hog_rc=0 cgroup=/system.slice/([a-z0-9-]+_)?slurmstepd.scope/job_$(jobid $run)/step_0/user/task_0 hog: RESULT ok" ||
		fail "$run: the hog did not verify every page in the job's cgroup: $(console_line node "E2E: job $(jobid $run): hog_rc")"
	console_has node "E2E: slurm $run: job [0-9]+ JobState=COMPLETED Reason=None ExitCode=0:0" || fail "$run: $(console_line node "E2E: slurm $run:")"
done
[ "$(jobfield past job oom_kill)" -ge 1 ] || fail "past: no OOM kill in the job past its cap: $(console_line node "E2E: job $(jobid past) job ")"
console_has node "E2E: slurm past: job [0-9]+ JobState=OUT_OF_MEMORY Reason=OutOfMemory" || fail "past: Slurm did not report OUT_OF_MEMORY: $(console_line node 'E2E: slurm past:')"

log "wall clock: Run /init at $at_init s, systemd at $at_systemd s, booted at $at_state s, node up at $at_node s," \
	"jobs done at $at_within, $at_past and $at_noswap s, Power down at $at_down s"
for run in within past noswap; do
	log "$run: job $(jobid $run) memory.max $(($(jobfield $run job memory.max) >> 20)) MiB, memory.swap.max $(($(jobfield $run job memory.swap.max) >> 20)) MiB," \
		"memory.peak $(($(jobfield $run job memory.peak) >> 10)) KiB, swap.peak $(($(jobfield $run job memory.swap.peak) >> 10)) KiB," \
		"swap.current at most $(($(slurmfield $run max) >> 10)) KiB, oom_kill $(jobfield $run job oom_kill)," \
		"$(slurmfield $run JobState) $(slurmfield $run ExitCode) in $(slurmfield $run seconds) s; step_0/user: memory.max $(jobfield $run step memory.max) memory.swap.max $(jobfield $run step memory.swap.max)"
	log "$run: $(console_line node "E2E: job $(jobid $run): hog_rc" | sed 's/.*\(hog_rc=[0-9]*\).*\(hog: RESULT.*\)/\1 \2/')"
done
log "host load (1, 5, 15 min): at the start $load0, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
pass "Slurm 22.05 held --mem=48M jobs to memory.max 48 MiB and memory.swap.max 96 MiB (48 with AllowedSwapSpace=0); 72 MiB verified, 144 MiB OUT_OF_MEMORY"
