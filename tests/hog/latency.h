/* latency.h - how long the hog waited for each page, as a histogram that
 * gives the worst wait and a percentile without keeping every sample. Pure:
 * no system calls, no allocation, so workers can keep it in shared memory.
 *
 * Buckets have four steps per power of two (an error under 25%), from 1 us
 * to about two hours; a wait longer than that lands in the last bucket, and
 * the worst is kept exactly.
 */
#ifndef NETSWAP_HOG_LATENCY_H
#define NETSWAP_HOG_LATENCY_H

#include <stdint.h>

#define HOG_LAT_BUCKETS 136

struct hog_latency {
	uint64_t count[HOG_LAT_BUCKETS];
	uint64_t samples;
	uint64_t worst_us;
};

/* The bucket that holds a wait of us microseconds. */
unsigned hog_latency_bucket(uint64_t us);

/* The longest wait, in microseconds, that falls into bucket b. */
uint64_t hog_latency_bucket_top(unsigned b);

void hog_latency_add(struct hog_latency *lat, uint64_t us);

void hog_latency_merge(struct hog_latency *into, const struct hog_latency *from);

/* A wait that at least permille/1000 of the samples did not exceed: the top
 * of the bucket where that share is reached, never above the worst seen.
 * 0 without samples. */
uint64_t hog_latency_percentile(const struct hog_latency *lat, unsigned permille);

#endif
