/* netlink.h - building netlink requests in a fixed buffer and waiting for
 * the kernel's answer; shared by rtnetlink (net.c) and generic netlink
 * (nbd.c). No allocation: PID 1 and the keeper must not need memory to
 * talk to the kernel. */
#ifndef NETSWAP_NETLINK_H
#define NETSWAP_NETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

struct nl_msg {
	union {
		struct nlmsghdr hdr;
		char buf[2048];
	};
};

int nl_open(int protocol);
/* A socket that also hears the multicast groups (RTMGRP_* bits). */
int nl_open_groups(int protocol, uint32_t groups);
void nl_start(struct nl_msg *m, uint16_t type, uint16_t flags);
void *nl_reserve(struct nl_msg *m, size_t len);
int nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
int nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
int nl_put_u64(struct nl_msg *m, uint16_t type, uint64_t v);
int nl_put_str(struct nl_msg *m, uint16_t type, const char *s);
struct nlattr *nl_nest_start(struct nl_msg *m, uint16_t type);
void nl_nest_end(struct nl_msg *m, struct nlattr *nest);
/* Sends m and waits for the kernel's answer. Returns -errno on failure,
 * 0 on a plain ACK, or the length of the first non-error reply copied
 * into reply (which may be NULL when none is expected). */
int nl_talk(int fd, struct nl_msg *m, void *reply, size_t cap);
/* The attribute of type `type` among those at attrs..attrs+len, or NULL. */
const struct nlattr *nl_find(const void *attrs, size_t len, uint16_t type);

#endif
