/* metrics_writer.c - the keeper's metrics file, written by a thread of its
 * own (metrics.h).
 *
 * Writing the file allocates memory: a new file in /run/netswap, its
 * page, a buffer for each /sys/block stat read. On a node whose memory is
 * full and whose swap is the dead connection, such an allocation waits
 * in reclaim until swap moves again, which only the keeper's reconnect
 * can make happen: the keeper, writing its metrics during an outage, once
 * sat minutes there between two attempts. So the keeper only copies its
 * state into a snapshot, and never waits for this thread; the thread may
 * wait as long as memory is short, and the file is stale meanwhile
 * (netswap-check says so). Everything both touch is static, among the
 * pages the keeper locks. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "fmt.h"
#include "kfile.h"
#include "log.h"
#include "metrics.h"

static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct keeper snapshot; /* the keeper's state, as last published */
static struct keeper current;  /* the writer's copy of it */
static int run_dir = -1, sys_block = -1;

/* The writer holds the lock only to copy from one static (locked) buffer
 * to another, never while it writes: the keeper waits for a copy at most. */
void metrics_publish(const struct keeper *k)
{
	pthread_mutex_lock(&snapshot_lock);
	snapshot = *k;
	pthread_mutex_unlock(&snapshot_lock);
}

/* /run/netswap/netswap.prom, through a new file and rename: a reader
 * (node_exporter, netswap-check) sees the old file or the new one. */
static void write_metrics(const struct keeper *k, long now)
{
	static char text[16384];
	struct blk_stat st[MAX_NBD_DEVICES];
	char path[64], buf[256];
	int len;

	for (int i = 0; i < k->n; i++) {
		bufprint(path, sizeof(path), "nbd%d/stat", k->devs[i].dev.index);
		if (kfile_read(sys_block, path, buf, sizeof(buf)) <= 0 || blk_stat_parse(buf, &st[i]) < 0)
			st[i].valid = 0;
	}
	len = metrics_format(k, now, st, text, sizeof(text));
	if (len >= 0 && kfile_write(run_dir, METRICS_FILE ".new", text, (size_t)len) == 0)
		renameat(run_dir, METRICS_FILE ".new", run_dir, METRICS_FILE);
}

static void *writer_loop(void *unused)
{
	const struct timespec interval = { METRICS_INTERVAL_MS / 1000, 0 };

	(void)unused;
	for (;;) {
		pthread_mutex_lock(&snapshot_lock);
		current = snapshot;
		pthread_mutex_unlock(&snapshot_lock);
		write_metrics(&current, log_uptime_ms());
		nanosleep(&interval, NULL);
	}
	return NULL;
}

void metrics_writer_start(const struct keeper *k, int rundir, int sysblock)
{
	pthread_attr_t attr;
	pthread_t thread;
	int rc;

	run_dir = rundir;
	sys_block = sysblock;
	snapshot = *k;
	pthread_attr_init(&attr);
	/* write_metrics' frames are small: its buffers are static */
	pthread_attr_setstacksize(&attr, 32 * 1024);
	rc = pthread_create(&thread, &attr, writer_loop, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		warn("keeper: cannot start the metrics writer: %s; %s/%s will not be written",
		     strerror(rc), NETSWAP_RUN_DIR, METRICS_FILE);
}
