/* test_hog_latency.c - the hog's wait histogram: buckets, worst, percentiles. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "latency.h"

static void test_buckets_are_contiguous_and_ordered(void)
{
	/* every wait lands in a bucket whose top is at least the wait, and the
	 * bucket before it ends below the wait */
	for (uint64_t us = 0; us < 1000000; us += us < 100 ? 1 : 37) {
		unsigned b = hog_latency_bucket(us);

		CHECK(hog_latency_bucket_top(b) >= us);
		if (b > 0)
			CHECK(hog_latency_bucket_top(b - 1) < us);
	}
}

static void test_bucket_error_under_a_quarter(void)
{
	for (uint64_t us = 4; us < (1ULL << 32); us = us * 3 / 2 + 1) {
		uint64_t top = hog_latency_bucket_top(hog_latency_bucket(us));

		CHECK(top - us <= us / 4);
	}
}

static void test_huge_waits_land_in_the_last_bucket(void)
{
	CHECK_EQ(hog_latency_bucket(UINT64_MAX), HOG_LAT_BUCKETS - 1);
	CHECK(hog_latency_bucket_top(HOG_LAT_BUCKETS - 1) == UINT64_MAX);
	/* two hours still have their own bucket */
	CHECK(hog_latency_bucket(7200ULL * 1000000) < HOG_LAT_BUCKETS - 1);
}

static void test_percentiles_of_known_samples(void)
{
	struct hog_latency lat;

	memset(&lat, 0, sizeof(lat));
	CHECK_EQ(hog_latency_percentile(&lat, 990), 0);
	for (int i = 0; i < 990; i++)
		hog_latency_add(&lat, 10);
	for (int i = 0; i < 9; i++)
		hog_latency_add(&lat, 5000);
	hog_latency_add(&lat, 2000000);   /* one two-second fault */
	CHECK_EQ(lat.samples, 1000);
	CHECK_EQ(lat.worst_us, 2000000);
	/* 10 us sits in the bucket [10, 11] */
	CHECK_EQ(hog_latency_percentile(&lat, 500), 11);
	CHECK_EQ(hog_latency_percentile(&lat, 990), 11);
	/* the 991st to 999th samples: 5000 us, within a quarter */
	CHECK(hog_latency_percentile(&lat, 995) >= 5000);
	CHECK(hog_latency_percentile(&lat, 995) <= 6250);
	CHECK_EQ(hog_latency_percentile(&lat, 1000), 2000000);
}

static void test_percentile_never_above_worst(void)
{
	struct hog_latency lat;

	memset(&lat, 0, sizeof(lat));
	hog_latency_add(&lat, 1000);
	CHECK_EQ(hog_latency_percentile(&lat, 990), 1000);
	CHECK_EQ(hog_latency_percentile(&lat, 0), 1000);
}

static void test_merge_adds_counts_and_keeps_worst(void)
{
	struct hog_latency a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	hog_latency_add(&a, 3);
	hog_latency_add(&b, 3);
	hog_latency_add(&b, 70000);
	hog_latency_merge(&a, &b);
	CHECK_EQ(a.samples, 3);
	CHECK_EQ(a.count[3], 2);
	CHECK_EQ(a.worst_us, 70000);
}

int main(void)
{
	RUN(test_buckets_are_contiguous_and_ordered);
	RUN(test_bucket_error_under_a_quarter);
	RUN(test_huge_waits_land_in_the_last_bucket);
	RUN(test_percentiles_of_known_samples);
	RUN(test_percentile_never_above_worst);
	RUN(test_merge_adds_counts_and_keeps_worst);
	return check_summary("hog_latency");
}
