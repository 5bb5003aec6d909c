/* nbd.c - NBD client: connect, handshake (nbd_proto.c), hand the sockets to
 * the kernel through the generic-netlink "nbd" family (or the old ioctls),
 * and keep them alive.
 *
 * The keeper must work when the machine is out of memory, because that is
 * exactly when the kernel is writing pages to the server. It is forked
 * before the pivot, locks itself in memory, preallocates all it uses and
 * only talks to the kernel and the server. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/nbd-netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "nbd.h"
#include "netlink.h"

/* How long the kernel queues I/O for a dead connection, waiting for the
 * keeper to hand it a new one, before failing it. Failing swap I/O kills
 * processes, so this is long: a storage server reboot must fit in it. */
#define DEAD_CONN_TIMEOUT_S 3600

/* The old ioctl interface (include/uapi/linux/nbd.h), spelled out here
 * because that header's flag macros clash with nbd_proto.h's. */
#define NBD_SET_SOCK        _IO(0xab, 0)
#define NBD_SET_BLKSIZE     _IO(0xab, 1)
#define NBD_DO_IT           _IO(0xab, 3)
#define NBD_SET_SIZE_BLOCKS _IO(0xab, 7)
#define NBD_SET_TIMEOUT     _IO(0xab, 9)
#define NBD_SET_FLAGS       _IO(0xab, 10)
#define RECONNECT_MIN_MS 250
#define RECONNECT_MAX_MS 5000

struct sock_io {
	int fd;
	int wait_ms;
};

static int wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int rc;

	do
		rc = poll(&p, 1, ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return -ETIMEDOUT;
	return rc < 0 ? -errno : 0;
}

static int sock_read_full(void *ctx, void *buf, size_t len)
{
	struct sock_io *s = ctx;
	char *p = buf;

	while (len) {
		ssize_t n;
		int rc = wait_fd(s->fd, POLLIN, s->wait_ms);

		if (rc)
			return rc;
		n = recv(s->fd, p, len, 0);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sock_write_full(void *ctx, const void *buf, size_t len)
{
	struct sock_io *s = ctx;
	const char *p = buf;

	while (len) {
		ssize_t n;
		int rc = wait_fd(s->fd, POLLOUT, s->wait_ms);

		if (rc)
			return rc;
		n = send(s->fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sock_address(const char *host, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		*len = sizeof(*v4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		*len = sizeof(*v6);
		return 0;
	}
	return -EINVAL;
}

/* Dead-peer detection. A server that dies without a FIN (power off, a
 * pulled cable, a link gone dead) must be noticed in well under a minute,
 * or the node's processes wait on swap that never comes. Three clocks, all
 * derived from the request timeout T (timeout=, default
 * NBD_REQUEST_TIMEOUT_S = 30 s):
 * - TCP_USER_TIMEOUT T/2: data sent and not acknowledged for that long
 *   (retransmissions, or a zero window) kills the socket. It counts only
 *   while retransmitting, so a slow link that acknowledges is never hit.
 * - keepalive after T/3 idle, probes every T/6, bounded by the user
 *   timeout: a dead peer of an idle device is found in T/2 too.
 * - the kernel's per-request timeout T: the one clock that sees a server
 *   whose TCP is alive but whose process is not (SIGSTOP, a hung disk).
 *   On expiry NBD marks the socket dead and requeues the request; with
 *   dead_conn_timeout the I/O then waits for the keeper's reconnect.
 * The request clock starts when NBD takes the request, before it is sent,
 * so on a slow link it also counts the time spent queued behind the other
 * requests. TCP_NOTSENT_LOWAT bounds that queue: NBD's send blocks (its
 * request's clock running, the others' not yet started) once 128 KiB wait
 * unsent in a socket, instead of several MiB of autotuned send buffer.
 * Measured at 1 Mbit/s, conns=4 (tests/bench/slow_link.sh): see README. */
#define NOTSENT_LOWAT_BYTES (128 * 1024)

static void socket_tune(int fd, int timeout_s)
{
	int one = 1, lowat = NOTSENT_LOWAT_BYTES, cnt = 3;
	int idle = timeout_s / 3 > 1 ? timeout_s / 3 : 1;
	int intvl = timeout_s / 6 > 1 ? timeout_s / 6 : 1;
	unsigned user_ms = (unsigned)timeout_s * 500;

	/* Requests are small and latency-bound. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_ms, sizeof(user_ms));
	setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
}

/* A connected, non-blocking TCP socket, or -errno. */
static int tcp_connect(const char *host, uint16_t port, int wait_ms, int timeout_s)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc;

	if (sock_address(host, port, &ss, &len))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	socket_tune(fd, timeout_s);
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
		rc = -errno;
		goto fail;
	}
	rc = wait_fd(fd, POLLOUT, wait_ms);
	if (!rc) {
		socklen_t rl = sizeof(rc);
		int soerr = 0;

		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &rl);
		rc = -soerr;
	}
	if (rc)
		goto fail;
	return fd;
fail:
	close(fd);
	return rc;
}

/* Connects and negotiates one socket; quiet selects debug-level logging,
 * for the keeper's retries. Returns the fd or a negative result. */
static int nbd_connect_one(struct nbd_device *dev, int wait_ms, bool quiet)
{
	char msg[320];
	struct sock_io s = { .wait_ms = wait_ms };
	struct nbd_io io = { sock_read_full, sock_write_full, &s };
	int rc;

	s.fd = tcp_connect(dev->host, dev->port, wait_ms, dev->io_timeout);
	if (s.fd < 0) {
		if (!quiet)
			err("nbd %s:%u: cannot connect: %s; expected an NBD server listening there",
			    dev->host, dev->port, strerror(-s.fd));
		return NBD_ERR_IO;
	}
	rc = nbd_negotiate(&io, dev->export_name, &dev->exp, msg, sizeof(msg));
	if (rc < 0) {
		close(s.fd);
		if (!quiet || rc != NBD_ERR_IO)
			err("nbd %s:%u export '%s': %s", dev->host, dev->port, dev->export_name, msg);
		return rc;
	}
	debug("nbd %s:%u: %s", dev->host, dev->port, msg);
	return s.fd;
}

static int genl_family_id(int nl, const char *name)
{
	struct nl_msg m;
	struct genlmsghdr *g;
	union {
		struct nlmsghdr hdr;
		char buf[1024];
	} reply;
	const struct nlattr *id;
	int len;

	nl_start(&m, GENL_ID_CTRL, 0);
	g = nl_reserve(&m, GENL_HDRLEN);
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	nl_put_str(&m, CTRL_ATTR_FAMILY_NAME, name);
	len = nl_talk(nl, &m, &reply, sizeof(reply));
	if (len <= 0)
		return len < 0 ? len : -ENOENT;
	id = nl_find(reply.buf + NLMSG_HDRLEN + GENL_HDRLEN,
		     (size_t)len - NLMSG_HDRLEN - GENL_HDRLEN, CTRL_ATTR_FAMILY_ID);
	if (!id)
		return -ENOENT;
	return *(const uint16_t *)((const char *)id + NLA_HDRLEN);
}

static void nbd_msg_start(struct nl_msg *m, int family, uint8_t cmd)
{
	struct genlmsghdr *g;

	nl_start(m, (uint16_t)family, 0);
	g = nl_reserve(m, GENL_HDRLEN);
	g->cmd = cmd;
	g->version = NBD_GENL_VERSION;
}

static void put_sockets(struct nl_msg *m, const int *fds, int n)
{
	struct nlattr *socks = nl_nest_start(m, NBD_ATTR_SOCKETS);

	for (int i = 0; i < n; i++) {
		struct nlattr *item = nl_nest_start(m, NBD_SOCK_ITEM);

		nl_put_u32(m, NBD_SOCK_FD, (uint32_t)fds[i]);
		nl_nest_end(m, item);
	}
	nl_nest_end(m, socks);
}

/* The block size the kernel gets: the server's minimum, at least 512 (the
 * kernel's smallest), and at most a page (the kernel's largest). */
static uint32_t kernel_block_size(const struct nbd_export *e)
{
	uint32_t bs = e->min_block < 512 ? 512 : e->min_block;

	return bs;
}

static void backend_id(const struct nbd_device *dev, char *buf, size_t cap)
{
	snprintf(buf, cap, "netswap:%s:%u/%s", dev->host, dev->port, dev->export_name);
}

static int genl_connect(struct nbd_device *dev, int nfds)
{
	union {
		struct nlmsghdr hdr;
		char buf[1024];
	} reply;
	struct nl_msg m;
	const struct nlattr *index;
	char backend[HOST_LEN + NAME_LEN + 20];
	uint64_t flags = dev->exp.flags | (dev->read_only ? NBD_FLAG_READ_ONLY : 0);
	int nl = nl_open(NETLINK_GENERIC), family, len;

	if (nl < 0)
		return nl;
	family = genl_family_id(nl, NBD_GENL_FAMILY_NAME);
	if (family < 0) {
		close(nl);
		return family;
	}
	backend_id(dev, backend, sizeof(backend));
	nbd_msg_start(&m, family, NBD_CMD_CONNECT);
	nl_put_u64(&m, NBD_ATTR_SIZE_BYTES, dev->exp.size);
	nl_put_u64(&m, NBD_ATTR_BLOCK_SIZE_BYTES, kernel_block_size(&dev->exp));
	nl_put_u64(&m, NBD_ATTR_SERVER_FLAGS, flags);
	nl_put_u64(&m, NBD_ATTR_TIMEOUT, (uint64_t)dev->io_timeout);
	nl_put_u64(&m, NBD_ATTR_DEAD_CONN_TIMEOUT, DEAD_CONN_TIMEOUT_S);
	nl_put_str(&m, NBD_ATTR_BACKEND_IDENTIFIER, backend);
	put_sockets(&m, dev->fds, nfds);
	len = nl_talk(nl, &m, &reply, sizeof(reply));
	close(nl);
	if (len <= 0)
		return len < 0 ? len : -EPROTO;
	index = nl_find(reply.buf + NLMSG_HDRLEN + GENL_HDRLEN,
			(size_t)len - NLMSG_HDRLEN - GENL_HDRLEN, NBD_ATTR_INDEX);
	if (!index)
		return -EPROTO;
	dev->index = (int)*(const uint32_t *)((const char *)index + NLA_HDRLEN);
	return 0;
}

/* Old kernels without the netlink family: ioctls, and a child that sits
 * in NBD_DO_IT for as long as the device lives. No reconnects there. */
static int ioctl_connect(struct nbd_device *dev)
{
	char path[24];
	int fd = -1, i;
	pid_t pid;

	for (i = 0; i < 16 && fd < 0; i++) {
		snprintf(path, sizeof(path), "/dev/nbd%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && ioctl(fd, NBD_SET_SOCK, dev->fds[0]) < 0) {
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0)
		return -ENODEV;
	dev->index = i - 1;
	ioctl(fd, NBD_SET_BLKSIZE, (unsigned long)kernel_block_size(&dev->exp));
	ioctl(fd, NBD_SET_SIZE_BLOCKS, (unsigned long)(dev->exp.size / kernel_block_size(&dev->exp)));
	ioctl(fd, NBD_SET_FLAGS, (unsigned long)(dev->exp.flags | (dev->read_only ? NBD_FLAG_READ_ONLY : 0)));
	if (dev->io_timeout)
		ioctl(fd, NBD_SET_TIMEOUT, (unsigned long)dev->io_timeout);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_NAME, "@nbd-doit");
		mlockall(MCL_CURRENT | MCL_FUTURE);
		prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0); /* as the keeper, below */
		ioctl(fd, NBD_DO_IT);
		_exit(0);
	}
	close(fd);
	return pid < 0 ? -errno : 0;
}

/* The server's largest request, if smaller than the kernel's, caps the
 * requests the kernel builds (proto.md: a client that asked for block
 * sizes must honour them; with our patched kernel requests are a page). */
static void honour_max_block(const struct nbd_device *dev)
{
	char path[64], val[16];
	int fd, n;

	if (!dev->exp.block_sizes_advertised || dev->exp.max_block >= (1u << 30))
		return;
	snprintf(path, sizeof(path), "/sys/block/nbd%d/queue/max_sectors_kb", dev->index);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = snprintf(val, sizeof(val), "%u", dev->exp.max_block / 1024 ? dev->exp.max_block / 1024 : 1);
	if (write(fd, val, (size_t)n) < 0)
		debug("nbd%d: max_sectors_kb=%s not taken: %s", dev->index, val, strerror(errno));
	close(fd);
}

int nbd_attach(struct nbd_device *dev, int wait_s)
{
	int rc, n;

	for (n = 0; n < dev->conns; n++) {
		rc = nbd_connect_one(dev, wait_s * 1000, false);
		if (rc < 0)
			goto fail;
		dev->fds[n] = rc;
		if (n == 0 && nbd_export_conns(&dev->exp, dev->conns) < dev->conns) {
			warn("nbd %s:%u export '%s' allows one connection (no NBD_FLAG_CAN_MULTI_CONN); using 1, not conns=%d",
			     dev->host, dev->port, dev->export_name, dev->conns);
			dev->conns = 1;
		}
	}
	if (!dev->read_only && nbd_export_read_only(&dev->exp)) {
		err("nbd %s:%u export '%s' is read-only; swap needs a writable export (check the server's readonly setting)",
		    dev->host, dev->port, dev->export_name);
		rc = NBD_ERR_REFUSED;
		goto fail;
	}
	if (kernel_block_size(&dev->exp) > 4096) {
		err("nbd %s:%u export '%s' wants blocks of at least %u bytes; the kernel handles at most 4096",
		    dev->host, dev->port, dev->export_name, dev->exp.min_block);
		rc = NBD_ERR_PROTO;
		goto fail;
	}
	rc = genl_connect(dev, n);
	if (rc == -ENOENT) {
		warn("no nbd netlink family in this kernel; using the ioctl interface (no reconnects)");
		rc = ioctl_connect(dev);
	}
	if (rc < 0) {
		err("nbd: the kernel refused the connection to %s:%u: %s", dev->host, dev->port,
		    strerror(-rc));
		goto fail;
	}
	snprintf(dev->path, sizeof(dev->path), "/dev/nbd%d", dev->index);
	honour_max_block(dev);
	info("%s: %s:%u export '%s', %llu MiB, %d connection(s)%s", dev->path, dev->host,
	     dev->port, dev->export_name, (unsigned long long)(dev->exp.size >> 20), dev->conns,
	     dev->exp.used_export_name_fallback ? " (old server: NBD_OPT_EXPORT_NAME)" : "");
	return 0;
fail:
	while (n-- > 0)
		close(dev->fds[n]);
	return rc;
}

/* ---- the keeper ---- */

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int genl_reconfigure(int nl, int family, const struct nbd_device *dev, int fd)
{
	struct nl_msg m;
	char backend[HOST_LEN + NAME_LEN + 20];

	backend_id(dev, backend, sizeof(backend));
	nbd_msg_start(&m, family, NBD_CMD_RECONFIGURE);
	nl_put_u32(&m, NBD_ATTR_INDEX, (uint32_t)dev->index);
	nl_put_str(&m, NBD_ATTR_BACKEND_IDENTIFIER, backend);
	put_sockets(&m, &fd, 1);
	return nl_talk(nl, &m, NULL, 0);
}

/* Replaces the dead connection in slot i, retrying with backoff until the
 * server is back. The kernel holds the I/O meanwhile. */
static void keeper_reconnect(int nl, int family, struct nbd_device *dev, int i)
{
	long delay = RECONNECT_MIN_MS, t0 = now_ms();
	int tries = 0;

	close(dev->fds[i]);
	dev->fds[i] = -1;
	warn("keeper: %s connection %d to %s:%u lost; reconnecting", dev->path, i, dev->host,
	     dev->port);
	for (;;) {
		int fd = nbd_connect_one(dev, 5000, true), rc;

		tries++;
		if (fd >= 0) {
			rc = genl_reconfigure(nl, family, dev, fd);
			if (rc == 0) {
				dev->fds[i] = fd;
				info("keeper: %s connection %d back after %ld ms (%d tries)", dev->path,
				     i, now_ms() - t0, tries);
				return;
			}
			close(fd);
			warn("keeper: %s: the kernel refused the new connection: %s", dev->path,
			     strerror(-rc));
		}
		usleep((useconds_t)delay * 1000);
		delay = delay * 2 > RECONNECT_MAX_MS ? RECONNECT_MAX_MS : delay * 2;
	}
}

static void keeper_loop(struct nbd_device *devs, int n)
{
	struct pollfd pfd[MAX_NBD_DEVICES * MAX_CONNS];
	int owner[MAX_NBD_DEVICES * MAX_CONNS][2];
	int nl = nl_open(NETLINK_GENERIC), family = nl < 0 ? -1 : genl_family_id(nl, "nbd");

	for (;;) {
		int k = 0;

		for (int d = 0; d < n; d++)
			for (int i = 0; i < devs[d].conns; i++) {
				pfd[k] = (struct pollfd){ .fd = devs[d].fds[i], .events = POLLRDHUP };
				owner[k][0] = d;
				owner[k][1] = i;
				k++;
			}
		if (poll(pfd, (nfds_t)k, -1) < 0)
			continue;
		for (int j = 0; j < k; j++)
			if (pfd[j].revents & (POLLRDHUP | POLLHUP | POLLERR))
				keeper_reconnect(nl, family, &devs[owner[j][0]], owner[j][1]);
	}
}

/* Touch a generous stack now so that no later call faults it in. */
static void prefault_stack(void)
{
	volatile char pad[128 * 1024];

	for (size_t i = 0; i < sizeof(pad); i += 4096)
		pad[i] = 0;
}

int nbd_keeper_start(struct nbd_device *devs, int n, char *argv0)
{
	pid_t pid = fork();
	int fd;

	if (pid != 0)
		return pid < 0 ? -errno : pid;
	/* '@' first: systemd's shutdown leaves such processes alone, so swap
	 * and root stay reachable until the kernel no longer needs them. */
	argv0[0] = '@';
	prctl(PR_SET_NAME, "@netswap-keeper");
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "-1000", 5);
		close(fd);
	}
	setsid();
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	prefault_stack();
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		warn("keeper: mlockall: %s", strerror(errno));
	/* A reconnect sends on a new socket, and the kernel memory for that
	 * may be found by reclaim, which writes pages out to swap: to the very
	 * device that waits for this reconnect. server_restart.sh hung so,
	 * the keeper in tcp_sendmsg -> try_to_free_pages -> nbd_queue_rq.
	 * As an I/O flusher its allocations never start I/O (GFP_NOIO). */
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) < 0)
		warn("keeper: PR_SET_IO_FLUSHER: %s; a reconnect under memory pressure may hang",
		     strerror(errno));
	keeper_loop(devs, n);
	_exit(0);
}
