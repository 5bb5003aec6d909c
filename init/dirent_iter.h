/* dirent_iter.h - reading a directory with getdents64 into a stack buffer:
 * opendir() would pull malloc into PID 1 for two small directory walks. */
#ifndef NETSWAP_DIRENT_ITER_H
#define NETSWAP_DIRENT_ITER_H

#include <stddef.h>

struct dir_iter {
	int fd;
	long len, pos;
	char buf[4096];
};

/* Calls each(name, ctx) for every entry but "." and ".."; fd stays open. */
void dir_each(int fd, void (*each)(const char *name, void *ctx), void *ctx);

#endif
