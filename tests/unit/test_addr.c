/* test_addr.c - the text forms of IPv4 and MAC addresses, each way. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "check.h"

/* Two in one line stay two (inet_ntoa's static buffer printed one). */
static void test_ipv4_text(void)
{
	char a[IPV4_TEXT_LEN], b[IPV4_TEXT_LEN];
	struct in_addr x = { htonl(0x0a000201) }, y = { htonl(0xffffffff) }, z = { 0 };
	char line[64];

	snprintf(line, sizeof line, "%s %s", ipv4_text(x, a), ipv4_text(y, b));
	CHECK_STR(line, "10.0.2.1 255.255.255.255");
	CHECK_STR(ipv4_text(z, a), "0.0.0.0");
}

static void test_ipv4_parse(void)
{
	struct in_addr a = { 0 };

	CHECK(ipv4_parse("10.0.2.15", &a));
	CHECK_EQ(a.s_addr, htonl(0x0a00020f));
	CHECK(ipv4_parse("010.000.002.015", &a)); /* decimal, as in_aton reads it */
	CHECK_EQ(a.s_addr, htonl(0x0a00020f));
	CHECK(!ipv4_parse("10.0.2", &a));
	CHECK(!ipv4_parse("10.0.2.256", &a));
	CHECK(!ipv4_parse("10.0.2.0015", &a));
	CHECK(!ipv4_parse("10.0.2.1 ", &a));
	CHECK(!ipv4_parse("10..2.1", &a));
	CHECK(!ipv4_parse("", &a));
}

static void test_hwaddr_parse(void)
{
	static const uint8_t want[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	uint8_t mac[7];

	CHECK(hwaddr_parse("52:54:00:ab:cd:ef", mac, 6) && !memcmp(mac, want, 6));
	CHECK(hwaddr_parse("52-54-00-AB-CD-EF", mac, 6) && !memcmp(mac, want, 6));
	CHECK(hwaddr_parse("01-52-54-00-ab-cd-ef", mac, 7) && mac[0] == 1 && !memcmp(mac + 1, want, 6));
	CHECK(!hwaddr_parse("52:54-00:ab:cd:ef", mac, 6));  /* one kind of separator */
	CHECK(!hwaddr_parse("52:54:00:ab:cd:ef\n", mac, 6)); /* nothing after */
	CHECK(!hwaddr_parse("52:54:00:ab:cd", mac, 6));
	CHECK(!hwaddr_parse("52:54:00:ab:cd:eg", mac, 6));
	CHECK(!hwaddr_parse("5:54:00:ab:cd:ef", mac, 6));
}

int main(void)
{
	RUN(test_ipv4_text);
	RUN(test_ipv4_parse);
	RUN(test_hwaddr_parse);
	return check_summary("addr");
}
