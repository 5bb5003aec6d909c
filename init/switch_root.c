/* switch_root.c - the order of busybox/toybox switch_root: check first,
 * then move the API mounts, delete the initramfs (its pages are RAM the
 * node needs), move the new root over /, chroot and exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dirent_iter.h"
#include "fmt.h"
#include "log.h"
#include "switch_root.h"

static const char *const api_mounts[] = { "/dev", "/proc", "/sys", "/run" };

int switch_root_check(const char *newroot, const char *init)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	struct stat root_st, new_st;
	int dir, fd;

	if (stat("/", &root_st) < 0 || stat(newroot, &new_st) < 0 || root_st.st_dev == new_st.st_dev) {
		err("root: nothing is mounted on %s", newroot);
		return -1;
	}
	dir = open(newroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* Resolve init inside the new root: its absolute symlinks (such as
	 * /sbin/init -> /lib/systemd/systemd) point into it, not into ours. */
	fd = dir < 0 ? -1 : (int)syscall(SYS_openat2, dir, init, &how, sizeof(how));
	if (fd < 0 || faccessat(fd, "", X_OK, AT_EMPTY_PATH) < 0) {
		err("root: init=%s is missing or not executable on the new root; expected an executable such as /sbin/init",
		    init);
		if (fd >= 0)
			close(fd);
		if (dir >= 0)
			close(dir);
		return -1;
	}
	close(fd);
	close(dir);
	return 0;
}

struct tree {
	int dirfd;
	dev_t rootdev;
};

static void delete_entry(const char *name, void *ctx)
{
	const struct tree *t = ctx;
	struct stat st;

	if (fstatat(t->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != t->rootdev)
		return; /* not ours: a mount point such as the new root */
	if (S_ISDIR(st.st_mode)) {
		struct tree sub = { openat(t->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
				    t->rootdev };

		if (sub.dirfd >= 0) {
			dir_each(sub.dirfd, delete_entry, &sub);
			close(sub.dirfd);
		}
		unlinkat(t->dirfd, name, AT_REMOVEDIR);
	} else {
		unlinkat(t->dirfd, name, 0);
	}
}

/* Deletes the initramfs' files, staying on its own device. */
static void delete_tree(int dirfd, dev_t rootdev)
{
	struct tree t = { dirfd, rootdev };

	if (dirfd < 0)
		return;
	dir_each(dirfd, delete_entry, &t);
	close(dirfd);
}

static void move_api_mounts(const char *newroot)
{
	char target[128];

	for (size_t i = 0; i < sizeof(api_mounts) / sizeof(api_mounts[0]); i++) {
		bufprint(target, sizeof(target), "%s%s", newroot, api_mounts[i]);
		if (mount(api_mounts[i], target, NULL, MS_MOVE, NULL) < 0) {
			warn("root: cannot move %s to %s: %s; detaching it", api_mounts[i], target,
			     strerror(errno));
			umount2(api_mounts[i], MNT_DETACH);
		}
	}
}

static void reopen_console(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);

	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

void switch_root(const char *newroot, const char *init, char **argv)
{
	struct statfs sfs;
	struct stat st;

	if (statfs("/", &sfs) < 0 || (sfs.f_type != RAMFS_MAGIC && sfs.f_type != TMPFS_MAGIC)) {
		err("root: / is not the initramfs; not deleting anything");
		return;
	}
	if (stat("/", &st) < 0)
		return;
	move_api_mounts(newroot);
	if (chdir(newroot) < 0) {
		err("root: chdir %s: %s", newroot, strerror(errno));
		return;
	}
	delete_tree(open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), st.st_dev);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0) {
		err("root: cannot move %s over /: %s", newroot, strerror(errno));
		return;
	}
	reopen_console();
	argv[0] = (char *)init;
	execv(init, argv);
	err("root: exec %s: %s", init, strerror(errno));
}
