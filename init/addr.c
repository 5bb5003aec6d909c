/* addr.c - the text forms of IPv4 and MAC addresses (addr.h). */
#include <arpa/inet.h>
#include <stdio.h>

#include "addr.h"
#include "fmt.h"

const char *ipv4_text(struct in_addr a, char buf[IPV4_TEXT_LEN])
{
	const uint8_t *b = (const uint8_t *)&a.s_addr;

	bufprint(buf, IPV4_TEXT_LEN, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

bool ipv4_parse(const char *s, struct in_addr *out)
{
	uint32_t a = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		int n = 0;

		while (*s >= '0' && *s <= '9') {
			if (++n > 3)
				return false;
			v = v * 10 + (unsigned)(*s++ - '0');
		}
		if (n == 0 || v > 255)
			return false;
		a = a << 8 | v;
		if (i < 3 && *s++ != '.')
			return false;
	}
	if (*s)
		return false;
	out->s_addr = htonl(a);
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hwaddr_parse(const char *s, uint8_t *out, int count)
{
	char sep = 0;

	for (int i = 0; i < count; i++) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i == count - 1)
			break;
		if ((*s != '-' && *s != ':') || (sep && *s != sep))
			return false;
		sep = *s++;
	}
	return *s == '\0';
}
