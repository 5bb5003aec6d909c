#!/bin/bash
# Bad input end to end: each case boots a node with one thing wrong and
# asserts the console names the problem and the configured policy follows
# (retry with backoff, a rescue shell, or a reboot); never a kernel panic.
. "$(dirname "$0")/../lib.sh"

sparse_file "$T/swap.img" 64M
head -c 1024 /dev/zero >"$T/tiny.img"
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img" tiny="$T/tiny.img" rootro="$T/swap.img:ro"
fake() { # MODE -> port
	local port
	port=$(free_port)
	python3 "$(dirname "$0")/../fake_nbd.py" "$port" "$1" &
	PIDS+=($!)
	echo "$port"
}
p_close=$(fake close-greeting) p_big=$(fake oversized) p_old=$(fake oldstyle)
S="10.0.2.2:$NBD_PORT"
ROOT="root=nbd:$S/root"
RETRY="retrying in [0-9]+ s"

# name | kernel command line | what the console must show
cases=(
	"badport|netswap=nbd:10.0.2.2:99999 $ROOT|bad parameter netswap=nbd:10.0.2.2:99999: .*expected.*$RETRY"
	"badip|ip=10.0.2.300::10.0.2.2:255.255.255.0::eth0:off netswap=nbd:$S/swap $ROOT|bad parameter ip=10.0.2.300.*client-ip.*"
	"badopt|netswap=nbd:$S/swap:prio=high $ROOT|bad parameter netswap=.*prio.*"
	"badonfail|netswap.onfail=sometimes netswap=nbd:$S/swap $ROOT|bad parameter netswap.onfail=sometimes.*retry, shell or reboot"
	"refused|netswap=nbd:$S/nosuchexport $ROOT|export 'nosuchexport'.*(refused|unknown|UNKNOWN).*$RETRY"
	"closed|netswap=nbd:10.0.2.2:$p_close/swap $ROOT|nbd 10.0.2.2:$p_close export 'swap': .*$RETRY"
	"oversized|netswap=nbd:10.0.2.2:$p_big/swap $ROOT|nbd 10.0.2.2:$p_big export 'swap': .*(too long|oversized|exceeds|larger).*$RETRY"
	"oldstyle|netswap=nbd:10.0.2.2:$p_old/swap $ROOT|oldstyle.*$RETRY"
	"tiny|netswap=nbd:$S/tiny $ROOT|(too small for swap|smaller than|size).*$RETRY"
	"readonly|netswap=nbd:$S/rootro $ROOT|is read-only; swap needs a writable export.*$RETRY"
	"noserver|netswap=nbd:10.0.2.2:1/swap netswap.timeout=3 $ROOT|cannot connect: Connection refused.*$RETRY"
	"noinit|netswap=nbd:$S/swap $ROOT init=/sbin/nosuchinit|init=/sbin/nosuchinit is missing or not executable.*$RETRY"
	"noroot|netswap=nbd:$S/swap|root= is missing.*$RETRY"
	"reboot|netswap=nbd:$S/nosuchexport $ROOT netswap.onfail=reboot|rebooting in 5 s \(netswap.onfail=reboot\)"
	"noshell|netswap=nbd:$S/nosuchexport $ROOT netswap.onfail=shell|no rescue shell.*RESCUE=1.*retrying in"
)

check_case() { # name regex
	local name=$1 re=$2
	if ! wait_console "$name" "$re" 120; then
		echo "---- $name console ----"; grep -E "netswap|Kernel panic" "$T/$name.console" | tail -n 8
		return 1
	fi
	if console_has "$name" "Kernel panic|end Kernel panic"; then
		echo "$name: kernel panic"; return 1
	fi
	return 0
}

failed=()
batch=()
run_batch() {
	local c name re
	for c in "${batch[@]}"; do
		name=${c%%|*} re=${c##*|}
		check_case "$name" "$re" || failed+=("$name")
		local pidvar="QEMU_PID_$name"
		kill "${!pidvar}" 2>/dev/null
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
# the reboot case must have ended QEMU (-no-reboot turns a reboot into exit)
[ ${#failed[@]} = 0 ] || fail "cases without the expected message and policy: ${failed[*]}"
pass "${#cases[@]} bad inputs answered with a message and the policy"
