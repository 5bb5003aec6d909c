/* cmdline.c - the kernel command line as netswap reads it: the key table,
 * the splitter, recording errors, the small keys. netswap=, root= and the
 * DHCP root-path are in cmdline_nbd.c, ip= and BOOTIF= in cmdline_ip.c.
 *
 * Pure: no allocation, no system calls, no global mutable state. The
 * syntax is documented in cmdline.h; the kernel's own rules are quoted
 * where we follow them (lib/cmdline.c next_arg(), net/ipv4/ipconfig.c,
 * Documentation/admin-guide/nfs/nfsroot.rst).
 */
#include "cmdline_args.h"
#include "fmt.h"
#include "template.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- Recording errors ---------------------------------------------- */

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
	rc = vbufprint(x, size, fmt, ap);
	n = rc < 0 ? 0 : (size_t)rc;
	if (a->form && n < size - 1) {
		rc = bufprint(x + n, size - n, " (form: %s)", a->form);
		n += rc < 0 ? 0 : (size_t)rc;
		if (n >= size)
			memcpy(x + size - 5, "...)", 5);
	} else if (n >= size) {
		memcpy(x + size - 4, "...", 4);
	}
}

/* Records an error for the current argument; returns -1 for "return arg_fail(...)". */
__attribute__((format(printf, 2, 3)))
int arg_fail(const struct arg_ctx *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(a, false, fmt, ap);
	va_end(ap);
	return -1;
}

__attribute__((format(printf, 2, 3)))
void arg_warn(const struct arg_ctx *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(a, true, fmt, ap);
	va_end(ap);
}

/* ---- Small parsers ------------------------------------------------- */

bool all_digits(const char *s, size_t n)
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
bool parse_int_range(const char *s, long min, long max, int *out)
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

/* Copies src when it fits with its NUL; truncating would change meaning. */
bool set_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

/* Splits s in place at each sep into at most max fields; -1 if more. */
int split_fields(char *s, char sep, char **f, int max)
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

/* ---- The small keys -------------------------------------------------- */

static int handle_rootfstype(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (!*v)
		return arg_fail(a, "empty filesystem type");
	if (!set_str(cfg->rootfstype, sizeof(cfg->rootfstype), v))
		return arg_fail(a, "filesystem type too long, expected at most %zu chars",
			    sizeof(cfg->rootfstype) - 1);
	return 0;
}

static int handle_rootflags(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (!set_str(cfg->rootflags, sizeof(cfg->rootflags), v))
		return arg_fail(a, "mount options too long, expected at most %zu chars",
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

/* rootovl (dracut's name), rootovl=1|0, or rootovl=<size> for the upper
 * tmpfs: <digits>[k|m|g|%], as tmpfs's size= takes it. */
static bool overlay_size_valid(const char *v)
{
	size_t n = strspn(v, "0123456789");

	if (n == 0 || n > 10 || strspn(v, "0") == n) /* tmpfs reads size=0 as no limit */
		return false;
	return v[n] == '\0' || (strchr("kKmMgG%", v[n]) && v[n + 1] == '\0');
}

static int handle_rootovl(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (!v || strcmp(v, "1") == 0) {
		cfg->root_overlay = true;
		cfg->overlay_size[0] = '\0';
	} else if (strcmp(v, "0") == 0) {
		cfg->root_overlay = false;
	} else if (overlay_size_valid(v)) {
		cfg->root_overlay = true;
		set_str(cfg->overlay_size, sizeof(cfg->overlay_size), v);
	} else {
		return arg_fail(a, "bad value " QFMT ", expected 1, 0 or the upper tmpfs size <n>[k|m|g|%%]",
				QARG(v));
	}
	return 0;
}

static int handle_init(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (v[0] != '/')
		return arg_fail(a, "init " QFMT " is not an absolute path, expected /<path>", QARG(v));
	if (!set_str(cfg->init, sizeof(cfg->init), v))
		return arg_fail(a, "path too long, expected at most %zu chars", sizeof(cfg->init) - 1);
	return 0;
}

/* The index of v among names[0..n) (a NULL entry never matches), or -1:
 * the word tables below are indexed by their enum. */
static int name_index(const char *const names[], size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

static const char *const onfail_names[] = {
	[ONFAIL_RETRY] = "retry", [ONFAIL_SHELL] = "shell", [ONFAIL_REBOOT] = "reboot",
};

static int handle_onfail(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	int i = name_index(onfail_names, ARRAY_SIZE(onfail_names), v);

	if (i < 0)
		return arg_fail(a, "unknown policy " QFMT ", expected retry, shell or reboot", QARG(v));
	cfg->onfail = (enum onfail)i;
	return 0;
}

static int handle_timeout(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (!parse_int_range(v, 1, 3600, &cfg->timeout))
		return arg_fail(a, "bad timeout " QFMT ", expected 1-3600 seconds", QARG(v));
	return 0;
}

static int handle_debug(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (!v || strcmp(v, "1") == 0)
		cfg->debug = true;
	else if (strcmp(v, "0") == 0)
		cfg->debug = false;
	else
		return arg_fail(a, "bad value " QFMT ", expected 0 or 1", QARG(v));
	return 0;
}

const char *const zswap_mode_names[ZSWAP_MODES] = {
	[ZSWAP_OFF] = "off", [ZSWAP_LZ4] = "lz4", [ZSWAP_ZSTD] = "zstd",
};

static int handle_zswap(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	int i = name_index(zswap_mode_names, ZSWAP_MODES, v);

	if (i < 0)
		return arg_fail(a, "unknown compressor " QFMT ", expected off, lz4 or zstd", QARG(v));
	cfg->zswap = (enum zswap_mode)i;
	return 0;
}

static int handle_zswap_pool(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	if (!parse_int_range(v, 1, 90, &cfg->zswap_pool))
		return arg_fail(a, "bad pool size " QFMT ", expected 1-90 (percent of RAM)", QARG(v));
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
	{ "rootovl", ARG_EITHER, "rootovl, rootovl=0|1 or rootovl=<size>[k|m|g|%]", handle_rootovl },
	{ "init", ARG_VALUE, "init=/<path>", handle_init },
	{ "netswap.onfail", ARG_VALUE, "netswap.onfail=retry|shell|reboot", handle_onfail },
	{ "netswap.timeout", ARG_VALUE, "netswap.timeout=<1-3600>", handle_timeout },
	{ "netswap.debug", ARG_EITHER, "netswap.debug or netswap.debug=0|1", handle_debug },
	{ "netswap.zswap", ARG_VALUE, "netswap.zswap=off|lz4|zstd", handle_zswap },
	{ "netswap.zswap_pool", ARG_VALUE, "netswap.zswap_pool=<1-90>", handle_zswap_pool },
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
	arg_fail(&a, "unknown key, expected netswap.onfail, netswap.timeout, netswap.debug, "
		 "netswap.zswap or netswap.zswap_pool");
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
		arg_fail(&a, "missing value");
		return;
	}
	if (arg->val && k->form == ARG_BARE) {
		arg_fail(&a, "takes no value");
		return;
	}
	if (arg->val && arg->vlen >= sizeof(buf)) {
		arg_fail(&a, "value too long (%zu chars), expected at most %zu", arg->vlen, sizeof(buf) - 1);
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
			arg_fail(&a, "swap %d has server 'dhcp', which needs ip=dhcp (ip= is static or off)", i + 1);
	a.key = "root";
	if (r->kind == ROOT_DHCP)
		arg_fail(&a, "root=dhcp needs ip=dhcp (ip= is static or off)");
	else if ((r->kind == ROOT_NBD && r->nbd.host_is_dhcp) ||
		 (r->kind == ROOT_NFS && strcmp(r->nfs_server, "dhcp") == 0))
		arg_fail(&a, "root server 'dhcp' needs ip=dhcp (ip= is static or off)");
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
	check_mirrors(&rep, cfg);
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
		return arg_fail(&a, "root-path too long, expected at most %zu chars", sizeof(buf) - 1);
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
		bufprint(buf, len, "%s=%s: %s", e->key, e->value, e->expected);
	else
		bufprint(buf, len, "%s: %s", e->key, e->expected);
}
