/* mirror.h - an md RAID1 over NBD devices (netswap=...:mirror=<name>), so
 * that a node keeps every page when one swap server dies for good.
 *
 * Built with the md ioctls, as `mdadm --build --assume-clean` would: no
 * superblock on the legs (nothing to assemble at the next boot: swap is
 * new at every boot) and marked clean, because md would otherwise copy one
 * leg onto the other first, and nobody reads a swap page before writing
 * it. The array is /dev/md_<name>, so /proc/mdstat names it. */
#ifndef NETSWAP_MIRROR_H
#define NETSWAP_MIRROR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/raid/md_u.h>

#include "config.h"

#define MIRROR_MAX_LEGS MAX_SWAPS

/* Pure: what SET_ARRAY_INFO gets for a clean, superblock-less RAID1 of
 * legs devices, its size taken from the smallest leg. */
void mirror_array_info(mdu_array_info_t *info, int legs);

/* Pure: what ADD_NEW_DISK gets for leg i (device dev): active and in
 * sync, in slot i. */
void mirror_disk_info(mdu_disk_info_t *disk, int i, dev_t dev);

/* Builds and starts md_<name> over the block devices legs[0..n) (paths),
 * or takes the one an earlier attempt of the swap step left, stopped and
 * built again (nothing was swapped to it). Fills path (/dev/md_<name>) and
 * *bytes (its size). 0, or -errno with *what naming the step that failed. */
int mirror_build(const char *name, const char *const legs[], int n,
		 char *path, size_t cap, uint64_t *bytes, const char **what);

#endif
