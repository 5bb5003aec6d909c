#!/bin/bash
# make netboot's SWAP_SERVERS and SWAP_LAYOUT: for each layout, every
# node's command line (pxelinux.cfg and iPXE) names the servers it swaps
# on, and each of those servers' nbd-server.conf, authfiles and swap.nodes
# hold that node's export at the right size, and no other server does;
# each bad value is refused naming the variable and the expected form.
# Needs OUT/bzImage and OUT/initramfs.img; starts no server.
set -u
cd "$(dirname "$0")/../.." || exit 1
out=${OUT:-out}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
CHECK_NAME="netboot SWAP_SERVERS"
. tests/unit/checks.sh
# build NAME [VAR=VALUE...]: build.sh with SERVER 10.77.0.1, the tree in $d/NAME
build() {
	local name=$1
	shift
	env NODES="$d/nodes" NETBOOT_DIR="$d/$name" IFACE=br9 NODE_NET=10.77.0.0/24 "$@" \
		bash netboot/build.sh "$out" 10.77.0.1 10809 >"$d/$name.log" 2>&1
}
# refused NAME REGEX [VAR=VALUE...]: build.sh fails and says REGEX
refused() {
	local name=$1 re=$2
	shift 2
	build "$name" "$@"
	local rc=$?
	check "refuses $name" bash -c "[ $rc != 0 ] && grep -qE -- \"\$1\" '$d/$name.log'" _ "$re"
	[ $rc != 0 ] && grep -qE -- "$re" "$d/$name.log" || sed 's/^/     | /' "$d/$name.log"
}
macs=(52:54:00:00:00:11 52:54:00:00:00:12 52:54:00:00:00:13 52:54:00:00:00:14)
cat >"$d/nodes" <<EOF
${macs[0]} node11 10.77.0.11 1G
${macs[1]} node12 10.77.0.12 1G
${macs[2]} node13 10.77.0.13 512M
${macs[3]} node14 10.77.0.14 2G
EOF
dash() { echo "${1//:/-}"; }

# line TREE I: node I's pxelinux APPEND (its own file, else the default)
line() {
	local f
	f=$1/tftp/pxelinux.cfg/01-$(dash "${macs[$2]}")
	[ -f "$f" ] || f=$1/tftp/pxelinux.cfg/default
	sed -n 's/^\tAPPEND //p' "$f"
}
# ipxe_line TREE I: node I's iPXE kernel line (its own script, else boot.ipxe)
ipxe_line() {
	local f
	f=$1/tftp/node-$(dash "${macs[$2]}").ipxe
	[ -f "$f" ] || f=$1/tftp/boot.ipxe
	grep '^kernel ' "$f"
}
# conf TREE ADDR:PORT: the nbd-server.conf that serves ADDR:PORT
conf() {
	local c
	for c in "$1/nbd-server.conf" "$1"/servers/*/nbd-server.conf; do
		[ -f "$c" ] || continue
		[ "$(sed -n 's/^\tlistenaddr = //p' "$c"):$(sed -n 's/^\tport = //p' "$c")" = "$2" ] && echo "$c" && return
	done
}
# placed TREE I WANT...: node I's pxelinux and iPXE lines swap on exactly
# the servers WANT (ADDR:PORT:OPTS, in order); each of them exports
# swap-<mac> with an authfile, at the size swap.nodes gives; no other
# server exports it.
placed() {
	local tree=$1 i=$2 w got="" ipxe_got="" c name n=0
	name=swap-$(dash "${macs[$2]}")
	shift 2
	got=$(line "$tree" "$i" | grep -oE 'netswap=[^ ]*' | tr '\n' ' ')
	ipxe_got=$(ipxe_line "$tree" "$i" | grep -oE 'netswap=[^ ]*' | sed 's/\${netX\/mac:hexhyp}/${mac}/' | tr '\n' ' ')
	local want=""
	for w in "$@"; do want+="netswap=nbd:${w%%:*}:$(cut -d: -f2 <<<"$w")/swap-\${mac}$(cut -s -d: -f3 <<<"$w" | sed 's/^./:&/') "; done
	[ "$got" = "$want" ] || { echo "     | node $i: pxelinux '$got', want '$want'"; return 1; }
	[ "$ipxe_got" = "$want" ] || { echo "     | node $i: iPXE '$ipxe_got', want '$want'"; return 1; }
	for c in "$tree/nbd-server.conf" "$tree"/servers/*/nbd-server.conf; do
		grep -q "^\[$name\]" "$c" || continue
		n=$((n + 1))
		[[ " $* " == *" $(sed -n 's/^\tlistenaddr = //p' "$c" | sed 's/127.0.0.1/10.0.2.2/'):$(sed -n 's/^\tport = //p' "$c")"[:\ ]* ]] ||
			{ echo "     | $c exports $name, not one of its servers"; return 1; }
		[ -f "$(dirname "$c")/auth/$name" ] || { echo "     | no authfile for $name beside $c"; return 1; }
	done
	[ $n = $# ] || { echo "     | $name exported by $n servers, want $#"; return 1; }
}
# share TREE ADDR:PORT I SIZE: the server's swap.nodes lists node I at SIZE
share() {
	local c
	c=$(conf "$1" "$2")
	grep -q "^${macs[$3]} node1[0-9] 10.77.0.1[0-9] $4$" "$(dirname "$c")/swap.nodes"
}

# ---- one server, as before ----
build single
check "one server builds" [ $? = 0 ]
check "one server: the same line for all" grep -q "APPEND ip=dhcp netswap=nbd:10.77.0.1:10809/swap-\${mac} root=nbd:10.77.0.1:10809/root$" "$d/single/tftp/pxelinux.cfg/default"
check "one server: no servers/, swap.nodes or per-node files" bash -c "! ls -d '$d/single/servers' '$d/single/swap.nodes' '$d/single/tftp/node-'* '$d/single/tftp/pxelinux.cfg/01-'* 2>/dev/null | grep -q ."
check "one server: boot.ipxe chains nothing" bash -c "! grep -q '^chain' '$d/single/tftp/boot.ipxe'"
check "one server: every node's export and swap file" bash -c "[ \$(grep -c '^\[swap-' '$d/single/nbd-server.conf') = 4 ] && [ \$(ls '$d/single/swap' | wc -l) = 4 ]"

# ---- spread: node I on server I mod 3 ----
s1=10.77.0.1:10809 s2=10.77.0.2:10809 s3=10.77.0.3:10811
build spread SWAP_SERVERS="10.77.0.1 10.77.0.2 10.77.0.3:10811" SWAP_LAYOUT=spread
check "spread builds" [ $? = 0 ]
check "spread: node 0 on server 1" placed "$d/spread" 0 $s1
check "spread: node 1 on server 2" placed "$d/spread" 1 $s2
check "spread: node 2 on server 3" placed "$d/spread" 2 $s3
check "spread: node 3 on server 1 again" placed "$d/spread" 3 $s1
check "spread: boot.ipxe chains node-<mac>.ipxe" grep -q '^chain node-${netX/mac:hexhyp}.ipxe || ' "$d/spread/tftp/boot.ipxe"
check "spread: one directory per other server" bash -c "[ \"\$(ls '$d/spread/servers')\" = \"$(printf '10.77.0.2\n10.77.0.3-10811')\" ]"
check "spread: full sizes in swap.nodes" bash -c "$(declare -f share conf); macs=(${macs[*]}); share '$d/spread' $s1 3 2G && share '$d/spread' $s2 1 1G && share '$d/spread' $s3 2 512M"
check "spread: build.sh makes only the boot server's own swap files" bash -c "[ \"\$(ls '$d/spread/swap')\" = \"$(printf 'swap-%s\n' "$(dash "${macs[0]}")" "$(dash "${macs[3]}")")\" ]"
check "spread: a swap server's netboot.env is for serve" bash -c "grep -qx NB_ROLE=swap '$d/spread/servers/10.77.0.2/netboot.env' && grep -q '^NB_SWAP_DIR=$d/spread/servers/10.77.0.2/swap$' '$d/spread/servers/10.77.0.2/netboot.env'"
check "spread: the swap servers hold no root" bash -c "! grep -q '^\[root\]' '$d/spread/servers/'*/nbd-server.conf"
check "spread: nbd-server listens on each server's address and port" bash -c "grep -q 'port = 10811' '$d/spread/servers/10.77.0.3-10811/nbd-server.conf' && grep -q 'listenaddr = 10.77.0.3' '$d/spread/servers/10.77.0.3-10811/nbd-server.conf'"

# the boot server need not swap; a rebuild with other servers drops the old ones' configuration
build spread SWAP_SERVERS="10.77.0.2 10.77.0.4" SWAP_LAYOUT=spread
check "spread without the boot server builds" [ $? = 0 ]
check "spread: the boot server exports no swap" bash -c "! grep -q '^\[swap-' '$d/spread/nbd-server.conf' && grep -qx 'NB_SWAP_LIST=none' '$d/spread/netboot.env'"
check "spread: node 1 now on 10.77.0.4" placed "$d/spread" 1 10.77.0.4:10809
check "spread: a server that left has no configuration left, its swap kept" bash -c "[ ! -e '$d/spread/servers/10.77.0.3-10811/netboot.env' ] && grep -q 'no longer a swap server' '$d/spread.log'"

# ---- stripe: every node on both servers, equal prio, half the size each ----
build stripe SWAP_SERVERS="10.77.0.1 10.77.0.2" SWAP_LAYOUT=stripe
check "stripe builds" [ $? = 0 ]
for i in 0 1 2 3; do check "stripe: node $i on both at prio=5" placed "$d/stripe" $i $s1:prio=5 $s2:prio=5; done
check "stripe: one line for all, no per-node files" bash -c "! ls '$d/stripe/tftp/pxelinux.cfg/01-'* '$d/stripe/tftp/node-'* 2>/dev/null | grep -q ."
check "stripe: each server holds half of each node" bash -c "$(declare -f share conf); macs=(${macs[*]}); share '$d/stripe' $s1 0 512M && share '$d/stripe' $s2 0 512M && share '$d/stripe' $s2 2 256M && share '$d/stripe' $s1 3 1G"
printf '%s node11 10.77.0.11 1M\n%s node12 10.77.0.12 3G\n' "${macs[0]}" "${macs[1]}" >"$d/odd.nodes"
build stripe3 NODES="$d/odd.nodes" SWAP_SERVERS="10.77.0.1 10.77.0.2 10.77.0.3" SWAP_LAYOUT=stripe
check "stripe: shares round up to whole MiB (1M over 3: 1M each; 3G over 3: 1G)" bash -c "$(declare -f share conf); macs=(${macs[*]}); share '$d/stripe3' $s2 0 1M && share '$d/stripe3' $s1 1 1G"
check "stripe: the boot server's files at half size" bash -c "[ \$(stat -c %s '$d/stripe/swap/swap-$(dash "${macs[3]}")') = $((1 << 30)) ]"

# ---- mirror: a copy on each of two servers ----
build mirror SWAP_SERVERS="10.77.0.1 10.77.0.2" SWAP_LAYOUT=mirror
check "mirror builds" [ $? = 0 ]
for i in 0 1 2 3; do check "mirror: node $i on both, mirror=m" placed "$d/mirror" $i $s1:mirror=m $s2:mirror=m; done
check "mirror: full size on each server" bash -c "$(declare -f share conf); macs=(${macs[*]}); share '$d/mirror' $s1 3 2G && share '$d/mirror' $s2 3 2G"
build mirror3 SWAP_SERVERS="10.77.0.1 10.77.0.2 10.77.0.3" SWAP_LAYOUT=mirror
check "mirror over 3 builds" [ $? = 0 ]
check "mirror over 3: node 0 on servers 1 and 2" placed "$d/mirror3" 0 $s1:mirror=m $s2:mirror=m
check "mirror over 3: node 1 on servers 2 and 3" placed "$d/mirror3" 1 $s2:mirror=m 10.77.0.3:10809:mirror=m
check "mirror over 3: node 2 on servers 1 and 3" placed "$d/mirror3" 2 $s1:mirror=m 10.77.0.3:10809:mirror=m
# switching to a shared line removes the per-node files; a hand-made one is kept, and refused by spread
build mirror3 SWAP_SERVERS="10.77.0.1 10.77.0.2" SWAP_LAYOUT=mirror
check "mirror over 2 again: per-node files gone" bash -c "! ls '$d/mirror3/tftp/pxelinux.cfg/01-'* '$d/mirror3/tftp/node-'* 2>/dev/null | grep -q ."
cp "$d/mirror3/tftp/pxelinux.cfg/default" "$d/mirror3/tftp/pxelinux.cfg/01-aa-bb-cc-dd-ee-ff"
sed -i '/make netboot/d' "$d/mirror3/tftp/pxelinux.cfg/01-aa-bb-cc-dd-ee-ff"
build mirror3 SWAP_SERVERS="10.77.0.1 10.77.0.2" SWAP_LAYOUT=mirror
check "a hand-made pxelinux.cfg/01-<mac> survives a rebuild" [ -f "$d/mirror3/tftp/pxelinux.cfg/01-aa-bb-cc-dd-ee-ff" ]
build mirror3 SWAP_SERVERS="10.77.0.1 10.77.0.2" SWAP_LAYOUT=spread
rc=$?
check "... and one with per-node files, for a MAC not in the list" bash -c "[ $rc = 0 ] && [ -f '$d/mirror3/tftp/pxelinux.cfg/01-aa-bb-cc-dd-ee-ff' ] && [ -f '$d/mirror3/tftp/pxelinux.cfg/01-$(dash "${macs[1]}")' ]"
mv "$d/mirror3/tftp/pxelinux.cfg/01-aa-bb-cc-dd-ee-ff" "$d/mirror3/tftp/pxelinux.cfg/01-$(dash "${macs[1]}")"
refused hand "pxelinux.cfg/01-$(dash "${macs[1]}") was not written by make netboot .*move it away" \
	NETBOOT_DIR="$d/mirror3" SWAP_SERVERS="10.77.0.1 10.77.0.2" SWAP_LAYOUT=spread

# ---- refusals ----
refused bad-layout "SWAP_LAYOUT='raid5': expected spread \(.*\), stripe \(.*\) or mirror \(.*\)" SWAP_SERVERS="10.77.0.1 10.77.0.2" SWAP_LAYOUT=raid5
refused bad-address "SWAP_SERVERS: '10.77.0.300' is not ADDR or ADDR:PORT; expected IPv4 addresses" SWAP_SERVERS="10.77.0.1 10.77.0.300"
refused bad-port "SWAP_SERVERS: '10.77.0.2:70000' is not ADDR or ADDR:PORT" SWAP_SERVERS="10.77.0.1 10.77.0.2:70000"
refused name "SWAP_SERVERS: 'swap2' is not ADDR or ADDR:PORT" SWAP_SERVERS="10.77.0.1 swap2"
refused twice "SWAP_SERVERS: 10.77.0.2:10809 is listed twice" SWAP_SERVERS="10.77.0.2 10.77.0.2:10809"
refused mirror-one "SWAP_LAYOUT=mirror needs two or more SWAP_SERVERS, got 1" SWAP_SERVERS="10.77.0.2" SWAP_LAYOUT=mirror
refused stripe-one "SWAP_LAYOUT=stripe needs two or more SWAP_SERVERS, got 1" SWAP_SERVERS="10.77.0.2" SWAP_LAYOUT=stripe
refused layout-alone "SWAP_LAYOUT=mirror needs SWAP_SERVERS= with two or more servers" SWAP_LAYOUT=mirror
refused stripe-nine "SWAP_LAYOUT=stripe puts one netswap= per server on each node, and the init takes at most 8: list at most 8 SWAP_SERVERS, got 9" \
	SWAP_SERVERS="$(echo 10.77.0.{1..9})" SWAP_LAYOUT=stripe
refused spread-idle "SWAP_SERVERS: 10.77.0.5:10809 would hold no node's swap \(SWAP_LAYOUT=spread, 4 node\(s\)\); list at most 4 servers" \
	SWAP_SERVERS="$(echo 10.77.0.{1..5})"
refused mirror-idle "SWAP_SERVERS: 10.77.0.6:10809 would hold no node's swap \(SWAP_LAYOUT=mirror, 4 node\(s\)\); list at most 5 servers" \
	SWAP_SERVERS="$(echo 10.77.0.{1..6})" SWAP_LAYOUT=mirror
refused append "APPEND= or APPEND_FILE= replaces the command line that SWAP_SERVERS= writes netswap= into" \
	SWAP_SERVERS="10.77.0.1 10.77.0.2" APPEND="ip=dhcp root=/dev/nbd0"
refused node-ip "nodes:2: field 3 \(IP\) 10.77.0.12 is the address of a swap server in SWAP_SERVERS" \
	SWAP_SERVERS="10.77.0.1 10.77.0.12"
check "a refused build writes no tree" bash -c "! ls '$d/bad-layout' '$d/bad-address' '$d/twice' '$d/stripe-nine' '$d/append' 2>/dev/null | grep -q ."
exit $failed
