#!/bin/bash
# A server named 'dhcp' that moves while the node runs: the node boots with
# netswap=nbd:dhcp:... and root=nbd:dhcp:... from a real dnsmasq (2-minute
# leases, next-server 10.0.2.2) and swaps with the verifying hog. Then the
# NBD server moves to 10.0.2.3 (stopped, and started again on the new
# address only) and dnsmasq names 10.0.2.3 as next-server from then on.
# The keeper cannot reach the old address; at the lease companion's next
# renewal net-eth0.conf says ROOTSERVER='10.0.2.3', and the keeper, which
# looks a 'dhcp' server up there before each attempt, reconnects both
# devices to it. Asserts: the keeper's "server 'dhcp' is now 10.0.2.3" and
# "connection back ... 10.0.2.3" for swap and root, dnsmasq's renewal,
# every page verified; /run/netswap, where the keeper reads net-eth0.conf
# while swap is dead, is a ramfs (never swapped out). In a network
# namespace of its own (tap0, 10.0.2.2).
. "$(dirname "$0")/../lib.sh"
netns_enter netswap-moved
tap_net_up
old=10.0.2.2 new=10.0.2.3 mac=52:54:00:00:00:33
export NBD_LISTEN=$old

# dnsmasq_on NEXT_SERVER: the DHCP server stays on $old; only the
# next-server (BOOTP siaddr, which a 'dhcp' NBD server means) changes.
dnsmasq_on() {
	dnsmasq --keep-in-foreground --port=0 --interface=tap0 --bind-interfaces --log-dhcp \
		--dhcp-range=10.0.2.100,10.0.2.150,255.255.255.0,2m --dhcp-host=$mac,10.0.2.15,node33 \
		--dhcp-boot=pxelinux.0,nbdsrv,"$1" --dhcp-leasefile="$T/leases" --log-facility="$T/dnsmasq.log" &
	DNSMASQ_PID=$!
	track_pid "$DNSMASQ_PID"
}
dnsmasq_on $old
sparse_file "$T/swap.img" 512M
nbd_server root="$TESTROOT_IMG:ro" swap="$T/swap.img"

# In the guest: a hog across the move; then, once both devices are back
# (the pattern must not match itself: dmesg holds the command line), one
# more on the moved server. No double quotes: the test is one parameter.
guest='grep " /run/netswap " /proc/mounts | sed "s/^/RUNDIR: /"; hog -m 160 -p 1 -j 2; i=0; while [ $(dmesg | grep -c "connection back afte[r]") -lt 2 ] && [ $i -lt 180 ]; do sleep 1; i=$((i+1)); done; hog -m 128 -p 1 -q'
guest=${guest//\"/\'}
# Pages wait for the move for up to a minute: the hung-task report at 120 s.
QEMU_MEM=64 QEMU_NETDEV=$TAP_NETDEV QEMU_NIC_OPTS=",mac=$mac" qemu_boot node \
	"sysctl.kernel.hung_task_timeout_secs=120 ip=dhcp netswap=nbd:dhcp:$NBD_PORT/swap root=nbd:dhcp:$NBD_PORT/root nstest=\"$guest\""
wait_console node "hog: worker 0 .*swap used [0-9]{2,}|$SWAP_BAD_RE" 300 || fail "the hog did not start swapping"
console_has node "netswap: /dev/nbd0: swap on" || fail "no swap from the 'dhcp' server $old"
# The keeper reads net-eth0.conf there while swap is dead: a tmpfs page of
# it swapped out to that swap hung the keeper in one CI run of this test.
console_has node "RUNDIR: netswap /run/netswap ramfs" ||
	fail "/run/netswap is not a ramfs: $(console_line node 'RUNDIR: ')"

log "moving the NBD server from $old to $new"
nbd_server_down
ip addr add "$new/24" dev tap0
sed -i "s/^listenaddr = .*/listenaddr = $new/" "$T/nbd-server.conf"
nbd_server_restart
signal_ours TERM "$DNSMASQ_PID"
wait "$DNSMASQ_PID" 2>/dev/null
forget_pid "$DNSMASQ_PID"
dnsmasq_on $new
moved=$SECONDS

wait_console node "keeper: /dev/nbd0 connection back after .*$new|$SWAP_BAD_RE" 150 ||
	fail "the keeper did not reconnect swap to $new within 150 s"
t_back=$((SECONDS - moved))
wait_console node "TESTROOT: done|$SWAP_BAD_RE" 420 || fail "the node did not finish"
console_has node "$SWAP_BAD_RE" && fail "while swapping: $(console_line node "$SWAP_BAD_RE")"
console_has node "netswap: eth0: DHCP lease 10\.0\.2\.15 renewed by" || fail "the lease was not renewed"
for dev in nbd0 nbd1; do
	console_has node "keeper: /dev/$dev: server 'dhcp' is now $new \(was $old\)" ||
		fail "the keeper did not look /dev/$dev's server up again"
	console_has node "keeper: /dev/$dev connection back after .*$new" || fail "/dev/$dev did not reconnect to $new"
done
console_has node "hog: RESULT FAIL" && fail "a hog run failed: $(console_line node 'hog: RESULT FAIL')"
[ "$(console_text node | grep -c 'hog: RESULT ok')" = 2 ] || fail "pages lost: $(console_line node 'hog: RESULT')"
console_text node | grep -E "keeper: .*(is now|lost|back after)|renewed by" | sed 's/^/  /'
pass "swap back on $new ${t_back} s after the server moved (at the lease's renewal); $(console_text node | grep 'hog: RESULT' | sed 's/.*hog: RESULT //' | tr '\n' ';')"
