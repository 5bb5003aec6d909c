# tests/unit/dnsmasq_ns.sh - sourced (POSIX sh) by the live DHCP tests: a
# server namespace and a client namespace joined by a veth pair, and a
# real dnsmasq serving the client from the server one.
#   ns_veth_up SRV CLI CLIENT_IF MAC  both namespaces; 10.99.0.1/24 on the
#                                     server's vsrv, MAC on the client's end
#   dnsmasq_conf DIR LINE...          DIR/dnsmasq.conf: the shared lines
#                                     (vsrv, log-dhcp to DIR/dnsmasq.log,
#                                     authoritative), then LINE...
#   dnsmasq_up SRV DIR                runs it in SRV; its PID in DNSMASQ
# The caller deletes the namespaces and stops DNSMASQ on exit.

ns_veth_up() {
	ip netns add "$1" && ip netns add "$2" &&
		ip link add vsrv netns "$1" type veth peer name "$3" netns "$2" &&
		ip -n "$1" addr add 10.99.0.1/24 dev vsrv &&
		ip -n "$1" link set vsrv up &&
		ip -n "$2" link set "$3" address "$4" up &&
		ip -n "$2" link set lo up
}

dnsmasq_conf() {
	_dir=$1
	shift
	printf '%s\n' port=0 interface=vsrv bind-interfaces user=root log-dhcp \
		"log-facility=$_dir/dnsmasq.log" dhcp-authoritative "$@" >"$_dir/dnsmasq.conf"
}

dnsmasq_up() {
	ip netns exec "$1" dnsmasq --conf-file="$2/dnsmasq.conf" --keep-in-foreground \
		--dhcp-leasefile="$2/leases" &
	DNSMASQ=$!
	sleep 0.5
}
