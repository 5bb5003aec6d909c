/* nbd_live.c - run nbd_negotiate() against a real NBD server over TCP.
 *
 * Host-only helper for tests/unit/nbd_live.sh (and for capturing the byte
 * streams in tests/unit/fixtures/nbd/).  Connects, negotiates, checks the
 * expectations given as options, prints one "ok"/"FAIL" line, and exits 0
 * when every expectation held.
 *
 * usage: nbd_live [-x RESULT] [-s SIZE] [-r|-W] [-f] [-b MIN/PREF/MAX]
 *                 [-m TEXT] [-M 0|1] [-c CAPTURE] [-o SENT] HOST PORT EXPORT
 *   -x  expected result: NBD_OK (default), NBD_ERR_REFUSED, NBD_ERR_OLDSTYLE, ...
 *   -s  expected export size in bytes      -r / -W  expect read-only / read-write
 *   -f  expect the NBD_OPT_EXPORT_NAME fallback
 *   -b  expected block sizes               -m  text the message must contain
 *   -M  NBD_FLAG_CAN_MULTI_CONN expected (1) or not (0)
 *   -c  save the bytes the server sent     -o  save the bytes we sent
 */
#include "nbd_proto.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct sock_ctx {
	int fd;
	FILE *capture, *sent;
};

static int sock_read_full(void *ctx, void *buf, size_t len)
{
	struct sock_ctx *c = ctx;
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(c->fd, (char *)buf + done, len - done, 0);

		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		if (c->capture)
			fwrite((char *)buf + done, 1, (size_t)n, c->capture);
		done += (size_t)n;
	}
	return 0;
}

static int sock_write_full(void *ctx, const void *buf, size_t len)
{
	struct sock_ctx *c = ctx;
	size_t done = 0;

	while (done < len) {
		ssize_t n = send(c->fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		if (c->sent)
			fwrite((const char *)buf + done, 1, (size_t)n, c->sent);
		done += (size_t)n;
	}
	return 0;
}

/* After a successful handshake we are in the transmission phase; end it
 * cleanly with NBD_CMD_DISC (proto.md "Terminating the transmission phase")
 * so the server does not log a dropped connection. */
static void send_disc(struct sock_ctx *c)
{
	static const unsigned char disc[28] = {
		0x25, 0x60, 0x95, 0x13, 0, 0, 0, 2, /* magic, flags, NBD_CMD_DISC */
	};

	c->sent = NULL;
	sock_write_full(c, disc, sizeof disc);
}

static int connect_tcp(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct timeval tv = { .tv_sec = 5 };
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

struct expect {
	const char *result, *blocks, *text;
	long long size;    /* -1: any */
	int read_only;     /* -1: any */
	int fallback;      /* -1: any */
	int multi_conn;    /* -1: any; else NBD_FLAG_CAN_MULTI_CONN expected */
};

static int check(const struct expect *x, int rc, const struct nbd_export *e,
		 const char *msg, char *why, size_t whylen)
{
	char blocks[64];

	snprintf(blocks, sizeof blocks, "%u/%u/%u", e->min_block, e->pref_block, e->max_block);
	if (strcmp(nbd_result_name(rc), x->result) != 0)
		snprintf(why, whylen, "result %s, expected %s", nbd_result_name(rc), x->result);
	else if (x->size >= 0 && (long long)e->size != x->size)
		snprintf(why, whylen, "size %llu, expected %lld", (unsigned long long)e->size, x->size);
	else if (x->read_only >= 0 && nbd_export_read_only(e) != x->read_only)
		snprintf(why, whylen, "read-only %d, expected %d", nbd_export_read_only(e), x->read_only);
	else if (x->fallback >= 0 && e->used_export_name_fallback != x->fallback)
		snprintf(why, whylen, "fallback %d, expected %d", e->used_export_name_fallback, x->fallback);
	else if (x->multi_conn >= 0 && !!(e->flags & NBD_FLAG_CAN_MULTI_CONN) != x->multi_conn)
		snprintf(why, whylen, "multi-conn %d, expected %d", !!(e->flags & NBD_FLAG_CAN_MULTI_CONN),
			 x->multi_conn);
	else if (x->blocks && strcmp(blocks, x->blocks) != 0)
		snprintf(why, whylen, "block sizes %s, expected %s", blocks, x->blocks);
	else if (x->text && !strstr(msg, x->text))
		snprintf(why, whylen, "message lacks \"%s\"", x->text);
	else
		return 0;
	return -1;
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		perror(path);
		exit(2);
	}
	return f;
}

int main(int argc, char **argv)
{
	struct expect x = { .result = "NBD_OK", .size = -1, .read_only = -1, .fallback = -1, .multi_conn = -1 };
	struct sock_ctx c = { .fd = -1 };
	struct nbd_io io = { sock_read_full, sock_write_full, &c };
	struct nbd_export e;
	char msg[512], why[256], label[400];
	int opt, rc;

	while ((opt = getopt(argc, argv, "x:s:rWfb:m:M:c:o:")) != -1) {
		switch (opt) {
		case 'x': x.result = optarg; break;
		case 's': x.size = atoll(optarg); break;
		case 'r': x.read_only = 1; break;
		case 'W': x.read_only = 0; break;
		case 'f': x.fallback = 1; break;
		case 'b': x.blocks = optarg; break;
		case 'm': x.text = optarg; break;
		case 'M': x.multi_conn = atoi(optarg); break;
		case 'c': c.capture = open_out(optarg); break;
		case 'o': c.sent = open_out(optarg); break;
		default: return 2;
		}
	}
	if (argc - optind != 3) {
		fprintf(stderr, "usage: nbd_live [options] HOST PORT EXPORT\n");
		return 2;
	}
	snprintf(label, sizeof label, "%s:%s '%s'", argv[optind], argv[optind + 1], argv[optind + 2]);
	c.fd = connect_tcp(argv[optind], argv[optind + 1]);
	if (c.fd < 0) {
		printf("FAIL %s: cannot connect\n", label);
		return 1;
	}
	rc = nbd_negotiate(&io, argv[optind + 2], &e, msg, sizeof msg);
	if (c.sent)
		fclose(c.sent);
	if (rc == NBD_OK)
		send_disc(&c);
	close(c.fd);
	if (c.capture)
		fclose(c.capture);
	if (check(&x, rc, &e, msg, why, sizeof why) != 0) {
		printf("FAIL %s: %s; message: %s\n", label, why, msg);
		return 1;
	}
	printf("ok   %s: %s: %s\n", label, nbd_result_name(rc), msg);
	return 0;
}
