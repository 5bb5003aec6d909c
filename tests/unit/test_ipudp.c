/* test_ipudp.c - ipudp.c on captured IPv4 datagrams and broken ones.
 *
 * udhcpc-discover.ipv4 is busybox udhcpc's DISCOVER as it left its
 * AF_PACKET socket (0.0.0.0:68 -> 255.255.255.255:67), dnsmasq-offer.ipv4
 * dnsmasq's broadcast OFFER (TOS 0xc0, a real IP id); the .bin files are
 * their UDP payloads.  See fixtures/dhcp/README.  Buffers are exact-size
 * heap copies so ASan sees any read past the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "ipudp.h"


static struct fixture_pkt fixture(const char *name)
{
	return fixture_pkt_load("dhcp", "DHCP_FIXTURE_DIR", name);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Recomputes the IPv4 header checksum after a test edits the header. */
static void fix_ip_checksum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4, i;
	uint32_t sum = 0;

	ip[10] = ip[11] = 0;
	for (i = 0; i < ihl; i += 2)
		sum += be16(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
}

static int decode(const uint8_t *frame, size_t len, uint16_t port, const uint8_t **pl, size_t *plen)
{
	uint8_t *c = fixture_exact(frame, len);
	int r = ipudp_decode(c, len, port, pl, plen);

	/* point into the caller's frame, not the copy about to be freed */
	if (r == 1) {
		CHECK(*pl >= c + 28 && *pl + *plen <= c + len);
		*pl = frame + (*pl - c);
	}
	free(c);
	return r;
}

static const uint32_t ANY = 0, BCAST = 0xffffffffu;

/* ---- captured ---- */

static void test_decode_dnsmasq_offer(void)
{
	struct fixture_pkt f = fixture("dnsmasq-offer.ipv4"), b = fixture("dnsmasq-offer.bin");
	const uint8_t *pl = NULL;
	size_t plen = 0;

	CHECK_EQ(f.b[1], 0xc0);                 /* dnsmasq's TOS, not ours */
	CHECK_EQ(decode(f.b, f.len, 68, &pl, &plen), 1);
	CHECK_EQ(plen, b.len);
	CHECK(pl == f.b + 28);
	CHECK(plen == b.len && memcmp(pl, b.b, b.len) == 0);
	CHECK_EQ(decode(f.b, f.len, 67, &pl, &plen), 0);
	free(f.b);
	free(b.b);
}

static void test_decode_udhcpc_discover(void)
{
	struct fixture_pkt f = fixture("udhcpc-discover.ipv4"), b = fixture("udhcpc-discover.bin");
	const uint8_t *pl = NULL;
	size_t plen = 0;

	CHECK_EQ(decode(f.b, f.len, 67, &pl, &plen), 1);
	CHECK(plen == b.len && memcmp(pl, b.b, b.len) == 0);
	CHECK_EQ(decode(f.b, f.len, 68, &pl, &plen), 0);     /* our own broadcast */
	free(f.b);
	free(b.b);
}

/* What we build is what udhcpc put on the wire, byte for byte. */
static void test_encode_matches_udhcpc(void)
{
	struct fixture_pkt f = fixture("udhcpc-discover.ipv4"), b = fixture("udhcpc-discover.bin");
	uint8_t out[1024];
	size_t n = ipudp_encode(out, sizeof out, b.b, b.len, ANY, BCAST, 68, 67);

	CHECK_EQ(n, b.len + IPUDP_HEADER_LEN);
	CHECK_EQ(n, f.len);
	CHECK(n == f.len && memcmp(out, f.b, n) == 0);
	free(f.b);
	free(b.b);
}

static void test_captured_truncated(void)
{
	static const char *const names[] = { "dnsmasq-offer.ipv4", "udhcpc-discover.ipv4" };
	const uint8_t *pl;
	size_t plen, n, i;

	for (i = 0; i < 2; i++) {
		struct fixture_pkt f = fixture(names[i]);

		for (n = 0; n < f.len; n++)
			if (decode(f.b, n, i ? 67 : 68, &pl, &plen) != -1) {
				fprintf(stderr, "  %s cut to %zu accepted\n", names[i], n);
				check_current_failed = 1;
			}
		free(f.b);
	}
}

/* Ethernet pads short frames; the IP total length says where data ends. */
static void test_decode_padded(void)
{
	struct fixture_pkt f = fixture("dnsmasq-offer.ipv4");
	uint8_t *p = calloc(1, f.len + 18);
	const uint8_t *pl;
	size_t plen;

	memcpy(p, f.b, f.len);
	CHECK_EQ(decode(p, f.len + 18, 68, &pl, &plen), 1);
	CHECK_EQ(plen, f.len - 28);
	free(p);
	free(f.b);
}

/* ---- encode ---- */

static void test_encode_fields(void)
{
	uint8_t out[64];
	const uint8_t payload[5] = { 'h', 'e', 'l', 'l', 'o' };
	uint32_t src = 0x0100000a, dst = 0x0200000a;   /* 10.0.0.1 -> 10.0.0.2 */
	const uint8_t *pl;
	size_t plen, n = ipudp_encode(out, sizeof out, payload, 5, src, dst, 1234, 4321);

	CHECK_EQ(n, 33);
	CHECK_EQ(out[0], 0x45);
	CHECK_EQ(out[1], 0);
	CHECK_EQ(be16(out + 2), 33);
	CHECK_EQ(be16(out + 4), 0);             /* id */
	CHECK_EQ(be16(out + 6), 0);             /* no DF, no fragment */
	CHECK_EQ(out[8], 64);
	CHECK_EQ(out[9], 17);
	CHECK(memcmp(out + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8) == 0);
	CHECK_EQ(be16(out + 20), 1234);
	CHECK_EQ(be16(out + 22), 4321);
	CHECK_EQ(be16(out + 24), 13);
	CHECK(be16(out + 26) != 0);
	CHECK(memcmp(out + 28, payload, 5) == 0);   /* odd length: checksum pads */
	CHECK_EQ(ipudp_decode(out, n, 4321, &pl, &plen), 1);
	CHECK_EQ(plen, 5);
	CHECK(pl == out + 28);
	n = ipudp_encode(out, sizeof out, NULL, 0, src, dst, 1, 2);
	CHECK_EQ(n, 28);
	CHECK_EQ(ipudp_decode(out, n, 2, &pl, &plen), 1);
	CHECK_EQ(plen, 0);
}

static void test_encode_in_place(void)
{
	uint8_t out[28 + 300];
	const uint8_t *pl;
	size_t plen, i;

	for (i = 0; i < 300; i++)
		out[28 + i] = (uint8_t)i;
	CHECK_EQ(ipudp_encode(out, sizeof out, out + 28, 300, ANY, BCAST, 68, 67), 328);
	CHECK_EQ(ipudp_decode(out, 328, 67, &pl, &plen), 1);
	CHECK_EQ(plen, 300);
	CHECK_EQ(pl[299], (uint8_t)299);
}

static void test_encode_small_buffers(void)
{
	uint8_t payload[300] = { 1 }, *b;
	size_t cap;

	for (cap = 0; cap < 328; cap++) {
		b = malloc(cap ? cap : 1);
		CHECK_EQ(ipudp_encode(b, cap, payload, sizeof payload, ANY, BCAST, 68, 67), 0);
		free(b);
	}
	b = malloc(70000);
	CHECK_EQ(ipudp_encode(b, 70000, b + 28, 65535 - 28, ANY, BCAST, 68, 67), 65535);
	CHECK_EQ(ipudp_encode(b, 70000, b + 28, 65535 - 27, ANY, BCAST, 68, 67), 0);
	free(b);
}

/* RFC 768: a checksum that computes to 0 goes out as 0xffff. */
static void test_encode_checksum_zero(void)
{
	uint8_t out[64], payload[4] = { 0, 0, 0, 0 };
	const uint8_t *pl;
	size_t plen, n = ipudp_encode(out, sizeof out, payload, 4, ANY, BCAST, 68, 67);
	uint16_t c = be16(out + 26);

	CHECK_EQ(n, 32);
	payload[2] = (uint8_t)(c >> 8);         /* adding c makes the sum 0xffff */
	payload[3] = (uint8_t)c;
	n = ipudp_encode(out, sizeof out, payload, 4, ANY, BCAST, 68, 67);
	CHECK_EQ(be16(out + 26), 0xffff);
	CHECK_EQ(ipudp_decode(out, n, 67, &pl, &plen), 1);
}

/* ---- decode, malformed and not for us ---- */

static size_t good(uint8_t *out, size_t cap)
{
	static const uint8_t payload[] = "a DHCP message";

	return ipudp_encode(out, cap, payload, sizeof payload, 0x0100000a, BCAST, 67, 68);
}

static void test_decode_header_errors(void)
{
	uint8_t f[128];
	const uint8_t *pl;
	size_t plen, n;

	n = good(f, sizeof f);
	CHECK_EQ(decode(f, n, 68, &pl, &plen), 1);

	f[0] = 0x65;                            /* IPv6 version nibble */
	fix_ip_checksum(f);
	CHECK_EQ(decode(f, n, 68, &pl, &plen), -1);
	n = good(f, sizeof f);
	f[0] = 0x44;                            /* IHL 4 */
	CHECK_EQ(decode(f, n, 68, &pl, &plen), -1);
	f[0] = 0x4f;                            /* IHL 15: 60 bytes > frame */
	CHECK_EQ(decode(f, 40, 68, &pl, &plen), -1);
	n = good(f, sizeof f);
	f[2] = 0, f[3] = 19;                    /* total < IHL */
	fix_ip_checksum(f);
	CHECK_EQ(decode(f, n, 68, &pl, &plen), -1);
	n = good(f, sizeof f);
	f[3]++;                                 /* total > frame */
	fix_ip_checksum(f);
	CHECK_EQ(decode(f, n, 68, &pl, &plen), -1);
	n = good(f, sizeof f);
	f[8]--;                                 /* TTL changed, checksum stale */
	CHECK_EQ(decode(f, n, 68, &pl, &plen), -1);
	n = good(f, sizeof f);
	f[11] ^= 0x01;
	CHECK_EQ(decode(f, n, 68, &pl, &plen), -1);
	n = good(f, sizeof f);
	f[2] = 0, f[3] = 27;                    /* room for a UDP header: no */
	fix_ip_checksum(f);
	CHECK_EQ(decode(f, n, 68, &pl, &plen), -1);
}

static void test_decode_not_for_us(void)
{
	uint8_t f[128];
	const uint8_t *pl;
	size_t plen, n;

	n = good(f, sizeof f);
	CHECK_EQ(decode(f, n, 67, &pl, &plen), 0);           /* other port */
	f[9] = 6;                               /* TCP */
	fix_ip_checksum(f);
	CHECK_EQ(decode(f, n, 68, &pl, &plen), 0);
	n = good(f, sizeof f);
	f[6] = 0x20;                            /* more fragments */
	fix_ip_checksum(f);
	CHECK_EQ(decode(f, n, 68, &pl, &plen), 0);
	n = good(f, sizeof f);
	f[7] = 0x01;                            /* offset 8 */
	fix_ip_checksum(f);
	CHECK_EQ(decode(f, n, 68, &pl, &plen), 0);
	n = good(f, sizeof f);
	f[6] = 0x40;                            /* DF alone is fine */
	fix_ip_checksum(f);
	CHECK_EQ(decode(f, n, 68, &pl, &plen), 1);
}

static void test_decode_udp_errors(void)
{
	uint8_t f[128];
	const uint8_t *pl;
	size_t plen, n;

	n = good(f, sizeof f);
	f[24] = 0, f[25] = 7;                   /* UDP length < 8 */
	CHECK_EQ(decode(f, n, 68, &pl, &plen), -1);
	n = good(f, sizeof f);
	f[25]++;                                /* UDP length > IP payload */
	CHECK_EQ(decode(f, n, 68, &pl, &plen), -1);
	n = good(f, sizeof f);
	f[30] ^= 0x20;                          /* payload changed */
	CHECK_EQ(decode(f, n, 68, &pl, &plen), -1);
	CHECK_EQ(ipudp_decode_flags(f, n, 68, IPUDP_CSUM_NOT_READY, &pl, &plen), 1);
	f[26] = f[27] = 0;                      /* ... without checksum: taken */
	CHECK_EQ(decode(f, n, 68, &pl, &plen), 1);
	CHECK_EQ(plen, 15);
}

/* A partial checksum (offload, sender on this host) skips only the UDP
 * checksum; the IP header checksum and every length are still checked. */
static void test_decode_csum_not_ready(void)
{
	uint8_t f[128];
	const uint8_t *pl;
	size_t plen, n;

	n = good(f, sizeof f);
	f[26] = 0x12, f[27] = 0x34;             /* pseudo-header sum only */
	CHECK_EQ(ipudp_decode(f, n, 68, &pl, &plen), -1);
	CHECK_EQ(ipudp_decode_flags(f, n, 68, IPUDP_CSUM_NOT_READY, &pl, &plen), 1);
	CHECK_EQ(plen, 15);
	CHECK_EQ(ipudp_decode_flags(f, n, 67, IPUDP_CSUM_NOT_READY, &pl, &plen), 0);
	CHECK_EQ(ipudp_decode_flags(f, n - 1, 68, IPUDP_CSUM_NOT_READY, &pl, &plen), -1);
	f[25]++;
	CHECK_EQ(ipudp_decode_flags(f, n, 68, IPUDP_CSUM_NOT_READY, &pl, &plen), -1);
	n = good(f, sizeof f);
	f[8]--;
	CHECK_EQ(ipudp_decode_flags(f, n, 68, IPUDP_CSUM_NOT_READY, &pl, &plen), -1);
}

/* Linux udp_rcv trims an IP payload longer than the UDP length; so do we. */
static void test_decode_udp_shorter_than_ip(void)
{
	uint8_t f[128];
	const uint8_t *pl;
	size_t plen, n;

	n = good(f, sizeof f);
	f[n] = 0xee, f[n + 1] = 0xee;
	f[3] += 2;
	fix_ip_checksum(f);
	CHECK_EQ(decode(f, n + 2, 68, &pl, &plen), 1);
	CHECK_EQ(plen, 15);
}

/* IHL 6: 4 bytes of IP options before the UDP header. */
static void test_decode_ip_options(void)
{
	uint8_t f[128], g[128];
	const uint8_t *pl;
	size_t plen, n;

	n = good(g, sizeof g);
	memcpy(f, g, 20);
	f[0] = 0x46;
	memcpy(f + 20, "\x01\x01\x01\x00", 4);  /* NOP NOP NOP EOL */
	memcpy(f + 24, g + 20, n - 20);
	f[3] += 4;
	fix_ip_checksum(f);
	CHECK_EQ(decode(f, n + 4, 68, &pl, &plen), 1);
	CHECK_EQ(plen, 15);
	CHECK(memcmp(pl, "a DHCP message", 15) == 0);
}

int main(void)
{
	RUN(test_decode_dnsmasq_offer);
	RUN(test_decode_udhcpc_discover);
	RUN(test_encode_matches_udhcpc);
	RUN(test_captured_truncated);
	RUN(test_decode_padded);
	RUN(test_encode_fields);
	RUN(test_encode_in_place);
	RUN(test_encode_small_buffers);
	RUN(test_encode_checksum_zero);
	RUN(test_decode_header_errors);
	RUN(test_decode_not_for_us);
	RUN(test_decode_udp_errors);
	RUN(test_decode_csum_not_ready);
	RUN(test_decode_udp_shorter_than_ip);
	RUN(test_decode_ip_options);
	return check_summary("test_ipudp");
}
