/* fuzz_nbd.c - the fuzzer's bytes are everything the NBD server sends.
 *
 * Writes are discarded.  Besides the sanitizers, checks what callers rely
 * on: msg is one line of printable ASCII, a success describes a usable
 * export, and a failure leaves no half-filled export behind.
 * Seeds: tests/fuzz/corpus/nbd/ (the captured streams of
 * tests/unit/fixtures/nbd/).
 */
#include "nbd_proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct stream {
	const uint8_t *data;
	size_t len, pos;
};

static int stream_read(void *ctx, void *buf, size_t len)
{
	struct stream *s = ctx;

	if (len > s->len - s->pos) {
		s->pos = s->len;
		return -ECONNRESET;
	}
	memcpy(buf, s->data + s->pos, len);
	s->pos += len;
	return 0;
}

static int discard_write(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return 0;
}

static void check_message(const char *msg)
{
	size_t n = strnlen(msg, 512);

	if (n == 0 || n == 512)
		abort();
	for (size_t i = 0; i < n; i++)
		if (msg[i] < 0x20 || msg[i] > 0x7e)
			abort();
}

static bool power_of_two(uint32_t v)
{
	return v && !(v & (v - 1));
}

static void check_export(int rc, const struct nbd_export *e)
{
	static const struct nbd_export zero;

	if (rc != NBD_OK) {
		if (rc < NBD_ERR_NAME || rc > NBD_ERR_IO || memcmp(e, &zero, sizeof zero) != 0)
			abort();
		return;
	}
	if (e->size == 0 || !(e->flags & NBD_FLAG_HAS_FLAGS))
		abort();
	if (!power_of_two(e->min_block) || e->min_block > 65536 ||
	    !power_of_two(e->pref_block) || e->pref_block < e->min_block)
		abort();
	if (e->max_block != 0xffffffffu &&
	    (e->max_block < e->pref_block || e->max_block % e->min_block))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream s = { data, size, 0 };
	struct nbd_io io = { stream_read, discard_write, &s };
	struct nbd_export e;
	char msg[512];
	int rc;

	rc = nbd_negotiate(&io, "swap", &e, msg, sizeof msg);
	check_message(msg);
	check_export(rc, &e);
	return 0;
}
