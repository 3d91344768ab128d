/* summary: test helper: craft Ethernet/VLAN/IPv4/IPv6/TCP/UDP/ICMP frames. */
#include "pktbuild.h"

#include <arpa/inet.h>
#include <string.h>

#include "net/checksum.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* Parses both addresses; returns 4, 6, or 0 on error. */
static int
addrs(const struct pb_spec *s, uint8_t src[16], uint8_t dst[16])
{
	if (s->src == NULL || s->dst == NULL)
		return 0;
	if (inet_pton(AF_INET, s->src, src) == 1 &&
	    inet_pton(AF_INET, s->dst, dst) == 1)
		return 4;
	if (inet_pton(AF_INET6, s->src, src) == 1 &&
	    inet_pton(AF_INET6, s->dst, dst) == 1)
		return 6;
	return 0;
}

static uint8_t
proto_of(const struct pb_spec *s)
{
	return s->proto ? s->proto : PB_TCP;
}

size_t
pb_l4(const struct pb_spec *s, uint8_t *out, size_t cap)
{
	uint8_t src[16], dst[16];
	int fam = addrs(s, src, dst);
	if (fam == 0)
		return 0;
	uint8_t proto = proto_of(s);
	size_t h;
	switch (proto) {
	case PB_TCP:
		if (s->tcp_opts_len % 4 || s->tcp_opts_len > 40)
			return 0;
		h = 20 + s->tcp_opts_len;
		break;
	case PB_UDP: case PB_ICMP: case PB_ICMPV6:
		h = 8;
		break;
	default:
		h = 0;		/* other protocols: the payload alone */
		break;
	}
	size_t n = h + s->payload_len;
	if (n > cap || n > 65535)
		return 0;
	memset(out, 0, h);
	if (s->payload_len)
		memcpy(out + h, s->payload, s->payload_len);
	switch (proto) {
	case PB_TCP:
		put16(out, s->sport);
		put16(out + 2, s->dport);
		put32(out + 4, s->seq);
		put32(out + 8, s->ack);
		out[12] = (uint8_t)((h / 4) << 4);
		out[13] = s->flags;
		put16(out + 14, s->win ? s->win : 65535);
		if (s->tcp_opts_len)
			memcpy(out + 20, s->tcp_opts, s->tcp_opts_len);
		break;
	case PB_UDP:
		put16(out, s->sport);
		put16(out + 2, s->dport);
		put16(out + 4, (uint16_t)n);
		break;
	case PB_ICMP: case PB_ICMPV6:
		out[0] = s->icmp_type;
		out[1] = s->icmp_code;
		put16(out + 4, s->icmp_id);
		put16(out + 6, s->icmp_seq);
		break;
	default:
		return n;
	}
	uint16_t c;
	if (proto == PB_ICMP)
		c = inet_checksum(out, n);
	else
		c = l4_checksum(fam, src, dst, proto, out, n);
	size_t coff = proto == PB_TCP ? 16 : proto == PB_UDP ? 6 : 2;
	memcpy(out + coff, &c, 2);
	return n;
}

/* Offset in ext of the next-header byte of the last extension header. */
static size_t
last_ext_nh(const struct pb_spec *s)
{
	size_t off = 0, last = 0;
	uint8_t type = s->ip6_ext_nh;
	while (off + 2 <= s->ip6_ext_len) {
		last = off;
		size_t l = type == 44 ? 8 : type == 51 ?
		    (s->ip6_ext[off + 1] + 2u) * 4u : (s->ip6_ext[off + 1] + 1u) * 8u;
		type = s->ip6_ext[off];
		off += l;
	}
	return last;
}

static size_t
build(const struct pb_spec *s, const uint8_t *ipl, size_t plen, int frag,
    uint32_t frag_id, uint32_t off, int more, uint8_t *out, size_t cap)
{
	uint8_t src[16], dst[16];
	int fam = addrs(s, src, dst);
	if (fam == 0 || s->vlan_count > 2)
		return 0;
	uint8_t proto = proto_of(s);
	size_t pos = 0;

	if (s->link == PB_LINK_ETH) {
		static const uint8_t dsrc[6] = { 2, 0, 0, 0, 0, 1 };
		static const uint8_t ddst[6] = { 2, 0, 0, 0, 0, 2 };
		static const uint8_t zero[6];
		size_t need = 14 + 4u * s->vlan_count;
		if (cap < need)
			return 0;
		memcpy(out, memcmp(s->eth_dst, zero, 6) ? s->eth_dst : ddst, 6);
		memcpy(out + 6, memcmp(s->eth_src, zero, 6) ? s->eth_src : dsrc,
		    6);
		pos = 12;
		for (unsigned i = 0; i < s->vlan_count; i++) {
			uint16_t tpid = i == 0 && s->outer_tpid ? s->outer_tpid :
			    0x8100;
			put16(out + pos, tpid);
			put16(out + pos + 2, s->vlan[i]);
			pos += 4;
		}
		put16(out + pos, fam == 4 ? 0x0800 : 0x86dd);
		pos += 2;
	}

	if (fam == 4) {
		if (s->ip4_opts_len % 4 || s->ip4_opts_len > 40)
			return 0;
		size_t hlen = 20 + s->ip4_opts_len;
		size_t tot = hlen + plen;
		if (tot > 65535 || pos + tot > cap)
			return 0;
		uint8_t *ip = out + pos;
		memset(ip, 0, hlen);
		ip[0] = (uint8_t)(0x40 | hlen / 4);
		ip[1] = s->tos;
		put16(ip + 2, (uint16_t)tot);
		put16(ip + 4, frag ? (uint16_t)frag_id : s->ip_id);
		uint16_t fo = (uint16_t)((off / 8) & 0x1fff);
		if (more)
			fo |= 0x2000;
		if (s->df)
			fo |= 0x4000;
		put16(ip + 6, fo);
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = proto;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		if (s->ip4_opts_len)
			memcpy(ip + 20, s->ip4_opts, s->ip4_opts_len);
		uint16_t c = ip_checksum(ip, hlen);
		memcpy(ip + 10, &c, 2);
		memcpy(ip + hlen, ipl, plen);
		return pos + tot;
	}

	size_t ext = s->ip6_ext_len + (frag ? 8 : 0);
	size_t tot = 40 + ext + plen;
	if (tot - 40 > 65535 || pos + tot > cap)
		return 0;
	uint8_t *ip = out + pos;
	memset(ip, 0, 40);
	put32(ip, 0x60000000u | (uint32_t)s->tos << 20);
	put16(ip + 4, (uint16_t)(tot - 40));
	ip[6] = s->ip6_ext_len ? s->ip6_ext_nh : frag ? 44 : proto;
	ip[7] = s->ttl ? s->ttl : 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	size_t q = 40;
	if (s->ip6_ext_len) {
		memcpy(ip + q, s->ip6_ext, s->ip6_ext_len);
		if (frag)
			ip[q + last_ext_nh(s)] = 44;
		q += s->ip6_ext_len;
	}
	if (frag) {
		ip[q] = proto;
		ip[q + 1] = 0;
		put16(ip + q + 2, (uint16_t)((off & 0xfff8) | (more ? 1 : 0)));
		put32(ip + q + 4, frag_id);
		q += 8;
	}
	memcpy(ip + q, ipl, plen);
	return pos + tot;
}

size_t
pb_frame(const struct pb_spec *s, uint8_t *out, size_t cap)
{
	uint8_t l4[65536];
	size_t n = pb_l4(s, l4, sizeof(l4));
	if (n == 0 && (s->payload_len || proto_of(s) == PB_TCP ||
	    proto_of(s) == PB_UDP || proto_of(s) == PB_ICMP ||
	    proto_of(s) == PB_ICMPV6))
		return 0;
	return build(s, l4, n, 0, 0, 0, 0, out, cap);
}

size_t
pb_fragment_raw(const struct pb_spec *s, uint32_t frag_id, uint32_t off,
    const uint8_t *data, uint32_t len, int more, uint8_t *out, size_t cap)
{
	return build(s, data, len, 1, frag_id, off, more, out, cap);
}

size_t
pb_fragment(const struct pb_spec *s, uint32_t frag_id, uint32_t off,
    uint32_t len, int more, uint8_t *out, size_t cap)
{
	uint8_t l4[65536];
	size_t n = pb_l4(s, l4, sizeof(l4));
	if (n == 0 || off > n || len > n - off)
		return 0;
	return build(s, l4 + off, len, 1, frag_id, off, more, out, cap);
}
