/* metrics.c - the keeper's Prometheus text file; see metrics.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "metrics.h"

int blk_stat_parse(const char *text, struct blk_stat *st)
{
	unsigned long long f[9];
	const char *p = text;
	char *end;

	memset(st, 0, sizeof(*st));
	for (int i = 0; i < 9; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		f[i] = strtoull(p, &end, 10);
		p = end;
	}
	/* read I/Os, read merges, read sectors, read ticks, write I/Os, write
	 * merges, write sectors, write ticks, in flight */
	st->reads = f[0];
	st->read_sectors = f[2];
	st->writes = f[4];
	st->write_sectors = f[6];
	st->in_flight = f[8];
	st->valid = 1;
	return 0;
}

struct out {
	char *buf;
	size_t cap, len;
	int overflow;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vbufprint(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->overflow = 1;
	else
		o->len += (size_t)n;
}

/* The label values are ours or the command line's: an export name may
 * hold '"' or '\', which the format escapes. Only its first
 * METRICS_EXPORT_MAX bytes are used, to bound the file (and the keeper's
 * locked buffer): MAX_NBD_DEVICES fit in 16 KiB. */
#define METRICS_EXPORT_MAX 64
static void put_labels(struct out *o, const struct nbd_device *d)
{
	const char *c = d->export_name;

	put(o, "{device=\"nbd%d\",server=\"%s:%u\",export=\"", d->index, d->host, d->port);
	for (; *c && c - d->export_name < METRICS_EXPORT_MAX; c++)
		put(o, "%s%c", (*c == '"' || *c == '\\') ? "\\" : "", *c == '\n' ? ' ' : *c);
	put(o, "\"}");
}

enum kind { GAUGE, COUNTER };

static const struct metric {
	const char *name;
	enum kind kind;
	const char *help;
} metrics[] = {
	{ "netswap_nbd_connected", GAUGE, "1 when every connection of the device is up, 0 while the keeper reconnects it" },
	{ "netswap_nbd_down_seconds", GAUGE, "Seconds since the device lost a connection, 0 when connected" },
	{ "netswap_nbd_reconnects_total", COUNTER, "Connections the keeper replaced since it started" },
	{ "netswap_nbd_seconds_since_reconnect", GAUGE, "Seconds since the keeper last replaced a connection, -1 if it never did" },
	{ "netswap_nbd_read_bytes_total", COUNTER, "Bytes read from the device (kernel block statistics)" },
	{ "netswap_nbd_written_bytes_total", COUNTER, "Bytes written to the device (kernel block statistics)" },
	{ "netswap_nbd_reads_total", COUNTER, "Read requests completed (kernel block statistics)" },
	{ "netswap_nbd_writes_total", COUNTER, "Write requests completed (kernel block statistics)" },
	{ "netswap_nbd_in_flight", GAUGE, "Requests in flight (kernel block statistics)" },
};

static long long value(int m, const struct keeper_dev *d, const struct blk_stat *st, long now)
{
	switch (m) {
	case 0: return d->dead == 0;
	case 1: return d->dead ? (now - d->down_ms) / 1000 : 0;
	case 2: return (long long)d->reconnects;
	case 3: return d->reconnects ? (now - d->up_ms) / 1000 : -1;
	case 4: return (long long)(st->read_sectors * 512);
	case 5: return (long long)(st->write_sectors * 512);
	case 6: return (long long)st->reads;
	case 7: return (long long)st->writes;
	default: return (long long)st->in_flight;
	}
}

int metrics_format(const struct keeper *k, long now, const struct blk_stat *st, char *buf,
		   size_t cap)
{
	struct out o = { buf, cap, 0, cap == 0 };

	for (int m = 0; m < (int)(sizeof(metrics) / sizeof(metrics[0])); m++) {
		put(&o, "# HELP %s %s.\n# TYPE %s %s\n", metrics[m].name, metrics[m].help,
		    metrics[m].name, metrics[m].kind == GAUGE ? "gauge" : "counter");
		for (int i = 0; i < k->n; i++) {
			if (m >= 4 && !st[i].valid)
				continue; /* no statistics: leave the series out */
			put(&o, "%s", metrics[m].name);
			put_labels(&o, &k->devs[i].dev);
			put(&o, " %lld\n", value(m, &k->devs[i], &st[i], now));
		}
	}
	return o.overflow ? -1 : (int)o.len;
}
