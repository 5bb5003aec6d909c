/* fuzz_dhcp.c - dhcp_parse_reply, dhcp_lease_format and ipudp_decode.
 *
 * Each input is tried as a BOOTP payload (with the xid and chaddr taken
 * from the input itself, so the fuzzer gets past "not for us") and as an
 * IPv4 frame.  A parsed lease must format and turn into a REQUEST; a frame
 * we encode must decode to the same payload.
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[65536];
	const uint8_t *pl;
	size_t plen, n;

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
