#!/bin/bash
# lease_live.sh - the lease companion (`init lease`, init/lease.c) of the
# real static init binary against a real dnsmasq (root only; no kernel
# needed, so it runs before a kernel build is there).
#
# A veth pair joins a server namespace (dnsmasq, 2-minute leases, the
# node's address reserved) and a client namespace, where the address is
# set as the init sets it and /run/netswap/net-<if>.conf written as the
# init writes it, in a private /run. `init lease` then renews at once
# (started from the real root it cannot know when the last ACK came):
#  1. dnsmasq logs a unicast DHCPREQUEST/DHCPACK from the node's MAC, the
#     file is rewritten from the ACK, the address stays, permanent (so
#     the kernel never ages it out from under swap);
#  2. a second `init lease` is refused (port 68 taken), the first lives on;
#     the address removed by "the real root" is put back at once;
#  3. started again after the reservation moved to another address: the
#     server NAKs, the companion says the lease is lost and KEEPS the
#     address.
# Usage: bash tests/unit/lease_live.sh [init binary, default out/init]
# Exit status 0 pass, 1 fail, 77 skipped (not root, tool missing).
set -u

[ "$(id -u)" = 0 ] || { echo "lease_live: needs root (network namespaces)" >&2; exit 77; }
for t in ip dnsmasq unshare; do
	command -v $t >/dev/null || { echo "lease_live: $t not installed" >&2; exit 77; }
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/unit/dnsmasq_ns.sh"
INIT=$(realpath "${1:-$ROOT/out/init}")
[ -x "$INIT" ] || { echo "lease_live: no $INIT (make init)" >&2; exit 77; }
TAG=nslease$$
SRV=$TAG-s CLI=$TAG-c IF=vl$$
MAC=52:54:00:12:34:56
TMP=$(mktemp -d)
DNSMASQ= HOLDER= LEASE_PID=

cleanup() {
	[ -n "$LEASE_PID" ] && kill -9 "$LEASE_PID" 2>/dev/null
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
	[ -n "$DNSMASQ" ] && kill "$DNSMASQ" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$SRV" 2>/dev/null
	ip netns del "$CLI" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
CHECK_NAME=lease_live
. "$(dirname "$0")/checks.sh"
wait_for() { # seconds, command...
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do "$@" 2>/dev/null && return 0; sleep 0.2; done
	return 1
}

ns_veth_up "$SRV" "$CLI" "$IF" "$MAC" || exit 1
# as the init left it: the address, and the file (LEASETIME and HOSTNAME
# differ from what the server will say, so a rewrite shows)
ip -n "$CLI" addr add 10.99.0.42/24 dev "$IF"

dnsmasq_start() { # reserved address
	dnsmasq_conf "$TMP" dhcp-range=10.99.0.100,10.99.0.150,255.255.255.0,2m "dhcp-host=$MAC,$1,node42"
	dnsmasq_up "$SRV" "$TMP"
}
dnsmasq_start 10.99.0.42

# A private /run for the client, holding the init's state and the init.
cat >"$TMP/client.sh" <<EOF
mount -t tmpfs tmpfs /run && mkdir /run/netswap || exit 1
cat >/run/netswap/net-$IF.conf <<'CONF'
DEVICE='$IF'
MAC='$MAC'
BOOTIF=''
PROTO='dhcp'
IPV4ADDR='10.99.0.42'
IPV4NETMASK='255.255.255.0'
IPV4BROADCAST=''
IPV4GATEWAY=''
IPV4DNS0=''
IPV4DNS1=''
HOSTNAME='old'
DNSDOMAIN=''
ROOTSERVER='10.99.0.1'
ROOTPATH=''
DHCPSERVER='10.99.0.1'
TFTPSERVER=''
FILENAME=''
LEASETIME='3600'
CONF
"$INIT" lease &
echo \$! >$TMP/lease.pid
# the holder keeps this mount namespace, so the test can read /run
sleep 1
"$INIT" lease $IF >$TMP/second.out 2>&1
echo "rc=\$?" >>$TMP/second.out
while sleep 1; do cp /run/netswap/net-$IF.conf $TMP/conf.now 2>/dev/null; done
EOF
ip netns exec "$CLI" unshare -m --propagation private bash "$TMP/client.sh" &
HOLDER=$!
wait_for 5 test -s "$TMP/lease.pid"
LEASE_PID=$(cat "$TMP/lease.pid")

check "dnsmasq ACKs the renewal (unicast DHCPREQUEST from $MAC)" \
	wait_for 10 grep -q "DHCPACK(vsrv) 10.99.0.42 $MAC node42" "$TMP/dnsmasq.log"
grep -q "DHCPREQUEST(vsrv) 10.99.0.42 $MAC" "$TMP/dnsmasq.log" || { echo "FAIL lease_live: no DHCPREQUEST logged"; failed=1; }
check "net-$IF.conf rewritten from the ACK" \
	wait_for 5 grep -q "LEASETIME='120'" "$TMP/conf.now"
grep -q "HOSTNAME='node42'" "$TMP/conf.now" || { echo "FAIL lease_live: HOSTNAME not from the ACK"; cat "$TMP/conf.now"; failed=1; }
addr=$(ip -n "$CLI" addr show dev "$IF")
check "the address stays, permanent: $(echo "$addr" | grep -A1 'inet 10' | tr -s ' \n' ' ')" \
	grep -qE "inet 10.99.0.42/24 .*scope global $IF" <<<"$addr"
grep -A1 "inet 10.99.0.42/24" <<<"$addr" | grep -q "valid_lft forever" || { echo "FAIL lease_live: the address has a lifetime"; failed=1; }
check "a second 'init lease' is refused: $(head -n1 "$TMP/second.out")" \
	grep -q "port 68 on $IF is taken" "$TMP/second.out"
check "the companion is named @netswap-lease with '@' in argv[0]" \
	bash -c "[ \"\$(cat /proc/$LEASE_PID/comm)\" = @netswap-lease ] && head -c1 /proc/$LEASE_PID/cmdline | grep -q @"
check "it is locked in memory" grep -qE "VmLck:\s+[1-9]" "/proc/$LEASE_PID/status"

# Something in the "real root" flushes the address: the companion puts it back.
ip -n "$CLI" route add default via 10.99.0.1
ip -n "$CLI" addr del 10.99.0.42/24 dev "$IF"
check "a removed address is put back at once" \
	wait_for 5 bash -c "ip -n $CLI addr show dev $IF | grep -q 'inet 10.99.0.42/24'"
check "with the default route (the server's router option): $(ip -n "$CLI" route show default)" \
	wait_for 5 bash -c "ip -n $CLI route show default | grep -q 'via 10.99.0.1 dev $IF'"
check "and the companion says so" bash -c "dmesg | grep -q 'netswap: $IF: something removed 10.99.0.42.*put it and the default route back'"

# The reservation moves: the next REQUEST for .42 gets a NAK. Restart the
# companion so that it asks now rather than in a minute.
kill "$DNSMASQ"; wait "$DNSMASQ" 2>/dev/null
rm -f "$TMP/leases"
dnsmasq_start 10.99.0.43
kill -9 "$LEASE_PID"
ip netns exec "$CLI" nsenter -m -t "$HOLDER" "$INIT" lease "$IF" &
LEASE_PID=$!
check "dnsmasq NAKs the old address" wait_for 10 grep -q "DHCPNAK(vsrv) 10.99.0.42 $MAC" "$TMP/dnsmasq.log"
sleep 0.5
check "the lease loss is logged" bash -c "dmesg | grep -q 'netswap: $IF: DHCP lease of 10.99.0.42 lost (the server answered NAK); keeping the address'"
check "the address is kept after the NAK" bash -c "ip -n $CLI addr show dev $IF | grep -q 'inet 10.99.0.42/24'"
[ $failed = 0 ] || cat "$TMP/dnsmasq.log" >&2
[ $failed = 0 ] && echo "lease_live: ok"
exit $failed
