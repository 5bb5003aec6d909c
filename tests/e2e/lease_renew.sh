#!/bin/bash
# A node boots with the README's default command line (ip=dhcp, swap and
# root over NBD) from a real dnsmasq that gives 2-minute leases (its
# shortest), and swaps with the verifying hog while its lease companion
# (@netswap-lease) renews the lease at T1; the companion is then killed
# and started again from the real root, and renews at once. Asserts:
# dnsmasq logged
# the renewals (DHCPREQUEST and DHCPACK from the node's MAC), the address
# is still on eth0 (permanent), /run/netswap/net-eth0.conf was rewritten
# at the last renewal, the companion lives in the real root, and every
# page verified. The test runs in a network namespace of its own: a bridge
# with dnsmasq and nbd-server on 10.78.0.1 and the node on a tap port.
. "$(dirname "$0")/../lib.sh"

if [ -z "${LEASE_NS:-}" ]; then
	ns=netswap-lease-$$
	ip netns add "$ns" || fail "cannot create network namespace $ns (needs root)"
	# whatever still runs in the namespace after the inner test is ours
	AT_EXIT+=("for p in \$(ip netns pids $ns); do kill -9 \$p; done; ip netns del $ns")
	ip netns exec "$ns" env LEASE_NS="$ns" OUT="$OUT" bash "$0"
	exit $?
fi

server=10.78.0.1 node_ip=10.78.0.21 mac=52:54:00:00:00:21
ip link set lo up
ip link add br0 type bridge
ip addr add "$server/24" dev br0
ip link set br0 up
ip tuntap add tap0 mode tap || fail "cannot create tap0 (is /dev/net/tun there?)"
ip link set tap0 master br0 up

dnsmasq --keep-in-foreground --port=0 --interface=br0 --bind-interfaces --log-dhcp \
	--dhcp-range=10.78.0.100,10.78.0.150,255.255.255.0,2m --dhcp-host=$mac,$node_ip,node21 \
	--dhcp-leasefile="$T/leases" --log-facility="$T/dnsmasq.log" &
track_pid $!
sparse_file "$T/swap.img" 512M
NBD_LISTEN=$server nbd_server root="$TESTROOT_IMG:ro" swap-52-54-00-00-00-21="$T/swap.img"

# In the guest: hog runs until the init's companion has renewed once;
# then the companion is killed and started again from the real root as
# the README says (/run/netswap/init lease), which renews at once and
# rewrites net-eth0.conf; one more hog run, then what the real root sees. No double quotes (the whole
# test is one quoted kernel parameter); the grep pattern must not match
# itself (dmesg holds the command line too).
renewed='$(dmesg | grep -c "netswap: eth0: DHCP lease .* renewed[ ]by")'
hog='hog -m 150 -p 1 -j 2 -q'
guest="n=0; while [ $renewed -lt 1 ]; do $hog || break; n=\$((n+1)); done;"
guest+=' kill -9 $(grep -l "^@netswap-lease$" /proc/[0-9]*/comm | cut -d/ -f3); /run/netswap/init lease &'
guest+=" i=0; while [ $renewed -lt 2 ] && [ \$i -lt 30 ]; do sleep 1; i=\$((i+1)); done;"
guest+=' echo LEASETEST: conf age $(( $(date +%s) - $(stat -c %Y /run/netswap/net-eth0.conf) )) s;'
guest+=" $hog && n=\$((n+1));"
guest=${guest//\"/\'}
guest+=' echo LEASETEST: hog runs $n;'
guest+=' echo LEASETEST: $(ip -4 addr show dev eth0 | grep inet);'
guest+=' echo LEASETEST: companions $(grep -l @netswap-lease /proc/[0-9]*/comm | wc -l);'
guest+=' sed s/^/LEASETEST:conf:/ /run/netswap/net-eth0.conf'
t0=$SECONDS
QEMU_MEM=64 QEMU_NETDEV="tap,id=n0,ifname=tap0,script=no,downscript=no" QEMU_NIC_OPTS=",mac=$mac" \
	qemu_boot node "ip=dhcp netswap=nbd:$server:$NBD_PORT/swap-\${mac} root=nbd:$server:$NBD_PORT/root nstest=\"$guest\""
wait_console node "TESTROOT: done|$SWAP_BAD_RE" 420 || fail "the node did not finish within 7 min"
console_has node "$SWAP_BAD_RE" && fail "while swapping: $(console_line node "$SWAP_BAD_RE")"
console_has node "netswap: eth0: DHCP lease ${node_ip//./\\.}/24" || fail "no DHCP lease at boot"
console_has node "hog: RESULT ok" || fail "pages lost: $(console_line node 'hog: RESULT')"
console_has node "hog: RESULT FAIL" && fail "a hog run failed: $(console_line node 'hog: RESULT FAIL')"
console_has node "TESTROOT: swaps=/dev/nbd0:partition" || fail "no swap in the real root"

console_has node "netswap: eth0: keeping the DHCP lease of ${node_ip//./\\.} \(120 s\): renewal at 60 s" ||
	fail "the companion started again from the real root did not take the lease from net-eth0.conf"
[ "$(console_text node | grep -c 'netswap: eth0: keeping the DHCP lease')" = 2 ] || fail "the companion was not started again"
renewals=$(console_text node | grep -c "netswap: eth0: DHCP lease ${node_ip//./\\.} renewed by $server for 120 s")
[ "$renewals" -ge 2 ] || fail "the companions logged $renewals renewal(s), expected 2"
# The first renewal at T1 (60 s, a unicast to the server), not at T2 (105 s)
stamp() { console_line node "$1" | sed -E 's/^\[ *([0-9]+)\..*/\1/'; }
t_lease=$(stamp "netswap: eth0: DHCP lease ${node_ip//./\\.}/24")
t_renew=$(stamp "netswap: eth0: DHCP lease ${node_ip//./\\.} renewed by")
[ $((t_renew - t_lease)) -ge 55 ] && [ $((t_renew - t_lease)) -le 75 ] ||
	fail "first renewal $((t_renew - t_lease)) s after the lease, expected at T1 (60 s)"
acks=$(grep -c "DHCPACK(br0) $node_ip $mac" "$T/dnsmasq.log")
reqs=$(grep -c "DHCPREQUEST(br0) $node_ip $mac" "$T/dnsmasq.log")
# one REQUEST/ACK at boot, one per renewal
[ "$acks" -ge 3 ] && [ "$reqs" -ge 3 ] || fail "dnsmasq logged $reqs DHCPREQUEST and $acks DHCPACK from $mac, expected 3 or more"
console_has node "LEASETEST: inet ${node_ip//./\\.}/24 .*eth0" || fail "the address left eth0: $(console_line node 'LEASETEST: inet')"
console_has node "LEASETEST: companions 1$" || fail "no @netswap-lease in the real root: $(console_line node 'LEASETEST: companions')"
console_has node "LEASETEST:conf:LEASETIME='120'" || fail "net-eth0.conf does not hold the lease"
age=$(console_line node "^LEASETEST: conf age" | grep -oE '[0-9-]+ s$' | cut -d' ' -f1)
# rewritten at the last renewal, right before the test read it
[ -n "$age" ] && [ "$age" -le 10 ] || fail "net-eth0.conf was last written $age s before the end, not at the last renewal"
pass "$renewals renewals while swapping (the second by the companion started again from the real root), the first $((t_renew - t_lease)) s after the lease ($(console_line node '^LEASETEST: hog runs' | sed 's/.*LEASETEST: //')), dnsmasq: $reqs REQUEST/$acks ACK from $mac, conf $age s old, every page verified, $((SECONDS - t0)) s"
