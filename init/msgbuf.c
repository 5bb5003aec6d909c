/* msgbuf.c - a pure parser's message into its caller's buffer (msgbuf.h). */
#include <stdarg.h>
#include <stdio.h>

#include "fmt.h"
#include "msgbuf.h"

int msg_say(const struct msgbuf *m, int ret, const char *fmt, ...)
{
	va_list ap;

	if (m->buf && m->cap) {
		va_start(ap, fmt);
		vbufprint(m->buf, m->cap, fmt, ap);
		va_end(ap);
	}
	return ret;
}
