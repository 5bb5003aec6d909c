/* fixture.h - captured bytes for the unit tests, from
 * tests/unit/fixtures/<kind>/ (found beside this file, so run the tests
 * from the tree root) or from the directory an environment variable names. */
#ifndef NETSWAP_FIXTURE_H
#define NETSWAP_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes the fixture's path into path and opens it; NULL if missing. */
static inline FILE *fixture_open(const char *kind, const char *env_var, const char *name,
				 char *path, size_t cap)
{
	const char *env = getenv(env_var);
	const char *slash = strrchr(__FILE__, '/');

	if (env)
		snprintf(path, cap, "%s/%s", env, name);
	else
		snprintf(path, cap, "%.*s/fixtures/%s/%s", slash ? (int)(slash - __FILE__) : 1,
			 slash ? __FILE__ : ".", kind, name);
	return fopen(path, "rb");
}

/* A fixture in an exact-size heap buffer, so ASan sees any read past it. */
struct fixture_pkt {
	uint8_t *b;
	size_t len;
};

static inline uint8_t *fixture_exact(const uint8_t *b, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	memcpy(c, b, n);
	return c;
}

/* Loads a fixture or stops the test program: every later check would
 * fail on garbage. */
static inline struct fixture_pkt fixture_pkt_load(const char *kind, const char *env_var,
						  const char *name)
{
	char path[1024];
	uint8_t tmp[4096];
	struct fixture_pkt p;
	FILE *f = fixture_open(kind, env_var, name, path, sizeof path);

	if (!f) {
		fprintf(stderr, "missing fixture %s (run from the tree root or set %s)\n", path,
			env_var);
		exit(1);
	}
	p.len = fread(tmp, 1, sizeof tmp, f);
	fclose(f);
	p.b = fixture_exact(tmp, p.len);
	return p;
}

#endif
