/* swap.h - the swap step: netswap= devices over NBD, turned into active swap. */
#ifndef NETSWAP_SWAP_H
#define NETSWAP_SWAP_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "nbd.h"
#include "net.h"

/* Pure: writes a version-1 swap header for a device of dev_bytes into
 * page (page_size bytes). Returns the number of usable pages, or -1 when
 * the device is too small (under SWAP_MIN_PAGES pages). */
#define SWAP_MIN_PAGES 10
long swap_header_encode(uint8_t *page, size_t page_size, uint64_t dev_bytes,
			const uint8_t uuid[16]);

/* The swap step: attaches each netswap= device of cfg into devs[i] over
 * NBD, joins the legs of each mirror= into an md RAID1 (mirror.h), puts
 * dm-crypt over a device or mirror that says encrypt, and turns it on (the
 * VM knobs for swapping over a network are set before the first). *done
 * counts the netswap= entries done (a mirror's legs with its first), so a
 * retry resumes with the one that failed. 0, or -1 after logging why. */
int swap_up(const struct netswap_config *cfg, const struct net_state *net,
	    struct nbd_device *devs, int *done);

#endif
