# shellcheck shell=bash
# netboot/nodes.sh - the node list: parsing, validation and the swap files;
# sourced by build.sh and serve, so both refuse the same lines the same way.
# Only swap_files_ensure touches files; the rest fills the NODE_* arrays and
# prints messages.
#
# One node a line, fields separated by blanks, '#' starts a comment:
#   MAC                 HOSTNAME   [IP]          SWAP
#   52:54:00:12:34:56   node1      10.77.0.11    2G
#   52-54-00-12-34-57   node2      -             512M
# MAC: six hex pairs joined by ':' or '-', any case (stored lowercase).
# HOSTNAME: one DNS label (letters, digits, '-'; 1..63; no leading/trailing '-').
# IP: optional dotted quad; '-' or an absent field means "no fixed address".
# SWAP: a size with a unit, K M G or T (powers of 1024), a whole number of
# 4 KiB pages, at least 1M.

NODE_MAC=() NODE_HOST=() NODE_IP=() NODE_SWAP=() NODE_SWAP_TEXT=() NODE_LINE=()

# node_mac_ok TEXT: MAC syntax (':' or '-' separators, not mixed).
node_mac_ok() {
	[[ $1 =~ ^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$ || $1 =~ ^[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5}$ ]]
}

# node_mac_norm TEXT: 52:54:00:12:34:56, lowercase.
node_mac_norm() { local m=${1,,}; echo "${m//-/:}"; }

# node_mac_dashes MAC: 52-54-00-12-34-56, the form the init's ${mac} expands to.
node_mac_dashes() { local m=${1,,}; echo "${m//:/-}"; }

# node_ip_ok TEXT: a dotted quad, each part 0..255 without leading zeros
# (010 would be octal to some parsers), not 0.0.0.0 or 255.255.255.255.
node_ip_ok() {
	local IFS=. part
	[[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || return 1
	for part in $1; do
		[[ $part =~ ^(0|[1-9][0-9]*)$ ]] && [ "$part" -le 255 ] || return 1
	done
	[ "$1" != 0.0.0.0 ] && [ "$1" != 255.255.255.255 ]
}

# node_ip_int DOTTED: the address as a 32-bit integer.
node_ip_int() {
	local IFS=.
	set -- $1
	echo $((($1 << 24) | ($2 << 16) | ($3 << 8) | $4))
}

node_int_ip() { echo "$(($1 >> 24 & 255)).$(($1 >> 16 & 255)).$(($1 >> 8 & 255)).$(($1 & 255))"; }

node_hostname_ok() {
	[[ $1 =~ ^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$ ]]
}

# node_size_bytes TEXT: prints the size in bytes; 1 when malformed.
node_size_bytes() {
	local n unit shift
	[[ $1 =~ ^([0-9]{1,9})([KMGTkmgt])$ ]] || return 1
	n=$((10#${BASH_REMATCH[1]})) unit=${BASH_REMATCH[2]^^}
	case $unit in K) shift=10 ;; M) shift=20 ;; G) shift=30 ;; T) shift=40 ;; esac
	n=$((n << shift))
	[ $((n % 4096)) -eq 0 ] && [ "$n" -ge $((1 << 20)) ] && [ "$n" -le $((1 << 50)) ] || return 1
	echo "$n"
}

# nodes_error FILE LINE MESSAGE
nodes_error() { echo "netboot: $1:$2: $3" >&2; }

# nodes_load FILE: fills NODE_* (one entry per node) or prints every bad
# line as FILE:LINE: field N (NAME) ... and returns 1.
nodes_load() {
	local file=$1 raw line n=0 bad=0 mac host ip swap bytes i
	local -A seen_mac=() seen_host=() seen_ip=()
	local -a f
	NODE_MAC=() NODE_HOST=() NODE_IP=() NODE_SWAP=() NODE_SWAP_TEXT=() NODE_LINE=()
	if [ ! -f "$file" ]; then
		echo "netboot: node list '$file' not found; copy netboot/nodes.example and edit it, then pass NODES=<file>" >&2
		return 1
	fi
	if [ ! -r "$file" ]; then
		echo "netboot: node list '$file' is not readable" >&2
		return 1
	fi
	while IFS= read -r raw || [ -n "$raw" ]; do
		n=$((n + 1))
		line=${raw%%#*}
		read -r -a f <<<"$line"
		[ ${#f[@]} -eq 0 ] && continue
		case ${#f[@]} in
		3) mac=${f[0]} host=${f[1]} ip=- swap=${f[2]} ;;
		4) mac=${f[0]} host=${f[1]} ip=${f[2]} swap=${f[3]} ;;
		*)
			nodes_error "$file" $n "${#f[@]} fields, expected MAC HOSTNAME [IP] SWAP (3 or 4 fields): '$line'"
			bad=1
			continue
			;;
		esac
		if ! node_mac_ok "$mac"; then
			nodes_error "$file" $n "field 1 (MAC) '$mac' is not a MAC address; expected six hex pairs like 52:54:00:12:34:56"
			bad=1
		else
			mac=$(node_mac_norm "$mac")
			if [ -n "${seen_mac[$mac]:-}" ]; then
				nodes_error "$file" $n "field 1 (MAC) $mac is already used on line ${seen_mac[$mac]}"
				bad=1
			fi
			seen_mac[$mac]=$n
		fi
		if ! node_hostname_ok "$host"; then
			nodes_error "$file" $n "field 2 (HOSTNAME) '$host' is not a host name; expected 1-63 letters, digits or '-', not starting or ending with '-'"
			bad=1
		elif [ -n "${seen_host[${host,,}]:-}" ]; then
			nodes_error "$file" $n "field 2 (HOSTNAME) '$host' is already used on line ${seen_host[${host,,}]}"
			bad=1
		else
			seen_host[${host,,}]=$n
		fi
		if [ "$ip" != - ]; then
			if ! node_ip_ok "$ip"; then
				nodes_error "$file" $n "field 3 (IP) '$ip' is not an IPv4 address; expected a dotted quad like 10.77.0.11, or '-' for none"
				bad=1
			elif [ -n "${seen_ip[$ip]:-}" ]; then
				nodes_error "$file" $n "field 3 (IP) $ip is already used on line ${seen_ip[$ip]}"
				bad=1
			else
				seen_ip[$ip]=$n
			fi
		fi
		if ! bytes=$(node_size_bytes "$swap"); then
			nodes_error "$file" $n "field ${#f[@]} (SWAP) '$swap' is not a swap size; expected a number with K, M, G or T (like 2G or 512M), a multiple of 4K, at least 1M"
			bad=1
		fi
		[ $bad -eq 0 ] || continue
		NODE_MAC+=("$mac") NODE_HOST+=("$host") NODE_SWAP+=("$bytes") NODE_SWAP_TEXT+=("$swap")
		NODE_LINE+=("$n")
		if [ "$ip" = - ]; then NODE_IP+=(""); else NODE_IP+=("$ip"); fi
	done <"$file"
	if [ $bad -ne 0 ]; then
		echo "netboot: $file: malformed node list, nothing was changed" >&2
		return 1
	fi
	if [ ${#NODE_MAC[@]} -eq 0 ]; then
		echo "netboot: $file: no nodes; expected lines like '52:54:00:12:34:56 node1 10.77.0.11 2G'" >&2
		return 1
	fi
	return 0
}

# nodes_check_net FILE NET PREFIX SERVER: every fixed IP inside NET/PREFIX
# and none equal to the server's own address.
nodes_check_net() {
	local file=$1 net=$2 prefix=$3 server=$4 i mask bad=0
	mask=$(((0xffffffff << (32 - prefix)) & 0xffffffff))
	for i in "${!NODE_MAC[@]}"; do
		[ -n "${NODE_IP[$i]}" ] || continue
		if [ "${NODE_IP[$i]}" = "$server" ]; then
			nodes_error "$file" "${NODE_LINE[$i]}" "field 3 (IP) ${NODE_IP[$i]} is the server's own address"
			bad=1
		elif [ $(($(node_ip_int "${NODE_IP[$i]}") & mask)) -ne $(($(node_ip_int "$net") & mask)) ]; then
			nodes_error "$file" "${NODE_LINE[$i]}" "field 3 (IP) ${NODE_IP[$i]} is outside the node network $net/$prefix"
			bad=1
		fi
	done
	return $bad
}

# swap_files_ensure DIR: creates each node's missing swap file DIR/swap-<mac>,
# sparse, of its listed size. An existing file is never truncated or grown:
# a running node may be swapping to it.
swap_files_ensure() {
	local dir=$1 i f size
	mkdir -p "$dir" || return 1
	for i in "${!NODE_MAC[@]}"; do
		f=$dir/swap-$(node_mac_dashes "${NODE_MAC[$i]}")
		if [ -e "$f" ]; then
			size=$(stat -c %s "$f")
			[ "$size" = "${NODE_SWAP[$i]}" ] ||
				echo "netboot: warning: $f is $size bytes, the node list says ${NODE_SWAP_TEXT[$i]}; keeping it (remove it while ${NODE_HOST[$i]} is down to resize it)" >&2
			continue
		fi
		# noclobber: created here or not at all, never truncating a racing one
		(set -C && : >"$f") 2>/dev/null || { echo "netboot: cannot create $f" >&2; return 1; }
		truncate -s "${NODE_SWAP[$i]}" "$f" || return 1
	done
}

# swap_list_ensure LIST DIR: swap_files_ensure for the nodes of LIST (a
# node list of one swap server's share, written by build.sh), leaving the
# caller's NODE_* as they were.
swap_list_ensure() {
	(nodes_load "$1" && swap_files_ensure "$2")
}
