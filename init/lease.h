/* lease.h - the lease companion that renews the DHCP lease after the
 * pivot (lease.c). */
#ifndef NETSWAP_LEASE_H
#define NETSWAP_LEASE_H

#include "net.h"

/* Forks the companion when st holds a DHCP lease with an end; returns its
 * pid, 0 when there is nothing to renew (ip=off, static ip=, an infinite
 * lease), or -errno.
 * argv0 gets a leading '@' in the child. */
int lease_start(const struct net_state *st, char *argv0);
/* `init lease [<if>]` from the real root: renews the lease the init left
 * in /run/netswap/net-<if>.conf. Returns only on failure (1). */
int lease_main(int argc, char **argv);

#endif
