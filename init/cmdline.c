/* cmdline.c - the kernel command line as netswap reads it.
 *
 * Pure: no allocation, no system calls, no global mutable state. The
 * syntax is documented in cmdline.h; the kernel's own rules are quoted
 * where we follow them (lib/cmdline.c next_arg(), net/ipv4/ipconfig.c,
 * Documentation/admin-guide/nfs/nfsroot.rst).
 */
#include "cmdline.h"
#include "template.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* x86 COMMAND_LINE_SIZE: no single argument can be longer. */
#define VALUE_MAX 2048

#define FORM_IP "dhcp, off, <device>:dhcp or <client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>[:<dns0>[:<dns1>]]"
#define FORM_BOOTIF "01-xx-xx-xx-xx-xx-xx (pxelinux IPAPPEND 2) or xx:xx:xx:xx:xx:xx"
#define FORM_NETSWAP "nbd:<server>:<port>[/<export>] or nbd:<server>:<export>, optional :prio=<n>,conns=<n>,timeout=<s>,encrypt"
#define FORM_ROOT "nbd:<server>:<port>[/<export>][:<fstype>[:<mountopts>[:<nbdopts>]]], nfs:[<server>:]<path>[:<options>], /dev/<name> or dhcp"
#define FORM_ROOT_PATH "nbd:..., nfs:... or [<server>:]<path>[,<options>]"
#define SERVER_EXPECTED "expected an IPv4 address, [IPv6] or dhcp"
#define SWAP_OPTIONS_EXPECTED "expected prio=<n>, conns=<n>, timeout=<s> or encrypt"

/* Quote at most QUOTE_MAX bytes of s in a message: "'%.*s%s'". */
#define QUOTE_MAX 40
#define QFMT "'%.*s%s'"
#define QARG(s) (int)(strlen(s) > QUOTE_MAX ? QUOTE_MAX : strlen(s)), (s), \
	(strlen(s) > QUOTE_MAX ? "..." : "")

/* ---- Recording errors ---------------------------------------------- */

struct report {
	struct cmdline_error *errs;
	int max;
	int used;
	int nerrors;
};

/* The argument being parsed: where its errors go and how to name it. */
struct arg_ctx {
	struct report *rep;
	const char *key;
	const char *value;     /* as given, not NUL-terminated */
	size_t value_len;
	const char *form;      /* appended to errors as "(form: ...)" */
};

/* Copies n bytes of src, ending in "..." when it does not fit. */
static void copy_clipped(char *dst, size_t size, const char *src, size_t n)
{
	if (n < size) {
		memcpy(dst, src, n);
		dst[n] = '\0';
		return;
	}
	memcpy(dst, src, size - 4);
	memcpy(dst + size - 4, "...", 4);
}

static struct cmdline_error *report_slot(struct report *r, bool warning)
{
	if (!warning)
		r->nerrors++;
	if (r->used < r->max)
		return &r->errs[r->used++];
	if (warning)
		return NULL;
	/* Full: an error matters more than a warning; keep the order. */
	for (int i = r->max - 1; i >= 0; i--) {
		if (!r->errs[i].warning)
			continue;
		memmove(&r->errs[i], &r->errs[i + 1],
			(size_t)(r->max - 1 - i) * sizeof(r->errs[0]));
		return &r->errs[r->max - 1];
	}
	return NULL;
}

static void vreport(const struct arg_ctx *a, bool warning, const char *fmt, va_list ap)
{
	struct cmdline_error *e = report_slot(a->rep, warning);
	char *x;
	size_t size, n;
	int rc;

	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->warning = warning;
	copy_clipped(e->key, sizeof(e->key), a->key, strlen(a->key));
	copy_clipped(e->value, sizeof(e->value), a->value, a->value_len);
	x = e->expected;
	size = sizeof(e->expected);
	rc = vsnprintf(x, size, fmt, ap);
	n = rc < 0 ? 0 : (size_t)rc;
	if (a->form && n < size - 1) {
		rc = snprintf(x + n, size - n, " (form: %s)", a->form);
		n += rc < 0 ? 0 : (size_t)rc;
		if (n >= size)
			memcpy(x + size - 5, "...)", 5);
	} else if (n >= size) {
		memcpy(x + size - 4, "...", 4);
	}
}

/* Records an error for the current argument; returns -1 for "return fail(...)". */
__attribute__((format(printf, 2, 3)))
static int fail(const struct arg_ctx *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(a, false, fmt, ap);
	va_end(ap);
	return -1;
}

__attribute__((format(printf, 2, 3)))
static void warn(const struct arg_ctx *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(a, true, fmt, ap);
	va_end(ap);
}

/* ---- Small parsers ------------------------------------------------- */

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Decimal in min..max, with '-' only for negative values; no '+', no
 * spaces. Leading zeros are fine ("08" is 8). */
static bool parse_int_range(const char *s, long min, long max, int *out)
{
	bool neg = *s == '-';
	long v = 0;

	if (neg)
		s++;
	if (!all_digits(s, strlen(s)))
		return false;
	for (; *s; s++) {
		if (v > 100000000L)  /* far past any range here; keeps v in a long */
			return false;
		v = v * 10 + (*s - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

/* Dotted quad, decimal parts 0-255 of 1-3 digits (the kernel's in_aton
 * reads leading zeros as decimal too). */
static bool parse_ipv4(const char *s, struct in_addr *out)
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

/* Copies src when it fits with its NUL; truncating would change meaning. */
static bool set_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

/* Splits s in place at each sep into at most max fields; -1 if more. */
static int split_fields(char *s, char sep, char **f, int max)
{
	int n = 0;

	for (;;) {
		char *next = strchr(s, sep);

		if (n == max)
			return -1;
		f[n++] = s;
		if (!next)
			return n;
		*next = '\0';
		s = next + 1;
	}
}

/* ---- Servers, ports, export names ---------------------------------- */

static int check_ipv6(const struct arg_ctx *a, const char *host)
{
	char addr[HOST_LEN];
	struct in6_addr a6;
	const char *zone = strchr(host, '%');
	size_t n = zone ? (size_t)(zone - host) : strlen(host);

	/* A link-local server needs its interface: fe80::1%eth0. */
	if (zone && (zone[1] == '\0' || strlen(zone + 1) >= IFNAME_LEN))
		return fail(a, "bad interface in server " QFMT ", expected [<ipv6>%%<device>]", QARG(host));
	memcpy(addr, host, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET6, addr, &a6) != 1)
		return fail(a, "bad IPv6 server " QFMT ", " SERVER_EXPECTED, QARG(host));
	return 0;
}

/* Takes "<server>" from the front of *sp: IPv4, [IPv6] or dhcp, ended by
 * ':' or the end. *sp is left after the ':' or NULL at the end. */
static int take_server(const struct arg_ctx *a, char **sp, struct nbd_target *t)
{
	char *s = *sp, *end;

	if (*s == '[') {
		end = strchr(s, ']');
		if (!end)
			return fail(a, "unclosed '[' in server " QFMT ", expected [<ipv6>]", QARG(s));
		if (end[1] != ':' && end[1] != '\0')
			return fail(a, "expected ':' after server [...], got " QFMT, QARG(end + 1));
		*sp = end[1] ? end + 2 : NULL;
		*end = '\0';
		s++;
		if (!set_str(t->host, sizeof(t->host), s))
			return fail(a, "server address too long, expected at most %d chars", HOST_LEN - 1);
		return check_ipv6(a, s);
	}
	end = strchr(s, ':');
	*sp = end ? end + 1 : NULL;
	if (end)
		*end = '\0';
	if (!*s)
		return fail(a, "empty server, " SERVER_EXPECTED);
	if (strcmp(s, "dhcp") == 0) {
		t->host_is_dhcp = true;
	} else {
		struct in_addr ip;

		if (!parse_ipv4(s, &ip))
			return fail(a, "bad server " QFMT ", " SERVER_EXPECTED, QARG(s));
	}
	if (!set_str(t->host, sizeof(t->host), s))
		return fail(a, "server address too long, expected at most %d chars", HOST_LEN - 1);
	return 0;
}

static int set_port(const struct arg_ctx *a, const char *s, struct nbd_target *t)
{
	int port;

	if (!parse_int_range(s, 1, 65535, &port))
		return fail(a, "bad port " QFMT ", expected 1-65535", QARG(s));
	t->port = (uint16_t)port;
	return 0;
}

static int set_export(const struct arg_ctx *a, const char *name, struct nbd_target *t)
{
	char msg[160];

	if (!*name)
		return fail(a, "empty export name");
	if (!set_str(t->export_name, sizeof(t->export_name), name))
		return fail(a, "export name too long (%zu chars), expected at most %d",
			    strlen(name), NAME_LEN - 1);
	if (template_check(name, msg, sizeof(msg)) < 0)
		return fail(a, "bad export name: %s", msg);
	return 0;
}

/* ---- netswap= ------------------------------------------------------- */

/* Similar options share one handler: an int in a range, or a flag. */
static const struct swap_option {
	const char *name;
	bool has_value;
	int min, max;
	size_t field;     /* offsetof(struct swap_spec, ...): int, or bool when !has_value */
} swap_options[] = {
	{ "prio", true, -1, 32767, offsetof(struct swap_spec, prio) },
	{ "conns", true, 1, MAX_CONNS, offsetof(struct swap_spec, conns) },
	{ "timeout", true, 1, 86400, offsetof(struct swap_spec, timeout) },
	{ "encrypt", false, 0, 0, offsetof(struct swap_spec, encrypt) },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct swap_option *swap_option_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(swap_options); i++)
		if (strlen(swap_options[i].name) == len &&
		    memcmp(swap_options[i].name, name, len) == 0)
			return &swap_options[i];
	return NULL;
}

static int set_swap_option(const struct arg_ctx *a, char *item, struct swap_spec *sw)
{
	char *eq = strchr(item, '=');
	size_t len = eq ? (size_t)(eq - item) : strlen(item);
	const struct swap_option *o = swap_option_find(item, len);
	char *field;

	if (!*item)
		return fail(a, "empty option, " SWAP_OPTIONS_EXPECTED);
	if (!o)
		return fail(a, "unknown option '%.*s', " SWAP_OPTIONS_EXPECTED,
			    len > QUOTE_MAX ? QUOTE_MAX : (int)len, item);
	field = (char *)sw + o->field;
	if (!o->has_value) {
		if (eq)
			return fail(a, "option %s takes no value", o->name);
		*(bool *)field = true;
		return 0;
	}
	if (!eq)
		return fail(a, "option %s needs a value, expected %s=<%d-%d>",
			    o->name, o->name, o->min, o->max);
	if (!parse_int_range(eq + 1, o->min, o->max, (int *)field))
		return fail(a, "bad %s " QFMT ", expected %d-%d", o->name, QARG(eq + 1),
			    o->min, o->max);
	return 0;
}

static int parse_swap_options(const struct arg_ctx *a, char *opts, struct swap_spec *sw)
{
	char *item = opts;

	if (!*opts)
		return 0;
	for (;;) {
		char *comma = strchr(item, ',');

		if (comma)
			*comma = '\0';
		if (set_swap_option(a, item, sw) < 0)
			return -1;
		if (!comma)
			return 0;
		item = comma + 1;
	}
}

static bool option_name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && ((c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'));
}

/* Is f an options field rather than the end of an export name? Empty, or
 * every comma item is empty, <name> or <name>=<value>, and at least one is
 * a known option or has '=' (so a typo is an error, not a new name). */
static bool looks_like_options(const char *f)
{
	bool option_seen = false;

	if (!*f)
		return true;
	while (*f) {
		const char *name = f;
		size_t len = 0;

		while (option_name_char(f[len], len == 0))
			len++;
		f += len;
		if (*f == '=') {
			if (len == 0)
				return false;
			option_seen = true;
			f += strcspn(f, ",");
		} else if (len && swap_option_find(name, len)) {
			option_seen = true;
		}
		if (*f == ',')
			f++;
		else if (*f)
			return false;
	}
	return option_seen;
}

/* Splits the options field off the end of an export: returns it, or NULL. */
static char *split_options_field(char *export)
{
	char *colon = strrchr(export, ':');

	if (!colon || !looks_like_options(colon + 1))
		return NULL;
	*colon = '\0';
	return colon + 1;
}

static int parse_swap(const struct arg_ctx *a, char *v, struct swap_spec *sw)
{
	char *rest, *export, *opts;
	size_t n;
	char sep;

	memset(sw, 0, sizeof(*sw));
	sw->prio = -1;
	sw->conns = 1;
	sw->target.port = NBD_DEFAULT_PORT;
	if (strncmp(v, "nbd:", 4) != 0)
		return fail(a, "expected 'nbd:' at the start");
	rest = v + 4;
	if (take_server(a, &rest, &sw->target) < 0)
		return -1;
	if (!rest || !*rest)
		return fail(a, "missing port or export after the server");
	n = strcspn(rest, ":/");
	sep = rest[n];
	if (n == 0)
		return fail(a, "empty port or export after the server");
	if (all_digits(rest, n)) {
		rest[n] = '\0';
		if (set_port(a, rest, &sw->target) < 0)
			return -1;
		if (sep == '\0')
			return 0;
		/* After a port only options may follow ':'. */
		if (sep == ':')
			return parse_swap_options(a, rest + n + 1, sw);
		export = rest + n + 1;
		if (!*export)
			return fail(a, "empty export name after '/'");
	} else if (sep == '/') {
		return fail(a, "bad port '%.*s', expected 1-65535 before '/' (an export with '/' needs the port: nbd:<server>:10809/<export>)",
			    n > QUOTE_MAX ? QUOTE_MAX : (int)n, rest);
	} else {
		export = rest;
	}
	opts = split_options_field(export);
	if (!*export)
		return fail(a, "empty export name before the options");
	if (opts && parse_swap_options(a, opts, sw) < 0)
		return -1;
	return set_export(a, export, &sw->target);
}

static int handle_netswap(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	struct swap_spec sw;

	if (parse_swap(a, v, &sw) < 0)
		return -1;
	if (cfg->nswaps >= MAX_SWAPS)
		return fail(a, "too many netswap= arguments, at most %d", MAX_SWAPS);
	cfg->swaps[cfg->nswaps++] = sw;
	return 0;
}

/* ---- root= and the DHCP root-path ---------------------------------- */

static bool is_name_option(const char *o)
{
	return strcmp(o, "-N") == 0 || strcmp(o, "-name") == 0 || strcmp(o, "--name") == 0;
}

/* Drops empty items, as the shell drops empty words. */
static int drop_empty(char **items, int n)
{
	int kept = 0;

	for (int i = 0; i < n; i++)
		if (*items[i])
			items[kept++] = items[i];
	return kept;
}

/* dracut turns the ',' in nbdopts into spaces for nbd-client: "-N,root".
 * Only the export name matters to us; an option's arguments are the
 * items after it that do not start with '-'. */
static bool is_timeout_option(const char *o)
{
	return strcmp(o, "-t") == 0 || strcmp(o, "-timeout") == 0 || strcmp(o, "--timeout") == 0;
}

static int parse_nbdopts(const struct arg_ctx *a, char *opts, char *export, size_t size,
			 int *timeout)
{
	char *items[64];
	int n = split_fields(opts, ',', items, (int)ARRAY_SIZE(items));

	if (n < 0)
		return fail(a, "too many nbd-client options, expected at most %d items",
			    (int)ARRAY_SIZE(items));
	n = drop_empty(items, n);
	for (int i = 0; i < n; i++) {
		const char *o = items[i];
		int args = 0;

		while (i + args + 1 < n && items[i + args + 1][0] != '-')
			args++;
		if (is_name_option(o)) {
			if (args != 1)
				return fail(a, "nbd-client option %s needs one export name, expected %s,<export>", o, o);
			if (!set_str(export, size, items[i + 1]))
				return fail(a, "export name too long, expected at most %d chars", NAME_LEN - 1);
		} else if (is_timeout_option(o)) {
			if (args != 1 || !parse_int_range(items[i + 1], 1, 86400, timeout))
				return fail(a, "nbd-client option %s needs seconds, expected %s,<1-86400>", o, o);
		} else {
			warn(a, "ignored nbd-client option " QFMT "%s: only -N/-name <export> and -t/-timeout <s> are used",
			     QARG(o), args ? " and its arguments" : "");
		}
		i += args;
	}
	return 0;
}

/* nbd:<server>:<port>[/<export>][:<fstype>[:<mountopts>[:<nbdopts>]]] */
static int parse_root_nbd(const struct arg_ctx *a, char *s, struct root_spec *r)
{
	char *f[4], *rest = s, *export = NULL;
	char named[NAME_LEN] = "";
	size_t n;
	int nf;

	r->kind = ROOT_NBD;
	r->nbd.port = NBD_DEFAULT_PORT;
	if (take_server(a, &rest, &r->nbd) < 0)
		return -1;
	if (!rest || !*rest)
		return fail(a, "missing port or export after the server");
	nf = split_fields(rest, ':', f, 4);
	if (nf < 0)
		return fail(a, "too many ':' fields, expected at most <port>[/<export>]:<fstype>:<mountopts>:<nbdopts>");
	n = strcspn(f[0], "/");
	if (n == 0)
		return fail(a, "empty port or export after the server");
	if (all_digits(f[0], n)) {
		bool slash = f[0][n] == '/';

		f[0][n] = '\0';
		if (set_port(a, f[0], &r->nbd) < 0)
			return -1;
		if (slash) {
			export = f[0] + n + 1;
			if (!*export)
				return fail(a, "empty export name after '/'");
		}
	} else if (f[0][n] == '/') {
		return fail(a, "bad port '%.*s', expected 1-65535 before '/'",
			    n > QUOTE_MAX ? QUOTE_MAX : (int)n, f[0]);
	} else {
		/* dracut: a non-numeric port field is the export name. */
		export = f[0];
	}
	if (nf > 1 && !set_str(r->fstype, sizeof(r->fstype), f[1]))
		return fail(a, "fstype " QFMT " too long, expected at most %zu chars",
			    QARG(f[1]), sizeof(r->fstype) - 1);
	if (nf > 2 && !set_str(r->mountopts, sizeof(r->mountopts), f[2]))
		return fail(a, "mount options too long, expected at most %zu chars",
			    sizeof(r->mountopts) - 1);
	if (nf > 3 && parse_nbdopts(a, f[3], named, sizeof(named), &r->nbd_timeout) < 0)
		return -1;
	if (named[0]) {
		if (export)
			return fail(a, "export given twice: " QFMT " and by -N " QFMT,
				    QARG(export), QARG(named));
		export = named;
	}
	return export ? set_export(a, export, &r->nbd) : 0;
}

/* nfs:[<server>:]<path>[:<options>], or with opt_sep ',' the kernel's
 * nfsroot/root-path form [<server>:]<path>[,<options>]. */
static int parse_root_nfs(const struct arg_ctx *a, char *s, struct root_spec *r, char opt_sep)
{
	struct nbd_target server;
	char *path = s, *opts;

	memset(&server, 0, sizeof(server));
	r->kind = ROOT_NFS;
	if (*s == '/') {
		/* No server: the one that answered DHCP (dracut, nfsroot). */
		set_str(r->nfs_server, sizeof(r->nfs_server), "dhcp");
	} else {
		if (take_server(a, &path, &server) < 0)
			return -1;
		if (!path || !*path)
			return fail(a, "missing path after the NFS server, expected <server>:/<path>");
		set_str(r->nfs_server, sizeof(r->nfs_server), server.host);
	}
	opts = strchr(path, opt_sep);
	if (opts)
		*opts++ = '\0';
	if (path[0] != '/')
		return fail(a, "NFS path " QFMT " is not absolute, expected /<path>", QARG(path));
	if (!set_str(r->nfs_path, sizeof(r->nfs_path), path))
		return fail(a, "NFS path too long, expected at most %d chars", NAME_LEN - 1);
	if (opts && !set_str(r->nfs_options, sizeof(r->nfs_options), opts))
		return fail(a, "NFS options too long, expected at most %d chars", NAME_LEN - 1);
	return 0;
}

static int parse_root(const struct arg_ctx *a, char *v, struct root_spec *r, bool from_dhcp)
{
	memset(r, 0, sizeof(*r));
	if (!*v)
		return fail(a, "empty root");
	if (strncmp(v, "nbd:", 4) == 0)
		return parse_root_nbd(a, v + 4, r);
	if (strncmp(v, "nfs:", 4) == 0)
		return parse_root_nfs(a, v + 4, r, ':');
	if (from_dhcp)
		return parse_root_nfs(a, v, r, ',');
	if (strcmp(v, "dhcp") == 0) {
		r->kind = ROOT_DHCP;
		return 0;
	}
	if (strncmp(v, "/dev/", 5) == 0 && v[5]) {
		r->kind = ROOT_DEV;
		if (!set_str(r->device, sizeof(r->device), v))
			return fail(a, "device path too long, expected at most %d chars", NAME_LEN - 1);
		return 0;
	}
	return fail(a, "unsupported root " QFMT, QARG(v));
}

static int handle_root(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	struct root_spec r;

	if (parse_root(a, v, &r, false) < 0)
		return -1;
	cfg->root = r;
	return 0;
}

/* ---- ip= ------------------------------------------------------------ */

enum ip_method { M_NONE, M_DHCP, M_OFF, M_STATIC, M_UNSUPPORTED, M_UNKNOWN };

/* net/ipv4/ipconfig.c ic_proto_name(), plus "static" (dracut). */
static const struct {
	const char *name;
	enum ip_method method;
} ip_methods[] = {
	{ "dhcp", M_DHCP }, { "on", M_DHCP }, { "any", M_DHCP }, { "both", M_DHCP },
	{ "off", M_OFF }, { "none", M_OFF }, { "static", M_STATIC },
	{ "bootp", M_UNSUPPORTED }, { "rarp", M_UNSUPPORTED },
};

#define AUTOCONF_EXPECTED "expected dhcp, on, any, both, off, none or static"

static enum ip_method ip_method_find(const char *s)
{
	if (!*s)
		return M_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(ip_methods); i++)
		if (strcmp(ip_methods[i].name, s) == 0)
			return ip_methods[i].method;
	return M_UNKNOWN;
}

static int ip_method_error(const struct arg_ctx *a, const char *word, enum ip_method m)
{
	if (m == M_UNSUPPORTED)
		return fail(a, "autoconf '%s' is not supported, expected dhcp or off", word);
	if (m == M_STATIC || m == M_OFF)
		return fail(a, "autoconf '%s' needs a <client-ip> (to disable networking: ip=off)", word);
	return fail(a, "unknown autoconf " QFMT ", " AUTOCONF_EXPECTED, QARG(word));
}

/* The single-word and <device>:<autoconf> forms carry no address. */
static int set_ip_method(const struct arg_ctx *a, const char *word, struct ip_config *ip)
{
	enum ip_method m = ip_method_find(word);

	if (m == M_DHCP)
		ip->mode = IP_DHCP;
	else if (m == M_OFF)
		ip->mode = IP_OFF;
	else
		return ip_method_error(a, word, m);
	return 0;
}

static int set_hostname(const struct arg_ctx *a, const char *s, struct ip_config *ip)
{
	if (strlen(s) >= sizeof(ip->hostname))
		return fail(a, "hostname too long (%zu chars), expected at most %zu",
			    strlen(s), sizeof(ip->hostname) - 1);
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_'))
			return fail(a, "bad hostname " QFMT ", expected letters, digits, '-', '_' and '.'", QARG(s));
	set_str(ip->hostname, sizeof(ip->hostname), s);
	return 0;
}

static int set_device(const struct arg_ctx *a, const char *s, struct ip_config *ip)
{
	if (strlen(s) >= sizeof(ip->device))
		return fail(a, "device name " QFMT " too long, expected at most %zu chars",
			    QARG(s), sizeof(ip->device) - 1);
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '/' || *c == 0x7f)
			return fail(a, "bad device name " QFMT ", expected an interface like eth0", QARG(s));
	set_str(ip->device, sizeof(ip->device), s);
	return 0;
}

enum ip_field_type { F_ADDR, F_NETMASK, F_HOSTNAME, F_DEVICE, F_AUTOCONF, F_NTP };

#define IP_FIELDS 10

/* nfsroot.rst: ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:
 * <device>:<autoconf>:<dns0-ip>:<dns1-ip>:<ntp0-ip> */
static const struct ip_field {
	const char *name;
	enum ip_field_type type;
	size_t offset;            /* of the struct in_addr in struct ip_config */
} ip_fields[IP_FIELDS] = {
	{ "client-ip", F_ADDR, offsetof(struct ip_config, client) },
	{ "server-ip", F_ADDR, offsetof(struct ip_config, server) },
	{ "gw-ip", F_ADDR, offsetof(struct ip_config, gateway) },
	{ "netmask", F_NETMASK, offsetof(struct ip_config, netmask) },
	{ "hostname", F_HOSTNAME, 0 },
	{ "device", F_DEVICE, 0 },
	{ "autoconf", F_AUTOCONF, 0 },
	{ "dns0", F_ADDR, offsetof(struct ip_config, dns[0]) },
	{ "dns1", F_ADDR, offsetof(struct ip_config, dns[1]) },
	{ "ntp0", F_NTP, 0 },
};

static bool netmask_contiguous(struct in_addr m)
{
	uint32_t inv = ~ntohl(m.s_addr);

	return (inv & (inv + 1)) == 0;
}

static int set_ip_field(const struct arg_ctx *a, const struct ip_field *fd,
			const char *s, struct ip_config *ip)
{
	struct in_addr addr;

	switch (fd->type) {
	case F_HOSTNAME:
		return set_hostname(a, s, ip);
	case F_DEVICE:
		return set_device(a, s, ip);
	case F_AUTOCONF:
		return 0;
	case F_ADDR:
	case F_NETMASK:
	case F_NTP:
		break;
	}
	if (!parse_ipv4(s, &addr))
		return fail(a, "bad %s " QFMT ", expected an IPv4 address a.b.c.d", fd->name, QARG(s));
	if (fd->type == F_NETMASK && !netmask_contiguous(addr))
		return fail(a, "bad netmask " QFMT ", expected contiguous ones like 255.255.255.0", QARG(s));
	if (fd->type != F_NTP)
		memcpy((char *)ip + fd->offset, &addr, sizeof(addr));
	return 0;
}

/* The kernel's classful guess when static config gives no netmask. */
static int derive_netmask(const struct arg_ctx *a, struct ip_config *ip)
{
	uint32_t c = ntohl(ip->client.s_addr), m;

	if (c >> 31 == 0)
		m = 0xff000000;
	else if (c >> 30 == 2)
		m = 0xffff0000;
	else if (c >> 29 == 6)
		m = 0xffffff00;
	else
		return fail(a, "no netmask for client-ip %u.%u.%u.%u (class D/E), expected a <netmask> field",
			    c >> 24, (c >> 16) & 255, (c >> 8) & 255, c & 255);
	ip->netmask.s_addr = htonl(m);
	return 0;
}

static int parse_ip_kernel(const struct arg_ctx *a, char **f, int n, struct ip_config *ip)
{
	const char *autoconf = n > 6 ? f[6] : "";
	enum ip_method m = ip_method_find(autoconf);

	for (int i = 0; i < n; i++)
		if (*f[i] && set_ip_field(a, &ip_fields[i], f[i], ip) < 0)
			return -1;
	/* ipconfig.c: a client address of 0.0.0.0 means none. */
	switch (m) {
	case M_DHCP:
		ip->mode = IP_DHCP;
		break;
	case M_NONE:
		ip->mode = ip->client.s_addr ? IP_STATIC : IP_DHCP;
		break;
	case M_OFF:
	case M_STATIC:
		if (!ip->client.s_addr)
			return ip_method_error(a, autoconf, m);
		ip->mode = IP_STATIC;
		break;
	default:
		return ip_method_error(a, autoconf, m);
	}
	if (ip->mode == IP_STATIC && !ip->netmask.s_addr && derive_netmask(a, ip) < 0)
		return -1;
	if (n > 9 && *f[9])
		warn(a, "ntp0 %s is ignored: netswap does not set the clock", f[9]);
	return 0;
}

static int parse_ip(const struct arg_ctx *a, char *v, struct ip_config *ip)
{
	char *f[IP_FIELDS];
	int n;

	memset(ip, 0, sizeof(*ip));
	if (!*v)
		return fail(a, "empty value");
	if (!strchr(v, ':') && ip_method_find(v) != M_UNKNOWN)
		return set_ip_method(a, v, ip);
	n = split_fields(v, ':', f, IP_FIELDS);
	if (n < 0)
		return fail(a, "too many fields, expected at most %d", IP_FIELDS);
	/* dracut's <device>:<autoconf>; a kernel-form second field is an address. */
	if (n == 2 && f[1][0] && !(f[1][0] >= '0' && f[1][0] <= '9')) {
		if (!*f[0])
			return fail(a, "empty device before ':%s', expected <device>:dhcp", f[1]);
		if (set_device(a, f[0], ip) < 0)
			return -1;
		return set_ip_method(a, f[1], ip);
	}
	return parse_ip_kernel(a, f, n, ip);
}

static int handle_ip(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	struct ip_config ip;

	if (parse_ip(a, v, &ip) < 0)
		return -1;
	cfg->ip = ip;
	return 0;
}

/* ---- BOOTIF= and the small keys ------------------------------------ */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* count hex byte pairs, all separated by the same '-' or ':'. */
bool hwaddr_parse(const char *s, uint8_t *out, int count)
{
	char sep = 0;

	for (int i = 0; i < count; i++) {
		int hi = hex_value(s[0]), lo = hi < 0 ? -1 : hex_value(s[1]);

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

/* pxelinux IPAPPEND 2 writes the ARP hardware type first: 01 = Ethernet. */
static int handle_bootif(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	uint8_t b[7];
	const uint8_t *mac = b;

	if (strlen(v) == 20 && hwaddr_parse(v, b, 7)) {
		if (b[0] != 1)
			return fail(a, "hardware type %02x is not supported, expected 01 (Ethernet)", b[0]);
		mac = b + 1;
	} else if (!(strlen(v) == 17 && hwaddr_parse(v, b, 6))) {
		return fail(a, "bad BOOTIF " QFMT ", expected an Ethernet MAC address", QARG(v));
	}
	/* No card has a group address: likely "01-" with a byte lost. */
	if (mac[0] & 1)
		return fail(a, "BOOTIF " QFMT " is a multicast address, expected a network card's MAC", QARG(v));
	memcpy(cfg->bootif, mac, 6);
	cfg->have_bootif = true;
	return 0;
}

static int handle_rootfstype(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (!*v)
		return fail(a, "empty filesystem type");
	if (!set_str(cfg->rootfstype, sizeof(cfg->rootfstype), v))
		return fail(a, "filesystem type too long, expected at most %zu chars",
			    sizeof(cfg->rootfstype) - 1);
	return 0;
}

static int handle_rootflags(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (!set_str(cfg->rootflags, sizeof(cfg->rootflags), v))
		return fail(a, "mount options too long, expected at most %zu chars",
			    sizeof(cfg->rootflags) - 1);
	return 0;
}

static int handle_ro(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	(void)a;
	(void)v;
	cfg->root_rw = false;
	return 0;
}

static int handle_rw(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	(void)a;
	(void)v;
	cfg->root_rw = true;
	return 0;
}

static int handle_init(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (v[0] != '/')
		return fail(a, "init " QFMT " is not an absolute path, expected /<path>", QARG(v));
	if (!set_str(cfg->init, sizeof(cfg->init), v))
		return fail(a, "path too long, expected at most %zu chars", sizeof(cfg->init) - 1);
	return 0;
}

static const struct {
	const char *name;
	enum onfail onfail;
} onfail_names[] = {
	{ "retry", ONFAIL_RETRY }, { "shell", ONFAIL_SHELL }, { "reboot", ONFAIL_REBOOT },
};

static int handle_onfail(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	for (size_t i = 0; i < ARRAY_SIZE(onfail_names); i++) {
		if (strcmp(onfail_names[i].name, v) == 0) {
			cfg->onfail = onfail_names[i].onfail;
			return 0;
		}
	}
	return fail(a, "unknown policy " QFMT ", expected retry, shell or reboot", QARG(v));
}

static int handle_timeout(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (!parse_int_range(v, 1, 3600, &cfg->timeout))
		return fail(a, "bad timeout " QFMT ", expected 1-3600 seconds", QARG(v));
	return 0;
}

static int handle_debug(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (!v || strcmp(v, "1") == 0)
		cfg->debug = true;
	else if (strcmp(v, "0") == 0)
		cfg->debug = false;
	else
		return fail(a, "bad value " QFMT ", expected 0 or 1", QARG(v));
	return 0;
}

/* ---- The key table and the splitter -------------------------------- */

enum arg_form { ARG_VALUE, ARG_BARE, ARG_EITHER };

static const struct key_handler {
	const char *key;
	enum arg_form form;
	const char *expected;
	int (*handle)(const struct arg_ctx *a, char *v, struct netswap_config *cfg);
} keys[] = {
	{ "ip", ARG_VALUE, FORM_IP, handle_ip },
	{ "BOOTIF", ARG_VALUE, FORM_BOOTIF, handle_bootif },
	{ "netswap", ARG_VALUE, FORM_NETSWAP, handle_netswap },
	{ "root", ARG_VALUE, FORM_ROOT, handle_root },
	{ "rootfstype", ARG_VALUE, "rootfstype=<type>, e.g. ext4", handle_rootfstype },
	{ "rootflags", ARG_VALUE, "rootflags=<mount options>", handle_rootflags },
	{ "ro", ARG_BARE, "ro", handle_ro },
	{ "rw", ARG_BARE, "rw", handle_rw },
	{ "init", ARG_VALUE, "init=/<path>", handle_init },
	{ "netswap.onfail", ARG_VALUE, "netswap.onfail=retry|shell|reboot", handle_onfail },
	{ "netswap.timeout", ARG_VALUE, "netswap.timeout=<1-3600>", handle_timeout },
	{ "netswap.debug", ARG_EITHER, "netswap.debug or netswap.debug=0|1", handle_debug },
};

static const struct key_handler *key_find(const char *key, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i].key) == len && memcmp(keys[i].key, key, len) == 0)
			return &keys[i];
	return NULL;
}

struct arg {
	const char *param;
	size_t plen;
	const char *val;   /* NULL when there is no '=' */
	size_t vlen;
};

static bool is_space(char c)
{
	unsigned char u = (unsigned char)c;

	/* The kernel's ctype counts Latin-1 NBSP (0xa0) as space as well. */
	return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

static const char *skip_spaces(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

/* lib/cmdline.c next_arg(): a leading '"' opens a quote and every '"'
 * toggles it; the key ends at the first '=' (one at offset 0 does not
 * count); a value starting with '"' loses it and a closing '"', and an
 * argument that started with '"' loses its last '"'. */
static const char *next_arg(const char *args, struct arg *a)
{
	size_t i, equals = 0;
	bool in_quote = false, quoted = false, stripped = false;

	if (*args == '"') {
		args++;
		in_quote = quoted = true;
	}
	for (i = 0; args[i]; i++) {
		if (is_space(args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	a->param = args;
	a->plen = i;
	a->val = NULL;
	a->vlen = 0;
	if (equals) {
		a->plen = equals;
		a->val = args + equals + 1;
		a->vlen = i - equals - 1;
		if (a->vlen && *a->val == '"') {
			a->val++;
			a->vlen--;
			if (a->vlen && args[i - 1] == '"') {
				a->vlen--;
				stripped = true;
			}
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"' && !stripped) {
		if (a->val && a->vlen)
			a->vlen--;
		else if (!a->val && a->plen)
			a->plen--;
	}
	return skip_spaces(args + i);
}

/* Other keys belong to the kernel or the real init, but "netswap." is
 * ours: a typo there would silently change the failure policy. */
static void unknown_key(struct report *rep, const struct arg *arg)
{
	static const char prefix[] = "netswap.";
	struct arg_ctx a = { rep, "", arg->val ? arg->val : "", arg->vlen, NULL };
	char key[sizeof(rep->errs[0].key)];

	if (arg->plen < sizeof(prefix) - 1 || memcmp(arg->param, prefix, sizeof(prefix) - 1) != 0)
		return;
	copy_clipped(key, sizeof(key), arg->param, arg->plen);
	a.key = key;
	fail(&a, "unknown key, expected netswap.onfail, netswap.timeout or netswap.debug");
}

static void dispatch(struct report *rep, const struct arg *arg, struct netswap_config *cfg)
{
	const struct key_handler *k = key_find(arg->param, arg->plen);
	char buf[VALUE_MAX];
	struct arg_ctx a;

	if (!k) {
		unknown_key(rep, arg);
		return;
	}
	a.rep = rep;
	a.key = k->key;
	a.value = arg->val ? arg->val : "";
	a.value_len = arg->vlen;
	a.form = k->expected;
	if (!arg->val && k->form == ARG_VALUE) {
		fail(&a, "missing value");
		return;
	}
	if (arg->val && k->form == ARG_BARE) {
		fail(&a, "takes no value");
		return;
	}
	if (arg->val && arg->vlen >= sizeof(buf)) {
		fail(&a, "value too long (%zu chars), expected at most %zu", arg->vlen, sizeof(buf) - 1);
		return;
	}
	if (arg->val) {
		memcpy(buf, arg->val, arg->vlen);
		buf[arg->vlen] = '\0';
	}
	k->handle(&a, arg->val ? buf : NULL, cfg);
}

/* A server "dhcp" means the DHCP server: without DHCP there is none. */
static void check_dhcp_servers(struct report *rep, const struct netswap_config *cfg)
{
	struct arg_ctx a = { rep, "netswap", "", 0, NULL };
	const struct root_spec *r = &cfg->root;

	if (cfg->ip.mode == IP_DHCP)
		return;
	for (int i = 0; i < cfg->nswaps; i++)
		if (cfg->swaps[i].target.host_is_dhcp)
			fail(&a, "swap %d has server 'dhcp', which needs ip=dhcp (ip= is static or off)", i + 1);
	a.key = "root";
	if (r->kind == ROOT_DHCP)
		fail(&a, "root=dhcp needs ip=dhcp (ip= is static or off)");
	else if ((r->kind == ROOT_NBD && r->nbd.host_is_dhcp) ||
		 (r->kind == ROOT_NFS && strcmp(r->nfs_server, "dhcp") == 0))
		fail(&a, "root server 'dhcp' needs ip=dhcp (ip= is static or off)");
}

void cmdline_defaults(struct netswap_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ip.mode = IP_DHCP;
	cfg->root.kind = ROOT_NONE;
	set_str(cfg->init, sizeof(cfg->init), "/sbin/init");
	cfg->root_rw = false;
	cfg->onfail = ONFAIL_RETRY;
	cfg->timeout = 30;
}

int cmdline_parse(const char *cmdline, struct netswap_config *cfg,
		  struct cmdline_error *errs, int max_errs)
{
	struct report rep = { errs, errs && max_errs > 0 ? max_errs : 0, 0, 0 };
	const char *p = skip_spaces(cmdline ? cmdline : "");
	struct arg arg;

	if (rep.max)
		memset(errs, 0, (size_t)rep.max * sizeof(*errs));
	cmdline_defaults(cfg);
	while (*p) {
		p = next_arg(p, &arg);
		/* parse_args(): a bare "--" ends the kernel's arguments. */
		if (!arg.val && arg.plen == 2 && memcmp(arg.param, "--", 2) == 0)
			break;
		dispatch(&rep, &arg, cfg);
	}
	check_dhcp_servers(&rep, cfg);
	if (!cfg->root.fstype[0])
		memcpy(cfg->root.fstype, cfg->rootfstype, sizeof(cfg->root.fstype));
	return rep.nerrors;
}

int cmdline_parse_root_path(const char *root_path, struct root_spec *root,
			    struct cmdline_error *err)
{
	struct cmdline_error scratch;
	struct report rep = { err ? err : &scratch, 1, 0, 0 };
	struct arg_ctx a = { &rep, "root-path", "", 0, FORM_ROOT_PATH };
	char buf[VALUE_MAX];
	struct root_spec r;

	memset(rep.errs, 0, sizeof(*rep.errs));
	if (!root_path)
		root_path = "";
	a.value = root_path;
	a.value_len = strlen(root_path);
	if (!set_str(buf, sizeof(buf), root_path))
		return fail(&a, "root-path too long, expected at most %zu chars", sizeof(buf) - 1);
	if (parse_root(&a, buf, &r, true) < 0)
		return -1;
	*root = r;
	return rep.used ? 1 : 0;
}

void cmdline_error_format(const struct cmdline_error *e, char *buf, size_t len)
{
	if (!buf || len == 0)
		return;
	if (e->value[0])
		snprintf(buf, len, "%s=%s: %s", e->key, e->value, e->expected);
	else
		snprintf(buf, len, "%s: %s", e->key, e->expected);
}
