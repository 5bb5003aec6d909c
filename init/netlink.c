/* netlink.c - see netlink.h */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink.h"

int nl_open(int protocol)
{
	return nl_open_groups(protocol, 0);
}

int nl_open_groups(int protocol, uint32_t groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

void nl_start(struct nl_msg *m, uint16_t type, uint16_t flags)
{
	static uint32_t seq;

	memset(&m->hdr, 0, sizeof(m->hdr));
	m->hdr.nlmsg_len = NLMSG_HDRLEN;
	m->hdr.nlmsg_type = type;
	m->hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->hdr.nlmsg_seq = ++seq;
}

void *nl_reserve(struct nl_msg *m, size_t len)
{
	size_t at = NLMSG_ALIGN(m->hdr.nlmsg_len);

	if (at + NLMSG_ALIGN(len) > sizeof(m->buf))
		return NULL;
	memset(m->buf + at, 0, NLMSG_ALIGN(len));
	m->hdr.nlmsg_len = (uint32_t)(at + NLMSG_ALIGN(len));
	return m->buf + at;
}

int nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = nl_reserve(m, NLA_HDRLEN + len);

	if (!a)
		return -EMSGSIZE;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	return 0;
}

int nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	return nl_put(m, type, &v, sizeof(v));
}

int nl_put_u64(struct nl_msg *m, uint16_t type, uint64_t v)
{
	return nl_put(m, type, &v, sizeof(v));
}

int nl_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	return nl_put(m, type, s, strlen(s) + 1);
}

struct nlattr *nl_nest_start(struct nl_msg *m, uint16_t type)
{
	struct nlattr *a = nl_reserve(m, NLA_HDRLEN);

	if (a)
		a->nla_type = NLA_F_NESTED | type;
	return a;
}

void nl_nest_end(struct nl_msg *m, struct nlattr *nest)
{
	if (nest)
		nest->nla_len = (uint16_t)(m->buf + m->hdr.nlmsg_len - (char *)nest);
}

int nl_talk(int fd, struct nl_msg *m, void *reply, size_t cap)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr hdr;
		char buf[4096];
	} in;
	int got = 0;

	if (sendto(fd, m->buf, m->hdr.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, in.buf, sizeof(in.buf), 0);
		struct nlmsghdr *h;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = &in.hdr; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != m->hdr.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				/* NLMSG_OK vouched for the header only */
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EBADMSG;
				return e->error ? e->error : got;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return got;
			if (reply && !got) {
				size_t len = h->nlmsg_len < cap ? h->nlmsg_len : cap;
				memcpy(reply, h, len);
				got = (int)len;
			}
		}
	}
}

const struct nlattr *nl_find(const void *attrs, size_t len, uint16_t type)
{
	const char *p = attrs;

	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const void *)p;
		size_t alen = NLA_ALIGN(a->nla_len);

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		if (alen > len)
			break;
		p += alen;
		len -= alen;
	}
	return NULL;
}
