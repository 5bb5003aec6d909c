#!/bin/bash
# A real PXE boot of what `make netboot` writes: QEMU (TCG, -boot n) runs
# its own iPXE ROM, QEMU's user network hands out DHCP and TFTP from the
# generated tftp/, and netboot/serve runs nbd-server from the generated
# config on 127.0.0.1. Node 1 boots through pxelinux.0, node 2 through
# boot.ipxe, both at once; each ends on the NBD root with swap on its own
# swap-<mac> export, and the literal ${mac} of the pxelinux line reaches
# the init unexpanded. First, build.sh and serve refuse bad node lists.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
mac1=52:54:00:12:34:56 mac2=52:54:00:ab:cd:02
name1=swap-52-54-00-12-34-56 name2=swap-52-54-00-ab-cd-02

# build NODES_FILE [more env...]: netboot/build.sh into $T/netboot.
build() {
	local nodes=$1
	shift
	env NODES="$nodes" NETBOOT_DIR="$T/netboot" ROOT_IMAGE="$TESTROOT_IMG" "$@" \
		bash "$top/netboot/build.sh" "$OUT" 10.0.2.2 "$port" >"$T/build.log" 2>&1
}

# refuses TEXT REGEX: build.sh and serve both refuse the node list TEXT
# with a message matching REGEX.
refuses() {
	printf '%s\n' "$1" >"$T/bad.nodes"
	build "$T/bad.nodes" && fail "build.sh accepted a bad node list: $1"
	grep -qE "$2" "$T/build.log" || fail "build.sh's message for '$1' lacks /$2/: $(cat "$T/build.log")"
}

port=$(free_port)
good="$mac1 node1 256M
# the iPXE node, no fixed IP either
${mac2^^} node2 - 256M"
refuses "52:54:00:12:34 node1 1G" "bad\.nodes:1: field 1 \(MAC\) '52:54:00:12:34' is not a MAC address"
refuses "$good
52:54:00:12:34:99 node3 10.0.2.300 1G" "bad\.nodes:4: field 3 \(IP\) '10\.0\.2\.300' is not an IPv4 address"
refuses "$good
52:54:00:12:34:99 node3 1.5G" "bad\.nodes:4: field 3 \(SWAP\) '1\.5G' is not a swap size"
refuses "$good
52-54-00-12-34-56 node3 1G" "bad\.nodes:4: field 1 \(MAC\) 52:54:00:12:34:56 is already used on line 1"
refuses "$good
52:54:00:12:34:99 NODE2 1G" "bad\.nodes:4: field 2 \(HOSTNAME\) 'NODE2' is already used on line 3"
refuses "$mac1 node1 10.0.2.20 1G
52:54:00:12:34:99 node3 10.0.2.20 1G" "bad\.nodes:2: field 3 \(IP\) 10\.0\.2\.20 is already used on line 1"
refuses "$mac1 node1" "bad\.nodes:1: 2 fields, expected MAC HOSTNAME \[IP\] SWAP"
build "$T/missing.nodes" && fail "build.sh accepted a missing node list"
grep -q "node list '$T/missing.nodes' not found" "$T/build.log" || fail "no clear message for a missing node list: $(cat "$T/build.log")"
[ -e "$T/netboot" ] && fail "a refused build left $T/netboot behind"

printf '%s\n' "$good" >"$T/nodes"
build "$T/nodes" APPEND_EXTRA="console=ttyS0 panic=-1" || fail "build.sh failed: $(cat "$T/build.log")"
tftp=$T/netboot/tftp
for f in pxelinux.0 ldlinux.c32 pxelinux.cfg/default snponly.efi boot.ipxe bzImage initramfs.img; do
	[ -s "$tftp/$f" ] || fail "build.sh wrote no tftp/$f"
done
grep -q "APPEND console=ttyS0 panic=-1 ip=dhcp netswap=nbd:10.0.2.2:$port/swap-\${mac} root=nbd:10.0.2.2:$port/root$" \
	"$tftp/pxelinux.cfg/default" || fail "unexpected pxelinux APPEND: $(grep APPEND "$tftp/pxelinux.cfg/default")"
for n in $name1 $name2; do
	[ "$(stat -c %s "$T/netboot/swap/$n")" = $((256 << 20)) ] || fail "swap file $n missing or not 256M"
	[ "$(stat -c %b "$T/netboot/swap/$n")" -lt 64 ] || fail "swap file $n is not sparse"
done
# serve refuses a node list that turned bad after the build
cp "$T/nodes" "$T/nodes.good"
echo "52:54:00:12:34:zz node9 1G" >>"$T/nodes"
bash "$top/netboot/serve" "$T/netboot" >"$T/serve-bad.log" 2>&1 && fail "serve started on a malformed node list"
grep -q "nodes:4: field 1 (MAC) '52:54:00:12:34:zz'" "$T/serve-bad.log" || fail "serve's refusal is unclear: $(cat "$T/serve-bad.log")"
cp "$T/nodes.good" "$T/nodes"
# a rebuild keeps the swap files as they are
echo "pages" | dd of="$T/netboot/swap/$name1" conv=notrunc status=none
build "$T/nodes" APPEND_EXTRA="console=ttyS0 panic=-1" || fail "rebuild failed: $(cat "$T/build.log")"
[ "$(head -c5 "$T/netboot/swap/$name1")" = pages ] || fail "a rebuild touched an existing swap file"

DHCP=off bash "$top/netboot/serve" "$T/netboot" >"$T/serve.log" 2>&1 &
track_pid $!
for _ in $(seq 50); do grep -q "serving 2 node" "$T/serve.log" && break; sleep 0.2; done
grep -q "serving 2 node" "$T/serve.log" || fail "serve did not start: $(cat "$T/serve.log")"
log "$(head -n1 "$T/serve.log")"

# pxe_boot NAME MAC BOOTFILE: QEMU's own iPXE ROM, DHCP and TFTP from slirp.
pxe_boot() {
	: >"$T/$1.console"
	# shellcheck disable=SC2046
	qemu-system-x86_64 $(qemu_accel) -m 128 -no-reboot -boot n \
		-netdev "user,id=n0,tftp=$tftp,bootfile=$3" -device "virtio-net-pci,netdev=n0,mac=$2" \
		-serial "file:$T/$1.console" -monitor none -display none </dev/null >"$T/$1.qemu.log" 2>&1 &
	track_pid $!
	eval "QEMU_PID_$1=$!"
	log "qemu $1 pid $!: PXE $3 as $2"
}

t0=$SECONDS
pxe_boot pxelinux $mac1 pxelinux.0
pxe_boot ipxe $mac2 boot.ipxe
wait_console pxelinux "TESTROOT: done" 240 || fail "the pxelinux node did not reach its real init"
wait_console ipxe "TESTROOT: done" 120 || fail "the iPXE node did not reach its real init"
log "both nodes done in $((SECONDS - t0)) s"

# pxelinux passes ${mac} through untouched; IPAPPEND 2 adds BOOTIF.
console_has pxelinux "Command line: .*netswap=nbd:10\.0\.2\.2:$port/swap-\\$\{mac\} " ||
	fail "\${mac} did not reach the kernel literally: $(console_line pxelinux 'Command line')"
console_has pxelinux "Command line: .*BOOTIF=01-52-54-00-12-34-56" || fail "no BOOTIF from IPAPPEND 2"
# iPXE expands its own netX/mac:hexhyp to the init's form.
console_has ipxe "Command line: .*netswap=nbd:10\.0\.2\.2:$port/$name2 .*BOOTIF=01-52-54-00-ab-cd-02" ||
	fail "boot.ipxe gave an unexpected command line: $(console_line ipxe 'Command line')"
for n in pxelinux:$name1 ipxe:$name2; do
	node=${n%%:*} exp=${n#*:}
	console_has "$node" "netswap: /dev/nbd0: 10\.0\.2\.2:$port export '$exp'" ||
		fail "$node did not attach its own export $exp: $(console_line "$node" 'netswap: /dev/nbd0')"
	console_has "$node" "netswap: /dev/nbd0: swap on" || fail "$node: no swap on /dev/nbd0"
	console_has "$node" "TESTROOT: root=/dev/nbd1 ext4" || fail "$node: root is not NBD: $(console_line "$node" 'TESTROOT: root=')"
	console_has "$node" "TESTROOT: swaps=/dev/nbd0:partition" || fail "$node: swap not active in the real root"
	# the node wrote its swap header into its own file on the server
	[ "$(dd if="$T/netboot/swap/$exp" bs=1 skip=4086 count=10 status=none)" = SWAPSPACE2 ] ||
		fail "no swap signature in the server's $exp"
done
pass "pxelinux and iPXE nodes on NBD root + own swap in $((SECONDS - t0)) s; $(console_line pxelinux 'initramfs done in' | sed 's/.*netswap: //')"
