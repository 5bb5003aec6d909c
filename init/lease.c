/* lease.c - the lease companion: holds the node's DHCP lease for as long
 * as the node runs (RFC 2131 4.4.5).
 *
 * The init forks it before the pivot as `@netswap-lease`; the real root
 * can start it again as `/run/netswap/init lease [<if>]`, which reads the
 * lease back from /run/netswap/net-<if>.conf and renews at once. At T1 it
 * unicasts a REQUEST to the server that gave the lease (RENEWING), at T2
 * it broadcasts it (REBINDING). Each ACK re-asserts the address (it is
 * permanent, see net_addr_set) and rewrites net-<if>.conf.
 *
 * When the lease is lost (a NAK, or expiry with no answer) the address
 * STAYS and the companion keeps asking every minute. Swap and the root run
 * over TCP connections from that address: removing it, as RFC 2131 asks,
 * would hang every process that waits for a page, the real root's own
 * DHCP client and shell included, with no way back. A clash with the
 * address's next holder is the lesser harm, and the log says so loudly;
 * netboot/ gives every node a fixed address, which its server never hands
 * to another node.
 *
 * A UDP socket bound to port 68 on the interface, not the boot's
 * AF_PACKET socket: the node has an address now, RENEWING is unicast (the
 * kernel finds the server's or the gateway's MAC and does the checksums),
 * and the server answers ciaddr by unicast, which a UDP socket receives.
 * The bind also tells a second DHCP client on the boot NIC apart.
 *
 * It also listens to rtnetlink: when something in the real root removes
 * the address (a DHCP client or network manager that flushes the boot
 * NIC), it puts it back at once, with the default route, and says so. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "config.h"
#include "dhcp.h"
#include "dirent_iter.h"
#include "fmt.h"
#include "ipudp.h"
#include "lease.h"
#include "helper.h"
#include "kfile.h"
#include "log.h"
#include "net.h"
#include "netlink.h"

#define LEASE_NAME "@netswap-lease"

struct lease_keeper {
	struct dhcp_conf c;        /* interface, MAC, BOOTIF, the last ACK */
	int ifindex;
	int dirfd;                 /* NETSWAP_RUN_DIR, opened before the pivot moves /run */
	int fd;                    /* UDP port 68 on the interface, -1 until bound */
	int nl;                    /* rtnetlink, address events; -1 without */
	long acked_s;              /* boot-clock second of the last ACK */
	struct dhcp_timers t;
	uint32_t xid;
	uint32_t next_s;           /* seconds after the ACK of the next REQUEST */
	bool lost;                 /* the loss was logged */
};

static long now_s(void)
{
	return log_uptime_ms() / 1000;
}

static uint32_t elapsed(const struct lease_keeper *k)
{
	long e = now_s() - k->acked_s;

	return e < 0 ? 0 : e > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)e;
}

/* Returns the fd or -errno. EADDRINUSE: another DHCP client has port 68. */
static int lease_socket(const char *ifname)
{
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT) };
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0 ||
	    bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

static bool have_socket(struct lease_keeper *k)
{
	int fd;

	if (k->fd >= 0)
		return true;
	fd = lease_socket(k->c.ifname);
	if (fd == -EADDRINUSE)
		err("%s: DHCP port 68 is taken: another DHCP client runs on the boot NIC; the lease is not renewed while it does",
		    k->c.ifname);
	else if (fd < 0)
		err("%s: no DHCP socket: %s", k->c.ifname, strerror(-fd));
	k->fd = fd;
	return fd >= 0;
}

static void send_request(struct lease_keeper *k, enum dhcp_lease_phase phase)
{
	struct dhcp_client c = { .xid = k->xid, .secs = 0 };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT),
				  .sin_addr.s_addr = INADDR_BROADCAST };
	uint8_t msg[DHCP_MSG_MAX];
	size_t n;

	if (!have_socket(k))
		return;
	memcpy(c.mac, k->c.mac, 6);
	n = dhcp_encode_renew(msg, sizeof(msg), &c, k->c.lease.yiaddr);
	/* RENEWING asks the server that gave the lease; REBINDING and a lost
	 * lease ask any server on the link. */
	if (phase == DHCP_RENEWING && k->c.lease.server_id.s_addr)
		to.sin_addr = k->c.lease.server_id;
	if (n && sendto(k->fd, msg, n, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		warn("%s: DHCP REQUEST not sent: %s", k->c.ifname, strerror(errno));
	debug("%s: DHCP REQUEST (%s, xid %08x)", k->c.ifname,
	      phase == DHCP_RENEWING ? "renewing" : "rebinding", k->xid);
}

static void bound(struct lease_keeper *k, struct dhcp_lease *ack)
{
	char a[IPV4_TEXT_LEN], s[IPV4_TEXT_LEN];
	int rc;

	/* a renewal ACK need not repeat every option */
	if (!ack->subnet.s_addr)
		ack->subnet = k->c.lease.subnet;
	k->c.lease = *ack;
	k->acked_s = now_s();
	dhcp_timers(&k->c.lease, &k->t);
	k->next_s = dhcp_next_request(&k->t, 0);
	k->xid = net_random_u32();
	rc = net_addr_set(-1, k->ifindex, ack->yiaddr, ack->subnet);
	if (rc < 0)
		warn("%s: cannot re-assert the address: %s", k->c.ifname, strerror(-rc));
	rc = net_conf_write(k->dirfd, k->c.ifname, k->c.mac, k->c.bootif, &k->c.lease);
	if (rc < 0)
		warn("%s: cannot rewrite net-%s.conf: %s", k->c.ifname, k->c.ifname, strerror(-rc));
	info("%s: DHCP lease %s renewed by %s for %u s; next renewal in %u s", k->c.ifname,
	     ipv4_text(ack->yiaddr, a), ipv4_text(ack->server_id, s), ack->lease_secs, k->next_s);
	k->lost = false;
}

static void lost(struct lease_keeper *k, const char *why)
{
	char a[IPV4_TEXT_LEN];

	if (!k->lost)
		err("%s: DHCP lease of %s lost (%s); keeping the address, which swap and the root run over, and asking again every %d s",
		    k->c.ifname, ipv4_text(k->c.lease.yiaddr, a), why, DHCP_RETRY_MIN_S);
	k->lost = true;
}

static void receive(struct lease_keeper *k, enum dhcp_lease_phase phase)
{
	uint8_t buf[1500];
	char why[160], a[IPV4_TEXT_LEN];
	struct dhcp_lease reply;
	ssize_t n = recv(k->fd, buf, sizeof(buf), 0);
	int type;

	if (n <= 0)
		return;
	type = dhcp_parse_reply_err(buf, (size_t)n, k->xid, k->c.mac, &reply, why, sizeof(why));
	if (type < 0)
		warn("%s: ignoring a malformed DHCP reply: %s", k->c.ifname, why);
	if (type == DHCP_NAK) {
		lost(k, "the server answered NAK");
		k->xid = net_random_u32();
	}
	if (type != DHCP_ACK)
		return;
	if (reply.yiaddr.s_addr != k->c.lease.yiaddr.s_addr) {
		warn("%s: DHCP ACK for %s, not our address; ignored", k->c.ifname,
		     ipv4_text(reply.yiaddr, a));
		return;
	}
	/* RENEWING asked one server; another one's ACK is not an answer. */
	if (phase == DHCP_RENEWING && k->c.lease.server_id.s_addr &&
	    reply.server_id.s_addr != k->c.lease.server_id.s_addr)
		return;
	bound(k, &reply);
}

/* Puts our address back when an RTM_DELADDR in buf says it went. */
static void on_addr_event(struct lease_keeper *k, const void *buf, int len)
{
	char a[IPV4_TEXT_LEN];

	/* signed len: NLMSG_NEXT subtracts the aligned length, which may
	 * pass the end of a short last message */
	for (const struct nlmsghdr *h = buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		const struct ifaddrmsg *ifa = NLMSG_DATA(h);
		const struct nlattr *local;
		int rc;

		if (h->nlmsg_type != RTM_DELADDR || h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
		    ifa->ifa_family != AF_INET || (int)ifa->ifa_index != k->ifindex)
			continue;
		local = nl_find(IFA_RTA(ifa), IFA_PAYLOAD(h), IFA_LOCAL);
		if (!local || local->nla_len < NLA_HDRLEN + 4 ||
		    memcmp((const char *)local + NLA_HDRLEN, &k->c.lease.yiaddr.s_addr, 4))
			continue;
		rc = net_addr_set(-1, k->ifindex, k->c.lease.yiaddr, k->c.lease.subnet);
		/* the kernel dropped the routes through it too */
		if (rc == 0 && k->c.lease.router.s_addr)
			rc = net_default_route(-1, k->ifindex, k->c.lease.router, RTPROT_DHCP);
		if (rc < 0)
			err("%s: %s was removed from the interface, and putting it back failed: %s",
			    k->c.ifname, ipv4_text(k->c.lease.yiaddr, a), strerror(-rc));
		else
			warn("%s: something removed %s, which swap and the root run over (a second DHCP client?); put it and the default route back",
			     k->c.ifname, ipv4_text(k->c.lease.yiaddr, a));
	}
}

static void read_addr_events(struct lease_keeper *k)
{
	union {
		struct nlmsghdr h;
		char buf[4096];
	} in;
	ssize_t n;

	while ((n = recv(k->nl, in.buf, sizeof(in.buf), MSG_DONTWAIT)) > 0)
		on_addr_event(k, in.buf, (int)n);
}

static void lease_loop(struct lease_keeper *k)
{
	for (;;) {
		uint32_t e = elapsed(k);
		enum dhcp_lease_phase phase = dhcp_lease_phase(&k->t, e);
		struct pollfd p[2];
		long wait_s;

		if (phase == DHCP_EXPIRED)
			lost(k, "it expired with no answer");
		if (phase != DHCP_BOUND && e >= k->next_s) {
			send_request(k, phase);
			k->next_s = e + dhcp_next_request(&k->t, e);
		}
		wait_s = (long)k->next_s - (long)e;
		if (wait_s < 1)
			wait_s = 1;
		if (wait_s > 3600)
			wait_s = 3600; /* boot clock: a suspend may have passed */
		/* the socket may have been opened by this round's send; a
		 * negative fd is skipped by poll */
		p[0] = (struct pollfd){ .fd = k->fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = k->nl, .events = POLLIN };
		if (poll(p, 2, (int)(wait_s * 1000)) <= 0)
			continue;
		if (p[1].revents & POLLIN)
			read_addr_events(k);
		if (p[0].revents & POLLIN)
			receive(k, phase);
	}
}

/* Locked in memory whole (it is small), and hardened as the NBD keeper is
 * (helper.c): its allocations never write pages to the swap it keeps the
 * address of. */
static void companion_harden(char *argv0, const char *name)
{
	if (argv0)
		argv0[0] = '@';
	helper_detach(name);
	if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
		warn("%s: mlockall: %s", name, strerror(errno));
	helper_io_flusher(name);
}

static int run_dir(void)
{
	mkdir(NETSWAP_RUN_DIR, 0755);
	return open(NETSWAP_RUN_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int keep(struct lease_keeper *k)
{
	char a[IPV4_TEXT_LEN];

	dhcp_timers(&k->c.lease, &k->t);
	if (k->t.expiry == DHCP_LEASE_INFINITE) {
		info("%s: DHCP lease of %s is infinite: nothing to renew", k->c.ifname,
		     ipv4_text(k->c.lease.yiaddr, a));
		return 0;
	}
	k->xid = net_random_u32();
	k->next_s = dhcp_next_request(&k->t, elapsed(k));
	/* Port 68 from the start: a second DHCP client on the boot NIC then
	 * fails to start, rather than this one at T1. */
	have_socket(k);
	k->nl = nl_open_groups(NETLINK_ROUTE, RTMGRP_IPV4_IFADDR);
	if (k->nl < 0)
		warn("%s: no rtnetlink events (%s): a removed address is not put back",
		     k->c.ifname, strerror(-k->nl));
	info("%s: keeping the DHCP lease of %s (%u s): renewal at %u s, rebinding at %u s",
	     k->c.ifname, ipv4_text(k->c.lease.yiaddr, a), k->t.expiry, k->t.t1, k->t.t2);
	lease_loop(k);
	return 0;
}

int lease_start(const struct net_state *st, char *argv0)
{
	static struct lease_keeper k;
	struct dhcp_timers t;
	pid_t pid;
	int kmsg;

	dhcp_timers(&st->lease, &t);
	if (!st->up || st->lease.type != DHCP_ACK || t.expiry == DHCP_LEASE_INFINITE)
		return 0; /* ip=off, a static ip= or an infinite lease: nothing to renew */
	/* Opened before the fork: PID 1 moves /run and /dev into the real
	 * root and deletes the initramfs right after, and a child that looked
	 * for /run/netswap or /dev/kmsg then would find empty directories of
	 * the old root. A /dev/kmsg file of its own, too: the kernel
	 * ratelimits per open file, and the boot spent PID 1's burst. */
	k.dirfd = run_dir();
	kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	pid = fork();
	if (pid != 0) {
		close(k.dirfd);
		if (kmsg >= 0)
			close(kmsg);
		return pid < 0 ? -errno : pid;
	}
	/* Nothing of PID 1's: an NBD socket held here would outlive its
	 * connection. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != kmsg && fd != k.dirfd && fd != log_fd_get())
			close(fd);
	log_use_fd(kmsg);
	companion_harden(argv0, LEASE_NAME);
	bufprint(k.c.ifname, sizeof(k.c.ifname), "%s", st->ifname);
	memcpy(k.c.mac, st->mac, 6);
	bufprint(k.c.bootif, sizeof(k.c.bootif), "%s", st->bootif);
	k.c.lease = st->lease;
	k.ifindex = st->ifindex;
	k.fd = -1;
	k.acked_s = st->lease_ms / 1000;
	_exit(keep(&k));
}

struct conf_pick {
	const char *want;
	char name[64];
};

static void pick_conf(const char *name, void *ctx)
{
	struct conf_pick *p = ctx;
	size_t n = strlen(name);

	if (p->name[0] || n < 10 || strncmp(name, "net-", 4) || strcmp(name + n - 5, ".conf"))
		return;
	if (p->want && (n - 9 != strlen(p->want) || strncmp(name + 4, p->want, n - 9)))
		return;
	bufprint(p->name, sizeof(p->name), "%s", name);
}

/* The lease as the init left it in net-<if>.conf; -1 after saying why. */
static int read_conf(struct lease_keeper *k, const char *ifname)
{
	struct conf_pick pick = { ifname, "" };
	char text[2048], why[160];

	dir_each(k->dirfd, pick_conf, &pick);
	if (!pick.name[0]) {
		err("lease: no %s/net-%s.conf; the init writes it after a DHCP boot", NETSWAP_RUN_DIR,
		    ifname ? ifname : "<if>");
		return -1;
	}
	kfile_read(k->dirfd, pick.name, text, sizeof(text));
	if (dhcp_conf_parse(text, &k->c, why, sizeof(why)) < 0) {
		err("lease: %s/%s: %s", NETSWAP_RUN_DIR, pick.name, why);
		return -1;
	}
	if (k->c.lease.type != DHCP_ACK) {
		info("lease: %s has a static address (PROTO='none'): no lease to renew", k->c.ifname);
		return -1;
	}
	k->ifindex = (int)if_nametoindex(k->c.ifname);
	if (k->ifindex <= 0) {
		err("lease: interface %s from %s is gone", k->c.ifname, pick.name);
		return -1;
	}
	return 0;
}

int lease_main(int argc, char **argv)
{
	static struct lease_keeper k;

	log_open();
	k.dirfd = open(NETSWAP_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	k.fd = -1;
	if (k.dirfd < 0 || read_conf(&k, argc > 2 ? argv[2] : NULL) < 0) {
		log_stderr("netswap lease: nothing to keep; see dmesg\n");
		return 1;
	}
	/* Only one client may hold port 68: refuse before detaching. */
	if (!have_socket(&k)) {
		log_stderr("netswap lease: port 68 on %s is taken (a lease companion or another DHCP client runs)\n",
			   k.c.ifname);
		return 1;
	}
	companion_harden(argv[0], LEASE_NAME);
	/* When the last ACK came is not in the file: renew now. */
	dhcp_timers(&k.c.lease, &k.t);
	k.acked_s = now_s() - (k.t.t1 == DHCP_LEASE_INFINITE ? 0 : (long)k.t.t1);
	return keep(&k);
}
