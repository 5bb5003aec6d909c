/* dhcp.h - DHCP client messages (RFC 2131, options RFC 2132), pure codec.
 *
 * Builds DHCPDISCOVER and DHCPREQUEST (SELECTING, RENEWING, REBINDING)
 * and parses the server's OFFER / ACK / NAK into a lease; the lease's
 * timers (T1, T2, expiry) are pure arithmetic here too.  No system calls: net.c owns the
 * socket and the state machine, ipudp.c the IPv4/UDP framing.
 */
#ifndef NETSWAP_DHCP_H
#define NETSWAP_DHCP_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68

/* Message types, option 53. */
enum dhcp_msg_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/* What we send is padded to the 300-byte BOOTP minimum (RFC 1542 2.1)
 * that some relays still expect, and fits a DHCP_MSG_MAX buffer (548 bytes
 * with a 255-character hostname; 576 is what every DHCP host must accept,
 * RFC 2131 2). */
#define DHCP_MSG_MIN 300
#define DHCP_MSG_MAX 576

struct dhcp_client {
	uint32_t xid;           /* transaction id, host order; same for DISCOVER and REQUEST */
	uint8_t mac[6];
	uint16_t secs;          /* seconds since the client began (RFC 2131 table 5) */
	const char *hostname;   /* option 12, may be NULL */
};

/* Strings are NUL-terminated.  A string option that does not fit its field
 * (or holds a NUL or control character) makes the whole reply malformed:
 * nothing is truncated, because a cut root-path, bootfile or hostname would
 * boot the wrong thing silently; the error message names the option. */
struct dhcp_lease {
	uint8_t type;                   /* DHCP_OFFER, DHCP_ACK, DHCP_NAK */
	struct in_addr yiaddr;
	struct in_addr siaddr;          /* next-server (BOOTP siaddr) */
	struct in_addr server_id;       /* option 54 */
	struct in_addr subnet;          /* option 1, 0 when absent */
	struct in_addr router;          /* first address of option 3 */
	struct in_addr broadcast;       /* option 28 */
	struct in_addr dns[3];          /* first three of option 6 */
	int ndns;
	uint32_t lease_secs;            /* option 51, 0 when absent */
	uint32_t renew_secs;            /* option 58 (T1), 0 when absent */
	uint32_t rebind_secs;           /* option 59 (T2), 0 when absent */
	char hostname[64];              /* option 12 */
	char domain[64];                /* option 15 */
	char root_path[256];            /* option 17 */
	char bootfile[128];             /* option 67, else the BOOTP file field */
	char tftp_server[64];           /* option 66, else the BOOTP sname field */
};

/* Both return the message length written to buf (at least DHCP_MSG_MIN), or
 * 0 when cap is too small or the hostname does not fit one option (255). */
size_t dhcp_encode_discover(uint8_t *buf, size_t cap, const struct dhcp_client *c);
/* SELECTING state (RFC 2131 4.3.2): ciaddr 0, option 50 = offer->yiaddr,
 * option 54 = offer->server_id. */
size_t dhcp_encode_request(uint8_t *buf, size_t cap, const struct dhcp_client *c,
			   const struct dhcp_lease *offer);

/* RENEWING and REBINDING state (RFC 2131 4.3.2, 4.4.5): ciaddr = the
 * address the client holds, no option 50 or 54, broadcast flag clear (the
 * server answers ciaddr by unicast). The caller unicasts it to the server
 * (RENEWING) or broadcasts it (REBINDING). Returns 0 when ciaddr is 0. */
size_t dhcp_encode_renew(uint8_t *buf, size_t cap, const struct dhcp_client *c,
			 struct in_addr ciaddr);

/* Parses a BOOTP/DHCP reply (the UDP payload).
 * Returns -1 malformed (err says what and what was expected),
 *          0 not for us (not a BOOTREPLY, other xid or chaddr, no magic
 *            cookie or no option 53: plain BOOTP, other message types),
 *         >0 the message type: DHCP_OFFER, DHCP_ACK or DHCP_NAK.
 * lease is zeroed first and filled only as far as parsing got; use it only
 * when the result is > 0.  err may be NULL. */
int dhcp_parse_reply_err(const uint8_t *buf, size_t len, uint32_t xid,
			 const uint8_t mac[6], struct dhcp_lease *lease,
			 char *err, size_t errcap);
int dhcp_parse_reply(const uint8_t *buf, size_t len, uint32_t xid,
		     const uint8_t mac[6], struct dhcp_lease *lease);

/* Delay before retransmission number attempt (0 = wait after the first
 * send), in ms: base_ms doubled per attempt up to cap_ms, plus a uniform
 * jitter taken from random.  RFC 2131 4.1 asks for 4 s, 8 s, ... 64 s, each
 * +-1 s: that is dhcp_backoff_ms(n, 4000, 64000, r). */
uint32_t dhcp_backoff_ms(int attempt, uint32_t base_ms, uint32_t cap_ms, uint32_t random);

/* The lease's timers, in seconds after the ACK that started it. */
#define DHCP_LEASE_INFINITE 0xffffffffu
/* RFC 2131 4.4.5: retransmit a RENEWING or REBINDING REQUEST after half
 * the time left, but not sooner than this. */
#define DHCP_RETRY_MIN_S 60
struct dhcp_timers {
	uint32_t t1, t2, expiry;   /* all DHCP_LEASE_INFINITE for an infinite lease */
};
enum dhcp_lease_phase { DHCP_BOUND, DHCP_RENEWING, DHCP_REBINDING, DHCP_EXPIRED };

/* T1 = option 58, T2 = option 59, when 0 < T1 < T2 < lease; else half and
 * 7/8 of the lease (RFC 2131 4.4.5). A lease time of 0 (absent) or
 * 0xffffffff is infinite: nothing to renew. */
void dhcp_timers(const struct dhcp_lease *l, struct dhcp_timers *t);
enum dhcp_lease_phase dhcp_lease_phase(const struct dhcp_timers *t, uint32_t elapsed);
/* Seconds from elapsed (after the ACK) until the next REQUEST: T1 while
 * BOUND; half the time left to T2 (RENEWING) or to expiry (REBINDING), at
 * least DHCP_RETRY_MIN_S but never past T2 or expiry; DHCP_RETRY_MIN_S once
 * expired (the init keeps asking, see lease.c); DHCP_LEASE_INFINITE for an
 * infinite lease. */
uint32_t dhcp_next_request(const struct dhcp_timers *t, uint32_t elapsed);

/* Writes the lease as shell-sourceable KEY='value' lines, the format of
 * initramfs-tools' /run/net-<if>.conf, for /run/netswap/net-<ifname>.conf.
 * PROTO is dhcp for a server's lease (type set) and none for a static ip=
 * config (type 0), as initramfs-tools writes it. bootif may be NULL.
 * Returns the length written (without the NUL),
 * -ENOSPC when cap is too small, -EINVAL when a value holds a control
 * character (a line-based reader would split it). */
int dhcp_lease_format(const struct dhcp_lease *l, const char *ifname, const uint8_t mac[6],
		      const char *bootif, char *buf, size_t cap);

/* What dhcp_lease_format wrote, read back: a lease companion started
 * again from the real root (`init lease`) takes its lease from there. */
struct dhcp_conf {
	char ifname[16];
	uint8_t mac[6];
	char bootif[24];
	struct dhcp_lease lease;   /* type DHCP_ACK for PROTO='dhcp', 0 for 'none' */
};
/* Returns 0, or -EINVAL when a line is not KEY='value', a known key has a
 * bad value, or DEVICE or IPV4ADDR is missing (err says which). Unknown
 * keys are skipped. */
int dhcp_conf_parse(const char *text, struct dhcp_conf *c, char *err, size_t errcap);

#endif
