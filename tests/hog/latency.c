/* latency.c - the hog's wait histogram (see latency.h). */
#include "latency.h"

/* Waits of 0-3 us have a bucket each; above, bucket 4 * (e - 1) + s holds
 * [(4 + s) << (e - 2), (5 + s) << (e - 2)) where e is the highest set bit. */
unsigned hog_latency_bucket(uint64_t us)
{
	unsigned e, b;

	if (us < 4)
		return us;
	e = 63 - __builtin_clzll(us);
	b = 4 * (e - 1) + ((us >> (e - 2)) & 3);
	return b < HOG_LAT_BUCKETS ? b : HOG_LAT_BUCKETS - 1;
}

uint64_t hog_latency_bucket_top(unsigned b)
{
	unsigned e, s;

	if (b < 4)
		return b;
	if (b >= HOG_LAT_BUCKETS - 1)
		return UINT64_MAX;
	e = b / 4 + 1;
	s = b % 4;
	return ((uint64_t)(5 + s) << (e - 2)) - 1;
}

void hog_latency_add(struct hog_latency *lat, uint64_t us)
{
	lat->count[hog_latency_bucket(us)]++;
	lat->samples++;
	if (us > lat->worst_us)
		lat->worst_us = us;
}

void hog_latency_merge(struct hog_latency *into, const struct hog_latency *from)
{
	for (unsigned b = 0; b < HOG_LAT_BUCKETS; b++)
		into->count[b] += from->count[b];
	into->samples += from->samples;
	if (from->worst_us > into->worst_us)
		into->worst_us = from->worst_us;
}

uint64_t hog_latency_percentile(const struct hog_latency *lat, unsigned permille)
{
	uint64_t want, seen = 0;

	if (!lat->samples)
		return 0;
	/* the rank of the sample, rounded up: p99 of 100 samples is the 99th */
	want = (lat->samples * permille + 999) / 1000;
	if (want == 0)
		want = 1;
	for (unsigned b = 0; b < HOG_LAT_BUCKETS; b++) {
		seen += lat->count[b];
		if (seen >= want) {
			uint64_t top = hog_latency_bucket_top(b);

			return top < lat->worst_us ? top : lat->worst_us;
		}
	}
	return lat->worst_us;
}
