/* root.c - the real root: an NBD export, an NFS export (v3 or v4, through
 * the kernel's own mount code: no helper binaries), or a local device;
 * with rootovl, that root read-only below an overlay on a tmpfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "fmt.h"
#include "kfile.h"
#include "log.h"
#include "root.h"

/* Tried in order when neither the root= fstype field nor rootfstype= names
 * one; only those the kernel has are attempted. */
static const char *const probe_fstypes[] = { "ext4", "ext3", "ext2", "xfs", "btrfs", "squashfs", "vfat" };

/* Under rootovl the root is the overlay's lower layer: never written, so
 * one export can serve every node and nothing a node does can corrupt it. */
static bool root_read_only(const struct netswap_config *cfg)
{
	return !cfg->root_rw || cfg->root_overlay;
}

static unsigned long root_flags(const struct netswap_config *cfg)
{
	return root_read_only(cfg) ? MS_RDONLY : 0;
}

static bool kernel_has_fs(const char *fstype)
{
	char buf[4096], needle[40];

	if (kfile_read(AT_FDCWD, "/proc/filesystems", buf, sizeof(buf)) <= 0)
		return true;
	bufprint(needle, sizeof(needle), "\t%s\n", fstype);
	return strstr(buf, needle) != NULL;
}

static int mount_device(const char *dev, const char *where, const char *fstype,
			unsigned long flags, const char *opts)
{
	if (fstype && fstype[0]) {
		if (mount(dev, where, fstype, flags, opts) == 0)
			return 0;
		err("root: mount %s (%s) on %s: %s; expected a %s file system there%s", dev, fstype,
		    where, strerror(errno), fstype,
		    kernel_has_fs(fstype) ? "" : " (this kernel has no such file system)");
		return -1;
	}
	for (size_t i = 0; i < sizeof(probe_fstypes) / sizeof(probe_fstypes[0]); i++)
		if (kernel_has_fs(probe_fstypes[i]) &&
		    mount(dev, where, probe_fstypes[i], flags, opts) == 0)
			return 0;
	err("root: %s holds no file system this kernel can mount; set rootfstype= or the root= fstype field",
	    dev);
	return -1;
}

/* Waits up to timeout seconds for a device node to appear. */
static int wait_device(const char *path, int timeout)
{
	struct stat st;

	for (int ms = 0; ms <= timeout * 1000; ms += 100) {
		if (stat(path, &st) == 0 && S_ISBLK(st.st_mode))
			return 0;
		usleep(100 * 1000);
	}
	err("root=%s: no such block device after netswap.timeout=%d s", path, timeout);
	return -1;
}

static int mount_nbd(const struct netswap_config *cfg, const struct root_spec *r,
		     const struct net_state *net, struct nbd_device *dev, const char *where)
{
	const struct nbd_want want = {
		.conns = 1,
		.io_timeout = r->nbd_timeout ? r->nbd_timeout : NBD_REQUEST_TIMEOUT_S,
		.read_only = root_read_only(cfg),
		.wait_s = cfg->timeout,
	};
	const char *fstype = r->fstype[0] ? r->fstype : cfg->rootfstype;
	const char *opts = r->mountopts[0] ? r->mountopts : cfg->rootflags;

	if (nbd_target_open(dev, &r->nbd, &want, net, "root=nbd") < 0)
		return -1;
	return mount_device(dev->path, where, fstype, root_flags(cfg), opts[0] ? opts : NULL);
}

/* NFS through mount(2): the kernel wants the server's address in addr=,
 * and has no lock daemon here, so v3 mounts use local locks. */
static int mount_nfs(const struct netswap_config *cfg, const struct root_spec *r,
		     const struct net_state *net, const char *where)
{
	char server[IPV4_TEXT_LEN], source[HOST_LEN + NAME_LEN + 4], opts[NAME_LEN + 96];
	const char *host = net_server_of(net, r->nfs_server, !strcmp(r->nfs_server, "dhcp"),
					 "root=nfs", server);
	const char *user = r->nfs_options[0] ? r->nfs_options : cfg->rootflags;
	bool v4_only = strstr(user, "vers=4") || strstr(user, "nfsvers=4");
	bool v3_only = strstr(user, "vers=3") || strstr(user, "nfsvers=3");
	bool v6 = host && strchr(host, ':');

	if (!host)
		return -1;
	bufprint(source, sizeof(source), v6 ? "[%s]:%s" : "%s:%s", host, r->nfs_path);
	if (!v3_only) {
		bufprint(opts, sizeof(opts), "addr=%s%s%s%s", host, v4_only ? "" : ",vers=4",
			 user[0] ? "," : "", user);
		if (mount(source, where, "nfs4", root_flags(cfg), opts) == 0)
			return 0;
		if (v4_only) {
			err("root=nfs:%s: NFSv4 mount failed: %s", source, strerror(errno));
			return -1;
		}
		info("root: NFSv4 mount of %s failed (%s), trying NFSv3", source, strerror(errno));
	}
	bufprint(opts, sizeof(opts), "addr=%s,nolock%s%s%s", host, v3_only ? "" : ",vers=3",
		 user[0] ? "," : "", user);
	if (mount(source, where, "nfs", root_flags(cfg), opts) == 0)
		return 0;
	err("root=nfs:%s: mount failed: %s; expected the server to export %s to this node",
	    source, strerror(errno), r->nfs_path);
	return -1;
}

static int mount_spec(const struct netswap_config *cfg, const struct root_spec *r,
		      const struct net_state *net, struct nbd_device *dev, const char *where)
{
	switch (r->kind) {
	case ROOT_NBD:
		return mount_nbd(cfg, r, net, dev, where);
	case ROOT_NFS:
		return mount_nfs(cfg, r, net, where);
	case ROOT_DEV:
		if (wait_device(r->device, cfg->timeout) < 0)
			return -1;
		return mount_device(r->device, where, cfg->rootfstype, root_flags(cfg),
				    cfg->rootflags[0] ? cfg->rootflags : NULL);
	case ROOT_DHCP: {
		struct root_spec from_dhcp;
		struct cmdline_error e;
		char line[400];

		if (!net->root_path[0]) {
			err("root=dhcp: the DHCP reply had no root-path (option 17); expected nbd:<server>:<port>/<export> or nfs:<server>:<path>");
			return -1;
		}
		if (cmdline_parse_root_path(net->root_path, &from_dhcp, &e) < 0) {
			cmdline_error_format(&e, line, sizeof(line));
			err("root=dhcp: DHCP root-path: %s", line);
			return -1;
		}
		if (from_dhcp.kind == ROOT_DHCP)
			return -1;
		return mount_spec(cfg, &from_dhcp, net, dev, where);
	}
	case ROOT_NONE:
		break;
	}
	err("root= is missing; expected root=nbd:<server>:<port>/<export>, root=nfs:<server>:<path>, root=/dev/<device> or root=dhcp");
	return -1;
}

/* A mount point already mounted (by an earlier attempt of the step). */
static bool is_mounted(const char *path, const char *parent)
{
	struct stat st, parent_st;

	return stat(path, &st) == 0 && stat(parent, &parent_st) == 0 &&
	       st.st_dev != parent_st.st_dev;
}

static int mkdir_at(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	err("root: mkdir %s: %s", path, strerror(errno));
	return -1;
}

/* The root on OVERLAY_LOWER, a tmpfs on OVERLAY_RW holding upper/ and
 * work/, and the overlay of both on NEWROOT. Both sit under /run, which
 * the pivot moves into the new root: they stay visible there, and under
 * /run/initramfs systemd counts them as the initramfs's and does not try
 * to unmount them before its final shutdown. */
static int mount_overlay(const struct netswap_config *cfg, const struct net_state *net,
			 struct nbd_device *dev)
{
	char opts[NAME_LEN];

	if (mkdir_at("/run/initramfs") < 0 || mkdir_at(OVERLAY_DIR) < 0 ||
	    mkdir_at(OVERLAY_LOWER) < 0 || mkdir_at(OVERLAY_RW) < 0)
		return -1;
	if (!is_mounted(OVERLAY_LOWER, OVERLAY_DIR) &&
	    mount_spec(cfg, &cfg->root, net, dev, OVERLAY_LOWER) < 0)
		return -1;
	bufprint(opts, sizeof(opts), "mode=0755%s%s", cfg->overlay_size[0] ? ",size=" : "",
		 cfg->overlay_size);
	if (!is_mounted(OVERLAY_RW, OVERLAY_DIR) &&
	    mount("netswap-overlay", OVERLAY_RW, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
		err("rootovl: mount tmpfs (%s) on %s: %s", opts, OVERLAY_RW, strerror(errno));
		return -1;
	}
	if (mkdir_at(OVERLAY_RW "/upper") < 0 || mkdir_at(OVERLAY_RW "/work") < 0)
		return -1;
	if (mount("overlay", NEWROOT, "overlay", 0,
		  "lowerdir=" OVERLAY_LOWER ",upperdir=" OVERLAY_RW "/upper,workdir=" OVERLAY_RW
		  "/work") == 0)
		return 0;
	err("rootovl: mount overlay on %s: %s%s", NEWROOT, strerror(errno),
	    kernel_has_fs("overlay") ? "" :
	    "; this kernel has no overlayfs (CONFIG_OVERLAY_FS): boot without rootovl, read-only");
	return -1;
}

int root_mount(const struct netswap_config *cfg, const struct net_state *net,
	       struct nbd_device *dev)
{
	mkdir(NEWROOT, 0755);
	if (is_mounted(NEWROOT, "/"))
		return 0; /* mounted by an earlier attempt */
	if (cfg->root_overlay)
		return mount_overlay(cfg, net, dev);
	return mount_spec(cfg, &cfg->root, net, dev, NEWROOT);
}
