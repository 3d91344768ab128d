/* summary: the gateway's own strict frame classifier for data-control decisions. */
#include "control/classify.h"

#include <string.h>

#define ETH_HLEN_ 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
classify_l4(struct packet *p, const uint8_t *l4, uint32_t len)
{
	p->l4 = l4;
	p->l4_len = len;
	switch (p->ip_proto) {
	case 6:
		if (len < 20 || (l4[12] >> 4) * 4u < 20 ||
		    (l4[12] >> 4) * 4u > len) {
			p->layers |= PKT_INVALID;
			return;
		}
		p->layers |= PKT_TCP;
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		p->tcp_seq = rd32(l4 + 4);
		p->tcp_ack = rd32(l4 + 8);
		p->tcp_hlen = (uint8_t)((l4[12] >> 4) * 4);
		p->tcp_flags = l4[13];
		p->tcp_win = rd16(l4 + 14);
		p->payload = l4 + p->tcp_hlen;
		p->payload_len = len - p->tcp_hlen;
		return;
	case 17:
		if (len < 8) {
			p->layers |= PKT_INVALID;
			return;
		}
		p->layers |= PKT_UDP;
		p->sport = rd16(l4);
		p->dport = rd16(l4 + 2);
		p->payload = l4 + 8;
		p->payload_len = len - 8;
		return;
	case 1:
	case 58:
		if (len < 8) {
			p->layers |= PKT_INVALID;
			return;
		}
		p->layers |= p->ip_proto == 1 ? PKT_ICMP : PKT_ICMPV6;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		p->icmp_id = rd16(l4 + 4);
		p->icmp_seq = rd16(l4 + 6);
		p->payload = l4 + 8;
		p->payload_len = len - 8;
		return;
	case 4:
	case 41:
	case 47:
	case 97:	/* EtherIP */
	case 115:	/* L2TPv3 */
	case 137:	/* MPLS-in-IP */
		p->layers |= PKT_TUNNEL;
		return;
	default:
		return;
	}
}

static void
classify_ipv4(struct packet *p, const uint8_t *ip, uint32_t len)
{
	uint32_t hlen, tot;
	uint16_t frag;

	if (len < 20 || (ip[0] >> 4) != 4) {
		p->layers |= PKT_INVALID;
		return;
	}
	hlen = (ip[0] & 0x0fu) * 4u;
	tot = rd16(ip + 2);
	if (hlen < 20 || tot < hlen || tot > len) {
		p->layers |= PKT_INVALID;
		return;
	}
	p->layers |= PKT_IPV4;
	p->ip_version = 4;
	p->l3 = ip;
	p->l3_len = tot;
	p->l3_hlen = (uint16_t)hlen;
	p->tos = ip[1];
	p->ip_id = rd16(ip + 4);
	p->ip_frag_id = p->ip_id;
	p->ttl = ip[8];
	p->ip_proto = ip[9];
	addr_from_v4(&p->src, ip + 12);
	addr_from_v4(&p->dst, ip + 16);
	frag = rd16(ip + 6);
	p->frag_offset = (uint16_t)((frag & 0x1fffu) * 8u);
	p->frag_more = (frag & 0x2000u) != 0;
	if (p->frag_offset != 0 || p->frag_more) {
		p->layers |= PKT_FRAGMENT;
		if (p->frag_offset != 0)
			return;		/* no transport header here */
	}
	classify_l4(p, ip + hlen, tot - hlen);
}

static int
ipv6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 ||
	    nh == 135 || nh == 139 || nh == 140;
}

static void
classify_ipv6(struct packet *p, const uint8_t *ip, uint32_t len)
{
	uint32_t plen, off;
	uint8_t nh;
	int hops;

	if (len < 40 || (ip[0] >> 4) != 6) {
		p->layers |= PKT_INVALID;
		return;
	}
	plen = rd16(ip + 4);
	if (40 + plen > len) {
		p->layers |= PKT_INVALID;
		return;
	}
	p->layers |= PKT_IPV6;
	p->ip_version = 6;
	p->l3 = ip;
	p->l3_len = 40 + plen;
	p->tos = (uint8_t)((rd16(ip) >> 4) & 0xff);
	p->ttl = ip[7];
	addr_from_v6(&p->src, ip + 8);
	addr_from_v6(&p->dst, ip + 24);
	nh = ip[6];
	off = 40;
	/* At most 8 extension headers: more is an evasion, not a packet. */
	for (hops = 0; ipv6_ext(nh); hops++) {
		uint32_t elen;

		if (hops == 8 || off + 8 > p->l3_len) {
			p->layers |= PKT_INVALID;
			return;
		}
		if (nh == 44) {
			uint16_t fo = rd16(ip + off + 2);

			p->layers |= PKT_FRAGMENT;
			p->frag_offset = (uint16_t)(fo & 0xfff8u);
			p->frag_more = fo & 1u;
			p->ip_frag_id = rd32(ip + off + 4);
			elen = 8;
		} else if (nh == 51) {
			elen = (ip[off + 1] + 2u) * 4u;
		} else {
			elen = (ip[off + 1] + 1u) * 8u;
		}
		nh = ip[off];
		off += elen;
		if (off > p->l3_len) {
			p->layers |= PKT_INVALID;
			return;
		}
		if ((p->layers & PKT_FRAGMENT) && p->frag_offset != 0) {
			p->ip_proto = nh;
			p->l3_hlen = (uint16_t)off;
			return;
		}
	}
	p->ip_proto = nh;
	p->l3_hlen = (uint16_t)off;
	if (nh == 59)
		return;
	classify_l4(p, ip + off, p->l3_len - off);
}

void
classify_frame(struct packet *p, const uint8_t *frame, uint32_t len,
    uint32_t wirelen, uint64_t ts_ns)
{
	uint32_t off = ETH_HLEN_;
	uint16_t type;

	packet_clear(p);
	p->ts_ns = ts_ns;
	p->frame = frame;
	p->caplen = len;
	p->wirelen = wirelen;
	p->linktype = 1;
	if (len < wirelen)
		p->layers |= PKT_TRUNCATED;
	if (len < ETH_HLEN_) {
		p->layers |= PKT_INVALID;
		return;
	}
	p->layers |= PKT_ETH;
	p->eth_dst = frame;
	p->eth_src = frame + 6;
	type = rd16(frame + 12);
	while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ) {
		if (off + 4 > len || p->vlan_count == 2) {
			p->layers |= PKT_INVALID;
			p->ethertype = type;
			return;
		}
		p->layers |= PKT_VLAN;
		p->vlan_id[p->vlan_count++] = rd16(frame + off) & 0x0fff;
		type = rd16(frame + off + 2);
		off += 4;
	}
	p->ethertype = type;
	switch (type) {
	case ETHERTYPE_ARP:
		/* Ethernet/IPv4 ARP only: 28 bytes. */
		if (off + 28 > len || rd16(frame + off) != 1 ||
		    rd16(frame + off + 2) != ETHERTYPE_IPV4 ||
		    frame[off + 4] != 6 || frame[off + 5] != 4) {
			p->layers |= PKT_INVALID;
			return;
		}
		p->layers |= PKT_ARP;
		p->arp_op = rd16(frame + off + 6);
		addr_from_v4(&p->arp_sender, frame + off + 14);
		addr_from_v4(&p->arp_target, frame + off + 24);
		return;
	case ETHERTYPE_IPV4:
		classify_ipv4(p, frame + off, len - off);
		return;
	case ETHERTYPE_IPV6:
		classify_ipv6(p, frame + off, len - off);
		return;
	default:
		return;
	}
}
