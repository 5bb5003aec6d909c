#!/bin/bash
# make netboot with three swap servers, as an operator runs them: one bridge
# in a network namespace this test creates, holding the boot server
# 10.77.0.1 and the swap servers 10.77.0.2 and 10.77.0.3. build.sh writes
# SWAP_LAYOUT=mirror over the three (node 1's legs on servers 1 and 2,
# node 2's on 2 and 3, so each node gets a command line of its own);
# netboot/serve runs the boot server (dnsmasq, the root, its share of swap)
# and each servers/ADDR directory (10.77.0.3 with a copy of serve and
# nodes.sh put in it, as an operator copies it to a server). Two nodes
# PXE-boot through QEMU's iPXE ROM, boot.ipxe chains each to its
# node-<mac>.ipxe, and each runs the verifying hog at 1.5x RAM on its
# mirror: every page must verify, and both of its servers' swap files must
# hold the swap header and the pages.
# LAYOUT=stripe: the same with every node striped over all three servers.
# LAYOUT=spread: swap on 10.77.0.2 and 10.77.0.3 only, one node on each,
# the boot server serving the root alone.
# BOOT=pxelinux: the iPXE ROMs get pxelinux.0 instead, which reads each
# node's pxelinux.cfg/01-<mac> (and leaves ${mac} to the init).
. "$(dirname "$0")/../lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
ns=netswap-servers-$$ port=10809 mem=64
layout=${LAYOUT:-mirror}
swap_servers="10.77.0.1 10.77.0.2 10.77.0.3"
[ "$layout" = spread ] && swap_servers="10.77.0.2 10.77.0.3"
mac1=52:54:00:00:00:21 mac2=52:54:00:00:00:22
in_ns() { ip netns exec "$ns" "$@"; }

netns_bridge "$ns" 10.77.0.1/24 tap1 tap2
ip -n "$ns" addr add 10.77.0.2/24 dev br0
ip -n "$ns" addr add 10.77.0.3/24 dev br0
cat >"$T/nodes" <<NODES
$mac1  node21  10.77.0.21  256M
$mac2  node22  10.77.0.22  256M
NODES
chmod 755 "$T" # dnsmasq serves TFTP as user nobody
in_ns env NODES="$T/nodes" NETBOOT_DIR="$T/netboot" ROOT_IMAGE="$TESTROOT_IMG" \
	SWAP_SERVERS="$swap_servers" SWAP_LAYOUT="$layout" \
	APPEND_EXTRA="console=ttyS0 panic=-1 nstest=\"hog -m $((mem * 3 / 2)) -p 1 -j 4 -o random\"" \
	bash "$top/netboot/build.sh" "$OUT" 10.77.0.1 $port >"$T/build.log" 2>&1 || fail "build.sh failed: $(cat "$T/build.log")"
log "$(grep 'swap server' "$T/build.log" | sed 's/^netboot: //' | tr '\n' ';')"

serve_start "$ns" "$T/serve-1.log"
# 10.77.0.3 runs the copy of serve an operator puts beside its directory
cp "$top/netboot/serve" "$top/netboot/nodes.sh" "$T/netboot/servers/10.77.0.3/"
SERVE_DIR=$T/netboot/servers/10.77.0.2 serve_start "$ns" "$T/serve-10.77.0.2.log"
SERVE_DIR=$T/netboot/servers/10.77.0.3 SERVE_SCRIPT=$T/netboot/servers/10.77.0.3/serve serve_start "$ns" "$T/serve-10.77.0.3.log"
for a in 10.77.0.2 10.77.0.3; do
	grep -q "on $a:$port: swap server, [0-9] swap export" "$T/serve-$a.log" || fail "serve $a: $(cat "$T/serve-$a.log")"
done

t0=$SECONDS
QEMU_MEM=$mem tap_boot "$ns" node21 tap1 $mac1 -boot n
QEMU_MEM=$mem tap_boot "$ns" node22 tap2 $mac2 -boot n
for n in node21 node22; do
	wait_console $n "TESTROOT: done|blocked for more than" 400 && console_has $n "TESTROOT: done" ||
		fail "$n did not finish: $(console_line $n 'hog: RESULT|blocked for')"
done
secs=$((SECONDS - t0))

# servers NODE: the swap servers NODE must be on
servers() {
	case $layout-$1 in
	mirror-node21) echo 10.77.0.1 10.77.0.2 ;;
	mirror-node22) echo 10.77.0.2 10.77.0.3 ;;
	stripe-*) echo 10.77.0.1 10.77.0.2 10.77.0.3 ;;
	spread-node21) echo 10.77.0.2 ;;
	spread-node22) echo 10.77.0.3 ;;
	esac
}
# file ADDR NAME: ADDR's swap file NAME
file() { if [ "$1" = 10.77.0.1 ]; then echo "$T/netboot/swap/$2"; else echo "$T/netboot/servers/$1/swap/$2"; fi; }
opt=:mirror=m
[ "$layout" = stripe ] && opt=:prio=5
[ "$layout" = spread ] && opt=
summary=""
for n in node21:$mac1 node22:$mac2; do
	node=${n%%:*} mac=${n#*:}
	exp=swap-${mac//:/-}
	want=""
	# iPXE expands the MAC itself; pxelinux leaves ${mac} to the init
	name=$exp
	[ "${BOOT:-auto}" = pxelinux ] && name='swap-\$\{mac\}'
	for a in $(servers "$node"); do want+="netswap=nbd:${a//./\\.}:$port/$name$opt "; done
	console_has "$node" "Command line: .*${want}root=nbd:10\.77\.0\.1:$port/root" ||
		fail "$node: its own boot file did not give its servers ($want): $(console_line "$node" 'Command line')"
	for a in $(servers "$node"); do
		console_has "$node" "netswap: /dev/nbd[0-9]+: ${a//./\\.}:$port export '$exp'" || fail "$node did not attach $exp on $a"
	done
	bad=$(console_text "$node" | grep -v 'Command line' | grep -E "$SWAP_BAD_RE" | head -n1)
	[ -z "$bad" ] || fail "$node: $bad"
	console_has "$node" "hog: RESULT ok" || fail "$node lost pages: $(console_line "$node" 'hog: RESULT')"
	[ "$layout" != mirror ] || console_has "$node" "mirror of 2 NBD devices" || fail "$node: no mirror: $(console_line "$node" 'netswap: .*(mirror|swap on)')"
	for a in $(servers "$node"); do
		f=$(file "$a" "$exp")
		[ "$(dd if="$f" bs=1 skip=4086 count=10 status=none)" = SWAPSPACE2 ] || fail "$node: no swap header in $a's $exp"
		kib=$(du -k "$f" | cut -f1)
		[ "$kib" -ge 8192 ] || fail "$node: only $kib KiB written to $a's $exp"
		summary+=" $node@$a=$((kib / 1024))M"
	done
	for a in 10.77.0.1 10.77.0.2 10.77.0.3; do
		[[ " $(servers "$node") " == *" $a "* ]] || [ ! -e "$(file "$a" "$exp")" ] || fail "$node has a swap file on $a too"
	done
done
via='node-<mac>.ipxe'
[ "${BOOT:-auto}" = pxelinux ] && via='pxelinux.cfg/01-<mac>'
pass "$layout over $(wc -w <<<"$swap_servers") swap servers, 2 PXE nodes through $via, every page verified in $secs s; swap written:$summary; $(console_line node21 'hog: RESULT' | grep -oE 'mib_per_s=[0-9.]+')"
