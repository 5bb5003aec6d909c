/* template.h - export names that differ per machine.
 *
 * One nbd-server can hold a swap export per node; the command line names
 * them once for all nodes, e.g. netswap=nbd:10.0.0.1:swap-${mac}, and the
 * init fills in this machine's values after DHCP.
 *
 * Variables: ${mac} (52-54-00-12-34-56, see template_format_mac), ${ip}
 * (dotted quad), ${hostname}. Names are case-sensitive. Only "${" starts a
 * variable; a lone '$' is literal. There is no escape for a literal "${".
 */
#ifndef NETSWAP_TEMPLATE_H
#define NETSWAP_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

struct template_vars {
	const char *mac;
	const char *ip;
	const char *hostname;
};

enum template_err {
	TEMPLATE_EINVAL = -1,        /* NULL template or output */
	TEMPLATE_EUNKNOWN = -2,      /* ${name} that is not mac, ip or hostname */
	TEMPLATE_EUNTERMINATED = -3, /* "${" without a closing '}' */
	TEMPLATE_ETOOLONG = -4,      /* result does not fit in outlen (with NUL) */
	TEMPLATE_EMISSING = -5,      /* variable used but its value is NULL or "" */
};

/* Expands tmpl into out. Returns the length written (without the NUL) or a
 * negative enum template_err; on error out holds "" (when outlen > 0). */
int template_expand(const char *tmpl, const struct template_vars *v,
		    char *out, size_t outlen);

/* Checks syntax and variable names without values. Returns the number of
 * variables used (>= 0) or a negative enum template_err, and then writes
 * a one-line message naming the problem and what was expected into msg
 * (when msg is not NULL and msglen > 0). */
int template_check(const char *tmpl, char *msg, size_t msglen);

/* Lowercase, dash-separated: the form users write in nbd-server export
 * names (swap-52-54-00-12-34-56), free of ':' which our command-line
 * syntax uses as a separator. */
void template_format_mac(const uint8_t mac[6], char out[18]);

/* A short phrase for a negative enum template_err. */
const char *template_strerror(int err);

#endif
