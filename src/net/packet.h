/* summary: struct packet, what every pipeline stage reads and annotates. */
#ifndef APIARY_NET_PACKET_H
#define APIARY_NET_PACKET_H

#include <stdint.h>

#include "net/addr.h"

/*
 * A packet is filled by the decoder (src/net/decode.h) and then passed by
 * pointer through the stages of the pipeline: flow, scan, control, stream,
 * detect, verdict, output.  All pointers point into the frame (or, for a
 * reassembled IP datagram, into the defragmenter's buffer) and stay valid
 * only until the next frame is decoded with the same decoder.  Every length
 * has been checked against the captured bytes: a stage may read
 * [l3, l3 + l3_len), [l4, l4 + l4_len) and [payload, payload + payload_len)
 * without further checks.
 */

/* Layers found (p->layers). */
#define PKT_ETH        0x0001u
#define PKT_VLAN       0x0002u
#define PKT_ARP        0x0004u
#define PKT_IPV4       0x0008u
#define PKT_IPV6       0x0010u
#define PKT_TCP        0x0020u
#define PKT_UDP        0x0040u
#define PKT_ICMP       0x0080u	/* ICMPv4 */
#define PKT_ICMPV6     0x0100u
#define PKT_FRAGMENT   0x0200u	/* an IP fragment; L4 absent unless REASSEMBLED */
#define PKT_REASSEMBLED 0x0400u	/* l3.. points at the reassembled datagram */
#define PKT_TUNNEL     0x0800u	/* IP-in-IP, IPv6-in-IP, GRE: not decoded inside */
#define PKT_TRUNCATED  0x1000u	/* caplen < wirelen (snaplen cut), not an error */
#define PKT_INVALID    0x2000u	/* decoding stopped at a malformed layer */

/* TCP flag bits (p->tcp_flags), as on the wire. */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

struct flow;

struct packet {
	/* capture */
	uint64_t ts_ns;			/* capture time, ns since the epoch */
	const uint8_t *frame;		/* first captured byte */
	uint32_t caplen;		/* bytes captured */
	uint32_t wirelen;		/* bytes on the wire */
	int linktype;			/* DLT_* of the frame */
	uint64_t frame_no;		/* 1-based number in its source */

	uint32_t layers;		/* PKT_* */
	uint16_t anomaly;		/* first decoder anomaly, 0 if none (decode.h) */

	/* link */
	const uint8_t *eth_dst, *eth_src;	/* NULL without Ethernet */
	uint16_t ethertype;		/* innermost, after VLAN tags */
	uint8_t vlan_count;
	uint16_t vlan_id[2];		/* outer first */
	uint16_t arp_op;
	struct addr arp_sender, arp_target;

	/* network */
	uint8_t ip_version;		/* 4, 6 or 0 */
	struct addr src, dst;
	uint8_t ip_proto;		/* upper protocol, after IPv6 ext headers */
	uint8_t ttl;			/* TTL or hop limit */
	uint8_t tos;
	uint16_t ip_id;
	uint32_t ip_frag_id;		/* IPv6 fragment id / IPv4 id */
	uint16_t frag_offset;		/* bytes */
	uint8_t frag_more;
	const uint8_t *l3;		/* IP header */
	uint32_t l3_len;		/* IP datagram length, within the capture */
	uint16_t l3_hlen;		/* IPv4 header / IPv6 header + ext headers */

	/* transport */
	const uint8_t *l4;
	uint32_t l4_len;
	uint16_t sport, dport;		/* ICMP: 0 and 0 (see icmp_*) */
	uint32_t tcp_seq, tcp_ack;
	uint16_t tcp_win;
	uint8_t tcp_flags;
	uint8_t tcp_hlen;
	uint16_t tcp_mss;		/* 0 if absent */
	uint8_t tcp_wscale;		/* 0xff if absent */
	uint8_t tcp_sack_ok;
	uint8_t tcp_has_ts;
	uint32_t tcp_tsval, tcp_tsecr;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id, icmp_seq;

	/* application bytes: TCP/UDP payload, ICMP data after the header */
	const uint8_t *payload;
	uint32_t payload_len;
	uint32_t payload_wirelen;	/* as the headers say; > payload_len
					 * only when the capture cut it */

	/* set by later stages */
	struct flow *flow;
	uint8_t dir;			/* 0: as the flow's initiator sent, 1: reply */
};

/*
 * memset(p, 0, sizeof(*p)) with unrolled 16-byte stores: GCC turns a plain
 * memset of this size into `rep stos`, whose start-up cost was about a
 * sixth of the time to decode a whole TCP segment (and a twentieth of the
 * gateway's forwarding thread).
 */
typedef uint64_t packet_zero16 __attribute__((vector_size(16), aligned(8), may_alias));
typedef uint64_t packet_zero8 __attribute__((aligned(8), may_alias));

static inline void
packet_clear(struct packet *p)
{
	_Static_assert(sizeof(*p) % 8 == 0, "struct packet is 8-byte sized");
	packet_zero16 *q = (packet_zero16 *)(void *)p;
	size_t i;
#pragma GCC unroll 32
	for (i = 0; i < sizeof(*p) / 16; i++)
		q[i] = (packet_zero16){ 0, 0 };
	if (sizeof(*p) % 16)
		*(packet_zero8 *)(void *)((uint8_t *)p + sizeof(*p) - 8) = 0;
}

#endif
