/* hog - fill memory past RAM and prove every page comes back from swap intact.
 *
 * usage: hog [-m MiB] [-p passes] [-j procs] [-r readers] [-s seed] [-o seq|random|both] [-c] [-q]
 *
 *   -m MiB     memory in total, split between the workers (default 64)
 *   -p passes  check-and-rewrite passes after the first fill (default 4)
 *   -j procs   worker processes (default 1)
 *   -r readers the last readers of the workers only re-read: after the fill,
 *              each pass checks their pass-0 pages again without writing,
 *              so they fault pages back in while the others keep writing
 *              (default 0)
 *   -s seed    pattern seed (default 1): same seed, same bytes
 *   -o order   page order of the passes: seq, random, or both, which
 *              alternates, sequential first (default both)
 *   -c         compressible pages: a quarter zero, half text-like (2.6:1
 *              under lz4), a quarter random, as zswap meets a node's memory
 *              (default: every page random, which nothing compresses)
 *   -q         print only bad pages, failures and the RESULT line
 *
 * Each worker maps its share with mmap (not malloc: no heap trimming, and
 * pages become real only when touched), writes every page with the pattern
 * of pass 0, then in each pass checks every page against the previous pass
 * and rewrites it with this pass's pattern, so each pass reads and writes
 * through swap; a last sequential sweep checks the final pattern.
 *
 * The last line is "hog: RESULT ok|FAIL mib= procs= passes= bad_pages=
 * seconds= mib_per_s= worst_ms= p99_ms=", where MiB/s counts bytes written
 * plus checked per second of wall time, and worst_ms and p99_ms are the
 * longest and the 99th percentile time one page took to check and write:
 * a page that was in swap takes a fault, so these are fault latencies. With
 * -r, read_worst_ms= and read_p99_ms= follow, over the re-readers alone. Exit status: 0 when every page checked in every
 * worker and every worker exited normally, 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "latency.h"
#include "pattern.h"

#define PROCS_MAX 256
#define REPORT_MAX 8           /* bad pages described in full, per worker */
#define PROGRESS_SECONDS 2.0   /* a serial console at 115200 baud keeps up */
#define PROGRESS_PAGES 256     /* a line per MiB at most, on a fast link */
/* On a link so slow that a worker takes longer than this per MiB, a line
 * after any page: the fault matrix calls a node that prints nothing for
 * 120 s stuck, and 16 workers at 1 Mbit/s take over 130 s per MiB each. */
#define PROGRESS_QUIET_MAX 20.0

enum exit_code { EXIT_OK, EXIT_FAIL, EXIT_USAGE };

enum order { ORDER_SEQ, ORDER_RANDOM, ORDER_BOTH };

static const char *const order_names[] = { "seq", "random", "both" };

struct options {
	uint64_t mib, seed;
	unsigned passes, procs, readers;
	enum order order;
	enum hog_content content;
	int quiet;
};

/* In a MAP_SHARED mapping, so the parent reads it after the worker exits. */
struct worker_result {
	uint64_t bad_pages, bytes;
	struct hog_latency lat;
};

struct worker {
	const struct options *opt;
	struct worker_result *res;
	unsigned char *mem;
	uint64_t pages, pages_max;
	size_t page_size;
	unsigned id;
	int reader;
	double start, last_print;
};

/* One phase is one sweep over every page: check one pass, write another. */
struct phase {
	char name[32];
	int random, check, write;
	unsigned check_pass, write_pass;
};

/* One write per line, so lines of several workers never interleave. */
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	for (int off = 0; off < n;) {
		ssize_t w = write(STDOUT_FILENO, line + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += w;
	}
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static int meminfo_kib(const char *text, const char *key, uint64_t *kib)
{
	const char *at = strstr(text, key);

	if (!at)
		return -1;
	*kib = strtoull(at + strlen(key), NULL, 10);
	return 0;
}

/* ", swap used X of Y MiB" from /proc/meminfo, or "" without /proc. */
static void swap_describe(char *out, size_t size)
{
	char text[4096];
	uint64_t total, avail;
	size_t len = 0;
	ssize_t n;
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);

	out[0] = '\0';
	if (fd < 0)
		return;
	while (len < sizeof(text) - 1 &&
	       (n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += n;
	close(fd);
	text[len] = '\0';
	if (meminfo_kib(text, "SwapTotal:", &total) || meminfo_kib(text, "SwapFree:", &avail))
		return;
	if (total == 0)
		snprintf(out, size, ", no swap");
	else
		snprintf(out, size, ", swap used %.1f of %.1f MiB",
			 (total - avail) / 1024.0, total / 1024.0);
}

static void progress(struct worker *w, const struct phase *ph, uint64_t done, double now)
{
	char swap[64];
	double elapsed = now - w->start;

	w->last_print = now;
	if (w->opt->quiet)
		return;
	swap_describe(swap, sizeof(swap));
	say("hog: worker %u %s: %.1f MiB %s, %.1f MiB/s, bad pages %llu%s\n",
	    w->id, ph->name, (double)done * w->page_size / (1 << 20),
	    ph->check ? "verified" : "written",
	    elapsed > 0 ? w->res->bytes / elapsed / (1 << 20) : 0.0,
	    (unsigned long long)w->res->bad_pages, swap);
}

static uint64_t page_key(const struct worker *w, uint64_t index, unsigned pass)
{
	struct hog_page_id id = {
		.seed = w->opt->seed, .worker = w->id, .index = index, .pass = pass,
	};

	return hog_page_key(&id);
}

/* What the page holds instead: zeros, another page (misdirected I/O), or an
 * older pass of itself (a lost write). */
static void origin_describe(const struct worker *w, const uint64_t *page,
			    uint64_t index, unsigned pass, char *out, size_t size)
{
	struct hog_page_id limit = {
		.seed = w->opt->seed, .worker = w->opt->procs,
		.index = w->pages_max, .pass = w->opt->passes,
	};
	struct hog_page_id found;

	switch (hog_page_identify(page, w->page_size / 8, w->opt->content, &limit, &found)) {
	case HOG_ORIGIN_ZERO:
		snprintf(out, size, "; the page is all zeros");
		break;
	case HOG_ORIGIN_PAGE:
		snprintf(out, size, "; it holds worker %u page %llu pass %u%s",
			 found.worker, (unsigned long long)found.index, found.pass,
			 found.worker == w->id && found.index == index && found.pass < pass ?
			 " (an older write of this page)" : "");
		break;
	default:
		snprintf(out, size, "; not any page's pattern");
	}
}

static void bad_page_report(struct worker *w, const struct phase *ph, uint64_t index,
			    const uint64_t *page, const struct hog_mismatch *bad)
{
	char origin[128];

	if (++w->res->bad_pages > REPORT_MAX)
		return;
	origin_describe(w, page, index, ph->check_pass, origin, sizeof(origin));
	say("hog: BAD worker %u page %llu in %s, expected pass %u: offset 0x%zx expected 0x%016llx actual 0x%016llx, %zu of %zu words wrong%s\n",
	    w->id, (unsigned long long)index, ph->name, ph->check_pass, bad->offset,
	    (unsigned long long)bad->expected, (unsigned long long)bad->actual,
	    bad->bad_words, w->page_size / 8, origin);
}

static void page_visit(struct worker *w, const struct phase *ph, uint64_t index)
{
	uint64_t *page = (uint64_t *)(w->mem + index * w->page_size);
	size_t words = w->page_size / 8;
	struct hog_mismatch bad;

	if (ph->check) {
		if (hog_page_check(page, words, page_key(w, index, ph->check_pass), w->opt->content, &bad))
			bad_page_report(w, ph, index, page, &bad);
		w->res->bytes += w->page_size;
	}
	if (ph->write) {
		hog_page_fill(page, words, page_key(w, index, ph->write_pass), w->opt->content);
		w->res->bytes += w->page_size;
	}
}

static int progress_due(const struct worker *w, uint64_t done, double now)
{
	double quiet = now - w->last_print;

	return quiet >= PROGRESS_QUIET_MAX ||
	       (done % PROGRESS_PAGES == 0 && quiet >= PROGRESS_SECONDS);
}

static void phase_run(struct worker *w, const struct phase *ph)
{
	struct hog_walk walk;
	struct hog_page_id walk_id = {
		.seed = w->opt->seed, .worker = w->id, .index = UINT64_MAX,
		.pass = ph->write ? ph->write_pass : ph->check_pass + 1,
	};

	hog_walk_init(&walk, w->pages, hog_page_key(&walk_id));
	for (uint64_t i = 0; i < w->pages; i++) {
		uint64_t t0 = now_us(), t1;

		page_visit(w, ph, ph->random ? hog_walk_at(&walk, i) : i);
		t1 = now_us();
		hog_latency_add(&w->res->lat, t1 - t0);
		if (progress_due(w, i + 1, t1 / 1e6))
			progress(w, ph, i + 1, t1 / 1e6);
	}
	progress(w, ph, w->pages, now_seconds());
}

static int pass_is_random(const struct options *opt, unsigned pass)
{
	return opt->order == ORDER_RANDOM || (opt->order == ORDER_BOTH && pass % 2 == 0);
}

/* Under memory pressure the OOM killer should take a worker, which the parent
 * reports, rather than the init's NBD keeper (whose loss hangs every swap-in)
 * or the parent. Best effort: any process may raise its own score. */
static void oom_victim_first(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, "1000", 4) != 4) {
		/* an older kernel or no /proc: the default score will do */
	}
	close(fd);
}

static int worker_run(struct worker *w)
{
	const struct options *opt = w->opt;
	struct phase ph = { .name = "fill", .write = 1, .write_pass = 0 };

	oom_victim_first();
	w->mem = mmap(NULL, w->pages * w->page_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->mem == MAP_FAILED) {
		say("hog: worker %u: mmap %llu MiB: %s\n", w->id,
		    (unsigned long long)(w->pages * w->page_size >> 20), strerror(errno));
		return EXIT_FAIL;
	}
	w->start = w->last_print = now_seconds();
	phase_run(w, &ph);
	for (unsigned p = 1; p <= opt->passes; p++) {
		ph.random = pass_is_random(opt, p);
		snprintf(ph.name, sizeof(ph.name), "%s %u/%u %s", w->reader ? "reread" : "pass",
			 p, opt->passes, ph.random ? "random" : "seq");
		ph.check = 1;
		ph.check_pass = w->reader ? 0 : p - 1;
		ph.write = !w->reader;
		ph.write_pass = p;
		phase_run(w, &ph);
	}
	snprintf(ph.name, sizeof(ph.name), "final");
	ph.random = 0;
	ph.check = 1; /* with -p 0 the fill's check = 0 was still set: nothing was read back */
	ph.write = 0;
	ph.check_pass = w->reader ? 0 : opt->passes;
	phase_run(w, &ph);
	return w->res->bad_pages ? EXIT_FAIL : EXIT_OK;
}

static int number_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-' || *s == '\0')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int order_parse(const char *s, enum order *out)
{
	for (size_t i = 0; i < sizeof(order_names) / sizeof(order_names[0]); i++)
		if (strcmp(s, order_names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

static int usage(const char *why)
{
	fprintf(stderr, "hog: %s\nusage: hog [-m MiB] [-p passes] [-j procs(1-%d)] [-r readers] [-s seed] [-o seq|random|both] [-c] [-q]\n",
		why, PROCS_MAX);
	return EXIT_USAGE;
}

static int options_parse(int argc, char **argv, struct options *opt)
{
	uint64_t v;
	int c;

	opterr = 0;   /* one message, ours */
	*opt = (struct options){ .mib = 64, .seed = 1, .passes = 4, .procs = 1, .order = ORDER_BOTH };
	while ((c = getopt(argc, argv, "m:p:j:r:s:o:cq")) != -1) {
		switch (c) {
		case 'm':
			if (number_parse(optarg, 1, 1ULL << 30, &opt->mib))
				return usage("-m wants MiB, 1 or more");
			break;
		case 'p':
			if (number_parse(optarg, 0, 1000000, &v))
				return usage("-p wants a pass count, 0 to 1000000");
			opt->passes = v;
			break;
		case 'j':
			if (number_parse(optarg, 1, PROCS_MAX, &v))
				return usage("-j wants a process count");
			opt->procs = v;
			break;
		case 'r':
			if (number_parse(optarg, 0, PROCS_MAX, &v))
				return usage("-r wants a count of re-reading workers");
			opt->readers = v;
			break;
		case 's':
			if (number_parse(optarg, 0, UINT64_MAX, &opt->seed))
				return usage("-s wants a number");
			break;
		case 'o':
			if (order_parse(optarg, &opt->order))
				return usage("-o wants seq, random or both");
			break;
		case 'c':
			opt->content = HOG_MIX;
			break;
		case 'q':
			opt->quiet = 1;
			break;
		default: {
			char why[40];

			snprintf(why, sizeof(why), "unknown option or missing value: -%c", optopt);
			return usage(why);
		}
		}
	}
	if (optind != argc)
		return usage("unexpected argument");
	if (opt->readers >= opt->procs)
		return usage("-r wants fewer re-readers than workers (-j)");
	return EXIT_OK;
}

/* Waits for every worker; 0 when all exited with success. */
static int workers_wait(const pid_t *pids, unsigned started)
{
	int failed = 0;

	for (unsigned i = 0; i < started; i++) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0) {
			if (errno != EINTR) {
				say("hog: worker %u: waitpid: %s\n", i, strerror(errno));
				return -1;
			}
		}
		if (WIFSIGNALED(status)) {
			say("hog: worker %u killed by signal %d (%s)%s\n", i, WTERMSIG(status),
			    strsignal(WTERMSIG(status)),
			    WTERMSIG(status) == SIGKILL ? ", the OOM killer?" : "");
			failed = 1;
		} else if (WEXITSTATUS(status) != EXIT_OK) {
			failed = 1;
		}
	}
	return failed ? -1 : 0;
}

/* " PREFIXworst_ms=X PREFIXp99_ms=Y" for the RESULT line. */
static void latency_describe(const struct hog_latency *lat, const char *prefix,
			     char *out, size_t size)
{
	snprintf(out, size, " %sworst_ms=%.1f %sp99_ms=%.2f", prefix, lat->worst_us / 1000.0,
		 prefix, hog_latency_percentile(lat, 990) / 1000.0);
}

static int hog_run(const struct options *opt)
{
	size_t page_size = sysconf(_SC_PAGESIZE);
	uint64_t pages = (opt->mib << 20) / page_size;
	uint64_t share = pages / opt->procs, extra = pages % opt->procs;
	uint64_t bad = 0, bytes = 0;
	struct hog_latency all = { 0 }, readers = { 0 };
	struct worker_result *res;
	pid_t pids[PROCS_MAX];
	unsigned started = 0;
	char reader_lat[64];
	double start, seconds;
	int failed = 0;

	if (share == 0 || share + 1 > SIZE_MAX / page_size)
		return usage("each worker needs at least one page and at most the address space");
	res = mmap(NULL, opt->procs * sizeof(*res), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		say("hog: mmap results: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	if (!opt->quiet)
		say("hog: %llu MiB in %u workers, %u passes, order %s, seed %llu, page %zu bytes\n",
		    (unsigned long long)opt->mib, opt->procs, opt->passes,
		    order_names[opt->order], (unsigned long long)opt->seed, page_size);
	start = now_seconds();
	for (; started < opt->procs; started++) {
		struct worker w = {
			.opt = opt, .res = &res[started], .id = started, .page_size = page_size,
			.pages = share + (started < extra), .pages_max = share + (extra > 0),
			.reader = started >= opt->procs - opt->readers,
		};

		pids[started] = fork();
		if (pids[started] == 0)
			_exit(worker_run(&w));
		if (pids[started] < 0) {
			say("hog: fork worker %u: %s\n", started, strerror(errno));
			failed = 1;
			break;
		}
	}
	if (workers_wait(pids, started))
		failed = 1;
	seconds = now_seconds() - start;
	for (unsigned i = 0; i < started; i++) {
		bad += res[i].bad_pages;
		bytes += res[i].bytes;
		hog_latency_merge(&all, &res[i].lat);
		if (i >= opt->procs - opt->readers)
			hog_latency_merge(&readers, &res[i].lat);
	}
	failed |= bad != 0;
	latency_describe(&readers, "read_", reader_lat, sizeof(reader_lat));
	say("hog: RESULT %s mib=%llu procs=%u passes=%u bad_pages=%llu seconds=%.1f mib_per_s=%.1f worst_ms=%.1f p99_ms=%.2f%s\n",
	    failed ? "FAIL" : "ok", (unsigned long long)opt->mib, opt->procs, opt->passes,
	    (unsigned long long)bad, seconds,
	    seconds > 0 ? bytes / seconds / (1 << 20) : 0.0,
	    all.worst_us / 1000.0, hog_latency_percentile(&all, 990) / 1000.0,
	    opt->readers ? reader_lat : "");
	return failed ? EXIT_FAIL : EXIT_OK;
}

int main(int argc, char **argv)
{
	struct options opt;
	int rc = options_parse(argc, argv, &opt);

	if (rc != EXIT_OK)
		return rc;
	return hog_run(&opt);
}
