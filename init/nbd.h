/* nbd.h - connecting NBD exports and handing them to the kernel, and the
 * keeper that reconnects them when the server goes away. */
#ifndef NETSWAP_NBD_H
#define NETSWAP_NBD_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "nbd_proto.h"
#include "net.h"

#define MAX_NBD_DEVICES (MAX_SWAPS + 1)
/* The default request timeout T; TCP's dead-peer clocks are derived from
 * it (nbd.c, socket_tune). timeout= changes it per device. */
#define NBD_REQUEST_TIMEOUT_S 30

struct nbd_device {
	char host[HOST_LEN];         /* resolved: no "dhcp" here */
	bool host_is_dhcp;           /* re-resolved from the lease on reconnect */
	char ifname[IFNAME_LEN];     /* whose lease: /run/netswap/net-<if>.conf */
	uint16_t port;
	char export_name[NAME_LEN];  /* expanded template */
	int conns;
	int io_timeout;              /* seconds: the request timeout T (nbd.c) */
	int dead_conn_s;             /* seconds I/O waits for a reconnect, then fails */
	bool read_only;
	/* filled by nbd_target_open */
	int index;                   /* /dev/nbd<index> */
	char path[24];
	struct nbd_export exp;
	int fds[MAX_CONNS];          /* our copies of the sockets, passed to the keeper */
};

/* What a boot step wants of an export besides where it is. */
struct nbd_want {
	int conns;
	int io_timeout;              /* the request timeout T, seconds */
	int dead_conn_s;             /* I/O waits this long for a reconnect; 0: an hour */
	bool read_only;
	int wait_s;                  /* bounds the connect and the handshake */
};

/* The swap and root steps' one way to an NBD device: resolves t's server
 * ("dhcp": the server net names), expands the export name's ${mac}, ${ip}
 * and ${hostname} for this node, connects want->conns sockets, negotiates
 * and hands them to the kernel, filling *dev. A dev that an earlier
 * attempt attached (index >= 0) is kept: steps are retried. what names the
 * parameter in messages ("netswap=", "root=nbd"). 0, or -1 after logging
 * why (dev->index is -1 then). */
int nbd_target_open(struct nbd_device *dev, const struct nbd_target *t,
		    const struct nbd_want *want, const struct net_state *net, const char *what);

/* The keeper: a small memory-locked process that outlives the pivot and
 * reconnects dead connections. Its binary and the device list live in
 * RUN_DIR, so that it can be started again from the real root. */
#define RUN_DIR NETSWAP_RUN_DIR
#define KEEPER_BINARY RUN_DIR "/init"
#define KEEPER_ARGV0 "@netswap-keeper"

/* Copies this binary to KEEPER_BINARY, writes the device list, and starts
 * "KEEPER_BINARY keeper --attached" for the devices just attached.
 * Returns its PID, or -errno after logging why. */
int nbd_keeper_start(const struct nbd_device *devs, int n);

/* "init keeper [--attached]": keeps the devices listed in RUN_DIR alive.
 * Without --attached it adopts them: a connection that died while no
 * keeper ran is replaced. Waits while another keeper runs. */
int nbd_keeper_main(int argc, char **argv);

#endif
