/* log.h - one way to speak: to the kernel log, with the "netswap:" prefix. */
#ifndef NETSWAP_LOG_H
#define NETSWAP_LOG_H

/* syslog levels as /dev/kmsg takes them */
enum log_level { LOG_ERR = 3, LOG_WARN = 4, LOG_NOTICE = 5, LOG_INFO = 6, LOG_DEBUG = 7 };

void log_open(void);
/* the /dev/kmsg fd, for a forked helper that closes everything else */
int log_fd_get(void);
/* Logs to fd (an open /dev/kmsg) from now on. A helper forked from PID 1
 * needs an open file of its own: the kernel ratelimits /dev/kmsg per open
 * file, and PID 1's boot messages spend the burst of the one it shares. */
void log_use_fd(int fd);
/* printk_devkmsg=on for the boot; its previous value goes to saved, which
 * log_restore_limit writes back before the pivot. */
int log_unlimit(char *saved, int cap);
void log_restore_limit(const char *saved);
void log_set_debug(int on);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* To the terminal (stderr), for the modes the real root starts by hand:
 * their usage errors are read there, not in the kernel log. */
void log_stderr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* milliseconds since boot, for the step timings */
long log_uptime_ms(void);

#define err(...)    log_msg(LOG_ERR, __VA_ARGS__)
#define warn(...)   log_msg(LOG_WARN, __VA_ARGS__)
#define notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define info(...)   log_msg(LOG_INFO, __VA_ARGS__)
#define debug(...)  log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
