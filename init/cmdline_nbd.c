/* cmdline_nbd.c - netswap=, root= and the DHCP root-path (option 17):
 * servers, ports, export names and their options. Pure, as cmdline.c. */
#include "addr.h"
#include "cmdline_args.h"
#include "template.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- Servers, ports, export names ---------------------------------- */

/* Takes "<server>" from the front of *sp: IPv4 or dhcp, ended by ':' or
 * the end. *sp is left after the ':' or NULL at the end. */
static int take_server(const struct arg_ctx *a, char **sp, struct nbd_target *t)
{
	char *s = *sp, *end;

	/* Neither net.c nor nbd.c speaks IPv6 yet: say so rather than take
	 * a [v6] server that nothing could reach. */
	if (*s == '[') {
		end = strchr(s, ']');
		if (end)
			end[1] = '\0';
		return arg_fail(a, "IPv6 server " QFMT " is not supported yet (IPv4 only), " SERVER_EXPECTED,
			    QARG(s));
	}
	end = strchr(s, ':');
	*sp = end ? end + 1 : NULL;
	if (end)
		*end = '\0';
	if (!*s)
		return arg_fail(a, "empty server, " SERVER_EXPECTED);
	if (strcmp(s, "dhcp") == 0) {
		t->host_is_dhcp = true;
	} else {
		struct in_addr ip;

		if (!ipv4_parse(s, &ip))
			return arg_fail(a, "bad server " QFMT ", " SERVER_EXPECTED, QARG(s));
	}
	if (!set_str(t->host, sizeof(t->host), s))
		return arg_fail(a, "server address too long, expected at most %d chars", HOST_LEN - 1);
	return 0;
}

static int set_port(const struct arg_ctx *a, const char *s, struct nbd_target *t)
{
	int port;

	if (!parse_int_range(s, 1, 65535, &port))
		return arg_fail(a, "bad port " QFMT ", expected 1-65535", QARG(s));
	t->port = (uint16_t)port;
	return 0;
}

static int set_export(const struct arg_ctx *a, const char *name, struct nbd_target *t)
{
	char msg[160];

	if (!*name)
		return arg_fail(a, "empty export name");
	if (!set_str(t->export_name, sizeof(t->export_name), name))
		return arg_fail(a, "export name too long (%zu chars), expected at most %d",
			    strlen(name), NAME_LEN - 1);
	if (template_check(name, msg, sizeof(msg)) < 0)
		return arg_fail(a, "bad export name: %s", msg);
	return 0;
}

/* ---- netswap= ------------------------------------------------------- */

/* Similar options share one handler: an int in a range, a flag, or a name. */
enum swap_option_kind { OPT_INT, OPT_FLAG, OPT_NAME };

static const struct swap_option {
	const char *name;
	enum swap_option_kind kind;
	int min, max;     /* OPT_INT: the range; OPT_NAME: the length */
	size_t field;     /* offsetof(struct swap_spec, ...): int, bool or char[max + 1] */
} swap_options[] = {
	{ "prio", OPT_INT, -1, 32767, offsetof(struct swap_spec, prio) },
	{ "conns", OPT_INT, 1, MAX_CONNS, offsetof(struct swap_spec, conns) },
	{ "timeout", OPT_INT, 1, 86400, offsetof(struct swap_spec, timeout) },
	{ "encrypt", OPT_FLAG, 0, 0, offsetof(struct swap_spec, encrypt) },
	{ "mirror", OPT_NAME, 1, MIRROR_NAME_LEN - 1, offsetof(struct swap_spec, mirror) },
};


static const struct swap_option *swap_option_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(swap_options); i++)
		if (strlen(swap_options[i].name) == len &&
		    memcmp(swap_options[i].name, name, len) == 0)
			return &swap_options[i];
	return NULL;
}

/* A name becomes part of a device name (/dev/md_<name>): letters, digits,
 * '_' and '-' only. */
static bool name_valid(const char *s, int max)
{
	size_t n = strlen(s);

	if (n == 0 || n > (size_t)max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static int set_option_value(const struct arg_ctx *a, const struct swap_option *o,
			    const char *v, char *field)
{
	if (o->kind == OPT_NAME) {
		if (!name_valid(v, o->max))
			return arg_fail(a, "bad %s " QFMT ", expected %s=<name> of 1-%d letters, digits, _ or -",
				    o->name, QARG(v), o->name, o->max);
		set_str(field, (size_t)o->max + 1, v);
		return 0;
	}
	if (!parse_int_range(v, o->min, o->max, (int *)field))
		return arg_fail(a, "bad %s " QFMT ", expected %d-%d", o->name, QARG(v), o->min, o->max);
	return 0;
}

static int set_swap_option(const struct arg_ctx *a, char *item, struct swap_spec *sw)
{
	char *eq = strchr(item, '=');
	size_t len = eq ? (size_t)(eq - item) : strlen(item);
	const struct swap_option *o = swap_option_find(item, len);
	char *field;

	if (!*item)
		return arg_fail(a, "empty option, " SWAP_OPTIONS_EXPECTED);
	if (!o)
		return arg_fail(a, "unknown option '%.*s', " SWAP_OPTIONS_EXPECTED,
			    len > QUOTE_MAX ? QUOTE_MAX : (int)len, item);
	field = (char *)sw + o->field;
	if (o->kind == OPT_FLAG) {
		if (eq)
			return arg_fail(a, "option %s takes no value", o->name);
		*(bool *)field = true;
		return 0;
	}
	if (!eq && o->kind == OPT_NAME)
		return arg_fail(a, "option %s needs a value, expected %s=<name>", o->name, o->name);
	if (!eq)
		return arg_fail(a, "option %s needs a value, expected %s=<%d-%d>",
			    o->name, o->name, o->min, o->max);
	return set_option_value(a, o, eq + 1, field);
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
		return arg_fail(a, "expected 'nbd:' at the start");
	rest = v + 4;
	if (take_server(a, &rest, &sw->target) < 0)
		return -1;
	if (!rest || !*rest)
		return arg_fail(a, "missing port or export after the server");
	n = strcspn(rest, ":/");
	sep = rest[n];
	if (n == 0)
		return arg_fail(a, "empty port or export after the server");
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
			return arg_fail(a, "empty export name after '/'");
	} else if (sep == '/') {
		return arg_fail(a, "bad port '%.*s', expected 1-65535 before '/' (an export with '/' needs the port: nbd:<server>:10809/<export>)",
			    n > QUOTE_MAX ? QUOTE_MAX : (int)n, rest);
	} else {
		export = rest;
	}
	opts = split_options_field(export);
	if (!*export)
		return arg_fail(a, "empty export name before the options");
	if (opts && parse_swap_options(a, opts, sw) < 0)
		return -1;
	return set_export(a, export, &sw->target);
}

int handle_netswap(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	struct swap_spec sw;

	if (parse_swap(a, v, &sw) < 0)
		return -1;
	if (cfg->nswaps >= MAX_SWAPS)
		return arg_fail(a, "too many netswap= arguments, at most %d", MAX_SWAPS);
	cfg->swaps[cfg->nswaps++] = sw;
	return 0;
}

/* ---- mirror=: the legs of one md RAID1 ---------------------------- */

int cmdline_mirror_first(const struct netswap_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nswaps; i++)
		if (strcmp(cfg->swaps[i].mirror, name) == 0)
			return i;
	return -1;
}

/* One mirror, checked at its first device: two legs or more, and what
 * applies to the array as a whole (priority, encryption) the same on each. */
static void check_mirror(const struct arg_ctx *a, const struct netswap_config *cfg, int first)
{
	const struct swap_spec *f = &cfg->swaps[first];
	int legs = 0;

	for (int i = first; i < cfg->nswaps; i++) {
		const struct swap_spec *s = &cfg->swaps[i];

		if (strcmp(s->mirror, f->mirror) != 0)
			continue;
		legs++;
		if (s->prio != f->prio) {
			arg_fail(a, "mirror=%s: swaps %d and %d have different prio= (%d and %d); the mirror is one swap device, give its legs the same prio= or none",
				 f->mirror, first + 1, i + 1, f->prio, s->prio);
			return;
		}
		if (s->encrypt != f->encrypt) {
			arg_fail(a, "mirror=%s: encrypt on some legs only; the mirror is encrypted as a whole, give encrypt to every leg or to none",
				 f->mirror);
			return;
		}
	}
	if (legs < 2)
		arg_fail(a, "mirror=%s has one device, expected two or more netswap= with mirror=%s",
			 f->mirror, f->mirror);
}

void check_mirrors(struct report *rep, const struct netswap_config *cfg)
{
	struct arg_ctx a = { rep, "netswap", "", 0, NULL };

	for (int i = 0; i < cfg->nswaps; i++)
		if (cfg->swaps[i].mirror[0] && cmdline_mirror_first(cfg, cfg->swaps[i].mirror) == i)
			check_mirror(&a, cfg, i);
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
		return arg_fail(a, "too many nbd-client options, expected at most %d items",
			    (int)ARRAY_SIZE(items));
	n = drop_empty(items, n);
	for (int i = 0; i < n; i++) {
		const char *o = items[i];
		int args = 0;

		while (i + args + 1 < n && items[i + args + 1][0] != '-')
			args++;
		if (is_name_option(o)) {
			if (args != 1)
				return arg_fail(a, "nbd-client option %s needs one export name, expected %s,<export>", o, o);
			if (!set_str(export, size, items[i + 1]))
				return arg_fail(a, "export name too long, expected at most %d chars", NAME_LEN - 1);
		} else if (is_timeout_option(o)) {
			if (args != 1 || !parse_int_range(items[i + 1], 1, 86400, timeout))
				return arg_fail(a, "nbd-client option %s needs seconds, expected %s,<1-86400>", o, o);
		} else {
			arg_warn(a, "ignored nbd-client option " QFMT "%s: only -N/-name <export> and -t/-timeout <s> are used",
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
		return arg_fail(a, "missing port or export after the server");
	nf = split_fields(rest, ':', f, 4);
	if (nf < 0)
		return arg_fail(a, "too many ':' fields, expected at most <port>[/<export>]:<fstype>:<mountopts>:<nbdopts>");
	n = strcspn(f[0], "/");
	if (n == 0)
		return arg_fail(a, "empty port or export after the server");
	if (all_digits(f[0], n)) {
		bool slash = f[0][n] == '/';

		f[0][n] = '\0';
		if (set_port(a, f[0], &r->nbd) < 0)
			return -1;
		if (slash) {
			export = f[0] + n + 1;
			if (!*export)
				return arg_fail(a, "empty export name after '/'");
		}
	} else if (f[0][n] == '/') {
		return arg_fail(a, "bad port '%.*s', expected 1-65535 before '/'",
			    n > QUOTE_MAX ? QUOTE_MAX : (int)n, f[0]);
	} else {
		/* dracut: a non-numeric port field is the export name. */
		export = f[0];
	}
	if (nf > 1 && !set_str(r->fstype, sizeof(r->fstype), f[1]))
		return arg_fail(a, "fstype " QFMT " too long, expected at most %zu chars",
			    QARG(f[1]), sizeof(r->fstype) - 1);
	if (nf > 2 && !set_str(r->mountopts, sizeof(r->mountopts), f[2]))
		return arg_fail(a, "mount options too long, expected at most %zu chars",
			    sizeof(r->mountopts) - 1);
	if (nf > 3 && parse_nbdopts(a, f[3], named, sizeof(named), &r->nbd_timeout) < 0)
		return -1;
	if (named[0]) {
		if (export)
			return arg_fail(a, "export given twice: " QFMT " and by -N " QFMT,
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
			return arg_fail(a, "missing path after the NFS server, expected <server>:/<path>");
		set_str(r->nfs_server, sizeof(r->nfs_server), server.host);
	}
	opts = strchr(path, opt_sep);
	if (opts)
		*opts++ = '\0';
	if (path[0] != '/')
		return arg_fail(a, "NFS path " QFMT " is not absolute, expected /<path>", QARG(path));
	if (!set_str(r->nfs_path, sizeof(r->nfs_path), path))
		return arg_fail(a, "NFS path too long, expected at most %d chars", NAME_LEN - 1);
	if (opts && !set_str(r->nfs_options, sizeof(r->nfs_options), opts))
		return arg_fail(a, "NFS options too long, expected at most %d chars", NAME_LEN - 1);
	return 0;
}

int parse_root(const struct arg_ctx *a, char *v, struct root_spec *r, bool from_dhcp)
{
	memset(r, 0, sizeof(*r));
	if (!*v)
		return arg_fail(a, "empty root");
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
			return arg_fail(a, "device path too long, expected at most %d chars", NAME_LEN - 1);
		return 0;
	}
	return arg_fail(a, "unsupported root " QFMT, QARG(v));
}

int handle_root(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	struct root_spec r;

	if (parse_root(a, v, &r, false) < 0)
		return -1;
	cfg->root = r;
	return 0;
}

