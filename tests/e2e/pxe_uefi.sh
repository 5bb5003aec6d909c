#!/bin/bash
# UEFI nodes from what `make netboot` writes, served by netboot/serve on a
# bridge in network namespaces this test creates and deletes (as
# pxe_netns.sh does for BIOS). The UEFI node runs OVMF, Debian's UEFI
# firmware, with its own virtio-net driver (the NIC's iPXE ROM is dropped,
# as on a real server): the firmware PXE-boots snponly.efi, whose iPXE
# gets boot.ipxe, which loads bzImage through its EFI stub.
#  0. serve refuses to start when snponly.efi is missing or unreadable by
#     nobody, the user dnsmasq serves TFTP as.
#  1. DHCP=full, HTTP=on: busybox's udhcpc, sending what each kind of
#     client sends (option 93, option 175), is offered the boot file the
#     README's table says. Then a UEFI node and a BIOS node (SeaBIOS and
#     QEMU's iPXE ROM) boot from the same server at the same time, both
#     fetching the kernel and initramfs from lighttpd, which listens on the
#     node network's address only.
#  2. DHCP=proxy beside a site DHCP server, HTTP off: the UEFI node gets its
#     address from the site server, snponly.efi and boot.ipxe from the proxy,
#     and the kernel and initramfs over TFTP. At the same time, a node with
#     Secure Boot on (OVMF with Microsoft's keys) downloads snponly.efi and
#     refuses to start it ("Access Denied"), as the README's Limits say.
# Each node ends on the NBD root with swap on its own swap-<mac> export, and
# the /proc/cmdline its root sees holds that export (the MAC expanded) and
# BOOTIF.
. "$(dirname "$0")/../lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
ns=netswap-uefi-$$ site=netswap-usite-$$
server=10.77.0.1 port=10809 http_port=8080
mac_u=52:54:00:00:00:21 mac_b=52:54:00:00:00:22 mac_s=52:54:00:00:00:23
name_u=swap-52-54-00-00-00-21 name_b=swap-52-54-00-00-00-22
# OVMF under TCG takes about 20 s to reach its PXE client, alone.
wait_s=${UEFI_WAIT:-400}

netns_bridge "$ns" "$server/24" tap1 tap2 tap3
cat >"$T/nodes" <<EOF
$mac_u  uefi1  10.77.0.21  256M
$mac_b  bios1  10.77.0.22  256M
$mac_s  secure1  10.77.0.23  16M
EOF
chmod 755 "$T" # dnsmasq and lighttpd serve files as user nobody

# build [VAR=VALUE...]: netboot/build.sh in the namespace into $T/netboot.
build() {
	ip netns exec "$ns" env NODES="$T/nodes" NETBOOT_DIR="$T/netboot" ROOT_IMAGE="$TESTROOT_IMG" \
		APPEND_EXTRA="console=ttyS0 panic=-1" "$@" bash "$top/netboot/build.sh" "$OUT" "$server" "$port" \
		>"$T/build.log" 2>&1 || fail "build.sh $* failed: $(cat "$T/build.log")"
}

# serve_refuses REGEX: serve does not start, and says REGEX.
serve_refuses() {
	ip netns exec "$ns" bash "$top/netboot/serve" "$T/netboot" >"$T/serve-bad.log" 2>&1 &&
		fail "serve started; expected it to refuse with /$1/"
	grep -qE "$1" "$T/serve-bad.log" || fail "serve's refusal lacks /$1/: $(cat "$T/serve-bad.log")"
}

build HTTP=on HTTP_PORT=$http_port
efi=$T/netboot/tftp/snponly.efi
cmp -s "$efi" /usr/lib/ipxe/snponly.efi || fail "build.sh did not copy Debian's snponly.efi"
for conf in dnsmasq.conf dnsmasq-proxy.conf; do
	ip netns exec "$ns" dnsmasq --test --conf-file="$T/netboot/$conf" >"$T/dnsmasq-test.log" 2>&1 ||
		fail "dnsmasq rejects $conf: $(cat "$T/dnsmasq-test.log")"
done
grep -q "^kernel http://$server:$http_port/bzImage initrd=initramfs.img " "$T/netboot/tftp/boot.ipxe" ||
	fail "boot.ipxe does not fetch the kernel over HTTP: $(grep ^kernel "$T/netboot/tftp/boot.ipxe")"
chmod 600 "$efi"
serve_refuses "dnsmasq \(as user nobody\) cannot read $efi"
rm "$efi"
serve_refuses "$efi missing"
build HTTP=on HTTP_PORT=$http_port
ip netns exec "$ns" python3 -c 'import socket, sys, time
s = socket.socket(); s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(); time.sleep(30)' "$server" "$http_port" &
busy=$!
track_pid "$busy"
sleep 0.5
serve_refuses "port $http_port is already in use"
signal_ours TERM "$busy"
wait "$busy" 2>/dev/null
forget_pid "$busy"
log "serve refused a missing and an unreadable snponly.efi, and a busy HTTP port"

# boot_file_for [udhcpc -x OPT:HEX...]: the boot file dnsmasq gives a DHCP
# client with bios1's MAC that sends those options; "-" for none.
probe=netswap-uprobe-$$
bridge_port "$ns" "$probe" vprobe0
ip -n "$probe" link set vprobe0 address $mac_b up
# shellcheck disable=SC2016 # the script's own variables
printf '#!/bin/sh\n[ "$1" = bound ] && echo "boot_file=${boot_file:--}"\nexit 0\n' >"$T/udhcpc.script"
chmod 755 "$T/udhcpc.script"
boot_file_for() {
	ip netns exec "$probe" busybox udhcpc -i vprobe0 -n -q -f -t 3 -T 1 -s "$T/udhcpc.script" "$@" 2>/dev/null |
		sed -n 's/^boot_file=//p'
}

# ---- 1. DHCP=full, HTTP: a UEFI and a BIOS node at once ----
serve_start "$ns" "$T/serve.log"
grep -q "lighttpd pid [0-9]*: HTTP on $server:$http_port" "$T/serve.log" || fail "serve did not start lighttpd: $(cat "$T/serve.log")"
listen=$(ip netns exec "$ns" ss -ltnH "sport = :$http_port" | awk '{ print $4 }')
[ "$listen" = "$server:$http_port" ] || fail "lighttpd listens on '$listen', not $server:$http_port only"
# option 93 (client architecture) and 175 (iPXE), as the clients send them
for c in "0000::pxelinux.0" "0007::snponly.efi" "0009::snponly.efi" "0000:0101:boot.ipxe" "0007:0101:boot.ipxe" \
	"0006::-" "000b::-" "::-"; do
	IFS=: read -r arch ipxe want <<<"$c"
	opts=()
	[ -n "$arch" ] && opts+=(-x "0x5d:$arch")
	[ -n "$ipxe" ] && opts+=(-x "0xaf:$ipxe")
	got=$(boot_file_for "${opts[@]}")
	[ "$got" = "$want" ] || fail "a client sending option 93 '$arch', 175 '$ipxe' was offered '$got', expected '$want'"
done
log "dnsmasq offers pxelinux.0 to BIOS, snponly.efi to x86-64 UEFI, boot.ipxe to iPXE, nothing to other architectures"
t0=$SECONDS
# shellcheck disable=SC2046
QEMU_NIC_OPTS=",romfile=" tap_boot "$ns" uefi1 tap1 $mac_u -boot n $(uefi_firmware uefi1)
tap_boot "$ns" bios1 tap2 $mac_b -boot n
wait_console bios1 "TESTROOT: done" "$wait_s" || fail "the BIOS node did not reach its real init"
wait_console uefi1 "TESTROOT: done" "$wait_s" || fail "the UEFI node did not reach its real init"
log "UEFI and BIOS nodes done in $((SECONDS - t0)) s"
t_full=$((SECONDS - t0))
grep -q "vendor class: PXEClient:Arch:00007" "$T/serve.log" || fail "no DHCP request from a UEFI x86-64 PXE client"
grep -q "sent $efi to 10.77.0.21" "$T/serve.log" || fail "dnsmasq did not send snponly.efi to the UEFI node"
grep -q "sent $efi to 10.77.0.22" "$T/serve.log" && fail "the BIOS node got snponly.efi"
# lighttpd buffers its access log and writes it out when it stops
serve_stop
for ip in 10.77.0.21 10.77.0.22; do
	for f in bzImage initramfs.img; do
		grep -q "^$ip .*\"GET /$f HTTP/1.1\" 200 " "$T/netboot/http.log" || fail "$ip did not fetch $f over HTTP: $(cat "$T/netboot/http.log")"
	done
done
grep -q "sent $T/netboot/tftp/bzImage" "$T/serve.log" && fail "a node fetched bzImage over TFTP although HTTP=on"
stop_qemu uefi1
stop_qemu bios1 # frees the taps

# ---- 2. DHCP=proxy beside a site DHCP server, TFTP ----
site_dhcp "$ns" "$site" 10.77.0.2/24 10.77.0.50,10.77.0.99 --dhcp-host=$mac_u,10.77.0.21,uefi1 \
	--dhcp-host=$mac_s,10.77.0.23,secure1
build
serve_start "$ns" "$T/serve-proxy.log" DHCP=proxy
t0=$SECONDS
# shellcheck disable=SC2046
QEMU_NIC_OPTS=",romfile=" tap_boot "$ns" uefip tap1 $mac_u -boot n $(uefi_firmware uefip)
# shellcheck disable=SC2046
QEMU_NIC_OPTS=",romfile=" tap_boot "$ns" secure1 tap3 $mac_s -boot n $(uefi_firmware secure1 secure)
wait_console secure1 "UEFI PXEv4.*: Access Denied" "$wait_s" ||
	fail "Secure Boot firmware did not refuse snponly.efi: $(console_line secure1 'PXEv4')"
console_has secure1 "NBP file downloaded successfully" || fail "the Secure Boot node did not even get snponly.efi"
console_has secure1 "iPXE" && fail "the Secure Boot node ran iPXE"
stop_qemu secure1 0
wait_console uefip "TESTROOT: done" "$wait_s" || fail "the UEFI node did not boot through proxy-DHCP"
t_proxy=$((SECONDS - t0))
grep -q "DHCPACK(vsite0) 10.77.0.21 $mac_u" "$T/site-dhcp.log" || fail "the UEFI node's address did not come from the site DHCP server"
grep -q "PXE(br0) $mac_u proxy" "$T/serve-proxy.log" || fail "the proxy did not answer the UEFI node: $(cat "$T/serve-proxy.log")"
grep -q "sent $efi to 10.77.0.21" "$T/serve-proxy.log" || fail "the proxy's TFTP did not send snponly.efi"
grep -q "sent $T/netboot/tftp/bzImage to 10.77.0.21" "$T/serve-proxy.log" || fail "the kernel did not come over TFTP"

# ---- what each node's root saw ----
for n in uefi1:$name_u:10.77.0.21 bios1:$name_b:10.77.0.22 uefip:$name_u:10.77.0.21; do
	IFS=: read -r node exp ip <<<"$n"
	console_has "$node" "TESTROOT: cmdline=.*netswap=nbd:$server:$port/$exp .*BOOTIF=01-${exp#swap-}" ||
		fail "$node: /proc/cmdline lacks its export or BOOTIF: $(console_line "$node" 'TESTROOT: cmdline')"
	console_has "$node" "netswap: eth0: DHCP lease ${ip//./\\.}/24" || fail "$node: no lease of $ip: $(console_line "$node" 'DHCP lease')"
	console_has "$node" "netswap: /dev/nbd0: $server:$port export '$exp'" || fail "$node did not attach $exp"
	console_has "$node" "netswap: /dev/nbd0: swap on" || fail "$node: no swap on /dev/nbd0"
	console_has "$node" "TESTROOT: root=/dev/nbd1 ext4" || fail "$node: root is not NBD"
	console_has "$node" "TESTROOT: swaps=/dev/nbd0:partition" || fail "$node: no swap in the real root"
done
console_has uefi1 "efi: EFI v" || fail "the UEFI node's kernel did not start through EFI"
console_has bios1 "efi: EFI v" && fail "the BIOS node's kernel saw EFI"
[ "$(dd if="$T/netboot/swap/$name_u" bs=1 skip=4086 count=10 status=none)" = SWAPSPACE2 ] ||
	fail "no swap signature in the server's $name_u"
pass "UEFI (OVMF) node with a BIOS node at once, DHCP full + HTTP, ${t_full} s; UEFI through proxy-DHCP + TFTP, ${t_proxy} s; own swap, MAC and BOOTIF on /proc/cmdline; Secure Boot refuses snponly.efi"
