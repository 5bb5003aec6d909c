/* addr.h - the text forms of IPv4 and link-layer (MAC) addresses, both
 * ways, for the command line, the lease file and the log. Pure. */
#ifndef NETSWAP_ADDR_H
#define NETSWAP_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

/* The one dotted-quad formatter of the init ("10.0.2.15"): writes into
 * buf, unlike inet_ntoa's shared static buffer, and returns it. */
#define IPV4_TEXT_LEN 16
const char *ipv4_text(struct in_addr a, char buf[IPV4_TEXT_LEN]);

/* A dotted quad, decimal parts 0-255 of 1-3 digits (the kernel's in_aton
 * reads leading zeros as decimal too), and nothing after it. */
bool ipv4_parse(const char *s, struct in_addr *out);

/* Reads count hex byte pairs separated by one kind of '-' or ':' (a MAC
 * as BOOTIF=, sysfs or net-<if>.conf write it) and nothing after them. */
bool hwaddr_parse(const char *s, uint8_t *out, int count);

#endif
