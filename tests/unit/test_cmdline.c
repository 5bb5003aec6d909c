/* test_cmdline.c - the kernel command line as users write it.
 *
 * Valid lines are the ones PXE menus, thin-client servers and dracut users
 * write; every malformed field must give one error naming the key, the
 * problem and the expected form.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "cmdline.h"

#define MAX_ERRS 16

static struct netswap_config cfg;
static struct cmdline_error errs[MAX_ERRS];

static int parse(const char *line)
{
	return cmdline_parse(line, &cfg, errs, MAX_ERRS);
}

static uint32_t addr(const char *dotted)
{
	return inet_addr(dotted);
}

static int count_warnings(void)
{
	int n = 0;

	for (int i = 0; i < MAX_ERRS && errs[i].key[0]; i++)
		n += errs[i].warning;
	return n;
}

/* Exactly one error, for key, whose message contains needle. Used inside
 * CHECK() so a failure points at the test line; details go to stderr. */
static bool one_error(const char *line, const char *key, const char *needle)
{
	int n = parse(line);

	if (n == 1 && !errs[0].warning && strcmp(errs[0].key, key) == 0 &&
	    strstr(errs[0].expected, needle) && !errs[1].key[0])
		return true;
	fprintf(stderr, "  line: %s\n  got %d error(s)", line, n);
	for (int i = 0; i < MAX_ERRS && errs[i].key[0]; i++) {
		char buf[512];

		cmdline_error_format(&errs[i], buf, sizeof(buf));
		fprintf(stderr, "\n    %s%s", errs[i].warning ? "warning: " : "", buf);
	}
	fprintf(stderr, "\n  wanted key %s, message with \"%s\"\n", key, needle);
	return false;
}

/* No errors and no warnings. */
static bool clean(const char *line)
{
	int n = parse(line);

	if (n == 0 && !errs[0].key[0])
		return true;
	fprintf(stderr, "  line: %s\n  got %d error(s):", line, n);
	for (int i = 0; i < MAX_ERRS && errs[i].key[0]; i++) {
		char buf[512];

		cmdline_error_format(&errs[i], buf, sizeof(buf));
		fprintf(stderr, "\n    %s%s", errs[i].warning ? "warning: " : "", buf);
	}
	fprintf(stderr, "\n");
	return false;
}

/* ---- Defaults and splitting --------------------------------------- */

static void check_defaults(void)
{
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	CHECK_EQ(cfg.onfail, ONFAIL_RETRY);
	CHECK_EQ(cfg.timeout, 30);
	CHECK_STR(cfg.init, "/sbin/init");
	CHECK(!cfg.root_rw);
	CHECK(!cfg.debug);
	CHECK(!cfg.have_bootif);
	CHECK_EQ(cfg.nswaps, 0);
	CHECK_EQ(cfg.root.kind, ROOT_NONE);
	CHECK_STR(cfg.rootfstype, "");
}

static void test_defaults_empty_line(void)
{
	CHECK(clean(""));
	check_defaults();
	CHECK(clean("   \n"));
	check_defaults();
	CHECK_EQ(cmdline_parse(NULL, &cfg, errs, MAX_ERRS), 0);
	check_defaults();
}

static void test_defaults_reset_between_calls(void)
{
	CHECK(clean("ip=off rw netswap.timeout=5 netswap=nbd:10.0.0.1:swap"));
	CHECK(clean("quiet"));
	check_defaults();
}

static void test_no_error_buffer(void)
{
	CHECK_EQ(cmdline_parse("ip=bootp netswap=x", &cfg, NULL, 0), 2);
	CHECK_EQ(cmdline_parse("ip=bootp netswap=x", &cfg, errs, 0), 2);
	CHECK_EQ(cmdline_parse("ip=bootp netswap=x", &cfg, NULL, 5), 2);
}

static void test_unknown_keys_ignored(void)
{
	CHECK(clean("BOOT_IMAGE=/vmlinuz-6.12 initrd=initrd.img quiet splash console=tty0 "
		    "console=ttyS0,115200n8 ipv6.disable=1 IP=off ip6=auto Root=/x "
		    "rootwait netswapx=1 BOOTIFX=zz =ip ip.x=1 nbd.nbds_max=16"));
	check_defaults();
}

static void test_unknown_netswap_key_is_error(void)
{
	CHECK(one_error("netswap.onfial=shell", "netswap.onfial", "unknown key, expected netswap.onfail"));
	CHECK_STR(errs[0].value, "shell");
	CHECK(one_error("netswap.verbose", "netswap.verbose", "netswap.debug"));
	CHECK_EQ(cfg.onfail, ONFAIL_RETRY);
}

static void test_whitespace_kinds(void)
{
	CHECK(clean("\tip=off\n\nrw\r\vnetswap.debug\f"));
	CHECK_EQ(cfg.ip.mode, IP_OFF);
	CHECK(cfg.root_rw);
	CHECK(cfg.debug);
	/* Like the kernel's ctype, 0xa0 separates arguments. */
	CHECK(clean("ip=off\xa0rw"));
	CHECK(cfg.root_rw);
}

static void test_quoted_values(void)
{
	CHECK(clean("rootflags=\"data=ordered,noatime\" netswap=\"nbd:10.0.0.1:swap:prio=1\""));
	CHECK_STR(cfg.rootflags, "data=ordered,noatime");
	CHECK_EQ(cfg.nswaps, 1);
	CHECK_STR(cfg.swaps[0].target.export_name, "swap");
	CHECK_EQ(cfg.swaps[0].prio, 1);

	/* Quotes group spaces; the quotes are not part of the value. */
	CHECK(clean("foo=\"a b c\" rootflags=\"x y\" ip=off"));
	CHECK_STR(cfg.rootflags, "x y");
	CHECK_EQ(cfg.ip.mode, IP_OFF);

	/* The whole argument quoted. */
	CHECK(clean("\"netswap=nbd:10.0.0.1:swap two\" \"rw\""));
	CHECK_STR(cfg.swaps[0].target.export_name, "swap two");
	CHECK(cfg.root_rw);

	/* A quote inside a value is kept, as the kernel does. */
	CHECK(clean("rootflags=a\"b c\""));
	CHECK_STR(cfg.rootflags, "a\"b c\"");
}

static void test_unterminated_quote_swallows_rest(void)
{
	CHECK(clean("rootflags=\"a b ip=off"));
	CHECK_STR(cfg.rootflags, "a b ip=off");
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
}

static void test_double_dash_ends_parsing(void)
{
	CHECK(clean("ip=off -- netswap=garbage ip=dhcp init=relative"));
	CHECK_EQ(cfg.ip.mode, IP_OFF);
	CHECK_STR(cfg.init, "/sbin/init");
	CHECK(clean("rw \"--\" ip=bootp"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	/* Only a bare "--" ends it. */
	CHECK(one_error("--foo --=x ip=bootp", "ip", "not supported"));
	CHECK(clean("-- ip=off"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
}

static void test_value_too_long(void)
{
	char line[2300] = "rootflags=";
	size_t n = strlen(line);

	memset(line + n, 'x', 2100);
	line[n + 2100] = '\0';
	CHECK(one_error(line, "rootflags", "value too long (2100 chars)"));
	CHECK_EQ(strlen(errs[0].value), 127);
	CHECK_STR(errs[0].value + 124, "...");
}

/* ---- Realistic lines ---------------------------------------------- */

static void test_pxe_cluster_node(void)
{
	CHECK(clean("BOOT_IMAGE=vmlinuz initrd=initrd.img ip=dhcp BOOTIF=01-52-54-00-12-34-56 "
		    "netswap=nbd:10.0.0.1:10809/swap-${mac}:prio=10,conns=4 "
		    "root=nfs:10.0.0.1:/srv/nfsroot:vers=3,tcp,nolock ro quiet "
		    "console=ttyS0,115200n8\n"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	CHECK(cfg.have_bootif);
	CHECK(memcmp(cfg.bootif, "\x52\x54\x00\x12\x34\x56", 6) == 0);
	CHECK_EQ(cfg.nswaps, 1);
	CHECK_STR(cfg.swaps[0].target.host, "10.0.0.1");
	CHECK(!cfg.swaps[0].target.host_is_dhcp);
	CHECK_EQ(cfg.swaps[0].target.port, 10809);
	CHECK_STR(cfg.swaps[0].target.export_name, "swap-${mac}");
	CHECK_EQ(cfg.swaps[0].prio, 10);
	CHECK_EQ(cfg.swaps[0].conns, 4);
	CHECK_EQ(cfg.swaps[0].timeout, 0);
	CHECK(!cfg.swaps[0].encrypt);
	CHECK_EQ(cfg.root.kind, ROOT_NFS);
	CHECK_STR(cfg.root.nfs_server, "10.0.0.1");
	CHECK_STR(cfg.root.nfs_path, "/srv/nfsroot");
	CHECK_STR(cfg.root.nfs_options, "vers=3,tcp,nolock");
	CHECK(!cfg.root_rw);
}

static void test_thin_client_static(void)
{
	CHECK(clean("ip=192.168.1.50:192.168.1.1:192.168.1.254:255.255.255.0:thin50:eth0:off "
		    "root=nbd:192.168.1.1:10809/root:ext4:noatime "
		    "netswap=nbd:192.168.1.1:swap-${hostname} rw init=/lib/systemd/systemd"));
	CHECK_EQ(cfg.ip.mode, IP_STATIC);
	CHECK_EQ(cfg.ip.client.s_addr, addr("192.168.1.50"));
	CHECK_EQ(cfg.ip.server.s_addr, addr("192.168.1.1"));
	CHECK_EQ(cfg.ip.gateway.s_addr, addr("192.168.1.254"));
	CHECK_EQ(cfg.ip.netmask.s_addr, addr("255.255.255.0"));
	CHECK_STR(cfg.ip.hostname, "thin50");
	CHECK_STR(cfg.ip.device, "eth0");
	CHECK_EQ(cfg.root.kind, ROOT_NBD);
	CHECK_STR(cfg.root.nbd.host, "192.168.1.1");
	CHECK_EQ(cfg.root.nbd.port, 10809);
	CHECK_STR(cfg.root.nbd.export_name, "root");
	CHECK_STR(cfg.root.fstype, "ext4");
	CHECK_STR(cfg.root.mountopts, "noatime");
	CHECK_EQ(cfg.swaps[0].target.port, NBD_DEFAULT_PORT);
	CHECK_STR(cfg.swaps[0].target.export_name, "swap-${hostname}");
	CHECK(cfg.root_rw);
	CHECK_STR(cfg.init, "/lib/systemd/systemd");
}

static void test_dracut_style(void)
{
	CHECK(clean("root=nbd:10.0.2.2:10809:ext4::-N,root ip=eth0:dhcp netswap=nbd:dhcp:swap "
		    "netswap.onfail=shell netswap.timeout=120 netswap.debug rd.shell"));
	CHECK_EQ(cfg.root.kind, ROOT_NBD);
	CHECK_STR(cfg.root.nbd.host, "10.0.2.2");
	CHECK_EQ(cfg.root.nbd.port, 10809);
	CHECK_STR(cfg.root.nbd.export_name, "root");
	CHECK_STR(cfg.root.fstype, "ext4");
	CHECK_STR(cfg.root.mountopts, "");
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	CHECK_STR(cfg.ip.device, "eth0");
	CHECK(cfg.swaps[0].target.host_is_dhcp);
	CHECK_STR(cfg.swaps[0].target.host, "dhcp");
	CHECK_EQ(cfg.onfail, ONFAIL_SHELL);
	CHECK_EQ(cfg.timeout, 120);
	CHECK(cfg.debug);
}

/* IPv6 is not implemented past the parser: every place that takes a
 * server refuses [v6] by name rather than booting into a dead end. */
static void test_ipv6_servers_refused(void)
{
	const char *no6 = "IPv6 server '[fd00::1]' is not supported yet (IPv4 only), expected an IPv4 address or dhcp";
	struct root_spec r;
	struct cmdline_error e;

	CHECK(one_error("netswap=nbd:[fd00::1]:10809/swap", "netswap", no6));
	CHECK_EQ(cfg.nswaps, 0);
	CHECK(one_error("netswap=nbd:[fe80::1%eth0]:swap:prio=5", "netswap",
			"IPv6 server '[fe80::1%eth0]' is not supported yet"));
	CHECK(one_error("root=nbd:[fd00::1]:10809/root", "root", no6));
	CHECK(one_error("root=nfs:[fd00::1]:/srv/root", "root", no6));
	CHECK(one_error("netswap=nbd:[fe80::1:10809", "netswap", "IPv6 server '[fe80::1:10809' is not supported yet"));
	CHECK_EQ(cmdline_parse_root_path("[fd00::1]:/srv/root", &r, &e), -1);
	CHECK(strstr(e.expected, no6) != NULL);
}

static void test_root_dhcp_line(void)
{
	CHECK(clean("BOOTIF=01-52-54-00-ab-cd-ef root=dhcp netswap=nbd:dhcp:10809/swap-${mac}"));
	CHECK_EQ(cfg.root.kind, ROOT_DHCP);
	CHECK(cfg.bootif[3] == 0xab && cfg.bootif[5] == 0xef);
}

/* ---- Repeats ------------------------------------------------------- */

static void test_netswap_appends(void)
{
	CHECK(clean("netswap=nbd:10.0.0.1:a netswap=nbd:10.0.0.2:2000 netswap=nbd:10.0.0.3:c:encrypt"));
	CHECK_EQ(cfg.nswaps, 3);
	CHECK_STR(cfg.swaps[0].target.export_name, "a");
	CHECK_STR(cfg.swaps[1].target.host, "10.0.0.2");
	CHECK_EQ(cfg.swaps[1].target.port, 2000);
	CHECK_STR(cfg.swaps[1].target.export_name, "");
	CHECK(cfg.swaps[2].encrypt);
}

static void test_netswap_limit(void)
{
	char line[1024] = "";

	for (int i = 0; i < MAX_SWAPS + 1; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "netswap=nbd:10.0.0.1:swap%d ", i);
	CHECK(one_error(line, "netswap", "at most 8"));
	CHECK_STR(errs[0].value, "nbd:10.0.0.1:swap8");
	CHECK_EQ(cfg.nswaps, MAX_SWAPS);
	CHECK_STR(cfg.swaps[7].target.export_name, "swap7");
}

static void test_last_wins(void)
{
	CHECK(clean("ip=off ip=dhcp root=/dev/sda1 root=nfs:10.0.0.1:/r init=/a init=/b "
		    "rootfstype=xfs rootfstype=ext4 netswap.onfail=shell netswap.onfail=reboot "
		    "netswap.timeout=5 netswap.timeout=6 netswap.debug netswap.debug=0 "
		    "BOOTIF=01-00-00-00-00-00-01 BOOTIF=01-00-00-00-00-00-02"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	CHECK_EQ(cfg.root.kind, ROOT_NFS);
	CHECK_STR(cfg.init, "/b");
	CHECK_STR(cfg.rootfstype, "ext4");
	CHECK_EQ(cfg.onfail, ONFAIL_REBOOT);
	CHECK_EQ(cfg.timeout, 6);
	CHECK(!cfg.debug);
	CHECK_EQ(cfg.bootif[5], 2);
	CHECK(clean("ro rw"));
	CHECK(cfg.root_rw);
	CHECK(clean("rw ro"));
	CHECK(!cfg.root_rw);
}

static void test_invalid_repeat_keeps_previous(void)
{
	CHECK(one_error("ip=off ip=bogus", "ip", "client-ip"));
	CHECK_EQ(cfg.ip.mode, IP_OFF);
	CHECK(one_error("root=/dev/sda1 root=UUID=1234", "root", "unsupported"));
	CHECK_EQ(cfg.root.kind, ROOT_DEV);
	CHECK_STR(cfg.root.device, "/dev/sda1");
	CHECK(one_error("netswap=nbd:10.0.0.1:a netswap=nbd:10.0.0.1:0", "netswap", "bad port"));
	CHECK_EQ(cfg.nswaps, 1);
}

/* ---- ip= ------------------------------------------------------------ */

static void test_ip_words(void)
{
	static const struct { const char *line; enum ip_mode mode; } cases[] = {
		{ "ip=dhcp", IP_DHCP }, { "ip=on", IP_DHCP }, { "ip=any", IP_DHCP },
		{ "ip=both", IP_DHCP }, { "ip=off", IP_OFF }, { "ip=none", IP_OFF },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(clean(cases[i].line));
		CHECK_EQ(cfg.ip.mode, cases[i].mode);
		CHECK_STR(cfg.ip.device, "");
	}
}

static void test_ip_kernel_full(void)
{
	CHECK(clean("ip=10.1.2.3:10.1.0.1:10.1.0.254:255.255.0.0:node7.cluster:enp1s0:none:10.1.0.53:10.1.0.54"));
	CHECK_EQ(cfg.ip.mode, IP_STATIC);
	CHECK_EQ(cfg.ip.client.s_addr, addr("10.1.2.3"));
	CHECK_EQ(cfg.ip.server.s_addr, addr("10.1.0.1"));
	CHECK_EQ(cfg.ip.gateway.s_addr, addr("10.1.0.254"));
	CHECK_EQ(cfg.ip.netmask.s_addr, addr("255.255.0.0"));
	CHECK_STR(cfg.ip.hostname, "node7.cluster");
	CHECK_STR(cfg.ip.device, "enp1s0");
	CHECK_EQ(cfg.ip.dns[0].s_addr, addr("10.1.0.53"));
	CHECK_EQ(cfg.ip.dns[1].s_addr, addr("10.1.0.54"));
}

static void test_ip_kernel_short_forms(void)
{
	/* Client only: static, classful netmask like the kernel. */
	CHECK(clean("ip=10.0.0.5"));
	CHECK_EQ(cfg.ip.mode, IP_STATIC);
	CHECK_EQ(cfg.ip.netmask.s_addr, addr("255.0.0.0"));
	CHECK(clean("ip=172.16.1.5:"));
	CHECK_EQ(cfg.ip.netmask.s_addr, addr("255.255.0.0"));
	CHECK(clean("ip=192.168.1.5::192.168.1.1"));
	CHECK_EQ(cfg.ip.netmask.s_addr, addr("255.255.255.0"));
	CHECK_EQ(cfg.ip.gateway.s_addr, addr("192.168.1.1"));
	CHECK(clean("ip=10.0.0.5:10.0.0.1"));
	CHECK_EQ(cfg.ip.server.s_addr, addr("10.0.0.1"));
	CHECK(clean("ip=10.0.0.5:::::eth1"));
	CHECK_EQ(cfg.ip.mode, IP_STATIC);
	CHECK_STR(cfg.ip.device, "eth1");
	CHECK(clean("ip=10.0.0.5::::::static"));
	CHECK_EQ(cfg.ip.mode, IP_STATIC);
	/* No client: DHCP, on the given device. */
	CHECK(clean("ip=:::::eth0:dhcp"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	CHECK_STR(cfg.ip.device, "eth0");
	CHECK(clean("ip=::::::"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	CHECK(clean("ip=::::myhost:eth0:"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	CHECK_STR(cfg.ip.hostname, "myhost");
	/* 0.0.0.0 is "no client" in ipconfig.c. */
	CHECK(clean("ip=0.0.0.0:::::eth0"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	/* A client address with dhcp: DHCP. */
	CHECK(clean("ip=10.0.0.5::::::dhcp"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	/* Leading zeros are decimal, as in the kernel's in_aton. */
	CHECK(clean("ip=010.000.000.005"));
	CHECK_EQ(cfg.ip.client.s_addr, addr("10.0.0.5"));
}

static void test_ip_limits(void)
{
	char line[256];

	/* hostname: 63 chars fit, 64 do not. */
	snprintf(line, sizeof(line), "ip=10.0.0.5::::%.63s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	CHECK(clean(line));
	CHECK_EQ(strlen(cfg.ip.hostname), 63);
	snprintf(line, sizeof(line), "ip=10.0.0.5::::%.64s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	CHECK(one_error(line, "ip", "hostname too long (64 chars), expected at most 63"));
	/* device: 15 fit, 16 do not. */
	CHECK(clean("ip=10.0.0.5:::::abcdefghijklmno"));
	CHECK_STR(cfg.ip.device, "abcdefghijklmno");
	CHECK(one_error("ip=10.0.0.5:::::abcdefghijklmnop", "ip", "device name 'abcdefghijklmnop' too long"));
	CHECK(one_error("ip=abcdefghijklmnop:dhcp", "ip", "too long, expected at most 15"));
}

static void test_ip_ntp_field_warns(void)
{
	CHECK_EQ(parse("ip=10.0.0.5:::::eth0:off:::10.0.0.123"), 0);
	CHECK_EQ(count_warnings(), 1);
	CHECK_STR(errs[0].key, "ip");
	CHECK(strstr(errs[0].expected, "ntp0 10.0.0.123 is ignored") != NULL);
	CHECK_EQ(cfg.ip.mode, IP_STATIC);
	CHECK(clean("ip=10.0.0.5:::::eth0:off:::"));
	CHECK(one_error("ip=10.0.0.5:::::eth0:off:::ntp.example", "ip", "bad ntp0 'ntp.example'"));
}

static void test_ip_dracut_form(void)
{
	CHECK(clean("ip=eth0:dhcp"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	CHECK_STR(cfg.ip.device, "eth0");
	CHECK(clean("ip=enp0s3:on"));
	CHECK_EQ(cfg.ip.mode, IP_DHCP);
	CHECK(clean("ip=eth1:off"));
	CHECK_EQ(cfg.ip.mode, IP_OFF);
	CHECK_STR(cfg.ip.device, "eth1");
	CHECK(one_error("ip=eth0:bootp", "ip", "autoconf 'bootp' is not supported, expected dhcp or off"));
	CHECK(one_error("ip=eth0:dhcp6", "ip", "unknown autoconf 'dhcp6'"));
	CHECK(one_error("ip=eth0:static", "ip", "needs a <client-ip>"));
	CHECK(one_error("ip=:dhcp", "ip", "empty device"));
	CHECK(one_error("ip=eth/0:dhcp", "ip", "bad device name"));
}

static void test_ip_errors(void)
{
	static const struct { const char *line, *needle; } cases[] = {
		{ "ip=", "empty value" },
		{ "ip", "missing value" },
		{ "ip=bootp", "autoconf 'bootp' is not supported" },
		{ "ip=rarp", "autoconf 'rarp' is not supported" },
		{ "ip=static", "autoconf 'static' needs a <client-ip>" },
		{ "ip=foo", "bad client-ip 'foo', expected an IPv4 address" },
		{ "ip=10.0.0.256", "bad client-ip '10.0.0.256'" },
		{ "ip=10.0.0", "bad client-ip" },
		{ "ip=10.0.0.1.2", "bad client-ip" },
		{ "ip=10..0.1", "bad client-ip" },
		{ "ip=1000.0.0.1", "bad client-ip" },
		{ "ip=-1.0.0.1", "bad client-ip" },
		{ "ip=10.0.0.5:10.0.0.x", "bad server-ip '10.0.0.x'" },
		{ "ip=10.0.0.5::gw", "bad gw-ip 'gw'" },
		{ "ip=10.0.0.5:::255.255.255.256", "bad netmask '255.255.255.256'" },
		{ "ip=10.0.0.5:::255.0.255.0", "bad netmask '255.0.255.0', expected contiguous" },
		{ "ip=10.0.0.5::::bad_host!", "bad hostname 'bad_host!'" },
		{ "ip=10.0.0.5:::::eth0:dhcp6", "unknown autoconf 'dhcp6', expected dhcp, on, any, both, off, none or static" },
		{ "ip=10.0.0.5:::::eth0:bootp", "autoconf 'bootp' is not supported, expected dhcp or off" },
		{ "ip=:::::eth0:off", "autoconf 'off' needs a <client-ip>" },
		{ "ip=0.0.0.0:::::eth0:none", "autoconf 'none' needs a <client-ip>" },
		{ "ip=10.0.0.5:::::eth0:off:dns", "bad dns0 'dns'" },
		{ "ip=10.0.0.5:::::eth0:off:10.0.0.53:1.2.3", "bad dns1 '1.2.3'" },
		{ "ip=10.0.0.5:::::eth0:off::::", "too many fields, expected at most 10" },
		{ "ip=224.0.0.5", "no netmask for client-ip 224.0.0.5" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(one_error(cases[i].line, "ip", cases[i].needle));
		CHECK(strstr(errs[0].expected, "(form: dhcp, off, <device>:dhcp") != NULL);
		CHECK_EQ(cfg.ip.mode, IP_DHCP);
	}
	/* A netmask given with a class D client is fine. */
	CHECK(clean("ip=224.0.0.5:::255.255.255.0"));
}

/* ---- BOOTIF= -------------------------------------------------------- */

static void test_bootif_valid(void)
{
	static const char *const lines[] = {
		"BOOTIF=01-52-54-00-12-34-56", "BOOTIF=01-52-54-00-12-34-56",
		"BOOTIF=52-54-00-12-34-56", "BOOTIF=52:54:00:12:34:56",
		"BOOTIF=01:52:54:00:12:34:56",
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		CHECK(clean(lines[i]));
		CHECK(cfg.have_bootif);
		CHECK(memcmp(cfg.bootif, "\x52\x54\x00\x12\x34\x56", 6) == 0);
	}
	CHECK(clean("BOOTIF=01-DE-AD-be-EF-Fa-cE"));
	CHECK(memcmp(cfg.bootif, "\xde\xad\xbe\xef\xfa\xce", 6) == 0);
}

static void test_bootif_invalid_keeps_previous(void)
{
	CHECK(one_error("BOOTIF=01-52-54-00-12-34-56 BOOTIF=01-53-54-00-12-34-56", "BOOTIF", "multicast"));
	CHECK(cfg.have_bootif);
	CHECK(memcmp(cfg.bootif, "\x52\x54\x00\x12\x34\x56", 6) == 0);
	CHECK(one_error("BOOTIF=52:54:00:12:34:56 BOOTIF=02-52-54-00-12-34-99", "BOOTIF", "hardware type 02"));
	CHECK_EQ(cfg.bootif[5], 0x56);
}

static void test_bootif_errors(void)
{
	static const struct { const char *line, *needle; } cases[] = {
		{ "BOOTIF=02-52-54-00-12-34-56", "hardware type 02 is not supported, expected 01" },
		{ "BOOTIF=20-52-54-00-12-34-56", "hardware type 20" },
		{ "BOOTIF=01-52-54-00-12-34", "BOOTIF '01-52-54-00-12-34' is a multicast address" },
		{ "BOOTIF=01-53-54-00-12-34-56", "BOOTIF '01-53-54-00-12-34-56' is a multicast address" },
		{ "BOOTIF=01-52-54-00-12", "bad BOOTIF '01-52-54-00-12'" },
		{ "BOOTIF=01-52-54-00-12-34-56-78", "bad BOOTIF" },
		{ "BOOTIF=01:52-54-00-12-34-56", "bad BOOTIF" },
		{ "BOOTIF=52-54-00:12:34:56", "bad BOOTIF" },
		{ "BOOTIF=zz-52-54-00-12-34-56", "bad BOOTIF" },
		{ "BOOTIF=01-52-54-00-12-34-5g", "bad BOOTIF" },
		{ "BOOTIF=01-5-254-00-12-34-56", "bad BOOTIF" },
		{ "BOOTIF=5254.0012.3456", "bad BOOTIF" },
		{ "BOOTIF=01 52 54 00 12 34 56", "bad BOOTIF '01'" },
		{ "BOOTIF=", "bad BOOTIF ''" },
		{ "BOOTIF", "missing value" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(one_error(cases[i].line, "BOOTIF", cases[i].needle));
		CHECK(strstr(errs[0].expected, "(form: 01-xx-xx-xx-xx-xx-xx") != NULL);
		CHECK(!cfg.have_bootif);
	}
}

/* ---- netswap= ------------------------------------------------------- */

static const struct swap_spec *swap0(void)
{
	return &cfg.swaps[0];
}

static void test_netswap_forms(void)
{
	CHECK(clean("netswap=nbd:10.0.0.1:10809"));
	CHECK_EQ(swap0()->target.port, 10809);
	CHECK_STR(swap0()->target.export_name, "");
	CHECK_EQ(swap0()->prio, -1);
	CHECK_EQ(swap0()->conns, 1);
	CHECK_EQ(swap0()->timeout, 0);

	CHECK(clean("netswap=nbd:10.0.0.1:2000/swap"));
	CHECK_EQ(swap0()->target.port, 2000);
	CHECK_STR(swap0()->target.export_name, "swap");

	CHECK(clean("netswap=nbd:10.0.0.1:swap"));
	CHECK_EQ(swap0()->target.port, NBD_DEFAULT_PORT);
	CHECK_STR(swap0()->target.export_name, "swap");

	CHECK(clean("netswap=nbd:10.0.0.1:1/x/y"));
	CHECK_EQ(swap0()->target.port, 1);
	CHECK_STR(swap0()->target.export_name, "x/y");

	CHECK(clean("netswap=nbd:10.0.0.1:65535/${hostname}/${ip}"));
	CHECK_EQ(swap0()->target.port, 65535);
	CHECK_STR(swap0()->target.export_name, "${hostname}/${ip}");

	/* Leading zeros in a port are decimal. */
	CHECK(clean("netswap=nbd:10.0.0.1:010809"));
	CHECK_EQ(swap0()->target.port, 10809);
}

static void test_netswap_options(void)
{
	CHECK(clean("netswap=nbd:10.0.0.1:swap:prio=5,conns=4,timeout=60,encrypt"));
	CHECK_EQ(swap0()->prio, 5);
	CHECK_EQ(swap0()->conns, 4);
	CHECK_EQ(swap0()->timeout, 60);
	CHECK(swap0()->encrypt);
	CHECK_STR(swap0()->target.export_name, "swap");

	CHECK(clean("netswap=nbd:10.0.0.1:10809:prio=-1,conns=16,timeout=86400"));
	CHECK_EQ(swap0()->prio, -1);
	CHECK_EQ(swap0()->conns, MAX_CONNS);
	CHECK_EQ(swap0()->timeout, 86400);
	CHECK_STR(swap0()->target.export_name, "");

	CHECK(clean("netswap=nbd:10.0.0.1:10809/swap:prio=32767"));
	CHECK_EQ(swap0()->prio, 32767);
	CHECK_STR(swap0()->target.export_name, "swap");

	CHECK(clean("netswap=nbd:10.0.0.1:10809:"));
	CHECK(clean("netswap=nbd:10.0.0.1:swap:encrypt"));
	CHECK(swap0()->encrypt);
	/* Last one wins inside the list. */
	CHECK(clean("netswap=nbd:10.0.0.1:swap:prio=1,prio=2"));
	CHECK_EQ(swap0()->prio, 2);
}

/* mirror=<name>: devices with one name are the legs of one md RAID1. */
static void test_netswap_mirror(void)
{
	CHECK(clean("netswap=nbd:10.0.0.1:swap-${mac}:mirror=m0,prio=5 "
		    "netswap=nbd:10.0.0.2:10809/swap-${mac}:prio=5,mirror=m0,timeout=10 "
		    "netswap=nbd:10.0.0.3:other"));
	CHECK_EQ(cfg.nswaps, 3);
	CHECK_STR(cfg.swaps[0].mirror, "m0");
	CHECK_STR(cfg.swaps[1].mirror, "m0");
	CHECK_STR(cfg.swaps[2].mirror, "");
	CHECK_EQ(cfg.swaps[1].timeout, 10);
	CHECK_STR(cfg.swaps[0].target.export_name, "swap-${mac}");
	/* Two mirrors, three legs, encrypt on every leg, the longest name. */
	CHECK(clean("netswap=nbd:10.0.0.1:a:mirror=A_b-123456789012,encrypt "
		    "netswap=nbd:10.0.0.2:a:mirror=A_b-123456789012,encrypt "
		    "netswap=nbd:10.0.0.3:a:mirror=x netswap=nbd:10.0.0.4:a:mirror=x "
		    "netswap=nbd:10.0.0.5:a:mirror=x"));
	CHECK_STR(cfg.swaps[0].mirror, "A_b-123456789012");
	CHECK_STR(cfg.swaps[4].mirror, "x");
}

static void test_netswap_mirror_errors(void)
{
	CHECK(one_error("netswap=nbd:10.0.0.1:a:mirror", "netswap", "option mirror needs a value, expected mirror=<name>"));
	CHECK(one_error("netswap=nbd:10.0.0.1:a:mirror=", "netswap", "bad mirror '', expected mirror=<name> of 1-16 letters, digits, _ or -"));
	CHECK(one_error("netswap=nbd:10.0.0.1:a:mirror=a/b", "netswap", "bad mirror 'a/b'"));
	CHECK(one_error("netswap=nbd:10.0.0.1:a:mirror=A_b-1234567890124", "netswap", "bad mirror 'A_b-1234567890124'"));
	CHECK_EQ(cfg.nswaps, 0);
	CHECK(one_error("netswap=nbd:10.0.0.1:a:mirror=m netswap=nbd:10.0.0.2:a",
			"netswap", "mirror=m has one device, expected two or more netswap= with mirror=m"));
	CHECK(one_error("netswap=nbd:10.0.0.1:a:mirror=m,prio=1 netswap=nbd:10.0.0.2:a:mirror=m",
			"netswap", "mirror=m: swaps 1 and 2 have different prio= (1 and -1)"));
	CHECK(one_error("netswap=nbd:10.0.0.1:a:mirror=m netswap=nbd:10.0.0.2:a:mirror=m,encrypt",
			"netswap", "mirror=m: encrypt on some legs only"));
	/* A typo in the name leaves two mirrors of one leg each. */
	CHECK_EQ(parse("netswap=nbd:10.0.0.1:a:mirror=m1 netswap=nbd:10.0.0.2:a:mirror=ml"), 2);
}

static void test_netswap_colons_in_export(void)
{
	/* A last field that does not look like options is part of the name. */
	CHECK(clean("netswap=nbd:10.0.0.1:swap:node1"));
	CHECK_STR(swap0()->target.export_name, "swap:node1");
	CHECK(clean("netswap=nbd:10.0.0.1:10809/a:b:c"));
	CHECK_STR(swap0()->target.export_name, "a:b:c");
	CHECK(clean("netswap=nbd:10.0.0.1:a:b:prio=3"));
	CHECK_STR(swap0()->target.export_name, "a:b");
	CHECK_EQ(swap0()->prio, 3);
	/* An empty options field ends a name whose tail looks like options. */
	CHECK(clean("netswap=nbd:10.0.0.1:swap:a=b:"));
	CHECK_STR(swap0()->target.export_name, "swap:a=b");
	CHECK_EQ(swap0()->prio, -1);
	CHECK(clean("netswap=nbd:10.0.0.1:disk:encrypt:"));
	CHECK_STR(swap0()->target.export_name, "disk:encrypt");
	CHECK(!swap0()->encrypt);
	CHECK(clean("netswap=nbd:10.0.0.1:swap:${mac}"));
	CHECK_STR(swap0()->target.export_name, "swap:${mac}");
	/* "=x" is not an option item, so the field is part of the name. */
	CHECK(clean("netswap=nbd:10.0.0.1:swap:prio=1,=x"));
	CHECK_STR(swap0()->target.export_name, "swap:prio=1,=x");
	CHECK(clean("netswap=\"nbd:10.0.0.1:swap:node 7\""));
	CHECK_STR(swap0()->target.export_name, "swap:node 7");
}

static void test_netswap_servers(void)
{
	CHECK(clean("netswap=nbd:dhcp:swap"));
	CHECK(swap0()->target.host_is_dhcp);
	CHECK_STR(swap0()->target.host, "dhcp");
	CHECK(clean("netswap=nbd:10.0.0.1:swap"));
	CHECK_STR(swap0()->target.host, "10.0.0.1");
	CHECK(!swap0()->target.host_is_dhcp);
}

static void test_netswap_export_length(void)
{
	char line[600];
	char name[300];

	memset(name, 'e', sizeof(name));
	name[255] = '\0';
	snprintf(line, sizeof(line), "netswap=nbd:10.0.0.1:%s", name);
	CHECK(clean(line));
	CHECK_EQ(strlen(swap0()->target.export_name), 255);
	name[255] = 'e';
	name[256] = '\0';
	snprintf(line, sizeof(line), "netswap=nbd:10.0.0.1:10809/%s", name);
	CHECK(one_error(line, "netswap", "export name too long (256 chars), expected at most 255"));
	CHECK_EQ(strlen(errs[0].value), 127);
	CHECK_STR(errs[0].value + 124, "...");
}

static void test_netswap_errors(void)
{
	static const struct { const char *line, *needle; } cases[] = {
		{ "netswap", "missing value" },
		{ "netswap=", "expected 'nbd:' at the start" },
		{ "netswap=nfs:10.0.0.1:/swap", "expected 'nbd:' at the start" },
		{ "netswap=NBD:10.0.0.1:swap", "expected 'nbd:'" },
		{ "netswap=nbd:", "empty server" },
		{ "netswap=nbd::10809", "empty server, expected an IPv4 address or dhcp" },
		{ "netswap=nbd:10.0.0.1", "missing port or export after the server" },
		{ "netswap=nbd:10.0.0.1:", "missing port or export" },
		{ "netswap=nbd:10.0.0.1:0", "bad port '0', expected 1-65535" },
		{ "netswap=nbd:10.0.0.1:65536", "bad port '65536'" },
		{ "netswap=nbd:10.0.0.1:99999", "bad port '99999'" },
		{ "netswap=nbd:10.0.0.1:99999999999999999999999/x", "bad port '99999999999999999999999'" },
		{ "netswap=nbd:10.0.0.1:swap/x", "bad port 'swap', expected 1-65535 before '/'" },
		{ "netswap=nbd:10.0.0.1:-1/x", "bad port '-1'" },
		{ "netswap=nbd:10.0.0.1:/swap", "empty port or export" },
		{ "netswap=nbd:10.0.0.1::prio=1", "empty port or export" },
		{ "netswap=nbd:10.0.0.1:10809/", "empty export name after '/'" },
		{ "netswap=nbd:10.0.0.1:10809/:prio=1", "empty export name" },
		{ "netswap=nbd:server.lan:10809", "bad server 'server.lan'" },
		{ "netswap=nbd:fe80::1:10809", "bad server 'fe80'" },
		{ "netswap=nbd:10.0.0.300:10809", "bad server '10.0.0.300'" },
		{ "netswap=nbd:10.0.0.1:10809:cnns=2", "unknown option 'cnns'" },
		{ "netswap=nbd:10.0.0.1:swap:prio=1,cnns=2", "unknown option 'cnns'" },
		{ "netswap=nbd:10.0.0.1:swap:cnns=2", "unknown option 'cnns'" },
		{ "netswap=nbd:10.0.0.1:10809:encrpyt", "unknown option 'encrpyt'" },
		{ "netswap=nbd:10.0.0.1:10809:a:b", "unknown option 'a:b'" },
		{ "netswap=nbd:10.0.0.1:swap:prio=32768", "bad prio '32768', expected -1-32767" },
		{ "netswap=nbd:10.0.0.1:swap:prio=-2", "bad prio '-2'" },
		{ "netswap=nbd:10.0.0.1:swap:prio=abc", "bad prio 'abc'" },
		{ "netswap=nbd:10.0.0.1:swap:prio=", "bad prio ''" },
		{ "netswap=nbd:10.0.0.1:swap:prio=+5", "bad prio '+5'" },
		{ "netswap=nbd:10.0.0.1:swap:conns=0", "bad conns '0', expected 1-16" },
		{ "netswap=nbd:10.0.0.1:swap:conns=17", "bad conns '17'" },
		{ "netswap=nbd:10.0.0.1:swap:timeout=0", "bad timeout '0', expected 1-86400" },
		{ "netswap=nbd:10.0.0.1:swap:timeout=86401", "bad timeout '86401'" },
		{ "netswap=nbd:10.0.0.1:swap:encrypt=1", "option encrypt takes no value" },
		{ "netswap=nbd:10.0.0.1:swap:prio", "option prio needs a value" },
		{ "netswap=nbd:10.0.0.1:swap:prio=1,,conns=2", "empty option" },
		{ "netswap=nbd:10.0.0.1:swap:prio=1,", "empty option" },
		{ "netswap=nbd:10.0.0.1:swap-${mca}", "bad export name: unknown variable ${mca}, expected ${mac}, ${ip} or ${hostname}" },
		{ "netswap=nbd:10.0.0.1:10809/swap-${mac", "bad export name: unterminated '${mac'" },
		{ "netswap=nbd:10.0.0.1:swap-${MAC}:prio=1", "unknown variable ${MAC}" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(one_error(cases[i].line, "netswap", cases[i].needle));
		CHECK(strstr(errs[0].expected, "(form: nbd:<server>:<port>[/<export>]") != NULL);
		CHECK_EQ(cfg.nswaps, 0);
	}
}

static void test_netswap_server_too_long(void)
{
	char line[256];

	snprintf(line, sizeof(line), "netswap=nbd:%s:swap",
		 "10.0.0.1abcdefghijklmnabcdefghijklmnabcdefghijklmnabcdefghijklmn");
	CHECK(one_error(line, "netswap", "bad server '10.0.0.1abcdefghijklmnabcdefghijklmnabcd...', expected an IPv4 address or dhcp"));
}

static void test_error_format(void)
{
	char buf[512];

	CHECK_EQ(parse("netswap=nbd:1.2.3.4:99999"), 1);
	cmdline_error_format(&errs[0], buf, sizeof(buf));
	CHECK(strncmp(buf, "netswap=nbd:1.2.3.4:99999: bad port '99999', expected 1-65535 "
			   "(form: nbd:<server>:<port>[/<export>] or nbd:<server>:<export>", 120) == 0);
	CHECK(strlen(errs[0].expected) < sizeof(errs[0].expected));

	CHECK_EQ(parse("ip"), 1);
	cmdline_error_format(&errs[0], buf, sizeof(buf));
	CHECK(strncmp(buf, "ip: missing value (form: dhcp, off,", 35) == 0);

	CHECK_EQ(parse("ro=1"), 1);
	cmdline_error_format(&errs[0], buf, sizeof(buf));
	CHECK_STR(buf, "ro=1: takes no value (form: ro)");

	/* Small buffers are cut and terminated; zero is left alone. */
	cmdline_error_format(&errs[0], buf, 5);
	CHECK_STR(buf, "ro=1");
	buf[0] = 'x';
	cmdline_error_format(&errs[0], buf, 0);
	CHECK_EQ(buf[0], 'x');
}

static void test_long_message_is_clipped(void)
{
	char line[300];
	char name[200];

	/* A long unknown option: the message is cut, still terminated. */
	memset(name, 'q', sizeof(name));
	name[150] = '\0';
	snprintf(line, sizeof(line), "netswap=nbd:10.0.0.1:10809:%s=1", name);
	CHECK(one_error(line, "netswap", "unknown option 'qqqq"));
	CHECK_EQ(strlen(errs[0].expected), sizeof(errs[0].expected) - 1);
	CHECK_STR(errs[0].expected + sizeof(errs[0].expected) - 5, "...)");
}

/* ---- root= ---------------------------------------------------------- */

static void test_root_nbd(void)
{
	CHECK(clean("root=nbd:10.0.2.2:10809:ext4::-N,root"));
	CHECK_STR(cfg.root.nbd.export_name, "root");
	CHECK_STR(cfg.root.fstype, "ext4");

	CHECK(clean("root=nbd:10.0.0.1:10809/root:ext4:noatime,ro"));
	CHECK_STR(cfg.root.nbd.export_name, "root");
	CHECK_STR(cfg.root.mountopts, "noatime,ro");

	CHECK(clean("root=nbd:10.0.0.1:rootfs:xfs"));
	CHECK_EQ(cfg.root.nbd.port, NBD_DEFAULT_PORT);
	CHECK_STR(cfg.root.nbd.export_name, "rootfs");
	CHECK_STR(cfg.root.fstype, "xfs");

	CHECK(clean("root=nbd:10.0.0.1:2000"));
	CHECK_EQ(cfg.root.nbd.port, 2000);
	CHECK_STR(cfg.root.nbd.export_name, "");

	CHECK(clean("root=nbd:dhcp:10809:ext4::-name,root-${hostname}"));
	CHECK(cfg.root.nbd.host_is_dhcp);
	CHECK_STR(cfg.root.nbd.export_name, "root-${hostname}");

	CHECK(clean("root=nbd:10.0.0.1:10809:::"));
	CHECK_STR(cfg.root.fstype, "");
	/* Empty items vanish, as words do in dracut's shell. */
	CHECK(clean("root=nbd:10.0.0.1:10809:ext4::,-N,,root,"));
	CHECK_STR(cfg.root.nbd.export_name, "root");
}

static void test_root_nbd_ignored_options_warn(void)
{
	CHECK_EQ(parse("root=nbd:10.0.0.1:10809:ext4:ro:-persist,-N,root,-b,4096,-t,30"), 0);
	CHECK_EQ(count_warnings(), 2);
	CHECK_STR(errs[0].key, "root");
	CHECK(errs[0].warning);
	CHECK(strstr(errs[0].expected, "ignored nbd-client option '-persist': only -N/-name") != NULL);
	CHECK(strstr(errs[1].expected, "'-b' and its arguments") != NULL);
	CHECK_EQ(cfg.root.kind, ROOT_NBD);
	CHECK_STR(cfg.root.nbd.export_name, "root");
	/* -t/-timeout is nbd-client's request timeout: ours too. */
	CHECK_EQ(cfg.root.nbd_timeout, 30);
	CHECK(clean("root=nbd:10.0.0.1:10809:ext4::-timeout,90"));
	CHECK_EQ(cfg.root.nbd_timeout, 90);
	CHECK(clean("root=nbd:10.0.0.1:10809"));
	CHECK_EQ(cfg.root.nbd_timeout, 0);
	CHECK_EQ(parse("root=nbd:10.0.0.1:10809:ext4::-t,soon"), 1);
	CHECK(strstr(errs[0].expected, "-t needs seconds, expected -t,<1-86400>") != NULL);

	CHECK_EQ(parse("root=nbd:10.0.0.1:10809:ext4::stray"), 0);
	CHECK_EQ(count_warnings(), 1);
}

static void test_root_nfs(void)
{
	CHECK(clean("root=nfs:10.0.0.1:/srv/root"));
	CHECK_EQ(cfg.root.kind, ROOT_NFS);
	CHECK_STR(cfg.root.nfs_server, "10.0.0.1");
	CHECK_STR(cfg.root.nfs_path, "/srv/root");
	CHECK_STR(cfg.root.nfs_options, "");
	CHECK(clean("root=nfs:10.0.0.1:/srv/root:vers=4.2,proto=tcp"));
	CHECK_STR(cfg.root.nfs_options, "vers=4.2,proto=tcp");
	CHECK(clean("root=nfs:/srv/root"));
	CHECK_STR(cfg.root.nfs_server, "dhcp");
	CHECK_STR(cfg.root.nfs_path, "/srv/root");
	CHECK(clean("root=nfs:dhcp:/srv/root"));
	CHECK_STR(cfg.root.nfs_server, "dhcp");
}

static void test_root_dev_and_dhcp(void)
{
	CHECK(clean("root=/dev/sda1"));
	CHECK_EQ(cfg.root.kind, ROOT_DEV);
	CHECK_STR(cfg.root.device, "/dev/sda1");
	CHECK(clean("root=/dev/nbd0"));
	CHECK_STR(cfg.root.device, "/dev/nbd0");
	CHECK(clean("root=dhcp"));
	CHECK_EQ(cfg.root.kind, ROOT_DHCP);
}

static void test_root_fstype_fallback(void)
{
	CHECK(clean("root=/dev/sda1 rootfstype=ext4 rootflags=noatime"));
	CHECK_STR(cfg.root.fstype, "ext4");
	CHECK_STR(cfg.rootfstype, "ext4");
	CHECK_STR(cfg.rootflags, "noatime");
	/* Order does not matter. */
	CHECK(clean("rootfstype=btrfs root=nbd:10.0.0.1:r"));
	CHECK_STR(cfg.root.fstype, "btrfs");
	/* root=nbd's own fstype field wins. */
	CHECK(clean("root=nbd:10.0.0.1:r:xfs rootfstype=ext4"));
	CHECK_STR(cfg.root.fstype, "xfs");
}

static void test_root_errors(void)
{
	static const struct { const char *line, *needle; } cases[] = {
		{ "root", "missing value" },
		{ "root=", "empty root" },
		{ "root=UUID=1234-5678", "unsupported root 'UUID=1234-5678'" },
		{ "root=LABEL=root", "unsupported root" },
		{ "root=/dev/", "unsupported root '/dev/'" },
		{ "root=sda1", "unsupported root" },
		{ "root=10.0.0.1:/srv/root", "unsupported root" },
		{ "root=nbd:", "empty server" },
		{ "root=nbd::10809", "empty server" },
		{ "root=nbd:host.lan:10809", "bad server 'host.lan'" },
		{ "root=nbd:10.0.0.1", "missing port or export" },
		{ "root=nbd:10.0.0.1:0", "bad port '0'" },
		{ "root=nbd:10.0.0.1:70000/root", "bad port '70000'" },
		{ "root=nbd:10.0.0.1:abc/root", "bad port 'abc'" },
		{ "root=nbd:10.0.0.1:/root", "empty port or export" },
		{ "root=nbd:10.0.0.1::ext4", "empty port or export" },
		{ "root=nbd:10.0.0.1:10809/", "empty export name after '/'" },
		{ "root=nbd:10.0.0.1:10809:ext4:ro:-N,x:extra", "too many ':' fields" },
		{ "root=nbd:10.0.0.1:10809:ext4:ro:-N", "-N needs one export name" },
		{ "root=nbd:10.0.0.1:10809:ext4:ro:-N,-persist", "-N needs one export name" },
		{ "root=nbd:10.0.0.1:10809:ext4:ro:-N,a,b", "-N needs one export name" },
		{ "root=nbd:10.0.0.1:10809/a:ext4::-N,b", "export given twice: 'a' and by -N 'b'" },
		{ "root=nbd:10.0.0.1:r-${mca}", "unknown variable ${mca}" },
		{ "root=nbd:10.0.0.1:10809:ext4::-N,r-${ip", "unterminated" },
		{ "root=nbd:10.0.0.1:r:abcdefghijabcdefghijabcdefghijab", "fstype 'abcdefghijabcdefghijabcdefghijab' too long, expected at most 31" },
		{ "root=nfs:", "empty server" },
		{ "root=nfs:10.0.0.1", "missing path after the NFS server" },
		{ "root=nfs:10.0.0.1:", "missing path" },
		{ "root=nfs:10.0.0.1:srv/root", "NFS path 'srv/root' is not absolute" },
		{ "root=nfs:nfs.lan:/srv", "bad server 'nfs.lan'" },
		{ "root=nfs:[fd00::1:/srv", "IPv6 server '[fd00::1:/srv' is not supported yet" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(one_error(cases[i].line, "root", cases[i].needle));
		CHECK(strstr(errs[0].expected, "(form: nbd:<server>:<port>[/<export>][:<fstype>") != NULL);
		CHECK_EQ(cfg.root.kind, ROOT_NONE);
	}
}

static void test_root_long_fields(void)
{
	char line[1200], big[400];

	memset(big, 'o', sizeof(big));
	big[256] = '\0';
	snprintf(line, sizeof(line), "root=nbd:10.0.0.1:r:ext4:%s", big);
	CHECK(one_error(line, "root", "mount options too long"));
	snprintf(line, sizeof(line), "root=nfs:10.0.0.1:/%s", big);
	CHECK(one_error(line, "root", "NFS path too long"));
	snprintf(line, sizeof(line), "root=nfs:10.0.0.1:/r:%s", big);
	CHECK(one_error(line, "root", "NFS options too long"));
	snprintf(line, sizeof(line), "root=/dev/%s", big);
	CHECK(one_error(line, "root", "device path too long"));
	snprintf(line, sizeof(line), "root=nbd:10.0.0.1:10809:ext4::-N,%s", big);
	CHECK(one_error(line, "root", "export name too long"));
	/* 255 fit. */
	big[255 - 6] = '\0';
	snprintf(line, sizeof(line), "root=/dev/%s", big);
	CHECK(clean(line));
	CHECK_EQ(strlen(cfg.root.device), 254);
}

static void test_root_many_nbdopts(void)
{
	char line[1024] = "root=nbd:10.0.0.1:10809:ext4::";

	for (int i = 0; i < 70; i++)
		strcat(line, "-p,");
	CHECK(one_error(line, "root", "too many nbd-client options"));
}

/* ---- dhcp servers need DHCP ----------------------------------------- */

static void test_dhcp_server_needs_dhcp(void)
{
	CHECK(one_error("ip=off netswap=nbd:dhcp:swap", "netswap", "swap 1 has server 'dhcp', which needs ip=dhcp"));
	CHECK(one_error("ip=10.0.0.5 root=dhcp", "root", "root=dhcp needs ip=dhcp"));
	CHECK(one_error("ip=10.0.0.5 root=nfs:/srv", "root", "root server 'dhcp' needs ip=dhcp"));
	CHECK(one_error("ip=eth0:off root=nbd:dhcp:r", "root", "root server 'dhcp'"));
	CHECK(clean("ip=eth0:dhcp root=nbd:dhcp:r netswap=nbd:dhcp:s"));
}

/* ---- the small keys ------------------------------------------------- */

static void test_small_keys_valid(void)
{
	CHECK(clean("rootfstype=ext4 rootflags=data=ordered init=/bin/sh netswap.onfail=reboot "
		    "netswap.timeout=3600 netswap.debug=1"));
	CHECK_STR(cfg.rootfstype, "ext4");
	CHECK_STR(cfg.rootflags, "data=ordered");
	CHECK_STR(cfg.init, "/bin/sh");
	CHECK_EQ(cfg.onfail, ONFAIL_REBOOT);
	CHECK_EQ(cfg.timeout, 3600);
	CHECK(cfg.debug);
	CHECK(clean("netswap.onfail=retry netswap.timeout=1 rootflags="));
	CHECK_EQ(cfg.onfail, ONFAIL_RETRY);
	CHECK_EQ(cfg.timeout, 1);
	CHECK_STR(cfg.rootflags, "");
	CHECK_EQ(cfg.zswap, ZSWAP_KERNEL);
	CHECK_EQ(cfg.zswap_pool, 0);
	CHECK(clean("netswap.zswap=zstd netswap.zswap_pool=35"));
	CHECK_EQ(cfg.zswap, ZSWAP_ZSTD);
	CHECK_EQ(cfg.zswap_pool, 35);
	CHECK(clean("netswap.zswap=lz4 netswap.zswap=off netswap.zswap_pool=1"));
	CHECK_EQ(cfg.zswap, ZSWAP_OFF);
	CHECK_EQ(cfg.zswap_pool, 1);
}

static void test_small_keys_errors(void)
{
	char line[400], big[300];

	CHECK(one_error("rootfstype=", "rootfstype", "empty filesystem type"));
	CHECK(one_error("rootfstype", "rootfstype", "missing value"));
	CHECK(one_error("rootfstype=abcdefghijabcdefghijabcdefghijab", "rootfstype", "too long, expected at most 31"));
	CHECK(one_error("rootflags", "rootflags", "missing value"));
	CHECK(one_error("ro=1", "ro", "takes no value"));
	CHECK(one_error("rw=yes", "rw", "takes no value"));
	CHECK(!cfg.root_rw);
	CHECK(one_error("init=bin/sh", "init", "init 'bin/sh' is not an absolute path"));
	CHECK(one_error("init=", "init", "not an absolute path"));
	CHECK(one_error("init", "init", "missing value"));
	CHECK_STR(cfg.init, "/sbin/init");
	CHECK(one_error("netswap.onfail=panic", "netswap.onfail", "unknown policy 'panic', expected retry, shell or reboot"));
	CHECK(one_error("netswap.onfail=", "netswap.onfail", "unknown policy"));
	CHECK(one_error("netswap.onfail", "netswap.onfail", "missing value"));
	CHECK(one_error("netswap.timeout=0", "netswap.timeout", "bad timeout '0', expected 1-3600"));
	CHECK(one_error("netswap.timeout=3601", "netswap.timeout", "bad timeout"));
	CHECK(one_error("netswap.timeout=abc", "netswap.timeout", "bad timeout"));
	CHECK(one_error("netswap.timeout=-5", "netswap.timeout", "bad timeout"));
	CHECK(one_error("netswap.timeout=", "netswap.timeout", "bad timeout"));
	CHECK(one_error("netswap.timeout=99999999999999999999", "netswap.timeout", "bad timeout"));
	CHECK_EQ(cfg.timeout, 30);
	CHECK(one_error("netswap.debug=yes", "netswap.debug", "bad value 'yes', expected 0 or 1"));
	CHECK(one_error("netswap.debug=", "netswap.debug", "expected 0 or 1"));
	CHECK(!cfg.debug);
	CHECK(one_error("netswap.zswap=lzo", "netswap.zswap", "unknown compressor 'lzo', expected off, lz4 or zstd"));
	CHECK(one_error("netswap.zswap", "netswap.zswap", "missing value"));
	CHECK(one_error("netswap.zswap=", "netswap.zswap", "unknown compressor"));
	CHECK_EQ(cfg.zswap, ZSWAP_KERNEL);
	CHECK(one_error("netswap.zswap_pool=0", "netswap.zswap_pool", "bad pool size '0', expected 1-90 (percent of RAM)"));
	CHECK(one_error("netswap.zswap_pool=91", "netswap.zswap_pool", "bad pool size"));
	CHECK(one_error("netswap.zswap_pool=20%", "netswap.zswap_pool", "bad pool size"));
	CHECK_EQ(cfg.zswap_pool, 0);

	memset(big, 'p', sizeof(big));
	big[255] = '\0';
	snprintf(line, sizeof(line), "init=/%s", big);
	CHECK(one_error(line, "init", "path too long"));
	snprintf(line, sizeof(line), "rootflags=%s", big);
	CHECK(clean(line));
	snprintf(line, sizeof(line), "rootflags=x%s", big);
	CHECK(one_error(line, "rootflags", "mount options too long"));
}

/* ---- rootovl: a read-only root below a tmpfs overlay ----------------- */

static void test_rootovl_valid(void)
{
	CHECK(clean("root=nbd:10.0.0.1:10809/root"));
	CHECK(!cfg.root_overlay);
	CHECK(clean("root=nbd:10.0.0.1:10809/root rootovl"));
	CHECK(cfg.root_overlay);
	CHECK_STR(cfg.overlay_size, "");
	CHECK(!cfg.root_rw);
	CHECK(clean("rootovl=1"));
	CHECK(cfg.root_overlay);
	CHECK(clean("rootovl=512M"));
	CHECK(cfg.root_overlay);
	CHECK_STR(cfg.overlay_size, "512M");
	CHECK(clean("rootovl=25%"));
	CHECK_STR(cfg.overlay_size, "25%");
	CHECK(clean("rootovl=1048576"));
	CHECK_STR(cfg.overlay_size, "1048576");
	/* last one wins, and a bare rootovl drops an earlier size */
	CHECK(clean("rootovl=64m rootovl"));
	CHECK(cfg.root_overlay);
	CHECK_STR(cfg.overlay_size, "");
	CHECK(clean("rootovl rootovl=0"));
	CHECK(!cfg.root_overlay);
	CHECK(clean("rootovl rw"));
	CHECK(cfg.root_overlay);
	CHECK(cfg.root_rw);
}

static void test_rootovl_errors(void)
{
	CHECK(one_error("rootovl=yes", "rootovl",
			"bad value 'yes', expected 1, 0 or the upper tmpfs size <n>[k|m|g|%]"));
	CHECK(!cfg.root_overlay);
	CHECK(one_error("rootovl=", "rootovl", "bad value"));
	CHECK(one_error("rootovl=0k", "rootovl", "bad value '0k'"));
	CHECK(one_error("rootovl=00", "rootovl", "bad value"));
	CHECK(one_error("rootovl=12T", "rootovl", "bad value"));
	CHECK(one_error("rootovl=12mb", "rootovl", "bad value"));
	CHECK(one_error("rootovl=-1", "rootovl", "bad value"));
	CHECK(one_error("rootovl=99999999999", "rootovl", "bad value"));
	CHECK(one_error("rootovl=1 rootovl=x", "rootovl", "bad value 'x'"));
	CHECK(cfg.root_overlay); /* an invalid repeat keeps the valid one */
}

/* ---- the error list ------------------------------------------------- */

static void test_errors_in_order_and_counted(void)
{
	CHECK_EQ(parse("ip=bootp BOOTIF=x netswap=nbd:1.2.3.4:0 root=x init=y"), 5);
	CHECK_STR(errs[0].key, "ip");
	CHECK_STR(errs[1].key, "BOOTIF");
	CHECK_STR(errs[2].key, "netswap");
	CHECK_STR(errs[3].key, "root");
	CHECK_STR(errs[4].key, "init");
	CHECK_STR(errs[5].key, "");
}

static void test_error_overflow(void)
{
	struct cmdline_error small[2];

	CHECK_EQ(cmdline_parse("ip=bootp BOOTIF=x netswap=nbd:1.2.3.4:0 root=x init=y", &cfg, small, 2), 5);
	CHECK_STR(small[0].key, "ip");
	CHECK_STR(small[1].key, "BOOTIF");

	/* An error pushes out a warning when the list is full. */
	CHECK_EQ(cmdline_parse("root=nbd:1.2.3.4:r:ext4::-persist ip=bootp", &cfg, small, 1), 1);
	CHECK_STR(small[0].key, "ip");
	CHECK(!small[0].warning);
	CHECK_EQ(cmdline_parse("root=nbd:1.2.3.4:r:ext4::-persist,-x ip=bootp", &cfg, small, 2), 1);
	CHECK(small[0].warning);
	CHECK_STR(small[1].key, "ip");
	/* Warnings do not push out errors. */
	CHECK_EQ(cmdline_parse("ip=bootp root=nbd:1.2.3.4:r:ext4::-persist", &cfg, small, 1), 1);
	CHECK_STR(small[0].key, "ip");
}

/* ---- the DHCP root-path ---------------------------------------------- */

static void test_root_path_forms(void)
{
	struct root_spec r;
	struct cmdline_error e;

	CHECK_EQ(cmdline_parse_root_path("nbd:10.0.0.1:10809/root:ext4", &r, &e), 0);
	CHECK_EQ(r.kind, ROOT_NBD);
	CHECK_STR(r.nbd.export_name, "root");
	CHECK_STR(r.fstype, "ext4");
	CHECK_STR(e.key, "");

	CHECK_EQ(cmdline_parse_root_path("nfs:10.0.0.1:/srv/root:vers=3", &r, &e), 0);
	CHECK_EQ(r.kind, ROOT_NFS);
	CHECK_STR(r.nfs_options, "vers=3");

	CHECK_EQ(cmdline_parse_root_path("10.0.0.1:/srv/root", &r, &e), 0);
	CHECK_EQ(r.kind, ROOT_NFS);
	CHECK_STR(r.nfs_server, "10.0.0.1");
	CHECK_STR(r.nfs_path, "/srv/root");
	CHECK_STR(r.nfs_options, "");

	CHECK_EQ(cmdline_parse_root_path("10.0.0.1:/srv/root,vers=3,tcp", &r, NULL), 0);
	CHECK_STR(r.nfs_path, "/srv/root");
	CHECK_STR(r.nfs_options, "vers=3,tcp");

	CHECK_EQ(cmdline_parse_root_path("/srv/nfsroot", &r, &e), 0);
	CHECK_STR(r.nfs_server, "dhcp");
	CHECK_STR(r.nfs_path, "/srv/nfsroot");

	CHECK_EQ(cmdline_parse_root_path("/srv/nfsroot,nolock", &r, &e), 0);
	CHECK_STR(r.nfs_options, "nolock");
}

static void test_root_path_warning(void)
{
	struct root_spec r;
	struct cmdline_error e;

	CHECK_EQ(cmdline_parse_root_path("nbd:10.0.0.1:10809:ext4::-persist,-N,root", &r, &e), 1);
	CHECK(e.warning);
	CHECK_STR(e.key, "root-path");
	CHECK_STR(r.nbd.export_name, "root");
	CHECK_EQ(cmdline_parse_root_path("nbd:10.0.0.1:10809:ext4::-persist", &r, NULL), 1);
}

static void test_root_path_errors(void)
{
	static const struct { const char *path, *needle; } cases[] = {
		{ "", "empty root" },
		{ "nfsserver:/srv", "bad server 'nfsserver'" },
		{ "10.0.0.1:srv", "NFS path 'srv' is not absolute" },
		{ "10.0.0.1", "missing path" },
		{ "dhcp", "missing path" },
		{ "nbd:10.0.0.1:0", "bad port '0'" },
		{ "nbd:10.0.0.1:10809/x-${mca}", "unknown variable ${mca}" },
		{ "nbd:10.0.0.1:10809:ext4::-persist,-N", "-N needs one export name" },
		{ "nfs:10.0.0.1", "missing path" },
		{ "root", "bad server 'root'" },
	};
	struct root_spec r;
	struct cmdline_error e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&r, 0x5a, sizeof(r));
		CHECK_EQ(cmdline_parse_root_path(cases[i].path, &r, &e), -1);
		CHECK_STR(e.key, "root-path");
		CHECK(!e.warning);
		if (!strstr(e.expected, cases[i].needle))
			fprintf(stderr, "  %s: got \"%s\"\n", cases[i].path, e.expected);
		CHECK(strstr(e.expected, cases[i].needle) != NULL);
		/* *root is untouched on error. */
		CHECK_EQ(((unsigned char *)&r)[0], 0x5a);
	}
	CHECK_EQ(cmdline_parse_root_path(NULL, &r, &e), -1);
	CHECK_EQ(cmdline_parse_root_path("x", &r, NULL), -1);
}

static void test_root_path_too_long(void)
{
	static char path[3000];
	struct root_spec r;
	struct cmdline_error e;

	memset(path, '/', sizeof(path) - 1);
	CHECK_EQ(cmdline_parse_root_path(path, &r, &e), -1);
	CHECK(strstr(e.expected, "root-path too long") != NULL);
	CHECK_EQ(strlen(e.value), 127);
}

int main(void)
{
	RUN(test_defaults_empty_line);
	RUN(test_defaults_reset_between_calls);
	RUN(test_no_error_buffer);
	RUN(test_unknown_keys_ignored);
	RUN(test_unknown_netswap_key_is_error);
	RUN(test_whitespace_kinds);
	RUN(test_quoted_values);
	RUN(test_unterminated_quote_swallows_rest);
	RUN(test_double_dash_ends_parsing);
	RUN(test_value_too_long);
	RUN(test_pxe_cluster_node);
	RUN(test_thin_client_static);
	RUN(test_dracut_style);
	RUN(test_ipv6_servers_refused);
	RUN(test_root_dhcp_line);
	RUN(test_netswap_appends);
	RUN(test_netswap_limit);
	RUN(test_last_wins);
	RUN(test_invalid_repeat_keeps_previous);
	RUN(test_ip_words);
	RUN(test_ip_kernel_full);
	RUN(test_ip_kernel_short_forms);
	RUN(test_ip_limits);
	RUN(test_ip_ntp_field_warns);
	RUN(test_ip_dracut_form);
	RUN(test_ip_errors);
	RUN(test_bootif_valid);
	RUN(test_bootif_errors);
	RUN(test_bootif_invalid_keeps_previous);
	RUN(test_netswap_forms);
	RUN(test_netswap_options);
	RUN(test_netswap_mirror);
	RUN(test_netswap_mirror_errors);
	RUN(test_netswap_colons_in_export);
	RUN(test_netswap_servers);
	RUN(test_netswap_export_length);
	RUN(test_netswap_errors);
	RUN(test_netswap_server_too_long);
	RUN(test_error_format);
	RUN(test_long_message_is_clipped);
	RUN(test_root_nbd);
	RUN(test_root_nbd_ignored_options_warn);
	RUN(test_root_nfs);
	RUN(test_root_dev_and_dhcp);
	RUN(test_root_fstype_fallback);
	RUN(test_root_errors);
	RUN(test_root_long_fields);
	RUN(test_root_many_nbdopts);
	RUN(test_dhcp_server_needs_dhcp);
	RUN(test_small_keys_valid);
	RUN(test_small_keys_errors);
	RUN(test_rootovl_valid);
	RUN(test_rootovl_errors);
	RUN(test_errors_in_order_and_counted);
	RUN(test_error_overflow);
	RUN(test_root_path_forms);
	RUN(test_root_path_warning);
	RUN(test_root_path_errors);
	RUN(test_root_path_too_long);
	return check_summary("cmdline");
}
