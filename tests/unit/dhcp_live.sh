#!/bin/sh
# dhcp_live.sh - our DHCP codec against a real dnsmasq (root only).
#
# Not a unit test: it needs root, network namespaces and dnsmasq (apt-get
# install dnsmasq-base; ethtool optional).  A veth pair joins a server namespace (dnsmasq) and a client
# namespace, where a small client built from init/dhcp.c (and ipudp.c, addr.c, msgbuf.c, fmt.c)
# sends our DISCOVER and REQUEST over an AF_PACKET SOCK_DGRAM socket, as the
# init does, and prints the state file it would write.  Passes when dnsmasq
# ACKs the reserved address and logged our vendor class and hostname.
#
# The veth keeps its checksum offload on, as it comes: dnsmasq's replies
# then reach our socket with the UDP checksum not yet computed, which the
# client must learn from PACKET_AUXDATA (TP_STATUS_CSUMNOTREADY) - the same
# happens to a QEMU guest whose DHCP server runs on the host.  With "txoff"
# the server computes checksums in software and the full check runs.
#
# Usage: sh tests/unit/dhcp_live.sh [cc] [txoff]
#   cc defaults to "cc"; "musl-gcc -static" checks the musl build too.
# Exit status 0 pass, 1 fail, 77 skipped (not root, tool missing).
set -eu

[ "$(id -u)" = 0 ] || { echo "dhcp_live: needs root (network namespaces)" >&2; exit 77; }
for t in ip dnsmasq; do
	command -v $t >/dev/null || { echo "dhcp_live: $t not installed" >&2; exit 77; }
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/unit/dnsmasq_ns.sh"
CC=${1:-cc}
OFFLOAD=${2:-on}
TAG=nsdhcplive$$
SRV=$TAG-s
CLI=$TAG-c
TMP=$(mktemp -d)
MAC=52:54:00:12:34:56
DNSMASQ=

cleanup() {
	[ -n "$DNSMASQ" ] && kill "$DNSMASQ" 2>/dev/null && wait "$DNSMASQ" 2>/dev/null
	ip netns del "$SRV" 2>/dev/null || true
	ip netns del "$CLI" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

cat >"$TMP/client.c" <<'EOF'
/* One DISCOVER/OFFER/REQUEST/ACK exchange on an AF_PACKET socket. */
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "dhcp.h"
#include "ipudp.h"

/* The kernel's struct tpacket_auxdata (linux/if_packet.h), which musl's
 * headers lack; the layout is ABI. */
struct auxdata {
	uint32_t tp_status, tp_len, tp_snaplen;
	uint16_t tp_mac, tp_net, tp_vlan_tci, tp_vlan_tpid;
};
#define STATUS_CSUMNOTREADY (1u << 3)

static int sock, ifindex;

/* recv() that also says whether the kernel left the UDP checksum partial
 * (dnsmasq on the other end of a veth with tx offload does). */
static ssize_t recv_frame(uint8_t *buf, size_t cap, unsigned *flags)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(struct auxdata))]; } ctl;
	struct iovec iov = { buf, cap };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = &ctl, .msg_controllen = sizeof ctl };
	struct cmsghdr *c;
	struct auxdata aux;
	ssize_t n = recvmsg(sock, &m, 0);

	*flags = 0;
	for (c = CMSG_FIRSTHDR(&m); n > 0 && c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
			memcpy(&aux, CMSG_DATA(c), sizeof aux);
			if (aux.tp_status & STATUS_CSUMNOTREADY)
				*flags = IPUDP_CSUM_NOT_READY;
		}
	return n;
}

static int send_msg(const uint8_t *msg, size_t len)
{
	uint8_t frame[1600];
	size_t n = ipudp_encode(frame, sizeof frame, msg, len, htonl(INADDR_ANY),
				htonl(INADDR_BROADCAST), DHCP_CLIENT_PORT, DHCP_SERVER_PORT);
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
				  .sll_ifindex = ifindex, .sll_halen = 6 };

	memset(to.sll_addr, 0xff, 6);
	return n && sendto(sock, frame, n, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)n ? 0 : -1;
}

/* Sends msg, retransmitting with backoff, until a reply of type want. */
static int exchange(const uint8_t *msg, size_t len, const struct dhcp_client *c,
		    int want, struct dhcp_lease *l)
{
	uint8_t frame[2048];
	const uint8_t *pl;
	size_t plen;
	char err[160];
	int attempt, r;
	unsigned flags;
	ssize_t n;

	for (attempt = 0; attempt < 5; attempt++) {
		struct pollfd p = { sock, POLLIN, 0 };
		int wait = (int)dhcp_backoff_ms(attempt, 500, 4000, (uint32_t)rand());

		if (send_msg(msg, len) < 0)
			return perror("sendto"), -1;
		while (poll(&p, 1, wait) == 1) {
			n = recv_frame(frame, sizeof frame, &flags);
			if (n <= 0 || ipudp_decode_flags(frame, (size_t)n, DHCP_CLIENT_PORT, flags,
							 &pl, &plen) != 1)
				continue;
			if (flags)
				fprintf(stderr, "client: UDP checksum left to offload, not checked\n");
			r = dhcp_parse_reply_err(pl, plen, c->xid, c->mac, l, err, sizeof err);
			if (r < 0)
				fprintf(stderr, "client: malformed reply: %s\n", err);
			if (r == DHCP_NAK)
				return fprintf(stderr, "client: NAK\n"), -1;
			if (r == want)
				return 0;
		}
	}
	fprintf(stderr, "client: no reply of type %d\n", want);
	return -1;
}

int main(int argc, char **argv)
{
	struct dhcp_client c = { 0, { 0 }, 0, "node42" };
	struct dhcp_lease offer, ack;
	struct sockaddr_ll me = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	uint8_t msg[DHCP_MSG_MAX];
	char conf[4096];
	size_t n;
	int one = 1;

	if (argc != 3 || sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &c.mac[0], &c.mac[1],
				&c.mac[2], &c.mac[3], &c.mac[4], &c.mac[5]) != 6)
		return fprintf(stderr, "usage: client IFNAME MAC\n"), 2;
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	c.xid = (uint32_t)rand() ^ (uint32_t)rand() << 16;
	ifindex = (int)if_nametoindex(argv[1]);
	sock = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	me.sll_ifindex = ifindex;
	if (!ifindex || sock < 0 || bind(sock, (struct sockaddr *)&me, sizeof me) < 0 ||
	    setsockopt(sock, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0)
		return perror("socket"), 1;
	n = dhcp_encode_discover(msg, sizeof msg, &c);
	if (!n || exchange(msg, n, &c, DHCP_OFFER, &offer) < 0)
		return 1;
	n = dhcp_encode_request(msg, sizeof msg, &c, &offer);
	if (!n || exchange(msg, n, &c, DHCP_ACK, &ack) < 0)
		return 1;
	if (dhcp_lease_format(&ack, argv[1], c.mac, NULL, conf, sizeof conf) < 0)
		return fprintf(stderr, "client: cannot format lease\n"), 1;
	fputs(conf, stdout);
	return 0;
}
EOF
$CC -std=gnu11 -Wall -Wextra -Werror -I"$ROOT/init" -o "$TMP/client" "$TMP/client.c" \
	"$ROOT/init/dhcp.c" "$ROOT/init/ipudp.c" "$ROOT/init/addr.c" "$ROOT/init/msgbuf.c" "$ROOT/init/fmt.c"

ns_veth_up "$SRV" "$CLI" vcli "$MAC"
if [ "$OFFLOAD" = txoff ]; then
	ip netns exec "$SRV" ethtool -K vsrv tx off >/dev/null
fi

dnsmasq_conf "$TMP" dhcp-range=10.99.0.100,10.99.0.150,255.255.255.0,1h "dhcp-host=$MAC,10.99.0.42" \
	domain=cluster.test dhcp-option=3,10.99.0.1 dhcp-option=6,10.99.0.1,10.99.0.2 \
	dhcp-option=17,10.99.0.1:/srv/nfsroot/node42 dhcp-boot=pxelinux.0,bootsrv,10.99.0.5
dnsmasq_up "$SRV" "$TMP"

ip netns exec "$CLI" "$TMP/client" vcli "$MAC" >"$TMP/conf" 2>"$TMP/client.log" || true
cat "$TMP/conf" "$TMP/client.log"

fail=0
expect() {        # $1: file, $2: fixed string
	grep -qF -- "$2" "$1" || { echo "dhcp_live: expected in $(basename "$1"): $2" >&2; fail=1; }
}
expect "$TMP/conf" "IPV4ADDR='10.99.0.42'"
expect "$TMP/conf" "IPV4NETMASK='255.255.255.0'"
expect "$TMP/conf" "IPV4GATEWAY='10.99.0.1'"
expect "$TMP/conf" "IPV4DNS1='10.99.0.2'"
expect "$TMP/conf" "HOSTNAME='node42'"
expect "$TMP/conf" "DNSDOMAIN='cluster.test'"
expect "$TMP/conf" "ROOTPATH='10.99.0.1:/srv/nfsroot/node42'"
expect "$TMP/conf" "ROOTSERVER='10.99.0.5'"
expect "$TMP/conf" "FILENAME='pxelinux.0'"
expect "$TMP/conf" "TFTPSERVER='bootsrv'"
expect "$TMP/conf" "LEASETIME='3600'"
expect "$TMP/dnsmasq.log" "vendor class: netswap"
expect "$TMP/dnsmasq.log" "client provides name: node42"
expect "$TMP/dnsmasq.log" "DHCPACK(vsrv) 10.99.0.42 $MAC node42"
if [ "$OFFLOAD" = txoff ] && grep -q "not checked" "$TMP/client.log"; then
	echo "dhcp_live: UDP checksum skipped with offload off" >&2
	fail=1
fi
if [ $fail = 0 ]; then echo "dhcp_live: ok"; else cat "$TMP/dnsmasq.log" >&2; fi
exit $fail
