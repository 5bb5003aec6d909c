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
#                         (with SWAP_SERVERS: per node that swaps on SERVER)
#   auth/                 one nbd-server authfile per export
#   swap/                 the swap files (SWAP_DIR=), sparse, never truncated
#   netboot.env           what netboot/serve needs to know
#   servers/ADDR[-PORT]/  with SWAP_SERVERS: one directory per swap server
#                         other than SERVER:PORT (nbd-server.conf, auth/,
#                         swap.nodes, netboot.env), for netboot/serve there
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
#   SWAP_SERVERS="ADDR[:PORT] ..."  the swap servers (default SERVER:PORT
#                     alone); the root and the boot files stay on SERVER
#   SWAP_LAYOUT=spread|stripe|mirror  spread: each node's swap on one server
#                     (the Nth node line on server N mod count); stripe: on
#                     every server, SWAP split evenly (rounded up to MiB),
#                     equal prio=; mirror:
#                     a full copy on two servers (N mod count and the next),
#                     joined by mirror=
#   SERVERS_DIR=DIR   where the servers/ directories are written, and the
#                     path each must have on its server (default DIR/servers)
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

# ---- swap servers ----
# SWAP_ADDR/SWAP_PORT[K]: swap server K; SWAP_NAME[K] its directory name.
swap_layout=${SWAP_LAYOUT:-spread}
case $swap_layout in spread | stripe | mirror) ;; *) die "SWAP_LAYOUT='$swap_layout': expected spread (each node's swap on one server), stripe (split over every server) or mirror (a copy on each of two servers)" ;; esac
read -r -a swap_words <<<"${SWAP_SERVERS:-}"
multi=1
if [ ${#swap_words[@]} -eq 0 ]; then
	[ "$swap_layout" = spread ] || die "SWAP_LAYOUT=$swap_layout needs SWAP_SERVERS= with two or more servers, like SWAP_SERVERS=\"10.77.0.1 10.77.0.2\""
	swap_words=("$server") multi=0
fi
[ $multi = 0 ] || [ -z "${APPEND:-}${APPEND_FILE:-}" ] ||
	die "APPEND= or APPEND_FILE= replaces the command line that SWAP_SERVERS= writes netswap= into: drop one of them (APPEND_EXTRA= adds words in front)"
SWAP_ADDR=() SWAP_PORT=() SWAP_NAME=()
declare -A seen_server=()
for w in "${swap_words[@]}"; do
	a=${w%%:*} p=$port
	[[ $w == *:* ]] && p=${w#*:}
	if ! node_ip_ok "$a" || ! [[ $p =~ ^[1-9][0-9]{0,4}$ ]] || [ "$p" -gt 65535 ]; then
		die "SWAP_SERVERS: '$w' is not ADDR or ADDR:PORT; expected IPv4 addresses, each with an optional TCP port (default NBD_PORT), like SWAP_SERVERS=\"10.77.0.1 10.77.0.2:10810\""
	fi
	[ -z "${seen_server[$a:$p]:-}" ] || die "SWAP_SERVERS: $a:$p is listed twice"
	seen_server[$a:$p]=1
	SWAP_ADDR+=("$a") SWAP_PORT+=("$p")
	if [[ $w == *:* ]]; then SWAP_NAME+=("$a-$p"); else SWAP_NAME+=("$a"); fi
done
nservers=${#SWAP_ADDR[@]}
if [ "$swap_layout" != spread ] && [ "$nservers" -lt 2 ]; then
	die "SWAP_LAYOUT=$swap_layout needs two or more SWAP_SERVERS, got $nservers: '${SWAP_SERVERS:-}'"
fi
# a node's fixed IP is no swap server's (as nodes_check_net for SERVER)
bad=0
for i in "${!NODE_MAC[@]}"; do
	[ $multi = 1 ] && [ -n "${NODE_IP[$i]}" ] || continue
	printf '%s\n' "${SWAP_ADDR[@]}" | grep -qxF "${NODE_IP[$i]}" || continue
	nodes_error "$nodes" "${NODE_LINE[$i]}" "field 3 (IP) ${NODE_IP[$i]} is the address of a swap server in SWAP_SERVERS"
	bad=1
done
[ $bad = 0 ] || exit 1
# the init takes at most 8 netswap= (MAX_SWAPS, init/config.h)
[ "$swap_layout" != stripe ] || [ "$nservers" -le 8 ] ||
	die "SWAP_LAYOUT=stripe puts one netswap= per server on each node, and the init takes at most 8: list at most 8 SWAP_SERVERS, got $nservers"

# node_servers I: the servers (indexes into SWAP_*) node I swaps on. The
# order of the node lines decides: append new nodes at the end, and the
# others stay where they are.
node_servers() {
	case $swap_layout in
	spread) echo $(($1 % nservers)) ;;
	stripe) seq 0 $((nservers - 1)) ;;
	# in server order, so that over two servers every node has one line
	mirror) printf '%s\n' $(($1 % nservers)) $((($1 + 1) % nservers)) | sort -n ;;
	esac
}

# node_share_bytes I: the size of node I's export on each of its servers:
# its SWAP, split evenly when striped, rounded up to whole MiB (at least
# the 1M a node list takes, and short enough for its size field).
node_share_bytes() {
	local b=${NODE_SWAP[$1]} mib=$((1 << 20))
	[ "$swap_layout" = stripe ] || { echo "$b"; return; }
	echo $(((b / nservers + mib - 1) / mib * mib))
}

# size_text BYTES: 2G, 512M or 1028K, as the node list writes sizes.
size_text() {
	if [ $(($1 % (1 << 30))) -eq 0 ]; then echo "$(($1 >> 30))G"
	elif [ $(($1 % (1 << 20))) -eq 0 ]; then echo "$(($1 >> 20))M"
	else echo "$(($1 >> 10))K"; fi
}

declare -a server_load=()
for i in "${!NODE_MAC[@]}"; do
	for k in $(node_servers "$i"); do server_load[k]=$((${server_load[k]:-0} + 1)); done
done
for k in "${!SWAP_ADDR[@]}"; do
	[ -n "${server_load[k]:-}" ] && continue
	most=${#NODE_MAC[@]}
	[ "$swap_layout" = mirror ] && most=$((most + 1))
	die "SWAP_SERVERS: ${SWAP_ADDR[k]}:${SWAP_PORT[k]} would hold no node's swap (SWAP_LAYOUT=$swap_layout, ${#NODE_MAC[@]} node(s)); list at most $most servers"
done

# The interface and subnet that hold SERVER, when it is one of ours.
local_iface="" local_prefix=""
if read -r local_iface local_prefix < <(ip -o -4 addr show 2>/dev/null |
	awk -v s="$server" '{ split($4, a, "/"); if (a[1] == s) { print $2, a[2]; exit } }'); then :; fi

# server_listen ADDR: the address nbd-server listens on for server ADDR.
# QEMU user networking: the guest's 10.0.2.2 is the host's loopback (when
# no interface here holds 10.0.2.2), and every connection arrives from
# 127.0.0.1.
server_listen() {
	if [ "$1" = 10.0.2.2 ] && ! ip -o -4 addr show 2>/dev/null | grep -q ' 10\.0\.2\.2/'; then echo 127.0.0.1; else echo "$1"; fi
}
listen=${LISTEN:-$(server_listen "$server")}
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
fi

# node_append I: node I's default command line, its netswap= on its servers.
node_append() {
	local k line=ip=dhcp
	for k in $(node_servers "$1"); do
		line+=" netswap=nbd:${SWAP_ADDR[k]}:${SWAP_PORT[k]}/swap-\${mac}"
		# equal priorities are what make the kernel deal pages out in turn
		[ $multi = 0 ] || case $swap_layout in stripe) line+=":prio=5" ;; mirror) line+=":mirror=m" ;; esac
	done
	line+=" root=nbd:$server:$port/root"
	[ "$root_mode" = cow ] && line+=" rw"
	[ "$root_mode" = overlay ] && line+=" rootovl"
	echo "${APPEND_EXTRA:+$APPEND_EXTRA }$line"
}

# ipxe_form LINE: LINE in iPXE's names, or an error for one it cannot take.
# iPXE would expand ${mac} itself (with colons): use its names for the same values.
ipxe_form() {
	local line=$1 ipxe rest
	case $line in *$'\n'*) die "the command line must be one line" ;; esac
	[ ${#line} -le 1000 ] || die "the command line is ${#line} characters; pxelinux and the init take at most 1000 here"
	ipxe=${line//'${mac}'/'${netX/mac:hexhyp}'}
	ipxe=${ipxe//'${ip}'/'${netX/ip}'}
	rest=${ipxe//'${netX/mac:hexhyp}'/}
	rest=${rest//'${netX/ip}'/}
	rest=${rest//'${hostname}'/}
	case $rest in *'${'*) die "the command line has a \${...} other than \${mac}, \${ip} or \${hostname}: $line" ;; esac
	echo "$ipxe"
}

# NODE_APPEND[I]: node I's line; own_lines=1 when they differ (spread over
# several servers, mirror over three or more), so each node needs its own
# pxelinux.cfg/01-<mac> and node-<mac>.ipxe.
NODE_APPEND=() own_lines=0
if [ -n "${append:-}" ]; then
	append="${APPEND_EXTRA:+$APPEND_EXTRA }$append"
	for i in "${!NODE_MAC[@]}"; do NODE_APPEND+=("$append"); done
else
	for i in "${!NODE_MAC[@]}"; do
		NODE_APPEND+=("$(node_append "$i")")
		[ "${NODE_APPEND[i]}" = "${NODE_APPEND[0]}" ] || own_lines=1
	done
	# nodes without a file of their own (only QEMU user networking lets an
	# unlisted node boot) get the first node's servers
	append=${NODE_APPEND[0]}
fi
ipxe_append=$(ipxe_form "$append") || exit 1
for i in "${!NODE_MAC[@]}"; do ipxe_form "${NODE_APPEND[i]}" >/dev/null || exit 1; done

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
# Relative names are fetched the way boot.ipxe came, over TFTP.
base=""
[ "$http" = on ] && base="http://$server:$http_port/"
# Each node's own files, when the nodes' lines differ: pxelinux reads
# pxelinux.cfg/01-<mac> by itself; iPXE is sent on by boot.ipxe's chain.
# Only files with this mark are ours to rewrite or remove.
own_mark="make netboot rewrites this file"
for f in "$dir/tftp/pxelinux.cfg/01-"*; do
	[ -e "$f" ] || continue
	if grep -q "$own_mark" "$f"; then rm -f "$f"; continue; fi
	[ $own_lines = 1 ] && printf '01-%s\n' "${NODE_MAC[@]//:/-}" | grep -qxF "$(basename "$f")" &&
		die "$f was not written by make netboot (a copy made by hand?), and SWAP_LAYOUT=$swap_layout writes that node's own file: move it away"
done
rm -f "$dir/tftp/node-"*.ipxe
chain="# every node boots the command line below"
if [ $own_lines = 1 ]; then
	chain="chain node-\${netX/mac:hexhyp}.ipxe || echo no node-\${netX/mac:hexhyp}.ipxe: booting the default command line"
	for i in "${!NODE_MAC[@]}"; do
		m=$(node_mac_dashes "${NODE_MAC[$i]}")
		scope="${NODE_HOST[$i]} (${NODE_MAC[$i]}) only: SWAP_LAYOUT=$swap_layout gives it its own swap servers; $own_mark"
		fill pxelinux.cfg "$dir/tftp/pxelinux.cfg/01-$m" "FILE=01-$m" "SCOPE=$scope" "APPEND=${NODE_APPEND[i]}"
		fill boot.ipxe "$dir/tftp/node-$m.ipxe" "CHAIN=# $scope" "APPEND=$(ipxe_form "${NODE_APPEND[i]}")" "BASE=$base"
	done
	chmod a+r "$dir/tftp/pxelinux.cfg/"* "$dir/tftp/node-"*.ipxe
fi
fill pxelinux.cfg "$dir/tftp/pxelinux.cfg/default" "FILE=default" "SCOPE=for every node without a file of its own" "APPEND=$append"
fill boot.ipxe "$dir/tftp/boot.ipxe" "CHAIN=$chain" "APPEND=$ipxe_append" "BASE=$base"
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

hosts="" loose=()
for i in "${!NODE_MAC[@]}"; do
	mac=${NODE_MAC[$i]} host=${NODE_HOST[$i]} ip=${NODE_IP[$i]}
	if [ "$open_to" = 127.0.0.1/32 ] || [ -z "$ip" ]; then hosts+="dhcp-host=$mac,$host"$'\n'; else hosts+="dhcp-host=$mac,$host,$ip"$'\n'; fi
	[ "$open_to" = 127.0.0.1/32 ] || [ -n "$ip" ] || loose+=("$host")
done

# swap_auth I: node I's swap authfile.
swap_auth() {
	local mac=${NODE_MAC[$1]} host=${NODE_HOST[$1]} ip=${NODE_IP[$1]}
	if [ "$open_to" = 127.0.0.1/32 ]; then
		# QEMU user networking: every node connects from the host's loopback
		printf '# %s (%s): QEMU user networking, all nodes come from loopback\n%s\n' "$host" "$mac" 127.0.0.1
	elif [ -n "$ip" ]; then
		printf '# %s (%s): only its own address\n%s\n' "$host" "$mac" "$ip"
	else
		printf '# %s (%s) has no fixed IP: any address of the node network\n%s\n' "$host" "$mac" "$open_to"
	fi
}

# server_share K CONF_DIR SWAP_DIR: the authfiles of swap server K (-1:
# none) in CONF_DIR/auth, stale ones removed, and with SWAP_SERVERS its
# share CONF_DIR/swap.nodes (a node list of the exports it must create,
# with their sizes); prints its nbd-server.conf swap exports.
server_share() {
	local k=$1 cdir=$2 sdir=$3 i name size exports="" share="" f
	mkdir -p "$cdir/auth"
	for i in "${!NODE_MAC[@]}"; do
		node_servers "$i" | grep -qx -- "$k" || continue
		name=swap-$(node_mac_dashes "${NODE_MAC[$i]}")
		swap_auth "$i" >"$cdir/auth/$name"
		size=${NODE_SWAP_TEXT[$i]}
		[ "$swap_layout" != stripe ] || size="$(size_text "$(node_share_bytes "$i")") of its ${NODE_SWAP_TEXT[$i]}, striped over $nservers servers"
		[ "$swap_layout" != mirror ] || size+=", one leg of its mirror"
		exports+=$'\n'"# ${NODE_HOST[$i]} (${NODE_MAC[$i]}${NODE_IP[$i]:+, ${NODE_IP[$i]}}), $size"
		exports+=$'\n'"[$name]"
		exports+=$'\n'"	exportname = $sdir/$name"
		exports+=$'\n'"	authfile = $cdir/auth/$name"
		exports+=$'\n'"	trim = true"$'\n'
		share+="${NODE_MAC[$i]} ${NODE_HOST[$i]} ${NODE_IP[$i]:--} $(size_text "$(node_share_bytes "$i")")"$'\n'
	done
	# a stale authfile of a node that left must not linger
	for f in "$cdir/auth/swap-"*; do
		[ -e "$f" ] || continue
		grep -q "^\[$(basename "$f")\]" <<<"$exports" || rm -f "$f"
	done
	rm -f "$cdir/swap.nodes"
	if [ $multi = 1 ] && [ -n "$share" ]; then
		{
			echo "# swap.nodes - generated by netboot/build.sh from $nodes: the swap"
			echo "# exports of ${SWAP_ADDR[k]}:${SWAP_PORT[k]} (SWAP_LAYOUT=$swap_layout), created by netboot/serve in"
			echo "# $sdir, sparse, never truncated. MAC HOSTNAME IP SIZE"
			printf '%s' "$share"
		} >"$cdir/swap.nodes"
	fi
	printf '%s' "$exports"
}

main_k=-1
for k in "${!SWAP_ADDR[@]}"; do
	[ "${SWAP_ADDR[k]}:${SWAP_PORT[k]}" != "$server:$port" ] || main_k=$k
done
exports=$(server_share $main_k "$dir" "$swap_dir")
swap_list=all
if [ $multi = 1 ]; then swap_list=none; [ ! -f "$dir/swap.nodes" ] || swap_list=$dir/swap.nodes; fi

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

if [ "$swap_list" = all ]; then
	swap_files_ensure "$swap_dir" || exit 1
elif [ "$swap_list" != none ]; then
	swap_list_ensure "$swap_list" "$swap_dir" || exit 1
fi

# ---- the other swap servers: one directory each, for netboot/serve there ----
servers_dir=$(realpath -m "${SERVERS_DIR:-$dir/servers}")
server_dirs=()
for k in "${!SWAP_ADDR[@]}"; do
	[ "$k" != "$main_k" ] || continue
	sdir=$servers_dir/${SWAP_NAME[k]}
	mkdir -p "$sdir"
	sexports=$(server_share "$k" "$sdir" "$sdir/swap")
	slisten=$(server_listen "${SWAP_ADDR[k]}")
	fill nbd-swap-server.conf "$sdir/nbd-server.conf" "NAME=${SWAP_ADDR[k]}:${SWAP_PORT[k]}" "NODES=$nodes" \
		"LAYOUT=$swap_layout" "BOOT_SERVER=$server:$port" "DIR=$sdir" "LISTEN=$slisten" "PORT=${SWAP_PORT[k]}" \
		"SWAP_EXPORTS=$sexports"
	{
		echo "# netboot.env - generated by netboot/build.sh; read by netboot/serve: swap server ${SWAP_ADDR[k]}:${SWAP_PORT[k]}"
		echo "NB_ROLE=swap"
		printf 'NB_NODES=%q\n' "$sdir/swap.nodes"
		printf 'NB_NODES_SUM=%q\n' "$(sha256sum <"$sdir/swap.nodes" | cut -d' ' -f1)"
		printf 'NB_SERVER=%q\nNB_PORT=%q\nNB_LISTEN=%q\nNB_IFACE=\n' "${SWAP_ADDR[k]}" "${SWAP_PORT[k]}" "$slisten"
		printf 'NB_SWAP_DIR=%q\nNB_SWAP_LIST=%q\nNB_HTTP=off\n' "$sdir/swap" "$sdir/swap.nodes"
	} >"$sdir/netboot.env"
	server_dirs+=("$sdir")
done
# a server that left SWAP_SERVERS: its files go (serve then refuses the
# directory), its swap files stay, as data is never deleted
for sdir in "$servers_dir"/*/; do
	sdir=${sdir%/}
	grep -qx NB_ROLE=swap "$sdir/netboot.env" 2>/dev/null || continue
	[[ " ${server_dirs[*]} " == *" $sdir "* ]] && continue
	rm -rf "$sdir/netboot.env" "$sdir/nbd-server.conf" "$sdir/swap.nodes" "$sdir/auth"
	say "$sdir: no longer a swap server; removed its configuration, kept its swap files"
done

{
	echo "# netboot.env - generated by netboot/build.sh; read by netboot/serve"
	printf 'NB_NODES=%q\n' "$nodes"
	printf 'NB_NODES_SUM=%q\n' "$(sha256sum <"$nodes" | cut -d' ' -f1)"
	printf 'NB_SERVER=%q\nNB_PORT=%q\nNB_LISTEN=%q\nNB_IFACE=%q\n' "$server" "$port" "$listen" "$iface"
	printf 'NB_ROOT_IMAGE=%q\nNB_ROOT_MODE=%q\nNB_SWAP_DIR=%q\n' "$root_image" "$root_mode" "$swap_dir"
	printf 'NB_HTTP=%q\nNB_HTTP_PORT=%q\n' "$http" "$http_port"
	printf 'NB_SWAP_LIST=%q\nNB_SWAP_SERVERS=%q\n' "$swap_list" "${server_dirs[*]}"
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
if [ $multi = 1 ]; then
	for k in "${!SWAP_ADDR[@]}"; do
		where=$dir
		[ "$k" = "$main_k" ] || where=$servers_dir/${SWAP_NAME[k]}
		say "swap server ${SWAP_ADDR[k]}:${SWAP_PORT[k]} ($swap_layout): ${server_load[k]} node(s), netboot/serve $where"
	done
	[ $own_lines = 0 ] || say "each node boots its own command line: tftp/pxelinux.cfg/01-<mac> and tftp/node-<mac>.ipxe"
fi
