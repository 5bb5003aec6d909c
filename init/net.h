/* net.h - bringing the node's network up: links, DHCP or static address,
 * default route; what came of it is kept in struct net_state. */
#ifndef NETSWAP_NET_H
#define NETSWAP_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "config.h"

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
};

/* 0 when the network is up (or not wanted: ip=off), -1 after logging why. */
int net_up(const struct netswap_config *cfg, struct net_state *st);

#endif
