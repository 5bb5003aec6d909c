/* mirror.c - md RAID1 over the NBD legs of a mirror, through the md
 * ioctls of <linux/raid/md_u.h> (there is no mdadm in the initramfs). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/major.h> /* MD_MAJOR, which the md ioctl numbers use */
#include <linux/raid/md_p.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fmt.h"
#include "kfile.h"
#include "mirror.h"

/* Writing a name here creates the md device of that name (md.c,
 * add_named_array): the way md prefers to opening a /dev/mdN node. */
#define MD_NEW_ARRAY "/sys/module/md_mod/parameters/new_array"

void mirror_array_info(mdu_array_info_t *info, int legs)
{
	memset(info, 0, sizeof(*info));
	info->major_version = 0;     /* the only version ADD_NEW_DISK builds with */
	info->level = 1;
	info->size = 0;              /* KiB; 0: the smallest leg's (bind_rdev_to_array) */
	info->nr_disks = legs;
	info->raid_disks = legs;
	info->not_persistent = 1;    /* no superblock on the legs */
	info->state = 1 << MD_SB_CLEAN; /* no initial resync */
}

void mirror_disk_info(mdu_disk_info_t *disk, int i, dev_t dev)
{
	memset(disk, 0, sizeof(*disk));
	disk->number = i;
	disk->raid_disk = i;
	disk->major = (int)major(dev);
	disk->minor = (int)minor(dev);
	disk->state = (1 << MD_DISK_ACTIVE) | (1 << MD_DISK_SYNC);
}

/* Opens /dev/md_<name>, creating the array device first. */
static int md_open(const char *name, char *path, size_t cap)
{
	char md[MIRROR_NAME_LEN + 4];
	int n = bufprint(md, sizeof(md), "md_%s", name), rc, fd;

	rc = kfile_write(AT_FDCWD, MD_NEW_ARRAY, md, (size_t)n);
	if (rc < 0 && rc != -EEXIST)
		return rc;
	bufprint(path, cap, "/dev/%s", md);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int add_legs(int md, const char *const legs[], int n, const char **what)
{
	for (int i = 0; i < n; i++) {
		mdu_disk_info_t disk;
		struct stat st;

		*what = legs[i];
		if (stat(legs[i], &st) < 0)
			return -errno;
		if (!S_ISBLK(st.st_mode))
			return -ENOTBLK;
		mirror_disk_info(&disk, i, st.st_rdev);
		if (ioctl(md, ADD_NEW_DISK, &disk) < 0)
			return -errno;
	}
	return 0;
}

static int md_assemble(int md, const char *const legs[], int n, const char **what)
{
	mdu_array_info_t info;
	mdu_param_t param;
	int rc;

	/* An earlier attempt's array: stopped and built again, with the legs
	 * this attempt has (nothing was swapped to it: swapon came last). */
	if (ioctl(md, GET_ARRAY_INFO, &info) == 0 && ioctl(md, STOP_ARRAY, 0) < 0) {
		*what = "STOP_ARRAY of the earlier attempt's array";
		return -errno;
	}
	mirror_array_info(&info, n);
	*what = "SET_ARRAY_INFO";
	if (ioctl(md, SET_ARRAY_INFO, &info) < 0)
		return -errno;
	rc = add_legs(md, legs, n, what);
	if (rc < 0)
		return rc;
	memset(&param, 0, sizeof(param));
	*what = "RUN_ARRAY";
	return ioctl(md, RUN_ARRAY, &param) < 0 ? -errno : 0;
}

int mirror_build(const char *name, const char *const legs[], int n,
		 char *path, size_t cap, uint64_t *bytes, const char **what)
{
	int md, rc;

	*what = MD_NEW_ARRAY;
	md = md_open(name, path, cap);
	if (md < 0)
		return md;
	rc = md_assemble(md, legs, n, what);
	if (rc == 0 && ioctl(md, BLKGETSIZE64, bytes) < 0) {
		*what = "BLKGETSIZE64";
		rc = -errno;
	}
	if (rc < 0)
		ioctl(md, STOP_ARRAY, 0); /* the retry starts clean */
	close(md);
	return rc;
}
