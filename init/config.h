/* config.h - what the kernel command line asks of the init.
 *
 * Filled by cmdline_parse() (cmdline.c, pure) and read by every boot step.
 * Strings are NUL-terminated and truncated inputs are parse errors, never
 * silently cut.
 */
#ifndef NETSWAP_CONFIG_H
#define NETSWAP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define MAX_SWAPS 8        /* netswap= may repeat */
#define MAX_CONNS 16       /* conns=<n> per NBD device */
#define NBD_DEFAULT_PORT 10809
#define HOST_LEN 64        /* "1.2.3.4", "fe80::1", "dhcp" */
#define NAME_LEN 256       /* export names, paths, options */
#define IFNAME_LEN 16      /* IFNAMSIZ */
#define MIRROR_NAME_LEN 17 /* mirror=<name>: 16 chars; the array is /dev/md_<name> */
/* Survives the pivot (the init moves /run into the real root): the lease
 * file net-<if>.conf and the init binary the real root restarts helpers from. */
#define NETSWAP_RUN_DIR "/run/netswap"

enum ip_mode { IP_DHCP, IP_OFF, IP_STATIC };

/* ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:<hostname>:<device>:<autoconf>[:<dns0>[:<dns1>]]
 * Empty fields are zero / "".  mode is IP_STATIC when a client address is
 * given and autoconf is off/none/static/"", IP_DHCP for dhcp/on/any/both/"",
 * without client address. */
struct ip_config {
	enum ip_mode mode;
	struct in_addr client, server, gateway, netmask, dns[2];
	char hostname[HOST_LEN];
	char device[IFNAME_LEN];
};

/* Where an NBD export lives. host is textual: an IPv4 address, an IPv6
 * address without brackets, or "dhcp" (use the DHCP server / next-server). */
struct nbd_target {
	char host[HOST_LEN];
	bool host_is_dhcp;
	uint16_t port;            /* NBD_DEFAULT_PORT when not given */
	char export_name[NAME_LEN]; /* template: may hold ${mac} ${ip} ${hostname}; "" = default export */
};

/* netswap=nbd:<server>:<port>[/<export>] | nbd:<server>:<export>, optional :<options> */
struct swap_spec {
	struct nbd_target target;
	int prio;                 /* -1: kernel default */
	int conns;                /* 1..MAX_CONNS, default 1 */
	int timeout;              /* seconds, 0: use netswap.timeout */
	bool encrypt;
	char mirror[MIRROR_NAME_LEN]; /* "": a device of its own; else the md RAID1 it is a leg of */
};

enum root_kind { ROOT_NONE, ROOT_NBD, ROOT_NFS, ROOT_DEV, ROOT_DHCP };

struct root_spec {
	enum root_kind kind;
	struct nbd_target nbd;       /* ROOT_NBD */
	char fstype[32];             /* ROOT_NBD: 3rd field; else from rootfstype= */
	char mountopts[NAME_LEN];    /* ROOT_NBD: 4th field */
	int nbd_timeout;             /* ROOT_NBD: nbdopts -t,<s>; 0: the default */
	char nfs_server[HOST_LEN];   /* ROOT_NFS */
	char nfs_path[NAME_LEN];
	char nfs_options[NAME_LEN];
	char device[NAME_LEN];       /* ROOT_DEV: /dev/... */
};

enum onfail { ONFAIL_RETRY, ONFAIL_SHELL, ONFAIL_REBOOT };

/* netswap.zswap: KERNEL leaves zswap as the kernel booted it (off unless
 * zswap.enabled=1 was given). */
enum zswap_mode { ZSWAP_KERNEL, ZSWAP_OFF, ZSWAP_LZ4, ZSWAP_ZSTD, ZSWAP_MODES };

struct netswap_config {
	struct ip_config ip;
	bool have_bootif;
	uint8_t bootif[6];           /* BOOTIF=01-52-54-00-12-34-56 */
	struct swap_spec swaps[MAX_SWAPS];
	int nswaps;
	struct root_spec root;
	char rootfstype[32];
	char rootflags[NAME_LEN];
	bool root_rw;                /* "rw" given; default read-only like the kernel */
	bool root_overlay;           /* rootovl: root read-only below a tmpfs overlay */
	char overlay_size[16];       /* rootovl=<size>: the tmpfs's size=; "" = tmpfs default */
	char init[NAME_LEN];         /* default /sbin/init */
	enum onfail onfail;          /* default ONFAIL_RETRY */
	int timeout;                 /* netswap.timeout, seconds, default 30 */
	bool debug;                  /* netswap.debug */
	enum zswap_mode zswap;       /* netswap.zswap, default ZSWAP_KERNEL */
	int zswap_pool;              /* netswap.zswap_pool, % of RAM; 0: the kernel's 20 */
};

#endif
