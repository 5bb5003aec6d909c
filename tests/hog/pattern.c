/* pattern.c - the hog's page pattern, its check, and the random page order. */
#include "pattern.h"

#include <string.h>

/* splitmix64 (Steele, Lea, Flood, OOPSLA 2014): the state steps by the golden
 * ratio, the output function is a bijection on 64 bits, hence invertible. */
#define GOLDEN 0x9e3779b97f4a7c15ULL
#define MIX_M1 0xbf58476d1ce4e5b9ULL
#define MIX_M2 0x94d049bb133111ebULL

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * MIX_M1;
	z = (z ^ (z >> 27)) * MIX_M2;
	return z ^ (z >> 31);
}

/* Inverse of z ^ (z >> s): each round fixes s more of the top bits. */
static uint64_t unshift(uint64_t z, unsigned s)
{
	uint64_t x = z;

	for (unsigned fixed = s; fixed < 64; fixed += s)
		x = z ^ (x >> s);
	return x;
}

/* Newton's iteration mod 2^64: an odd c is its own inverse mod 8 (3 bits),
 * and each step doubles the correct bits, so 5 steps reach 96 > 64. */
static uint64_t inverse_odd(uint64_t c)
{
	uint64_t x = c;

	for (int i = 0; i < 5; i++)
		x *= 2 - c * x;
	return x;
}

static uint64_t unmix(uint64_t z)
{
	z = unshift(z, 31) * inverse_odd(MIX_M2);
	z = unshift(z, 27) * inverse_odd(MIX_M1);
	return unshift(z, 30);
}

/* Each step mixes in one field through a bijection, so for a fixed prefix
 * the key is one-to-one in the next field, and the chain can be unwound. */
static uint64_t worker_base(uint64_t seed, uint32_t worker)
{
	return mix(mix(seed + GOLDEN) ^ worker);
}

uint64_t hog_page_key(const struct hog_page_id *id)
{
	return mix(mix(worker_base(id->seed, id->worker) ^ id->index) ^ id->pass);
}

enum page_kind { KIND_RANDOM, KIND_ZERO, KIND_TEXT };

/* Sixteen 8-byte words: a stream of them compresses like English text. */
static const char vocabulary[16][8] = {
	"the page", " swapped", " out to ", "network ", "server, ", "and the ",
	"kernel  ", "reads it", " back in", "when a  ", "process ", "touches ",
	"memory. ", "A node  ", "with no ", "disk.\n  ",
};

static uint64_t text_word(unsigned n)
{
	uint64_t w;

	memcpy(&w, vocabulary[n & 15], sizeof(w));
	return w;
}

static enum page_kind page_kind(uint64_t key, enum hog_content content)
{
	unsigned quarter;

	if (content == HOG_RANDOM)
		return KIND_RANDOM;
	quarter = mix(key ^ MIX_M1) >> 62;
	return quarter == 0 ? KIND_ZERO : quarter == 3 ? KIND_RANDOM : KIND_TEXT;
}

/* Word i of the page of key: the stream's state after i + 1 steps, as is or
 * choosing a text word. */
static uint64_t pattern_word(enum page_kind kind, uint64_t key, size_t i)
{
	uint64_t r = mix(key + (i + 1) * GOLDEN);

	switch (kind) {
	case KIND_ZERO:
		return 0;
	case KIND_TEXT:
		return i == 0 ? r : text_word((unsigned)(r >> 60));
	default:
		return r;
	}
}

void hog_page_fill(uint64_t *page, size_t words, uint64_t key, enum hog_content content)
{
	enum page_kind kind = page_kind(key, content);
	uint64_t state = key;

	if (kind != KIND_RANDOM) {
		for (size_t i = 0; i < words; i++)
			page[i] = pattern_word(kind, key, i);
		return;
	}
	for (size_t i = 0; i < words; i++) {   /* the default, kept tight */
		state += GOLDEN;
		page[i] = mix(state);
	}
}

static void mismatch_describe(const uint64_t *page, size_t words, uint64_t key,
			      enum page_kind kind, struct hog_mismatch *bad)
{
	bad->bad_words = 0;
	for (size_t i = 0; i < words; i++) {
		uint64_t want = pattern_word(kind, key, i);

		if (page[i] == want)
			continue;
		if (bad->bad_words++ == 0) {
			bad->offset = i * sizeof(uint64_t);
			bad->expected = want;
			bad->actual = page[i];
		}
	}
}

int hog_page_check(const uint64_t *page, size_t words, uint64_t key,
		   enum hog_content content, struct hog_mismatch *bad)
{
	enum page_kind kind = page_kind(key, content);
	uint64_t state = key, diff = 0;

	/* No branch in the common, good case; find the details only when wrong. */
	if (kind != KIND_RANDOM) {
		for (size_t i = 0; i < words; i++)
			diff |= page[i] ^ pattern_word(kind, key, i);
	} else {
		for (size_t i = 0; i < words; i++) {
			state += GOLDEN;
			diff |= page[i] ^ mix(state);
		}
	}
	if (diff == 0)
		return 0;
	if (bad)
		mismatch_describe(page, words, key, kind, bad);
	return 1;
}

static int page_is_zero(const uint64_t *page, size_t words)
{
	uint64_t any = 0;

	for (size_t i = 0; i < words; i++)
		any |= page[i];
	return any == 0;
}

enum hog_origin hog_page_identify(const uint64_t *page, size_t words,
				  enum hog_content content, const struct hog_page_id *limit,
				  struct hog_page_id *found)
{
	uint64_t key;

	if (words == 0)
		return HOG_ORIGIN_UNKNOWN;
	if (page_is_zero(page, words))
		return HOG_ORIGIN_ZERO;
	/* Word 0 is mix(key + GOLDEN): it alone gives the only key that fits. */
	key = unmix(page[0]) - GOLDEN;
	if (hog_page_check(page, words, key, content, NULL) != 0)
		return HOG_ORIGIN_UNKNOWN;
	for (uint32_t w = 0; w < limit->worker; w++) {
		uint64_t base = worker_base(limit->seed, w);

		for (uint64_t p = 0; p <= limit->pass; p++) {
			uint64_t index = unmix(unmix(key) ^ p) ^ base;

			if (index < limit->index) {
				found->seed = limit->seed;
				found->worker = w;
				found->pass = (uint32_t)p;
				found->index = index;
				return HOG_ORIGIN_PAGE;
			}
		}
	}
	return HOG_ORIGIN_UNKNOWN;
}

void hog_walk_init(struct hog_walk *walk, uint64_t n, uint64_t seed)
{
	uint64_t top = n > 1 ? n - 1 : 0;
	unsigned bits = 0;

	while (bits < 64 && (top >> bits) != 0)
		bits++;
	walk->n = n;
	walk->mask = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
	walk->shift = bits / 2 + 1;
	walk->mul1 = mix(seed + GOLDEN) | 1;
	walk->mul2 = mix(seed + 2 * GOLDEN) | 1;
	walk->add = mix(seed + 3 * GOLDEN);
}

/* Odd multiplies, adds and right xorshifts are each one-to-one on the low
 * `bits` bits, so the step permutes [0, mask]; the shift brings high bits
 * down, which a multiply alone never does. */
static uint64_t walk_step(const struct hog_walk *walk, uint64_t x)
{
	x = (x * walk->mul1 + walk->add) & walk->mask;
	x ^= x >> walk->shift;
	x = (x * walk->mul2) & walk->mask;
	x ^= x >> walk->shift;
	return x;
}

/* Cycle walking: following the permutation from i until it drops below n
 * maps [0, n) onto itself one-to-one; n > mask / 2, so about 2 steps. */
uint64_t hog_walk_at(const struct hog_walk *walk, uint64_t i)
{
	uint64_t x;

	if (walk->n == 0)
		return 0;   /* nothing to visit; never loop forever */
	x = walk_step(walk, i);
	while (x >= walk->n)
		x = walk_step(walk, x);
	return x;
}
