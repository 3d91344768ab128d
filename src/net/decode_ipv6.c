/* summary: IPv6 decoder (RFC 8200): extension header chain, fragments. */
#include "net/decode_int.h"
#include "net/defrag.h"

#define IPV6_HLEN 40
#define IPV6_MAX_EXTHDRS 8	/* bound on the chain walked per packet */

enum {
	NH_HOPOPTS = 0, NH_ROUTING = 43, NH_FRAGMENT = 44, NH_AH = 51,
	NH_DSTOPTS = 60,
};

/* Hop-by-hop and destination options: TLVs, Pad1 a single zero byte. */
static bool
options_ok(const struct span *h)
{
	uint32_t i = 2;
	while (i < h->len) {
		if (span_get_u8(h, i) == 0) {
			i++;
			continue;
		}
		if (!span_has(h, i, 2))
			return false;
		uint32_t l = 2u + span_get_u8(h, i + 1);
		if (!span_has(h, i, l))
			return false;
		i += l;
	}
	return true;
}

static void ipv6_datagram(struct decoder *d, struct packet *p, struct span s,
    bool reassembled);

/* A fragment header at `off` (8 bytes, present); nh_off names it. */
static void
ipv6_fragment(struct decoder *d, struct packet *p, struct span ip,
    uint32_t wirelen, uint32_t off, uint32_t nh_off)
{
	uint16_t fo = span_get_be16(&ip, off + 2);
	uint32_t plen = wirelen - (off + 8);

	p->layers |= PKT_FRAGMENT;
	p->ip_proto = span_get_u8(&ip, off);
	p->ip_frag_id = span_get_be32(&ip, off + 4);
	p->frag_offset = fo & 0xfff8u;
	p->frag_more = fo & 1u;
	p->l3_hlen = (uint16_t)(off + 8);
	if ((uint32_t)p->frag_offset + plen > 65535) {
		decode_set_anomaly(d, p, ANOM_IPV6_FRAG_PKT_TOO_LARGE, true);
		return;
	}
	if (p->frag_more && (plen % 8 != 0 || plen == 0)) {
		decode_set_anomaly(d, p, ANOM_IPV6_FRAG_INVALID_LENGTH, true);
		return;
	}
	if (d->defrag == NULL || ip.len < wirelen)
		return;
	struct defrag_frag f = {
		.version = 6,
		.proto = p->ip_proto,
		.id = p->ip_frag_id,
		.src = ip.p + 8,
		.dst = ip.p + 24,
		.hdr = ip.p,
		.hdr_len = off,
		.nh_off = nh_off,
		.offset = p->frag_offset,
		.data = ip.p + off + 8,
		.len = plen,
		.more = p->frag_more,
		.ts_ns = p->ts_ns,
	};
	uint32_t out_len;
	enum decode_anomaly a;
	enum defrag_result r = defrag_add(d->defrag, &f, d->reasm, &out_len,
	    &a);
	if (a != ANOM_NONE)
		decode_set_anomaly(d, p, a, r == DEFRAG_DROPPED);
	if (r == DEFRAG_DONE) {
		p->layers |= PKT_REASSEMBLED;
		ipv6_datagram(d, p, span_make(d->reasm, out_len), true);
	}
}

/* Stops decoding at a header the capture lacks: an anomaly unless the
 * snaplen explains it. */
static void
ext_truncated(struct decoder *d, struct packet *p, uint32_t need,
    uint32_t have)
{
	if (!decode_cut_by_snaplen(d, need, have))
		decode_set_anomaly(d, p, ANOM_IPV6_TRUNC_EXTHDR, true);
}

static void
ipv6_datagram(struct decoder *d, struct packet *p, struct span s,
    bool reassembled)
{
	if (!span_has(&s, 0, IPV6_HLEN)) {
		if (!decode_cut_by_snaplen(d, IPV6_HLEN, s.len))
			decode_set_anomaly(d, p, ANOM_IPV6_PKT_TOO_SMALL, true);
		return;
	}
	if (span_get_u8(&s, 0) >> 4 != 6) {
		decode_set_anomaly(d, p, ANOM_IPV6_WRONG_IP_VERSION, true);
		return;
	}
	uint8_t nh = span_get_u8(&s, 6);
	uint32_t tot = IPV6_HLEN + span_get_be16(&s, 4);
	if (tot == IPV6_HLEN && nh == NH_HOPOPTS)
		tot = s.len;	/* jumbogram (RFC 2675): length in the option */
	if (tot > s.len && !decode_cut_by_snaplen(d, tot, s.len)) {
		decode_set_anomaly(d, p, ANOM_IPV6_TRUNC_PKT, true);
		return;
	}
	struct span ip = span_head(&s, tot);

	p->layers |= PKT_IPV6;
	if (!reassembled)
		d->stats[DSTAT_IPV6]++;
	p->ip_version = 6;
	p->tos = (uint8_t)(span_get_be16(&ip, 0) >> 4);
	p->ttl = span_get_u8(&ip, 7);
	addr_from_v6(&p->src, ip.p + 8);
	addr_from_v6(&p->dst, ip.p + 24);
	p->l3 = ip.p;
	p->l3_len = ip.len;

	uint32_t off = IPV6_HLEN, nh_off = 6;
	unsigned n = 0, dstopts = 0;
	bool seen_hh = false, seen_rh = false, seen_fh = reassembled;
	for (;;) {
		p->ip_proto = nh;
		p->l3_hlen = (uint16_t)off;
		if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_FRAGMENT &&
		    nh != NH_AH && nh != NH_DSTOPTS)
			break;
		if (++n > IPV6_MAX_EXTHDRS) {
			decode_set_anomaly(d, p, ANOM_IPV6_EXTHDR_TOO_MANY, true);
			return;
		}
		uint32_t minlen = nh == NH_FRAGMENT ? 8 : 2;
		if (!span_has(&ip, off, minlen)) {
			ext_truncated(d, p, off + minlen, ip.len);
			return;
		}
		uint8_t l = span_get_u8(&ip, off + 1);
		uint32_t elen = nh == NH_FRAGMENT ? 8u :
		    nh == NH_AH ? (l + 2u) * 4u : (l + 1u) * 8u;
		if (!span_has(&ip, off, elen)) {
			ext_truncated(d, p, off + elen, ip.len);
			return;
		}
		struct span h = span_make(ip.p + off, elen);
		switch (nh) {
		case NH_HOPOPTS:
		case NH_DSTOPTS:
			if (nh == NH_HOPOPTS && seen_hh)
				decode_set_anomaly(d, p,
				    ANOM_IPV6_EXTHDR_DUPL_HH, false);
			if (nh == NH_DSTOPTS && ++dstopts > 2)
				decode_set_anomaly(d, p,
				    ANOM_IPV6_EXTHDR_DUPL_DH, false);
			seen_hh |= nh == NH_HOPOPTS;
			if (!options_ok(&h)) {
				decode_set_anomaly(d, p,
				    ANOM_IPV6_EXTHDR_INVALID_OPTLEN, true);
				return;
			}
			break;
		case NH_ROUTING:
			if (seen_rh)
				decode_set_anomaly(d, p,
				    ANOM_IPV6_EXTHDR_DUPL_RH, false);
			seen_rh = true;
			if (span_get_u8(&h, 2) == 0)
				decode_set_anomaly(d, p, ANOM_IPV6_RH_TYPE_0,
				    false);
			break;
		case NH_FRAGMENT:
			if (seen_fh) {
				decode_set_anomaly(d, p,
				    ANOM_IPV6_EXTHDR_DUPL_FH, true);
				return;
			}
			seen_fh = true;
			if (span_get_u8(&h, 1) != 0)
				decode_set_anomaly(d, p,
				    ANOM_IPV6_FH_NON_ZERO_RESERVED, false);
			/* offset 0 without M: an atomic fragment (RFC 6946),
			 * processed as an unfragmented packet */
			if ((span_get_be16(&h, 2) & 0xfff9u) != 0) {
				ipv6_fragment(d, p, ip, tot, off, nh_off);
				return;
			}
			break;
		default:	/* NH_AH */
			break;
		}
		nh = span_get_u8(&h, 0);
		nh_off = off;
		off += elen;
	}
	decode_l4(d, p, nh, span_from(&ip, off), tot - off);
}

void
decode_ipv6(struct decoder *d, struct packet *p, struct span s)
{
	ipv6_datagram(d, p, s, false);
}
