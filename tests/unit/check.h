/* check.h - the smallest test harness that tells what failed.
 *
 * A test file defines test functions, calls them from main() with RUN(),
 * and returns check_summary(), which prints "N passed, N failed" and
 * returns non-zero when anything failed.
 */
#ifndef NETSWAP_CHECK_H
#define NETSWAP_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed, check_current_failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
		check_current_failed = 1; \
	} \
} while (0)

#define CHECK_EQ(a, b) do { \
	long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
	if (check_a_ != check_b_) { \
		fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", \
			__FILE__, __LINE__, #a, #b, check_a_, check_b_); \
		check_current_failed = 1; \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *check_a_ = (a), *check_b_ = (b); \
	if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) { \
		fprintf(stderr, "  %s:%d: %s == \"%s\" failed: got \"%s\"\n", \
			__FILE__, __LINE__, #a, check_b_ ? check_b_ : "(null)", \
			check_a_ ? check_a_ : "(null)"); \
		check_current_failed = 1; \
	} \
} while (0)

#define RUN(test) do { \
	check_current_failed = 0; \
	test(); \
	if (check_current_failed) { check_failed++; fprintf(stderr, "FAIL %s\n", #test); } \
	else { check_passed++; } \
} while (0)

static inline int check_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
