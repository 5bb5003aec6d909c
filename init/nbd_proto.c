/* nbd_proto.c - the client side of the NBD fixed newstyle handshake.
 *
 * Greeting -> client flags -> NBD_OPT_GO (asking for NBD_INFO_BLOCK_SIZE)
 * -> NBD_REP_INFO... NBD_REP_ACK.  A server too old for NBD_OPT_GO answers
 * NBD_REP_ERR_UNSUP and keeps the session open, so we then send
 * NBD_OPT_EXPORT_NAME.  Every length the server sends is capped before we
 * read what it announces.  Section names below refer to doc/proto.md of
 * NetworkBlockDevice/nbd.
 */
#include "byteorder.h"
#include "msgbuf.h"
#include "nbd_proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GO_UNSUPPORTED 1      /* internal: fall back to NBD_OPT_EXPORT_NAME */
#define NAME_SHOWN_MAX 80     /* export name as quoted in messages */
#define REPLY_KEEP 1024       /* reply data kept; the rest is read and dropped */
#define EXPORT_NAME_ZEROES 124

struct session {
	const struct nbd_io *io;
	const char *name;
	char shown[NAME_SHOWN_MAX];
	bool no_zeroes;
	bool have_export;
	struct nbd_export exp;
	struct msgbuf msg;
};

struct reply {
	uint32_t option, type, len;
	size_t kept;
	uint8_t data[REPLY_KEEP];
};

/* Network byte order (proto.md "Conventions"): byteorder.h. */

static const struct {
	uint32_t type;
	const char *name;
	const char *meaning;
} rep_table[] = {
	{ NBD_REP_ACK, "NBD_REP_ACK", "done" },
	{ NBD_REP_SERVER, "NBD_REP_SERVER", "export description" },
	{ NBD_REP_INFO, "NBD_REP_INFO", "export information" },
	{ 4, "NBD_REP_META_CONTEXT", "metadata context" },
	{ NBD_REP_ERR_UNSUP, "NBD_REP_ERR_UNSUP", "option not supported" },
	{ NBD_REP_ERR_POLICY, "NBD_REP_ERR_POLICY", "forbidden by server policy" },
	{ NBD_REP_ERR_INVALID, "NBD_REP_ERR_INVALID", "request judged invalid" },
	{ NBD_REP_ERR_PLATFORM, "NBD_REP_ERR_PLATFORM", "not supported on the server's platform" },
	{ NBD_REP_ERR_TLS_REQD, "NBD_REP_ERR_TLS_REQD", "TLS required" },
	{ NBD_REP_ERR_UNKNOWN, "NBD_REP_ERR_UNKNOWN", "no such export" },
	{ NBD_REP_ERR_SHUTDOWN, "NBD_REP_ERR_SHUTDOWN", "server is shutting down" },
	{ NBD_REP_ERR_BLOCK_SIZE_REQD, "NBD_REP_ERR_BLOCK_SIZE_REQD", "block size negotiation required" },
	{ NBD_REP_ERR_TOO_BIG, "NBD_REP_ERR_TOO_BIG", "request or reply too large" },
	{ NBD_REP_ERR_EXT_HEADER_REQD, "NBD_REP_ERR_EXT_HEADER_REQD", "extended headers required" },
};

static int rep_index(uint32_t type)
{
	for (size_t i = 0; i < sizeof rep_table / sizeof rep_table[0]; i++)
		if (rep_table[i].type == type)
			return (int)i;
	return -1;
}

const char *nbd_rep_name(uint32_t type)
{
	int i = rep_index(type);

	if (i >= 0)
		return rep_table[i].name;
	return (type & NBD_REP_ERR_BIT) ? "NBD_REP_ERR_?" : "NBD_REP_?";
}

static const char *rep_meaning(uint32_t type)
{
	int i = rep_index(type);

	return i >= 0 ? rep_table[i].meaning : "unknown error";
}

const char *nbd_result_name(int result)
{
	static const char *const names[] = {
		"NBD_OK", "NBD_ERR_IO", "NBD_ERR_PROTO", "NBD_ERR_REFUSED",
		"NBD_ERR_OLDSTYLE", "NBD_ERR_TLS_REQUIRED", "NBD_ERR_EMPTY",
		"NBD_ERR_NAME",
	};

	if (result > 0 || -result >= (int)(sizeof names / sizeof names[0]))
		return "NBD_ERR_?";
	return names[-result];
}

bool nbd_export_read_only(const struct nbd_export *e)
{
	return (e->flags & NBD_FLAG_READ_ONLY) != 0;
}

int nbd_export_conns(const struct nbd_export *e, int wanted)
{
	return (e->flags & NBD_FLAG_CAN_MULTI_CONN) ? wanted : 1;
}

/* Server text is UTF-8 (proto.md "Conventions") and goes to a console:
 * keep printable ASCII, turn each other character (a whole UTF-8 sequence)
 * into one '?', and end a cut text with "...". */
static void text_clean(char *dst, size_t cap, const uint8_t *src, size_t len)
{
	size_t o = 0;
	bool in_sequence = false;

	if (cap == 0)
		return;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = src[i];

		if (in_sequence && c >= 0x80 && c < 0xc0)
			continue;
		in_sequence = c >= 0xc0;
		if (o + 1 >= cap) {
			if (cap >= 4)
				memcpy(dst + cap - 4, "...", 3);
			break;
		}
		if (c == '\n' || c == '\r' || c == '\t')
			c = ' ';
		dst[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	dst[o < cap ? o : cap - 1] = '\0';
}

static const char *io_error_text(int rc)
{
	if (rc == -ECONNRESET)
		return "connection closed by the server";
	if (rc == -ETIMEDOUT || rc == -EAGAIN)
		return "timed out";
	return rc < 0 ? strerror(-rc) : "transport callback failed";
}

static int recv_bytes(struct session *s, void *buf, size_t len, const char *what)
{
	int rc = s->io->read_full(s->io->ctx, buf, len);

	if (rc == 0)
		return NBD_OK;
	return msg_say(&s->msg, NBD_ERR_IO, "NBD handshake: %s while reading %s",
		       io_error_text(rc), what);
}

static int skip_bytes(struct session *s, size_t len, const char *what)
{
	uint8_t sink[256];

	while (len > 0) {
		size_t n = len < sizeof sink ? len : sizeof sink;
		int rc = recv_bytes(s, sink, n, what);

		if (rc)
			return rc;
		len -= n;
	}
	return NBD_OK;
}

static int send_bytes(struct session *s, const void *buf, size_t len, const char *what)
{
	int rc = s->io->write_full(s->io->ctx, buf, len);

	if (rc == 0)
		return NBD_OK;
	return msg_say(&s->msg, NBD_ERR_IO, "NBD handshake: %s while sending %s",
		       io_error_text(rc), what);
}

/* ---- encoders ---- */

static size_t name_length(const char *name)
{
	return name ? strnlen(name, NBD_NAME_MAX + 1) : 0;
}

static void opt_header(uint8_t *p, uint32_t option, uint32_t len)
{
	put_be64(p, NBD_IHAVEOPT);
	put_be32(p + 8, option);
	put_be32(p + 12, len);
}

/* proto.md "Client flags": NO_ZEROES only if the server offered it; no
 * other bits, or the server MUST drop the connection. */
int nbd_client_flags_encode(uint8_t *buf, size_t cap, uint16_t server_flags)
{
	uint32_t flags = NBD_FLAG_C_FIXED_NEWSTYLE;

	if (cap < 4)
		return -1;
	if (server_flags & NBD_FLAG_NO_ZEROES)
		flags |= NBD_FLAG_C_NO_ZEROES;
	put_be32(buf, flags);
	return 4;
}

/* Data: name length, name, one information request (NBD_INFO_BLOCK_SIZE:
 * we commit to the server's block sizes, proto.md "Size constraints"). */
int nbd_opt_go_encode(uint8_t *buf, size_t cap, const char *name)
{
	size_t n = name_length(name);
	size_t total = 16 + 4 + n + 2 + 2;

	if (n > NBD_NAME_MAX || cap < total)
		return -1;
	opt_header(buf, NBD_OPT_GO, (uint32_t)(total - 16));
	put_be32(buf + 16, (uint32_t)n);
	if (n)
		memcpy(buf + 20, name, n);
	put_be16(buf + 20 + n, 1);
	put_be16(buf + 22 + n, NBD_INFO_BLOCK_SIZE);
	return (int)total;
}

int nbd_opt_export_name_encode(uint8_t *buf, size_t cap, const char *name)
{
	size_t n = name_length(name);

	if (n > NBD_NAME_MAX || cap < 16 + n)
		return -1;
	opt_header(buf, NBD_OPT_EXPORT_NAME, (uint32_t)n);
	if (n)
		memcpy(buf + 16, name, n);
	return (int)(16 + n);
}

int nbd_opt_abort_encode(uint8_t *buf, size_t cap)
{
	if (cap < 16)
		return -1;
	opt_header(buf, NBD_OPT_ABORT, 0);
	return 16;
}

/* ---- greeting ---- */

static int read_greeting(struct session *s, uint16_t *hflags)
{
	uint8_t g[18];
	uint64_t magic;
	int rc;

	rc = recv_bytes(s, g, 16, "the greeting (expected NBDMAGIC, IHAVEOPT)");
	if (rc)
		return rc;
	if (get_be64(g) != NBD_MAGIC)
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "not an NBD server: greeting starts %02x%02x%02x%02x%02x%02x%02x%02x, expected NBDMAGIC (4e42444d41474943)",
			       g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
	magic = get_be64(g + 8);
	if (magic == NBD_OLDSTYLE_MAGIC)
		return msg_say(&s->msg, NBD_ERR_OLDSTYLE,
			       "server speaks oldstyle NBD, not supported; use a newstyle export");
	if (magic != NBD_IHAVEOPT)
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "unknown NBD handshake magic 0x%016llx, expected IHAVEOPT (0x49484156454f5054)",
			       (unsigned long long)magic);
	rc = recv_bytes(s, g + 16, 2, "the handshake flags after IHAVEOPT");
	if (rc)
		return rc;
	*hflags = get_be16(g + 16);
	if (!(*hflags & NBD_FLAG_FIXED_NEWSTYLE))
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "server does not offer fixed newstyle negotiation (handshake flags 0x%04x), expected NBD_FLAG_FIXED_NEWSTYLE",
			       *hflags);
	return NBD_OK;
}

static int send_client_flags(struct session *s, uint16_t hflags)
{
	uint8_t f[4];
	int n = nbd_client_flags_encode(f, sizeof f, hflags);

	s->no_zeroes = (hflags & NBD_FLAG_NO_ZEROES) != 0;
	return send_bytes(s, f, (size_t)n, "the client flags");
}

/* ---- option replies (proto.md "Fixed newstyle negotiation") ---- */

static int read_reply(struct session *s, uint32_t option, struct reply *r)
{
	uint8_t h[20];
	uint64_t magic;
	int rc;

	rc = recv_bytes(s, h, sizeof h, "an option reply header (20 bytes)");
	if (rc)
		return rc;
	magic = get_be64(h);
	r->option = get_be32(h + 8);
	r->type = get_be32(h + 12);
	r->len = get_be32(h + 16);
	if (magic != NBD_REP_MAGIC)
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "bad option reply magic 0x%016llx, expected 0x0003e889045565a9",
			       (unsigned long long)magic);
	if (r->option != option)
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "server replied to option %u, expected a reply to option %u",
			       r->option, option);
	if (r->len > NBD_REPLY_MAX)
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "option reply %s (0x%08x) announces %u bytes, expected at most %u",
			       nbd_rep_name(r->type), r->type, r->len, NBD_REPLY_MAX);
	r->kept = r->len < sizeof r->data ? r->len : sizeof r->data;
	rc = recv_bytes(s, r->data, r->kept, "the data of an option reply");
	if (rc)
		return rc;
	return skip_bytes(s, r->len - r->kept, "the data of an option reply");
}

static int take_info_export(struct session *s, const struct reply *r)
{
	s->exp.size = get_be64(r->data + 2);
	s->exp.flags = get_be16(r->data + 10);
	s->have_export = true;
	return NBD_OK;
}

static int take_info_block_size(struct session *s, const struct reply *r)
{
	s->exp.min_block = get_be32(r->data + 2);
	s->exp.pref_block = get_be32(r->data + 6);
	s->exp.max_block = get_be32(r->data + 10);
	s->exp.block_sizes_advertised = true;
	return NBD_OK;
}

static const struct {
	uint16_t type;
	uint32_t len;   /* proto.md "NBD_REP_INFO": lengths include the type */
	const char *name;
	int (*take)(struct session *s, const struct reply *r);
} info_table[] = {
	{ NBD_INFO_EXPORT, 12, "NBD_INFO_EXPORT", take_info_export },
	{ NBD_INFO_BLOCK_SIZE, 14, "NBD_INFO_BLOCK_SIZE", take_info_block_size },
};

/* Unknown information types MUST be ignored (proto.md "NBD_REP_INFO"). */
static int take_info(struct session *s, const struct reply *r)
{
	uint16_t type;

	if (r->len < 2)
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "NBD_REP_INFO of %u bytes, expected at least 2 (the information type)",
			       r->len);
	type = get_be16(r->data);
	for (size_t i = 0; i < sizeof info_table / sizeof info_table[0]; i++) {
		if (info_table[i].type != type)
			continue;
		if (r->len != info_table[i].len)
			return msg_say(&s->msg, NBD_ERR_PROTO,
				       "%s of %u bytes, expected %u",
				       info_table[i].name, r->len, info_table[i].len);
		return info_table[i].take(s, r);
	}
	return NBD_OK;
}

static void send_abort(struct session *s)
{
	uint8_t a[16];
	int n = nbd_opt_abort_encode(a, sizeof a);

	/* Soft disconnect (proto.md "Termination of the session during option
	 * haggling"); the server may close without answering, so no read. */
	(void)s->io->write_full(s->io->ctx, a, (size_t)n);
}

static int refused(struct session *s, const struct reply *r)
{
	char text[NBD_SERVER_TEXT_MAX + 1];
	const char *sep = r->kept ? ": " : "";
	int code = NBD_ERR_REFUSED;

	text_clean(text, sizeof text, r->data, r->kept);
	if (r->type == NBD_REP_ERR_TLS_REQD) {
		code = msg_say(&s->msg, NBD_ERR_TLS_REQUIRED,
			       "server requires TLS for export '%s' (NBD_REP_ERR_TLS_REQD); netswap does not do TLS, export it without TLS%s%s",
			       s->shown, sep, text);
	} else {
		msg_say(&s->msg, code, "server refused export '%s': %s (%s)%s%s",
		        s->shown, nbd_rep_name(r->type), rep_meaning(r->type), sep, text);
	}
	send_abort(s);
	return code;
}

static int opt_go(struct session *s)
{
	uint8_t opt[NBD_OPT_GO_MAX];
	struct reply r;
	int n = nbd_opt_go_encode(opt, sizeof opt, s->name);
	int rc = send_bytes(s, opt, (size_t)n, "NBD_OPT_GO");

	for (int i = 0; rc == NBD_OK && i < NBD_REPLIES_MAX; i++) {
		rc = read_reply(s, NBD_OPT_GO, &r);
		if (rc)
			return rc;
		if (r.type == NBD_REP_INFO) {
			rc = take_info(s, &r);
			continue;
		}
		if (r.type == NBD_REP_ACK && r.len != 0)
			return msg_say(&s->msg, NBD_ERR_PROTO,
				       "NBD_REP_ACK to NBD_OPT_GO carries %u bytes, expected none",
				       r.len);
		if (r.type == NBD_REP_ACK && !s->have_export)
			return msg_say(&s->msg, NBD_ERR_PROTO,
				       "NBD_REP_ACK to NBD_OPT_GO without NBD_INFO_EXPORT, expected the export size and flags first");
		if (r.type == NBD_REP_ACK)
			return NBD_OK;
		if (r.type == NBD_REP_ERR_UNSUP)
			return GO_UNSUPPORTED;
		if (r.type & NBD_REP_ERR_BIT)
			return refused(s, &r);
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "unexpected reply %s (0x%08x) to NBD_OPT_GO, expected NBD_REP_INFO, NBD_REP_ACK or an error",
			       nbd_rep_name(r.type), r.type);
	}
	if (rc)
		return rc;
	return msg_say(&s->msg, NBD_ERR_PROTO,
		       "more than %d replies to NBD_OPT_GO, expected NBD_REP_ACK",
		       NBD_REPLIES_MAX);
}

/* proto.md "Newstyle negotiation": size, flags, then 124 zero bytes unless
 * NO_ZEROES was negotiated.  A server that will not serve the name MUST
 * close the connection: it has no way to say why. */
static int opt_export_name(struct session *s)
{
	uint8_t buf[16 + NBD_NAME_MAX];
	int n = nbd_opt_export_name_encode(buf, sizeof buf, s->name);
	int rc = send_bytes(s, buf, (size_t)n, "NBD_OPT_EXPORT_NAME");

	if (rc)
		return rc;
	/* NBD_REP_INFO sent before the NBD_OPT_GO failed binds nothing. */
	memset(&s->exp, 0, sizeof s->exp);
	rc = s->io->read_full(s->io->ctx, buf, 10);
	if (rc)
		return msg_say(&s->msg, NBD_ERR_IO,
			       "NBD handshake: %s after NBD_OPT_EXPORT_NAME '%s' (server lacks NBD_OPT_GO); expected export size and flags, an old server closes the connection when the export does not exist",
			       io_error_text(rc), s->shown);
	s->exp.size = get_be64(buf);
	s->exp.flags = get_be16(buf + 8);
	s->exp.used_export_name_fallback = true;
	s->have_export = true;
	if (s->no_zeroes)
		return NBD_OK;
	return skip_bytes(s, EXPORT_NAME_ZEROES,
			  "the 124 reserved bytes after the NBD_OPT_EXPORT_NAME reply");
}

/* ---- checks on what the server offered ---- */

static bool power_of_two(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* proto.md "Size constraints". */
static int check_block_sizes(struct session *s)
{
	uint32_t min = s->exp.min_block, pref = s->exp.pref_block, max = s->exp.max_block;

	if (!power_of_two(min) || min > 65536)
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "server's minimum block size %u, expected a power of two from 1 to 65536", min);
	if (!power_of_two(pref) || pref < min)
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "server's preferred block size %u, expected a power of two >= the minimum %u",
			       pref, min);
	if (max != 0xffffffffu && (max < pref || max % min != 0))
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "server's maximum payload size %u, expected 0xffffffff or a multiple of the minimum %u that is >= the preferred %u",
			       max, min, pref);
	return NBD_OK;
}

static int check_export(struct session *s)
{
	if (!(s->exp.flags & NBD_FLAG_HAS_FLAGS))
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "transmission flags 0x%04x lack NBD_FLAG_HAS_FLAGS, expected bit 0 set",
			       s->exp.flags);
	if (s->exp.size == 0)
		return msg_say(&s->msg, NBD_ERR_EMPTY,
			       "export '%s' has size 0, expected a non-empty export (is the file behind it on the server empty?)",
			       s->shown);
	/* The kernel keeps the size in a signed loff_t. */
	if (s->exp.size > (uint64_t)INT64_MAX)
		return msg_say(&s->msg, NBD_ERR_PROTO,
			       "export '%s' size %llu, expected at most 2^63-1 bytes",
			       s->shown, (unsigned long long)s->exp.size);
	if (s->exp.block_sizes_advertised)
		return check_block_sizes(s);
	s->exp.min_block = NBD_DEFAULT_MIN_BLOCK;
	s->exp.pref_block = NBD_DEFAULT_PREF_BLOCK;
	s->exp.max_block = NBD_DEFAULT_MAX_BLOCK;
	return NBD_OK;
}

static void describe(struct session *s)
{
	msg_say(&s->msg, NBD_OK,
	        "export '%s': %llu bytes, %s, flags 0x%04x, block sizes %u/%u/%u%s, via %s",
	        s->shown, (unsigned long long)s->exp.size,
	        nbd_export_read_only(&s->exp) ? "read-only" : "read-write",
	        s->exp.flags, s->exp.min_block, s->exp.pref_block, s->exp.max_block,
	        s->exp.block_sizes_advertised ? "" : " (defaults)",
	        s->exp.used_export_name_fallback ? "NBD_OPT_EXPORT_NAME (server lacks NBD_OPT_GO)" : "NBD_OPT_GO");
}

int nbd_negotiate(const struct nbd_io *io, const char *export_name,
		  struct nbd_export *out, char *msg, size_t msglen)
{
	struct session s = { .io = io, .name = export_name ? export_name : "",
			     .msg = { msg, msglen } };
	uint16_t hflags = 0;
	size_t n = name_length(s.name);
	int rc;

	memset(out, 0, sizeof *out);
	if (msg && msglen)
		msg[0] = '\0';
	text_clean(s.shown, sizeof s.shown, (const uint8_t *)s.name,
		   n > NBD_NAME_MAX ? NBD_NAME_MAX : n);
	if (n > NBD_NAME_MAX)
		return msg_say(&s.msg, NBD_ERR_NAME,
			       "export name '%s' is longer than %d bytes, the NBD limit",
			       s.shown, NBD_NAME_MAX);
	rc = read_greeting(&s, &hflags);
	if (rc == NBD_OK)
		rc = send_client_flags(&s, hflags);
	if (rc == NBD_OK)
		rc = opt_go(&s);
	if (rc == GO_UNSUPPORTED)
		rc = opt_export_name(&s);
	if (rc == NBD_OK)
		rc = check_export(&s);
	if (rc != NBD_OK)
		return rc;
	*out = s.exp;
	describe(&s);
	return NBD_OK;
}
