/* net.h - bringing the node's network up: links, DHCP or static address,
 * default route; what came of it is kept in struct net_state. */
#ifndef NETSWAP_NET_H
#define NETSWAP_NET_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "addr.h"
#include "config.h"
#include "dhcp.h"

struct net_state {
	bool up;
	char ifname[IFNAME_LEN];
	uint8_t mac[6];
	char mac_text[18];           /* 52-54-00-12-34-56, for ${mac} */
	char ip_text[16];            /* for ${ip} */
	struct in_addr addr, netmask, gateway;
	struct in_addr server;       /* DHCP server id, or next-server, or ip= server */
	char hostname[HOST_LEN];
	char root_path[NAME_LEN];    /* DHCP option 17 */
	int ifindex;
	char bootif[24];             /* 01-<mac> when BOOTIF= was given, for net-<if>.conf */
	struct dhcp_lease lease;     /* the DHCP ACK; type 0 after a static ip= */
	long lease_ms;               /* log_uptime_ms() when it came */
};

/* 0 when the network is up (or not wanted: ip=off), -1 after logging why. */
int net_up(const struct netswap_config *cfg, struct net_state *st);

/* host, or for a server named "dhcp" (is_dhcp) the one the network named
 * (net_state.server), as text in buf; NULL after logging, with what
 * naming the parameter, when there is none. */
const char *net_server_of(const struct net_state *st, const char *host, bool is_dhcp,
			  const char *what, char buf[IPV4_TEXT_LEN]);

/* Random bits for DHCP transaction ids and jitter; never blocks. */
uint32_t net_random_u32(void);

/* Adds addr/mask to the interface for good, or re-asserts it when it is
 * there (NLM_F_REPLACE: its sockets live on). Opens its own rtnetlink
 * socket when nl < 0. Returns 0 or -errno. */
int net_addr_set(int nl, int ifindex, struct in_addr addr, struct in_addr mask);

/* The default route via gw on the interface, added or replaced; proto
 * is RTPROT_DHCP or RTPROT_BOOT. nl < 0: its own socket. 0 or -errno. */
int net_default_route(int nl, int ifindex, struct in_addr gw, unsigned char proto);

/* Writes net-<ifname>.conf (dhcp_lease_format) into the directory dirfd
 * (/run/netswap) through a temporary file and rename(), so a reader never
 * sees half a file. Returns 0 or -errno. */
int net_conf_write(int dirfd, const char *ifname, const uint8_t mac[6], const char *bootif,
		   const struct dhcp_lease *l);

/* ---- the DHCP exchange, with a seam for tests/unit/test_net.c ---- */

#define MAX_IFACES 8

struct iface {
	char name[IFNAME_LEN];
	int index;
	uint8_t mac[6];
	bool carrier;
};

/* What the exchange does to the world; net.c's is an AF_PACKET socket per
 * interface, poll() and the boot clock. */
struct dhcp_io {
	int (*open)(const struct iface *ifc);          /* fd, or -1 with errno */
	void (*send)(int fd, const struct iface *ifc, const uint8_t *frame, size_t len);
	ssize_t (*recv)(int fd, uint8_t *frame, size_t cap, unsigned *flags);
	int (*wait)(struct pollfd *p, int n, int ms);
	long (*now_ms)(void);
	void (*close)(int fd);
	uint32_t (*random)(void);
};

/* DISCOVER/OFFER/REQUEST/ACK on every interface of ifs[0..n) at once;
 * a NAK starts that interface over. Returns the index of the interface
 * whose ACK came first (lease filled), or -1 when none came before
 * deadline (io->now_ms() clock), after logging why. */
int net_dhcp_exchange(const struct netswap_config *cfg, struct iface *ifs, int n,
		      long deadline, const struct dhcp_io *io, struct dhcp_lease *lease);
/* The interface a static ip= without a device uses. */
int net_static_pick(const struct iface *ifs, int n);

/* Runs the kernel's pending link event for ifname, which its worker may
 * never run on a node out of memory (net.c). 1 carrier up, 0 down,
 * -errno; *ran: the interface was not running before, though its carrier
 * was up. */
int net_link_sync(const char *ifname, bool *ran);

#endif
