/* test_dhcp.c - dhcp.c on real captured packets and hand-made bad ones.
 *
 * Fixtures (tests/unit/fixtures/dhcp/, README there) are dnsmasq 2.90
 * replies to busybox udhcpc, captured by capture.sh.  Every packet is
 * copied into a heap buffer of exactly its length, so that ASan catches a
 * read one byte past the end.  The xid is read from the captured client
 * message, so a re-capture keeps the tests valid.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "check.h"
#include "fixture.h"
#include "dhcp.h"

static const uint8_t MAC_MAIN[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t MAC_BOOTP[6] = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t MAC_OV[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
static const char LONG_ROOT[] = "10.99.0.1:/srv/nfsroot/"  /* 23 + 88 x */
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/* ---- helpers ---- */


static struct fixture_pkt fixture(const char *name)
{
	return fixture_pkt_load("dhcp", "DHCP_FIXTURE_DIR", name);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t xid_of(const char *client_msg)
{
	struct fixture_pkt p = fixture(client_msg);
	uint32_t x = p.len >= 8 ? be32(p.b + 4) : 0;

	free(p.b);
	return x;
}

static const char *ip(struct in_addr a)
{
	static char s[4][16];
	static int i;

	i = (i + 1) % 4;
	inet_ntop(AF_INET, &a, s[i], sizeof s[i]);
	return s[i];
}

static int parse_fixture(const char *reply, const char *client_msg, const uint8_t mac[6],
			 struct dhcp_lease *l)
{
	struct fixture_pkt p = fixture(reply);
	char err[160];
	int r = dhcp_parse_reply_err(p.b, p.len, xid_of(client_msg), mac, l, err, sizeof err);

	if (r < 0)
		fprintf(stderr, "  %s: %s\n", reply, err);
	free(p.b);
	return r;
}

/* A hand-made BOOTREPLY: header for xid 0x01020304 and MAC_MAIN, then the
 * given option bytes.  Returns its length; the buffer is exact-size. */
#define XID 0x01020304u
static size_t reply(uint8_t **out, const uint8_t *opts, size_t n)
{
	uint8_t b[1024] = { 0 };

	b[0] = 2;
	b[1] = 1;
	b[2] = 6;
	b[4] = 1, b[5] = 2, b[6] = 3, b[7] = 4;
	b[16] = 10, b[17] = 0, b[18] = 0, b[19] = 9;   /* yiaddr */
	memcpy(b + 28, MAC_MAIN, 6);
	b[236] = 99, b[237] = 130, b[238] = 83, b[239] = 99;
	memcpy(b + 240, opts, n);
	*out = fixture_exact(b, 240 + n);
	return 240 + n;
}

static int parse_opts(const uint8_t *opts, size_t n, struct dhcp_lease *l)
{
	uint8_t *b;
	size_t len = reply(&b, opts, n);
	int r = dhcp_parse_reply(b, len, XID, MAC_MAIN, l);

	free(b);
	return r;
}

/* The start of every hand-made OFFER: type, server id 10.0.0.1. */
#define OFFER_HEAD 53, 1, 2, 54, 4, 10, 0, 0, 1

/* ---- captured replies ---- */

static void check_main_lease(const struct dhcp_lease *l)
{
	CHECK_STR(ip(l->yiaddr), "10.99.0.42");
	CHECK_STR(ip(l->siaddr), "10.99.0.5");
	CHECK_STR(ip(l->server_id), "10.99.0.1");
	CHECK_STR(ip(l->subnet), "255.255.255.0");
	CHECK_STR(ip(l->router), "10.99.0.1");
	CHECK_STR(ip(l->broadcast), "10.99.0.255");
	CHECK_EQ(l->ndns, 2);
	CHECK_STR(ip(l->dns[0]), "10.99.0.1");
	CHECK_STR(ip(l->dns[1]), "10.99.0.2");
	CHECK_EQ(l->dns[2].s_addr, 0);
	CHECK_EQ(l->lease_secs, 3600);
	CHECK_STR(l->hostname, "node42");
	CHECK_STR(l->domain, "cluster.test");
	CHECK_STR(l->root_path, "10.99.0.1:/srv/nfsroot/node42");
	/* dnsmasq sends 66 and 67 with a trailing NUL: stripped */
	CHECK_STR(l->bootfile, "pxelinux.0");
	CHECK_STR(l->tftp_server, "bootsrv");
}

static void test_dnsmasq_offer(void)
{
	struct dhcp_lease l;

	CHECK_EQ(parse_fixture("dnsmasq-offer.bin", "udhcpc-discover.bin", MAC_MAIN, &l), DHCP_OFFER);
	CHECK_EQ(l.type, DHCP_OFFER);
	check_main_lease(&l);
}

static void test_dnsmasq_ack(void)
{
	struct dhcp_lease l;

	CHECK_EQ(parse_fixture("dnsmasq-ack.bin", "udhcpc-request.bin", MAC_MAIN, &l), DHCP_ACK);
	CHECK_EQ(l.type, DHCP_ACK);
	check_main_lease(&l);
}

static void test_dnsmasq_nak(void)
{
	struct dhcp_lease l;

	CHECK_EQ(parse_fixture("dnsmasq-nak.bin", "initreboot-request.bin", MAC_MAIN, &l), DHCP_NAK);
	CHECK_EQ(l.type, DHCP_NAK);
	CHECK_EQ(l.yiaddr.s_addr, 0);
	CHECK_STR(ip(l.server_id), "10.99.0.1");
	CHECK_STR(l.root_path, "");
}

/* Bootfile and next-server name from the BOOTP file and sname fields. */
static void test_dnsmasq_bootp_fields(void)
{
	struct dhcp_lease l;
	static const char *const files[][2] = {
		{ "dnsmasq-offer-bootpfields.bin", "udhcpc-discover-bootpfields.bin" },
		{ "dnsmasq-ack-bootpfields.bin", "udhcpc-request-bootpfields.bin" },
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		CHECK_EQ(parse_fixture(files[i][0], files[i][1], MAC_BOOTP, &l),
			 i ? DHCP_ACK : DHCP_OFFER);
		CHECK_STR(ip(l.yiaddr), "10.99.0.100");
		CHECK_STR(ip(l.siaddr), "10.99.0.5");
		CHECK_STR(ip(l.server_id), "10.99.0.1");
		CHECK_STR(ip(l.subnet), "255.255.255.0");
		CHECK_STR(ip(l.router), "10.99.0.1");
		CHECK_EQ(l.ndns, 2);
		CHECK_STR(l.hostname, "");
		CHECK_STR(l.domain, "cluster.test");
		CHECK_STR(l.root_path, "10.99.0.1:/srv/nfsroot/node42");
		CHECK_STR(l.bootfile, "pxelinux.0");
		CHECK_STR(l.tftp_server, "bootsrv");
		CHECK_EQ(l.lease_secs, 3600);
	}
}

/* dnsmasq moved DNS (6) and router (3) into the file field, option 52 = 1. */
static void test_dnsmasq_overload(void)
{
	struct dhcp_lease l;
	static const char *const files[][2] = {
		{ "dnsmasq-offer-overload.bin", "udhcpc-discover-overload.bin" },
		{ "dnsmasq-ack-overload.bin", "udhcpc-request-overload.bin" },
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		CHECK_EQ(parse_fixture(files[i][0], files[i][1], MAC_OV, &l),
			 i ? DHCP_ACK : DHCP_OFFER);
		CHECK_STR(ip(l.yiaddr), "10.99.0.111");
		CHECK_STR(ip(l.siaddr), "10.99.0.1");
		CHECK_STR(ip(l.server_id), "10.99.0.1");
		CHECK_STR(ip(l.subnet), "255.255.255.0");
		CHECK_STR(ip(l.broadcast), "10.99.0.255");
		CHECK_STR(ip(l.router), "10.99.0.1");
		CHECK_EQ(l.ndns, 3);            /* four sent, three kept */
		CHECK_STR(ip(l.dns[0]), "10.99.0.1");
		CHECK_STR(ip(l.dns[1]), "10.99.0.2");
		CHECK_STR(ip(l.dns[2]), "10.99.0.3");
		CHECK_STR(l.root_path, LONG_ROOT);
		CHECK_STR(l.domain, "cluster.test");
		CHECK_STR(l.bootfile, "");      /* the file field held options */
		CHECK_STR(l.tftp_server, "");
		CHECK_EQ(l.lease_secs, 3600);
	}
}

/* Every captured reply cut short is malformed, up to its end option. */
static void test_captured_truncated(void)
{
	static const char *const names[] = {
		"dnsmasq-offer.bin", "dnsmasq-ack.bin", "dnsmasq-nak.bin",
		"dnsmasq-offer-bootpfields.bin", "dnsmasq-offer-overload.bin",
	};
	static const char *const clients[] = {
		"udhcpc-discover.bin", "udhcpc-request.bin", "initreboot-request.bin",
		"udhcpc-discover-bootpfields.bin", "udhcpc-discover-overload.bin",
	};
	static const uint8_t *const macs[] = { MAC_MAIN, MAC_MAIN, MAC_MAIN, MAC_BOOTP, MAC_OV };
	struct dhcp_lease l;
	size_t i, n, end;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct fixture_pkt p = fixture(names[i]);
		uint32_t xid = xid_of(clients[i]);
		int full = dhcp_parse_reply(p.b, p.len, xid, macs[i], &l);

		CHECK(full > 0);
		for (end = 240; end < p.len && p.b[end] != 255; )
			end += p.b[end] == 0 ? 1 : 2u + p.b[end + 1];
		for (n = 0; n < p.len; n++) {
			uint8_t *c = fixture_exact(p.b, n);
			int r = dhcp_parse_reply(c, n, xid, macs[i], &l);

			if (r != (n > end ? full : -1)) {
				fprintf(stderr, "  %s cut to %zu: %d\n", names[i], n, r);
				check_current_failed = 1;
			}
			free(c);
		}
		free(p.b);
	}
}

/* ---- not for us ---- */

static void test_not_for_us(void)
{
	struct fixture_pkt p = fixture("dnsmasq-offer.bin");
	struct fixture_pkt d = fixture("udhcpc-discover.bin");
	uint32_t xid = xid_of("udhcpc-discover.bin");
	uint8_t other[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x57 };
	struct dhcp_lease l;
	uint8_t *c;
	char err[120];

	CHECK_EQ(dhcp_parse_reply(p.b, p.len, xid + 1, MAC_MAIN, &l), 0);
	CHECK_EQ(dhcp_parse_reply_err(p.b, p.len, xid ^ 0x80000000u, MAC_MAIN, &l, err, sizeof err), 0);
	CHECK(strstr(err, "xid") != NULL);
	CHECK_EQ(dhcp_parse_reply(p.b, p.len, xid, other, &l), 0);
	/* the client's own broadcast, seen on the same socket */
	CHECK_EQ(dhcp_parse_reply(d.b, d.len, xid, MAC_MAIN, &l), 0);

	c = fixture_exact(p.b, p.len);
	c[236] ^= 1;                            /* magic cookie */
	CHECK_EQ(dhcp_parse_reply(c, p.len, xid, MAC_MAIN, &l), 0);
	memcpy(c, p.b, p.len);
	c[1] = 6;                               /* htype IEEE 802 */
	CHECK_EQ(dhcp_parse_reply(c, p.len, xid, MAC_MAIN, &l), 0);
	memcpy(c, p.b, p.len);
	c[2] = 16;                              /* hlen */
	CHECK_EQ(dhcp_parse_reply(c, p.len, xid, MAC_MAIN, &l), 0);
	free(c);
	free(p.b);
	free(d.b);
}

static void test_not_dhcp_reply_types(void)
{
	struct dhcp_lease l;
	const uint8_t bootp_only[] = { 54, 4, 10, 0, 0, 1, 255 };
	const uint8_t request[] = { 53, 1, 3, 54, 4, 10, 0, 0, 1, 255 };
	const uint8_t inform[] = { 53, 1, 8, 54, 4, 10, 0, 0, 1, 255 };
	const uint8_t zero[] = { 53, 1, 0, 54, 4, 10, 0, 0, 1, 255 };

	CHECK_EQ(parse_opts(bootp_only, sizeof bootp_only, &l), 0);
	CHECK_EQ(parse_opts(request, sizeof request, &l), 0);
	CHECK_EQ(parse_opts(inform, sizeof inform, &l), 0);
	CHECK_EQ(parse_opts(zero, sizeof zero, &l), 0);
}

/* ---- malformed, hand-made ---- */

static void test_minimal_offer(void)
{
	struct dhcp_lease l;
	const uint8_t o[] = { OFFER_HEAD, 255 };

	CHECK_EQ(parse_opts(o, sizeof o, &l), DHCP_OFFER);
	CHECK_STR(ip(l.yiaddr), "10.0.0.9");
	CHECK_STR(ip(l.server_id), "10.0.0.1");
	CHECK_EQ(l.subnet.s_addr, 0);
	CHECK_EQ(l.ndns, 0);
	CHECK_EQ(l.lease_secs, 0);
}

static void test_header_truncated(void)
{
	struct dhcp_lease l;
	uint8_t *b;
	size_t len = reply(&b, (const uint8_t[]){ OFFER_HEAD, 255 }, 10), n;
	char err[120];

	for (n = 0; n < 240; n++) {
		uint8_t *c = fixture_exact(b, n);

		CHECK_EQ(dhcp_parse_reply(c, n, XID, MAC_MAIN, &l), -1);
		free(c);
	}
	CHECK_EQ(dhcp_parse_reply_err(b, 100, XID, MAC_MAIN, &l, err, sizeof err), -1);
	CHECK(strstr(err, "at least 240") != NULL);
	CHECK_EQ(dhcp_parse_reply(b, len, XID, MAC_MAIN, &l), DHCP_OFFER);
	free(b);
}

static void test_option_bounds(void)
{
	struct dhcp_lease l;
	const uint8_t past_end[] = { OFFER_HEAD, 12, 10, 'a', 'b' };
	const uint8_t no_len[] = { OFFER_HEAD, 12 };
	const uint8_t no_end[] = { OFFER_HEAD };
	const uint8_t no_end_pad[] = { OFFER_HEAD, 0, 0, 0 };
	const uint8_t len_255[] = { OFFER_HEAD, 200, 255, 1, 2, 3, 255 };
	const uint8_t padded[] = { 0, 0, OFFER_HEAD, 0, 1, 4, 255, 255, 255, 0, 0, 255, 0, 0 };
	const uint8_t unknown_empty[] = { OFFER_HEAD, 224, 0, 255 };
	const uint8_t after_end[] = { OFFER_HEAD, 255, 12, 200 };
	char err[160];
	uint8_t *b;
	size_t n;

	CHECK_EQ(parse_opts(past_end, sizeof past_end, &l), -1);
	CHECK_EQ(parse_opts(no_len, sizeof no_len, &l), -1);
	CHECK_EQ(parse_opts(no_end, sizeof no_end, &l), -1);
	CHECK_EQ(parse_opts(no_end_pad, sizeof no_end_pad, &l), -1);
	CHECK_EQ(parse_opts(len_255, sizeof len_255, &l), -1);
	CHECK_EQ(parse_opts(padded, sizeof padded, &l), DHCP_OFFER);
	CHECK_STR(ip(l.subnet), "255.255.255.0");
	CHECK_EQ(parse_opts(unknown_empty, sizeof unknown_empty, &l), DHCP_OFFER);
	CHECK_EQ(parse_opts(after_end, sizeof after_end, &l), DHCP_OFFER);

	n = reply(&b, past_end, sizeof past_end);
	CHECK_EQ(dhcp_parse_reply_err(b, n, XID, MAC_MAIN, &l, err, sizeof err), -1);
	CHECK(strstr(err, "option 12 claims 10 bytes, only 2 left") != NULL);
	free(b);
}

static void test_fixed_size_options(void)
{
	struct dhcp_lease l;
	static const uint8_t bad[][24] = {
		{ OFFER_HEAD, 1, 5, 255, 255, 255, 0, 0, 255 },     /* subnet 5 bytes */
		{ OFFER_HEAD, 1, 3, 255, 255, 255, 255 },           /* subnet 3 */
		{ OFFER_HEAD, 1, 0, 255 },                          /* subnet empty */
		{ OFFER_HEAD, 28, 2, 1, 2, 255 },                   /* broadcast */
		{ OFFER_HEAD, 51, 2, 1, 2, 255 },                   /* lease time */
		{ OFFER_HEAD, 51, 5, 0, 0, 1, 0, 0, 255 },
		{ OFFER_HEAD, 3, 6, 10, 0, 0, 1, 10, 0, 255 },      /* router 6 */
		{ OFFER_HEAD, 3, 0, 255 },
		{ OFFER_HEAD, 6, 0, 255 },                          /* DNS empty */
		{ OFFER_HEAD, 6, 3, 1, 1, 1, 255 },
		{ OFFER_HEAD, 53, 1, 2, 255 },                      /* type twice: 2 bytes */
		{ 53, 0, 54, 4, 10, 0, 0, 1, 255 },                 /* type empty */
		{ 53, 1, 2, 54, 3, 10, 0, 0, 255 },                 /* server id 3 */
		{ 53, 1, 2, 54, 5, 10, 0, 0, 1, 1, 255 },
	};
	size_t i;

	/* zeros after each row's END are padding */
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse_opts(bad[i], sizeof bad[i], &l) != -1) {
			fprintf(stderr, "  row %zu accepted\n", i);
			check_current_failed = 1;
		}
	}
}

static void test_lease_time_and_lists(void)
{
	struct dhcp_lease l;
	const uint8_t o[] = { OFFER_HEAD, 51, 4, 0xff, 0xff, 0xff, 0xff,
		3, 8, 10, 0, 0, 254, 10, 0, 0, 253,
		6, 20, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 255 };

	CHECK_EQ(parse_opts(o, sizeof o, &l), DHCP_OFFER);
	CHECK_EQ(l.lease_secs, 0xffffffffu);    /* RFC 2132 9.2: infinite */
	CHECK_STR(ip(l.router), "10.0.0.254");
	CHECK_EQ(l.ndns, 3);
	CHECK_STR(ip(l.dns[2]), "3.3.3.3");
}

static void test_required_fields(void)
{
	struct dhcp_lease l;
	const uint8_t offer_no_sid[] = { 53, 1, 2, 1, 4, 255, 255, 255, 0, 255 };
	const uint8_t ack_no_sid[] = { 53, 1, 5, 255 };
	const uint8_t nak_no_sid[] = { 53, 1, 6, 255 };
	char err[120];
	uint8_t *b;
	size_t n;

	CHECK_EQ(parse_opts(offer_no_sid, sizeof offer_no_sid, &l), -1);
	CHECK_EQ(parse_opts(ack_no_sid, sizeof ack_no_sid, &l), -1);
	CHECK_EQ(parse_opts(nak_no_sid, sizeof nak_no_sid, &l), DHCP_NAK);

	n = reply(&b, ack_no_sid, sizeof ack_no_sid);
	CHECK_EQ(dhcp_parse_reply_err(b, n, XID, MAC_MAIN, &l, err, sizeof err), -1);
	CHECK(strstr(err, "option 54") != NULL);
	free(b);
	n = reply(&b, (const uint8_t[]){ OFFER_HEAD, 255 }, 10);
	memset(b + 16, 0, 4);                   /* yiaddr 0.0.0.0 */
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), -1);
	free(b);
}

static void test_strings(void)
{
	struct dhcp_lease l;
	uint8_t o[600] = { OFFER_HEAD };
	size_t n;
	const uint8_t empty[] = { OFFER_HEAD, 12, 0, 255 };
	const uint8_t newline[] = { OFFER_HEAD, 12, 3, 'a', '\n', 'b', 255 };
	const uint8_t del[] = { OFFER_HEAD, 15, 3, 'a', 0x7f, 'b', 255 };
	const uint8_t inner_nul[] = { OFFER_HEAD, 17, 5, 'a', 'b', 0, 'c', 'd', 255 };
	const uint8_t only_nul[] = { OFFER_HEAD, 12, 2, 0, 0, 255 };
	const uint8_t trailing[] = { OFFER_HEAD, 12, 6, 'n', 'o', 'd', 'e', 0, 0, 255 };
	const uint8_t utf8_quote[] = { OFFER_HEAD, 17, 6, '/', 0xc3, 0xa9, '\'', '$', ' ', 255 };

	CHECK_EQ(parse_opts(empty, sizeof empty, &l), -1);
	CHECK_EQ(parse_opts(newline, sizeof newline, &l), -1);
	CHECK_EQ(parse_opts(del, sizeof del, &l), -1);
	CHECK_EQ(parse_opts(inner_nul, sizeof inner_nul, &l), -1);
	CHECK_EQ(parse_opts(only_nul, sizeof only_nul, &l), -1);
	CHECK_EQ(parse_opts(trailing, sizeof trailing, &l), DHCP_OFFER);
	CHECK_STR(l.hostname, "node");
	CHECK_EQ(parse_opts(utf8_quote, sizeof utf8_quote, &l), DHCP_OFFER);
	CHECK_STR(l.root_path, "/\xc3\xa9'$ ");

	/* hostname: 63 characters fit, 64 are rejected, not cut */
	n = 9;
	o[n++] = 12;
	o[n++] = 63;
	memset(o + n, 'h', 63);
	n += 63;
	o[n++] = 255;
	CHECK_EQ(parse_opts(o, n, &l), DHCP_OFFER);
	CHECK_EQ(strlen(l.hostname), 63);
	o[10] = 64;
	o[n - 1] = 'h';
	o[n++] = 255;
	CHECK_EQ(parse_opts(o, n, &l), -1);
	/* ... unless the 64th byte is a trailing NUL */
	o[n - 2] = 0;
	CHECK_EQ(parse_opts(o, n, &l), DHCP_OFFER);
	CHECK_EQ(strlen(l.hostname), 63);
}

/* RFC 3396: split options are concatenated; a root-path may reach 255. */
static void test_concatenation(void)
{
	struct dhcp_lease l;
	uint8_t o[1024] = { OFFER_HEAD };
	size_t n = 9;
	char want[300];
	uint8_t *b;
	size_t len;
	char err[160];

	memset(want, 0, sizeof want);
	memset(want, 'r', 255);
	want[0] = '/';
	o[n++] = 17, o[n++] = 200;
	memcpy(o + n, want, 200), n += 200;
	o[n++] = 1, o[n++] = 2, o[n++] = 255, o[n++] = 255;     /* subnet, split */
	o[n++] = 17, o[n++] = 55;
	memcpy(o + n, want + 200, 55), n += 55;
	o[n++] = 1, o[n++] = 2, o[n++] = 255, o[n++] = 0;
	o[n++] = 255;
	CHECK_EQ(parse_opts(o, n, &l), DHCP_OFFER);
	CHECK_STR(l.root_path, want);
	CHECK_STR(ip(l.subnet), "255.255.255.0");

	/* 256 characters: rejected with a message, not truncated */
	o[n - 1] = 17, o[n++] = 1, o[n++] = 'x', o[n++] = 255;
	len = reply(&b, o, n);
	CHECK_EQ(dhcp_parse_reply_err(b, len, XID, MAC_MAIN, &l, err, sizeof err), -1);
	CHECK(strstr(err, "root path") != NULL && strstr(err, "256") != NULL);
	CHECK_STR(l.root_path, "");
	free(b);

	/* far more than any field: two 252-byte DNS lists, 126 addresses */
	n = 9;
	o[n++] = 6, o[n++] = 252;
	memset(o + n, 7, 252), n += 252;
	o[n++] = 6, o[n++] = 252;
	memset(o + n, 8, 252), n += 252;
	o[n++] = 12, o[n++] = 255;
	memset(o + n, 'h', 255), n += 255;
	o[n++] = 255;
	len = reply(&b, o, n);
	CHECK_EQ(dhcp_parse_reply_err(b, len, XID, MAC_MAIN, &l, err, sizeof err), -1);
	CHECK(strstr(err, "hostname") != NULL);
	free(b);
	n -= 258;
	o[n++] = 255;
	CHECK_EQ(parse_opts(o, n, &l), DHCP_OFFER);
	CHECK_EQ(l.ndns, 3);
	CHECK_STR(ip(l.dns[0]), "7.7.7.7");
}

/* Builds a reply whose sname/file fields hold options (overload). */
static size_t overload_reply(uint8_t **out, const uint8_t *opts, size_t n,
			     const uint8_t *file, size_t fn, const uint8_t *sname, size_t sn)
{
	size_t len = reply(out, opts, n);

	if (fn)
		memcpy(*out + 108, file, fn);
	if (sn)
		memcpy(*out + 44, sname, sn);
	return len;
}

static void test_overload(void)
{
	struct dhcp_lease l;
	uint8_t *b;
	size_t n;
	const uint8_t opts3[] = { OFFER_HEAD, 52, 1, 3, 12, 2, 'a', 'b', 255 };
	const uint8_t file[] = { 12, 2, 'c', 'd', 17, 3, '/', 'r', 'p', 255 };
	const uint8_t sname[] = { 0, 12, 2, 'e', 'f', 1, 4, 255, 255, 0, 0 };   /* no END */
	const uint8_t opts1[] = { OFFER_HEAD, 52, 1, 1, 255 };
	const uint8_t opts2[] = { OFFER_HEAD, 52, 1, 2, 255 };
	const uint8_t plain_sname[] = "tftp.example";
	const uint8_t plain_file[] = "boot/pxelinux.0";

	/* order: options, file, sname (RFC 3396) */
	n = overload_reply(&b, opts3, sizeof opts3, file, sizeof file, sname, sizeof sname);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), DHCP_OFFER);
	CHECK_STR(l.hostname, "abcdef");
	CHECK_STR(l.root_path, "/rp");
	CHECK_STR(ip(l.subnet), "255.255.0.0");
	CHECK_STR(l.bootfile, "");
	CHECK_STR(l.tftp_server, "");
	free(b);

	/* overload 1: file holds options, sname is still a server name */
	n = overload_reply(&b, opts1, sizeof opts1, file, sizeof file, plain_sname, sizeof plain_sname);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), DHCP_OFFER);
	CHECK_STR(l.hostname, "cd");
	CHECK_STR(l.tftp_server, "tftp.example");
	CHECK_STR(l.bootfile, "");
	free(b);

	/* overload 2: sname holds options, file is still the bootfile */
	n = overload_reply(&b, opts2, sizeof opts2, plain_file, sizeof plain_file, sname, sizeof sname);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), DHCP_OFFER);
	CHECK_STR(l.hostname, "ef");
	CHECK_STR(l.bootfile, "boot/pxelinux.0");
	free(b);

	/* no overload: the fields are strings, options 66/67 win over them */
	n = overload_reply(&b, (const uint8_t[]){ OFFER_HEAD, 67, 3, 'o', 'p', 't', 255 }, 15,
			   plain_file, sizeof plain_file, plain_sname, sizeof plain_sname);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), DHCP_OFFER);
	CHECK_STR(l.bootfile, "opt");
	CHECK_STR(l.tftp_server, "tftp.example");
	free(b);
}

static void test_overload_malformed(void)
{
	struct dhcp_lease l;
	uint8_t *b, big[128];
	size_t n, i;
	const uint8_t opts1[] = { OFFER_HEAD, 52, 1, 1, 255 };
	const uint8_t opts2[] = { OFFER_HEAD, 52, 1, 2, 255 };
	static const uint8_t bad_values[][16] = {
		{ OFFER_HEAD, 52, 1, 0, 255 },
		{ OFFER_HEAD, 52, 1, 4, 255 },
		{ OFFER_HEAD, 52, 0, 255 },
		{ OFFER_HEAD, 52, 2, 1, 1, 255 },
	};
	/* options in the file field must stay inside its 128 bytes */
	const uint8_t file_past[] = { 12, 200, 'a' };
	const uint8_t file_nolen[128] = { [127] = 12 };
	const uint8_t nested[] = { 52, 1, 3, 255 };
	const uint8_t sname_past[] = { 0, 0, 17, 63, 'x' };

	for (i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
		n = overload_reply(&b, bad_values[i], sizeof bad_values[i], NULL, 0, NULL, 0);
		CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), -1);
		free(b);
	}
	n = overload_reply(&b, opts1, sizeof opts1, file_past, sizeof file_past, NULL, 0);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), -1);
	free(b);
	n = overload_reply(&b, opts1, sizeof opts1, file_nolen, sizeof file_nolen, NULL, 0);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), -1);
	free(b);
	n = overload_reply(&b, opts1, sizeof opts1, nested, sizeof nested, NULL, 0);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), -1);
	free(b);
	n = overload_reply(&b, opts2, sizeof opts2, NULL, 0, sname_past, sizeof sname_past);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), -1);
	free(b);

	/* a full file field of options without END is fine (it is fixed-size) */
	memset(big, 0, sizeof big);
	big[0] = 224, big[1] = 126;
	n = overload_reply(&b, opts1, sizeof opts1, big, sizeof big, NULL, 0);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), DHCP_OFFER);
	free(b);
}

static void test_bootp_fields_malformed(void)
{
	struct dhcp_lease l;
	uint8_t *b, file[128], sname[64];
	size_t n;
	const uint8_t opts[] = { OFFER_HEAD, 255 };
	char err[160];

	memset(file, 'f', sizeof file);          /* no NUL in 128 bytes */
	n = overload_reply(&b, opts, sizeof opts, file, sizeof file, NULL, 0);
	CHECK_EQ(dhcp_parse_reply_err(b, n, XID, MAC_MAIN, &l, err, sizeof err), -1);
	CHECK(strstr(err, "file") != NULL);
	free(b);
	file[127] = 0;                           /* 127 characters fit */
	n = overload_reply(&b, opts, sizeof opts, file, sizeof file, NULL, 0);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), DHCP_OFFER);
	CHECK_EQ(strlen(l.bootfile), 127);
	free(b);
	file[3] = '\r';
	n = overload_reply(&b, opts, sizeof opts, file, sizeof file, NULL, 0);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), -1);
	free(b);
	memset(sname, 's', sizeof sname);
	n = overload_reply(&b, opts, sizeof opts, NULL, 0, sname, sizeof sname);
	CHECK_EQ(dhcp_parse_reply(b, n, XID, MAC_MAIN, &l), -1);
	free(b);
}

/* ---- encoding ---- */

/* Finds option code in an encoded message; returns its data or NULL. */
static const uint8_t *find_opt(const uint8_t *b, size_t len, uint8_t code, size_t *olen)
{
	size_t i = 240;

	while (i < len && b[i] != 255) {
		if (b[i] == 0) {
			i++;
			continue;
		}
		if (i + 1 >= len || i + 2 + b[i + 1] > len)
			return NULL;
		if (b[i] == code) {
			*olen = b[i + 1];
			return b + i + 2;
		}
		i += 2u + b[i + 1];
	}
	return NULL;
}

static void check_common(const uint8_t *b, size_t n, const struct dhcp_client *c, uint8_t type)
{
	static const uint8_t prl[] = { 1, 3, 6, 12, 15, 17, 28, 51, 54, 66, 67 };
	static const uint8_t zero[236] = { 0 };
	const uint8_t *o;
	size_t ol = 0;

	CHECK_EQ(n, 300);
	CHECK_EQ(b[0], 1);                      /* BOOTREQUEST */
	CHECK_EQ(b[1], 1);
	CHECK_EQ(b[2], 6);
	CHECK_EQ(b[3], 0);                      /* hops */
	CHECK_EQ(be32(b + 4), c->xid);
	CHECK_EQ(b[8] << 8 | b[9], c->secs);
	CHECK_EQ(b[10], 0x80);                  /* BROADCAST */
	CHECK_EQ(b[11], 0);
	CHECK(memcmp(b + 12, zero, 16) == 0);   /* ciaddr yiaddr siaddr giaddr */
	CHECK(memcmp(b + 28, c->mac, 6) == 0);
	CHECK(memcmp(b + 34, zero, 10 + 64 + 128) == 0);
	CHECK(memcmp(b + 236, "\x63\x82\x53\x63", 4) == 0);
	CHECK_EQ(b[240], 53);                   /* message type first */
	o = find_opt(b, n, 53, &ol);
	CHECK(o && ol == 1 && o[0] == type);
	o = find_opt(b, n, 61, &ol);
	CHECK(o && ol == 7 && o[0] == 1 && memcmp(o + 1, c->mac, 6) == 0);
	o = find_opt(b, n, 57, &ol);
	CHECK(o && ol == 2 && (o[0] << 8 | o[1]) == 1500);
	o = find_opt(b, n, 60, &ol);
	CHECK(o && ol == 7 && memcmp(o, "netswap", 7) == 0);
	o = find_opt(b, n, 55, &ol);
	CHECK(o && ol == sizeof prl && memcmp(o, prl, sizeof prl) == 0);
	o = find_opt(b, n, 12, &ol);
	if (c->hostname && c->hostname[0])
		CHECK(o && ol == strlen(c->hostname) && memcmp(o, c->hostname, ol) == 0);
	else
		CHECK(o == NULL);
}

static void test_encode_discover(void)
{
	struct dhcp_client c = { 0xdeadbeef, { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 7, "node42" };
	uint8_t b[DHCP_MSG_MAX];
	size_t n = dhcp_encode_discover(b, sizeof b, &c), ol;

	check_common(b, n, &c, DHCP_DISCOVER);
	CHECK(find_opt(b, n, 50, &ol) == NULL);
	CHECK(find_opt(b, n, 54, &ol) == NULL);

	c.hostname = NULL;
	n = dhcp_encode_discover(b, sizeof b, &c);
	check_common(b, n, &c, DHCP_DISCOVER);
	c.hostname = "";
	n = dhcp_encode_discover(b, sizeof b, &c);
	check_common(b, n, &c, DHCP_DISCOVER);
}

static void test_encode_request(void)
{
	struct dhcp_client c = { 0x12345678, { 0x52, 0x54, 0, 0xab, 0xcd, 0xef }, 3, "n1" };
	struct dhcp_lease offer;
	uint8_t b[DHCP_MSG_MAX];
	const uint8_t *o;
	size_t n, ol = 0;

	memset(&offer, 0, sizeof offer);
	inet_pton(AF_INET, "10.99.0.42", &offer.yiaddr);
	inet_pton(AF_INET, "10.99.0.1", &offer.server_id);
	inet_pton(AF_INET, "10.99.0.5", &offer.siaddr);
	n = dhcp_encode_request(b, sizeof b, &c, &offer);
	check_common(b, n, &c, DHCP_REQUEST);
	o = find_opt(b, n, 50, &ol);
	CHECK(o && ol == 4 && memcmp(o, "\x0a\x63\x00\x2a", 4) == 0);
	o = find_opt(b, n, 54, &ol);
	CHECK(o && ol == 4 && memcmp(o, "\x0a\x63\x00\x01", 4) == 0);
}

/* Our fixed header is udhcpc's, byte for byte, for the same xid and MAC. */
static void test_encode_matches_udhcpc(void)
{
	struct fixture_pkt u = fixture("udhcpc-discover.bin");
	struct dhcp_client c = { xid_of("udhcpc-discover.bin"), { 0 }, 0, "node42" };
	uint8_t b[DHCP_MSG_MAX];
	size_t n;

	memcpy(c.mac, MAC_MAIN, 6);
	n = dhcp_encode_discover(b, sizeof b, &c);
	CHECK_EQ(n, u.len);
	CHECK(u.len >= 240 && memcmp(b, u.b, 240) == 0);
	free(u.b);
}

static void test_encode_small_buffers(void)
{
	struct dhcp_client c = { 1, { 2, 0, 0, 0, 0, 1 }, 0, "host" };
	struct dhcp_lease offer;
	uint8_t full[DHCP_MSG_MAX], *b;
	char name[300];
	size_t n, cap;

	memset(&offer, 0, sizeof offer);
	n = dhcp_encode_request(full, sizeof full, &c, &offer);
	CHECK_EQ(n, 300);
	for (cap = 0; cap < n; cap++) {
		b = malloc(cap ? cap : 1);
		CHECK_EQ(dhcp_encode_request(b, cap, &c, &offer), 0);
		CHECK_EQ(dhcp_encode_discover(b, cap, &c), 0);
		free(b);
	}
	b = malloc(n);
	CHECK_EQ(dhcp_encode_request(b, n, &c, &offer), n);
	CHECK(memcmp(b, full, n) == 0);
	free(b);

	/* a hostname is one option: 255 characters at most */
	memset(name, 'a', 255);
	name[255] = 0;
	c.hostname = name;
	n = dhcp_encode_request(full, sizeof full, &c, &offer);
	CHECK_EQ(n, 548);                       /* see DHCP_MSG_MAX */
	name[255] = 'a';
	name[256] = 0;
	CHECK_EQ(dhcp_encode_request(full, sizeof full, &c, &offer), 0);
}

/* What we send parses as what we asked for when mirrored as a reply. */
static void test_encode_parse_roundtrip(void)
{
	struct dhcp_client c = { 0xcafe, { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 0, "node42" };
	struct dhcp_lease offer, l;
	uint8_t b[DHCP_MSG_MAX];
	size_t n;

	memset(&offer, 0, sizeof offer);
	inet_pton(AF_INET, "10.1.2.3", &offer.yiaddr);
	inet_pton(AF_INET, "10.1.2.1", &offer.server_id);
	n = dhcp_encode_request(b, sizeof b, &c, &offer);
	CHECK_EQ(dhcp_parse_reply(b, n, c.xid, c.mac, &l), 0);     /* a request */
	b[0] = 2;
	b[242] = DHCP_ACK;
	memcpy(b + 16, &offer.yiaddr, 4);
	CHECK_EQ(dhcp_parse_reply(b, n, c.xid, c.mac, &l), DHCP_ACK);
	CHECK_STR(l.hostname, "node42");
	CHECK_STR(ip(l.server_id), "10.1.2.1");
}

/* RENEWING/REBINDING REQUEST (RFC 2131 4.3.2): ciaddr is ours, the
 * broadcast flag is clear, no requested-IP and no server-id option. */
static void test_encode_renew(void)
{
	struct dhcp_client c = { 0x0badcafe, { 0x52, 0x54, 0, 0x12, 0x34, 0x56 }, 0, "node42" };
	struct in_addr me, none = { 0 };
	struct dhcp_lease l;
	uint8_t b[DHCP_MSG_MAX];
	const uint8_t *o;
	size_t n, ol = 0;

	inet_pton(AF_INET, "10.99.0.42", &me);
	CHECK_EQ(dhcp_encode_renew(b, sizeof b, &c, none), 0);
	n = dhcp_encode_renew(b, sizeof b, &c, me);
	CHECK_EQ(n, 300);
	CHECK_EQ(b[0], 1);
	CHECK_EQ(be32(b + 4), c.xid);
	CHECK_EQ(b[10], 0);                     /* no BROADCAST flag */
	CHECK(memcmp(b + 12, "\x0a\x63\x00\x2a", 4) == 0);   /* ciaddr */
	CHECK(memcmp(b + 16, "\0\0\0\0\0\0\0\0\0\0\0\0", 12) == 0);
	o = find_opt(b, n, 53, &ol);
	CHECK(o && ol == 1 && o[0] == DHCP_REQUEST);
	CHECK(find_opt(b, n, 50, &ol) == NULL);
	CHECK(find_opt(b, n, 54, &ol) == NULL);
	o = find_opt(b, n, 61, &ol);
	CHECK(o && ol == 7 && memcmp(o + 1, c.mac, 6) == 0);
	for (size_t cap = 0; cap < n; cap++)
		CHECK_EQ(dhcp_encode_renew(b, cap, &c, me), 0);
	/* mirrored as a server's ACK, it parses */
	n = dhcp_encode_renew(b, sizeof b, &c, me);
	b[0] = 2;
	b[242] = DHCP_ACK;
	memcpy(b + 16, &me, 4);
	CHECK_EQ(dhcp_parse_reply(b, n, c.xid, c.mac, &l), -1);    /* no server id */
}

/* ---- lease timers ---- */

/* dnsmasq's ACK carries T1 1800 and T2 3150 for a 3600 s lease. */
static void test_timers_captured(void)
{
	struct dhcp_lease l;
	struct dhcp_timers t;

	CHECK_EQ(parse_fixture("dnsmasq-ack.bin", "udhcpc-request.bin", MAC_MAIN, &l), DHCP_ACK);
	CHECK_EQ(l.lease_secs, 3600);
	CHECK_EQ(l.renew_secs, 1800);
	CHECK_EQ(l.rebind_secs, 3150);
	dhcp_timers(&l, &t);
	CHECK_EQ(t.t1, 1800);
	CHECK_EQ(t.t2, 3150);
	CHECK_EQ(t.expiry, 3600);
	CHECK_EQ(dhcp_lease_phase(&t, 0), DHCP_BOUND);
	CHECK_EQ(dhcp_lease_phase(&t, 1799), DHCP_BOUND);
	CHECK_EQ(dhcp_lease_phase(&t, 1800), DHCP_RENEWING);
	CHECK_EQ(dhcp_lease_phase(&t, 3150), DHCP_REBINDING);
	CHECK_EQ(dhcp_lease_phase(&t, 3600), DHCP_EXPIRED);
	CHECK_EQ(dhcp_next_request(&t, 0), 1800);
	CHECK_EQ(dhcp_next_request(&t, 1000), 800);
	CHECK_EQ(dhcp_next_request(&t, 1800), 675);     /* half of 1350 to T2 */
	CHECK_EQ(dhcp_next_request(&t, 3100), 50);      /* 60 s minimum, cut at T2 */
	CHECK_EQ(dhcp_next_request(&t, 3150), 225);     /* half of 450 to expiry */
	CHECK_EQ(dhcp_next_request(&t, 3500), 60);
	CHECK_EQ(dhcp_next_request(&t, 3580), 20);      /* cut at expiry */
	CHECK_EQ(dhcp_next_request(&t, 3600), DHCP_RETRY_MIN_S);
	CHECK_EQ(dhcp_next_request(&t, 999999), DHCP_RETRY_MIN_S);
}

static void test_timers_defaults(void)
{
	struct dhcp_lease l;
	struct dhcp_timers t;

	memset(&l, 0, sizeof l);
	l.lease_secs = 120;                     /* dnsmasq's shortest lease */
	dhcp_timers(&l, &t);
	CHECK_EQ(t.t1, 60);
	CHECK_EQ(t.t2, 105);
	CHECK_EQ(t.expiry, 120);
	CHECK_EQ(dhcp_next_request(&t, 60), 45);        /* RENEWING: once, then T2 */
	CHECK_EQ(dhcp_next_request(&t, 105), 15);       /* REBINDING: once, then expiry */
	/* a server's T1/T2 out of order, or past the lease: the defaults */
	l.renew_secs = 100;
	l.rebind_secs = 90;
	dhcp_timers(&l, &t);
	CHECK_EQ(t.t1, 60);
	CHECK_EQ(t.t2, 105);
	l.renew_secs = 30;
	l.rebind_secs = 120;
	dhcp_timers(&l, &t);
	CHECK_EQ(t.t1, 60);
	l.rebind_secs = 100;
	dhcp_timers(&l, &t);
	CHECK_EQ(t.t1, 30);
	CHECK_EQ(t.t2, 100);
	/* the largest finite lease does not overflow 7/8 */
	memset(&l, 0, sizeof l);
	l.lease_secs = 0xfffffffe;
	dhcp_timers(&l, &t);
	CHECK_EQ(t.t2, 0xdffffffe);
	/* infinite and absent leases: nothing to renew */
	l.lease_secs = DHCP_LEASE_INFINITE;
	dhcp_timers(&l, &t);
	CHECK_EQ(dhcp_lease_phase(&t, 0xfffffffe), DHCP_BOUND);
	CHECK_EQ(dhcp_next_request(&t, 12345), DHCP_LEASE_INFINITE);
	l.lease_secs = 0;
	dhcp_timers(&l, &t);
	CHECK_EQ(dhcp_next_request(&t, 0), DHCP_LEASE_INFINITE);
}

/* ---- backoff ---- */

static void test_backoff_rfc(void)
{
	static const uint32_t want[] = { 4000, 8000, 16000, 32000, 64000, 64000, 64000 };
	int i;

	for (i = 0; i < 7; i++) {
		CHECK_EQ(dhcp_backoff_ms(i, 4000, 64000, 1000), want[i]);   /* middle */
		CHECK_EQ(dhcp_backoff_ms(i, 4000, 64000, 0), want[i] - 1000);
		CHECK_EQ(dhcp_backoff_ms(i, 4000, 64000, 2000), want[i] + 1000);
		CHECK_EQ(dhcp_backoff_ms(i, 4000, 64000, 2001), want[i] - 1000);
	}
	CHECK_EQ(dhcp_backoff_ms(1000000, 4000, 64000, 1000), 64000);
	CHECK_EQ(dhcp_backoff_ms(0x7fffffff, 4000, 64000, 1000), 64000);
	CHECK_EQ(dhcp_backoff_ms(-5, 4000, 64000, 1000), 4000);
}

static void test_backoff_fast_start(void)
{
	uint32_t r, d;

	/* 500 ms base: jitter is +-125 ms, never near zero */
	CHECK_EQ(dhcp_backoff_ms(0, 500, 8000, 125), 500);
	CHECK_EQ(dhcp_backoff_ms(0, 500, 8000, 0), 375);
	CHECK_EQ(dhcp_backoff_ms(0, 500, 8000, 250), 625);
	CHECK_EQ(dhcp_backoff_ms(1, 500, 8000, 500), 1250);
	CHECK_EQ(dhcp_backoff_ms(4, 500, 8000, 1000), 8000);
	CHECK_EQ(dhcp_backoff_ms(9, 500, 8000, 1000), 8000);
	CHECK_EQ(dhcp_backoff_ms(3, 0, 8000, 12345), 0);
	CHECK_EQ(dhcp_backoff_ms(3, 5000, 1000, 1000), 5000);       /* cap below base */
	CHECK_EQ(dhcp_backoff_ms(40, 0xffffffffu, 0xffffffffu, 2000), 0xffffffffu);  /* no wrap */
	for (r = 0; r < 100000; r += 7919) {
		d = dhcp_backoff_ms(2, 1000, 64000, r * 2654435761u);
		CHECK(d >= 3000 && d <= 5000);
	}
}

/* ---- state file ---- */

static void test_format_captured(void)
{
	struct dhcp_lease l;
	char buf[2048];
	int n;
	const char *want =
		"DEVICE='eth0'\n"
		"MAC='52:54:00:12:34:56'\n"
		"BOOTIF='01-52-54-00-12-34-56'\n"
		"PROTO='dhcp'\n"
		"IPV4ADDR='10.99.0.42'\n"
		"IPV4NETMASK='255.255.255.0'\n"
		"IPV4BROADCAST='10.99.0.255'\n"
		"IPV4GATEWAY='10.99.0.1'\n"
		"IPV4DNS0='10.99.0.1'\n"
		"IPV4DNS1='10.99.0.2'\n"
		"HOSTNAME='node42'\n"
		"DNSDOMAIN='cluster.test'\n"
		"ROOTSERVER='10.99.0.5'\n"
		"ROOTPATH='10.99.0.1:/srv/nfsroot/node42'\n"
		"DHCPSERVER='10.99.0.1'\n"
		"TFTPSERVER='bootsrv'\n"
		"FILENAME='pxelinux.0'\n"
		"LEASETIME='3600'\n";

	CHECK_EQ(parse_fixture("dnsmasq-ack.bin", "udhcpc-request.bin", MAC_MAIN, &l), DHCP_ACK);
	n = dhcp_lease_format(&l, "eth0", MAC_MAIN, "01-52-54-00-12-34-56", buf, sizeof buf);
	CHECK_EQ(n, strlen(want));
	CHECK_STR(buf, want);
}

static void test_format_empty_values(void)
{
	struct dhcp_lease l;
	char buf[2048];

	memset(&l, 0, sizeof l);
	inet_pton(AF_INET, "10.0.0.9", &l.yiaddr);
	inet_pton(AF_INET, "10.0.0.1", &l.server_id);
	CHECK(dhcp_lease_format(&l, "enp1s0", MAC_MAIN, NULL, buf, sizeof buf) > 0);
	CHECK(strstr(buf, "BOOTIF=''\n") != NULL);
	CHECK(strstr(buf, "IPV4GATEWAY=''\n") != NULL);
	CHECK(strstr(buf, "IPV4DNS0=''\n") != NULL);
	CHECK(strstr(buf, "ROOTSERVER='10.0.0.1'\n") != NULL);   /* no next-server */
	CHECK(strstr(buf, "LEASETIME='0'\n") != NULL);
}

static void test_format_quoting(void)
{
	struct dhcp_lease l;
	char buf[2048], path[] = "/tmp/test_dhcp_XXXXXX", cmd[200], got[300];
	FILE *f;
	int fd, n;

	memset(&l, 0, sizeof l);
	inet_pton(AF_INET, "10.0.0.9", &l.yiaddr);
	strcpy(l.hostname, "it's");
	strcpy(l.root_path, "/r'; rm -rf / #$(reboot)`x`\\");
	n = dhcp_lease_format(&l, "eth0", MAC_MAIN, NULL, buf, sizeof buf);
	CHECK(n > 0);
	CHECK(strstr(buf, "HOSTNAME='it'\\''s'\n") != NULL);

	/* and the shell agrees */
	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	f = fdopen(fd, "w");
	fputs(buf, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "sh -c '. %s && printf \"%%s|%%s\" \"$HOSTNAME\" \"$ROOTPATH\"'", path);
	f = popen(cmd, "r");
	memset(got, 0, sizeof got);
	if (f) {
		if (!fgets(got, sizeof got, f))
			got[0] = 0;
		pclose(f);
	}
	CHECK_STR(got, "it's|/r'; rm -rf / #$(reboot)`x`\\");
	remove(path);
}

static void test_format_rejects(void)
{
	struct dhcp_lease l;
	char buf[2048], *small;
	int full, n;
	size_t cap;

	memset(&l, 0, sizeof l);
	strcpy(l.domain, "a\nROOTPATH=/evil");
	CHECK_EQ(dhcp_lease_format(&l, "eth0", MAC_MAIN, NULL, buf, sizeof buf), -EINVAL);
	CHECK_STR(buf, "");
	l.domain[0] = 0;
	CHECK_EQ(dhcp_lease_format(&l, "eth\t0", MAC_MAIN, NULL, buf, sizeof buf), -EINVAL);
	CHECK_EQ(dhcp_lease_format(&l, "eth0", MAC_MAIN, "01-\x7f", buf, sizeof buf), -EINVAL);

	CHECK_EQ(parse_fixture("dnsmasq-ack.bin", "udhcpc-request.bin", MAC_MAIN, &l), DHCP_ACK);
	full = dhcp_lease_format(&l, "eth0", MAC_MAIN, "x", buf, sizeof buf);
	CHECK(full > 0);
	for (cap = 0; cap <= (size_t)full; cap++) {
		small = malloc(cap ? cap : 1);
		n = dhcp_lease_format(&l, "eth0", MAC_MAIN, "x", small, cap);
		CHECK_EQ(n, -ENOSPC);
		if (cap)
			CHECK_EQ(small[0], 0);
		free(small);
	}
	small = malloc(full + 1);
	CHECK_EQ(dhcp_lease_format(&l, "eth0", MAC_MAIN, "x", small, full + 1), full);
	CHECK_STR(small, buf);
	free(small);
}

/* The state file reads back into the lease it was written from, so a
 * lease companion started again from the real root has what it needs. */
static void test_conf_roundtrip(void)
{
	struct dhcp_lease l;
	struct dhcp_conf c;
	char buf[2048], again[2048], why[160];

	CHECK_EQ(parse_fixture("dnsmasq-ack.bin", "udhcpc-request.bin", MAC_MAIN, &l), DHCP_ACK);
	CHECK(dhcp_lease_format(&l, "eth0", MAC_MAIN, "01-52-54-00-12-34-56", buf, sizeof buf) > 0);
	CHECK_EQ(dhcp_conf_parse(buf, &c, why, sizeof why), 0);
	CHECK_STR(c.ifname, "eth0");
	CHECK(memcmp(c.mac, MAC_MAIN, 6) == 0);
	CHECK_STR(c.bootif, "01-52-54-00-12-34-56");
	CHECK_EQ(c.lease.type, DHCP_ACK);
	CHECK_STR(ip(c.lease.yiaddr), "10.99.0.42");
	CHECK_STR(ip(c.lease.server_id), "10.99.0.1");
	CHECK_STR(ip(c.lease.siaddr), "10.99.0.5");
	CHECK_EQ(c.lease.ndns, 2);
	CHECK_EQ(c.lease.lease_secs, 3600);
	CHECK(dhcp_lease_format(&c.lease, c.ifname, c.mac, c.bootif, again, sizeof again) > 0);
	CHECK_STR(again, buf);

	/* a quote in a value, and a file from a static ip= (PROTO none) */
	memset(&l, 0, sizeof l);
	inet_pton(AF_INET, "10.1.2.50", &l.yiaddr);
	snprintf(l.hostname, sizeof l.hostname, "it's");
	CHECK(dhcp_lease_format(&l, "eth1", MAC_MAIN, NULL, buf, sizeof buf) > 0);
	CHECK_EQ(dhcp_conf_parse(buf, &c, why, sizeof why), 0);
	CHECK_STR(c.lease.hostname, "it's");
	CHECK_EQ(c.lease.type, 0);
	CHECK_EQ(c.lease.ndns, 0);
	CHECK(dhcp_lease_format(&c.lease, c.ifname, c.mac, NULL, again, sizeof again) > 0);
	CHECK_STR(again, buf);
}

static void test_conf_rejects(void)
{
	struct dhcp_conf c;
	char why[160];

	CHECK_EQ(dhcp_conf_parse("", &c, why, sizeof why), -EINVAL);
	CHECK(strstr(why, "DEVICE") != NULL);
	CHECK_EQ(dhcp_conf_parse("DEVICE='eth0'\nIPV4ADDR='10.0.0.300'\n", &c, why, sizeof why), -EINVAL);
	CHECK_STR(why, "line 2: IPV4ADDR='10.0.0.300' is not a valid value");
	CHECK_EQ(dhcp_conf_parse("DEVICE='eth0'\nIPV4ADDR='10.0.0.3\n", &c, why, sizeof why), -EINVAL);
	CHECK_STR(why, "line 2: expected KEY='value'");
	CHECK_EQ(dhcp_conf_parse("DEVICE=eth0\n", &c, why, sizeof why), -EINVAL);
	CHECK_EQ(dhcp_conf_parse("DEVICE='eth0'\nMAC='52:54:00:12:34'\nIPV4ADDR='1.2.3.4'\n", &c, why, sizeof why), -EINVAL);
	CHECK_EQ(dhcp_conf_parse("DEVICE='eth0'\nLEASETIME='4294967296'\nIPV4ADDR='1.2.3.4'\n", &c, why, sizeof why), -EINVAL);
	CHECK_EQ(dhcp_conf_parse("DEVICE='eth0123456789abcdef'\nIPV4ADDR='1.2.3.4'\n", &c, why, sizeof why), -EINVAL);
	CHECK_EQ(dhcp_conf_parse("DEVICE='eth0'\nPROTO='bootp'\nIPV4ADDR='1.2.3.4'\n", &c, why, sizeof why), -EINVAL);
	/* unknown keys are skipped; the last line may lack its newline */
	CHECK_EQ(dhcp_conf_parse("NEWKEY='x'\nDEVICE='eth0'\nIPV4ADDR='1.2.3.4'", &c, why, sizeof why), 0);
}

int main(void)
{
	RUN(test_dnsmasq_offer);
	RUN(test_dnsmasq_ack);
	RUN(test_dnsmasq_nak);
	RUN(test_dnsmasq_bootp_fields);
	RUN(test_dnsmasq_overload);
	RUN(test_captured_truncated);
	RUN(test_not_for_us);
	RUN(test_not_dhcp_reply_types);
	RUN(test_minimal_offer);
	RUN(test_header_truncated);
	RUN(test_option_bounds);
	RUN(test_fixed_size_options);
	RUN(test_lease_time_and_lists);
	RUN(test_required_fields);
	RUN(test_strings);
	RUN(test_concatenation);
	RUN(test_overload);
	RUN(test_overload_malformed);
	RUN(test_bootp_fields_malformed);
	RUN(test_encode_discover);
	RUN(test_encode_request);
	RUN(test_encode_matches_udhcpc);
	RUN(test_encode_small_buffers);
	RUN(test_encode_parse_roundtrip);
	RUN(test_backoff_rfc);
	RUN(test_backoff_fast_start);
	RUN(test_format_captured);
	RUN(test_format_empty_values);
	RUN(test_format_quoting);
	RUN(test_format_rejects);
	RUN(test_encode_renew);
	RUN(test_timers_captured);
	RUN(test_timers_defaults);
	RUN(test_conf_roundtrip);
	RUN(test_conf_rejects);
	return check_summary("test_dhcp");
}
