/* swap.h - turning an attached NBD device into active swap. */
#ifndef NETSWAP_SWAP_H
#define NETSWAP_SWAP_H

#include <stddef.h>
#include <stdint.h>

/* Pure: writes a version-1 swap header for a device of dev_bytes into
 * page (page_size bytes). Returns the number of usable pages, or -1 when
 * the device is too small (under SWAP_MIN_PAGES pages). */
#define SWAP_MIN_PAGES 10
long swap_header_encode(uint8_t *page, size_t page_size, uint64_t dev_bytes,
			const uint8_t uuid[16]);

/* Puts dm-crypt (aes-xts-plain64, a random key that is never stored) over
 * path; writes the mapped device's path into out. 0 or -errno. */
int swap_encrypt(const char *path, const char *name, uint64_t bytes, char *out, size_t cap);

/* Removes the mapping swap_encrypt made (after a failed swapon, so that
 * the retry starts clean). 0 or -errno. */
int swap_decrypt(const char *name);

/* Header, then swapon with prio (-1: kernel default). 0 or -1 after
 * logging why. */
int swap_enable(const char *path, uint64_t bytes, int prio);

/* The VM knobs for swapping over a network, set once. */
void swap_tune_vm(void);

#endif
