/* pattern.h - what the hog writes into each page, how it checks it, and the
 * order it visits pages in. Pure: no system calls, no allocation.
 *
 * A page holds a splitmix64 stream keyed by (seed, worker, index, pass) over
 * every word, so a page that comes back from swap as another page, as an
 * older pass of itself, or as zeros fails the check. The key and the stream
 * are bijections, so hog_page_identify can run a wrong page backwards and say
 * whose content it holds.
 *
 * With HOG_MIX the key also picks what kind of page it is, so that a
 * compressor in front of swap (zswap) sees memory as a node holds it: a
 * quarter of the pages zero, half text-like (8-byte words of a small
 * vocabulary: 2.6:1 under lz4, 5.7:1 under zstd, each page alone at level 1),
 * a quarter random. A text page keeps its first word random, so it can
 * still be identified.
 */
#ifndef NETSWAP_HOG_PATTERN_H
#define NETSWAP_HOG_PATTERN_H

#include <stddef.h>
#include <stdint.h>

enum hog_content {
	HOG_RANDOM,   /* every page the splitmix64 stream: nothing compresses */
	HOG_MIX,      /* zero, text-like and random pages, picked by the key */
};

struct hog_page_id {
	uint64_t seed;
	uint64_t index;   /* page number in the worker's mapping */
	uint32_t worker;
	uint32_t pass;    /* 0: written by the first fill; k: rewritten in pass k */
};

struct hog_mismatch {
	size_t offset;      /* byte offset of the first wrong word */
	uint64_t expected;
	uint64_t actual;
	size_t bad_words;   /* wrong words in the whole page */
};

enum hog_origin {
	HOG_ORIGIN_UNKNOWN,   /* not any page's pattern within the limits */
	HOG_ORIGIN_ZERO,      /* every word is zero: a page that was never written back */
	HOG_ORIGIN_PAGE,      /* exactly the pattern of *found */
};

/* A seeded permutation of [0, n) that needs no table: a bijection on the
 * next power of two, walked until it lands below n. */
struct hog_walk {
	uint64_t n, mask, mul1, mul2, add;
	unsigned shift;
};

/* The key of one page's pattern; distinct ids give distinct keys. */
uint64_t hog_page_key(const struct hog_page_id *id);

/* Writes the pattern of key into words 64-bit words of page. */
void hog_page_fill(uint64_t *page, size_t words, uint64_t key, enum hog_content content);

/* 0: page holds exactly the pattern of key; 1: it does not, and *bad (when
 * not NULL) names the first wrong word and counts the wrong ones. */
int hog_page_check(const uint64_t *page, size_t words, uint64_t key,
		   enum hog_content content, struct hog_mismatch *bad);

/* Says what a page that failed its check holds instead. limit bounds the
 * search: limit->seed is the seed, ids with worker < limit->worker,
 * pass <= limit->pass and index < limit->index are tried (cost: workers x
 * passes key inversions, no page scan per candidate). On HOG_ORIGIN_PAGE,
 * *found is the page whose full pattern it is. */
enum hog_origin hog_page_identify(const uint64_t *page, size_t words,
				  enum hog_content content, const struct hog_page_id *limit,
				  struct hog_page_id *found);

void hog_walk_init(struct hog_walk *walk, uint64_t n, uint64_t seed);

/* The i-th page to visit, for i in [0, n); each of [0, n) exactly once. */
uint64_t hog_walk_at(const struct hog_walk *walk, uint64_t i);

#endif
