/* nbd.c - NBD client: connect, handshake (nbd_proto.c), hand the sockets to
 * the kernel through the generic-netlink "nbd" family,
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
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"
#include "keeper.h"
#include "kfile.h"
#include "helper.h"
#include "log.h"
#include "metrics.h"
#include "nbd.h"
#include "netlink.h"
#include "template.h"

/* How long the kernel queues I/O for a dead connection, waiting for the
 * keeper to hand it a new one, before failing it. Failing swap I/O kills
 * processes, so this is long: a storage server reboot must fit in it.
 * A leg of a mirror asks for less (nbd_want.dead_conn_s): there a failed
 * request is what tells md to go on with the other leg. */
#define DEAD_CONN_TIMEOUT_S 3600


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

/* Moves len bytes in (POLLIN) or out (POLLOUT), waiting at most wait_ms
 * for each step: the handshake must not hang on a server that went silent. */
static int sock_transfer(struct sock_io *s, char *p, size_t len, short dir)
{
	while (len) {
		ssize_t n;
		int rc = wait_fd(s->fd, dir, s->wait_ms);

		if (rc)
			return rc;
		n = dir == POLLIN ? recv(s->fd, p, len, 0) : send(s->fd, p, len, MSG_NOSIGNAL);
		if (n == 0 && dir == POLLIN)
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

static int sock_read_full(void *ctx, void *buf, size_t len)
{
	return sock_transfer(ctx, buf, len, POLLIN);
}

/* send() only reads the buffer; sock_transfer takes it non-const for recv(). */
static int sock_write_full(void *ctx, const void *buf, size_t len)
{
	return sock_transfer(ctx, (char *)buf, len, POLLOUT);
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
 * Measured over 1 Mbit/s each way with conns=4 on 2 CPUs, 240 s of
 * swapping: with T = 30 s no request timed out and the keeper never
 * reconnected; with timeout=10 requests did time out (the kernel's
 * timeout work then stalled behind a blocked send: a hung-task report
 * after 123 s), so 30 s is about 3x the queueing such a link shows
 * (tests/bench/slow_link.sh). A dead link was noticed after 15 s
 * (tests/e2e/link_dead.sh). */
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
	/* A connection with few segments in flight (the root's, between
	 * program loads) gets no duplicate ACKs when one is lost behind the
	 * swap connections' full queue at a slow link: only the RTO resends
	 * it, and the RTO doubles each time. Linear timeouts for such thin
	 * streams keep its first six retries at one RTO each. */
	setsockopt(fd, IPPROTO_TCP, TCP_THIN_LINEAR_TIMEOUTS, &one, sizeof(one));
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
static int nbd_connect_one(const struct nbd_device *dev, struct nbd_export *exp, int wait_ms,
			   bool quiet)
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
	rc = nbd_negotiate(&io, dev->export_name, exp, msg, sizeof(msg));
	if (rc < 0) {
		close(s.fd);
		if (!quiet || rc != NBD_ERR_IO)
			err("nbd %s:%u export '%s': %s", dev->host, dev->port, dev->export_name, msg);
		return rc;
	}
	debug("nbd %s:%u: %s", dev->host, dev->port, msg);
	return s.fd;
}

/* The id of the multicast group called name in a CTRL_ATTR_MCAST_GROUPS
 * nest, or -ENOENT. */
static int mcast_group_id(const struct nlattr *groups, const char *name)
{
	const char *p = (const char *)groups + NLA_HDRLEN;
	size_t left = groups->nla_len - NLA_HDRLEN;

	while (left >= NLA_HDRLEN) {
		const struct nlattr *g = (const struct nlattr *)p;
		size_t len = NLA_ALIGN(g->nla_len);
		const struct nlattr *n, *id;

		if (g->nla_len < NLA_HDRLEN || g->nla_len > left)
			break;
		n = nl_find(p + NLA_HDRLEN, g->nla_len - NLA_HDRLEN, CTRL_ATTR_MCAST_GRP_NAME);
		id = nl_find(p + NLA_HDRLEN, g->nla_len - NLA_HDRLEN, CTRL_ATTR_MCAST_GRP_ID);
		if (n && id && strcmp((const char *)n + NLA_HDRLEN, name) == 0)
			return (int)*(const uint32_t *)((const char *)id + NLA_HDRLEN);
		if (len > left)
			break;
		p += len;
		left -= len;
	}
	return -ENOENT;
}

/* The generic-netlink family id of name; with mcast, also the id of its
 * multicast group called mcast into *group. */
static int genl_family(int nl, const char *name, const char *mcast, int *group)
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
	if ((size_t)len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EPROTO;
	id = nl_find(reply.buf + NLMSG_HDRLEN + GENL_HDRLEN,
		     (size_t)len - NLMSG_HDRLEN - GENL_HDRLEN, CTRL_ATTR_FAMILY_ID);
	if (!id)
		return -ENOENT;
	if (mcast) {
		const struct nlattr *groups = nl_find(reply.buf + NLMSG_HDRLEN + GENL_HDRLEN,
						      (size_t)len - NLMSG_HDRLEN - GENL_HDRLEN,
						      CTRL_ATTR_MCAST_GROUPS);

		*group = groups ? mcast_group_id(groups, mcast) : -ENOENT;
	}
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

/* The kernel's NBD_CMD_RECONFIGURE takes a socket only for the same
 * backend: the export name, not the address, so that a 'dhcp' server that
 * moved is still the same backend. */
static void backend_id(const struct nbd_device *dev, char *buf, size_t cap)
{
	bufprint(buf, cap, "netswap:%s", dev->export_name);
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
	family = genl_family(nl, NBD_GENL_FAMILY_NAME, NULL, NULL);
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
	nl_put_u64(&m, NBD_ATTR_DEAD_CONN_TIMEOUT,
		   (uint64_t)(dev->dead_conn_s ? dev->dead_conn_s : DEAD_CONN_TIMEOUT_S));
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

/* The server's largest request, if smaller than the kernel's, caps the
 * requests the kernel builds (proto.md: a client that asked for block
 * sizes must honour them; with our patched kernel requests are a page). */
static void honour_max_block(const struct nbd_device *dev)
{
	char path[64], val[16];
	int n, rc;

	if (!dev->exp.block_sizes_advertised || dev->exp.max_block >= (1u << 30))
		return;
	bufprint(path, sizeof(path), "/sys/block/nbd%d/queue/max_sectors_kb", dev->index);
	n = bufprint(val, sizeof(val), "%u", dev->exp.max_block / 1024 ? dev->exp.max_block / 1024 : 1);
	rc = kfile_write(AT_FDCWD, path, val, (size_t)n);
	if (rc < 0)
		debug("nbd%d: max_sectors_kb=%s not taken: %s", dev->index, val, strerror(-rc));
}

/* Connects dev->conns sockets, negotiates, hands them to the kernel.
 * wait_s bounds the connect and handshake. Returns 0, or a negative
 * enum nbd_result / -errno after logging what was wrong. */
static int nbd_attach(struct nbd_device *dev, int wait_s)
{
	int rc, n;

	for (n = 0; n < dev->conns; n++) {
		rc = nbd_connect_one(dev, &dev->exp, wait_s * 1000, false);
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
	/* The old ioctl interface cannot hand a device a new socket: a swap
	 * on it dies with its first lost connection, so it is not offered. */
	if (rc == -ENOENT)
		err("nbd: this kernel has no \"nbd\" generic netlink family (NBD_CMD_CONNECT, Linux 4.12 or later); netswap does not use the ioctls, which cannot reconnect");
	else if (rc < 0)
		err("nbd: the kernel refused the connection to %s:%u: %s", dev->host, dev->port,
		    strerror(-rc));
	if (rc < 0)
		goto fail;
	bufprint(dev->path, sizeof(dev->path), "/dev/nbd%d", dev->index);
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


int nbd_target_open(struct nbd_device *dev, const struct nbd_target *t,
		    const struct nbd_want *want, const struct net_state *net, const char *what)
{
	struct template_vars vars = { net->mac_text, net->ip_text, net->hostname };
	char server[IPV4_TEXT_LEN];
	const char *host;

	if (dev->index >= 0)
		return 0;
	host = net_server_of(net, t->host, t->host_is_dhcp, what, server);
	if (!host)
		return -1;
	memset(dev, 0, sizeof(*dev));
	dev->index = -1;
	bufprint(dev->host, sizeof(dev->host), "%s", host);
	dev->host_is_dhcp = t->host_is_dhcp;
	bufprint(dev->ifname, sizeof(dev->ifname), "%s", net->ifname);
	dev->port = t->port;
	dev->conns = want->conns;
	dev->io_timeout = want->io_timeout;
	dev->dead_conn_s = want->dead_conn_s;
	dev->read_only = want->read_only;
	if (template_expand(t->export_name, &vars, dev->export_name, sizeof(dev->export_name)) < 0) {
		err("%s: export '%s' needs ${mac}, ${ip} or ${hostname}, which this node does not have",
		    what, t->export_name);
		return -1;
	}
	if (nbd_attach(dev, want->wait_s) < 0) {
		dev->index = -1;
		return -1;
	}
	return 0;
}


/* ---- the keeper ---- */

/* One connect and handshake of the keeper: short, because a device whose
 * server is gone delays the other devices' attempts by this much. */
#define KEEPER_CONNECT_MS 3000

struct keeper_nl {
	int nl;     /* requests */
	int family;
	int rundir; /* /run/netswap, wherever the pivot moved it */
};

static int keeper_resolve(void *ctx, struct nbd_device *dev)
{
	const struct keeper_nl *k = ctx;
	char path[64], text[2048], host[HOST_LEN];
	ssize_t n;

	bufprint(path, sizeof(path), "net-%s.conf", dev->ifname);
	n = kfile_read(k->rundir, path, text, sizeof(text));
	if (n < 0)
		return (int)n;
	if (keeper_lease_server(text, host, sizeof(host)) < 0)
		return -ENOENT;
	if (strcmp(host, dev->host) != 0) {
		notice("keeper: %s: server 'dhcp' is now %s (was %s), from %s/%s", dev->path, host,
		       dev->host, RUN_DIR, path);
		bufprint(dev->host, sizeof(dev->host), "%s", host);
	}
	return 0;
}

static int keeper_connect(void *ctx, struct nbd_device *dev, struct nbd_export *exp, bool quiet)
{
	bool ran;

	(void)ctx;
	/* A link that came back must carry packets again (net_link_sync) */
	if (dev->ifname[0] && net_link_sync(dev->ifname, &ran) == 1 && ran)
		notice("keeper: %s: carrier up, interface not running: ran the kernel's pending link event",
		       dev->ifname);
	return nbd_connect_one(dev, exp, KEEPER_CONNECT_MS, quiet);
}

static int keeper_reconfigure(void *ctx, const struct nbd_device *dev, int fd)
{
	struct keeper_nl *k = ctx;
	struct nl_msg m;
	struct timeval tv = { 0, 0 };
	socklen_t len = sizeof(tv);
	char backend[NAME_LEN + 16];
	int rc;

	backend_id(dev, backend, sizeof(backend));
	nbd_msg_start(&m, k->family, NBD_CMD_RECONFIGURE);
	nl_put_u32(&m, NBD_ATTR_INDEX, (uint32_t)dev->index);
	nl_put_str(&m, NBD_ATTR_BACKEND_IDENTIFIER, backend);
	put_sockets(&m, &fd, 1);
	rc = nl_talk(k->nl, &m, NULL, 0);
	if (rc < 0)
		return rc;
	/* The kernel answers 0 also when no connection was dead and it did
	 * not take the socket (nbd_genl_reconfigure turns -ENOSPC into 0). A
	 * socket it took got the request timeout as its send timeout. */
	if (getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) < 0 || (!tv.tv_sec && !tv.tv_usec))
		return -ENOSPC;
	return 0;
}

static void keeper_close(void *ctx, int fd)
{
	(void)ctx;
	close(fd);
}

static long keeper_clock(void *ctx)
{
	(void)ctx;
	return log_uptime_ms();
}

/* Reads the kernel's NBD_CMD_LINK_DEAD notices; -ENOBUFS when some were
 * dropped (then every device is probed). */
static int read_link_events(int ev, struct keeper *k)
{
	union {
		struct nlmsghdr hdr;
		char buf[4096];
	} in;
	ssize_t n = recv(ev, in.buf, sizeof(in.buf), MSG_DONTWAIT);
	struct nlmsghdr *h;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	for (h = &in.hdr; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		const struct genlmsghdr *g = NLMSG_DATA(h);
		const struct nlattr *index;

		if (h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN || g->cmd != NBD_CMD_LINK_DEAD)
			continue;
		index = nl_find((const char *)g + GENL_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
				NBD_ATTR_INDEX);
		if (index && index->nla_len >= NLA_HDRLEN + 4)
			keeper_link_dead(k, (int)*(const uint32_t *)((const char *)index + NLA_HDRLEN),
					 log_uptime_ms());
	}
	return 0;
}

/* A netlink socket in the nbd family's multicast group, or -errno. */
static int open_link_events(int nl, int *family)
{
	int group = -ENOENT, ev;

	*family = genl_family(nl, NBD_GENL_FAMILY_NAME, NBD_GENL_MCAST_GROUP_NAME, &group);
	if (*family < 0)
		return *family;
	if (group < 0)
		return group;
	ev = nl_open(NETLINK_GENERIC);
	if (ev < 0)
		return ev;
	if (setsockopt(ev, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
		close(ev);
		return -errno;
	}
	return ev;
}

/* The kernel's notices (ev), then our copies of the kernel's sockets. Only
 * the end of a connection wakes us (POLLRDHUP; POLLHUP and POLLERR always
 * do): the data on them is the kernel's to read. */
static int watch_list(const struct keeper *k, int ev, struct pollfd *p)
{
	int n = 0;

	p[n++] = (struct pollfd){ .fd = ev, .events = POLLIN };
	for (int i = 0; i < k->n; i++)
		for (int c = 0; c < k->devs[i].nsocks; c++)
			p[n++] = (struct pollfd){ .fd = k->devs[i].socks[c], .events = POLLRDHUP };
	return n;
}

static void keeper_loop(struct keeper *k, bool adopt, int rundir, int sysblock)
{
	struct keeper_nl ctx = { .nl = nl_open(NETLINK_GENERIC), .rundir = rundir };
	int ev = ctx.nl < 0 ? ctx.nl : open_link_events(ctx.nl, &ctx.family);

	if (ev < 0) {
		err("keeper: cannot listen to the kernel's nbd events: %s; connections will not be re-established",
		    strerror(-ev));
		for (;;)
			pause();
	}
	k->ops = (struct keeper_ops){ &ctx, keeper_resolve, keeper_connect, keeper_reconfigure,
				      keeper_close, keeper_clock };
	if (adopt)
		keeper_probe_all(k, log_uptime_ms());
	metrics_writer_start(k, rundir, sysblock);
	for (;;) {
		struct pollfd p[1 + MAX_NBD_DEVICES * MAX_CONNS];
		int n = watch_list(k, ev, p);
		long wait = keeper_wait_ms(k, log_uptime_ms());

		metrics_publish(k);
		if (poll(p, (nfds_t)n, (int)wait) > 0) {
			/* An overflowed socket (ENOBUFS) lost notices; a socket that
			 * is gone (POLLNVAL) would spin: either way, start over. */
			if (p[0].revents & POLLNVAL)
				ev = open_link_events(ctx.nl, &ctx.family);
			if ((p[0].revents & POLLNVAL) || read_link_events(ev, k) == -ENOBUFS) {
				warn("keeper: missed some nbd events; checking every device");
				keeper_probe_all(k, log_uptime_ms());
			}
			for (int i = 1; i < n; i++)
				if (p[i].revents)
					keeper_socket_gone(k, p[i].fd, log_uptime_ms());
		}
		keeper_retry_due(k, log_uptime_ms());
	}
}

#define PAGE_DOWN(p) ((char *)((uintptr_t)(p) & ~(uintptr_t)4095))
#define PAGE_UP(p) PAGE_DOWN((uintptr_t)(p) + 4095)

/* The end of the stack: exec puts the argument and environment strings at
 * its very top. */
static char *stack_top(char **argv)
{
	char *top = (char *)&argv;

	for (char **v = argv; *v; v++)
		if (*v + strlen(*v) + 1 > top)
			top = *v + strlen(*v) + 1;
	for (char **v = environ; v && *v; v++)
		if (*v + strlen(*v) + 1 > top)
			top = *v + strlen(*v) + 1;
	return PAGE_UP(top);
}

/* Touches and locks the stack the keeper needs, from its top down: its
 * deepest path, a reconnect (the handshake, a netlink request and a log
 * line), takes under 16 KiB. */
static int lock_stack(char *top)
{
	volatile char pad[48 * 1024];

	for (size_t i = 0; i < sizeof(pad); i += 4096)
		pad[i] = 0;
	return mlock(PAGE_DOWN(pad), (size_t)(top - PAGE_DOWN(pad)));
}

extern const char __executable_start[], _end[]; /* from the linker */

/* A TCP send copies its data into the sending thread's page fragment,
 * which the kernel allocates at the thread's first send and then reuses
 * (32 KiB; a handshake sends a few hundred bytes). The keeper's first send
 * would otherwise come in an outage, when a full node's allocation waits
 * in reclaim for the swap that only the keeper's reconnect brings back:
 * seen on the lockdep kernel, the keeper's handshake sat in tcp_sendmsg ->
 * sk_page_frag_refill -> reclaim_throttle for minutes. So the keeper sends
 * one byte over loopback now, while memory is there. */
static void warm_send_fragment(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 || send(c, "", 1, 0) != 1)
		warn("keeper: cannot warm up the TCP send buffer over loopback: %s; a reconnect may wait for memory",
		     strerror(errno));
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
}

/* The keeper process: protected from the OOM killer, from signals, from
 * page faults, and from reclaim writing to its own devices. */
static void keeper_become(char **argv)
{
	helper_detach(KEEPER_ARGV0);
	/* Lock what the keeper runs, not all it maps: exec gives the stack a
	 * 128 KiB mapping, which mlockall(MCL_CURRENT) would fault in and pin
	 * whole. The program's pages (code, data, bss: the linker's symbols)
	 * are locked, since one read in during a reconnect could have to come
	 * from swap (/run is a tmpfs); so is the part of the stack it uses,
	 * and whatever it maps later. */
	if (mlock(__executable_start, (size_t)(_end - __executable_start)) < 0 ||
	    lock_stack(stack_top(argv)) < 0 || mlockall(MCL_FUTURE) < 0)
		warn("keeper: mlock: %s", strerror(errno));
	helper_io_flusher("keeper");
	warm_send_fragment();
}

/* The device list goes to /run/netswap, which the pivot moves into the real
 * root, beside the copy of the init that main.c leaves there: the keeper
 * runs from that copy, and can be started again from it. */
static int write_state(const struct nbd_device *devs, int n)
{
	char text[MAX_NBD_DEVICES * (HOST_LEN + NAME_LEN + 80)];
	int len = keeper_state_format(devs, n, text, sizeof(text));

	if (len < 0)
		return -ENAMETOOLONG;
	return kfile_write(AT_FDCWD, RUN_DIR "/" KEEPER_STATE_FILE, text, (size_t)len);
}

/* The keeper started by the init tells it on this fd that it holds its
 * directory and lock: only then may the init move /run away (the pivot).
 * The init's copies of the devices' sockets follow it, in keeper.state's
 * order, for the keeper to watch. */
#define KEEPER_READY_FD 3
#define KEEPER_FIRST_SOCK_FD (KEEPER_READY_FD + 1)

/* In the forked child, before exec: ready and the sockets onto the fds
 * above, through copies out of the way so none overwrites another. The
 * copies close at exec; dup2's targets do not. */
static void pass_fds(const struct nbd_device *devs, int n, int ready)
{
	int high[1 + MAX_NBD_DEVICES * MAX_CONNS], m = 0;

	high[m++] = fcntl(ready, F_DUPFD_CLOEXEC, 256);
	for (int i = 0; i < n; i++)
		for (int c = 0; c < devs[i].conns; c++)
			high[m++] = fcntl(devs[i].fds[c], F_DUPFD_CLOEXEC, 256);
	for (int j = 0; j < m; j++)
		dup2(high[j], KEEPER_READY_FD + j);
}

/* The attached keeper: watch the sockets pass_fds left it. An fd that is
 * not a socket (a keeper started by hand with --attached) is left alone. */
static void hold_passed_sockets(struct keeper *k)
{
	int fd = KEEPER_FIRST_SOCK_FD;

	for (int i = 0; i < k->n; i++)
		for (int c = 0; c < k->devs[i].dev.conns; c++, fd++) {
			struct stat st;

			if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
				warn("keeper: fd %d is not a socket of %s; its losses are known from the kernel's notices only",
				     fd, k->devs[i].dev.path);
				continue;
			}
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			if (keeper_hold(k, i, fd) < 0)
				close(fd);
		}
}

int nbd_keeper_start(const struct nbd_device *devs, int n)
{
	char *argv[] = { KEEPER_ARGV0, "keeper", "--attached", NULL };
	char ok = 0;
	int rc, ready[2];
	pid_t pid;

	mkdir(RUN_DIR, 0755);
	rc = write_state(devs, n);
	if (rc) {
		err("keeper: cannot write %s: %s", RUN_DIR, strerror(-rc));
		return rc;
	}
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		pass_fds(devs, n, ready[1]);
		execv(KEEPER_BINARY, argv);
		_exit(127);
	}
	close(ready[1]);
	rc = pid < 0 ? -errno : 0;
	if (!rc && (wait_fd(ready[0], POLLIN, 10000) < 0 || read(ready[0], &ok, 1) != 1))
		rc = -ECHILD;
	close(ready[0]);
	if (rc)
		err("keeper: %s did not start: %s", KEEPER_BINARY, strerror(-rc));
	return rc ? rc : pid;
}

/* Only one keeper: the lock file holds the PID of the one that runs. A
 * second one (systemd's, or an operator's) waits until the first is gone,
 * then adopts the devices. */
static int keeper_lock(int rundir)
{
	char pid[16];
	int fd = openat(rundir, "keeper.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644), n;

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		info("keeper: another keeper runs (pid %s); waiting to take over", pid);
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
	}
	n = bufprint(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		warn("keeper: cannot write its PID to %s/keeper.lock", RUN_DIR);
	return fd;
}

/* Debian's sysvinit sendsigs spares the PIDs in /run/sendsigs.omit.d. */
static void spare_from_sendsigs(void)
{
	char pid[16];
	int n = bufprint(pid, sizeof(pid), "%d\n", (int)getpid());

	mkdir("/run/sendsigs.omit.d", 0755);
	kfile_write(AT_FDCWD, "/run/sendsigs.omit.d/netswap-keeper", pid, (size_t)n);
}

static int read_state(int rundir, struct keeper *k)
{
	struct nbd_device devs[MAX_NBD_DEVICES];
	char text[MAX_NBD_DEVICES * (HOST_LEN + NAME_LEN + 80)];
	ssize_t len = kfile_read(rundir, KEEPER_STATE_FILE, text, sizeof(text));
	int n;

	if (len < 0)
		return (int)len;
	n = keeper_state_parse(text, devs, MAX_NBD_DEVICES);
	if (n <= 0) {
		err("keeper: %s/%s line %d is not 'nbd<index> <host> <port> <conns> <timeout> <size> ro|rw dhcp|fixed <ifname>|- <export>'",
		    RUN_DIR, KEEPER_STATE_FILE, n < 0 ? -n : 1);
		return -EINVAL;
	}
	for (int i = 0; i < n; i++)
		keeper_add(k, &devs[i]);
	return n;
}

int nbd_keeper_main(int argc, char **argv)
{
	static struct keeper k;
	bool attached = argc > 2 && strcmp(argv[2], "--attached") == 0;
	int rundir = open(RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
	/* A keeper started before the pivot keeps the initramfs as its root,
	 * where /sys is gone afterwards: hold the directory, as /run/netswap. */
	int sysblock = open("/sys/block", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	log_open();
	if (rundir < 0 || (rc = read_state(rundir, &k)) < 0) {
		log_stderr("netswap keeper: no device list in %s/%s: %s\n", RUN_DIR,
			   KEEPER_STATE_FILE, strerror(rundir < 0 ? errno : -rc));
		return 1;
	}
	/* '@' first: systemd's shutdown leaves such processes alone, so swap
	 * and root stay reachable until the kernel no longer needs them. */
	argv[0][0] = '@';
	keeper_become(argv);
	if (keeper_lock(rundir) < 0)
		warn("keeper: cannot lock %s/keeper.lock: %s", RUN_DIR, strerror(errno));
	spare_from_sendsigs();
	info("keeper: pid %d keeps %d NBD device(s)%s", (int)getpid(), k.n,
	     attached ? "" : ", adopted: checking each connection");
	if (attached) {
		hold_passed_sockets(&k);
		(void)!write(KEEPER_READY_FD, "R", 1);
		close(KEEPER_READY_FD);
	}
	keeper_loop(&k, !attached, rundir, sysblock);
	return 0;
}
