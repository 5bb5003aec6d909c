/* helper.c - what every process the init leaves running shares: the NBD
 * keeper (nbd.c) and the lease companion (lease.c) outlive the initramfs
 * and must outlive the real root's shutdown as long as swap needs them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "helper.h"
#include "kfile.h"
#include "log.h"

/* NAME starts with '@', which systemd's shutdown spares. Out of the OOM
 * killer's reach, in a session of its own, and deaf to the signals a
 * terminal or a shutdown's "kill -TERM -1" sends. */
void helper_detach(const char *name)
{
	prctl(PR_SET_NAME, name);
	kfile_write(AT_FDCWD, "/proc/self/oom_score_adj", "-1000", 5);
	setsid();
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

/* A helper's sends need kernel memory, and reclaim could find it by
 * writing pages out to swap: to the very device (or over the very address)
 * the helper keeps alive. server_restart.sh hung so, the keeper in
 * tcp_sendmsg -> try_to_free_pages -> nbd_queue_rq. As an I/O flusher its
 * allocations never start I/O (GFP_NOIO). */
void helper_io_flusher(const char *name)
{
	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0) < 0)
		warn("%s: PR_SET_IO_FLUSHER: %s; under memory pressure it may hang",
		     name, strerror(errno));
}
