/* mkcpio - writes a newc cpio archive from a list file, reproducibly.
 *
 * The list uses the kernel's usr/gen_init_cpio format, the subset an
 * initramfs needs:
 *   dir <name> <mode> <uid> <gid>
 *   file <name> <source> <mode> <uid> <gid>
 *   nod <name> <mode> <uid> <gid> <c|b> <major> <minor>
 *   slink <name> <target> <mode> <uid> <gid>
 * Every entry gets mtime 0 and inode numbers in list order, so the same
 * inputs give the same bytes.
 *
 * usage: mkcpio LIST > archive.cpio
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static unsigned int next_ino = 721;
static unsigned long total; /* bytes written: stdout may be a pipe */

static void emit(FILE *out, const void *buf, size_t len)
{
	fwrite(buf, 1, len, out);
	total += len;
}

static void pad_to(FILE *out, unsigned long align)
{
	while (total % align) {
		fputc(0, out);
		total++;
	}
}

static void header(FILE *out, const char *name, unsigned int mode, unsigned int uid,
		   unsigned int gid, unsigned long size, unsigned int dev_major,
		   unsigned int dev_minor)
{
	const char *n = name[0] == '/' ? name + 1 : name;
	size_t namesize = strlen(n) + 1;

	char hdr[128];

	/* rdev is the last pair of device fields; the file's own dev stays 0 */
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08lX%08X%08X%08X%08X%08X%08X",
		 next_ino++, mode, uid, gid, 1u, 0u, size & 0xffffffffUL, 0u, 0u, dev_major, dev_minor,
		 (unsigned int)namesize, 0u);
	emit(out, hdr, 110);
	emit(out, n, namesize);
	pad_to(out, 4);
}

static int add_file(FILE *out, const char *name, const char *src, unsigned int mode,
		    unsigned int uid, unsigned int gid)
{
	FILE *in = fopen(src, "rb");
	char buf[65536];
	size_t n;
	struct stat st;

	if (!in || fstat(fileno(in), &st) < 0) {
		fprintf(stderr, "mkcpio: %s: %s\n", src, strerror(errno));
		return -1;
	}
	header(out, name, S_IFREG | mode, uid, gid, (unsigned long)st.st_size, 0, 0);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		emit(out, buf, n);
	fclose(in);
	pad_to(out, 4);
	return 0;
}

static int add_entry(FILE *out, char *line, int lineno)
{
	char type[8], name[256], a[256], kind;
	unsigned int mode, uid, gid, maj, min;

	if (sscanf(line, "%7s", type) != 1 || type[0] == '#')
		return 0;
	if (!strcmp(type, "dir") && sscanf(line, "%*s %255s %o %u %u", name, &mode, &uid, &gid) == 4) {
		header(out, name, S_IFDIR | mode, uid, gid, 0, 0, 0);
		return 0;
	}
	if (!strcmp(type, "file") &&
	    sscanf(line, "%*s %255s %255s %o %u %u", name, a, &mode, &uid, &gid) == 5)
		return add_file(out, name, a, mode, uid, gid);
	if (!strcmp(type, "nod") &&
	    sscanf(line, "%*s %255s %o %u %u %c %u %u", name, &mode, &uid, &gid, &kind, &maj, &min) == 7) {
		header(out, name, (kind == 'b' ? S_IFBLK : S_IFCHR) | mode, uid, gid, 0, maj, min);
		return 0;
	}
	if (!strcmp(type, "slink") &&
	    sscanf(line, "%*s %255s %255s %o %u %u", name, a, &mode, &uid, &gid) == 5) {
		header(out, name, S_IFLNK | mode, uid, gid, strlen(a), 0, 0);
		emit(out, a, strlen(a));
		pad_to(out, 4);
		return 0;
	}
	fprintf(stderr, "mkcpio: line %d: cannot read '%s'\n", lineno, line);
	return -1;
}

int main(int argc, char **argv)
{
	char line[1024];
	int lineno = 0;
	FILE *list;

	if (argc != 2 || !(list = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: mkcpio LIST > archive.cpio\n");
		return 2;
	}
	while (fgets(line, sizeof(line), list)) {
		line[strcspn(line, "\n")] = '\0';
		if (add_entry(stdout, line, ++lineno) < 0)
			return 1;
	}
	header(stdout, "TRAILER!!!", 0, 0, 0, 0, 0, 0);
	/* like cpio(1), end on a 512-byte block boundary */
	pad_to(stdout, 512);
	return fflush(stdout) ? 1 : 0;
}
