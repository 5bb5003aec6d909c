#!/bin/bash
# Bad input end to end: each case boots a node with one thing wrong and
# asserts the console names the problem and the configured policy follows
# (retry with backoff, a rescue shell, or a reboot); never a kernel panic.
. "$(dirname "$0")/../lib.sh"

sparse_file "$T/swap.img" 64M
head -c 1024 /dev/zero >"$T/tiny.img"
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img" tiny="$T/tiny.img" rootro="$T/swap.img:ro"
fake() { # MODE: a broken server on FAKE_PORT (run here, not in $(): PIDS must grow)
	FAKE_PORT=$(free_port)
	python3 "$(dirname "$0")/../fake_nbd.py" "$FAKE_PORT" "$1" >>"$T/fake.log" 2>&1 &
	track_pid $!
}
fake close-greeting; p_close=$FAKE_PORT
fake oversized; p_big=$FAKE_PORT
fake oldstyle; p_old=$FAKE_PORT
sleep 0.5
S="10.0.2.2:$NBD_PORT"
ROOT="root=nbd:$S/root"
RETRY="retrying in [0-9]+ s \(attempt [0-9]+, netswap.onfail=retry\)"

# name | kernel command line | the message naming the problem | the policy that follows
cases=(
	"badport|netswap=nbd:10.0.2.2:99999 $ROOT|bad parameter netswap=nbd:10.0.2.2:99999: bad port '99999', expected 1-65535|$RETRY"
	"badip|ip=10.0.2.300::10.0.2.2:255.255.255.0::eth0:off netswap=nbd:$S/swap $ROOT|bad parameter ip=10.0.2.300.*client-ip|$RETRY"
	"badopt|netswap=nbd:$S/swap:prio=high $ROOT|bad parameter netswap=.*prio|$RETRY"
	"ipv6|netswap=nbd:[fd00::1]:10809/swap $ROOT|bad parameter netswap=nbd:\\[fd00::1\\]:10809/swap: IPv6 server '\\[fd00::1\\]' is not supported yet \\(IPv4 only\\)|$RETRY"
	"badonfail|netswap.onfail=sometimes netswap=nbd:$S/swap $ROOT|bad parameter netswap.onfail=sometimes.*retry, shell or reboot|$RETRY"
	"refused|netswap=nbd:$S/nosuchexport $ROOT|server refused export 'nosuchexport': NBD_REP_ERR_UNKNOWN|$RETRY"
	"closed|netswap=nbd:10.0.2.2:$p_close/swap $ROOT|export 'swap': NBD handshake: connection closed by the server|$RETRY"
	"oversized|netswap=nbd:10.0.2.2:$p_big/swap $ROOT|export 'swap': option reply .* announces 1073741824 bytes, expected at most|$RETRY"
	"oldstyle|netswap=nbd:10.0.2.2:$p_old/swap $ROOT|server speaks oldstyle NBD, not supported|$RETRY"
	"tiny|netswap=nbd:$S/tiny $ROOT|too small for swap; expected at least 10 pages|$RETRY"
	"readonly|netswap=nbd:$S/rootro $ROOT|export 'rootro' is read-only; swap needs a writable export|$RETRY"
	"noserver|netswap=nbd:10.0.2.2:1/swap netswap.timeout=3 $ROOT|nbd 10.0.2.2:1: cannot connect: Connection refused|$RETRY"
	"noinit|netswap=nbd:$S/swap $ROOT init=/sbin/nosuchinit|init=/sbin/nosuchinit is missing or not executable|$RETRY"
	"noroot|netswap=nbd:$S/swap|root= is missing; expected root=nbd:|$RETRY"
	"reboot|netswap=nbd:$S/nosuchexport $ROOT netswap.onfail=reboot|server refused export 'nosuchexport'|rebooting in 5 s \(netswap.onfail=reboot\)"
	"noshell|netswap=nbd:$S/nosuchexport $ROOT netswap.onfail=shell|server refused export 'nosuchexport'|no rescue shell \(build it with make initramfs RESCUE=1\); retrying in"
)

check_case() { # name message policy
	local name=$1
	if ! wait_console "$name" "netswap: .*$2" 90 || ! wait_console "$name" "netswap: .*$3" 30; then
		echo "---- $name console ----"
		console_text "$name" | grep -E "netswap|Kernel panic" | tail -n 6
		return 1
	fi
	if console_has "$name" "Kernel panic"; then
		echo "$name: kernel panic"
		return 1
	fi
	log "$name: $(console_line "$name" "netswap: .*$2" | sed 's/.*netswap: //' | cut -c1-150)"
}

failed=()
batch=()
run_batch() {
	local c name append msg policy then pidvar
	for c in "${batch[@]}"; do
		IFS='|' read -r name append msg policy then <<<"$c"
		check_case "$name" "$msg" "$policy" || failed+=("$name")
		# An optional fifth field: what must follow the policy on the
		# console (read before the guest is stopped).
		[ -z "$then" ] || wait_console "$name" "$then" 60 || failed+=("$name-then")
		pidvar="QEMU_PID_$name"
		signal_ours TERM "${!pidvar}"
	done
	batch=()
}
for c in "${cases[@]}"; do
	IFS='|' read -r name append _ <<<"$c"
	QEMU_MEM=64 qemu_boot "$name" "$append"
	batch+=("$c")
	[ ${#batch[@]} -ge 3 ] && run_batch
done
run_batch
# No DHCP server at all: a NIC on a UDP socket nobody listens to.
QEMU_MEM=64 QEMU_NETDEV="socket,id=n0,udp=127.0.0.1:$(free_port),localaddr=127.0.0.1:$(free_port)" \
	qemu_boot nodhcp "netswap.timeout=3 netswap=nbd:$S/swap $ROOT"
# A rescue shell when the initramfs has one (make initramfs RESCUE=1).
make -s initramfs RESCUE=1 OUT="$T/rescue" >"$T/rescue.log" 2>&1 || fail "make initramfs RESCUE=1 failed"
QEMU_MEM=64 INITRD=$T/rescue/initramfs.img qemu_boot shell "netswap=nbd:$S/nosuchexport $ROOT netswap.onfail=shell"
batch=("nodhcp|-|no DHCP answer on 1 interface\\(s\\) within netswap.timeout=3 s|network failed; $RETRY"
	"shell|-|server refused export 'nosuchexport'|starting a rescue shell on the console, exit it to retry|^/ # |~ # ")
run_batch
[ ${#failed[@]} = 0 ] || fail "cases without the expected message and policy: ${failed[*]}"
pass "$((${#cases[@]} + 2)) bad inputs answered with a message and the policy"
