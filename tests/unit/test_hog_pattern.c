/* test_hog_pattern.c - the hog's page pattern, its check, and its page order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pattern.h"

#define WORDS 512   /* a 4 KiB page */

static uint64_t page[WORDS];

static uint64_t key_of(uint64_t seed, uint32_t worker, uint64_t index, uint32_t pass)
{
	struct hog_page_id id = { .seed = seed, .worker = worker, .index = index, .pass = pass };

	return hog_page_key(&id);
}

static void test_page_verifies_against_own_id(void)
{
	struct hog_mismatch bad = { 0 };

	hog_page_fill(page, WORDS, key_of(7, 1, 1234, 3), HOG_RANDOM);
	CHECK_EQ(hog_page_check(page, WORDS, key_of(7, 1, 1234, 3), HOG_RANDOM, &bad), 0);
	CHECK_EQ(hog_page_check(page, WORDS, key_of(7, 1, 1234, 3), HOG_RANDOM, NULL), 0);
}

static void test_page_fails_for_other_ids(void)
{
	struct hog_mismatch bad;

	hog_page_fill(page, WORDS, key_of(7, 1, 1234, 3), HOG_RANDOM);
	CHECK_EQ(hog_page_check(page, WORDS, key_of(7, 1, 1235, 3), HOG_RANDOM, &bad), 1);
	CHECK_EQ(bad.bad_words, WORDS);
	CHECK_EQ(bad.offset, 0);
	CHECK_EQ(bad.actual, page[0]);
	CHECK_EQ(hog_page_check(page, WORDS, key_of(7, 1, 1233, 3), HOG_RANDOM, NULL), 1);
	CHECK_EQ(hog_page_check(page, WORDS, key_of(7, 1, 1234, 2), HOG_RANDOM, NULL), 1);
	CHECK_EQ(hog_page_check(page, WORDS, key_of(7, 1, 1234, 4), HOG_RANDOM, NULL), 1);
	CHECK_EQ(hog_page_check(page, WORDS, key_of(7, 0, 1234, 3), HOG_RANDOM, NULL), 1);
	CHECK_EQ(hog_page_check(page, WORDS, key_of(7, 2, 1234, 3), HOG_RANDOM, NULL), 1);
	CHECK_EQ(hog_page_check(page, WORDS, key_of(8, 1, 1234, 3), HOG_RANDOM, NULL), 1);
	CHECK_EQ(hog_page_check(page, WORDS, key_of(6, 1, 1234, 3), HOG_RANDOM, NULL), 1);
}

/* Seed 0, worker 0, index 0, pass 0 must still be a full, non-zero pattern. */
static void test_all_zero_id_is_not_zero_page(void)
{
	size_t zero_words = 0;

	hog_page_fill(page, WORDS, key_of(0, 0, 0, 0), HOG_RANDOM);
	for (size_t i = 0; i < WORDS; i++)
		zero_words += page[i] == 0;
	CHECK(zero_words <= 1);
	memset(page, 0, sizeof(page));
	CHECK_EQ(hog_page_check(page, WORDS, key_of(0, 0, 0, 0), HOG_RANDOM, NULL), 1);
}

static void test_zero_page_fails(void)
{
	struct hog_mismatch bad;

	memset(page, 0, sizeof(page));
	CHECK_EQ(hog_page_check(page, WORDS, key_of(1, 0, 5, 1), HOG_RANDOM, &bad), 1);
	CHECK(bad.bad_words >= WORDS - 1);
	CHECK_EQ(bad.actual, 0);
}

/* Every page in one worker's mapping and neighbouring passes differs from
 * every other: distinct keys and distinct first words. */
static void test_keys_distinct(void)
{
	enum { N = 4 * 64 * 4 };
	static uint64_t keys[N];
	int n = 0, dup = 0;

	for (uint32_t w = 0; w < 4; w++)
		for (uint64_t i = 0; i < 64; i++)
			for (uint32_t p = 0; p < 4; p++)
				keys[n++] = key_of(42, w, i, p);
	for (int a = 0; a < N; a++)
		for (int b = a + 1; b < N; b++)
			dup += keys[a] == keys[b];
	CHECK_EQ(dup, 0);
}

static void flip_and_check(size_t words, size_t word, unsigned bit)
{
	struct hog_mismatch bad;
	uint64_t key = key_of(3, 0, 99, 1), good;

	hog_page_fill(page, words, key, HOG_RANDOM);
	good = page[word];
	page[word] ^= 1ULL << bit;
	CHECK_EQ(hog_page_check(page, words, key, HOG_RANDOM, &bad), 1);
	CHECK_EQ(bad.offset, word * 8);
	CHECK_EQ(bad.bad_words, 1);
	CHECK(bad.expected == good);
	CHECK(bad.actual == (good ^ (1ULL << bit)));
}

static void test_single_flipped_bit_detected(void)
{
	static const size_t words[] = { 0, 1, 2, 255, 256, 510, 511 };

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
		for (unsigned bit = 0; bit < 64; bit++)
			flip_and_check(WORDS, words[w], bit);
	for (size_t w = 0; w < 16; w++)
		for (unsigned bit = 0; bit < 64; bit++)
			flip_and_check(16, w, bit);
	flip_and_check(1, 0, 63);
}

static void test_mismatch_reports_first_and_count(void)
{
	struct hog_mismatch bad;
	uint64_t key = key_of(3, 0, 1, 1);

	hog_page_fill(page, WORDS, key, HOG_RANDOM);
	page[300] = 0;
	page[17] = 0;
	page[400] ^= 0x8000000000000000ULL;
	CHECK_EQ(hog_page_check(page, WORDS, key, HOG_RANDOM, &bad), 1);
	CHECK_EQ(bad.offset, 17 * 8);
	CHECK_EQ(bad.actual, 0);
	CHECK_EQ(bad.bad_words, 3);
}

static void test_empty_page_is_trivially_good(void)
{
	CHECK_EQ(hog_page_check(page, 0, 123, HOG_RANDOM, NULL), 0);
}

static const struct hog_page_id limit = { .seed = 7, .worker = 4, .index = 1000, .pass = 5 };

static void test_identify_other_page(void)
{
	struct hog_page_id found = { 0 };

	hog_page_fill(page, WORDS, key_of(7, 2, 999, 4), HOG_RANDOM);
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_PAGE);
	CHECK_EQ(found.worker, 2);
	CHECK_EQ(found.index, 999);
	CHECK_EQ(found.pass, 4);
	CHECK_EQ(found.seed, 7);

	hog_page_fill(page, WORDS, key_of(7, 0, 0, 0), HOG_RANDOM);
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_PAGE);
	CHECK_EQ(found.worker, 0);
	CHECK_EQ(found.index, 0);
	CHECK_EQ(found.pass, 0);

	hog_page_fill(page, WORDS, key_of(7, 3, 500, 5), HOG_RANDOM);
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_PAGE);
	CHECK_EQ(found.worker, 3);
	CHECK_EQ(found.index, 500);
	CHECK_EQ(found.pass, 5);
}

static void test_identify_outside_limits(void)
{
	struct hog_page_id found;

	hog_page_fill(page, WORDS, key_of(7, 4, 1, 1), HOG_RANDOM);    /* worker beyond limit */
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_UNKNOWN);
	hog_page_fill(page, WORDS, key_of(7, 1, 1000, 1), HOG_RANDOM); /* index beyond limit */
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_UNKNOWN);
	hog_page_fill(page, WORDS, key_of(7, 1, 1, 6), HOG_RANDOM);    /* pass beyond limit */
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_UNKNOWN);
	hog_page_fill(page, WORDS, key_of(8, 1, 1, 1), HOG_RANDOM);    /* another seed */
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_UNKNOWN);
}

static void test_identify_zero_and_garbage(void)
{
	struct hog_page_id found;

	memset(page, 0, sizeof(page));
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_ZERO);
	memset(page, 0xa5, sizeof(page));
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_UNKNOWN);
	/* a real pattern with one bit flipped is nobody's page */
	hog_page_fill(page, WORDS, key_of(7, 1, 10, 1), HOG_RANDOM);
	page[200] ^= 4;
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_UNKNOWN);
	/* first half one page, second half another: a torn write */
	hog_page_fill(page, WORDS, key_of(7, 1, 10, 1), HOG_RANDOM);
	hog_page_fill(page + WORDS / 2, WORDS / 2, key_of(7, 1, 11, 1), HOG_RANDOM);
	CHECK_EQ(hog_page_identify(page, WORDS, HOG_RANDOM, &limit, &found), HOG_ORIGIN_UNKNOWN);
	CHECK_EQ(hog_page_identify(page, 0, HOG_RANDOM, &limit, &found), HOG_ORIGIN_UNKNOWN);
}

/* Returns the number of pages not visited exactly once (0 is right). */
static uint64_t walk_errors(uint64_t n, uint64_t seed)
{
	unsigned char *seen = calloc(n, 1);
	struct hog_walk walk;
	uint64_t errors = 0;

	if (!seen)
		return n;
	hog_walk_init(&walk, n, seed);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t page_no = hog_walk_at(&walk, i);

		if (page_no >= n)
			errors++;
		else
			seen[page_no]++;
	}
	for (uint64_t i = 0; i < n; i++)
		errors += seen[i] != 1;
	free(seen);
	return errors;
}

static void test_walk_visits_every_page_once(void)
{
	static const uint64_t sizes[] = {
		1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 31, 32, 33, 97, 127, 128, 129,
		1000, 1024, 4093, 4096, 4097, 65521, 65536, 65537, 1000003, 1 << 20,
	};
	static const uint64_t seeds[] = { 0, 1, 0xdeadbeef, UINT64_MAX };

	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint64_t errors = walk_errors(sizes[i], seeds[s]);

			if (errors)
				fprintf(stderr, "  walk n=%llu seed=%llu: %llu errors\n",
					(unsigned long long)sizes[i],
					(unsigned long long)seeds[s],
					(unsigned long long)errors);
			CHECK_EQ(errors, 0);
		}
}

/* Not sequential: most steps jump, and another seed gives another order. */
static void test_walk_is_scrambled(void)
{
	struct hog_walk a, b;
	uint64_t n = 4096, sequential = 0, same = 0;

	hog_walk_init(&a, n, 1);
	hog_walk_init(&b, n, 2);
	for (uint64_t i = 0; i + 1 < n; i++) {
		sequential += hog_walk_at(&a, i + 1) == hog_walk_at(&a, i) + 1;
		same += hog_walk_at(&a, i) == hog_walk_at(&b, i);
	}
	CHECK(sequential < n / 64);
	CHECK(same < n / 64);
}

static void test_walk_empty(void)
{
	struct hog_walk walk;

	hog_walk_init(&walk, 0, 5);
	CHECK_EQ(hog_walk_at(&walk, 0), 0);
	hog_walk_init(&walk, 1, 5);
	CHECK_EQ(hog_walk_at(&walk, 0), 0);
}

/* -c: the key picks zero, text and random pages, about 1:2:1, each checks
 * against its own key only, and a text page is still identified. */
static void test_mix_kinds_check_and_identify(void)
{
	struct hog_page_id limit = { .seed = 3, .worker = 2, .index = 4096, .pass = 2 };
	struct hog_page_id found;
	unsigned zero = 0, text = 0, random = 0;

	for (uint64_t index = 0; index < 4096; index++) {
		uint64_t key = key_of(3, 1, index, 2);
		size_t letters = 0, zeros = 0;

		hog_page_fill(page, WORDS, key, HOG_MIX);
		CHECK_EQ(hog_page_check(page, WORDS, key, HOG_MIX, NULL), 0);
		for (size_t i = 0; i < WORDS * 8; i++) {
			unsigned char c = ((unsigned char *)page)[i];

			letters += (c >= 'a' && c <= 'z') || c == ' ';
			zeros += c == 0;
		}
		if (zeros == WORDS * 8) {
			zero++;
			continue;
		}
		CHECK_EQ(hog_page_check(page, WORDS, key_of(3, 1, index, 1), HOG_MIX, NULL), 1);
		CHECK_EQ(hog_page_identify(page, WORDS, HOG_MIX, &limit, &found), HOG_ORIGIN_PAGE);
		CHECK_EQ(found.index, index);
		CHECK_EQ(found.pass, 2);
		if (letters > WORDS * 8 * 3 / 4)
			text++;
		else
			random++;
	}
	CHECK(zero > 900 && zero < 1150);
	CHECK(text > 1900 && text < 2200);
	CHECK(random > 900 && random < 1150);
}


int main(void)
{
	RUN(test_page_verifies_against_own_id);
	RUN(test_page_fails_for_other_ids);
	RUN(test_all_zero_id_is_not_zero_page);
	RUN(test_zero_page_fails);
	RUN(test_keys_distinct);
	RUN(test_single_flipped_bit_detected);
	RUN(test_mismatch_reports_first_and_count);
	RUN(test_empty_page_is_trivially_good);
	RUN(test_identify_other_page);
	RUN(test_identify_outside_limits);
	RUN(test_identify_zero_and_garbage);
	RUN(test_walk_visits_every_page_once);
	RUN(test_walk_is_scrambled);
	RUN(test_walk_empty);
	RUN(test_mix_kinds_check_and_identify);
	return check_summary("hog_pattern");
}
