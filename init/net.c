/* net.c - links up, a DHCP lease or the static ip= config, and routes,
 * all through rtnetlink and an AF_PACKET socket: no external tools.
 *
 * DHCP runs on every candidate interface at once (the BOOTIF one, the ip=
 * device, or every Ethernet link) and the first lease wins, as the kernel's
 * ipconfig does. The address and routes stay in place for the real root. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "cmdline.h"
#include "dhcp.h"
#include "dirent_iter.h"
#include "fmt.h"
#include "kfile.h"
#include "ipudp.h"
#include "log.h"
#include "net.h"
#include "netlink.h"
#include "template.h"

#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67
/* First retransmission after 1 s, doubling to 8 s: the RFC's 4 s start
 * would dominate boot time on a quiet network; jitter stays. */
#define DHCP_BASE_MS 1000
#define DHCP_CAP_MS 8000
#define CARRIER_WAIT_MS 3000

enum dhcp_phase { DHCP_SELECTING, DHCP_REQUESTING };

struct dhcp_run {
	struct iface *ifc;
	const struct dhcp_io *io;
	int fd;
	enum dhcp_phase phase;
	uint32_t xid;
	int attempt;
	long next_send_ms;
	struct dhcp_lease offer;
};

const char *net_server_of(const struct net_state *st, const char *host, bool is_dhcp,
			  const char *what, char buf[IPV4_TEXT_LEN])
{
	if (!is_dhcp)
		return host;
	if (st->server.s_addr)
		return ipv4_text(st->server, buf);
	err("%s: server 'dhcp', but the DHCP reply named no server", what);
	return NULL;
}

uint32_t net_random_u32(void)
{
	uint32_t r = 0;

	/* GRND_INSECURE never blocks, even before the pool is seeded. */
	if (getrandom(&r, sizeof(r), 0x0004) != sizeof(r))
		r = (uint32_t)log_uptime_ms() * 2654435761u;
	return r;
}

static int read_sys(const char *ifname, const char *attr, char *buf, size_t cap)
{
	char path[96];
	ssize_t n;

	bufprint(path, sizeof(path), "/sys/class/net/%s/%s", ifname, attr);
	n = kfile_read(AT_FDCWD, path, buf, cap);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

static bool iface_wanted(const struct netswap_config *cfg, const struct iface *ifc)
{
	if (cfg->have_bootif)
		return !memcmp(cfg->bootif, ifc->mac, 6);
	if (cfg->ip.device[0])
		return !strcmp(cfg->ip.device, ifc->name);
	return true;
}

struct iface_list {
	const struct netswap_config *cfg;
	struct iface *ifs;
	int n, max;
};

static void add_iface(const char *name, void *ctx)
{
	struct iface_list *l = ctx;
	struct iface *ifc = &l->ifs[l->n];
	char buf[64];

	if (l->n >= l->max || strlen(name) >= IFNAME_LEN)
		return;
	if (read_sys(name, "type", buf, sizeof(buf)) || strcmp(buf, "1"))
		return; /* ARPHRD_ETHER only */
	if (read_sys(name, "address", buf, sizeof(buf)) || !hwaddr_parse(buf, ifc->mac, 6))
		return;
	strcpy(ifc->name, name);
	/* BOOTIF= and the ip= device pick before the MAX_IFACES cap does, or
	 * the boot NIC of a machine with many could be left out. */
	if (!iface_wanted(l->cfg, ifc))
		return;
	ifc->index = (int)if_nametoindex(ifc->name);
	ifc->carrier = false;
	if (ifc->index > 0)
		l->n++;
}

/* The Ethernet interfaces this boot may use (none without a MAC), in
 * ifindex order: the kernel's order of discovery, eth0 before eth1. */
static int list_ifaces(const struct netswap_config *cfg, struct iface *out, int max)
{
	struct iface_list l = { cfg, out, 0, max };
	int fd = open("/sys/class/net", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	dir_each(fd, add_iface, &l);
	close(fd);
	for (int i = 1; i < l.n; i++)
		for (int j = i; j > 0 && out[j].index < out[j - 1].index; j--) {
			struct iface t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return l.n;
}

static int rtnl_link_up(int nl, int index)
{
	struct nl_msg m;
	struct ifinfomsg *ifi;

	nl_start(&m, RTM_NEWLINK, 0);
	ifi = nl_reserve(&m, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, &m, NULL, 0);
}

static int prefix_len(struct in_addr mask)
{
	return __builtin_popcount(mask.s_addr);
}

/* Sends M on NL, or on a socket of its own when NL is -1 (a caller
 * with no rtnetlink socket open). */
static int route_talk(int nl, struct nl_msg *m)
{
	int own = -1, rc;

	if (nl < 0 && (nl = own = nl_open(NETLINK_ROUTE)) < 0)
		return nl;
	rc = nl_talk(nl, m, NULL, 0);
	if (own >= 0)
		close(own);
	return rc;
}

/* No lifetime: the address is permanent, so the kernel never removes the
 * address swap runs over, whatever becomes of the lease or of the lease
 * companion (lease.c has the policy). IPv4 has no middle way: a preferred
 * lifetime counts only with a finite valid one (the kernel reports and
 * ages both as forever on a permanent address). */
int net_addr_set(int nl, int index, struct in_addr addr, struct in_addr mask)
{
	struct nl_msg m;
	struct ifaddrmsg *ifa;
	struct in_addr bcast = { addr.s_addr | ~mask.s_addr };

	nl_start(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE);
	ifa = nl_reserve(&m, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix_len(mask);
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	nl_put(&m, IFA_LOCAL, &addr, 4);
	nl_put(&m, IFA_ADDRESS, &addr, 4);
	nl_put(&m, IFA_BROADCAST, &bcast, 4);
	return route_talk(nl, &m);
}

int net_default_route(int nl, int index, struct in_addr gw, unsigned char proto)
{
	struct nl_msg m;
	struct rtmsg *rt;

	nl_start(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE);
	rt = nl_reserve(&m, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = proto;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	nl_put(&m, RTA_GATEWAY, &gw, 4);
	nl_put_u32(&m, RTA_OIF, (uint32_t)index);
	return route_talk(nl, &m);
}

static bool has_carrier(const struct iface *ifc)
{
	char buf[8];

	return !read_sys(ifc->name, "carrier", buf, sizeof(buf)) && !strcmp(buf, "1");
}

/* Waits for carrier on every link at once, CARRIER_WAIT_MS in all (never
 * past the deadline); a NIC that never reports one is still tried. */
static void wait_carriers(struct iface *ifs, int n, long deadline)
{
	long end = log_uptime_ms() + CARRIER_WAIT_MS;
	int missing = n;

	if (end > deadline)
		end = deadline;
	for (;;) {
		for (int i = 0; i < n; i++)
			if (!ifs[i].carrier && has_carrier(&ifs[i])) {
				ifs[i].carrier = true;
				missing--;
			}
		if (!missing || log_uptime_ms() >= end)
			break;
		usleep(50 * 1000);
	}
	for (int i = 0; i < n; i++)
		if (!ifs[i].carrier)
			warn("%s: no carrier after %d ms, trying anyway", ifs[i].name, CARRIER_WAIT_MS);
}

/* Brings up the interfaces this boot may use; returns how many. */
static int links_up(int nl, struct iface *ifs, int n, long deadline)
{
	int kept = 0;

	for (int i = 0; i < n; i++) {
		int rc = rtnl_link_up(nl, ifs[i].index);

		if (rc < 0) {
			warn("%s: cannot bring the link up: %s", ifs[i].name, strerror(-rc));
			continue;
		}
		ifs[kept++] = ifs[i];
	}
	wait_carriers(ifs, kept, deadline);
	return kept;
}

static void describe_missing_iface(const struct netswap_config *cfg)
{
	if (cfg->have_bootif)
		err("BOOTIF=%02x-%02x-%02x-%02x-%02x-%02x: no Ethernet interface has that MAC",
		    cfg->bootif[0], cfg->bootif[1], cfg->bootif[2], cfg->bootif[3],
		    cfg->bootif[4], cfg->bootif[5]);
	else if (cfg->ip.device[0])
		err("ip=: device '%s' not found; expected an Ethernet interface name such as eth0",
		    cfg->ip.device);
	else
		err("no Ethernet interface found (is the NIC driver built into the kernel?)");
}

static void lo_up(int nl)
{
	int index = (int)if_nametoindex("lo");

	if (index > 0)
		rtnl_link_up(nl, index);
}

static void state_from_iface(struct net_state *st, const struct netswap_config *cfg,
			     const struct iface *ifc)
{
	memset(st, 0, sizeof(*st));
	strcpy(st->ifname, ifc->name);
	st->ifindex = ifc->index;
	memcpy(st->mac, ifc->mac, 6);
	template_format_mac(ifc->mac, st->mac_text);
	if (cfg->have_bootif)
		bufprint(st->bootif, sizeof(st->bootif), "01-%s", st->mac_text);
}

/* /run/netswap/net-<if>.conf: what the real root needs to know of the
 * boot network, in the format of initramfs-tools' /run/net-<if>.conf. */
int net_conf_write(int dirfd, const char *ifname, const uint8_t mac[6], const char *bootif,
		   const struct dhcp_lease *l)
{
	char path[40], tmp[48], text[2048];
	int len, rc;

	len = dhcp_lease_format(l, ifname, mac, bootif, text, sizeof(text));
	if (len <= 0)
		return len < 0 ? len : -EINVAL;
	bufprint(path, sizeof(path), "net-%s.conf", ifname);
	bufprint(tmp, sizeof(tmp), ".%s.tmp", path);
	rc = kfile_write(dirfd, tmp, text, (size_t)len);
	if (!rc && renameat(dirfd, tmp, dirfd, path) < 0)
		rc = -errno;
	if (rc)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

static void write_state_file(const struct net_state *st, const struct dhcp_lease *l)
{
	int rc;

	mkdir(NETSWAP_RUN_DIR, 0755);
	int dir = open(NETSWAP_RUN_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);

	rc = dir < 0 ? -errno : net_conf_write(dir, st->ifname, st->mac, st->bootif, l);
	if (rc < 0)
		warn("%s/net-%s.conf: cannot write: %s", NETSWAP_RUN_DIR, st->ifname, strerror(-rc));
	if (dir >= 0)
		close(dir);
}

static int apply_config(int nl, struct net_state *st, int index, unsigned char proto)
{
	char a[IPV4_TEXT_LEN];
	int rc = net_addr_set(nl, index, st->addr, st->netmask);

	if (rc < 0) {
		err("%s: cannot set address %s: %s", st->ifname, ipv4_text(st->addr, a), strerror(-rc));
		return -1;
	}
	if (st->gateway.s_addr) {
		rc = net_default_route(nl, index, st->gateway, proto);
		if (rc < 0)
			warn("%s: cannot add default route via %s: %s", st->ifname,
			     ipv4_text(st->gateway, a), strerror(-rc));
	}
	if (st->hostname[0])
		(void)!sethostname(st->hostname, strlen(st->hostname));
	ipv4_text(st->addr, st->ip_text);
	st->up = true;
	return 0;
}

static int packet_socket(const struct iface *ifc)
{
	struct sockaddr_ll sa = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = ifc->index,
	};
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_IP));

	if (fd < 0)
		return -1;
	int one = 1;

	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	/* Replies from a server on the same host (veth, tap) may arrive with
	 * the UDP checksum not yet filled in; the auxdata says so. */
	setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one));
	return fd;
}

/* Receives one frame; *flags gets IPUDP_CSUM_NOT_READY when the kernel
 * left the checksum to the hardware. */
static ssize_t packet_recv(int fd, uint8_t *frame, size_t cap, unsigned *flags)
{
	struct iovec iov = { frame, cap };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &ctl,
			      .msg_controllen = sizeof(ctl) };
	ssize_t n = recvmsg(fd, &msg, 0);

	*flags = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); n > 0 && c; c = CMSG_NXTHDR(&msg, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (aux.tp_status & TP_STATUS_CSUMNOTREADY)
			*flags |= IPUDP_CSUM_NOT_READY;
	}
	return n;
}

/* Broadcasts one frame; a failure is only logged, the retransmission
 * timer tries again. */
static void packet_send(int fd, const struct iface *ifc, const uint8_t *frame, size_t len)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = ifc->index,
		.sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};

	if (sendto(fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		debug("%s: DHCP send failed: %s", ifc->name, strerror(errno));
}

static int packet_poll(struct pollfd *p, int n, int ms)
{
	return poll(p, (nfds_t)n, ms);
}

static void packet_close(int fd)
{
	close(fd);
}

static const struct dhcp_io packet_io = {
	packet_socket, packet_send, packet_recv, packet_poll, log_uptime_ms, packet_close,
	net_random_u32,
};

static void dhcp_send(struct dhcp_run *r, const char *hostname)
{
	struct dhcp_client c = { .xid = r->xid, .hostname = hostname[0] ? hostname : NULL };
	uint8_t payload[600], frame[700];
	size_t plen, flen;

	memcpy(c.mac, r->ifc->mac, 6);
	c.secs = (uint16_t)(r->io->now_ms() / 1000);
	if (r->phase == DHCP_SELECTING)
		plen = dhcp_encode_discover(payload, sizeof(payload), &c);
	else
		plen = dhcp_encode_request(payload, sizeof(payload), &c, &r->offer);
	flen = ipudp_encode(frame, sizeof(frame), payload, plen, INADDR_ANY, INADDR_BROADCAST,
			    DHCP_CLIENT_PORT, DHCP_SERVER_PORT);
	if (!plen || !flen)
		return;
	r->io->send(r->fd, r->ifc, frame, flen);
	debug("%s: DHCP %s sent (xid %08x)", r->ifc->name,
	      r->phase == DHCP_SELECTING ? "DISCOVER" : "REQUEST", r->xid);
	r->next_send_ms = r->io->now_ms() +
			  dhcp_backoff_ms(r->attempt++, DHCP_BASE_MS, DHCP_CAP_MS, r->io->random());
}

static void dhcp_restart(struct dhcp_run *r, const char *hostname)
{
	r->phase = DHCP_SELECTING;
	r->xid = r->io->random();
	r->attempt = 0;
	dhcp_send(r, hostname);
}

/* Handles one frame; returns 1 when r holds an acknowledged lease. */
static int dhcp_receive(struct dhcp_run *r, const char *hostname, struct dhcp_lease *lease)
{
	uint8_t frame[1600];
	const uint8_t *payload;
	char why[160];
	size_t plen;
	unsigned flags;
	ssize_t n = r->io->recv(r->fd, frame, sizeof(frame), &flags);
	int type;

	if (n <= 0 ||
	    ipudp_decode_flags(frame, (size_t)n, DHCP_CLIENT_PORT, flags, &payload, &plen) != 1)
		return 0;
	type = dhcp_parse_reply_err(payload, plen, r->xid, r->ifc->mac, lease, why, sizeof(why));
	if (type == -1)
		warn("%s: ignoring a malformed DHCP reply: %s", r->ifc->name, why);
	if (type <= 0)
		return 0;
	if (r->phase == DHCP_SELECTING && type == DHCP_OFFER) {
		r->offer = *lease;
		r->phase = DHCP_REQUESTING;
		r->attempt = 0;
		dhcp_send(r, hostname);
		return 0;
	}
	/* The REQUEST named one server (option 54): another server's ACK or
	 * NAK to the same xid is not the answer (RFC 2131 4.3.2). */
	if (r->phase != DHCP_REQUESTING || lease->server_id.s_addr != r->offer.server_id.s_addr) {
		if (r->phase == DHCP_REQUESTING)
			debug("%s: DHCP reply from a server we did not choose; ignored", r->ifc->name);
		return 0;
	}
	if (type == DHCP_ACK)
		return 1;
	if (type == DHCP_NAK) {
		char s[IPV4_TEXT_LEN];

		warn("%s: DHCP server %s refused the offered address (NAK); starting over",
		     r->ifc->name, ipv4_text(lease->server_id, s));
		dhcp_restart(r, hostname);
	}
	return 0;
}

static void state_from_lease(struct net_state *st, const struct dhcp_lease *l)
{
	st->lease = *l;
	st->lease_ms = log_uptime_ms();
	st->addr = l->yiaddr;
	st->netmask = l->subnet.s_addr ? l->subnet : (struct in_addr){ htonl(0xffffff00) };
	st->gateway = l->router;
	/* next-server when the server names one (PXE setups point it at the
	 * storage server), else the DHCP server itself */
	st->server = l->siaddr.s_addr ? l->siaddr : l->server_id;
	bufprint(st->hostname, sizeof(st->hostname), "%s", l->hostname);
	bufprint(st->root_path, sizeof(st->root_path), "%s", l->root_path);
}

int net_dhcp_exchange(const struct netswap_config *cfg, struct iface *ifs, int n,
		      long deadline, const struct dhcp_io *io, struct dhcp_lease *lease)
{
	struct dhcp_run runs[MAX_IFACES];
	struct pollfd pfd[MAX_IFACES];
	int live = 0, won = -1;

	for (int i = 0; i < n && live < MAX_IFACES; i++) {
		struct dhcp_run *r = &runs[live];

		r->ifc = &ifs[i];
		r->io = io;
		r->fd = io->open(&ifs[i]);
		if (r->fd < 0) {
			warn("%s: no packet socket: %s", ifs[i].name, strerror(errno));
			continue;
		}
		pfd[live] = (struct pollfd){ .fd = r->fd, .events = POLLIN };
		dhcp_restart(r, cfg->ip.hostname);
		live++;
	}
	/* One deadline for the whole exchange, NAKs and restarts included. */
	while (won < 0 && live > 0) {
		long now = io->now_ms(), wait = deadline - now;

		if (wait <= 0)
			break;
		for (int i = 0; i < live; i++) {
			if (runs[i].next_send_ms <= now)
				dhcp_send(&runs[i], cfg->ip.hostname);
			if (runs[i].next_send_ms - now < wait)
				wait = runs[i].next_send_ms - now;
		}
		if (io->wait(pfd, live, (int)(wait > 0 ? wait : 0)) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < live && won < 0; i++)
			if ((pfd[i].revents & POLLIN) && dhcp_receive(&runs[i], cfg->ip.hostname, lease))
				won = (int)(runs[i].ifc - ifs);
	}
	for (int i = 0; i < live; i++)
		io->close(runs[i].fd);
	if (won < 0)
		err("no DHCP answer on %d interface(s) within netswap.timeout=%d s; expected a DHCP server on the boot network",
		    live, cfg->timeout);
	return won;
}

static int dhcp_all(int nl, const struct netswap_config *cfg, struct iface *ifs, int n,
		    long deadline, struct net_state *st)
{
	struct dhcp_lease lease;
	char srv[IPV4_TEXT_LEN], gw[IPV4_TEXT_LEN];
	int won = net_dhcp_exchange(cfg, ifs, n, deadline, &packet_io, &lease);

	if (won < 0)
		return -1;
	state_from_iface(st, cfg, &ifs[won]);
	state_from_lease(st, &lease);
	if (cfg->ip.hostname[0])
		bufprint(st->hostname, sizeof(st->hostname), "%s", cfg->ip.hostname);
	if (apply_config(nl, st, ifs[won].index, RTPROT_DHCP) < 0)
		return -1;
	write_state_file(st, &lease);
	info("%s: DHCP lease %s/%d from %s, gateway %s, lease %u s%s%s", st->ifname, st->ip_text,
	     prefix_len(st->netmask), ipv4_text(lease.server_id, srv),
	     st->gateway.s_addr ? ipv4_text(st->gateway, gw) : "none", lease.lease_secs,
	     st->root_path[0] ? ", root-path " : "", st->root_path);
	return 0;
}

static int static_config(int nl, const struct netswap_config *cfg, struct iface *ifs, int n,
			 struct net_state *st)
{
	struct dhcp_lease l;
	char gw[IPV4_TEXT_LEN];
	int pick = net_static_pick(ifs, n);

	state_from_iface(st, cfg, &ifs[pick]);
	st->addr = cfg->ip.client;
	st->netmask = cfg->ip.netmask;
	st->gateway = cfg->ip.gateway;
	st->server = cfg->ip.server;
	bufprint(st->hostname, sizeof(st->hostname), "%s", cfg->ip.hostname);
	if (apply_config(nl, st, ifs[pick].index, RTPROT_BOOT) < 0)
		return -1;
	memset(&l, 0, sizeof(l));
	l.yiaddr = st->addr;
	l.subnet = st->netmask;
	l.router = st->gateway;
	l.server_id = st->server;
	l.dns[0] = cfg->ip.dns[0];
	l.dns[1] = cfg->ip.dns[1];
	l.ndns = !!cfg->ip.dns[0].s_addr + !!cfg->ip.dns[1].s_addr;
	bufprint(l.hostname, sizeof(l.hostname), "%s", st->hostname);
	write_state_file(st, &l);
	info("%s: static address %s/%d, gateway %s", st->ifname, st->ip_text,
	     prefix_len(st->netmask), st->gateway.s_addr ? ipv4_text(st->gateway, gw) : "none");
	return 0;
}

/* BOOTIF= or the ip= device left one candidate; with several, the first
 * (lowest ifindex) that has carrier, else the first: the same NIC on
 * every boot, not whichever link came up first. */
int net_static_pick(const struct iface *ifs, int n)
{
	for (int i = 0; i < n; i++)
		if (ifs[i].carrier)
			return i;
	return 0;
}

int net_up(const struct netswap_config *cfg, struct net_state *st)
{
	struct iface ifs[MAX_IFACES];
	/* netswap.timeout bounds the carrier wait and the whole DHCP exchange */
	long deadline = log_uptime_ms() + cfg->timeout * 1000L;
	int nl, n, rc;

	if (st->up)
		return 0;
	if (cfg->ip.mode == IP_OFF) {
		info("ip=off: not configuring the network");
		return 0;
	}
	nl = nl_open(NETLINK_ROUTE);
	if (nl < 0) {
		err("rtnetlink: %s", strerror(-nl));
		return -1;
	}
	lo_up(nl);
	n = links_up(nl, ifs, list_ifaces(cfg, ifs, MAX_IFACES), deadline);
	if (n == 0) {
		describe_missing_iface(cfg);
		close(nl);
		return -1;
	}
	if (cfg->ip.mode == IP_STATIC)
		rc = static_config(nl, cfg, ifs, n, st);
	else
		rc = dhcp_all(nl, cfg, ifs, n, deadline, st);
	close(nl);
	return rc;
}

/* From <linux/ethtool.h>, whose struct ethhdr clashes with musl's. */
#define ETHTOOL_GLINK 0x0000000a
struct ethtool_value {
	uint32_t cmd, data;
};

/* The kernel's link-watch worker turns a carrier that came back into a
 * queue that sends again (dev_activate), from system_unbound_wq. On a node
 * whose memory is full and whose swap is the dead connection, every worker
 * of that pool can be blocked in reclaim, writing to that swap, and a new
 * one needs kthreadd, blocked the same way: the interface then drops every
 * packet it is given, for as long as swap is dead, which is for ever (seen
 * with the stock kernel in tests/e2e/faults.sh S4). Asking for the link
 * state (ETHTOOL_GLINK) runs the device's pending link event in the
 * caller. Returns 1 if the carrier is up, 0 if down, or -errno; *ran says
 * the carrier was up but the interface not running before the call. */

int net_link_sync(const char *ifname, bool *ran)
{
	struct ethtool_value link = { .cmd = ETHTOOL_GLINK };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;
	bool was_running;

	*ran = false;
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	bufprint(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	/* SIOCGIFFLAGS takes no lock; SIOCETHTOOL takes the RTNL, which a
	 * link-watch worker stuck after dev_activate would hold: ask only
	 * when there is something to run. */
	was_running = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING);
	if (was_running) {
		rc = 1;
	} else {
		ifr.ifr_data = (char *)&link;
		rc = ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : link.data != 0;
	}
	close(fd);
	*ran = rc == 1 && !was_running;
	return rc;
}
