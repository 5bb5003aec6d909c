/* keeper.h - the keeper's state machine: which NBD devices have dead
 * connections, when to try again, and whether a reconnected export is
 * still the one the kernel has. The system calls come in through ops, so
 * a host test drives the same code with a fake clock and fake servers. */
#ifndef NETSWAP_KEEPER_H
#define NETSWAP_KEEPER_H

#include <stdbool.h>

#include "nbd.h"

#define KEEPER_RETRY_MIN_MS 250
#define KEEPER_RETRY_MAX_MS 5000
/* An attempt waits at most a few seconds at each step of the connect and
 * handshake, and the kernel takes a socket at once: one that took longer
 * than this waited somewhere else (memory reclaim, a lock), and says
 * where. */
#define KEEPER_SLOW_ATTEMPT_MS 15000

struct keeper_ops {
	void *ctx;
	/* A 'dhcp' server: puts the current lease's server into dev->host.
	 * 0, or <0 when no lease names one (dev->host is kept). */
	int (*resolve)(void *ctx, struct nbd_device *dev);
	/* Connects to dev->host and negotiates dev->export_name; fills *exp.
	 * Returns the socket, or <0. */
	int (*connect)(void *ctx, struct nbd_device *dev, struct nbd_export *exp, bool quiet);
	/* Hands fd to the kernel for dev (NBD_CMD_RECONFIGURE): 0, -ENOSPC when
	 * none of dev's connections is dead, or another -errno. */
	int (*reconfigure)(void *ctx, const struct nbd_device *dev, int fd);
	void (*close)(void *ctx, int fd);
	/* The keeper's clock (ms since boot): an attempt is timed to its end. */
	long (*now_ms)(void *ctx);
};

struct keeper_dev {
	struct nbd_device dev;
	int dead;          /* connections the kernel reported dead, not yet replaced */
	bool probing;      /* adopted: dead is a guess, -ENOSPC means all are alive */
	int tries;
	long down_ms;      /* when the first of the dead connections died */
	long next_ms;      /* next attempt */
	long delay_ms;     /* backoff */
	unsigned long reconnects; /* connections replaced (for the metrics) */
	long up_ms;        /* when the last one was replaced */
	char refused[200]; /* the last refusal logged, so each is logged once */
	/* Our copies of the kernel's live sockets. A connection's death shows
	 * on them (the kernel shuts the socket down, or TCP ends it) without
	 * the kernel's notice, which needs memory and a worker thread that a
	 * node swapping to the dead connection may not have. */
	int socks[MAX_CONNS];
	int nsocks;
	int seen;          /* of the dead, those seen on our copies */
};

struct keeper {
	struct keeper_dev devs[MAX_NBD_DEVICES];
	int n;
	struct keeper_ops ops;
};

/* Adds an attached device. Returns its slot, or -1 when full. */
int keeper_add(struct keeper *k, const struct nbd_device *dev);

/* The kernel said /dev/nbd<index> lost a connection (NBD_CMD_LINK_DEAD).
 * Ignored for a device whose every connection the keeper watches itself. */
void keeper_link_dead(struct keeper *k, int index, long now);

/* fd is our copy of one of the kernel's live sockets of slot's device:
 * watch it (nbd.c polls keeper_dev.socks). -1 if the device has as many
 * as it has connections (the fd is the caller's to close). */
int keeper_hold(struct keeper *k, int slot, int fd);

/* Our copy fd hung up or failed (POLLHUP, POLLERR, POLLRDHUP): that
 * connection is dead. The copy is closed. */
void keeper_socket_gone(struct keeper *k, int fd, long now);

/* Every connection may be dead (a keeper adopting devices, or lost
 * events): probe each device until the kernel says none is dead. */
void keeper_probe_all(struct keeper *k, long now);

/* One reconnect attempt for each device whose retry is due: a device whose
 * server is down never holds up another's. */
void keeper_retry_due(struct keeper *k, long now);

/* Milliseconds until the next attempt is due; -1 when nothing is dead. */
long keeper_wait_ms(const struct keeper *k, long now);

/* Pure: NULL when got may replace dev's export, else why not (in msg). */
const char *keeper_export_mismatch(const struct nbd_device *dev, const struct nbd_export *got,
				   char *msg, size_t cap);

/* Pure: the server in a /run/netswap/net-<if>.conf text (ROOTSERVER, the
 * DHCP next-server or server id). 0, or -1 when there is none. */
int keeper_lease_server(const char *text, char *host, size_t cap);

/* The state a keeper started from the real root needs, one device a line:
 *   nbd<index> <host> <port> <conns> <timeout> <size> ro|rw dhcp|fixed <ifname>|- <export>
 * The export is the rest of the line (it may be empty). Pure. */
#define KEEPER_STATE_FILE "keeper.state" /* in /run/netswap */
int keeper_state_format(const struct nbd_device *devs, int n, char *buf, size_t cap);
/* Fills devs from text; returns how many, or -(line number) of a bad line. */
int keeper_state_parse(const char *text, struct nbd_device *devs, int max);

#endif
