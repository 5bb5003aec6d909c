/* keeper.c - the keeper's state machine (keeper.h). No system calls here:
 * nbd.c runs it with real sockets and netlink, tests/unit/test_keeper.c
 * with a fake clock.
 *
 * A connection died (a FIN, a TCP timeout, or a request that timed out)
 * when our copy of its socket hangs up, or when the kernel says so
 * (NBD_CMD_LINK_DEAD); the I/O meanwhile waits in the kernel for
 * dead_conn_timeout. The copy is what we trust: the kernel sends its
 * notice from a worker that must allocate memory, and a node whose memory
 * is full and whose swap is the dead connection may have none to give.
 * The notice still serves a keeper that adopted its devices and holds no
 * copies of their sockets. Each device keeps its own count of
 * dead connections and its own backoff, and an attempt is one connect and
 * handshake, never a loop: a device whose server is down delays another
 * device's repair by one attempt at most. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "dhcp.h"
#include "fmt.h"
#include "keeper.h"
#include "log.h"

int keeper_add(struct keeper *k, const struct nbd_device *dev)
{
	struct keeper_dev *d;

	if (k->n >= MAX_NBD_DEVICES)
		return -1;
	d = &k->devs[k->n];
	memset(d, 0, sizeof(*d));
	d->dev = *dev;
	d->delay_ms = KEEPER_RETRY_MIN_MS;
	return k->n++;
}

static struct keeper_dev *find_index(struct keeper *k, int index)
{
	for (int i = 0; i < k->n; i++)
		if (k->devs[i].dev.index == index)
			return &k->devs[i];
	return NULL;
}

static void mark_down(struct keeper_dev *d, long now)
{
	if (d->dead == 0) {
		d->down_ms = now;
		d->tries = 0;
		d->delay_ms = KEEPER_RETRY_MIN_MS;
		d->next_ms = now;
		d->refused[0] = '\0';
	}
}

/* One more of d's connections is dead; how: who told us. */
static void lost(struct keeper_dev *d, long now, const char *how)
{
	mark_down(d, now);
	if (d->dead < d->dev.conns)
		d->dead++;
	warn("keeper: %s connection lost to %s:%u export '%s' (%d of %d dead, %s); reconnecting",
	     d->dev.path, d->dev.host, d->dev.port, d->dev.export_name, d->dead, d->dev.conns, how);
}

void keeper_link_dead(struct keeper *k, int index, long now)
{
	struct keeper_dev *d = find_index(k, index);

	if (!d)
		return; /* not ours: a device someone else attached */
	/* Every connection is held or already counted: the death this notice
	 * reports shows (or showed) on our copy. */
	if (d->nsocks + d->seen >= d->dev.conns) {
		debug("keeper: %s: the kernel's notice of a lost connection, already seen", d->dev.path);
		return;
	}
	lost(d, now, "the kernel's notice");
}

int keeper_hold(struct keeper *k, int slot, int fd)
{
	struct keeper_dev *d = &k->devs[slot];

	if (d->nsocks >= d->dev.conns)
		return -1;
	d->socks[d->nsocks++] = fd;
	return 0;
}

void keeper_socket_gone(struct keeper *k, int fd, long now)
{
	for (int i = 0; i < k->n; i++) {
		struct keeper_dev *d = &k->devs[i];

		for (int c = 0; c < d->nsocks; c++) {
			if (d->socks[c] != fd)
				continue;
			d->socks[c] = d->socks[--d->nsocks];
			k->ops.close(k->ops.ctx, fd);
			d->seen++;
			lost(d, now, "seen on its socket");
			return;
		}
	}
}

void keeper_probe_all(struct keeper *k, long now)
{
	for (int i = 0; i < k->n; i++) {
		struct keeper_dev *d = &k->devs[i];

		mark_down(d, now);
		d->dead = d->dev.conns;
		d->probing = true;
	}
}

const char *keeper_export_mismatch(const struct nbd_device *dev, const struct nbd_export *got,
				   char *msg, size_t cap)
{
	if (got->size != dev->exp.size)
		bufprint(msg, cap, "is now %llu bytes, the kernel has %llu",
			 (unsigned long long)got->size, (unsigned long long)dev->exp.size);
	else if (!dev->read_only && nbd_export_read_only(got))
		bufprint(msg, cap, "is now read-only; swap needs it writable");
	else
		return NULL;
	return msg;
}

/* Logs a refusal the first time it happens in this outage. */
static void refuse(struct keeper_dev *d, const char *why)
{
	if (strcmp(d->refused, why) == 0)
		return;
	bufprint(d->refused, sizeof(d->refused), "%s", why);
	err("keeper: %s: export '%s' on %s:%u %s; refusing it and retrying",
	    d->dev.path, d->dev.export_name, d->dev.host, d->dev.port, why);
}

static void back_off(struct keeper_dev *d, long now)
{
	d->next_ms = now + d->delay_ms;
	d->delay_ms = d->delay_ms * 2 > KEEPER_RETRY_MAX_MS ? KEEPER_RETRY_MAX_MS : d->delay_ms * 2;
}

/* Says where an attempt that began at start spent its time, if it was
 * slow; connected is when the connect and handshake ended, end is when
 * the kernel took the socket, or -1 if the connect failed. */
static void report_slow(const struct keeper_dev *d, long start, long connected, long end)
{
	if ((end < 0 ? connected : end) - start <= KEEPER_SLOW_ATTEMPT_MS)
		return;
	if (end < 0)
		warn("keeper: %s: attempt %d failed after %ld ms", d->dev.path, d->tries, connected - start);
	else
		warn("keeper: %s: attempt %d took %ld ms: %ld to connect and negotiate, %ld handing the socket to the kernel",
		     d->dev.path, d->tries, end - start, connected - start, end - connected);
}

static void replaced(struct keeper_dev *d, long now)
{
	d->dead--;
	if (d->seen > 0)
		d->seen--;
	d->reconnects++;
	d->up_ms = now;
	info("keeper: %s connection back after %ld ms (%d tries, %s:%u)%s", d->dev.path,
	     now - d->down_ms, d->tries, d->dev.host, d->dev.port,
	     d->probing ? ", replacing one that died while no keeper ran" : "");
	d->next_ms = now; /* the next dead one, if any, at once */
	d->delay_ms = KEEPER_RETRY_MIN_MS;
}

static void attempt(struct keeper *k, struct keeper_dev *d, long now)
{
	const struct keeper_ops *o = &k->ops;
	struct nbd_export got;
	char why[160];
	const char *bad;
	long connected, done;
	int fd, rc;

	d->tries++;
	if (d->dev.host_is_dhcp)
		o->resolve(o->ctx, &d->dev);
	/* Say why the first attempt of an outage failed, and every tenth
	 * after it (about a minute at the longest backoff): an outage that
	 * does not end must not be silent. */
	fd = o->connect(o->ctx, &d->dev, &got, d->tries % 10 != 1);
	connected = o->now_ms(o->ctx);
	if (fd < 0) {
		report_slow(d, now, connected, -1);
		back_off(d, now);
		return;
	}
	bad = keeper_export_mismatch(&d->dev, &got, why, sizeof(why));
	if (bad) {
		o->close(o->ctx, fd);
		refuse(d, bad);
		back_off(d, now);
		return;
	}
	rc = o->reconfigure(o->ctx, &d->dev, fd);
	done = o->now_ms(o->ctx);
	report_slow(d, now, connected, done);
	if (rc == 0) {
		/* back when the kernel has the socket, not when the try began */
		replaced(d, done);
		/* kept to be watched; the kernel holds its own reference */
		if (keeper_hold(k, (int)(d - k->devs), fd) == 0)
			fd = -1;
	} else if (rc == -ENOSPC && d->seen > 0) {
		/* Our copy hung up before the kernel's receive thread saw the
		 * error: it will mark the connection dead. Try again soon. */
		debug("keeper: %s: the kernel has not yet marked the lost connection dead", d->dev.path);
		d->dead = d->seen;
		back_off(d, now);
	} else if (rc == -ENOSPC) {
		/* Nothing dead: an adopted device whose connections all live,
		 * or a notice the kernel had already acted on. */
		if (d->probing)
			info("keeper: %s: all %d connection(s) alive", d->dev.path, d->dev.conns);
		else
			warn("keeper: %s: the kernel took no new connection: it has none dead",
			     d->dev.path);
		d->dead = 0;
	} else {
		bufprint(why, sizeof(why), "was refused by the kernel (%s)", strerror(-rc));
		refuse(d, why);
		back_off(d, now);
	}
	if (fd >= 0)
		o->close(o->ctx, fd);
	if (d->dead == 0)
		d->probing = false;
}

void keeper_retry_due(struct keeper *k, long now)
{
	for (int i = 0; i < k->n; i++) {
		struct keeper_dev *d = &k->devs[i];

		if (d->dead > 0 && d->next_ms <= now)
			attempt(k, d, now);
	}
}

long keeper_wait_ms(const struct keeper *k, long now)
{
	long wait = -1;

	for (int i = 0; i < k->n; i++) {
		const struct keeper_dev *d = &k->devs[i];
		long w = d->next_ms - now;

		if (d->dead == 0)
			continue;
		if (w < 0)
			w = 0;
		if (wait < 0 || w < wait)
			wait = w;
	}
	return wait;
}

int keeper_lease_server(const char *text, char *host, size_t cap)
{
	struct dhcp_conf c;
	struct in_addr server;
	char buf[IPV4_TEXT_LEN];
	size_t len;

	if (dhcp_conf_parse(text, &c, NULL, 0) < 0)
		return -1;
	/* ROOTSERVER as dhcp_lease_format derives it */
	server = c.lease.siaddr.s_addr ? c.lease.siaddr : c.lease.server_id;
	if (!server.s_addr)
		return -1;
	len = strlen(ipv4_text(server, buf));
	if (len >= cap)
		return -1;
	memcpy(host, buf, len + 1);
	return 0;
}

int keeper_state_format(const struct nbd_device *devs, int n, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		const struct nbd_device *d = &devs[i];
		int w = bufprint(buf + len, cap - len, "nbd%d %s %u %d %d %llu %s %s %s %s\n", d->index,
				 d->host, d->port, d->conns, d->io_timeout,
				 (unsigned long long)d->exp.size, d->read_only ? "ro" : "rw",
				 d->host_is_dhcp ? "dhcp" : "fixed", d->ifname[0] ? d->ifname : "-",
				 d->export_name);

		if (w < 0 || (size_t)w >= cap - len || strchr(d->export_name, '\n'))
			return -1;
		len += (size_t)w;
	}
	return (int)len;
}

/* Copies the space-delimited word at *p into out (cap bytes), advancing
 * *p past it and one space. false when it is missing or too long. */
static bool take_word(const char **p, char *out, size_t cap)
{
	size_t n = strcspn(*p, " \n");

	if (n == 0 || n >= cap || (*p)[n] != ' ')
		return false;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n + 1;
	return true;
}

static bool take_number(const char **p, unsigned long long max, unsigned long long *v)
{
	char word[24];

	if (!take_word(p, word, sizeof(word)))
		return false;
	*v = 0;
	for (const char *c = word; *c; c++) {
		if (*c < '0' || *c > '9' || *v > (max - (unsigned)(*c - '0')) / 10)
			return false;
		*v = *v * 10 + (unsigned)(*c - '0');
	}
	return true;
}

static bool parse_state_line(const char *p, struct nbd_device *d)
{
	char word[HOST_LEN], ro[4], dhcp[8];
	unsigned long long index, port, conns, timeout, size;
	size_t n;

	memset(d, 0, sizeof(*d));
	if (strncmp(p, "nbd", 3) != 0)
		return false;
	p += 3;
	if (!take_number(&p, 1u << 20, &index) || !take_word(&p, d->host, sizeof(d->host)) ||
	    !take_number(&p, 65535, &port) || port == 0 || !take_number(&p, MAX_CONNS, &conns) ||
	    conns == 0 || !take_number(&p, 86400, &timeout) || timeout == 0 ||
	    !take_number(&p, ~0ull, &size) || size == 0 || !take_word(&p, ro, sizeof(ro)) ||
	    !take_word(&p, dhcp, sizeof(dhcp)) || !take_word(&p, word, sizeof(d->ifname)))
		return false;
	if ((strcmp(ro, "ro") && strcmp(ro, "rw")) || (strcmp(dhcp, "dhcp") && strcmp(dhcp, "fixed")))
		return false;
	n = strcspn(p, "\n");
	if (n >= sizeof(d->export_name))
		return false;
	memcpy(d->export_name, p, n);
	d->export_name[n] = '\0';
	d->index = (int)index;
	d->port = (uint16_t)port;
	d->conns = (int)conns;
	d->io_timeout = (int)timeout;
	d->exp.size = size;
	d->read_only = ro[1] == 'o';
	d->host_is_dhcp = dhcp[0] == 'd';
	if (strcmp(word, "-") != 0)
		memcpy(d->ifname, word, sizeof(d->ifname)); /* take_word bounded it */
	bufprint(d->path, sizeof(d->path), "/dev/nbd%d", d->index);
	return true;
}

int keeper_state_parse(const char *text, struct nbd_device *devs, int max)
{
	int n = 0, line = 0;

	for (const char *p = text; *p; ) {
		const char *nl = strchr(p, '\n');

		line++;
		if (n >= max || !parse_state_line(p, &devs[n]))
			return -line;
		n++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}
