/* main.c - PID 1 of the initramfs: the boot script, and the one place where
 * the failure policy (netswap.onfail=retry|shell|reboot) lives.
 *
 *   early_mounts(); read the command line;
 *   net_up(); swap_up(); root_mount(); check the new root;
 *   start the keeper; switch_root(); and if that fails, a final action.
 *
 * Each step logs what went wrong; main decides what happens next. Steps
 * are idempotent, so a retry resumes where the boot stopped, up to the
 * pivot: that is one-way. PID 1 never exits: the kernel would panic.
 * Run as anything but PID 1, argv[1] picks a mode (modes[] below). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdline.h"
#include "config.h"
#include "kfile.h"
#include "lease.h"
#include "log.h"
#include "nbd.h"
#include "net.h"
#include "root.h"
#include "swap.h"
#include "switch_root.h"

#define MAX_CMDLINE 4096
#define MAX_ERRORS 16
#define RETRY_CAP_S 60
#define RESCUE_SHELL "/bin/sh"

struct early_mount {
	const char *source, *target, *fstype;
	unsigned long flags;
	const char *options;
};

static const struct early_mount early_mounts[] = {
	{ "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
	{ "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
	{ "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
	/* ramfs, not tmpfs: tmpfs pages can be swapped out, and the keeper
	 * reads net-<if>.conf here to find a moved server while swap is
	 * dead; a page of it in that swap would hang the keeper for good */
	{ "netswap", NETSWAP_RUN_DIR, "ramfs", MS_NOSUID | MS_NODEV, "mode=0755" },
};

struct boot {
	struct netswap_config cfg;
	struct net_state net;
	struct nbd_device nbd[MAX_NBD_DEVICES]; /* swaps, then the root */
	int swaps_done;
	int attempt;
	long t0;
	char devkmsg[16];       /* printk_devkmsg before the boot, for the real system */
};

/* `<init> <mode> ...`: the helpers the real root can start again from
 * NETSWAP_RUN_DIR "/init". */
struct mode {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct mode modes[] = {
	{ "keeper", nbd_keeper_main },
	{ "lease", lease_main },
};

static void mount_early(void)
{
	for (size_t i = 0; i < sizeof(early_mounts) / sizeof(early_mounts[0]); i++) {
		const struct early_mount *m = &early_mounts[i];

		mkdir(m->target, 0755);
		if (mount(m->source, m->target, m->fstype, m->flags, m->options) < 0 &&
		    errno != EBUSY)
			err("cannot mount %s on %s: %s", m->fstype, m->target, strerror(errno));
	}
}

static void reap_children(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Sleeps s seconds, reaping children meanwhile. */
static void wait_seconds(int s)
{
	for (int i = 0; i < s * 10; i++) {
		reap_children();
		usleep(100 * 1000);
	}
}

static void rescue_shell(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd;

		setsid();
		fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			ioctl(fd, TIOCSCTTY, 1);
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(RESCUE_SHELL, "sh", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
}

/* The failure policy: called after a step failed and said why. */
static void on_failure(struct boot *b, const char *step)
{
	int delay = 1 << (b->attempt < 6 ? b->attempt : 6);

	if (delay > RETRY_CAP_S)
		delay = RETRY_CAP_S;
	b->attempt++;
	switch (b->cfg.onfail) {
	case ONFAIL_REBOOT:
		err("%s failed; rebooting in 5 s (netswap.onfail=reboot)", step);
		wait_seconds(5);
		sync();
		reboot(RB_AUTOBOOT);
		break;
	case ONFAIL_SHELL:
		if (access(RESCUE_SHELL, X_OK) == 0) {
			err("%s failed; starting a rescue shell on the console, exit it to retry (netswap.onfail=shell)",
			    step);
			rescue_shell();
			return;
		}
		err("%s failed; this initramfs has no rescue shell (build it with make initramfs RESCUE=1); retrying in %d s",
		    step, delay);
		break;
	case ONFAIL_RETRY:
		err("%s failed; retrying in %d s (attempt %d, netswap.onfail=retry)", step, delay,
		    b->attempt);
		break;
	}
	wait_seconds(delay);
}

/* 0 when the command line holds no error; warnings are logged either way. */
static int parse_cmdline(struct boot *b)
{
	char text[MAX_CMDLINE], line[480];
	struct cmdline_error errs[MAX_ERRORS];
	int nerr;

	kfile_read(AT_FDCWD, "/proc/cmdline", text, sizeof(text));
	nerr = cmdline_parse(text, &b->cfg, errs, MAX_ERRORS);
	for (int i = 0; i < MAX_ERRORS && errs[i].key[0]; i++) {
		cmdline_error_format(&errs[i], line, sizeof(line));
		log_msg(errs[i].warning ? LOG_WARN : LOG_ERR, "%s%s", errs[i].warning ? "" : "bad parameter ", line);
	}
	log_set_debug(b->cfg.debug);
	return nerr ? -1 : 0;
}

/* Runs step until it succeeds, following the failure policy. */
#define STEP(b, name, call) do { \
	long t_ = log_uptime_ms(); \
	while ((call) < 0) \
		on_failure(b, name); \
	info(name " done in %ld ms", log_uptime_ms() - t_); \
} while (0)

static int nbd_count(const struct boot *b)
{
	return b->cfg.nswaps + (b->nbd[MAX_SWAPS].index >= 0);
}

/* Once, right before the pivot: the keeper outlives the initramfs. It
 * took copies of the sockets, to watch them; ours go. */
static void start_keeper(struct boot *b)
{
	struct nbd_device live[MAX_NBD_DEVICES];
	int n = 0;

	for (int i = 0; i < MAX_NBD_DEVICES; i++)
		if (b->nbd[i].index >= 0)
			live[n++] = b->nbd[i];
	if (n == 0)
		return;
	if (nbd_keeper_start(live, n) < 0)
		warn("cannot start the NBD keeper; connections will not be re-established");
	for (int i = 0; i < n; i++)
		for (int c = 0; c < live[i].conns; c++)
			close(live[i].fds[c]);
}

/* NETSWAP_RUN_DIR/init: the initramfs is deleted at the pivot; the keeper
 * runs from this copy, and the real root starts the helpers again from it
 * (`init keeper`, `init lease`). */
static void keep_init_binary(void)
{
	char buf[8192];
	ssize_t n;
	int in = (mkdir(NETSWAP_RUN_DIR, 0755), open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
	int out = open(NETSWAP_RUN_DIR "/.init.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) == 0 && rename(NETSWAP_RUN_DIR "/.init.tmp", NETSWAP_RUN_DIR "/init") == 0)
		return;
	warn("cannot copy the init to %s/init; helpers cannot be restarted from the real root",
	     NETSWAP_RUN_DIR);
}

/* The lease companion renews the DHCP lease after the pivot (lease.c). */
static void start_lease(struct boot *b, char *argv0)
{
	pid_t pid = lease_start(&b->net, argv0);

	if (pid < 0)
		warn("cannot start the lease companion: %s; the DHCP lease will not be renewed",
		     strerror(-pid));
}

/* Past the point of no return: the initramfs is gone (or about to be), so
 * nothing can be retried. A shell of the new root if asked and there is
 * one, else a reboot, which retries the whole boot. */
static void after_failed_pivot(const struct boot *b)
{
	char unused[16];

	/* The pivot gave printk_devkmsg back to the real system, and the boot
	 * has used up this fd's burst: unlimited again, or the messages below
	 * are ratelimited away. The real system never started. */
	log_unlimit(unused, sizeof(unused));
	if (b->cfg.onfail == ONFAIL_SHELL && access(RESCUE_SHELL, X_OK) == 0) {
		err("switching to the real root failed; starting %s, reboot when done (netswap.onfail=shell)",
		    RESCUE_SHELL);
		for (;;)
			rescue_shell();
	}
	err("switching to the real root failed after the initramfs was given up; rebooting in 5 s");
	wait_seconds(5);
	sync();
	reboot(RB_AUTOBOOT);
	for (;;)
		pause();
}

static int run_mode(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[1], modes[i].name) == 0)
			return modes[i].run(argc, argv);
	log_stderr("netswap init: must run as PID 1 of an initramfs, or as '%s keeper' (restarts the NBD keeper)"
		   " or '%s lease [<if>]' (restarts the lease companion)\n", argv[0], argv[0]);
	return 2;
}

int main(int argc, char **argv)
{
	static struct boot b;

	if (getpid() != 1)
		return run_mode(argc, argv);
	mount_early();
	log_open();
	log_unlimit(b.devkmsg, sizeof(b.devkmsg));
	b.t0 = log_uptime_ms();
	for (int i = 0; i < MAX_NBD_DEVICES; i++)
		b.nbd[i].index = -1;
	info("init started at %ld ms", b.t0);
	while (parse_cmdline(&b) < 0)
		on_failure(&b, "reading the kernel command line");
	b.attempt = 0;
	STEP(&b, "network", net_up(&b.cfg, &b.net));
	b.attempt = 0;
	STEP(&b, "swap", swap_up(&b.cfg, &b.net, b.nbd, &b.swaps_done));
	b.attempt = 0;
	STEP(&b, "root", root_mount(&b.cfg, &b.net, &b.nbd[MAX_SWAPS]));
	b.attempt = 0;
	STEP(&b, "pivot check", switch_root_check(NEWROOT, b.cfg.init));
	info("initramfs done in %ld ms; starting %s (%d NBD device(s))", log_uptime_ms() - b.t0,
	     b.cfg.init, nbd_count(&b));
	keep_init_binary();
	start_keeper(&b);
	start_lease(&b, argv[0]);
	log_restore_limit(b.devkmsg);
	switch_root(NEWROOT, b.cfg.init, argv);
	after_failed_pivot(&b);
}
