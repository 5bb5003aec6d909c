/* fuzz_dhcp.c - dhcp_parse_reply, dhcp_lease_format and ipudp_decode.
 *
 * Each input is tried as a BOOTP payload (with the xid and chaddr taken
 * from the input itself, so the fuzzer gets past "not for us") and as an
 * IPv4 frame.  A parsed lease must format, read back (dhcp_conf_parse) to
 * the same text, give ordered timers, and turn into a REQUEST; a frame we
 * encode must decode to the same payload; the input as text must not crash
 * dhcp_conf_parse.
 *
 * clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinit \
 *     tests/fuzz/fuzz_dhcp.c init/dhcp.c init/ipudp.c
 * Seeds: tests/fuzz/corpus/dhcp/ (captured dnsmasq/udhcpc packets).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "ipudp.h"

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void check_strings(const struct dhcp_lease *l)
{
	REQUIRE(strlen(l->hostname) < sizeof l->hostname);
	REQUIRE(strlen(l->domain) < sizeof l->domain);
	REQUIRE(strlen(l->root_path) < sizeof l->root_path);
	REQUIRE(strlen(l->bootfile) < sizeof l->bootfile);
	REQUIRE(strlen(l->tftp_server) < sizeof l->tftp_server);
	REQUIRE(l->ndns >= 0 && l->ndns <= 3);
}

static void check_timers(const struct dhcp_lease *l)
{
	struct dhcp_timers t;
	uint32_t e[] = { 0, l->renew_secs, l->rebind_secs, l->lease_secs, l->lease_secs / 2,
			 l->lease_secs - 1, 0xffffffffu };

	dhcp_timers(l, &t);
	REQUIRE(t.expiry == DHCP_LEASE_INFINITE ? t.t1 == t.expiry && t.t2 == t.expiry
						 : t.t1 <= t.t2 && t.t2 <= t.expiry);
	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		uint32_t w = dhcp_next_request(&t, e[i]);

		if (t.expiry != DHCP_LEASE_INFINITE && e[i] < t.expiry)
			REQUIRE(w > 0 && w <= t.expiry - e[i]);
	}
}

static void parse_and_use(const uint8_t *b, size_t n)
{
	struct dhcp_client c = { n >= 8 ? be32(b + 4) : 0, { 0 }, 0, NULL };
	struct dhcp_lease l;
	char err[160], out[4096], small[100];
	uint8_t req[DHCP_MSG_MAX];
	int r, f;

	if (n >= 34)
		memcpy(c.mac, b + 28, 6);
	r = dhcp_parse_reply_err(b, n, c.xid, c.mac, &l, err, sizeof err);
	REQUIRE(r >= -1 && r <= DHCP_NAK);
	REQUIRE(memchr(err, 0, sizeof err) != NULL);
	if (r <= 0)
		return;
	REQUIRE(r == DHCP_OFFER || r == DHCP_ACK || r == DHCP_NAK);
	check_strings(&l);
	/* the parser lets no control character through, and 4096 bytes hold
	 * the longest lease even with every character a quote */
	f = dhcp_lease_format(&l, "eth0", c.mac, "01-52-54-00-12-34-56", out, sizeof out);
	REQUIRE(f > 0 && (size_t)f == strlen(out));
	f = dhcp_lease_format(&l, "eth0", c.mac, NULL, small, sizeof small);
	REQUIRE(f == -ENOSPC || (f > 0 && (size_t)f == strlen(small)));
	c.hostname = l.hostname;
	REQUIRE(dhcp_encode_request(req, sizeof req, &c, &l) >= DHCP_MSG_MIN);
	check_timers(&l);
	f = dhcp_lease_format(&l, "eth0", c.mac, "01-52-54-00-12-34-56", out, sizeof out);
	if (l.yiaddr.s_addr) {
		static char again[4096];
		struct dhcp_conf conf;

		REQUIRE(dhcp_conf_parse(out, &conf, err, sizeof err) == 0);
		REQUIRE(dhcp_lease_format(&conf.lease, conf.ifname, conf.mac, conf.bootif,
					  again, sizeof again) == f);
		REQUIRE(strcmp(again, out) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[65536];
	const uint8_t *pl;
	size_t plen, n;

	static char text[8192];
	struct dhcp_conf conf;
	char err[160];

	if (size < sizeof text) {
		memcpy(text, data, size);
		text[size] = 0;
		if (dhcp_conf_parse(text, &conf, err, sizeof err) == 0)
			REQUIRE(conf.ifname[0] && conf.lease.yiaddr.s_addr);
		REQUIRE(memchr(err, 0, sizeof err) != NULL);
	}
	parse_and_use(data, size);
	if (ipudp_decode(data, size, DHCP_CLIENT_PORT, &pl, &plen) == 1) {
		REQUIRE(pl >= data + 28 && pl + plen <= data + size);
		parse_and_use(pl, plen);
	}
	if (ipudp_decode_flags(data, size, DHCP_CLIENT_PORT, IPUDP_CSUM_NOT_READY, &pl, &plen) == 1) {
		REQUIRE(pl >= data + 28 && pl + plen <= data + size);
		parse_and_use(pl, plen);
	}
	n = ipudp_encode(frame, sizeof frame, data, size, 0, 0xffffffffu,
			 DHCP_CLIENT_PORT, DHCP_SERVER_PORT);
	REQUIRE(size > 65535 - IPUDP_HEADER_LEN ? n == 0 : n == size + IPUDP_HEADER_LEN);
	if (n) {
		REQUIRE(ipudp_decode(frame, n, DHCP_SERVER_PORT, &pl, &plen) == 1);
		REQUIRE(plen == size && memcmp(pl, data, size) == 0);
	}
	return 0;
}
