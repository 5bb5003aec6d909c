/* swap.c - the swap step: each netswap= device attached over NBD (nbd.c),
 * the legs of a mirror joined in md RAID1 (mirror.c), the swap header (no
 * mkswap: it blocks on the entropy pool this early in boot), dm-crypt for
 * encrypted swap, swapon, and the VM knobs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cmdline.h"
#include "fmt.h"
#include "log.h"
#include "kfile.h"
#include "mirror.h"
#include "nbd.h"
#include "swap.h"

/* Layout of the kernel's union swap_header (include/linux/swap.h). */
#define SWAP_VERSION_OFFSET 1024
#define SWAP_SIGNATURE "SWAPSPACE2"

static void put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* native order: the kernel reads it in its own */
}

long swap_header_encode(uint8_t *page, size_t page_size, uint64_t dev_bytes,
			const uint8_t uuid[16])
{
	uint64_t pages = dev_bytes / page_size;

	if (pages < SWAP_MIN_PAGES)
		return -1;
	/* The header's last_page is 32 bits; larger devices use what fits. */
	if (pages > 0xffffffffull)
		pages = 0xffffffffull;
	memset(page, 0, page_size);
	put_u32(page + SWAP_VERSION_OFFSET, 1);                /* version */
	put_u32(page + SWAP_VERSION_OFFSET + 4, (uint32_t)(pages - 1)); /* last_page */
	put_u32(page + SWAP_VERSION_OFFSET + 8, 0);            /* nr_badpages */
	memcpy(page + SWAP_VERSION_OFFSET + 12, uuid, 16);     /* sws_uuid */
	memcpy(page + page_size - 10, SWAP_SIGNATURE, 10);
	return (long)pages;
}

static void random_bytes(void *buf, size_t len)
{
	/* GRND_INSECURE: never blocks; a swap UUID needs no secrecy. */
	if (getrandom(buf, len, 0x0004) != (ssize_t)len)
		memset(buf, 0x5a, len);
}

static int write_header(const char *path, uint64_t bytes)
{
	uint8_t page[65536], uuid[16];
	size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	long pages;
	int fd, rc = 0;

	random_bytes(uuid, sizeof(uuid));
	uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40); /* RFC 4122 version 4 */
	uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
	pages = swap_header_encode(page, psz, bytes, uuid);
	if (pages < 0) {
		err("%s: %llu bytes is too small for swap; expected at least %d pages (%zu KiB)",
		    path, (unsigned long long)bytes, SWAP_MIN_PAGES, SWAP_MIN_PAGES * psz / 1024);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (pwrite(fd, page, psz, 0) != (ssize_t)psz || fsync(fd) < 0) {
		err("%s: cannot write the swap header: %s", path, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

static int swap_enable(const char *path, uint64_t bytes, int prio)
{
	int flags = 0;

	if (write_header(path, bytes) < 0)
		return -1;
	if (prio >= 0)
		flags = SWAP_FLAG_PREFER | (prio & SWAP_FLAG_PRIO_MASK);
	if (swapon(path, flags) < 0) {
		err("%s: swapon: %s", path, strerror(errno));
		return -1;
	}
	info("%s: swap on, %llu MiB%s", path, (unsigned long long)(bytes >> 20),
	     prio >= 0 ? "" : ", default priority");
	return 0;
}

/* ---- dm-crypt through the device-mapper ioctls ---- */

struct dm_request {
	struct dm_ioctl io;
	char data[1024];
};

static void dm_init(struct dm_request *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->io.version[0] = DM_VERSION_MAJOR;
	r->io.version[1] = 0;
	r->io.version[2] = 0;
	r->io.data_size = sizeof(*r);
	r->io.data_start = sizeof(struct dm_ioctl);
	bufprint(r->io.name, sizeof(r->io.name), "%s", name);
}

static void hex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* Removes the mapping called name; 0 when it is gone (or never was). */
static int dm_remove(int ctl, const char *name)
{
	struct dm_request r;

	dm_init(&r, name);
	if (ioctl(ctl, DM_DEV_REMOVE, &r) < 0 && errno != ENXIO)
		return -errno;
	return 0;
}

static int swap_encrypt(const char *path, const char *name, uint64_t bytes, char *out, size_t cap)
{
	struct dm_request r;
	struct dm_target_spec *t;
	uint8_t key[64]; /* aes-xts with two 256-bit keys */
	char keyhex[129];
	int ctl, rc = 0;
	unsigned dev_minor;

	ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		mkdir("/dev/mapper", 0755);
		mknod("/dev/mapper/control", S_IFCHR | 0600, makedev(10, 236));
		ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
	}
	if (ctl < 0)
		return -errno;
	/* The key must be unpredictable: block until the pool is seeded. */
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		close(ctl);
		return -EIO;
	}
	hex(keyhex, key, sizeof(key));
	explicit_bzero(key, sizeof(key));

	/* A retry after a failed table load, header write or swapon finds the
	 * mapping of the attempt before: nothing was swapped to it, so it goes,
	 * and this attempt starts clean with a new key. */
	rc = dm_remove(ctl, name);
	if (rc < 0)
		goto out;
	dm_init(&r, name);
	if (ioctl(ctl, DM_DEV_CREATE, &r) < 0) {
		rc = -errno;
		goto out;
	}
	dev_minor = minor(r.io.dev);

	dm_init(&r, name);
	r.io.target_count = 1;
	t = (struct dm_target_spec *)r.data;
	t->sector_start = 0;
	t->length = bytes / 512;
	bufprint(t->target_type, sizeof(t->target_type), "crypt");
	bufprint((char *)(t + 1), sizeof(r.data) - sizeof(*t), "aes-xts-plain64 %s 0 %s 0",
		 keyhex, path);
	t->next = 0;
	if (ioctl(ctl, DM_TABLE_LOAD, &r) < 0) {
		rc = -errno;
		goto out;
	}
	dm_init(&r, name); /* DM_DEV_SUSPEND without the suspend flag resumes */
	if (ioctl(ctl, DM_DEV_SUSPEND, &r) < 0) {
		rc = -errno;
		goto out;
	}
	bufprint(out, cap, "/dev/dm-%u", dev_minor);
out:
	if (rc < 0)
		dm_remove(ctl, name);
	explicit_bzero(keyhex, sizeof(keyhex));
	explicit_bzero(&r, sizeof(r));
	close(ctl);
	return rc;
}

static int swap_decrypt(const char *name)
{
	int ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC), rc;

	if (ctl < 0)
		return errno == ENOENT ? 0 : -errno;
	rc = dm_remove(ctl, name);
	close(ctl);
	return rc;
}

/* ---- VM knobs ---- */

static void sysctl_write(const char *path, const char *value)
{
	if (kfile_write(AT_FDCWD, path, value, strlen(value)) < 0)
		warn("cannot set %s to %s", path, value);
}

/* zswap keeps compressed pages in RAM in front of the swap device and
 * writes a page out only when its pool is full: fewer bytes on the wire. It
 * sits above the block device, so with encryption pages are compressed
 * before dm-crypt sees them. Not having zswap costs speed, not the boot:
 * a write that fails is a warning. */
#define ZSWAP_PARAM "/sys/module/zswap/parameters/"

static void swap_zswap(enum zswap_mode mode, int pool_percent)
{
	char percent[12];

	if (pool_percent > 0) {
		bufprint(percent, sizeof(percent), "%d", pool_percent);
		sysctl_write(ZSWAP_PARAM "max_pool_percent", percent);
	}
	if (mode == ZSWAP_KERNEL)
		return;
	if (mode != ZSWAP_OFF)
		sysctl_write(ZSWAP_PARAM "compressor", zswap_mode_names[mode]);
	sysctl_write(ZSWAP_PARAM "enabled", mode == ZSWAP_OFF ? "N" : "Y");
	info("zswap %s", zswap_mode_names[mode]);
}

static void swap_tune_vm(void)
{
	struct sysinfo si;
	char value[24];
	unsigned long ram_kb = 0, reserve_kb;

	if (sysinfo(&si) == 0)
		ram_kb = (unsigned long)(si.totalram / 1024 * si.mem_unit);
	/* Writing a page out over NBD needs memory for the request's socket
	 * buffers and for receiving the server's reply. The kernel's default
	 * reserve (about sqrt(16 * RAM)) is under 1 MiB on small nodes; keep
	 * 1/32 of RAM, within 2..64 MiB, for PF_MEMALLOC work: reclaim, and
	 * the NBD sockets, which the kernel marks memalloc. */
	reserve_kb = ram_kb / 32;
	if (reserve_kb < 2048)
		reserve_kb = 2048;
	if (reserve_kb > 65536)
		reserve_kb = 65536;
	bufprint(value, sizeof(value), "%lu", reserve_kb);
	sysctl_write("/proc/sys/vm/min_free_kbytes", value);
	/* vm.page-cluster stays at the kernel's 3. Its readahead pages go
	 * out as separate page-sized requests that the server answers in
	 * parallel, where 0 waits a round trip per page: measured on a 64 MB
	 * node, 0 gave 5.9 MiB/s sequential and 6.8 random, 3 gave 12.8 and
	 * 7.8, every page verified (make bench has the side-by-side row). */
}

/* ---- the step ---- */

/* Encrypts if asked, and turns path (a device of bytes) into swap. i names
 * the dm-crypt mapping. */
static int swap_start(const char *path, uint64_t bytes, const struct swap_spec *s, int i)
{
	char mapped[32], name[24];
	int rc;

	if (!s->encrypt)
		return swap_enable(path, bytes, s->prio);
	bufprint(name, sizeof(name), "netswap-swap%d", i);
	rc = swap_encrypt(path, name, bytes, mapped, sizeof(mapped));
	if (rc < 0) {
		err("%s: encrypt: cannot set up dm-crypt: %s", path, strerror(-rc));
		return -1;
	}
	info("%s: encrypted with a per-boot key as %s", path, mapped);
	if (swap_enable(mapped, bytes, s->prio) < 0) {
		swap_decrypt(name); /* the retry starts clean */
		return -1;
	}
	return 0;
}

/* Attaches device i over NBD. A leg of a mirror waits for a reconnect only
 * as long as its request timeout T, then fails its I/O, which is what
 * makes md drop the leg and go on with the others. So md drops a dead
 * server's leg T after its connection is found dead (at once for a closed
 * connection, T/2 for a silent host, T for a hung server); a request that
 * began waiting just before that waits out its own T (the kernel does not
 * wake it), so one I/O waits at most the detection time plus 2T.
 * Measured: a killed server's leg dropped 10 s after with timeout=10
 * (tests/e2e/swap_mirror.sh). */
static int swap_attach(const struct netswap_config *cfg, const struct net_state *net,
		       struct nbd_device *dev, int i)
{
	const struct swap_spec *s = &cfg->swaps[i];
	const int t = s->timeout ? s->timeout : NBD_REQUEST_TIMEOUT_S;
	const struct nbd_want want = {
		.conns = s->conns,
		.io_timeout = t,
		.dead_conn_s = s->mirror[0] ? t : 0,
		.wait_s = s->timeout ? s->timeout : cfg->timeout,
	};

	return nbd_target_open(dev, &s->target, &want, net, "netswap=");
}

/* The mirror whose first leg is device first: every leg attached (a
 * retry keeps the legs attached before), md RAID1 over them, then swap. */
static int swap_mirror(const struct netswap_config *cfg, const struct net_state *net,
		       struct nbd_device *devs, int first)
{
	const char *name = cfg->swaps[first].mirror, *legs[MIRROR_MAX_LEGS], *what;
	char path[40];
	uint64_t bytes;
	int n = 0, rc;

	for (int i = first; i < cfg->nswaps; i++) {
		if (strcmp(cfg->swaps[i].mirror, name) != 0)
			continue;
		if (swap_attach(cfg, net, &devs[i], i) < 0)
			return -1;
		legs[n++] = devs[i].path;
	}
	rc = mirror_build(name, legs, n, path, sizeof(path), &bytes, &what);
	if (rc < 0) {
		err("mirror=%s: cannot build the md RAID1 over %d NBD devices: %s: %s%s",
		    name, n, what, strerror(-rc),
		    rc == -ENOENT ? " (expected a kernel with CONFIG_BLK_DEV_MD and CONFIG_MD_RAID1)" : "");
		return -1;
	}
	info("%s: mirror of %d NBD devices (%s, %s%s), %llu MiB", path, n, legs[0], legs[1],
	     n > 2 ? ", ..." : "", (unsigned long long)(bytes >> 20));
	return swap_start(path, bytes, &cfg->swaps[first], first);
}

/* Swap device i: a device of its own, or the whole mirror at its first
 * leg (the other legs are done then). */
static int swap_one(const struct netswap_config *cfg, const struct net_state *net,
		    struct nbd_device *devs, int i)
{
	const struct swap_spec *s = &cfg->swaps[i];

	if (s->mirror[0]) {
		if (cmdline_mirror_first(cfg, s->mirror) < i)
			return 0;
		return swap_mirror(cfg, net, devs, i);
	}
	if (swap_attach(cfg, net, &devs[i], i) < 0)
		return -1;
	return swap_start(devs[i].path, devs[i].exp.size, s, i);
}

int swap_up(const struct netswap_config *cfg, const struct net_state *net,
	    struct nbd_device *devs, int *done)
{
	if (cfg->nswaps && *done == 0) {
		swap_tune_vm();
		swap_zswap(cfg->zswap, cfg->zswap_pool);
	}
	while (*done < cfg->nswaps) {
		if (swap_one(cfg, net, devs, *done) < 0)
			return -1;
		(*done)++;
	}
	return 0;
}
