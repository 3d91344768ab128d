/* summary: inline actions: replace with checksum fix-up, and the reject frames (TCP RST, ICMP unreachable). */
#include <string.h>

#include "detect/detect_int.h"
#include "net/checksum.h"
#include "net/packet.h"

/*
 * replace rewrites bytes of the L4 payload in place (same length, so no
 * other header changes) and updates the transport checksum incrementally
 * (RFC 1624) rather than recomputing it, which stays right even when the
 * capture is truncated.  UDP over IPv4 with no checksum (0) stays without.
 */
void
detect_replace_bytes(struct packet *p, uint8_t *at, const uint8_t *with, uint32_t n)
{
	uint8_t *l4 = (uint8_t *)(uintptr_t)p->l4;
	size_t off, csum_off = 0;
	int has = 0;
	uint16_t c;

	if (l4 == NULL || at < l4 || at + n > l4 + p->l4_len) {
		return;
	}
	off = (size_t)(at - l4);
	if (p->layers & PKT_TCP) {
		csum_off = 16;
		has = p->l4_len >= 18;
	} else if (p->layers & PKT_UDP) {
		csum_off = 6;
		has = p->l4_len >= 8;
		if (has && l4[6] == 0 && l4[7] == 0 && p->ip_version == 4)
			has = 0;	/* no checksum */
	} else if (p->layers & (PKT_ICMP | PKT_ICMPV6)) {
		csum_off = 2;
		has = p->l4_len >= 4;
	}
	if (has) {
		memcpy(&c, l4 + csum_off, 2);
		c = csum_update_bytes(c, at, with, n, (off & 1) != 0);
		if ((p->layers & PKT_UDP) && c == 0)
			c = 0xffff;
		memcpy(l4 + csum_off, &c, 2);
	}
	memcpy(at, with, n);
}

/* ---- reject frames -------------------------------------------------------- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Ethernet + IP header for a frame from (src) to (dst); returns the IP header
 * length; *l3 points at the IP header. */
static size_t
put_eth_ip(uint8_t *out, const uint8_t *eth_dst, const uint8_t *eth_src,
    const struct packet *p, const struct addr *src, const struct addr *dst,
    uint8_t proto, size_t l4len, uint8_t **l3)
{
	uint8_t *ip = out + 14;

	memcpy(out, eth_dst, 6);
	memcpy(out + 6, eth_src, 6);
	if (p->ip_version == 4) {
		uint16_t c;

		put16(out + 12, 0x0800);
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + l4len));
		ip[6] = 0x40;	/* DF */
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, src->b, 4);
		memcpy(ip + 16, dst->b, 4);
		c = ip_checksum(ip, 20);
		memcpy(ip + 10, &c, 2);
		*l3 = ip;
		return 20;
	}
	put16(out + 12, 0x86dd);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)l4len);
	ip[6] = proto;
	ip[7] = 64;
	memcpy(ip + 8, src->b, 16);
	memcpy(ip + 24, dst->b, 16);
	*l3 = ip;
	return 40;
}

static size_t
build_rst(const struct packet *p, int to_sender, uint8_t *out)
{
	const uint8_t *eth_dst = to_sender ? p->eth_src : p->eth_dst;
	const uint8_t *eth_src = to_sender ? p->eth_dst : p->eth_src;
	const struct addr *src = to_sender ? &p->dst : &p->src;
	const struct addr *dst = to_sender ? &p->src : &p->dst;
	uint32_t seglen = p->payload_len + ((p->tcp_flags & TCP_SYN) ? 1 : 0) +
	    ((p->tcp_flags & TCP_FIN) ? 1 : 0);
	uint8_t *l3, *tcp;
	size_t hl = put_eth_ip(out, eth_dst, eth_src, p, src, dst, 6, 20, &l3);
	uint16_t c;

	tcp = l3 + hl;
	memset(tcp, 0, 20);
	if (to_sender) {
		put16(tcp, p->dport);
		put16(tcp + 2, p->sport);
		/* the sender expects our seq at its ack */
		put32(tcp + 4, (p->tcp_flags & TCP_ACK) ? p->tcp_ack : 0);
		put32(tcp + 8, p->tcp_seq + seglen);
		tcp[13] = TCP_RST | TCP_ACK;
	} else {
		put16(tcp, p->sport);
		put16(tcp + 2, p->dport);
		put32(tcp + 4, p->tcp_seq + seglen);
		put32(tcp + 8, p->tcp_ack);
		tcp[13] = (p->tcp_flags & TCP_ACK) ? (TCP_RST | TCP_ACK) : TCP_RST;
	}
	tcp[12] = 5 << 4;
	c = l4_checksum(p->ip_version == 4 ? 4 : 6, src->b, dst->b, 6, tcp, 20);
	memcpy(tcp + 16, &c, 2);
	return 14 + hl + 20;
}

/* ICMP port unreachable (v4 3/3, v6 1/4) to the sender, quoting its packet. */
static size_t
build_unreach(const struct packet *p, uint8_t *out)
{
	size_t quote = p->l3_len, max = p->ip_version == 4 ? 8 + p->l3_hlen : 1232;
	uint8_t *l3, *icmp;
	size_t hl;
	uint16_t c;

	if (max > DETECT_REJECT_FRAME_MAX - 14 - 40 - 8)
		max = DETECT_REJECT_FRAME_MAX - 14 - 40 - 8;
	if (quote > max)
		quote = max;
	hl = put_eth_ip(out, p->eth_src, p->eth_dst, p, &p->dst, &p->src,
	    p->ip_version == 4 ? 1 : 58, 8 + quote, &l3);
	icmp = l3 + hl;
	memset(icmp, 0, 8);
	icmp[0] = p->ip_version == 4 ? 3 : 1;
	icmp[1] = p->ip_version == 4 ? 3 : 4;
	memcpy(icmp + 8, p->l3, quote);
	if (p->ip_version == 4)
		c = inet_checksum(icmp, 8 + quote);
	else
		c = l4_checksum(6, p->dst.b, p->src.b, 58, icmp, 8 + quote);
	memcpy(icmp + 2, &c, 2);
	return 14 + hl + 8 + quote;
}

int
detect_build_reject(const struct packet *p, uint32_t which,
    uint8_t out[2][DETECT_REJECT_FRAME_MAX], size_t len[2])
{
	int n = 0;

	if (p->eth_src == NULL || p->eth_dst == NULL || p->l3 == NULL ||
	    (p->ip_version != 4 && p->ip_version != 6))
		return 0;
	if (p->layers & PKT_TCP) {
		if (p->tcp_flags & TCP_RST)
			return 0;	/* never answer a RST */
		if (which & DETECT_R_REJECT_SRC) {
			len[n] = build_rst(p, 1, out[n]);
			n++;
		}
		if (which & DETECT_R_REJECT_DST) {
			len[n] = build_rst(p, 0, out[n]);
			n++;
		}
		return n;
	}
	/* never answer ICMP errors with ICMP errors */
	if ((p->layers & PKT_ICMP) && p->icmp_type != 0 && p->icmp_type != 8 &&
	    p->icmp_type != 13 && p->icmp_type != 15 && p->icmp_type != 17)
		return 0;
	if ((p->layers & PKT_ICMPV6) && p->icmp_type < 128)
		return 0;
	if (which & DETECT_R_REJECT_SRC) {
		len[n] = build_unreach(p, out[n]);
		n++;
	}
	return n;
}
