/* ipudp.h - IPv4 + UDP headers around a payload, pure.
 *
 * The DHCP client has no address yet, so it cannot use a UDP socket: it
 * sends and receives on an AF_PACKET SOCK_DGRAM socket (the kernel adds
 * and strips the Ethernet header) and builds the IPv4/UDP headers itself.
 *
 * Addresses are in network byte order (as in struct in_addr.s_addr);
 * ports are plain numbers in host order (67, 68).
 */
#ifndef NETSWAP_IPUDP_H
#define NETSWAP_IPUDP_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define IPUDP_HEADER_LEN 28     /* IPv4 without options + UDP */

/* Writes IPv4 (id 0, DF off, TTL 64, header checksum) + UDP (checksum)
 * + payload into buf.  Returns the frame length, or 0 when cap is too
 * small or the datagram would exceed 65535 bytes. */
size_t ipudp_encode(uint8_t *buf, size_t cap, const uint8_t *payload, size_t len,
		    uint32_t src_ip, uint32_t dst_ip, uint16_t src_port, uint16_t dst_port);

/* Checks an IPv4 frame as received (len may include link-layer padding
 * after the IP total length).
 * Returns 1 and sets *payload / *plen (pointing into frame) for a UDP
 *           datagram to dst_port,
 *         0 not for us: another protocol or port, or a fragment (a DHCP
 *           reply fits one 576-byte datagram; we do not reassemble),
 *        -1 malformed: not IPv4, bad header length, total length, UDP
 *           length or either checksum. */
int ipudp_decode(const uint8_t *frame, size_t len, uint16_t dst_port,
		 const uint8_t **payload, size_t *plen);

/* The UDP checksum is not filled in yet: the sender is on this host (veth,
 * or a tap whose guest offloads checksums) and the kernel hands AF_PACKET
 * the frame before computing it.  The socket learns this from
 * PACKET_AUXDATA: tpacket_auxdata.tp_status & TP_STATUS_CSUMNOTREADY.
 * Measured: dnsmasq's OFFER over a veth with tx offload on fails the
 * check without this flag (tests/unit/dhcp_live.sh). */
#define IPUDP_CSUM_NOT_READY 1u

/* ipudp_decode with flags (0 or IPUDP_CSUM_NOT_READY); same returns. */
int ipudp_decode_flags(const uint8_t *frame, size_t len, uint16_t dst_port, unsigned flags,
		       const uint8_t **payload, size_t *plen);

#endif
