/* test_template.c - export-name templates: ${mac} ${ip} ${hostname}. */
#include "check.h"
#include "template.h"

static const struct template_vars node1 = {
	.mac = "52-54-00-12-34-56",
	.ip = "10.0.0.21",
	.hostname = "node21",
};

static void test_expand_each_variable(void)
{
	char out[64];

	CHECK_EQ(template_expand("swap-${mac}", &node1, out, sizeof(out)), 22);
	CHECK_STR(out, "swap-52-54-00-12-34-56");
	CHECK_EQ(template_expand("${ip}", &node1, out, sizeof(out)), 9);
	CHECK_STR(out, "10.0.0.21");
	CHECK_EQ(template_expand("swap/${hostname}.img", &node1, out, sizeof(out)), 15);
	CHECK_STR(out, "swap/node21.img");
}

static void test_expand_several_and_repeated(void)
{
	char out[128];
	int n = template_expand("${hostname}-${ip}-${mac}-${hostname}", &node1, out, sizeof(out));

	CHECK_STR(out, "node21-10.0.0.21-52-54-00-12-34-56-node21");
	CHECK_EQ(n, (int)strlen(out));
}

static void test_expand_literal_only(void)
{
	char out[32];

	CHECK_EQ(template_expand("swap", NULL, out, sizeof(out)), 4);
	CHECK_STR(out, "swap");
	CHECK_EQ(template_expand("", NULL, out, sizeof(out)), 0);
	CHECK_STR(out, "");
}

static void test_expand_dollar_is_literal(void)
{
	char out[32];

	CHECK_EQ(template_expand("a$b$", &node1, out, sizeof(out)), 4);
	CHECK_STR(out, "a$b$");
	CHECK_EQ(template_expand("$$${ip}", &node1, out, sizeof(out)), 11);
	CHECK_STR(out, "$$10.0.0.21");
	CHECK_EQ(template_expand("{mac}", &node1, out, sizeof(out)), 5);
	CHECK_STR(out, "{mac}");
}

static void test_expand_unknown_variable(void)
{
	char out[32] = "junk";

	CHECK_EQ(template_expand("swap-${mca}", &node1, out, sizeof(out)), TEMPLATE_EUNKNOWN);
	CHECK_STR(out, "");
	CHECK_EQ(template_expand("${MAC}", &node1, out, sizeof(out)), TEMPLATE_EUNKNOWN);
	CHECK_EQ(template_expand("${}", &node1, out, sizeof(out)), TEMPLATE_EUNKNOWN);
	CHECK_EQ(template_expand("${ mac}", &node1, out, sizeof(out)), TEMPLATE_EUNKNOWN);
}

static void test_expand_unterminated(void)
{
	char out[32];

	CHECK_EQ(template_expand("swap-${mac", &node1, out, sizeof(out)), TEMPLATE_EUNTERMINATED);
	CHECK_EQ(template_expand("${", &node1, out, sizeof(out)), TEMPLATE_EUNTERMINATED);
	CHECK_EQ(template_expand("x-$", &node1, out, sizeof(out)), 3);
}

static void test_expand_missing_value(void)
{
	struct template_vars v = { .mac = "52-54-00-12-34-56", .ip = NULL, .hostname = "" };
	char out[32];

	CHECK_EQ(template_expand("${ip}", &v, out, sizeof(out)), TEMPLATE_EMISSING);
	CHECK_EQ(template_expand("${hostname}", &v, out, sizeof(out)), TEMPLATE_EMISSING);
	CHECK_EQ(template_expand("${mac}", NULL, out, sizeof(out)), TEMPLATE_EMISSING);
	/* Unused variables may be missing. */
	CHECK_EQ(template_expand("${mac}", &v, out, sizeof(out)), 17);
}

static void test_expand_output_bounds(void)
{
	char out[32];

	/* "swap-" + 17 = 22 chars: needs 23 bytes with the NUL. */
	CHECK_EQ(template_expand("swap-${mac}", &node1, out, 23), 22);
	CHECK_STR(out, "swap-52-54-00-12-34-56");
	memset(out, 'x', sizeof(out));
	CHECK_EQ(template_expand("swap-${mac}", &node1, out, 22), TEMPLATE_ETOOLONG);
	CHECK_STR(out, "");
	CHECK_EQ(template_expand("swap", &node1, out, 4), TEMPLATE_ETOOLONG);
	CHECK_EQ(template_expand("swap", &node1, out, 5), 4);
	CHECK_EQ(template_expand("", &node1, out, 1), 0);
	CHECK_EQ(template_expand("", &node1, out, 0), TEMPLATE_ETOOLONG);
	/* The byte past outlen is never written. */
	memset(out, 'x', sizeof(out));
	template_expand("${hostname}${hostname}", &node1, out, 8);
	CHECK_EQ(out[8], 'x');
}

static void test_expand_null_arguments(void)
{
	char out[8];

	CHECK_EQ(template_expand(NULL, &node1, out, sizeof(out)), TEMPLATE_EINVAL);
	CHECK_EQ(template_expand("x", &node1, NULL, 8), TEMPLATE_EINVAL);
}

static void test_check_counts_variables(void)
{
	char msg[128] = "";

	CHECK_EQ(template_check("swap", msg, sizeof(msg)), 0);
	CHECK_EQ(template_check("swap-${mac}", msg, sizeof(msg)), 1);
	CHECK_EQ(template_check("${hostname}/${ip}/${mac}", msg, sizeof(msg)), 3);
	CHECK_EQ(template_check("", msg, sizeof(msg)), 0);
	CHECK_EQ(template_check("a$b", NULL, 0), 0);
}

static void test_check_messages(void)
{
	char msg[128];

	CHECK_EQ(template_check("swap-${mca}", msg, sizeof(msg)), TEMPLATE_EUNKNOWN);
	CHECK_STR(msg, "unknown variable ${mca}, expected ${mac}, ${ip} or ${hostname}");
	CHECK_EQ(template_check("swap-${mac", msg, sizeof(msg)), TEMPLATE_EUNTERMINATED);
	CHECK_STR(msg, "unterminated '${mac' at offset 5, expected ${mac}, ${ip} or ${hostname}");
	CHECK_EQ(template_check(NULL, msg, sizeof(msg)), TEMPLATE_EINVAL);
}

static void test_check_long_name_is_clipped(void)
{
	char msg[200];
	char tmpl[300];

	memset(tmpl, 'a', sizeof(tmpl));
	memcpy(tmpl, "${", 2);
	tmpl[sizeof(tmpl) - 2] = '}';
	tmpl[sizeof(tmpl) - 1] = '\0';
	CHECK_EQ(template_check(tmpl, msg, sizeof(msg)), TEMPLATE_EUNKNOWN);
	CHECK(strstr(msg, "...}") != NULL);
	CHECK(strlen(msg) < 120);
	/* A tiny buffer still gets a terminated prefix. */
	CHECK_EQ(template_check("${x}", msg, 8), TEMPLATE_EUNKNOWN);
	CHECK_EQ(strlen(msg), 7);
	/* No buffer at all is fine. */
	CHECK_EQ(template_check("${x}", NULL, 0), TEMPLATE_EUNKNOWN);
	CHECK_EQ(template_check("${x}", msg, 0), TEMPLATE_EUNKNOWN);
}

static void test_format_mac(void)
{
	const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	const uint8_t high[6] = { 0xde, 0xad, 0xbe, 0xef, 0xfa, 0xce };
	char out[18];

	template_format_mac(mac, out);
	CHECK_STR(out, "52-54-00-12-34-56");
	template_format_mac(high, out);
	CHECK_STR(out, "de-ad-be-ef-fa-ce");
}

static void test_strerror(void)
{
	CHECK(strstr(template_strerror(TEMPLATE_EUNKNOWN), "${mac}") != NULL);
	CHECK(strlen(template_strerror(TEMPLATE_ETOOLONG)) > 0);
	CHECK(strlen(template_strerror(12345)) > 0);
}

int main(void)
{
	RUN(test_expand_each_variable);
	RUN(test_expand_several_and_repeated);
	RUN(test_expand_literal_only);
	RUN(test_expand_dollar_is_literal);
	RUN(test_expand_unknown_variable);
	RUN(test_expand_unterminated);
	RUN(test_expand_missing_value);
	RUN(test_expand_output_bounds);
	RUN(test_expand_null_arguments);
	RUN(test_check_counts_variables);
	RUN(test_check_messages);
	RUN(test_check_long_name_is_clipped);
	RUN(test_format_mac);
	RUN(test_strerror);
	return check_summary("template");
}
