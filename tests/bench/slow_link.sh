#!/bin/bash
# tests/bench/slow_link.sh - a node swapping over a slow but alive link
# (1 Mbit/s each way, tc tbf on a veth between two network namespaces this
# script creates and deletes), conns=4, with the default request timeout.
# Prints how long the longest request took (the kernel's "Possible stuck"
# and "timed out" lines, and the keeper's reconnects): a request timeout
# that fires here would make the keeper reconnect in a storm. A run to
# read, not a pass/fail test of speed; it fails on a reconnect, a hang,
# an I/O error or a lost page. RATE=, CONNS=, SMP=, SECS= and TIMEOUT=
# (the request timeout, default 30 s) change it.
. "$(dirname "$0")/../lib.sh"
rate=${RATE:-1mbit} conns=${CONNS:-4} secs=${SECS:-240}
gw=netswap-slowgw-$$ srv=netswap-slowsrv-$$

ns_cleanup() {
	cleanup
	local p
	for p in $(ip netns pids "$srv" 2>/dev/null) $(ip netns pids "$gw" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
	ip netns del "$gw" 2>/dev/null
	ip netns del "$srv" 2>/dev/null
}
trap ns_cleanup EXIT

ip netns add "$gw" && ip netns add "$srv" || fail "cannot create network namespaces (needs root)"
ip -n "$gw" link set lo up
ip -n "$srv" link set lo up
ip -n "$gw" tuntap add tap0 mode tap || fail "cannot create tap0"
ip -n "$gw" addr add 10.78.1.1/24 dev tap0
ip -n "$gw" link set tap0 up
ip -n "$gw" link add veth0 type veth peer name veth1 netns "$srv"
ip -n "$gw" addr add 10.78.2.1/24 dev veth0
ip -n "$gw" link set veth0 up
ip -n "$srv" addr add 10.78.2.2/24 dev veth1
ip -n "$srv" link set veth1 up
ip -n "$srv" route add 10.78.1.0/24 via 10.78.2.1
ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
# 1 Mbit/s each way, with a queue of half a second as a DSL line has
for side in "$gw veth0" "$srv veth1"; do
	set -- $side
	ip netns exec "$1" tc qdisc add dev "$2" root tbf rate "$rate" burst 4kb latency 500ms ||
		fail "tc tbf on $2 failed"
done

sparse_file "$T/swap.img" 512M
sparse_file "$T/root.img" 64M
cp "$TESTROOT_IMG" "$T/root.img"
conf=$T/nbd-server.conf
cat >"$conf" <<CONF
[generic]
listenaddr = 10.78.2.2
port = 10809
allowlist = true
[root]
exportname = $T/root.img
readonly = true
[swap]
exportname = $T/swap.img
readonly = false
CONF
ip netns exec "$srv" nbd-server -C "$conf" -p "$T/nbd-server.pid" >"$T/nbd-server.log" 2>&1 || fail "nbd-server did not start"
for _ in $(seq 50); do [ -s "$T/nbd-server.pid" ] && break; sleep 0.1; done
track_pid "$(cat "$T/nbd-server.pid")"

QEMU_WRAP="ip netns exec $gw" QEMU_NETDEV="tap,id=n0,ifname=tap0,script=no,downscript=no" \
	QEMU_SMP=${SMP:-2} QEMU_MEM=64 qemu_boot node \
	"ip=10.78.1.2::10.78.1.1:255.255.255.0::eth0:off netswap=nbd:10.78.2.2:10809/swap:conns=$conns${TIMEOUT:+,timeout=$TIMEOUT} root=nbd:10.78.2.2:10809/root nstest=\"hog -m 160 -p 1 -j 4 -o random\""
wait_console node "hog: worker 0 .*swap used [0-9]{2,}" 900 || fail "the hog did not start swapping"
log "swapping over $rate; watching for $secs s"
sleep "$secs"
console_has node "$SWAP_BAD_RE" && fail "$(console_line node "$SWAP_BAD_RE")"
timeouts=$(console_text node | grep -c "timed out")
stuck=$(console_text node | grep -c "Possible stuck")
reconnects=$(console_text node | grep -c "keeper: .* lost")
used=$(console_text node | grep -o 'swap used [0-9]*' | tail -n1)
console_text node | grep -E "timed out|keeper: .*(lost|back)" | head -n 20 | sed 's/^/  /'
[ "$reconnects" = 0 ] || fail "$reconnects reconnects on a slow but alive link ($timeouts request timeouts)"
pass "$rate, conns=$conns, smp=${SMP:-2}, timeout=${TIMEOUT:-30}: $secs s of swapping, last $used MiB, $timeouts request timeouts, $stuck stuck warnings, 0 reconnects"
