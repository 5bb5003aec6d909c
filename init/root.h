/* root.h - mounting the real root on NEWROOT. */
#ifndef NETSWAP_ROOT_H
#define NETSWAP_ROOT_H

#include "config.h"
#include "nbd.h"
#include "net.h"

#define NEWROOT "/newroot"
/* rootovl: the root (lower) and the tmpfs (upper/, work/) of the overlay */
#define OVERLAY_DIR "/run/initramfs/netswap"
#define OVERLAY_LOWER OVERLAY_DIR "/lower"
#define OVERLAY_RW OVERLAY_DIR "/rw"

/* Mounts the root that cfg names on NEWROOT (with rootovl: read-only on
 * OVERLAY_LOWER, and an overlay with a tmpfs upper layer on NEWROOT); an NBD root is attached
 * into *dev (dev->index >= 0 then). 0, or -1 after logging why. */
int root_mount(const struct netswap_config *cfg, const struct net_state *net,
	       struct nbd_device *dev);

#endif
