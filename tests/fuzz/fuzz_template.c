/* fuzz_template.c - template_check() and template_expand() on any bytes.
 *
 * Input: one byte of output size, then the template, MAC, IP and hostname
 * separated by NUL bytes (a missing value is NULL). Checks that expand
 * agrees with check, stays inside the buffer and returns the length it
 * wrote; and that template_format_mac() gives 17 lowercase chars.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *parts[4] = { "", NULL, NULL, NULL };
	struct template_vars v;
	char *text, *p, *end;
	char out[300], msg[128], mac[18];
	size_t outlen;
	int checked, expanded;

	if (size < 1)
		return 0;
	outlen = data[0];
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	p = text;
	end = text + size - 1;
	for (int i = 0; i < 4 && p <= end; i++) {
		parts[i] = p;
		p += strlen(p) + 1;
	}
	v.mac = parts[1];
	v.ip = parts[2];
	v.hostname = parts[3];

	checked = template_check(parts[0], msg, sizeof(msg));
	REQUIRE(checked >= 0 || checked == TEMPLATE_EUNKNOWN || checked == TEMPLATE_EUNTERMINATED);
	if (checked < 0)
		REQUIRE(strlen(msg) > 0 && strlen(msg) < sizeof(msg));

	memset(out, 0x5a, sizeof(out));
	expanded = template_expand(parts[0], &v, out, outlen);
	REQUIRE((unsigned char)out[outlen] == 0x5a);
	if (expanded >= 0) {
		REQUIRE(checked >= 0);
		REQUIRE((size_t)expanded < outlen && strlen(out) == (size_t)expanded);
		/* No variables: the output is the template. */
		if (checked == 0)
			REQUIRE(strcmp(out, parts[0]) == 0);
	} else {
		REQUIRE(expanded == TEMPLATE_ETOOLONG || expanded == TEMPLATE_EMISSING ||
			expanded == checked);
		if (outlen)
			REQUIRE(out[0] == '\0');
	}
	/* With room to spare and every value present, only syntax can fail. */
	if (v.mac && *v.mac && v.ip && *v.ip && v.hostname && *v.hostname) {
		char big[4096];
		int r = template_expand(parts[0], &v, big, sizeof(big));

		if (size < 100)  /* size + size/4 vars * size < 4096 */
			REQUIRE(checked < 0 ? r == checked : r >= 0);
	}
	REQUIRE(template_strerror(expanded)[0] != '\0');

	if (size >= 7) {
		template_format_mac(data + 1, mac);
		REQUIRE(strlen(mac) == 17);
		for (int i = 0; i < 17; i++)
			REQUIRE(i % 3 == 2 ? mac[i] == '-' :
				(mac[i] >= '0' && mac[i] <= '9') || (mac[i] >= 'a' && mac[i] <= 'f'));
	}
	free(text);
	return 0;
}
