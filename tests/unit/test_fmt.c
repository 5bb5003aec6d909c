/* test_fmt.c - bufprint against the C library's snprintf, for every kind
 * of conversion the init writes, whole and cut short. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fmt.h"

/* The same text and the same length as snprintf, at every buffer size
 * from 0 to one past the text. */
#define SAME(...) do { \
	char want_[160], got_[160]; \
	int wn_ = snprintf(want_, sizeof(want_), __VA_ARGS__); \
	for (size_t cap_ = 0; cap_ <= (size_t)wn_ + 1; cap_++) { \
		memset(got_, 'X', sizeof(got_)); \
		memset(want_, 'X', sizeof(want_)); \
		snprintf(want_, cap_, __VA_ARGS__); \
		CHECK_EQ(bufprint(got_, cap_, __VA_ARGS__), wn_); \
		CHECK(memcmp(got_, want_, cap_ + 1) == 0); \
	} \
} while (0)

static void test_strings(void)
{
	SAME("plain text");
	SAME("%s", "");
	SAME("netswap: %s: %s", "eth0", "DHCP lease 10.0.2.15/24");
	SAME("[%.*s]", 3, "abcdef");
	SAME("[%.*s]", 10, "abc");
	SAME("[%.*s]", 0, "abc");
	SAME("[%8s|%-8s]", "ab", "cd");
	SAME("%c%c", 'o', 'k');
	SAME("100%% sure");
}

static void test_numbers(void)
{
	SAME("%d %d %d", 0, -1, 2147483647);
	SAME("%d", (int)-2147483647 - 1);
	SAME("%i|%5d|%-5d|%05d", 42, -42, 42, -42);
	SAME("%u %u", 0u, 4294967295u);
	SAME("%ld %ld", -9000000000L, 9000000000L);
	SAME("%lu", 18446744073709551615UL);
	SAME("%llu %llu", 0ULL, 18446744073709551615ULL);
	SAME("%zu bytes", (size_t)65536);
	SAME("%02x:%02x:%02x", 0x5, 0xab, 0x100);
	SAME("0x%08x 0x%04x", 0xdeadbeefu, 0x1u);
	SAME("0x%016llx", 0x49484156454f5054ULL);
	SAME("<%d>netswap: %s took %ld ms", 6, "swap", 1234L);
}

/* Through a pointer, which the compiler does not check: it would refuse
 * these formats as literals. */
static int (*const unchecked)(char *, size_t, const char *, ...) = bufprint;

/* What it does not know is shown as written, and a lone '%' at the end. */
static void test_unknown(void)
{
	char buf[32];

	CHECK_EQ(unchecked(buf, sizeof(buf), "a%qb"), 4);
	CHECK_STR(buf, "a%qb");
	CHECK_EQ(unchecked(buf, sizeof(buf), "end%"), 4);
	CHECK_STR(buf, "end%");
}

int main(void)
{
	RUN(test_strings);
	RUN(test_numbers);
	RUN(test_unknown);
	return check_summary("fmt");
}
