/* log.c - messages to /dev/kmsg, so they reach the console with the kernel's
 * timestamps and stay in dmesg for the real root to read. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "log.h"
#include "kfile.h"

static int log_fd = 2;
static int log_debug_on;

void log_open(void)
{
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (fd >= 0)
		log_fd = fd;
}

int log_fd_get(void)
{
	return log_fd;
}

void log_use_fd(int fd)
{
	if (fd < 0)
		return;
	if (log_fd != 2)
		close(log_fd);
	log_fd = fd;
}

#define DEVKMSG "/proc/sys/kernel/printk_devkmsg"

/* The kernel ratelimits writes to /dev/kmsg by default and would drop the
 * step messages that explain a failed boot; the real system gets its own
 * setting back (log_unlimit's return value) before the pivot. */
int log_unlimit(char *saved, int cap)
{
	ssize_t n = kfile_read(AT_FDCWD, DEVKMSG, saved, (size_t)cap);

	/* A write of its own, at offset 0: a sysctl ignores a write past the
	 * value it was read up to (kernel.sysctl_writes_strict, on by default). */
	if (n >= 0)
		kfile_write(AT_FDCWD, DEVKMSG, "on\n", 3);
	return n > 0 ? 0 : -1;
}

void log_restore_limit(const char *saved)
{
	if (saved[0])
		kfile_write(AT_FDCWD, DEVKMSG, saved, strlen(saved));
}

void log_set_debug(int on)
{
	log_debug_on = on;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (level == LOG_DEBUG && !log_debug_on)
		return;
	/* Debug lines are logged at info level so the console shows them. */
	n = bufprint(line, sizeof(line), "<%d>netswap: ",
		     level == LOG_DEBUG ? LOG_INFO : (int)level);
	va_start(ap, fmt);
	n += vbufprint(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* Before /dev/kmsg is there the console gets the text without the
	 * "<level>" prefix that only kmsg understands. */
	if (log_fd == 2)
		(void)!write(log_fd, line + 3, (size_t)n - 3);
	else
		(void)!write(log_fd, line, (size_t)n);
}

void log_stderr(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vbufprint(line, sizeof(line), fmt, ap);
	va_end(ap);
	(void)!write(2, line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

long log_uptime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
