#!/bin/bash
# netboot/build.sh OUT SERVER PORT - `make netboot`: everything a storage
# server needs to boot the nodes of a node list, written to OUT/netboot:
#
#   tftp/                 pxelinux.0, ldlinux.c32, pxelinux.cfg/default,
#                         snponly.efi, boot.ipxe, bzImage, initramfs.img
#   dnsmasq.conf          DHCP + TFTP for a dedicated node network
#   dnsmasq-proxy.conf    proxy-DHCP + TFTP beside an existing DHCP server
#   lighttpd.conf         HTTP=on: bzImage and initramfs.img over HTTP
#   nbd-server.conf       the shared root export and one swap-<mac> per node
#   auth/                 one nbd-server authfile per export
#   swap/                 the swap files (SWAP_DIR=), sparse, never truncated
#   netboot.env           what netboot/serve needs to know
#
# SERVER is the address the nodes reach this server at; PORT the NBD port.
# Settings (environment, or make variables):
#   NODES=FILE        node list (default netboot/nodes, else netboot/nodes.example)
#   APPEND=LINE       the nodes' command line instead of the default
#                     "ip=dhcp netswap=nbd:SERVER:PORT/swap-${mac} root=nbd:SERVER:PORT/root"
#   APPEND_FILE=FILE  the same, read from a file ('#' lines skipped)
#   APPEND_EXTRA=TEXT added before it (console=ttyS0, netswap.onfail=reboot)
#   ROOT_IMAGE=FILE   the root file system image (default OUT/testroot.ext4)
#   ROOT_MODE=ro|overlay|cow  read-only shared root; the same with a tmpfs
#                     overlay on each node (adds "rootovl": a writable root);
#                     nbd-server copy-on-write (adds "rw"; not recommended:
#                     nbd-server 3.24's copyonwrite can return corrupt data)
#   SWAP_DIR=DIR      where the swap files live (default OUT/netboot/swap)
#   LISTEN=ADDR       nbd-server's address (default SERVER; 127.0.0.1 when
#                     SERVER is 10.0.2.2, QEMU user networking's host)
#   IFACE=NAME        dnsmasq's interface (default the one holding SERVER)
#   NODE_NET=NET/LEN  the node network (default SERVER's subnet)
#   DHCP_RANGE=A,B    dynamic range for nodes without a fixed IP
#   BOOT=auto|pxelinux  BIOS iPXE clients get boot.ipxe (auto) or pxelinux.0 too
#                     (UEFI clients always get snponly.efi, then boot.ipxe)
#   HTTP=off|on       on: iPXE fetches bzImage and initramfs.img over HTTP
#   HTTP_PORT=PORT    the web server's port (default 80)
#   NETBOOT_DIR=DIR   output directory (default OUT/netboot)
set -euo pipefail

usage="usage: netboot/build.sh OUT SERVER PORT"
out=${1:?$usage}
server=${2:?$usage}
port=${3:?$usage}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/nodes.sh"

die() { echo "netboot: error: $*" >&2; exit 1; }
say() { echo "netboot: $*"; }
warn() { echo "netboot: warning: $*" >&2; }

# ---- settings ----
node_ip_ok "$server" || die "SERVER='$server' is not an IPv4 address; expected the address the nodes reach this server at, like 10.77.0.1"
if ! [[ $port =~ ^[1-9][0-9]{0,4}$ ]] || [ "$port" -gt 65535 ]; then die "NBD_PORT='$port' is not a TCP port (1-65535)"; fi

dir=$(realpath -m "${NETBOOT_DIR:-$out/netboot}")
if [ -n "${NODES:-}" ]; then
	nodes=$NODES
elif [ -f "$here/nodes" ]; then
	nodes=$here/nodes
else
	nodes=$here/nodes.example
	say "no node list given: using $nodes (one QEMU demo node); copy it to netboot/nodes and edit it, or pass NODES=<file>"
fi
nodes=$(realpath -m "$nodes")
root_image=$(realpath -m "${ROOT_IMAGE:-$out/testroot.ext4}")
root_mode=${ROOT_MODE:-ro}
swap_dir=$(realpath -m "${SWAP_DIR:-$dir/swap}")
boot=${BOOT:-auto}
http=${HTTP:-off}
http_port=${HTTP_PORT:-80}
case $root_mode in ro | overlay | cow) ;; *) die "ROOT_MODE='$root_mode': expected ro (shared read-only root), overlay (the same, writable through a tmpfs overlay on the node) or cow (nbd-server copy-on-write)" ;; esac
# upstream nbd#177: Debian 12's nbd-server 3.24 can answer reads of a
# copyonwrite export with stale data (seen here as ext4 checksum errors)
[ "$root_mode" != cow ] || warn "ROOT_MODE=cow: nbd-server 3.24's copyonwrite can return corrupt data (upstream nbd#177); ROOT_MODE=overlay gives a writable root that cannot corrupt"
case $boot in auto | pxelinux) ;; *) die "BOOT='$boot': expected auto or pxelinux" ;; esac
case $http in on | off) ;; *) die "HTTP='$http': expected on (kernel and initramfs over HTTP) or off (TFTP)" ;; esac
if ! [[ $http_port =~ ^[1-9][0-9]{0,4}$ ]] || [ "$http_port" -gt 65535 ]; then die "HTTP_PORT='$http_port' is not a TCP port (1-65535)"; fi
[ "$http" = off ] || [ "$http_port" != "$port" ] || die "HTTP_PORT=$http_port is NBD_PORT too; give them different ports"

nodes_load "$nodes" || exit 1

# The interface and subnet that hold SERVER, when it is one of ours.
local_iface="" local_prefix=""
if read -r local_iface local_prefix < <(ip -o -4 addr show 2>/dev/null |
	awk -v s="$server" '{ split($4, a, "/"); if (a[1] == s) { print $2, a[2]; exit } }'); then :; fi

if [ -n "${LISTEN:-}" ]; then
	listen=$LISTEN
elif [ -z "$local_iface" ] && [ "$server" = 10.0.2.2 ]; then
	# QEMU user networking: the guest's 10.0.2.2 is the host's loopback,
	# and every connection arrives from 127.0.0.1.
	listen=127.0.0.1
else
	listen=$server
fi
node_ip_ok "$listen" || die "LISTEN='$listen' is not an IPv4 address"

iface=${IFACE:-$local_iface}
if [ -n "${NODE_NET:-}" ]; then
	net_ip=${NODE_NET%/*} net_prefix=${NODE_NET#*/}
	if [[ $NODE_NET != */* ]] || ! node_ip_ok "$net_ip" || ! [[ $net_prefix =~ ^[0-9]{1,2}$ ]] || [ "$net_prefix" -gt 32 ]; then
		die "NODE_NET='$NODE_NET': expected a network like 10.77.0.0/24"
	fi
elif [ -n "$local_prefix" ]; then
	net_ip=$server net_prefix=$local_prefix
elif [ "$listen" = 127.0.0.1 ]; then
	net_ip=127.0.0.1 net_prefix=32
else
	net_ip="" net_prefix=""
	warn "SERVER $server is not an address of this machine: pass IFACE= and NODE_NET= if another machine serves, or SERVER= one of this machine's addresses"
fi
if [ -n "$net_ip" ]; then
	mask=$(((0xffffffff << (32 - net_prefix)) & 0xffffffff))
	net_int=$(($(node_ip_int "$net_ip") & mask))
	net_ip=$(node_int_ip $net_int)
	netmask=$(node_int_ip $mask)
	[ "$net_ip/$net_prefix" = 127.0.0.1/32 ] || nodes_check_net "$nodes" "$net_ip" "$net_prefix" "$server" || exit 1
fi

for f in "$out/bzImage" "$out/initramfs.img"; do
	[ -f "$f" ] || die "$f missing: run make kernel initramfs first"
done
pxelinux=/usr/lib/PXELINUX/pxelinux.0
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
[ -f "$pxelinux" ] || die "$pxelinux missing: install Debian's pxelinux (make deps)"
[ -f "$ldlinux" ] || die "$ldlinux missing: install Debian's syslinux-common (make deps)"
# iPXE for UEFI that drives the NIC through the firmware's own network
# driver (SNP), so it runs on any NIC the firmware could PXE-boot from.
snponly=/usr/lib/ipxe/snponly.efi
[ -f "$snponly" ] || die "$snponly missing: install Debian's ipxe (make deps)"

# ---- the command line ----
if [ -n "${APPEND_FILE:-}" ]; then
	[ -f "$APPEND_FILE" ] || die "APPEND_FILE='$APPEND_FILE' not found"
	append=$(grep -v '^[[:space:]]*#' "$APPEND_FILE" | tr '\n' ' ' | sed 's/  */ /g; s/^ //; s/ $//')
	[ -n "$append" ] || die "APPEND_FILE='$APPEND_FILE' holds no command line"
elif [ -n "${APPEND:-}" ]; then
	append=$APPEND
else
	append="ip=dhcp netswap=nbd:$server:$port/swap-\${mac} root=nbd:$server:$port/root"
	[ "$root_mode" = cow ] && append+=" rw"
	[ "$root_mode" = overlay ] && append+=" rootovl"
fi
[ -n "${APPEND_EXTRA:-}" ] && append="$APPEND_EXTRA $append"
case $append in *$'\n'*) die "the command line must be one line" ;; esac
[ ${#append} -le 1000 ] || die "the command line is ${#append} characters; pxelinux and the init take at most 1000 here"
# iPXE would expand ${mac} itself (with colons): use its names for the same values.
ipxe_append=${append//'${mac}'/'${netX/mac:hexhyp}'}
ipxe_append=${ipxe_append//'${ip}'/'${netX/ip}'}
rest=${ipxe_append//'${netX/mac:hexhyp}'/}
rest=${rest//'${netX/ip}'/}
rest=${rest//'${hostname}'/}
case $rest in *'${'*) die "the command line has a \${...} other than \${mac}, \${ip} or \${hostname}: $append" ;; esac

# ---- templates ----
# fill TEMPLATE OUTPUT KEY=VALUE...: replaces each @KEY@ with VALUE.
fill() {
	local template=$1 dest=$2 text kv
	shift 2
	text=$(<"$here/templates/$template")
	for kv in "$@"; do
		[[ $text == *"@${kv%%=*}@"* ]] || die "template $template has no @${kv%%=*}@"
		text=${text//"@${kv%%=*}@"/"${kv#*=}"}
	done
	printf '%s\n' "$text" >"$dest.tmp"
	mv "$dest.tmp" "$dest"
}

# The dynamic DHCP range: DHCP_RANGE, else the half of the node network
# without the server; "static" when every node has a fixed IP.
dhcp_range() {
	local i dynamic=0 size start end s
	for i in "${!NODE_MAC[@]}"; do [ -n "${NODE_IP[$i]}" ] || dynamic=1; done
	if [ -n "${DHCP_RANGE:-}" ]; then
		if [[ $DHCP_RANGE != *,* ]] || ! node_ip_ok "${DHCP_RANGE%,*}" || ! node_ip_ok "${DHCP_RANGE#*,}"; then
			die "DHCP_RANGE='$DHCP_RANGE': expected FIRST,LAST like 10.77.0.100,10.77.0.199"
		fi
		echo "$DHCP_RANGE,$netmask,12h"
		return
	fi
	if [ $dynamic = 0 ]; then
		echo "$net_ip,static,$netmask,12h"
		return
	fi
	size=$((1 << (32 - net_prefix)))
	[ "$size" -ge 8 ] || die "the node network $net_ip/$net_prefix is too small for a DHCP range: pass DHCP_RANGE="
	s=$(node_ip_int "$server")
	start=$((net_int + size / 2)) end=$((net_int + size - 2))
	if [ "$s" -ge $start ] && [ "$s" -le $end ]; then start=$((net_int + 1)) end=$((net_int + size / 2 - 1)); fi
	echo "$(node_int_ip $start),$(node_int_ip $end),$netmask,12h"
}

mkdir -p "$dir/tftp/pxelinux.cfg" "$dir/auth" "$swap_dir"
[ "$root_mode" = cow ] && mkdir -p "$dir/cow"
cp "$out/bzImage" "$out/initramfs.img" "$pxelinux" "$ldlinux" "$snponly" "$dir/tftp/"
chmod a+r "$dir/tftp/"*
fill pxelinux.cfg "$dir/tftp/pxelinux.cfg/default" "APPEND=$append"
# Relative names are fetched the way boot.ipxe came, over TFTP.
base=""
[ "$http" = on ] && base="http://$server:$http_port/"
fill boot.ipxe "$dir/tftp/boot.ipxe" "APPEND=$ipxe_append" "BASE=$base"
if [ "$http" = on ]; then
	fill lighttpd.conf "$dir/lighttpd.conf" "DIR=$dir" "TFTP=$dir/tftp" "LISTEN=$listen" "HTTP_PORT=$http_port"
else
	rm -f "$dir/lighttpd.conf"
fi

# authfiles: a node with a fixed IP is the only one admitted to its swap;
# one without is admitted from the whole node network (see README).
open_to=${net_ip:+$net_ip/$net_prefix}
open_to=${open_to:-0.0.0.0/0}
{
	echo "# root: every node"
	if [ "$open_to" = 127.0.0.1/32 ]; then
		echo 127.0.0.1
	else
		for i in "${!NODE_MAC[@]}"; do [ -z "${NODE_IP[$i]}" ] || echo "${NODE_IP[$i]}"; done
		for i in "${!NODE_MAC[@]}"; do [ -n "${NODE_IP[$i]}" ] || { echo "$open_to"; break; }; done
	fi
} >"$dir/auth/root"

exports="" hosts="" loose=()
for i in "${!NODE_MAC[@]}"; do
	mac=${NODE_MAC[$i]} host=${NODE_HOST[$i]} ip=${NODE_IP[$i]}
	name=swap-$(node_mac_dashes "$mac")
	if [ "$open_to" = 127.0.0.1/32 ]; then
		# QEMU user networking: every node connects from the host's loopback
		printf '# %s (%s): QEMU user networking, all nodes come from loopback\n%s\n' "$host" "$mac" 127.0.0.1 >"$dir/auth/$name"
		hosts+="dhcp-host=$mac,$host"$'\n'
	elif [ -n "$ip" ]; then
		printf '# %s (%s): only its own address\n%s\n' "$host" "$mac" "$ip" >"$dir/auth/$name"
		hosts+="dhcp-host=$mac,$host,$ip"$'\n'
	else
		printf '# %s (%s) has no fixed IP: any address of the node network\n%s\n' "$host" "$mac" "$open_to" >"$dir/auth/$name"
		hosts+="dhcp-host=$mac,$host"$'\n'
		loose+=("$host")
	fi
	exports+=$'\n'"# $host ($mac${ip:+, $ip}), ${NODE_SWAP_TEXT[$i]}"
	exports+=$'\n'"[$name]"
	exports+=$'\n'"	exportname = $swap_dir/$name"
	exports+=$'\n'"	authfile = $dir/auth/$name"
	exports+=$'\n'"	trim = true"$'\n'
done
# a stale authfile of a node that left the list must not linger
for f in "$dir/auth/swap-"*; do
	[ -e "$f" ] || continue
	grep -q "^\[$(basename "$f")\]" <<<"$exports" || rm -f "$f"
done

if [ "$root_mode" = cow ]; then
	root_opts=$'\treadonly = false\n\tcopyonwrite = true\n\tcowdir = '"$dir/cow"
	root_desc="copy-on-write: each node writes to its own diff file, lost when it disconnects"
else
	root_opts=$'\treadonly = true'
	root_desc="read-only"
	[ "$root_mode" = overlay ] && root_desc="read-only, with a tmpfs overlay on each node: rootovl"
fi
fill nbd-server.conf "$dir/nbd-server.conf" "NODES=$nodes" "DIR=$dir" "LISTEN=$listen" "PORT=$port" \
	"ROOT_MODE=$root_desc" "ROOT_IMAGE=$root_image" "ROOT_OPTS=$root_opts" "SWAP_EXPORTS=$exports"

if [ -n "$net_ip" ] && [ "$net_ip/$net_prefix" != 127.0.0.1/32 ]; then
	# UEFI: the firmware loads snponly.efi, whose iPXE then gets boot.ipxe.
	# The tags are exclusive, so the order of the lines does not matter.
	efi_boot="dhcp-boot=tag:efi64,tag:!ipxe,snponly.efi,,$server"
	efi_pxe="pxe-service=tag:!ipxe,X86-64_EFI,\"netswap UEFI\",snponly.efi,$server"$'\n'
	efi_pxe+="pxe-service=tag:!ipxe,BC_EFI,\"netswap UEFI\",snponly.efi,$server"
	if [ "$boot" = pxelinux ]; then
		boot_lines="dhcp-boot=tag:bios,pxelinux.0,,$server"$'\n'"$efi_boot"$'\n'
		boot_lines+="dhcp-boot=tag:efi64,tag:ipxe,boot.ipxe,,$server"
		pxe_lines="pxe-service=x86PC,\"netswap\",pxelinux,$server"$'\n'"$efi_pxe"$'\n'
		pxe_lines+="dhcp-boot=tag:efi64,tag:ipxe,boot.ipxe,,$server"
	else
		boot_lines="dhcp-boot=tag:bios,tag:!ipxe,pxelinux.0,,$server"$'\n'"$efi_boot"$'\n'
		boot_lines+="dhcp-boot=tag:ipxe,boot.ipxe,,$server"
		pxe_lines="pxe-service=tag:!ipxe,x86PC,\"netswap\",pxelinux,$server"$'\n'"$efi_pxe"$'\n'
		pxe_lines+="dhcp-boot=tag:ipxe,boot.ipxe,,$server"
	fi
	fill dnsmasq.conf "$dir/dnsmasq.conf" "NODES=$nodes" "DIR=$dir" "IFACE=${iface:-CHANGEME}" \
		"DHCP_RANGE=$(dhcp_range)" "TFTP=$dir/tftp" "BOOT_LINES=$boot_lines" "DHCP_HOSTS=${hosts%$'\n'}"
	fill dnsmasq-proxy.conf "$dir/dnsmasq-proxy.conf" "DIR=$dir" "IFACE=${iface:-CHANGEME}" \
		"NODE_NETWORK=$net_ip" "TFTP=$dir/tftp" "PXE_LINES=$pxe_lines" "DHCP_HOSTS=${hosts%$'\n'}"
	[ -n "$iface" ] || warn "no interface holds $server: set IFACE= or edit interface= in $dir/dnsmasq.conf"
else
	rm -f "$dir/dnsmasq.conf" "$dir/dnsmasq-proxy.conf"
	if [ "$listen" = 127.0.0.1 ]; then
		say "QEMU user networking serves DHCP and TFTP itself: no dnsmasq.conf"
	else
		warn "node network unknown: no dnsmasq.conf (pass NODE_NET= and IFACE=)"
	fi
fi

swap_files_ensure "$swap_dir" || exit 1

{
	echo "# netboot.env - generated by netboot/build.sh; read by netboot/serve"
	printf 'NB_NODES=%q\n' "$nodes"
	printf 'NB_NODES_SUM=%q\n' "$(sha256sum <"$nodes" | cut -d' ' -f1)"
	printf 'NB_SERVER=%q\nNB_PORT=%q\nNB_LISTEN=%q\nNB_IFACE=%q\n' "$server" "$port" "$listen" "$iface"
	printf 'NB_ROOT_IMAGE=%q\nNB_ROOT_MODE=%q\nNB_SWAP_DIR=%q\n' "$root_image" "$root_mode" "$swap_dir"
	printf 'NB_HTTP=%q\nNB_HTTP_PORT=%q\n' "$http" "$http_port"
} >"$dir/netboot.env"

[ -f "$root_image" ] || warn "root image $root_image does not exist yet (make testroot, or ROOT_IMAGE=)"
if [ "$open_to" = 127.0.0.1/32 ]; then
	for i in "${!NODE_MAC[@]}"; do
		[ -z "${NODE_IP[$i]}" ] || { warn "QEMU user networking: the fixed IPs in $nodes are not used (every node connects from 127.0.0.1)"; break; }
	done
elif [ ${#loose[@]} -ne 0 ]; then
	warn "no fixed IP for ${loose[*]}: their swap exports admit any address of ${open_to} (give each node an IP in $nodes)"
fi
fetch="TFTP"
[ "$http" = on ] && fetch="HTTP on $listen:$http_port"
say "$dir: ${#NODE_MAC[@]} node(s), NBD on $listen:$port, root $root_mode, kernel over $fetch; command line: $append"
