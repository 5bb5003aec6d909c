/* test_nbd_proto.c - the NBD handshake on bytes real servers sent.
 *
 * Fixtures (tests/unit/fixtures/nbd/, see README there) are replayed through
 * memory-backed nbd_io callbacks; hand-built streams cover what no server
 * we can run sends: bad magic, oversized replies, bad block sizes.
 * Fixtures are found through $NBD_FIXTURE_DIR, else next to this file.
 */
#include "check.h"
#include "fixture.h"
#include "nbd_proto.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* ---- memory-backed transport ---- */

struct mem {
	const uint8_t *in;
	size_t len, pos;
	uint8_t out[16384];
	size_t outlen;
	int write_error;
};

static int mem_read(void *ctx, void *buf, size_t len)
{
	struct mem *m = ctx;

	if (len > m->len - m->pos) {
		m->pos = m->len;
		return -ECONNRESET;
	}
	memcpy(buf, m->in + m->pos, len);
	m->pos += len;
	return 0;
}

static int mem_write(void *ctx, const void *buf, size_t len)
{
	struct mem *m = ctx;

	if (m->write_error)
		return m->write_error;
	if (len > sizeof m->out - m->outlen)
		return -ENOSPC;
	memcpy(m->out + m->outlen, buf, len);
	m->outlen += len;
	return 0;
}

static struct mem mem;
static struct nbd_export ex;
static char msg[512];

static int replay(const uint8_t *in, size_t len, const char *name)
{
	struct nbd_io io = { mem_read, mem_write, &mem };

	memset(&mem, 0, sizeof mem);
	mem.in = in;
	mem.len = len;
	memset(msg, 'X', sizeof msg);
	return nbd_negotiate(&io, name, &ex, msg, sizeof msg);
}

/* ---- fixtures ---- */

static uint8_t fix[4096];
static size_t fixlen;

static const uint8_t *fixture(const char *name)
{
	char path[1024];
	FILE *f = fixture_open("nbd", "NBD_FIXTURE_DIR", name, path, sizeof path);

	fixlen = 0;
	if (!f) {
		fprintf(stderr, "  missing fixture %s\n", path);
		check_current_failed = 1;
		return fix;
	}
	fixlen = fread(fix, 1, sizeof fix, f);
	fclose(f);
	return fix;
}

static int replay_fixture(const char *file, const char *name)
{
	const uint8_t *b = fixture(file);

	return replay(b, fixlen, name);
}

/* ---- hand-built streams ---- */

static uint8_t sb[70000];
static size_t sn;

static void add8(uint8_t v) { sb[sn++] = v; }
static void add16(uint16_t v) { add8(v >> 8); add8(v & 0xff); }
static void add32(uint32_t v) { add16(v >> 16); add16(v & 0xffff); }
static void add64(uint64_t v) { add32(v >> 32); add32(v & 0xffffffff); }
static void add_raw(const void *p, size_t n) { memcpy(sb + sn, p, n); sn += n; }

static void greeting(uint16_t hflags)
{
	sn = 0;
	add64(NBD_MAGIC);
	add64(NBD_IHAVEOPT);
	add16(hflags);
}

static void reply(uint32_t type, uint32_t len)
{
	add64(NBD_REP_MAGIC);
	add32(NBD_OPT_GO);
	add32(type);
	add32(len);
}

static void info_export(uint64_t size, uint16_t flags)
{
	reply(NBD_REP_INFO, 12);
	add16(NBD_INFO_EXPORT);
	add64(size);
	add16(flags);
}

static void info_block_size(uint32_t min, uint32_t pref, uint32_t max)
{
	reply(NBD_REP_INFO, 14);
	add16(NBD_INFO_BLOCK_SIZE);
	add32(min);
	add32(pref);
	add32(max);
}

static void ack(void) { reply(NBD_REP_ACK, 0); }

static int run_built(void) { return replay(sb, sn, "swap"); }

/* ---- encoders ---- */

static void test_client_flags_encode(void)
{
	uint8_t b[4];

	CHECK_EQ(nbd_client_flags_encode(b, 4, NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES), 4);
	CHECK(memcmp(b, "\0\0\0\3", 4) == 0);
	CHECK_EQ(nbd_client_flags_encode(b, 4, NBD_FLAG_FIXED_NEWSTYLE), 4);
	CHECK(memcmp(b, "\0\0\0\1", 4) == 0);
	/* Unknown server bits are not echoed: the server would drop us. */
	CHECK_EQ(nbd_client_flags_encode(b, 4, 0xffff), 4);
	CHECK(memcmp(b, "\0\0\0\3", 4) == 0);
	CHECK_EQ(nbd_client_flags_encode(b, 3, 3), -1);
}

static void test_opt_go_encode_matches_capture(void)
{
	uint8_t b[64];
	const uint8_t *c = fixture("client-go-swap.bin");

	CHECK_EQ(fixlen, 32);
	CHECK_EQ(nbd_opt_go_encode(b, sizeof b, "swap"), 28);
	CHECK(memcmp(b, c + 4, 28) == 0);
	CHECK_EQ(nbd_opt_go_encode(b, 27, "swap"), -1);
}

static void test_opt_go_encode_empty_name(void)
{
	static const uint8_t want[] = {
		'I', 'H', 'A', 'V', 'E', 'O', 'P', 'T', 0, 0, 0, 7, 0, 0, 0, 8,
		0, 0, 0, 0, 0, 1, 0, 3,
	};
	uint8_t b[64];

	CHECK_EQ(nbd_opt_go_encode(b, sizeof b, ""), 24);
	CHECK(memcmp(b, want, sizeof want) == 0);
	CHECK_EQ(nbd_opt_go_encode(b, sizeof b, NULL), 24);
	CHECK(memcmp(b, want, sizeof want) == 0);
}

static void test_opt_go_encode_name_limits(void)
{
	static char name[NBD_NAME_MAX + 2];
	static uint8_t b[NBD_OPT_GO_MAX + 8];

	memset(name, 'a', NBD_NAME_MAX);
	name[NBD_NAME_MAX] = '\0';
	CHECK_EQ(nbd_opt_go_encode(b, sizeof b, name), NBD_OPT_GO_MAX);
	CHECK_EQ(nbd_opt_go_encode(b, NBD_OPT_GO_MAX, name), NBD_OPT_GO_MAX);
	name[NBD_NAME_MAX] = 'a';
	name[NBD_NAME_MAX + 1] = '\0';
	CHECK_EQ(nbd_opt_go_encode(b, sizeof b, name), -1);
	CHECK_EQ(nbd_opt_export_name_encode(b, sizeof b, name), -1);
}

static void test_opt_export_name_encode(void)
{
	static const uint8_t want[] = {
		'I', 'H', 'A', 'V', 'E', 'O', 'P', 'T', 0, 0, 0, 1, 0, 0, 0, 4,
		's', 'w', 'a', 'p',
	};
	uint8_t b[32];

	CHECK_EQ(nbd_opt_export_name_encode(b, sizeof b, "swap"), 20);
	CHECK(memcmp(b, want, sizeof want) == 0);
	CHECK_EQ(nbd_opt_export_name_encode(b, 19, "swap"), -1);
	CHECK_EQ(nbd_opt_export_name_encode(b, 16, ""), 16);
}

static void test_opt_abort_encode(void)
{
	static const uint8_t want[] = {
		'I', 'H', 'A', 'V', 'E', 'O', 'P', 'T', 0, 0, 0, 2, 0, 0, 0, 0,
	};
	uint8_t b[16];

	CHECK_EQ(nbd_opt_abort_encode(b, 16), 16);
	CHECK(memcmp(b, want, 16) == 0);
	CHECK_EQ(nbd_opt_abort_encode(b, 15), -1);
}

static void test_names(void)
{
	CHECK_STR(nbd_rep_name(NBD_REP_ERR_UNKNOWN), "NBD_REP_ERR_UNKNOWN");
	CHECK_STR(nbd_rep_name(NBD_REP_ERR_TLS_REQD), "NBD_REP_ERR_TLS_REQD");
	CHECK_STR(nbd_rep_name(NBD_REP_ACK), "NBD_REP_ACK");
	CHECK_STR(nbd_rep_name(0x8000000bu), "NBD_REP_ERR_?");
	CHECK_STR(nbd_rep_name(99), "NBD_REP_?");
	CHECK_STR(nbd_result_name(NBD_OK), "NBD_OK");
	CHECK_STR(nbd_result_name(NBD_ERR_TLS_REQUIRED), "NBD_ERR_TLS_REQUIRED");
	CHECK_STR(nbd_result_name(NBD_ERR_NAME), "NBD_ERR_NAME");
	CHECK_STR(nbd_result_name(-100), "NBD_ERR_?");
	CHECK_STR(nbd_result_name(5), "NBD_ERR_?");
}

/* ---- real servers: success ---- */

static void test_nbd_server_go_rw(void)
{
	const uint8_t *c;

	CHECK_EQ(replay_fixture("nbd-server-go-rw.bin", "swap"), NBD_OK);
	CHECK_EQ(ex.size, 64ull << 20);
	CHECK_EQ(ex.flags, 0x0141);
	CHECK(!nbd_export_read_only(&ex));
	CHECK_EQ(nbd_export_conns(&ex, 16), 16); /* 0x0100: NBD_FLAG_CAN_MULTI_CONN */
	CHECK(!ex.used_export_name_fallback);
	/* nbd-server 3.24 sends no NBD_INFO_BLOCK_SIZE: proto.md defaults. */
	CHECK(!ex.block_sizes_advertised);
	CHECK_EQ(ex.min_block, 1);
	CHECK_EQ(ex.pref_block, 4096);
	CHECK_EQ(ex.max_block, 32u << 20);
	CHECK_EQ(mem.pos, mem.len);
	CHECK_STR(msg, "export 'swap': 67108864 bytes, read-write, flags 0x0141, block sizes 1/4096/33554432 (defaults), via NBD_OPT_GO");
	c = fixture("client-go-swap.bin");
	CHECK_EQ(mem.outlen, fixlen);
	CHECK(memcmp(mem.out, c, fixlen) == 0);
}

static void test_nbd_server_go_ro(void)
{
	CHECK_EQ(replay_fixture("nbd-server-go-ro.bin", "ro"), NBD_OK);
	CHECK_EQ(ex.size, 16ull << 20);
	CHECK(nbd_export_read_only(&ex));
	CHECK(strstr(msg, "read-only") != NULL);
}

static void test_nbdkit_go(void)
{
	CHECK_EQ(replay_fixture("nbdkit-go-rw.bin", "swap"), NBD_OK);
	CHECK_EQ(ex.size, 64ull << 20);
	CHECK_EQ(ex.flags, 0x0d6d);
	CHECK(!nbd_export_read_only(&ex));
	CHECK(ex.flags & NBD_FLAG_CAN_MULTI_CONN);
	CHECK_EQ(nbd_export_conns(&ex, 4), 4);
	CHECK_EQ(replay_fixture("nbdkit-go-ro.bin", "swap"), NBD_OK);
	CHECK_EQ(ex.flags, 0x0507);
	CHECK(nbd_export_read_only(&ex));
}

static void test_nbdkit_block_sizes(void)
{
	CHECK_EQ(replay_fixture("nbdkit-blocksize.bin", "swap"), NBD_OK);
	CHECK(ex.block_sizes_advertised);
	CHECK_EQ(ex.min_block, 512);
	CHECK_EQ(ex.pref_block, 65536);
	CHECK_EQ(ex.max_block, 1048576);
	CHECK(strstr(msg, "block sizes 512/65536/1048576, via NBD_OPT_GO") != NULL);
}

static void test_qemu_nbd_go(void)
{
	CHECK_EQ(replay_fixture("qemu-nbd-go-rw.bin", "swap"), NBD_OK);
	CHECK_EQ(ex.size, 32ull << 20);
	CHECK_EQ(ex.flags, 0x0c6d);
	CHECK(!nbd_export_read_only(&ex));
	/* one client at a time (qemu-nbd -e 1): conns=4 gets one connection */
	CHECK_EQ(nbd_export_conns(&ex, 4), 1);
	CHECK(ex.block_sizes_advertised);
	CHECK_EQ(ex.min_block, 1);
	CHECK_EQ(ex.pref_block, 4096);
	CHECK_EQ(ex.max_block, 32u << 20);
	CHECK_EQ(replay_fixture("qemu-nbd-go-ro.bin", "swap"), NBD_OK);
	CHECK_EQ(ex.flags, 0x040f);
	CHECK(nbd_export_read_only(&ex));
}

/* ---- real servers: refusals and unsupported servers ---- */

static void check_abort_sent(void)
{
	uint8_t a[16];

	nbd_opt_abort_encode(a, sizeof a);
	CHECK(mem.outlen >= 16);
	if (mem.outlen >= 16)
		CHECK(memcmp(mem.out + mem.outlen - 16, a, 16) == 0);
}

static void test_unknown_export_nbd_server(void)
{
	CHECK_EQ(replay_fixture("nbd-server-unknown.bin", "nosuch"), NBD_ERR_REFUSED);
	CHECK_STR(msg, "server refused export 'nosuch': NBD_REP_ERR_UNKNOWN (no such export): Export unknown");
	CHECK_EQ(mem.outlen, 4 + 30 + 16);
	check_abort_sent();
	CHECK_EQ(ex.size, 0);
}

static void test_unknown_export_nbdkit(void)
{
	CHECK_EQ(replay_fixture("nbdkit-unknown.bin", "nosuch"), NBD_ERR_REFUSED);
	CHECK_STR(msg, "server refused export 'nosuch': NBD_REP_ERR_UNKNOWN (no such export)");
	check_abort_sent();
}

static void test_unknown_export_qemu_nbd(void)
{
	CHECK_EQ(replay_fixture("qemu-nbd-unknown.bin", "nosuch"), NBD_ERR_REFUSED);
	CHECK_STR(msg, "server refused export 'nosuch': NBD_REP_ERR_UNKNOWN (no such export): export 'nosuch' not present");
}

static void test_tls_required(void)
{
	const uint8_t *c;

	CHECK_EQ(replay_fixture("nbdkit-tls-required.bin", "swap"), NBD_ERR_TLS_REQUIRED);
	CHECK_STR(msg, "server requires TLS for export 'swap' (NBD_REP_ERR_TLS_REQD); netswap does not do TLS, export it without TLS");
	c = fixture("client-go-abort-swap.bin");
	CHECK_EQ(mem.outlen, fixlen);
	CHECK(memcmp(mem.out, c, fixlen) == 0);
}

static void test_tls_required_with_text(void)
{
	greeting(3);
	reply(NBD_REP_ERR_TLS_REQD, 13);
	add_raw("TLS is needed", 13);
	CHECK_EQ(run_built(), NBD_ERR_TLS_REQUIRED);
	CHECK(strstr(msg, "does not do TLS, export it without TLS: TLS is needed") != NULL);
}

static void test_oldstyle(void)
{
	CHECK_EQ(replay_fixture("nbdkit-oldstyle.bin", "swap"), NBD_ERR_OLDSTYLE);
	CHECK_STR(msg, "server speaks oldstyle NBD, not supported; use a newstyle export");
	CHECK_EQ(mem.outlen, 0);
	/* Told from the two magics alone. */
	CHECK_EQ(replay(fix, 16, "swap"), NBD_ERR_OLDSTYLE);
	CHECK_EQ(replay(fix, 15, "swap"), NBD_ERR_IO);
}

static void test_not_fixed_newstyle(void)
{
	CHECK_EQ(replay_fixture("nbdkit-not-fixed.bin", "swap"), NBD_ERR_PROTO);
	CHECK_STR(msg, "server does not offer fixed newstyle negotiation (handshake flags 0x0000), expected NBD_FLAG_FIXED_NEWSTYLE");
	CHECK_EQ(mem.outlen, 0);
}

static void test_size0(void)
{
	CHECK_EQ(replay_fixture("nbd-server-size0.bin", "empty"), NBD_ERR_EMPTY);
	CHECK_STR(msg, "export 'empty' has size 0, expected a non-empty export (is the file behind it on the server empty?)");
	CHECK_EQ(ex.size, 0);
	CHECK_EQ(replay_fixture("nbdkit-size0.bin", "swap"), NBD_ERR_EMPTY);
}

/* ---- NBD_OPT_EXPORT_NAME fallback ---- */

static void check_fallback_sent(uint8_t client_flags)
{
	uint8_t want[4 + 28 + 20];

	want[0] = want[1] = want[2] = 0;
	want[3] = client_flags;
	nbd_opt_go_encode(want + 4, 28, "swap");
	nbd_opt_export_name_encode(want + 32, 20, "swap");
	CHECK_EQ(mem.outlen, sizeof want);
	CHECK(memcmp(mem.out, want, sizeof want) == 0);
}

static void test_fallback_no_zeroes(void)
{
	CHECK_EQ(replay_fixture("fallback-nbdkit-no-zeroes.bin", "swap"), NBD_OK);
	CHECK(ex.used_export_name_fallback);
	CHECK_EQ(ex.size, 64ull << 20);
	CHECK_EQ(ex.flags, 0x0d6d);
	CHECK(!ex.block_sizes_advertised);
	CHECK_EQ(ex.min_block, 1);
	CHECK_EQ(mem.pos, mem.len);
	CHECK(strstr(msg, "via NBD_OPT_EXPORT_NAME (server lacks NBD_OPT_GO)") != NULL);
	check_fallback_sent(3);

	CHECK_EQ(replay_fixture("fallback-nbd-server-no-zeroes.bin", "swap"), NBD_OK);
	CHECK(ex.used_export_name_fallback);
	CHECK_EQ(ex.size, 64ull << 20);
	CHECK_EQ(ex.flags, 0x0141);
	CHECK_EQ(mem.pos, mem.len);
}

static void test_fallback_zeroes(void)
{
	CHECK_EQ(replay_fixture("fallback-nbdkit-zeroes.bin", "swap"), NBD_OK);
	CHECK(ex.used_export_name_fallback);
	CHECK_EQ(ex.size, 64ull << 20);
	CHECK_EQ(mem.pos, mem.len);          /* all 124 zero bytes consumed */
	check_fallback_sent(1);              /* no NO_ZEROES: not offered */
	/* One zero byte short: the stream ends inside the padding. */
	CHECK_EQ(replay(fix, fixlen - 1, "swap"), NBD_ERR_IO);
}

static void test_fallback_unknown_export(void)
{
	CHECK_EQ(replay_fixture("fallback-nbd-server-unknown.bin", "nosuch"), NBD_ERR_IO);
	CHECK_STR(msg, "NBD handshake: connection closed by the server after NBD_OPT_EXPORT_NAME 'nosuch' (server lacks NBD_OPT_GO); expected export size and flags, an old server closes the connection when the export does not exist");
}

static void test_fallback_after_unsup_with_text(void)
{
	greeting(3);
	reply(NBD_REP_ERR_UNSUP, 24);
	add_raw("unknown option 7 (GO)!!!", 24);
	add64(1 << 20);
	add16(NBD_FLAG_HAS_FLAGS | NBD_FLAG_READ_ONLY);
	CHECK_EQ(run_built(), NBD_OK);
	CHECK(ex.used_export_name_fallback);
	CHECK(nbd_export_read_only(&ex));
	CHECK_EQ(ex.size, 1 << 20);
}

static void test_fallback_forgets_go_info(void)
{
	greeting(3);
	info_block_size(4096, 4096, 1 << 20);
	reply(NBD_REP_ERR_UNSUP, 0);
	add64(1 << 20);
	add16(NBD_FLAG_HAS_FLAGS);
	CHECK_EQ(run_built(), NBD_OK);
	CHECK(ex.used_export_name_fallback);
	CHECK(!ex.block_sizes_advertised);
	CHECK_EQ(ex.min_block, 1);
}

/* ---- truncation: every prefix of every good stream ---- */

static void test_truncated_everywhere(void)
{
	static const struct { const char *file, *name; int full; } streams[] = {
		{ "nbd-server-go-rw.bin", "swap", NBD_OK },
		{ "nbd-server-unknown.bin", "nosuch", NBD_ERR_REFUSED },
		{ "nbdkit-blocksize.bin", "swap", NBD_OK },
		{ "nbdkit-tls-required.bin", "swap", NBD_ERR_TLS_REQUIRED },
		{ "qemu-nbd-go-rw.bin", "swap", NBD_OK },
		{ "qemu-nbd-unknown.bin", "nosuch", NBD_ERR_REFUSED },
		{ "fallback-nbdkit-no-zeroes.bin", "swap", NBD_OK },
		{ "fallback-nbdkit-zeroes.bin", "swap", NBD_OK },
	};
	static uint8_t copy[4096];

	for (size_t i = 0; i < sizeof streams / sizeof streams[0]; i++) {
		size_t len;

		fixture(streams[i].file);
		len = fixlen;
		memcpy(copy, fix, len);
		CHECK_EQ(replay(copy, len, streams[i].name), streams[i].full);
		for (size_t cut = 0; cut < len; cut++) {
			int rc = replay(copy, cut, streams[i].name);

			if (rc != NBD_ERR_IO)
				fprintf(stderr, "  %s cut at %zu: %s: %s\n", streams[i].file,
					cut, nbd_result_name(rc), msg);
			CHECK_EQ(rc, NBD_ERR_IO);
			CHECK(strstr(msg, "connection closed by the server") != NULL);
			CHECK_EQ(ex.size, 0);
		}
	}
}

/* ---- malformed streams ---- */

static void test_bad_greeting_magic(void)
{
	sn = 0;
	add_raw("SSH-2.0-OpenSSH_9.2\r\n", 21);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "not an NBD server: greeting starts 5353482d322e302d, expected NBDMAGIC (4e42444d41474943)");
	CHECK_EQ(mem.outlen, 0);

	sn = 0;
	add64(NBD_MAGIC);
	add64(0x1122334455667788ull);
	add16(3);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "unknown NBD handshake magic 0x1122334455667788, expected IHAVEOPT (0x49484156454f5054)");
}

static void test_bad_reply_magic(void)
{
	greeting(3);
	add64(0x3e889045565aaull);
	add32(NBD_OPT_GO);
	add32(NBD_REP_ACK);
	add32(0);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "bad option reply magic 0x0003e889045565aa, expected 0x0003e889045565a9");
}

static void test_reply_to_other_option(void)
{
	greeting(3);
	add64(NBD_REP_MAGIC);
	add32(NBD_OPT_EXPORT_NAME);
	add32(NBD_REP_ACK);
	add32(0);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "server replied to option 1, expected a reply to option 7");
}

static void test_oversized_reply(void)
{
	greeting(3);
	reply(NBD_REP_INFO, NBD_REPLY_MAX + 1);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "option reply NBD_REP_INFO (0x00000003) announces 65537 bytes, expected at most 65536");
	CHECK_EQ(mem.pos, 18 + 20);          /* nothing of the data was read */

	greeting(3);
	reply(NBD_REP_ERR_UNKNOWN, 0xffffffffu);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK(strstr(msg, "NBD_REP_ERR_UNKNOWN (0x80000006) announces 4294967295 bytes") != NULL);
}

static void test_reply_at_cap_is_read_and_skipped(void)
{
	greeting(3);
	reply(NBD_REP_INFO, NBD_REPLY_MAX);  /* unknown information type 0x1234 */
	add16(0x1234);
	memset(sb + sn, 0xee, NBD_REPLY_MAX - 2);
	sn += NBD_REPLY_MAX - 2;
	info_export(1 << 30, NBD_FLAG_HAS_FLAGS);
	ack();
	CHECK_EQ(run_built(), NBD_OK);
	CHECK_EQ(ex.size, 1 << 30);
	CHECK_EQ(mem.pos, sn);
}

static void test_long_error_text_is_bounded(void)
{
	greeting(3);
	reply(NBD_REP_ERR_POLICY, NBD_REPLY_MAX);
	memset(sb + sn, 'x', NBD_REPLY_MAX);
	sn += NBD_REPLY_MAX;
	CHECK_EQ(run_built(), NBD_ERR_REFUSED);
	CHECK(strstr(msg, "NBD_REP_ERR_POLICY (forbidden by server policy): xxx") != NULL);
	CHECK(strlen(msg) < 100 + NBD_SERVER_TEXT_MAX);
	CHECK(strcmp(msg + strlen(msg) - 4, "x...") == 0);
}

static void test_error_text_is_sanitised(void)
{
	/* UTF-8 quotes and umlaut, an ANSI escape, a newline. */
	static const char text[] = "Export \xe2\x80\x98sw\xc3\xa4p\xe2\x80\x99 \x1b[31mgone\n";

	greeting(3);
	reply(NBD_REP_ERR_UNKNOWN, sizeof text - 1);
	add_raw(text, sizeof text - 1);
	CHECK_EQ(run_built(), NBD_ERR_REFUSED);
	CHECK_STR(msg, "server refused export 'swap': NBD_REP_ERR_UNKNOWN (no such export): Export ?sw?p? ?[31mgone");
}

static void test_other_errors_refuse(void)
{
	static const struct { uint32_t type; const char *text; } cases[] = {
		{ NBD_REP_ERR_SHUTDOWN, "NBD_REP_ERR_SHUTDOWN (server is shutting down)" },
		{ NBD_REP_ERR_INVALID, "NBD_REP_ERR_INVALID (request judged invalid)" },
		{ NBD_REP_ERR_BLOCK_SIZE_REQD, "NBD_REP_ERR_BLOCK_SIZE_REQD (block size negotiation required)" },
		{ 0x8000000bu, "NBD_REP_ERR_? (unknown error)" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		greeting(3);
		info_block_size(512, 4096, 1 << 20);   /* INFO before an error is allowed */
		reply(cases[i].type, 0);
		CHECK_EQ(run_built(), NBD_ERR_REFUSED);
		CHECK(strstr(msg, cases[i].text) != NULL);
		check_abort_sent();
	}
}

static void test_unexpected_reply_type(void)
{
	greeting(3);
	reply(NBD_REP_SERVER, 8);
	add32(4);
	add_raw("swap", 4);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "unexpected reply NBD_REP_SERVER (0x00000002) to NBD_OPT_GO, expected NBD_REP_INFO, NBD_REP_ACK or an error");
}

static void test_ack_rules(void)
{
	greeting(3);
	ack();
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "NBD_REP_ACK to NBD_OPT_GO without NBD_INFO_EXPORT, expected the export size and flags first");

	greeting(3);
	info_export(4096, 1);
	reply(NBD_REP_ACK, 2);
	add16(0);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "NBD_REP_ACK to NBD_OPT_GO carries 2 bytes, expected none");
}

static void test_info_lengths(void)
{
	greeting(3);
	reply(NBD_REP_INFO, 13);
	add16(NBD_INFO_EXPORT);
	add64(4096);
	add16(1);
	add8(0);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "NBD_INFO_EXPORT of 13 bytes, expected 12");

	greeting(3);
	reply(NBD_REP_INFO, 12);
	add16(NBD_INFO_BLOCK_SIZE);
	add32(512);
	add32(4096);
	add16(0);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "NBD_INFO_BLOCK_SIZE of 12 bytes, expected 14");

	greeting(3);
	reply(NBD_REP_INFO, 1);
	add8(0);
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "NBD_REP_INFO of 1 bytes, expected at least 2 (the information type)");
}

static void test_unknown_info_ignored(void)
{
	greeting(3);
	reply(NBD_REP_INFO, 6);
	add16(NBD_INFO_NAME);
	add_raw("swap", 4);
	reply(NBD_REP_INFO, 2);
	add16(NBD_INFO_DESCRIPTION);
	info_export(8192, NBD_FLAG_HAS_FLAGS | NBD_FLAG_SEND_FLUSH);
	info_block_size(4096, 4096, 0xffffffffu);
	ack();
	CHECK_EQ(run_built(), NBD_OK);
	CHECK_EQ(ex.size, 8192);
	CHECK_EQ(ex.flags, 5);
	CHECK_EQ(ex.min_block, 4096);
	CHECK_EQ(ex.max_block, 0xffffffffu);
}

static void test_bad_block_sizes(void)
{
	static const struct { uint32_t min, pref, max; int ok; } cases[] = {
		{ 1, 4096, 32u << 20, 1 },
		{ 512, 512, 512, 1 },
		{ 65536, 65536, 0xffffffffu, 1 },
		{ 512, 4096, 3u << 20, 1 },           /* max need not be a power of two */
		{ 0, 4096, 1 << 20, 0 },              /* min 0 */
		{ 3, 4096, 1 << 20, 0 },              /* min not a power of two */
		{ 131072, 131072, 1 << 20, 0 },       /* min above 64 KiB */
		{ 4096, 2048, 1 << 20, 0 },           /* preferred below minimum */
		{ 512, 3000, 1 << 20, 0 },            /* preferred not a power of two */
		{ 512, 0, 1 << 20, 0 },
		{ 512, 4096, 2048, 0 },               /* maximum below preferred */
		{ 512, 4096, 1000000, 0 },            /* maximum not a multiple of minimum */
		{ 512, 4096, 0, 0 },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc;

		greeting(3);
		info_block_size(cases[i].min, cases[i].pref, cases[i].max);
		info_export(1 << 20, 1);
		ack();
		rc = run_built();
		if (rc != (cases[i].ok ? NBD_OK : NBD_ERR_PROTO))
			fprintf(stderr, "  block sizes case %zu: %s\n", i, msg);
		CHECK_EQ(rc, cases[i].ok ? NBD_OK : NBD_ERR_PROTO);
	}
	greeting(3);
	info_block_size(4096, 2048, 1 << 20);
	info_export(1 << 20, 1);
	ack();
	run_built();
	CHECK_STR(msg, "server's preferred block size 2048, expected a power of two >= the minimum 4096");
}

static void test_flags_without_has_flags(void)
{
	greeting(3);
	info_export(1 << 20, NBD_FLAG_READ_ONLY);
	ack();
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "transmission flags 0x0002 lack NBD_FLAG_HAS_FLAGS, expected bit 0 set");
	CHECK_EQ(ex.flags, 0);    /* nothing half-filled on failure */
}

static void test_size_limits(void)
{
	greeting(3);
	info_export(0x8000000000000000ull, 1);
	ack();
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK(strstr(msg, "expected at most 2^63-1 bytes") != NULL);

	greeting(3);
	info_export(0x7fffffffffffffffull, 1);
	ack();
	CHECK_EQ(run_built(), NBD_OK);
}

static void test_endless_info_replies(void)
{
	greeting(3);
	for (int i = 0; i < NBD_REPLIES_MAX + 1; i++)
		info_export(4096, 1);
	ack();
	CHECK_EQ(run_built(), NBD_ERR_PROTO);
	CHECK_STR(msg, "more than 64 replies to NBD_OPT_GO, expected NBD_REP_ACK");

	greeting(3);
	for (int i = 0; i < NBD_REPLIES_MAX - 1; i++)
		info_export(4096, 1);
	ack();
	CHECK_EQ(run_built(), NBD_OK);
}

static void test_no_zeroes_only_when_offered(void)
{
	greeting(NBD_FLAG_FIXED_NEWSTYLE | 0x8000);   /* unknown bit, no NO_ZEROES */
	info_export(4096, 1);
	ack();
	CHECK_EQ(run_built(), NBD_OK);
	CHECK(memcmp(mem.out, "\0\0\0\1", 4) == 0);
}

static void test_write_failure(void)
{
	struct nbd_io io = { mem_read, mem_write, &mem };

	fixture("nbd-server-go-rw.bin");
	memset(&mem, 0, sizeof mem);
	mem.in = fix;
	mem.len = fixlen;
	mem.write_error = -EPIPE;
	CHECK_EQ(nbd_negotiate(&io, "swap", &ex, msg, sizeof msg), NBD_ERR_IO);
	CHECK(strstr(msg, "while sending the client flags") != NULL);
}

static void test_name_too_long(void)
{
	static char name[NBD_NAME_MAX + 2];

	memset(name, 'n', NBD_NAME_MAX + 1);
	CHECK_EQ(replay_fixture("nbd-server-go-rw.bin", name), NBD_ERR_NAME);
	CHECK_EQ(mem.pos, 0);
	CHECK(strstr(msg, "is longer than 4096 bytes") != NULL);
}

static void test_default_export_name(void)
{
	struct nbd_io io = { mem_read, mem_write, &mem };

	greeting(3);
	info_export(4096, 1);
	ack();
	memset(&mem, 0, sizeof mem);
	mem.in = sb;
	mem.len = sn;
	CHECK_EQ(nbd_negotiate(&io, NULL, &ex, msg, sizeof msg), NBD_OK);
	CHECK_EQ(mem.outlen, 4 + 24);
	CHECK_STR(msg, "export '': 4096 bytes, read-write, flags 0x0001, block sizes 1/4096/33554432 (defaults), via NBD_OPT_GO");
}

static void test_small_or_no_message_buffer(void)
{
	struct nbd_io io = { mem_read, mem_write, &mem };
	char small[8];

	fixture("nbd-server-unknown.bin");
	memset(&mem, 0, sizeof mem);
	mem.in = fix;
	mem.len = fixlen;
	CHECK_EQ(nbd_negotiate(&io, "nosuch", &ex, NULL, 0), NBD_ERR_REFUSED);
	memset(&mem, 0, sizeof mem);
	mem.in = fix;
	mem.len = fixlen;
	CHECK_EQ(nbd_negotiate(&io, "nosuch", &ex, small, sizeof small), NBD_ERR_REFUSED);
	CHECK_STR(small, "server ");
}

int main(void)
{
	RUN(test_client_flags_encode);
	RUN(test_opt_go_encode_matches_capture);
	RUN(test_opt_go_encode_empty_name);
	RUN(test_opt_go_encode_name_limits);
	RUN(test_opt_export_name_encode);
	RUN(test_opt_abort_encode);
	RUN(test_names);
	RUN(test_nbd_server_go_rw);
	RUN(test_nbd_server_go_ro);
	RUN(test_nbdkit_go);
	RUN(test_nbdkit_block_sizes);
	RUN(test_qemu_nbd_go);
	RUN(test_unknown_export_nbd_server);
	RUN(test_unknown_export_nbdkit);
	RUN(test_unknown_export_qemu_nbd);
	RUN(test_tls_required);
	RUN(test_tls_required_with_text);
	RUN(test_oldstyle);
	RUN(test_not_fixed_newstyle);
	RUN(test_size0);
	RUN(test_fallback_no_zeroes);
	RUN(test_fallback_zeroes);
	RUN(test_fallback_unknown_export);
	RUN(test_fallback_after_unsup_with_text);
	RUN(test_fallback_forgets_go_info);
	RUN(test_truncated_everywhere);
	RUN(test_bad_greeting_magic);
	RUN(test_bad_reply_magic);
	RUN(test_reply_to_other_option);
	RUN(test_oversized_reply);
	RUN(test_reply_at_cap_is_read_and_skipped);
	RUN(test_long_error_text_is_bounded);
	RUN(test_error_text_is_sanitised);
	RUN(test_other_errors_refuse);
	RUN(test_unexpected_reply_type);
	RUN(test_ack_rules);
	RUN(test_info_lengths);
	RUN(test_unknown_info_ignored);
	RUN(test_bad_block_sizes);
	RUN(test_flags_without_has_flags);
	RUN(test_size_limits);
	RUN(test_endless_info_replies);
	RUN(test_no_zeroes_only_when_offered);
	RUN(test_write_failure);
	RUN(test_name_too_long);
	RUN(test_default_export_name);
	RUN(test_small_or_no_message_buffer);
	return check_summary("test_nbd_proto");
}
