/* fmt.c - bufprint(), the init's own snprintf (fmt.h). */
#include <stdbool.h>
#include <string.h>

#include "fmt.h"

struct out {
	char *buf;
	size_t cap, len;
};

/* What does not fit is counted, not written: the length is snprintf's. */
static void put(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

struct spec {
	bool left;   /* '-' */
	char pad;    /* ' ', or '0' for numbers */
	int width;
	int prec;    /* -1: none */
	int longs;   /* 0 int, 1 long (and z: size_t is a long on Linux), 2 long long */
};

static void put_field(struct out *o, const char *s, size_t n, const struct spec *sp)
{
	size_t w = sp->width > 0 ? (size_t)sp->width : 0;

	for (; !sp->left && w > n; w--)
		put(o, sp->pad);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	for (; sp->left && w > n; w--)
		put(o, ' ');
}

static void put_number(struct out *o, unsigned long long v, bool neg, unsigned base,
		       struct spec *sp)
{
	char d[24];
	size_t n = 0;

	do
		d[sizeof(d) - ++n] = "0123456789abcdef"[v % base];
	while ((v /= base) != 0);
	if (neg && sp->pad == '0' && !sp->left) {
		put(o, '-'); /* "-007": the sign before the zeros */
		sp->width--;
	} else if (neg) {
		d[sizeof(d) - ++n] = '-';
	}
	put_field(o, d + sizeof(d) - n, n, sp);
}

/* Reads flags, width, precision and length at *f; leaves *f on the
 * conversion character. */
static struct spec read_spec(const char **f, va_list *ap)
{
	struct spec sp = { false, ' ', 0, -1, 0 };
	const char *p = *f;

	for (;; p++) {
		if (*p == '-')
			sp.left = true;
		else if (*p == '0')
			sp.pad = '0';
		else
			break;
	}
	while (*p >= '0' && *p <= '9')
		sp.width = sp.width * 10 + (*p++ - '0');
	if (*p == '.') {
		sp.prec = 0;
		if (*++p == '*') {
			sp.prec = va_arg(*ap, int);
			p++;
		}
		while (*p >= '0' && *p <= '9')
			sp.prec = sp.prec * 10 + (*p++ - '0');
	}
	for (; *p == 'l' || *p == 'z'; p++)
		sp.longs = *p == 'z' ? 1 : sp.longs + 1;
	*f = p;
	return sp;
}

static void convert(struct out *o, char conv, struct spec *sp, va_list *ap)
{
	const char *s;
	long long v;
	unsigned long long u;
	char c;

	switch (conv) {
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		sp->pad = ' ';
		put_field(o, s, sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s), sp);
		return;
	case 'c':
		c = (char)va_arg(*ap, int);
		sp->pad = ' ';
		put_field(o, &c, 1, sp);
		return;
	case 'd':
	case 'i':
		v = sp->longs >= 2 ? va_arg(*ap, long long) :
		    sp->longs ? va_arg(*ap, long) : va_arg(*ap, int);
		put_number(o, v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v, v < 0, 10, sp);
		return;
	case 'u':
	case 'x':
		u = sp->longs >= 2 ? va_arg(*ap, unsigned long long) :
		    sp->longs ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned);
		put_number(o, u, false, conv == 'x' ? 16 : 10, sp);
		return;
	}
}

int vbufprint(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct out o = { buf, cap, 0 };
	va_list args;

	va_copy(args, ap);
	for (const char *f = fmt; *f; f++) {
		const char *start = f;
		struct spec sp;

		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		sp = read_spec(&f, &args);
		if (*f && strchr("scdiux", *f)) {
			convert(&o, *f, &sp, &args);
		} else if (*f == '%' && f == start + 1) {
			put(&o, '%');
		} else { /* not ours: shown as written */
			while (start <= f && *start)
				put(&o, *start++);
			if (!*f)
				break;
		}
	}
	va_end(args);
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = '\0';
	return (int)o.len;
}

int bufprint(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vbufprint(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}
