#!/bin/bash
# The storage server as an operator sets it up, on a bridge inside network
# namespaces this test creates and deletes: netboot/build.sh runs in the
# namespace (it finds the bridge holding SERVER), netboot/serve starts the
# generated dnsmasq and nbd-server there, and QEMU nodes on tap ports of the
# bridge PXE-boot from them with QEMU's iPXE ROM.
#  1. DHCP=full: node 1 gets its fixed IP and hostname from dnsmasq.conf,
#     boots boot.ipxe and swaps on swap-<its mac>. Node 2, forced onto node
#     1's swap export, is refused by the export's authfile ("server refused
#     export ...").
#  2. DHCP=proxy beside a site DHCP server (a second namespace on a veth
#     port), built with BOOT=pxelinux: node 2 gets its address from the site
#     server, pxelinux.0 through the proxy, and swaps on its own export.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
ns=netswap-pxe-$$ site=netswap-site-$$
server=10.77.0.1 port=10809
mac1=52:54:00:00:00:11 mac2=52:54:00:00:00:12
name1=swap-52-54-00-00-00-11 name2=swap-52-54-00-00-00-12

# in_ns runs in the foreground only: `cmd &` must be `ip netns exec` itself,
# so that $! is the process (ip execs it), not a subshell around it.
in_ns() { ip netns exec "$ns" "$@"; }

netns_bridge "$ns" "$server/24" tap1 tap2

cat >"$T/nodes" <<EOF
# the nodes of this test
$mac1  node11  10.77.0.11  256M
$mac2  node12  10.77.0.12  256M
EOF
# dnsmasq serves TFTP as user nobody
chmod 755 "$T"
in_ns env NODES="$T/nodes" NETBOOT_DIR="$T/netboot" ROOT_IMAGE="$TESTROOT_IMG" \
	APPEND_EXTRA="console=ttyS0 panic=-1" bash "$top/netboot/build.sh" "$OUT" "$server" "$port" \
	>"$T/build.log" 2>&1 || fail "build.sh failed: $(cat "$T/build.log")"
grep -q '^interface=br0$' "$T/netboot/dnsmasq.conf" || fail "build.sh did not find br0 for $server"
grep -q "^dhcp-host=$mac1,node11,10.77.0.11$" "$T/netboot/dnsmasq.conf" || fail "no dhcp-host line for node11"
grep -q "^10.77.0.11$" "$T/netboot/auth/$name1" || fail "authfile of $name1 does not hold 10.77.0.11"
grep -q "^dhcp-range=10.77.0.0,proxy" "$T/netboot/dnsmasq-proxy.conf" || fail "proxy config lacks its range"
in_ns dnsmasq --test --conf-file="$T/netboot/dnsmasq-proxy.conf" >"$T/proxy-test.log" 2>&1 ||
	fail "dnsmasq rejects dnsmasq-proxy.conf: $(cat "$T/proxy-test.log")"

serve_start "$ns" "$T/serve.log"
grep -q "DHCP full on br0" "$T/serve.log" || fail "serve did not start dnsmasq on br0: $(cat "$T/serve.log")"

t0=$SECONDS
tap_boot "$ns" node11 tap1 $mac1 -boot n
# node 2 insists on node 1's swap; it keeps retrying (netswap.onfail=retry)
tap_boot "$ns" thief tap2 $mac2 -kernel "$T/netboot/tftp/bzImage" -initrd "$T/netboot/tftp/initramfs.img" \
	-append "console=ttyS0 panic=-1 ip=dhcp netswap=nbd:$server:$port/$name1 root=nbd:$server:$port/root"
wait_console thief "server refused export '$name1'" 180 ||
	fail "node 2 was not refused node 1's swap export: $(console_line thief 'netswap: .*(nbd|swap)')"
log "refused: $(console_line thief "server refused export" | sed 's/.*netswap: //')"
console_has thief "netswap: eth0: DHCP lease 10\.77\.0\.12/24" || fail "node 2 did not get its fixed IP"
console_has thief "TESTROOT" && fail "node 2 booted on node 1's swap"
# shellcheck disable=SC2154 # set by tap_boot
thief_pid=$QEMU_PID_thief
signal_ours TERM "$thief_pid"
wait "$thief_pid" 2>/dev/null # tap2 is free only once it is gone
wait_console node11 "TESTROOT: done" 180 || fail "node 1 did not reach its real init"
grep -q "DHCPACK(br0) 10.77.0.11 $mac1 node11" "$T/serve.log" || fail "dnsmasq did not log node11's lease"

# The same server beside a site DHCP server that hands out the addresses
# (in a second namespace, on a veth port of the bridge): serve DHCP=proxy.
serve_stop
site_dhcp "$ns" "$site" 10.77.0.2/24 10.77.0.50,10.77.0.99 --dhcp-host=$mac2,10.77.0.12,node12
# and PXE ROMs get pxelinux.0 the proxy way (pxe-service, boot server on 4011)
in_ns env NODES="$T/nodes" NETBOOT_DIR="$T/netboot" ROOT_IMAGE="$TESTROOT_IMG" BOOT=pxelinux \
	APPEND_EXTRA="console=ttyS0 panic=-1" bash "$top/netboot/build.sh" "$OUT" "$server" "$port" \
	>"$T/build.log" 2>&1 || fail "build.sh BOOT=pxelinux failed: $(cat "$T/build.log")"
serve_start "$ns" "$T/serve-proxy.log" DHCP=proxy
grep -q "DHCP proxy on br0" "$T/serve-proxy.log" || fail "serve DHCP=proxy did not start: $(cat "$T/serve-proxy.log")"
tap_boot "$ns" node12 tap2 $mac2 -boot n
wait_console node12 "TESTROOT: done" 180 || fail "node 2 did not boot through proxy-DHCP on its own export"
grep -q "DHCPACK(vsite0) 10.77.0.12 $mac2" "$T/site-dhcp.log" || fail "node 2's address did not come from the site DHCP server"
grep -q "PXE(br0) $mac2 proxy" "$T/serve-proxy.log" || fail "the proxy did not answer node 2: $(cat "$T/serve-proxy.log")"
log "both nodes done in $((SECONDS - t0)) s"

console_has node11 "Command line: .*netswap=nbd:$server:$port/$name1 " ||
	fail "node11: boot.ipxe gave $(console_line node11 'Command line')"
console_has node12 "Command line: .*netswap=nbd:$server:$port/swap-\\$\{mac\} .*BOOTIF=01-52-54-00-00-00-12" ||
	fail "node12: pxelinux gave $(console_line node12 'Command line')"
for n in node11:$name1:10.77.0.11 node12:$name2:10.77.0.12; do
	IFS=: read -r node exp ip <<<"$n"
	console_has "$node" "netswap: eth0: DHCP lease ${ip//./\\.}/24" ||
		fail "$node: no lease of its fixed IP $ip: $(console_line "$node" 'DHCP lease')"
	console_has "$node" "TESTROOT: hostname=$node$" || fail "$node: hostname not from dhcp-host: $(console_line "$node" 'TESTROOT: hostname')"
	console_has "$node" "netswap: /dev/nbd0: $server:$port export '$exp'" || fail "$node did not attach $exp"
	console_has "$node" "TESTROOT: root=/dev/nbd1 ext4" || fail "$node: root is not NBD"
	console_has "$node" "TESTROOT: swaps=/dev/nbd0:partition" || fail "$node: no swap in the real root"
	[ "$(dd if="$T/netboot/swap/$exp" bs=1 skip=4086 count=10 status=none)" = SWAPSPACE2 ] ||
		fail "no swap signature in the server's $exp"
done
pass "over a bridge: dnsmasq DHCP + boot.ipxe, proxy-DHCP + pxelinux, own swap each, foreign swap refused, $((SECONDS - t0)) s"
