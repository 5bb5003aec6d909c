#!/bin/bash
# The pivot is one-way. init= names a file that passes every check (it is
# there and executable) but cannot be executed (its interpreter is
# missing), so exec fails after the initramfs was deleted. The init must
# not loop back into a retry that can no longer work, nor start a second
# keeper: it says why and reboots (with the default netswap.onfail=retry,
# since only a new boot can retry now; QEMU runs with
# -no-reboot, so the guest ends).
. "$(dirname "$0")/../lib.sh"

sparse_file "$T/swap.img" 64M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"
QEMU_MEM=128 qemu_boot node "netswap=nbd:10.0.2.2:$NBD_PORT/swap root=nbd:10.0.2.2:$NBD_PORT/root init=/sbin/badinit"
wait_console node "rebooting in 5 s|retrying in" 180 || fail "no word after the failed exec"
console_has node "root: exec /sbin/badinit: " || fail "the exec failure was not logged"
console_has node "switching to the real root failed after the initramfs was given up; rebooting in 5 s" ||
	fail "no final action: $(console_line node 'switching to the real root')"
pidvar=QEMU_PID_node
for _ in $(seq 60); do alive "${!pidvar}" || break; sleep 0.5; done
alive "${!pidvar}" && fail "the guest did not reboot"
keepers=$(console_text node | grep -c "keeper: pid [0-9]* keeps")
[ "$keepers" = 1 ] || fail "$keepers keepers started, expected 1"
console_has node "Kernel panic" && fail "$(console_line node 'Kernel panic')"
pass "$(console_line node 'root: exec /sbin/badinit' | sed 's/.*netswap: //'); one keeper; rebooted"
