/* nbd_proto.h - the client side of the NBD fixed newstyle handshake.
 *
 * Pure: no system calls.  The caller connects the socket and passes two
 * callbacks that move whole buffers; nbd_negotiate() runs NBD_OPT_GO (with
 * an NBD_INFO_BLOCK_SIZE request), falls back to NBD_OPT_EXPORT_NAME for
 * servers that answer NBD_REP_ERR_UNSUP, and leaves the socket at the start
 * of the transmission phase, ready to be handed to the kernel.
 *
 * Protocol: NetworkBlockDevice/nbd doc/proto.md.
 */
#ifndef NETSWAP_NBD_PROTO_H
#define NETSWAP_NBD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NBD_MAGIC             0x4e42444d41474943ULL /* "NBDMAGIC" */
#define NBD_IHAVEOPT          0x49484156454f5054ULL /* "IHAVEOPT" */
#define NBD_OLDSTYLE_MAGIC    0x00420281861253ULL
#define NBD_REP_MAGIC         0x3e889045565a9ULL

/* Handshake flags (server, 16 bits) and client flags (32 bits). */
#define NBD_FLAG_FIXED_NEWSTYLE   (1u << 0)
#define NBD_FLAG_NO_ZEROES        (1u << 1)
#define NBD_FLAG_C_FIXED_NEWSTYLE (1u << 0)
#define NBD_FLAG_C_NO_ZEROES      (1u << 1)

/* Transmission flags (16 bits); the kernel gets them via NBD_ATTR_SERVER_FLAGS. */
#define NBD_FLAG_HAS_FLAGS        (1u << 0)
#define NBD_FLAG_READ_ONLY        (1u << 1)
#define NBD_FLAG_SEND_FLUSH       (1u << 2)
#define NBD_FLAG_SEND_FUA         (1u << 3)
#define NBD_FLAG_ROTATIONAL       (1u << 4)
#define NBD_FLAG_SEND_TRIM        (1u << 5)
#define NBD_FLAG_SEND_WRITE_ZEROES (1u << 6)
#define NBD_FLAG_SEND_DF          (1u << 7)
#define NBD_FLAG_CAN_MULTI_CONN   (1u << 8)

#define NBD_OPT_EXPORT_NAME 1
#define NBD_OPT_ABORT       2
#define NBD_OPT_GO          7

#define NBD_REP_ACK         1
#define NBD_REP_SERVER      2
#define NBD_REP_INFO        3
#define NBD_REP_ERR_BIT     0x80000000u
#define NBD_REP_ERR_UNSUP          (NBD_REP_ERR_BIT + 1)
#define NBD_REP_ERR_POLICY         (NBD_REP_ERR_BIT + 2)
#define NBD_REP_ERR_INVALID        (NBD_REP_ERR_BIT + 3)
#define NBD_REP_ERR_PLATFORM       (NBD_REP_ERR_BIT + 4)
#define NBD_REP_ERR_TLS_REQD       (NBD_REP_ERR_BIT + 5)
#define NBD_REP_ERR_UNKNOWN        (NBD_REP_ERR_BIT + 6)
#define NBD_REP_ERR_SHUTDOWN       (NBD_REP_ERR_BIT + 7)
#define NBD_REP_ERR_BLOCK_SIZE_REQD (NBD_REP_ERR_BIT + 8)
#define NBD_REP_ERR_TOO_BIG        (NBD_REP_ERR_BIT + 9)
#define NBD_REP_ERR_EXT_HEADER_REQD (NBD_REP_ERR_BIT + 10)

#define NBD_INFO_EXPORT     0
#define NBD_INFO_NAME       1
#define NBD_INFO_DESCRIPTION 2
#define NBD_INFO_BLOCK_SIZE 3

/* proto.md "Conventions": strings MUST be no longer than 4096 bytes. */
#define NBD_NAME_MAX        4096
/* Our own cap on one option reply's data: a GO reply needs 14 bytes, an
 * error message 4096; more than this is a broken or hostile server. */
#define NBD_REPLY_MAX       65536
/* Our own cap on replies to one NBD_OPT_GO before NBD_REP_ACK. */
#define NBD_REPLIES_MAX     64
/* NBD_OPT_GO: 16 header + 4 name length + name + 2 count + 2 request. */
#define NBD_OPT_GO_MAX      (16 + 4 + NBD_NAME_MAX + 4)
/* Printable characters kept of a server's error message. */
#define NBD_SERVER_TEXT_MAX 160

/* Block sizes filled when the server does not advertise them: the
 * defaults of proto.md "Size constraints". */
#define NBD_DEFAULT_MIN_BLOCK  1u
#define NBD_DEFAULT_PREF_BLOCK 4096u
#define NBD_DEFAULT_MAX_BLOCK  (32u << 20)

/* Transport callbacks: move exactly len bytes.  Return 0 or a negative
 * errno; read_full returns -ECONNRESET when the peer closes early. */
struct nbd_io {
	int (*read_full)(void *ctx, void *buf, size_t len);
	int (*write_full)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

struct nbd_export {
	uint64_t size;                  /* bytes, > 0 */
	uint16_t flags;                 /* transmission flags, HAS_FLAGS set */
	uint32_t min_block, pref_block, max_block; /* max 0xffffffff: no limit */
	bool block_sizes_advertised;    /* false: the defaults above */
	bool used_export_name_fallback; /* server lacks NBD_OPT_GO */
};

enum nbd_result {
	NBD_OK = 0,
	NBD_ERR_IO = -1,           /* transport failed or closed: retry may help */
	NBD_ERR_PROTO = -2,        /* server sent something malformed or unexpected */
	NBD_ERR_REFUSED = -3,      /* server refused the export (NBD_REP_ERR_*) */
	NBD_ERR_OLDSTYLE = -4,     /* oldstyle server: not supported */
	NBD_ERR_TLS_REQUIRED = -5, /* NBD_REP_ERR_TLS_REQD: we do not do TLS */
	NBD_ERR_EMPTY = -6,        /* export has size 0: nothing to swap on */
	NBD_ERR_NAME = -7,         /* export name longer than NBD_NAME_MAX */
};

/* Run the handshake on a connected stream.  Returns NBD_OK with *out
 * filled, or a negative enum nbd_result.  msg (may be NULL) always gets one
 * line: what was negotiated, or what was wrong and what was expected.
 * After NBD_ERR_REFUSED / NBD_ERR_TLS_REQUIRED an NBD_OPT_ABORT has been
 * sent (proto.md: the client ends the session with a soft disconnect);
 * in every error case the caller closes the socket. */
int nbd_negotiate(const struct nbd_io *io, const char *export_name,
		  struct nbd_export *out, char *msg, size_t msglen);

bool nbd_export_read_only(const struct nbd_export *e);

/* How many of the wanted connections the export allows: all of them with
 * NBD_FLAG_CAN_MULTI_CONN, else one.  proto.md: without the flag a write
 * answered on one connection need not be seen by a read on another, and
 * swap reads a page back on whichever connection the kernel picks. */
int nbd_export_conns(const struct nbd_export *e, int wanted);

/* "NBD_REP_ERR_UNKNOWN" etc.; "NBD_REP_ERR_?" / "NBD_REP_?" if unknown. */
const char *nbd_rep_name(uint32_t type);

/* "nbd_result" as text, e.g. "NBD_ERR_REFUSED". */
const char *nbd_result_name(int result);

/* Encoders: write the client's message into buf.  Return its length, or
 * -1 when buf is too small (or the name longer than NBD_NAME_MAX). */
int nbd_client_flags_encode(uint8_t *buf, size_t cap, uint16_t server_flags);
int nbd_opt_go_encode(uint8_t *buf, size_t cap, const char *name);
int nbd_opt_export_name_encode(uint8_t *buf, size_t cap, const char *name);
int nbd_opt_abort_encode(uint8_t *buf, size_t cap);

#endif
