/* msgbuf.h - where a pure parser says what was wrong: the caller's buffer,
 * which the step then logs (the parsers make no system calls). */
#ifndef NETSWAP_MSGBUF_H
#define NETSWAP_MSGBUF_H

#include <stddef.h>

struct msgbuf {
	char *buf;   /* NULL: the caller wants no message */
	size_t cap;
};

/* Formats the message into m (cut to fit) and returns ret, for
 * "return msg_say(m, -1, ...)". */
__attribute__((format(printf, 3, 4)))
int msg_say(const struct msgbuf *m, int ret, const char *fmt, ...);

#endif
