/* dirent_iter.c - see dirent_iter.h */
#define _GNU_SOURCE
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dirent_iter.h"

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

void dir_each(int fd, void (*each)(const char *name, void *ctx), void *ctx)
{
	struct dir_iter it = { .fd = fd };

	for (;;) {
		it.len = syscall(SYS_getdents64, fd, it.buf, sizeof(it.buf));
		if (it.len <= 0)
			return;
		for (it.pos = 0; it.pos < it.len;) {
			struct linux_dirent64 *d = (void *)(it.buf + it.pos);

			it.pos += d->d_reclen;
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
				each(d->d_name, ctx);
		}
	}
}
