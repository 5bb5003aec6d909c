/* metrics.h - the keeper's Prometheus text file (node_exporter's textfile
 * collector format): per NBD device, whether it is connected, reconnects,
 * seconds since the last one, bytes and requests from the kernel's block
 * statistics. Pure: the keeper reads /sys/block/nbdN/stat and writes the
 * text to /run/netswap/METRICS_FILE (nbd.c). */
#ifndef NETSWAP_METRICS_H
#define NETSWAP_METRICS_H

#include <stddef.h>

#include "keeper.h"

#define METRICS_FILE "netswap.prom"
#define METRICS_INTERVAL_MS 1000 /* the writer rewrites it this often */

/* /sys/block/<dev>/stat (Documentation/block/stat.rst): the fields we export. */
struct blk_stat {
	unsigned long long reads, read_sectors, writes, write_sectors, in_flight;
	int valid; /* 0 when the file could not be read or parsed */
};

/* Parses the text of a stat file. 0, or -1 when it has fewer than 9 numbers. */
int blk_stat_parse(const char *text, struct blk_stat *st);

/* The file for k's devices at now (the keeper's clock, ms); st[i] belongs
 * to k->devs[i]. Returns the length, or -1 when cap is too small. */
int metrics_format(const struct keeper *k, long now, const struct blk_stat *st, char *buf,
		   size_t cap);

/* The writer thread (metrics_writer.c): from now on, METRICS_FILE in
 * rundir is rewritten every METRICS_INTERVAL_MS from the state the keeper
 * last published, starting with k's. If the thread cannot start, it says
 * so and the keeper goes on without the file: reconnecting matters more. */
void metrics_writer_start(const struct keeper *k, int rundir, int sysblock);

/* The keeper's state, for the writer: a copy, never a wait for a write. */
void metrics_publish(const struct keeper *k);

#endif
