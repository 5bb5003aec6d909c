/* kfile.h - one read or one write of a small file: the kernel's values in
 * /proc and /sys, and the init's own files in /run/netswap. */
#ifndef NETSWAP_KFILE_H
#define NETSWAP_KFILE_H

#include <fcntl.h>
#include <stddef.h>
#include <sys/types.h>

/* Reads path (relative to dirfd; AT_FDCWD for an absolute path) into buf,
 * at most cap - 1 bytes, NUL-terminated as read (a kernel value keeps its
 * '\n'). Returns the length, or -errno with buf "". */
ssize_t kfile_read(int dirfd, const char *path, char *buf, size_t cap);

/* Writes len bytes of data to path in one write(2), as `echo >` does
 * (created 0644 and truncated; /proc and /sys take a value so). 0 or
 * -errno (-EIO for a short write). */
int kfile_write(int dirfd, const char *path, const void *data, size_t len);

#endif
