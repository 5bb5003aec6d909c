/* cmdline_ip.c - ip= (the kernel's nfsroot.rst forms and dracut's
 * <device>:dhcp) and BOOTIF= (pxelinux IPAPPEND 2). Pure, as cmdline.c. */
#include "addr.h"
#include "cmdline_args.h"
#include "template.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

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
		return arg_fail(a, "autoconf '%s' is not supported, expected dhcp or off", word);
	if (m == M_STATIC || m == M_OFF)
		return arg_fail(a, "autoconf '%s' needs a <client-ip> (to disable networking: ip=off)", word);
	return arg_fail(a, "unknown autoconf " QFMT ", " AUTOCONF_EXPECTED, QARG(word));
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
		return arg_fail(a, "hostname too long (%zu chars), expected at most %zu",
			    strlen(s), sizeof(ip->hostname) - 1);
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' || *c == '_'))
			return arg_fail(a, "bad hostname " QFMT ", expected letters, digits, '-', '_' and '.'", QARG(s));
	set_str(ip->hostname, sizeof(ip->hostname), s);
	return 0;
}

static int set_device(const struct arg_ctx *a, const char *s, struct ip_config *ip)
{
	if (strlen(s) >= sizeof(ip->device))
		return arg_fail(a, "device name " QFMT " too long, expected at most %zu chars",
			    QARG(s), sizeof(ip->device) - 1);
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == '/' || *c == 0x7f)
			return arg_fail(a, "bad device name " QFMT ", expected an interface like eth0", QARG(s));
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
	if (!ipv4_parse(s, &addr))
		return arg_fail(a, "bad %s " QFMT ", expected an IPv4 address a.b.c.d", fd->name, QARG(s));
	if (fd->type == F_NETMASK && !netmask_contiguous(addr))
		return arg_fail(a, "bad netmask " QFMT ", expected contiguous ones like 255.255.255.0", QARG(s));
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
		return arg_fail(a, "no netmask for client-ip %u.%u.%u.%u (class D/E), expected a <netmask> field",
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
		arg_warn(a, "ntp0 %s is ignored: netswap does not set the clock", f[9]);
	return 0;
}

static int parse_ip(const struct arg_ctx *a, char *v, struct ip_config *ip)
{
	char *f[IP_FIELDS];
	int n;

	memset(ip, 0, sizeof(*ip));
	if (!*v)
		return arg_fail(a, "empty value");
	if (!strchr(v, ':') && ip_method_find(v) != M_UNKNOWN)
		return set_ip_method(a, v, ip);
	n = split_fields(v, ':', f, IP_FIELDS);
	if (n < 0)
		return arg_fail(a, "too many fields, expected at most %d", IP_FIELDS);
	/* dracut's <device>:<autoconf>; a kernel-form second field is an address. */
	if (n == 2 && f[1][0] && !(f[1][0] >= '0' && f[1][0] <= '9')) {
		if (!*f[0])
			return arg_fail(a, "empty device before ':%s', expected <device>:dhcp", f[1]);
		if (set_device(a, f[0], ip) < 0)
			return -1;
		return set_ip_method(a, f[1], ip);
	}
	return parse_ip_kernel(a, f, n, ip);
}

int handle_ip(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	struct ip_config ip;

	if (parse_ip(a, v, &ip) < 0)
		return -1;
	cfg->ip = ip;
	return 0;
}

/* ---- BOOTIF= ---------------------------------------------------------- */

/* pxelinux IPAPPEND 2 writes the ARP hardware type first: 01 = Ethernet. */
int handle_bootif(const struct arg_ctx *a, char *v, struct netswap_config *cfg)
{
	uint8_t b[7];
	const uint8_t *mac = b;

	if (strlen(v) == 20 && hwaddr_parse(v, b, 7)) {
		if (b[0] != 1)
			return arg_fail(a, "hardware type %02x is not supported, expected 01 (Ethernet)", b[0]);
		mac = b + 1;
	} else if (!(strlen(v) == 17 && hwaddr_parse(v, b, 6))) {
		return arg_fail(a, "bad BOOTIF " QFMT ", expected an Ethernet MAC address", QARG(v));
	}
	/* No card has a group address: likely "01-" with a byte lost. */
	if (mac[0] & 1)
		return arg_fail(a, "BOOTIF " QFMT " is a multicast address, expected a network card's MAC", QARG(v));
	memcpy(cfg->bootif, mac, 6);
	cfg->have_bootif = true;
	return 0;
}

