/* ipudp.c - IPv4 (RFC 791) and UDP (RFC 768) framing, pure. */
#include <stdio.h>
#include <string.h>

#include "byteorder.h"
#include "ipudp.h"

enum { IP_HLEN = 20, UDP_HLEN = 8, IPPROTO_UDP_ = 17, TTL = 64 };
/* RFC 791 3.1: flags and fragment offset share one 16-bit word. */
enum { IP_MF = 0x2000, IP_OFFSET_MASK = 0x1fff };

/* RFC 1071: ones' complement sum of 16-bit big-endian words, an odd last
 * byte padded with zero. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get_be16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* RFC 768: the UDP checksum covers a pseudo header of both addresses, the
 * protocol and the UDP length, then the UDP header and data. */
static uint16_t udp_checksum(const uint8_t *ip, const uint8_t *udp, size_t ulen)
{
	uint8_t pseudo[12];

	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP_;
	put_be16(pseudo + 10, (uint16_t)ulen);
	return fold(sum16(sum16(0, pseudo, sizeof pseudo), udp, ulen));
}

size_t ipudp_encode(uint8_t *buf, size_t cap, const uint8_t *payload, size_t len,
		    uint32_t src_ip, uint32_t dst_ip, uint16_t src_port, uint16_t dst_port)
{
	size_t total = IP_HLEN + UDP_HLEN + len;
	uint8_t *ip = buf, *udp = buf + IP_HLEN;
	uint16_t csum;

	if (len > 0xffff - IP_HLEN - UDP_HLEN || total > cap)
		return 0;
	memset(buf, 0, IP_HLEN + UDP_HLEN);
	ip[0] = 0x45;                   /* version 4, 5 words */
	put_be16(ip + 2, (uint16_t)total);
	ip[8] = TTL;
	ip[9] = IPPROTO_UDP_;
	memcpy(ip + 12, &src_ip, 4);
	memcpy(ip + 16, &dst_ip, 4);
	put_be16(ip + 10, fold(sum16(0, ip, IP_HLEN)));

	put_be16(udp, src_port);
	put_be16(udp + 2, dst_port);
	put_be16(udp + 4, (uint16_t)(UDP_HLEN + len));
	if (len)
		memmove(udp + UDP_HLEN, payload, len);
	csum = udp_checksum(ip, udp, UDP_HLEN + len);
	/* RFC 768: a computed 0 is sent as all ones; 0 means "no checksum". */
	put_be16(udp + 6, csum ? csum : 0xffff);
	return total;
}

int ipudp_decode_flags(const uint8_t *frame, size_t len, uint16_t dst_port, unsigned flags,
		       const uint8_t **payload, size_t *plen)
{
	size_t ihl, total, ulen;
	const uint8_t *udp;

	if (len < IP_HLEN || frame[0] >> 4 != 4)
		return -1;
	ihl = (size_t)(frame[0] & 0x0f) * 4;
	total = get_be16(frame + 2);
	if (ihl < IP_HLEN || ihl > len || total < ihl || total > len)
		return -1;
	if (fold(sum16(0, frame, ihl)) != 0)
		return -1;
	if (get_be16(frame + 6) & (IP_MF | IP_OFFSET_MASK))
		return 0;
	if (frame[9] != IPPROTO_UDP_)
		return 0;
	udp = frame + ihl;
	if (total - ihl < UDP_HLEN)
		return -1;
	ulen = get_be16(udp + 4);
	/* Like Linux udp_rcv: the UDP length may be shorter than the IP
	 * payload (the rest is trimmed) but never longer. */
	if (ulen < UDP_HLEN || ulen > total - ihl)
		return -1;
	if (get_be16(udp + 2) != dst_port)
		return 0;
	if (!(flags & IPUDP_CSUM_NOT_READY) && get_be16(udp + 6) != 0 &&
	    udp_checksum(frame, udp, ulen) != 0)
		return -1;
	*payload = udp + UDP_HLEN;
	*plen = ulen - UDP_HLEN;
	return 1;
}

int ipudp_decode(const uint8_t *frame, size_t len, uint16_t dst_port,
		 const uint8_t **payload, size_t *plen)
{
	return ipudp_decode_flags(frame, len, dst_port, 0, payload, plen);
}
