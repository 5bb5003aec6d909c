/* template.c - expand ${mac} ${ip} ${hostname} in export names.
 *
 * Pure: no allocation, no system calls. See template.h for the syntax.
 */
#include "fmt.h"
#include "template.h"

#include <stdio.h>
#include <string.h>

enum { VAR_MAC, VAR_IP, VAR_HOSTNAME, VAR_COUNT };

static const char *const var_names[VAR_COUNT] = {
	[VAR_MAC] = "mac",
	[VAR_IP] = "ip",
	[VAR_HOSTNAME] = "hostname",
};

#define VARS_EXPECTED "${mac}, ${ip} or ${hostname}"

/* A run of literal text (var < 0) or one variable reference. */
struct piece {
	const char *text;  /* literal text, or the variable name */
	size_t len;
	int var;
	size_t offset;     /* where the piece starts in the template */
};

static int var_lookup(const char *name, size_t len)
{
	for (int i = 0; i < VAR_COUNT; i++)
		if (strlen(var_names[i]) == len && memcmp(var_names[i], name, len) == 0)
			return i;
	return -1;
}

/* Returns 1 with the next piece, 0 at the end, or a negative template_err
 * with p describing the offending text. */
static int next_piece(const char *t, size_t *pos, struct piece *p)
{
	const char *s = t + *pos;
	const char *close;

	p->offset = *pos;
	if (*s == '\0')
		return 0;
	if (s[0] != '$' || s[1] != '{') {
		const char *v = strstr(s + 1, "${");
		p->text = s;
		p->len = v ? (size_t)(v - s) : strlen(s);
		p->var = -1;
		*pos += p->len;
		return 1;
	}
	close = strchr(s + 2, '}');
	p->text = s + 2;
	if (!close) {
		p->len = strlen(s + 2);
		return TEMPLATE_EUNTERMINATED;
	}
	p->len = (size_t)(close - (s + 2));
	p->var = var_lookup(p->text, p->len);
	if (p->var < 0)
		return TEMPLATE_EUNKNOWN;
	*pos += p->len + 3;
	return 1;
}

static const char *var_value(const struct template_vars *v, int var)
{
	if (!v)
		return NULL;
	switch (var) {
	case VAR_MAC: return v->mac;
	case VAR_IP: return v->ip;
	case VAR_HOSTNAME: return v->hostname;
	}
	return NULL;
}

int template_expand(const char *tmpl, const struct template_vars *v,
		    char *out, size_t outlen)
{
	struct piece p;
	size_t pos = 0, n = 0;
	int rc;

	if (!tmpl || !out)
		return TEMPLATE_EINVAL;
	if (outlen == 0)
		return TEMPLATE_ETOOLONG;
	while ((rc = next_piece(tmpl, &pos, &p)) > 0) {
		const char *text = p.text;
		size_t len = p.len;

		if (p.var >= 0) {
			text = var_value(v, p.var);
			if (!text || !*text) {
				rc = TEMPLATE_EMISSING;
				break;
			}
			len = strlen(text);
		}
		if (len >= outlen - n) {
			rc = TEMPLATE_ETOOLONG;
			break;
		}
		memcpy(out + n, text, len);
		n += len;
	}
	if (rc < 0) {
		out[0] = '\0';
		return rc;
	}
	out[n] = '\0';
	return (int)n;
}

int template_check(const char *tmpl, char *msg, size_t msglen)
{
	struct piece p;
	size_t pos = 0;
	int rc, vars = 0;

	if (!tmpl)
		return TEMPLATE_EINVAL;
	while ((rc = next_piece(tmpl, &pos, &p)) > 0)
		if (p.var >= 0)
			vars++;
	if (rc == 0)
		return vars;
	if (msg && msglen > 0) {
		/* Show at most 32 bytes of the name: enough to spot a typo. */
		int shown = p.len > 32 ? 32 : (int)p.len;
		const char *more = p.len > 32 ? "..." : "";

		if (rc == TEMPLATE_EUNKNOWN)
			bufprint(msg, msglen, "unknown variable ${%.*s%s}, expected " VARS_EXPECTED,
				 shown, p.text, more);
		else
			bufprint(msg, msglen, "unterminated '${%.*s%s' at offset %zu, expected " VARS_EXPECTED,
				 shown, p.text, more, p.offset);
	}
	return rc;
}

void template_format_mac(const uint8_t mac[6], char out[18])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 6; i++) {
		out[i * 3] = hex[mac[i] >> 4];
		out[i * 3 + 1] = hex[mac[i] & 0xf];
		out[i * 3 + 2] = i < 5 ? '-' : '\0';
	}
}

const char *template_strerror(int err)
{
	switch (err) {
	case TEMPLATE_EINVAL: return "no template";
	case TEMPLATE_EUNKNOWN: return "unknown variable, expected " VARS_EXPECTED;
	case TEMPLATE_EUNTERMINATED: return "unterminated '${', expected ${name}";
	case TEMPLATE_ETOOLONG: return "expanded name too long";
	case TEMPLATE_EMISSING: return "variable has no value on this machine";
	}
	return "unknown template error";
}
