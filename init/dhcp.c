/* dhcp.c - DHCP client messages (RFC 2131, RFC 2132, RFC 3396), pure.
 *
 * Encoders build the two messages a booting client sends; the parser reads
 * one server reply into a struct dhcp_lease, checking every length against
 * the buffer.  Return conventions are above each public function in dhcp.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "byteorder.h"
#include "dhcp.h"
#include "fmt.h"
#include "ipudp.h"
#include "msgbuf.h"

/* BOOTP fixed header, RFC 2131 figure 1. */
enum {
	OFF_OP = 0, OFF_HTYPE = 1, OFF_HLEN = 2, OFF_XID = 4, OFF_SECS = 8,
	OFF_FLAGS = 10, OFF_CIADDR = 12, OFF_YIADDR = 16, OFF_SIADDR = 20, OFF_CHADDR = 28,
	OFF_SNAME = 44, OFF_FILE = 108, OFF_COOKIE = 236, OFF_OPTIONS = 240,
};
enum { SNAME_LEN = 64, FILE_LEN = 128 };
enum { BOOTREQUEST = 1, BOOTREPLY = 2, HTYPE_ETHER = 1, ETHER_LEN = 6 };
/* RFC 2131 4.1: a client without an address cannot receive unicast. */
enum { FLAG_BROADCAST = 0x8000 };
/* RFC 2131 3: the first four octets of the options field. */
static const uint8_t magic_cookie[4] = { 99, 130, 83, 99 };

enum {
	OPT_PAD = 0, OPT_SUBNET = 1, OPT_ROUTER = 3, OPT_DNS = 6,
	OPT_HOSTNAME = 12, OPT_DOMAIN = 15, OPT_ROOT_PATH = 17,
	OPT_BROADCAST = 28, OPT_REQUESTED_IP = 50, OPT_LEASE_TIME = 51,
	OPT_OVERLOAD = 52, OPT_MSG_TYPE = 53, OPT_SERVER_ID = 54,
	OPT_PARAM_LIST = 55, OPT_MAX_SIZE = 57, OPT_RENEWAL_TIME = 58,
	OPT_REBINDING_TIME = 59, OPT_VENDOR_CLASS = 60,
	OPT_CLIENT_ID = 61, OPT_TFTP_SERVER = 66, OPT_BOOTFILE = 67,
	OPT_END = 255,
};
/* Option 52 values, RFC 2132 9.3. */
enum { OVERLOAD_FILE = 1, OVERLOAD_SNAME = 2 };

static const uint8_t param_request_list[] = {
	OPT_SUBNET, OPT_ROUTER, OPT_DNS, OPT_HOSTNAME, OPT_DOMAIN,
	OPT_ROOT_PATH, OPT_BROADCAST, OPT_LEASE_TIME, OPT_SERVER_ID,
	OPT_TFTP_SERVER, OPT_BOOTFILE,
};
static const char vendor_class[] = "netswap";
/* RFC 2132 9.10: the whole IP datagram we accept; an Ethernet MTU. */
enum { MAX_MESSAGE_SIZE = 1500 };

/* ---- encoding ---- */

struct writer {
	uint8_t *buf;
	size_t cap, len;
	bool full;
};

static void put_bytes(struct writer *w, const void *p, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_zeros(struct writer *w, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	memset(w->buf + w->len, 0, n);
	w->len += n;
}

static void put_option(struct writer *w, uint8_t code, const void *data, size_t n)
{
	uint8_t head[2] = { code, (uint8_t)n };

	if (n > 255) {
		w->full = true;
		return;
	}
	put_bytes(w, head, sizeof head);
	put_bytes(w, data, n);
}

/* ciaddr 0: a client without an address, which cannot receive unicast
 * yet (RFC 2131 4.1), so the broadcast flag is set; else the address it
 * holds while RENEWING or REBINDING, where the flag stays clear. */
static void put_header(struct writer *w, const struct dhcp_client *c, struct in_addr ciaddr)
{
	uint8_t h[OFF_OPTIONS] = { 0 };

	h[OFF_OP] = BOOTREQUEST;
	h[OFF_HTYPE] = HTYPE_ETHER;
	h[OFF_HLEN] = ETHER_LEN;
	put_be32(h + OFF_XID, c->xid);
	put_be16(h + OFF_SECS, c->secs);
	put_be16(h + OFF_FLAGS, ciaddr.s_addr ? 0 : FLAG_BROADCAST);
	memcpy(h + OFF_CIADDR, &ciaddr.s_addr, 4);
	memcpy(h + OFF_CHADDR, c->mac, ETHER_LEN);
	memcpy(h + OFF_COOKIE, magic_cookie, sizeof magic_cookie);
	put_bytes(w, h, sizeof h);
}

static size_t encode(uint8_t *buf, size_t cap, const struct dhcp_client *c,
		     uint8_t type, const struct dhcp_lease *offer, struct in_addr ciaddr)
{
	struct writer w = { buf, cap, 0, false };
	uint8_t client_id[1 + ETHER_LEN] = { HTYPE_ETHER };
	uint8_t max_size[2];
	static const uint8_t end = OPT_END;

	memcpy(client_id + 1, c->mac, ETHER_LEN);
	put_be16(max_size, MAX_MESSAGE_SIZE);

	put_header(&w, c, ciaddr);
	put_option(&w, OPT_MSG_TYPE, &type, 1);
	put_option(&w, OPT_CLIENT_ID, client_id, sizeof client_id);
	if (offer) {
		put_option(&w, OPT_REQUESTED_IP, &offer->yiaddr.s_addr, 4);
		put_option(&w, OPT_SERVER_ID, &offer->server_id.s_addr, 4);
	}
	put_option(&w, OPT_MAX_SIZE, max_size, sizeof max_size);
	put_option(&w, OPT_VENDOR_CLASS, vendor_class, sizeof vendor_class - 1);
	if (c->hostname && c->hostname[0])
		put_option(&w, OPT_HOSTNAME, c->hostname, strlen(c->hostname));
	put_option(&w, OPT_PARAM_LIST, param_request_list, sizeof param_request_list);
	put_bytes(&w, &end, 1);
	if (w.len < DHCP_MSG_MIN)
		put_zeros(&w, DHCP_MSG_MIN - w.len);
	return w.full ? 0 : w.len;
}

size_t dhcp_encode_discover(uint8_t *buf, size_t cap, const struct dhcp_client *c)
{
	return encode(buf, cap, c, DHCP_DISCOVER, NULL, (struct in_addr){ 0 });
}

size_t dhcp_encode_request(uint8_t *buf, size_t cap, const struct dhcp_client *c,
			   const struct dhcp_lease *offer)
{
	return encode(buf, cap, c, DHCP_REQUEST, offer, (struct in_addr){ 0 });
}

size_t dhcp_encode_renew(uint8_t *buf, size_t cap, const struct dhcp_client *c,
			 struct in_addr ciaddr)
{
	if (!ciaddr.s_addr)
		return 0;
	return encode(buf, cap, c, DHCP_REQUEST, NULL, ciaddr);
}

/* ---- parsing ---- */

/* RFC 3396: an option may be split into several instances, whose data are
 * concatenated in the order options field, file field, sname field.  The
 * longest value we keep is a root-path of 255 characters plus one trailing
 * NUL some servers add; total counts every byte seen so that a longer
 * concatenation is noticed even though only the first bytes are kept. */
struct opt_value {
	bool seen;
	size_t total;
	uint8_t data[256];
};

static void value_append(struct opt_value *v, const uint8_t *p, size_t n)
{
	size_t kept = v->total < sizeof v->data ? v->total : sizeof v->data;
	size_t take = n < sizeof v->data - kept ? n : sizeof v->data - kept;

	if (take)
		memcpy(v->data + kept, p, take);
	v->seen = true;
	v->total += n;
}

struct opt_handler;
typedef int opt_fn(const struct opt_handler *h, const struct opt_value *v,
		   struct dhcp_lease *l, const struct msgbuf *e);

/* Options we read.  Handlers of one shape share code and find their field
 * in the lease by offset. */
struct opt_handler {
	uint8_t code;
	const char *name;
	opt_fn *handle;
	size_t off, size;
};

static void *field(struct dhcp_lease *l, const struct opt_handler *h)
{
	return (char *)l + h->off;
}

static int opt_u8(const struct opt_handler *h, const struct opt_value *v,
		  struct dhcp_lease *l, const struct msgbuf *e)
{
	if (v->total != 1)
		return msg_say(e, -1, "option %u (%s): %zu bytes, expected 1", h->code, h->name, v->total);
	*(uint8_t *)field(l, h) = v->data[0];
	return 0;
}

static int opt_u32(const struct opt_handler *h, const struct opt_value *v,
		   struct dhcp_lease *l, const struct msgbuf *e)
{
	uint32_t n;

	if (v->total != 4)
		return msg_say(e, -1, "option %u (%s): %zu bytes, expected 4", h->code, h->name, v->total);
	n = get_be32(v->data);
	memcpy(field(l, h), &n, sizeof n);
	return 0;
}

static int opt_addr(const struct opt_handler *h, const struct opt_value *v,
		    struct dhcp_lease *l, const struct msgbuf *e)
{
	if (v->total != 4)
		return msg_say(e, -1, "option %u (%s): %zu bytes, expected one IPv4 address (4)",
			       h->code, h->name, v->total);
	memcpy(field(l, h), v->data, 4);
	return 0;
}

/* Address lists (router, DNS): one or more addresses; we keep the first
 * h->size / 4 of them.  The count goes to ndns, the only list with one. */
static int opt_addr_list(const struct opt_handler *h, const struct opt_value *v,
			 struct dhcp_lease *l, const struct msgbuf *e)
{
	size_t n = v->total / 4, max = h->size / 4;

	if (v->total == 0 || v->total % 4)
		return msg_say(e, -1, "option %u (%s): %zu bytes, expected a non-empty multiple of 4",
			       h->code, h->name, v->total);
	if (n > max)
		n = max;
	memcpy(field(l, h), v->data, n * 4);
	if (h->code == OPT_DNS)
		l->ndns = (int)n;
	return 0;
}

/* A string that must arrive whole: no NUL inside, no control character
 * (it ends up in a shell-sourced file and the kernel log), and it fits its
 * field.  Trailing NULs are padding some servers add (RFC 2132 2 says not
 * to, so tolerate them and nothing more). */
static int check_string(const char *what, const uint8_t *s, size_t n, size_t cap,
			const struct msgbuf *e)
{
	size_t i;

	if (n == 0)
		return msg_say(e, -1, "%s: empty, expected at least 1 character", what);
	if (n > cap - 1)
		return msg_say(e, -1, "%s: %zu characters, at most %zu fit (not truncated)",
			       what, n, cap - 1);
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return msg_say(e, -1, "%s: byte 0x%02x at offset %zu, expected printable text",
				       what, s[i], i);
	return 0;
}

static size_t strip_trailing_nuls(const uint8_t *s, size_t n)
{
	while (n > 0 && s[n - 1] == 0)
		n--;
	return n;
}

static int opt_string(const struct opt_handler *h, const struct opt_value *v,
		      struct dhcp_lease *l, const struct msgbuf *e)
{
	size_t n = v->total;
	char *dst = field(l, h), what[48];

	if (n <= sizeof v->data)
		n = strip_trailing_nuls(v->data, n);
	bufprint(what, sizeof what, "option %u (%s)", h->code, h->name);
	if (check_string(what, v->data, n, h->size, e) < 0)
		return -1;
	memcpy(dst, v->data, n);
	dst[n] = 0;
	return 0;
}

#define LEASE_FIELD(f) offsetof(struct dhcp_lease, f), sizeof(((struct dhcp_lease *)0)->f)

static const struct opt_handler opt_table[] = {
	{ OPT_SUBNET,      "subnet mask",     opt_addr,      LEASE_FIELD(subnet) },
	{ OPT_ROUTER,      "router",          opt_addr_list, LEASE_FIELD(router) },
	{ OPT_DNS,         "DNS servers",     opt_addr_list, LEASE_FIELD(dns) },
	{ OPT_HOSTNAME,    "hostname",        opt_string,    LEASE_FIELD(hostname) },
	{ OPT_DOMAIN,      "domain name",     opt_string,    LEASE_FIELD(domain) },
	{ OPT_ROOT_PATH,   "root path",       opt_string,    LEASE_FIELD(root_path) },
	{ OPT_BROADCAST,   "broadcast",       opt_addr,      LEASE_FIELD(broadcast) },
	{ OPT_LEASE_TIME,  "lease time",      opt_u32,       LEASE_FIELD(lease_secs) },
	{ OPT_MSG_TYPE,    "message type",    opt_u8,        LEASE_FIELD(type) },
	{ OPT_SERVER_ID,   "server id",       opt_addr,      LEASE_FIELD(server_id) },
	{ OPT_RENEWAL_TIME, "renewal time",   opt_u32,       LEASE_FIELD(renew_secs) },
	{ OPT_REBINDING_TIME, "rebinding time", opt_u32,     LEASE_FIELD(rebind_secs) },
	{ OPT_TFTP_SERVER, "TFTP server",     opt_string,    LEASE_FIELD(tftp_server) },
	{ OPT_BOOTFILE,    "bootfile name",   opt_string,    LEASE_FIELD(bootfile) },
};
enum { NOPTS = sizeof opt_table / sizeof opt_table[0] };

struct parse {
	struct opt_value values[NOPTS];
	struct opt_value overload;
	const struct msgbuf *e;
};

static int opt_index(uint8_t code)
{
	int i;

	for (i = 0; i < NOPTS; i++)
		if (opt_table[i].code == code)
			return i;
	return -1;
}

static struct opt_value *value_for(struct parse *p, uint8_t code)
{
	int i = opt_index(code);

	if (code == OPT_OVERLOAD)
		return &p->overload;
	return i < 0 ? NULL : &p->values[i];
}

/* Walks one option area.  The options field must close with END (RFC 2131
 * 4.1), which is how a cut-off packet is told from a complete one; the
 * fixed-size sname and file fields may simply fill up. */
static int walk_options(struct parse *p, const uint8_t *a, size_t n, const char *where,
			bool need_end)
{
	size_t i = 0, olen;
	uint8_t code;
	struct opt_value *v;

	while (i < n) {
		code = a[i++];
		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			return 0;
		if (i == n)
			return msg_say(p->e, -1, "%s: option %u at the end has no length byte", where, code);
		olen = a[i++];
		if (olen > n - i)
			return msg_say(p->e, -1, "%s: option %u claims %zu bytes, only %zu left",
				       where, code, olen, n - i);
		if (code == OPT_OVERLOAD && !need_end)
			return msg_say(p->e, -1, "%s: option 52 (overload) may only be in the options field",
				       where);
		v = value_for(p, code);
		if (v)
			value_append(v, a + i, olen);
		i += olen;
	}
	if (need_end)
		return msg_say(p->e, -1, "%s: no end option (255), packet cut short?", where);
	return 0;
}

static int overload_flags(const struct parse *p)
{
	const struct opt_value *v = &p->overload;

	if (!v->seen)
		return 0;
	if (v->total != 1 || v->data[0] < 1 || v->data[0] > 3)
		return msg_say(p->e, -1, "option 52 (overload): expected one byte 1, 2 or 3");
	return v->data[0];
}

static int walk_all(struct parse *p, const uint8_t *buf, size_t len)
{
	int ov;

	if (walk_options(p, buf + OFF_OPTIONS, len - OFF_OPTIONS, "options", true) < 0)
		return -1;
	ov = overload_flags(p);
	if (ov < 0)
		return -1;
	if ((ov & OVERLOAD_FILE) &&
	    walk_options(p, buf + OFF_FILE, FILE_LEN, "file field (overload)", false) < 0)
		return -1;
	if ((ov & OVERLOAD_SNAME) &&
	    walk_options(p, buf + OFF_SNAME, SNAME_LEN, "sname field (overload)", false) < 0)
		return -1;
	return ov;
}

/* BOOTP's own sname and file fields (when not holding options) are
 * NUL-terminated strings; the options 66/67 take precedence. */
static int bootp_string(const uint8_t *f, size_t flen, char *dst, size_t cap,
			const char *what, const struct msgbuf *e)
{
	const uint8_t *nul = memchr(f, 0, flen);

	if (dst[0] || f[0] == 0)
		return 0;
	if (!nul)
		return msg_say(e, -1, "%s: not NUL-terminated", what);
	if (check_string(what, f, (size_t)(nul - f), cap, e) < 0)
		return -1;
	memcpy(dst, f, (size_t)(nul - f) + 1);
	return 0;
}

static int apply_options(struct parse *p, struct dhcp_lease *l)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (p->values[i].seen && opt_table[i].handle(&opt_table[i], &p->values[i], l, p->e) < 0)
			return -1;
	return 0;
}

static bool is_for_us(const uint8_t *buf, uint32_t xid, const uint8_t mac[6],
		      const struct msgbuf *e)
{
	if (buf[OFF_OP] != BOOTREPLY)
		return msg_say(e, 0, "op %u, expected BOOTREPLY (2)", buf[OFF_OP]);
	if (buf[OFF_HTYPE] != HTYPE_ETHER || buf[OFF_HLEN] != ETHER_LEN)
		return msg_say(e, 0, "htype %u hlen %u, expected Ethernet (1, 6)",
			       buf[OFF_HTYPE], buf[OFF_HLEN]);
	if (get_be32(buf + OFF_XID) != xid)
		return msg_say(e, 0, "xid 0x%08x, expected 0x%08x", get_be32(buf + OFF_XID), xid);
	if (memcmp(buf + OFF_CHADDR, mac, ETHER_LEN) != 0)
		return msg_say(e, 0, "chaddr is another client's");
	if (memcmp(buf + OFF_COOKIE, magic_cookie, sizeof magic_cookie) != 0)
		return msg_say(e, 0, "no DHCP magic cookie: plain BOOTP");
	return true;
}

/* What each reply type must carry, RFC 2131 table 3. */
static int check_reply(const struct parse *p, const struct dhcp_lease *l)
{
	if (!p->values[opt_index(OPT_MSG_TYPE)].seen)
		return msg_say(p->e, 0, "no option 53: plain BOOTP reply");
	if (l->type != DHCP_OFFER && l->type != DHCP_ACK && l->type != DHCP_NAK)
		return msg_say(p->e, 0, "message type %u, expected OFFER, ACK or NAK", l->type);
	if (l->type == DHCP_NAK)
		return l->type;
	if (!p->values[opt_index(OPT_SERVER_ID)].seen)
		return msg_say(p->e, -1, "%s without option 54 (server id)",
			       l->type == DHCP_OFFER ? "OFFER" : "ACK");
	if (l->yiaddr.s_addr == 0)
		return msg_say(p->e, -1, "%s with yiaddr 0.0.0.0, expected an address",
			       l->type == DHCP_OFFER ? "OFFER" : "ACK");
	return l->type;
}

int dhcp_parse_reply_err(const uint8_t *buf, size_t len, uint32_t xid,
			 const uint8_t mac[6], struct dhcp_lease *lease,
			 char *err, size_t errcap)
{
	const struct msgbuf e = { err, errcap };
	struct parse p;
	int ov;

	memset(lease, 0, sizeof *lease);
	if (err && errcap)
		err[0] = 0;
	if (len < OFF_OPTIONS)
		return msg_say(&e, -1, "%zu bytes, expected at least %d (BOOTP header and cookie)",
			       len, OFF_OPTIONS);
	if (!is_for_us(buf, xid, mac, &e))
		return 0;
	memset(&p, 0, sizeof p);
	p.e = &e;
	ov = walk_all(&p, buf, len);
	if (ov < 0)
		return -1;
	memcpy(&lease->yiaddr, buf + OFF_YIADDR, 4);
	memcpy(&lease->siaddr, buf + OFF_SIADDR, 4);
	if (apply_options(&p, lease) < 0)
		return -1;
	if (!(ov & OVERLOAD_FILE) &&
	    bootp_string(buf + OFF_FILE, FILE_LEN, lease->bootfile, sizeof lease->bootfile,
			 "BOOTP file field", &e) < 0)
		return -1;
	if (!(ov & OVERLOAD_SNAME) &&
	    bootp_string(buf + OFF_SNAME, SNAME_LEN, lease->tftp_server, sizeof lease->tftp_server,
			 "BOOTP sname field", &e) < 0)
		return -1;
	return check_reply(&p, lease);
}

int dhcp_parse_reply(const uint8_t *buf, size_t len, uint32_t xid,
		     const uint8_t mac[6], struct dhcp_lease *lease)
{
	return dhcp_parse_reply_err(buf, len, xid, mac, lease, NULL, 0);
}

/* ---- retransmission ---- */

/* RFC 2131 4.1 wants 4 s doubling to 64 s with +-1 s of jitter.  The init
 * passes a smaller base (a lost first DISCOVER, e.g. while the link or a
 * switch port comes up, would otherwise add 4 s to every boot, and QEMU's
 * tests boot many times); the doubling and the jitter stay, so that a rack
 * of nodes powered on together still spreads out.  Jitter is +-1 s, or
 * +-delay/4 when the delay is under 4 s so it never drops near zero. */
uint32_t dhcp_backoff_ms(int attempt, uint32_t base_ms, uint32_t cap_ms, uint32_t random)
{
	uint64_t delay = base_ms, jitter, out;
	int i;

	if (cap_ms < base_ms)
		cap_ms = base_ms;
	for (i = 0; i < attempt && delay < cap_ms; i++)
		delay *= 2;
	if (delay > cap_ms)
		delay = cap_ms;
	jitter = delay / 4 < 1000 ? delay / 4 : 1000;
	out = delay - jitter + random % (2 * jitter + 1);
	return out > UINT32_MAX ? UINT32_MAX : (uint32_t)out;
}

/* ---- lease timers ---- */

/* RFC 2131 4.4.5: T1 defaults to half the lease, T2 to 7/8 of it. A
 * server's T1 and T2 are taken only when 0 < T1 < T2 < lease: others would
 * renew never or all the time. */
void dhcp_timers(const struct dhcp_lease *l, struct dhcp_timers *t)
{
	uint32_t lease = l->lease_secs;

	if (lease == 0 || lease == DHCP_LEASE_INFINITE) {
		t->t1 = t->t2 = t->expiry = DHCP_LEASE_INFINITE;
		return;
	}
	t->expiry = lease;
	t->t1 = l->renew_secs;
	t->t2 = l->rebind_secs;
	if (!(t->t1 > 0 && t->t1 < t->t2 && t->t2 < lease)) {
		t->t1 = lease / 2;
		t->t2 = (uint32_t)((uint64_t)lease * 7 / 8);
	}
}

enum dhcp_lease_phase dhcp_lease_phase(const struct dhcp_timers *t, uint32_t elapsed)
{
	if (elapsed < t->t1)
		return DHCP_BOUND;
	if (elapsed < t->t2)
		return DHCP_RENEWING;
	if (elapsed < t->expiry)
		return DHCP_REBINDING;
	return DHCP_EXPIRED;
}

/* Half the time left to the next phase, at least DHCP_RETRY_MIN_S, as
 * RFC 2131 4.4.5 asks, but never past that phase's start: the first
 * REBINDING broadcast goes out at T2, not a minute later. */
static uint32_t half_until(uint32_t elapsed, uint32_t end)
{
	uint32_t left = end - elapsed, wait = left / 2;

	if (wait < DHCP_RETRY_MIN_S)
		wait = DHCP_RETRY_MIN_S;
	return wait < left ? wait : left;
}

uint32_t dhcp_next_request(const struct dhcp_timers *t, uint32_t elapsed)
{
	if (t->expiry == DHCP_LEASE_INFINITE)
		return DHCP_LEASE_INFINITE;
	switch (dhcp_lease_phase(t, elapsed)) {
	case DHCP_BOUND:
		return t->t1 - elapsed;
	case DHCP_RENEWING:
		return half_until(elapsed, t->t2);
	case DHCP_REBINDING:
		return half_until(elapsed, t->expiry);
	default:
		return DHCP_RETRY_MIN_S;
	}
}

/* ---- state file ---- */

struct out {
	char *buf;
	size_t cap, len;
	int err;
};

static void out_bytes(struct out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (n >= o->cap - o->len) {    /* keep room for the NUL */
		o->err = -ENOSPC;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = 0;
}

/* KEY='value': inside single quotes the shell takes every byte literally
 * except the quote itself, written '\'' (close, escaped quote, reopen). */
static void out_kv(struct out *o, const char *key, const char *val)
{
	const char *s;

	out_bytes(o, key, strlen(key));
	out_bytes(o, "='", 2);
	for (s = val; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			o->err = o->err ? o->err : -EINVAL;
		else if (*s == '\'')
			out_bytes(o, "'\\''", 4);
		else
			out_bytes(o, s, 1);
	}
	out_bytes(o, "'\n", 2);
}

/* 0.0.0.0 (absent) is written as "". */
static void out_addr(struct out *o, const char *key, struct in_addr a)
{
	char s[IPV4_TEXT_LEN];

	out_kv(o, key, a.s_addr ? ipv4_text(a, s) : "");
}

int dhcp_lease_format(const struct dhcp_lease *l, const char *ifname, const uint8_t mac[6],
		      const char *bootif, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0, 0 };
	char mac_s[18], num[12];
	struct in_addr none = { 0 };

	if (cap == 0)
		return -ENOSPC;
	buf[0] = 0;
	bufprint(mac_s, sizeof mac_s, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	bufprint(num, sizeof num, "%u", l->lease_secs);
	out_kv(&o, "DEVICE", ifname);
	out_kv(&o, "MAC", mac_s);
	out_kv(&o, "BOOTIF", bootif ? bootif : "");
	out_kv(&o, "PROTO", l->type ? "dhcp" : "none"); /* none: static ip= */
	out_addr(&o, "IPV4ADDR", l->yiaddr);
	out_addr(&o, "IPV4NETMASK", l->subnet);
	out_addr(&o, "IPV4BROADCAST", l->broadcast);
	out_addr(&o, "IPV4GATEWAY", l->router);
	out_addr(&o, "IPV4DNS0", l->ndns > 0 ? l->dns[0] : none);
	out_addr(&o, "IPV4DNS1", l->ndns > 1 ? l->dns[1] : none);
	out_kv(&o, "HOSTNAME", l->hostname);
	out_kv(&o, "DNSDOMAIN", l->domain);
	/* The root server is the next-server (siaddr, where PXE setups name
	 * the boot and NFS server) when set, else the DHCP server itself. */
	out_addr(&o, "ROOTSERVER", l->siaddr.s_addr ? l->siaddr : l->server_id);
	out_kv(&o, "ROOTPATH", l->root_path);
	out_addr(&o, "DHCPSERVER", l->server_id);
	out_kv(&o, "TFTPSERVER", l->tftp_server);
	out_kv(&o, "FILENAME", l->bootfile);
	out_kv(&o, "LEASETIME", num);
	if (o.err) {
		buf[0] = 0;
		return o.err;
	}
	return (int)o.len;
}

/* ---- reading the state file back ---- */

enum conf_kind { C_STR, C_ADDR, C_U32, C_MAC, C_PROTO, C_DNS, C_SKIP };

struct conf_key {
	const char *key;
	enum conf_kind kind;
	size_t off, size;
};

#define CONF_FIELD(f) offsetof(struct dhcp_conf, f), sizeof(((struct dhcp_conf *)0)->f)
#define CONF_LEASE(f) CONF_FIELD(lease.f)

/* Every key dhcp_lease_format writes. ROOTSERVER is derived (siaddr or
 * the server id), so it is read after the others. */
static const struct conf_key conf_keys[] = {
	{ "DEVICE",        C_STR,   CONF_FIELD(ifname) },
	{ "MAC",           C_MAC,   CONF_FIELD(mac) },
	{ "BOOTIF",        C_STR,   CONF_FIELD(bootif) },
	{ "PROTO",         C_PROTO, CONF_LEASE(type) },
	{ "IPV4ADDR",      C_ADDR,  CONF_LEASE(yiaddr) },
	{ "IPV4NETMASK",   C_ADDR,  CONF_LEASE(subnet) },
	{ "IPV4BROADCAST", C_ADDR,  CONF_LEASE(broadcast) },
	{ "IPV4GATEWAY",   C_ADDR,  CONF_LEASE(router) },
	{ "IPV4DNS0",      C_DNS,   CONF_LEASE(dns[0]) },
	{ "IPV4DNS1",      C_DNS,   CONF_LEASE(dns[1]) },
	{ "HOSTNAME",      C_STR,   CONF_LEASE(hostname) },
	{ "DNSDOMAIN",     C_STR,   CONF_LEASE(domain) },
	{ "ROOTSERVER",    C_ADDR,  CONF_LEASE(siaddr) },
	{ "ROOTPATH",      C_STR,   CONF_LEASE(root_path) },
	{ "DHCPSERVER",    C_ADDR,  CONF_LEASE(server_id) },
	{ "TFTPSERVER",    C_STR,   CONF_LEASE(tftp_server) },
	{ "FILENAME",      C_STR,   CONF_LEASE(bootfile) },
	{ "LEASETIME",     C_U32,   CONF_LEASE(lease_secs) },
};

static bool parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (uint64_t)(*s - '0')) > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool conf_store(const struct conf_key *k, const char *val, struct dhcp_conf *c)
{
	void *f = (char *)c + k->off;
	size_t n = strlen(val);

	switch (k->kind) {
	case C_STR:
		if (n >= k->size)
			return false;
		memcpy(f, val, n + 1);
		return true;
	case C_ADDR:
	case C_DNS:
		if (!n)
			return true;
		if (!ipv4_parse(val, f))
			return false;
		/* IPV4DNS1 alone still counts two: the first may be 0.0.0.0 */
		if (k->kind == C_DNS) {
			int nth = (int)((k->off - offsetof(struct dhcp_conf, lease.dns)) / 4) + 1;

			c->lease.ndns = c->lease.ndns > nth ? c->lease.ndns : nth;
		}
		return true;
	case C_U32:
		return parse_u32(val, f);
	case C_MAC:
		return hwaddr_parse(val, f, 6);
	case C_PROTO:
		*(uint8_t *)f = !strcmp(val, "dhcp") ? DHCP_ACK : 0;
		return !strcmp(val, "dhcp") || !strcmp(val, "none");
	default:
		return true;
	}
}

/* One KEY='value' line: value unquoted into val ('\'' is a quote).
 * Returns the position after the line, or NULL when it is not of that
 * form. */
static const char *conf_line(const char *p, char *key, size_t kcap, char *val, size_t vcap)
{
	size_t k = 0, v = 0;

	while (*p && *p != '=' && *p != '\n' && k + 1 < kcap)
		key[k++] = *p++;
	key[k] = 0;
	if (p[0] != '=' || p[1] != '\'')
		return NULL;
	for (p += 2; v + 1 < vcap; ) {
		if (*p == '\0' || *p == '\n')
			return NULL;
		if (!strncmp(p, "'\\''", 4)) {
			val[v++] = '\'';
			p += 4;
		} else if (*p == '\'') {
			val[v] = 0;
			p++;
			return *p == '\n' ? p + 1 : *p == '\0' ? p : NULL;
		} else {
			val[v++] = *p++;
		}
	}
	return NULL;
}

int dhcp_conf_parse(const char *text, struct dhcp_conf *c, char *err, size_t errcap)
{
	const struct msgbuf e = { err, errcap };
	char key[32], val[256];
	int line = 1;

	memset(c, 0, sizeof *c);
	if (err && errcap)
		err[0] = 0;
	for (const char *p = text; *p; line++) {
		const char *next = conf_line(p, key, sizeof key, val, sizeof val);
		size_t i;

		if (!next)
			return msg_say(&e, -EINVAL, "line %d: expected KEY='value'", line);
		for (i = 0; i < sizeof conf_keys / sizeof conf_keys[0]; i++)
			if (!strcmp(conf_keys[i].key, key))
				break;
		if (i < sizeof conf_keys / sizeof conf_keys[0] && !conf_store(&conf_keys[i], val, c))
			return msg_say(&e, -EINVAL, "line %d: %s='%s' is not a valid value", line, key, val);
		p = next;
	}
	if (c->lease.siaddr.s_addr == c->lease.server_id.s_addr)
		c->lease.siaddr.s_addr = 0;
	if (!c->ifname[0] || !c->lease.yiaddr.s_addr)
		return msg_say(&e, -EINVAL, "no DEVICE or IPV4ADDR: not a netswap net-<if>.conf");
	return 0;
}
