/* test_net.c - net.c's DHCP exchange (net_dhcp_exchange, the real loop)
 * driven through its struct dhcp_io seam: scripted servers answer with
 * dnsmasq's captured OFFER, ACK and NAK (tests/unit/fixtures/dhcp/), on a
 * virtual clock, so NAKs, several NICs and the deadline are tested
 * without a network and without waiting. net_link_sync asks the host's
 * kernel about its loopback.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "check.h"
#include "fixture.h"
#include "config.h"
#include "dhcp.h"
#include "ipudp.h"
#include "net.h"

#define NICS 3
#define QUEUE 4

enum script { SILENT, ANSWER, NAK_FIRST, OTHER_SERVER_FIRST };

struct frame {
	uint8_t b[1600];
	size_t len;
	long at;
};

struct fake_nic {
	enum script script;
	struct frame q[QUEUE];
	int nq;
	int discovers, requests;
	long last_send_ms;
};

static struct fake_nic nics[NICS];
static long clock_ms;
static uint32_t rnd;
static struct fixture_pkt offer, ack, nak;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Option 53 or 54 of a message we sent or a fixture; NULL if absent. */
static uint8_t *option(uint8_t *b, size_t len, uint8_t code)
{
	for (size_t i = 240; i + 1 < len && b[i] != 255; i += b[i] ? 2u + b[i + 1] : 1)
		if (b[i] == code)
			return b + i + 2;
	return NULL;
}

/* A server reply to xid on nic: the fixture with our xid and MAC, from
 * server (10.99.0.<server>) if not 0, framed as IPv4/UDP, after delay. */
static void queue_reply(int nic, const struct fixture_pkt *f, uint32_t xid, const uint8_t mac[6],
			int server, long delay)
{
	struct fake_nic *n = &nics[nic];
	uint8_t p[1600];
	uint8_t *sid;

	memcpy(p, f->b, f->len);
	p[4] = xid >> 24, p[5] = xid >> 16, p[6] = xid >> 8, p[7] = xid;
	memcpy(p + 28, mac, 6);
	sid = option(p, f->len, 54);
	if (server && sid)
		sid[3] = (uint8_t)server;
	n->q[n->nq].len = ipudp_encode(n->q[n->nq].b, sizeof n->q[n->nq].b, p, f->len,
				       0x0a630001, 0xffffffff, 67, 68);
	n->q[n->nq].at = clock_ms + delay;
	n->nq++;
}

static int fake_open(const struct iface *ifc)
{
	return 100 + ifc->index - 1;
}

static void fake_send(int fd, const struct iface *ifc, const uint8_t *frame, size_t len)
{
	int i = fd - 100;
	struct fake_nic *n = &nics[i];
	const uint8_t *pl;
	size_t plen;
	uint8_t msg[1600], *type;

	CHECK_EQ(ipudp_decode(frame, len, 67, &pl, &plen), 1);
	memcpy(msg, pl, plen);
	type = option(msg, plen, 53);
	CHECK(type != NULL);
	if (!type)
		return;
	n->last_send_ms = clock_ms;
	if (*type == DHCP_DISCOVER) {
		n->discovers++;
		if (n->script != SILENT)
			queue_reply(i, &offer, be32(msg + 4), ifc->mac, 0, 20);
	} else if (*type == DHCP_REQUEST) {
		n->requests++;
		CHECK(option(msg, plen, 54) != NULL); /* names the server it chose */
		if (n->script == NAK_FIRST && n->requests == 1) {
			queue_reply(i, &nak, be32(msg + 4), ifc->mac, 0, 20);
		} else if (n->script == OTHER_SERVER_FIRST && n->requests == 1) {
			queue_reply(i, &ack, be32(msg + 4), ifc->mac, 9, 10);
			queue_reply(i, &nak, be32(msg + 4), ifc->mac, 9, 15);
			queue_reply(i, &ack, be32(msg + 4), ifc->mac, 0, 30);
		} else {
			queue_reply(i, &ack, be32(msg + 4), ifc->mac, 0, 20);
		}
	}
}

static ssize_t fake_recv(int fd, uint8_t *frame, size_t cap, unsigned *flags)
{
	struct fake_nic *n = &nics[fd - 100];
	size_t len;

	*flags = 0;
	if (n->nq == 0 || n->q[0].at > clock_ms) {
		errno = EAGAIN;
		return -1;
	}
	len = n->q[0].len < cap ? n->q[0].len : cap;
	memcpy(frame, n->q[0].b, len);
	memmove(&n->q[0], &n->q[1], (size_t)(n->nq - 1) * sizeof n->q[0]);
	n->nq--;
	return (ssize_t)len;
}

/* poll() on the virtual clock: jumps to the first queued frame if it is
 * due within ms, else lets ms pass. */
static int fake_wait(struct pollfd *p, int np, int ms)
{
	long first = -1;
	int ready = 0;

	for (int i = 0; i < np; i++) {
		struct fake_nic *n = &nics[p[i].fd - 100];

		if (n->nq && (first < 0 || n->q[0].at < first))
			first = n->q[0].at;
	}
	clock_ms = first >= 0 && first <= clock_ms + ms ? (first > clock_ms ? first : clock_ms)
						       : clock_ms + ms;
	for (int i = 0; i < np; i++) {
		struct fake_nic *n = &nics[p[i].fd - 100];

		p[i].revents = n->nq && n->q[0].at <= clock_ms ? POLLIN : 0;
		ready += !!p[i].revents;
	}
	return ready;
}

static long fake_now(void)
{
	return clock_ms;
}

static void fake_close(int fd)
{
	(void)fd;
}

static uint32_t fake_random(void)
{
	return rnd += 0x9e3779b9u;
}

static const struct dhcp_io fake_io = {
	fake_open, fake_send, fake_recv, fake_wait, fake_now, fake_close, fake_random,
};

static struct netswap_config cfg;
static struct iface ifs[NICS];

static void setup(int n, const enum script *scripts)
{
	memset(nics, 0, sizeof nics);
	memset(&cfg, 0, sizeof cfg);
	cfg.timeout = 30;
	clock_ms = 1000;
	for (int i = 0; i < n; i++) {
		snprintf(ifs[i].name, sizeof ifs[i].name, "eth%d", i);
		ifs[i].index = i + 1;
		memcpy(ifs[i].mac, "\x52\x54\x00\x12\x34\x56", 6);
		ifs[i].mac[5] = (uint8_t)(0x56 + i);
		nics[i].script = scripts[i];
	}
}

static int run(int n)
{
	struct dhcp_lease l;
	int won = net_dhcp_exchange(&cfg, ifs, n, clock_ms + cfg.timeout * 1000L, &fake_io, &l);

	if (won >= 0) {
		CHECK_EQ(l.type, DHCP_ACK);
		CHECK_EQ(l.server_id.s_addr, htonl(0x0a630001));
	}
	return won;
}

static void test_one_nic(void)
{
	enum script s[] = { ANSWER };

	setup(1, s);
	CHECK_EQ(run(1), 0);
	CHECK_EQ(nics[0].discovers, 1);
	CHECK_EQ(nics[0].requests, 1);
	CHECK(clock_ms < 1100);
}

/* A NAK starts that NIC over with a new DISCOVER, within the same deadline. */
static void test_nak_starts_over(void)
{
	enum script s[] = { NAK_FIRST };

	setup(1, s);
	CHECK_EQ(run(1), 0);
	CHECK_EQ(nics[0].discovers, 2);
	CHECK_EQ(nics[0].requests, 2);
}

/* An ACK or NAK from a server the REQUEST did not name is not the answer. */
static void test_other_server_ignored(void)
{
	enum script s[] = { OTHER_SERVER_FIRST };

	setup(1, s);
	CHECK_EQ(run(1), 0);
	CHECK_EQ(nics[0].discovers, 1);    /* the foreign NAK did not restart it */
	CHECK_EQ(nics[0].requests, 1);
}

/* Three NICs, the boot NIC last: all run at once, and its lease wins as
 * soon as it comes, not after the others time out. */
static void test_boot_nic_last(void)
{
	enum script s[] = { SILENT, SILENT, ANSWER };

	setup(3, s);
	CHECK_EQ(run(3), 2);
	CHECK(clock_ms < 1100);
	CHECK_EQ(nics[0].discovers, 1);
	CHECK_EQ(nics[1].discovers, 1);
}

/* netswap.timeout bounds the whole exchange: with no server, it ends at
 * the deadline, having retransmitted with backoff (1, 2, 4, 8, 8 s ...). */
static void test_deadline(void)
{
	enum script s[] = { SILENT, SILENT };

	setup(2, s);
	cfg.timeout = 5;
	CHECK_EQ(run(2), -1);
	CHECK_EQ(clock_ms, 1000 + 5000);
	CHECK(nics[0].discovers >= 3 && nics[0].discovers <= 4);
}

/* A static ip= without a device: the first NIC (lowest ifindex) with
 * carrier, else the first. */
static void test_static_pick(void)
{
	struct iface a[3] = { { "eth0", 1, { 0 }, false }, { "eth1", 2, { 0 }, true },
			      { "eth2", 3, { 0 }, true } };

	CHECK_EQ(net_static_pick(a, 3), 1);
	a[1].carrier = false;
	CHECK_EQ(net_static_pick(a, 3), 2);
	a[2].carrier = false;
	CHECK_EQ(net_static_pick(a, 3), 0);
}

/* net_link_sync asks the real kernel: the loopback is running, so no
 * pending event is reported; a missing interface is an error, not "down".
 * In a network namespace of its own (the last test: the process stays
 * there) the loopback is down, and the answer comes from ETHTOOL_GLINK. */
static void test_link_sync(void)
{
	bool ran = true;

	CHECK_EQ(net_link_sync("lo", &ran), 1);
	CHECK(!ran);
	CHECK_EQ(net_link_sync("nosuch0", &ran), -ENODEV);
	CHECK(!ran);
	CHECK_EQ(unshare(CLONE_NEWNET), 0);
	ran = true;
	CHECK_EQ(net_link_sync("lo", &ran), 0);
	CHECK(!ran);
}

int main(void)
{
	offer = fixture_pkt_load("dhcp", "DHCP_FIXTURE_DIR", "dnsmasq-offer.bin");
	ack = fixture_pkt_load("dhcp", "DHCP_FIXTURE_DIR", "dnsmasq-ack.bin");
	nak = fixture_pkt_load("dhcp", "DHCP_FIXTURE_DIR", "dnsmasq-nak.bin");
	RUN(test_one_nic);
	RUN(test_nak_starts_over);
	RUN(test_other_server_ignored);
	RUN(test_boot_nic_last);
	RUN(test_deadline);
	RUN(test_static_pick);
	RUN(test_link_sync);
	free(offer.b);
	free(ack.b);
	free(nak.b);
	return check_summary("test_net");
}
