/* fmt.h - bufprint(), the init's own snprintf. Pure.
 *
 * musl's vfprintf is 10.5 KiB of the static init, most of it floating
 * point that the init never prints; this one knows what the init writes:
 * %s (with a precision, %.*s), %c, %d %i %u %x with the length modifiers
 * l, ll and z, the flags '-' and '0', a width, and %%. Anything else is
 * copied as it stands, so a wrong format shows in the message. */
#ifndef NETSWAP_FMT_H
#define NETSWAP_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* As snprintf: writes at most cap - 1 characters and a NUL (when cap > 0),
 * and returns the length the whole text has. */
__attribute__((format(printf, 3, 4)))
int bufprint(char *buf, size_t cap, const char *fmt, ...);
__attribute__((format(printf, 3, 0)))
int vbufprint(char *buf, size_t cap, const char *fmt, va_list ap);

#endif
