/* fuzz_cmdline.c - cmdline_parse() and cmdline_parse_root_path() on any bytes.
 *
 * Input: the text of /proc/cmdline (or a DHCP root-path). The first byte
 * also picks how many error slots the caller offers, so the overflow path
 * (errors pushing out warnings) is exercised. Besides the sanitizers, the
 * invariants every caller relies on are checked: terminated strings,
 * counts in range, option values in range, export names that pass
 * template_check().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "template.h"

#define MAX_ERRS 8

#define REQUIRE(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define TERMINATED(field) REQUIRE(memchr((field), '\0', sizeof(field)) != NULL)

static void check_target(const struct nbd_target *t)
{
	TERMINATED(t->host);
	TERMINATED(t->export_name);
	REQUIRE(t->port >= 1);
	REQUIRE(t->host[0] != '\0');
	REQUIRE(t->host_is_dhcp == (strcmp(t->host, "dhcp") == 0));
	REQUIRE(template_check(t->export_name, NULL, 0) >= 0);
}

static void check_root(const struct root_spec *r)
{
	TERMINATED(r->fstype);
	TERMINATED(r->mountopts);
	TERMINATED(r->nfs_server);
	TERMINATED(r->nfs_path);
	TERMINATED(r->nfs_options);
	TERMINATED(r->device);
	if (r->kind == ROOT_NBD)
		check_target(&r->nbd);
	if (r->kind == ROOT_NFS)
		REQUIRE(r->nfs_path[0] == '/' && r->nfs_server[0]);
	if (r->kind == ROOT_DEV)
		REQUIRE(strncmp(r->device, "/dev/", 5) == 0);
}

static void check_errors(const struct cmdline_error *errs, int max)
{
	char line[600];

	for (int i = 0; i < max && errs[i].key[0]; i++) {
		TERMINATED(errs[i].key);
		TERMINATED(errs[i].value);
		TERMINATED(errs[i].expected);
		REQUIRE(errs[i].expected[0] != '\0');
		cmdline_error_format(&errs[i], line, sizeof(line));
		REQUIRE(strlen(line) < sizeof(line));
		cmdline_error_format(&errs[i], line, 7);
		REQUIRE(strlen(line) < 7);
	}
}

static void check_config(const struct netswap_config *cfg, int nerrors, int max)
{
	const struct ip_config *ip = &cfg->ip;

	REQUIRE(nerrors >= 0);
	REQUIRE(cfg->nswaps >= 0 && cfg->nswaps <= MAX_SWAPS);
	for (int i = 0; i < cfg->nswaps; i++) {
		const struct swap_spec *s = &cfg->swaps[i];

		check_target(&s->target);
		REQUIRE(s->prio >= -1 && s->prio <= 32767);
		REQUIRE(s->conns >= 1 && s->conns <= MAX_CONNS);
		REQUIRE(s->timeout >= 0 && s->timeout <= 86400);
	}
	check_root(&cfg->root);
	TERMINATED(ip->hostname);
	TERMINATED(ip->device);
	REQUIRE(ip->mode == IP_DHCP || ip->mode == IP_OFF || ip->mode == IP_STATIC);
	if (ip->mode == IP_STATIC)
		REQUIRE(ip->client.s_addr != 0 && ip->netmask.s_addr != 0);
	TERMINATED(cfg->rootfstype);
	TERMINATED(cfg->rootflags);
	TERMINATED(cfg->init);
	REQUIRE(cfg->init[0] == '/');
	REQUIRE(cfg->timeout >= 1 && cfg->timeout <= 3600);
	REQUIRE(cfg->onfail == ONFAIL_RETRY || cfg->onfail == ONFAIL_SHELL ||
		cfg->onfail == ONFAIL_REBOOT);
	(void)max;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netswap_config cfg;
	struct cmdline_error errs[MAX_ERRS + 1];
	struct cmdline_error err;
	struct root_spec root;
	char *text = malloc(size + 1);
	int max = size ? data[0] % (MAX_ERRS + 1) : MAX_ERRS;
	int n, rc;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	/* A sentinel past the offered slots must stay untouched. */
	memset(&errs[max], 0x5a, sizeof(errs[max]));
	n = cmdline_parse(text, &cfg, errs, max);
	REQUIRE(((unsigned char *)&errs[max])[0] == 0x5a);
	check_config(&cfg, n, max);
	check_errors(errs, max);
	if (n > 0 && max > 0) {
		/* Errors come before dropped warnings: the list holds min(n, max) errors. */
		int recorded = 0;

		for (int i = 0; i < max && errs[i].key[0]; i++)
			recorded += !errs[i].warning;
		REQUIRE(recorded == (n < max ? n : max));
	}

	memset(&root, 0x5a, sizeof(root));
	rc = cmdline_parse_root_path(text, &root, &err);
	REQUIRE(rc >= -1 && rc <= 1);
	if (rc >= 0) {
		check_root(&root);
		REQUIRE(root.kind == ROOT_NBD || root.kind == ROOT_NFS);
	} else {
		REQUIRE(((unsigned char *)&root)[0] == 0x5a);
	}
	if (rc != 0) {
		check_errors(&err, 1);
		REQUIRE(err.key[0] && err.warning == (rc == 1));
	}
	free(text);
	return 0;
}
