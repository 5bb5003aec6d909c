/* test_keeper.c - the keeper's state machine (init/keeper.c) driven through
 * its ops seam with a fake clock and fake servers: each device recovers on
 * its own, a reconnected export must be the same size and still writable,
 * a 'dhcp' server is looked up again, adopted devices are probed, and a
 * death that shows only on the socket the keeper holds is repaired. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "keeper.h"
#include "log.h"

#define SIZE (512ull << 20)

/* One fake server per device slot, by index. */
struct fake_server {
	bool down;               /* connect fails */
	uint64_t size;
	uint16_t flags;
	int dead_in_kernel;      /* connections the kernel holds dead */
	long connect_ms;         /* how long a connect and handshake takes */
	long reconfigure_ms;     /* how long the kernel takes the socket */
	int connects, reconfigures, resolves;
	int loud;                /* attempts asked to say why they failed */
	const char *lease_host;  /* what the lease says now, for 'dhcp' */
};

static struct fake_server srv[MAX_NBD_DEVICES];
static int open_fds, next_fd = 100;
static long clock_ms; /* the fake clock: the round's time, plus what the fakes took */
static int fd_owner[1000];
static struct keeper k;

static int fake_resolve(void *ctx, struct nbd_device *dev)
{
	struct fake_server *s = &srv[dev->index];

	(void)ctx;
	s->resolves++;
	if (!s->lease_host)
		return -1;
	snprintf(dev->host, sizeof(dev->host), "%s", s->lease_host);
	return 0;
}

static int fake_connect(void *ctx, struct nbd_device *dev, struct nbd_export *exp, bool quiet)
{
	struct fake_server *s = &srv[dev->index];

	(void)ctx;
	s->connects++;
	s->loud += !quiet;
	clock_ms += s->connect_ms;
	if (s->down)
		return -1;
	memset(exp, 0, sizeof(*exp));
	exp->size = s->size;
	exp->flags = s->flags;
	open_fds++;
	fd_owner[next_fd] = dev->index;
	return next_fd++;
}

static int fake_reconfigure(void *ctx, const struct nbd_device *dev, int fd)
{
	struct fake_server *s = &srv[dev->index];

	(void)ctx;
	CHECK_EQ(fd_owner[fd], dev->index);
	s->reconfigures++;
	clock_ms += s->reconfigure_ms;
	if (s->dead_in_kernel == 0)
		return -ENOSPC;
	s->dead_in_kernel--;
	return 0;
}

static void fake_close(void *ctx, int fd)
{
	(void)ctx;
	(void)fd;
	open_fds--;
}

static long fake_now_ms(void *ctx)
{
	(void)ctx;
	return clock_ms;
}

/* The keeper's loop at time now: the attempts that are due. */
static void retry_due(long now)
{
	clock_ms = now;
	keeper_retry_due(&k, now);
}

/* n devices nbd0..nbd<n-1>, conns each, every server up and healthy. */
static void setup(int n, int conns)
{
	memset(&k, 0, sizeof(k));
	memset(srv, 0, sizeof(srv));
	open_fds = 0;
	k.ops = (struct keeper_ops){ NULL, fake_resolve, fake_connect, fake_reconfigure, fake_close,
				  fake_now_ms };
	for (int i = 0; i < n; i++) {
		struct nbd_device d;

		memset(&d, 0, sizeof(d));
		d.index = i;
		snprintf(d.path, sizeof(d.path), "/dev/nbd%d", i);
		snprintf(d.host, sizeof(d.host), "10.0.0.%d", i + 1);
		snprintf(d.export_name, sizeof(d.export_name), "swap%d", i);
		d.port = 10809;
		d.conns = conns;
		d.exp.size = SIZE;
		d.exp.flags = NBD_FLAG_HAS_FLAGS;
		CHECK_EQ(keeper_add(&k, &d), i);
		srv[i].size = SIZE;
		srv[i].flags = NBD_FLAG_HAS_FLAGS;
	}
}

/* Sockets the keeper holds: the fakes it has not closed. */
static int held(void)
{
	int n = 0;

	for (int i = 0; i < k.n; i++)
		n += k.devs[i].nsocks;
	return n;
}

/* The kernel marks one of the device's connections dead: it shuts the
 * socket down, which our copy (if the keeper holds one) shows at once, and
 * sends its notice, if it can (notice). */
static void kernel_marks_dead(int index, long now, bool notice)
{
	struct keeper_dev *d = &k.devs[index];

	srv[index].dead_in_kernel++;
	if (d->nsocks > 0)
		keeper_socket_gone(&k, d->socks[0], now);
	if (notice)
		keeper_link_dead(&k, index, now);
}

/* One device of conns connections whose first socks the keeper holds
 * (fds 42, 43, ...), as an attached keeper gets them from the init. */
static void setup_holding(int conns, int socks)
{
	setup(1, conns);
	for (int c = 0; c < socks; c++)
		CHECK_EQ(keeper_hold(&k, 0, 42 + c), 0);
	open_fds = socks;
}

static void kernel_drops(int index, long now)
{
	kernel_marks_dead(index, now, true);
}

/* The defect: the swap server (nbd0) is dead; the root's (nbd1) is fine.
 * The root's connection comes back in the first round and never waits for
 * nbd0's server. */
static void dead_server_does_not_hold_up_another(void)
{
	setup(2, 1);
	srv[0].down = true;
	kernel_drops(0, 0);
	kernel_drops(1, 0);
	retry_due(0);
	CHECK_EQ(srv[0].connects, 1);
	CHECK_EQ(k.devs[0].dead, 1);
	CHECK_EQ(srv[1].reconfigures, 1);
	CHECK_EQ(srv[1].dead_in_kernel, 0);
	CHECK_EQ(k.devs[1].dead, 0);
	/* nbd1 dies again while nbd0's server is still down: back at once. */
	for (long t = 0; t < 60000; t += 250)
		retry_due(t);
	kernel_drops(1, 60000);
	retry_due(60000);
	CHECK_EQ(k.devs[1].dead, 0);
	CHECK_EQ(srv[1].reconfigures, 2);
	CHECK_EQ(k.devs[0].dead, 1);
	CHECK_EQ(open_fds, held());
}

/* Backoff doubles from 250 ms to 5 s; wait_ms tells the loop when. */
static void backoff_doubles_to_a_cap(void)
{
	long t = 0, expect = KEEPER_RETRY_MIN_MS;

	setup(1, 1);
	srv[0].down = true;
	CHECK_EQ(keeper_wait_ms(&k, 0), -1);
	kernel_drops(0, 0);
	CHECK_EQ(keeper_wait_ms(&k, 0), 0);
	for (int i = 0; i < 8; i++) {
		retry_due(t);
		CHECK_EQ(keeper_wait_ms(&k, t), expect);
		retry_due(t + expect - 1); /* not due: no attempt */
		CHECK_EQ(srv[0].connects, i + 1);
		t += expect;
		expect = expect * 2 > KEEPER_RETRY_MAX_MS ? KEEPER_RETRY_MAX_MS : expect * 2;
	}
	srv[0].down = false;
	retry_due(t);
	CHECK_EQ(k.devs[0].dead, 0);
	CHECK_EQ(keeper_wait_ms(&k, t), -1);
}

/* An outage that lasts is not silent: the first attempt says why it
 * failed, then every tenth; a new outage starts the count again. */
static void failures_are_told_now_and_then(void)
{
	long t = 0;

	setup(1, 1);
	srv[0].down = true;
	kernel_drops(0, 0);
	for (int i = 0; i < 21; i++) {
		retry_due(t);
		t += KEEPER_RETRY_MAX_MS;
	}
	CHECK_EQ(srv[0].connects, 21);
	CHECK_EQ(srv[0].loud, 3);
	srv[0].down = false;
	retry_due(t);
	CHECK_EQ(srv[0].loud, 3);
	srv[0].down = true;
	kernel_drops(0, t);
	retry_due(t);
	CHECK_EQ(srv[0].loud, 4);
}

/* A server that came back with another export behind the name. */
static void changed_export_is_refused(void)
{
	setup(1, 1);
	srv[0].size = SIZE / 2;
	kernel_drops(0, 0);
	retry_due(0);
	CHECK_EQ(srv[0].reconfigures, 0);
	CHECK_EQ(open_fds, held());
	CHECK(strstr(k.devs[0].refused, "is now 268435456 bytes, the kernel has 536870912") != NULL);
	srv[0].size = SIZE;
	srv[0].flags |= NBD_FLAG_READ_ONLY;
	retry_due(250);
	CHECK_EQ(srv[0].reconfigures, 0);
	CHECK(strstr(k.devs[0].refused, "read-only") != NULL);
	srv[0].flags &= (uint16_t)~NBD_FLAG_READ_ONLY;
	retry_due(750);
	CHECK_EQ(srv[0].reconfigures, 1);
	CHECK_EQ(k.devs[0].dead, 0);

	/* A read-only root may come back read-only. */
	setup(1, 1);
	k.devs[0].dev.read_only = true;
	srv[0].flags |= NBD_FLAG_READ_ONLY;
	kernel_drops(0, 0);
	retry_due(0);
	CHECK_EQ(k.devs[0].dead, 0);
}

static void mismatch_messages(void)
{
	struct nbd_device d;
	struct nbd_export e;
	char msg[160];

	memset(&d, 0, sizeof(d));
	memset(&e, 0, sizeof(e));
	d.exp.size = e.size = 4096;
	CHECK(keeper_export_mismatch(&d, &e, msg, sizeof(msg)) == NULL);
	e.flags = NBD_FLAG_READ_ONLY;
	CHECK_STR(keeper_export_mismatch(&d, &e, msg, sizeof(msg)), "is now read-only; swap needs it writable");
	d.read_only = true;
	CHECK(keeper_export_mismatch(&d, &e, msg, sizeof(msg)) == NULL);
	e.size = 8192;
	CHECK_STR(keeper_export_mismatch(&d, &e, msg, sizeof(msg)), "is now 8192 bytes, the kernel has 4096");
}

/* conns=4, two die: two reconfigures, one round after the other. */
static void several_dead_connections(void)
{
	setup(1, 4);
	kernel_drops(0, 0);
	kernel_drops(0, 0);
	CHECK_EQ(k.devs[0].dead, 2);
	retry_due(0);
	CHECK_EQ(k.devs[0].dead, 1);
	CHECK_EQ(keeper_wait_ms(&k, 0), 0);
	retry_due(0);
	CHECK_EQ(k.devs[0].dead, 0);
	CHECK_EQ(srv[0].reconfigures, 2);
	/* More notices than connections cannot make it try forever. */
	for (int i = 0; i < 10; i++)
		keeper_link_dead(&k, 0, 10);
	CHECK_EQ(k.devs[0].dead, 4);
	retry_due(10);
	CHECK_EQ(k.devs[0].dead, 0); /* the kernel had none dead: -ENOSPC */
	/* A device that is not ours is ignored. */
	keeper_link_dead(&k, 7, 20);
	CHECK_EQ(keeper_wait_ms(&k, 20), -1);
}

/* An adopting keeper does not know which connections died while no keeper
 * ran: it replaces dead ones until the kernel has none. */
static void adoption_probes(void)
{
	setup(2, 2);
	srv[1].dead_in_kernel = 1;
	keeper_probe_all(&k, 0);
	for (int round = 0; round < 4; round++)
		retry_due(0);
	CHECK_EQ(k.devs[0].dead, 0);
	CHECK_EQ(k.devs[1].dead, 0);
	CHECK_EQ(srv[0].reconfigures, 1);  /* -ENOSPC at once */
	CHECK_EQ(srv[1].reconfigures, 2);  /* one replaced, then -ENOSPC */
	CHECK_EQ(srv[1].dead_in_kernel, 0);
	CHECK_EQ(open_fds, held());
}

/* The kernel's notice never comes (its worker could not allocate, or no
 * worker could start): the death shows on the socket the keeper holds,
 * and the connection is replaced. So is the replacement, when it dies. */
static void held_socket_needs_no_notice(void)
{
	setup_holding(1, 1);
	kernel_marks_dead(0, 0, false);
	CHECK_EQ(k.devs[0].dead, 1);
	CHECK_EQ(held(), 0); /* the dead copy is closed */
	retry_due(0);
	CHECK_EQ(srv[0].reconfigures, 1);
	CHECK_EQ(k.devs[0].dead, 0);
	CHECK_EQ(held(), 1);
	kernel_marks_dead(0, 1000, false);
	retry_due(1000);
	CHECK_EQ(srv[0].reconfigures, 2);
	CHECK_EQ(srv[0].dead_in_kernel, 0);
	CHECK_EQ(open_fds, held());
}

/* TCP ends the connection (our copy hangs up) a moment before the kernel's
 * receive thread marks it dead: the kernel takes nothing yet (-ENOSPC),
 * and the keeper tries again rather than believing all is well. */
static void hangup_before_the_kernel_knows(void)
{
	setup_holding(1, 1);
	keeper_socket_gone(&k, 42, 0);
	retry_due(0);
	CHECK_EQ(srv[0].reconfigures, 1);
	CHECK_EQ(k.devs[0].dead, 1);
	CHECK_EQ(keeper_wait_ms(&k, 0), KEEPER_RETRY_MIN_MS);
	srv[0].dead_in_kernel = 1; /* now it has */
	retry_due(KEEPER_RETRY_MIN_MS);
	CHECK_EQ(srv[0].reconfigures, 2);
	CHECK_EQ(k.devs[0].dead, 0);
	CHECK_EQ(open_fds, held());
}

/* A death seen on the socket and told by the kernel too is one death: no
 * second connection is made, and a late notice after the repair is
 * ignored. An unknown fd changes nothing. */
static void notice_and_hangup_count_once(void)
{
	setup_holding(2, 2);
	CHECK_EQ(keeper_hold(&k, 0, 44), -1); /* conns=2 */
	kernel_drops(0, 0);
	CHECK_EQ(k.devs[0].dead, 1);
	retry_due(0);
	retry_due(0);
	CHECK_EQ(srv[0].connects, 1);
	keeper_link_dead(&k, 0, 10);
	CHECK_EQ(keeper_wait_ms(&k, 10), -1);
	keeper_socket_gone(&k, 999, 20);
	CHECK_EQ(keeper_wait_ms(&k, 20), -1);
	CHECK_EQ(held(), 2);
	CHECK_EQ(open_fds, held());
}

/* A 'dhcp' server is looked up in the current lease before each attempt;
 * the others are not. */
static void dhcp_server_is_resolved_again(void)
{
	setup(2, 1);
	k.devs[0].dev.host_is_dhcp = true;
	srv[0].lease_host = "10.0.0.99";
	kernel_drops(0, 0);
	kernel_drops(1, 0);
	retry_due(0);
	CHECK_EQ(srv[0].resolves, 1);
	CHECK_EQ(srv[1].resolves, 0);
	CHECK_STR(k.devs[0].dev.host, "10.0.0.99");
	CHECK_STR(k.devs[1].dev.host, "10.0.0.2");
}

#define CONF "DEVICE='eth0'\nIPV4ADDR='10.0.2.15'\n"

static void lease_server(void)
{
	char host[HOST_LEN];

	CHECK_EQ(keeper_lease_server(CONF "ROOTSERVER='10.0.2.2'\nROOTPATH=''\n", host,
				     sizeof(host)), 0);
	CHECK_STR(host, "10.0.2.2");
	/* a lease whose siaddr was the DHCP server's own */
	CHECK_EQ(keeper_lease_server(CONF "ROOTSERVER='10.9.8.7'\nDHCPSERVER='10.9.8.7'\n", host,
				     sizeof(host)), 0);
	CHECK_STR(host, "10.9.8.7");
	CHECK_EQ(keeper_lease_server(CONF "ROOTSERVER='0.0.0.0'\n", host, sizeof(host)), -1);
	CHECK_EQ(keeper_lease_server(CONF "ROOTSERVER=''\n", host, sizeof(host)), -1);
	CHECK_EQ(keeper_lease_server(CONF "XROOTSERVER='1.2.3.4'\n", host, sizeof(host)), -1);
	CHECK_EQ(keeper_lease_server(CONF "ROOTSERVER='1.2.3.4", host, sizeof(host)), -1);
	CHECK_EQ(keeper_lease_server("ROOTSERVER='1.2.3.4'\n", host, sizeof(host)), -1); /* no DEVICE */
	CHECK_EQ(keeper_lease_server("", host, sizeof(host)), -1);
	CHECK_EQ(keeper_lease_server(CONF "ROOTSERVER='1.2.3.4'", host, 4), -1);
}

/* The device list a keeper restarted from the real root reads. */
static void state_round_trip(void)
{
	struct nbd_device in[2], out[MAX_NBD_DEVICES];
	char text[2048];

	memset(in, 0, sizeof(in));
	in[0] = (struct nbd_device){ .index = 0, .port = 10809, .conns = 4, .io_timeout = 30,
				     .host_is_dhcp = true };
	snprintf(in[0].host, sizeof(in[0].host), "10.0.2.2");
	snprintf(in[0].ifname, sizeof(in[0].ifname), "eth0");
	snprintf(in[0].export_name, sizeof(in[0].export_name), "swap-52-54-00-12-34-56");
	in[0].exp.size = SIZE;
	in[1] = (struct nbd_device){ .index = 1, .port = 2000, .conns = 1, .io_timeout = 90,
				     .read_only = true };
	snprintf(in[1].host, sizeof(in[1].host), "fd00::1");
	snprintf(in[1].export_name, sizeof(in[1].export_name), "root fs:x");
	in[1].exp.size = 4096;
	CHECK(keeper_state_format(in, 2, text, sizeof(text)) > 0);
	CHECK_STR(text, "nbd0 10.0.2.2 10809 4 30 536870912 rw dhcp eth0 swap-52-54-00-12-34-56\n"
			"nbd1 fd00::1 2000 1 90 4096 ro fixed - root fs:x\n");
	CHECK_EQ(keeper_state_parse(text, out, MAX_NBD_DEVICES), 2);
	CHECK_EQ(out[0].index, 0);
	CHECK_STR(out[0].path, "/dev/nbd0");
	CHECK_STR(out[0].host, "10.0.2.2");
	CHECK_EQ(out[0].port, 10809);
	CHECK_EQ(out[0].conns, 4);
	CHECK_EQ(out[0].io_timeout, 30);
	CHECK_EQ(out[0].exp.size, SIZE);
	CHECK(!out[0].read_only);
	CHECK(out[0].host_is_dhcp);
	CHECK_STR(out[0].ifname, "eth0");
	CHECK_STR(out[0].export_name, "swap-52-54-00-12-34-56");
	CHECK_STR(out[1].host, "fd00::1");
	CHECK(out[1].read_only);
	CHECK(!out[1].host_is_dhcp);
	CHECK_STR(out[1].ifname, "");
	CHECK_STR(out[1].export_name, "root fs:x");
	/* The default export is the empty name. */
	in[0].export_name[0] = '\0';
	CHECK(keeper_state_format(in, 1, text, sizeof(text)) > 0);
	CHECK_EQ(keeper_state_parse(text, out, MAX_NBD_DEVICES), 1);
	CHECK_STR(out[0].export_name, "");
	/* Too small a buffer is an error, never a cut line. */
	CHECK_EQ(keeper_state_format(in, 2, text, 40), -1);
}

static void state_bad_lines(void)
{
	struct nbd_device out[2];

	CHECK_EQ(keeper_state_parse("", out, 2), 0);
	CHECK_EQ(keeper_state_parse("nbd0 h 1 1 30 4096 rw fixed - x\nbogus\n", out, 2), -2);
	CHECK_EQ(keeper_state_parse("nbd0 h 0 1 30 4096 rw fixed - x\n", out, 2), -1);     /* port 0 */
	CHECK_EQ(keeper_state_parse("nbd0 h 1 17 30 4096 rw fixed - x\n", out, 2), -1);    /* conns */
	CHECK_EQ(keeper_state_parse("nbd0 h 1 1 30 0 rw fixed - x\n", out, 2), -1);        /* size 0 */
	CHECK_EQ(keeper_state_parse("nbd0 h 1 1 30 4096 rx fixed - x\n", out, 2), -1);
	CHECK_EQ(keeper_state_parse("nbd0 h 1 1 30 4096 rw maybe - x\n", out, 2), -1);
	CHECK_EQ(keeper_state_parse("nbd0 h 1 1 30 4096 rw fixed\n", out, 2), -1);        /* cut */
	CHECK_EQ(keeper_state_parse("nbd0 h 99999999999999999999 1 30 1 rw fixed - x", out, 2), -1);
	CHECK_EQ(keeper_state_parse("nbd0 h 1 1 30 4096 rw fixed averyveryverylongifname x\n", out, 2), -1);
	CHECK_EQ(keeper_state_parse("nbd0 h 1 1 30 1 rw fixed - a\nnbd1 h 1 1 30 1 rw fixed - b\n"
				    "nbd2 h 1 1 30 1 rw fixed - c\n", out, 2), -3);       /* too many */
}

/* The keeper's log lines while it runs the attempts due at now. */
static void retry_logged(long now, char *out, size_t cap)
{
	FILE *f = tmpfile();
	size_t n;

	CHECK(f != NULL);
	log_use_fd(dup(fileno(f)));
	retry_due(now);
	log_use_fd(2);
	rewind(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = 0;
	fclose(f);
}

/* A connection is back when the kernel has the socket: an attempt that
 * waited (a handshake of 20 s, the kernel 12 s) counts that time, says
 * where it went, and the next outage's backoff starts from the first step
 * again. */
static void slow_attempt_is_timed_to_its_end(void)
{
	char log[1024];

	setup(1, 1);
	kernel_drops(0, 1000);
	srv[0].connect_ms = 20000;
	srv[0].reconfigure_ms = 12000;
	retry_logged(1000, log, sizeof(log));
	CHECK(strstr(log, "/dev/nbd0: attempt 1 took 32000 ms: 20000 to connect and negotiate, "
			  "12000 handing the socket to the kernel") != NULL);
	CHECK(strstr(log, "connection back after 32000 ms") != NULL);
	CHECK_EQ(k.devs[0].dead, 0);
	CHECK_EQ(k.devs[0].reconnects, 1ul);
	CHECK_EQ(k.devs[0].up_ms, 33000);
	CHECK_EQ(k.devs[0].delay_ms, KEEPER_RETRY_MIN_MS);
	CHECK_EQ(open_fds, held());
	/* a quick one says nothing of its time */
	kernel_drops(0, 40000);
	srv[0].connect_ms = srv[0].reconfigure_ms = 5;
	retry_logged(40000, log, sizeof(log));
	CHECK(strstr(log, "took") == NULL);
	CHECK(strstr(log, "connection back after 10 ms") != NULL);
	/* a slow one that fails says only that */
	kernel_drops(0, 80000);
	srv[0].connect_ms = 21000;
	srv[0].down = 1;
	retry_logged(80000, log, sizeof(log));
	CHECK(strstr(log, "/dev/nbd0: attempt 1 failed after 21000 ms") != NULL);
	CHECK(strstr(log, "handing") == NULL);
}

int main(void)
{
	RUN(state_round_trip);
	RUN(state_bad_lines);
	RUN(dead_server_does_not_hold_up_another);
	RUN(backoff_doubles_to_a_cap);
	RUN(failures_are_told_now_and_then);
	RUN(changed_export_is_refused);
	RUN(mismatch_messages);
	RUN(several_dead_connections);
	RUN(adoption_probes);
	RUN(held_socket_needs_no_notice);
	RUN(hangup_before_the_kernel_knows);
	RUN(notice_and_hangup_count_once);
	RUN(dhcp_server_is_resolved_again);
	RUN(lease_server);
	RUN(slow_attempt_is_timed_to_its_end);
	return check_summary("keeper");
}
