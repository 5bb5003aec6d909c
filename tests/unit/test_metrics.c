/* test_metrics.c - the keeper's Prometheus text file (init/metrics.c): a
 * real /sys/block/nbd0/stat line, the series for a connected and a
 * reconnecting device, label escaping, and a buffer too small. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "metrics.h"

/* /sys/block/nbd0/stat of a guest after a hog run (kernel 6.12: 17 fields) */
static const char stat_line[] =
	"   25410        0   203280     9012   131090        0  1048720   402211       3   "
	"188120   411223        0        0        0        0        0        0\n";

static struct keeper k;

static void add(int index, const char *host, const char *export_name)
{
	struct nbd_device d;

	memset(&d, 0, sizeof(d));
	d.index = index;
	d.port = 10809;
	d.conns = 1;
	snprintf(d.host, sizeof(d.host), "%s", host);
	snprintf(d.export_name, sizeof(d.export_name), "%s", export_name);
	keeper_add(&k, &d);
}

static void test_stat_parse(void)
{
	struct blk_stat st;

	CHECK_EQ(blk_stat_parse(stat_line, &st), 0);
	CHECK_EQ(st.reads, 25410);
	CHECK_EQ(st.read_sectors, 203280);
	CHECK_EQ(st.writes, 131090);
	CHECK_EQ(st.write_sectors, 1048720);
	CHECK_EQ(st.in_flight, 3);
	CHECK(st.valid);
	CHECK_EQ(blk_stat_parse("1 2 3 4 5 6 7 8\n", &st), -1);
	CHECK(!st.valid);
	CHECK_EQ(blk_stat_parse("", &st), -1);
	CHECK_EQ(blk_stat_parse("1 2 x 4 5 6 7 8 9", &st), -1);
}

static void test_format(void)
{
	static char buf[16384];
	struct blk_stat st[2];

	memset(&k, 0, sizeof(k));
	add(0, "10.0.0.1", "swap-52-54-00-12-34-56");
	add(1, "10.0.0.2", "ro\"o\\t");
	blk_stat_parse(stat_line, &st[0]);
	st[1].valid = 0;
	/* nbd1 lost its connection at 5 s; nbd0 was reconnected at 2 s, twice */
	keeper_link_dead(&k, 1, 5000);
	k.devs[0].reconnects = 2;
	k.devs[0].up_ms = 2000;
	CHECK(metrics_format(&k, 65000, st, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "# TYPE netswap_nbd_connected gauge\n"));
	CHECK(strstr(buf, "# TYPE netswap_nbd_reconnects_total counter\n"));
	CHECK(strstr(buf, "netswap_nbd_connected{device=\"nbd0\",server=\"10.0.0.1:10809\",export=\"swap-52-54-00-12-34-56\"} 1\n"));
	CHECK(strstr(buf, "netswap_nbd_connected{device=\"nbd1\",server=\"10.0.0.2:10809\",export=\"ro\\\"o\\\\t\"} 0\n"));
	CHECK(strstr(buf, "netswap_nbd_down_seconds{device=\"nbd1\",server=\"10.0.0.2:10809\",export=\"ro\\\"o\\\\t\"} 60\n"));
	CHECK(strstr(buf, "netswap_nbd_down_seconds{device=\"nbd0\",server=\"10.0.0.1:10809\",export=\"swap-52-54-00-12-34-56\"} 0\n"));
	CHECK(strstr(buf, "netswap_nbd_reconnects_total{device=\"nbd0\",server=\"10.0.0.1:10809\",export=\"swap-52-54-00-12-34-56\"} 2\n"));
	CHECK(strstr(buf, "netswap_nbd_seconds_since_reconnect{device=\"nbd0\",server=\"10.0.0.1:10809\",export=\"swap-52-54-00-12-34-56\"} 63\n"));
	CHECK(strstr(buf, "netswap_nbd_seconds_since_reconnect{device=\"nbd1\",server=\"10.0.0.2:10809\",export=\"ro\\\"o\\\\t\"} -1\n"));
	CHECK(strstr(buf, "netswap_nbd_read_bytes_total{device=\"nbd0\",server=\"10.0.0.1:10809\",export=\"swap-52-54-00-12-34-56\"} 104079360\n"));
	CHECK(strstr(buf, "netswap_nbd_written_bytes_total{device=\"nbd0\",server=\"10.0.0.1:10809\",export=\"swap-52-54-00-12-34-56\"} 536944640\n"));
	CHECK(strstr(buf, "netswap_nbd_writes_total{device=\"nbd0\",server=\"10.0.0.1:10809\",export=\"swap-52-54-00-12-34-56\"} 131090\n"));
	CHECK(strstr(buf, "netswap_nbd_in_flight{device=\"nbd0\",server=\"10.0.0.1:10809\",export=\"swap-52-54-00-12-34-56\"} 3\n"));
	/* no statistics for nbd1: its byte series are left out */
	CHECK(!strstr(buf, "netswap_nbd_read_bytes_total{device=\"nbd1\""));
	CHECK(metrics_format(&k, 65000, st, buf, 200) == -1);
	CHECK(metrics_format(&k, 65000, st, buf, 0) == -1);
}

static void test_every_device_with_a_long_export_fits(void)
{
	static char buf[16384];
	struct blk_stat st[MAX_NBD_DEVICES];
	char name[NAME_LEN];

	memset(&k, 0, sizeof(k));
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (int i = 0; i < MAX_NBD_DEVICES; i++) {
		add(i, "255.255.255.255", name);
		blk_stat_parse(stat_line, &st[i]);
	}
	CHECK(metrics_format(&k, 0, st, buf, sizeof(buf)) > 0);
}

int main(void)
{
	RUN(test_stat_parse);
	RUN(test_format);
	RUN(test_every_device_with_a_long_export_fits);
	return check_summary("metrics");
}
