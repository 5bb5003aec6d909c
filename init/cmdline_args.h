/* cmdline_args.h - what the three parts of the command-line parser share
 * (cmdline.c: the key table, the splitter, errors and the small keys;
 * cmdline_nbd.c: netswap=, root= and the DHCP root-path; cmdline_ip.c:
 * ip= and BOOTIF=). Internal to them: the rest of the init uses cmdline.h. */
#ifndef NETSWAP_CMDLINE_ARGS_H
#define NETSWAP_CMDLINE_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#include "cmdline.h"

/* x86 COMMAND_LINE_SIZE: no single argument can be longer. */
#define VALUE_MAX 2048

#define FORM_IP "dhcp, off, <device>:dhcp or <client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>[:<dns0>[:<dns1>]]"
#define FORM_BOOTIF "01-xx-xx-xx-xx-xx-xx (pxelinux IPAPPEND 2) or xx:xx:xx:xx:xx:xx"
#define FORM_NETSWAP "nbd:<server>:<port>[/<export>] or nbd:<server>:<export>, optional :prio=<n>,conns=<n>,timeout=<s>,encrypt,mirror=<name>"
#define FORM_ROOT "nbd:<server>:<port>[/<export>][:<fstype>[:<mountopts>[:<nbdopts>]]], nfs:[<server>:]<path>[:<options>], /dev/<name> or dhcp"
#define FORM_ROOT_PATH "nbd:..., nfs:... or [<server>:]<path>[,<options>]"
#define SERVER_EXPECTED "expected an IPv4 address or dhcp"
#define SWAP_OPTIONS_EXPECTED "expected prio=<n>, conns=<n>, timeout=<s>, encrypt or mirror=<name>"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Quote at most QUOTE_MAX bytes of s in a message: "'%.*s%s'". */
#define QUOTE_MAX 40
#define QFMT "'%.*s%s'"
#define QARG(s) (int)(strlen(s) > QUOTE_MAX ? QUOTE_MAX : strlen(s)), (s), \
	(strlen(s) > QUOTE_MAX ? "..." : "")

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

/* Records an error for the current argument; returns -1 for "return arg_fail(...)". */
__attribute__((format(printf, 2, 3)))
int arg_fail(const struct arg_ctx *a, const char *fmt, ...);
/* Records a warning: the argument is taken, part of it ignored. */
__attribute__((format(printf, 2, 3)))
void arg_warn(const struct arg_ctx *a, const char *fmt, ...);

bool all_digits(const char *s, size_t n);
bool parse_int_range(const char *s, long min, long max, int *out);
bool set_str(char *dst, size_t size, const char *src);
int split_fields(char *s, char sep, char **f, int max);

/* The handlers of the key table; 0, or -1 after recording an error. */
int handle_netswap(const struct arg_ctx *a, char *v, struct netswap_config *cfg);
int handle_root(const struct arg_ctx *a, char *v, struct netswap_config *cfg);
int handle_ip(const struct arg_ctx *a, char *v, struct netswap_config *cfg);
int handle_bootif(const struct arg_ctx *a, char *v, struct netswap_config *cfg);
/* After parsing: every mirror= name has two legs or more with the same
 * prio= and encrypt; errors are recorded under "netswap". */
void check_mirrors(struct report *rep, const struct netswap_config *cfg);
/* root= or a DHCP root-path (from_dhcp: nfsroot form allowed) into r. */
int parse_root(const struct arg_ctx *a, char *v, struct root_spec *r, bool from_dhcp);

#endif
