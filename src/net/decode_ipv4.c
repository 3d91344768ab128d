/* summary: IPv4 decoder (RFC 791): header checks, options, fragments. */
#include "net/decode_int.h"
#include "net/defrag.h"

#define IPV4_HLEN_MIN 20

/* Options are type-length-value except EOL (0) and NOP (1).  Returns the
 * anomaly of the first bad option, ANOM_NONE if all are well formed. */
static enum decode_anomaly
check_options(const struct span *o)
{
	uint32_t i = 0;
	while (i < o->len) {
		uint8_t t = span_get_u8(o, i);
		if (t == 0)
			break;
		if (t == 1) {
			i++;
			continue;
		}
		if (!span_has(o, i, 2))
			return ANOM_IPV4_OPT_MALFORMED;
		uint8_t l = span_get_u8(o, i + 1);
		if (l < 2)
			return ANOM_IPV4_OPT_INVALID_LEN;
		if (!span_has(o, i, l))
			return ANOM_IPV4_OPT_MALFORMED;
		i += l;
	}
	return ANOM_NONE;
}

static void ipv4_datagram(struct decoder *d, struct packet *p, struct span s,
    bool reassembled);

static void
ipv4_fragment(struct decoder *d, struct packet *p, struct span ip,
    uint32_t hlen, uint32_t tot)
{
	uint32_t plen = tot - hlen;

	p->layers |= PKT_FRAGMENT;
	if ((uint32_t)p->frag_offset + tot > 65535) {
		decode_set_anomaly(d, p, ANOM_IPV4_FRAG_PKT_TOO_LARGE, true);
		return;
	}
	if (p->frag_more && (plen % 8 != 0 || plen == 0)) {
		decode_set_anomaly(d, p, ANOM_IPV4_FRAG_INVALID_LENGTH, true);
		return;
	}
	/* A fragment the capture cut cannot be reassembled. */
	if (d->defrag == NULL || ip.len < tot)
		return;
	struct defrag_frag f = {
		.version = 4,
		.proto = p->ip_proto,
		.id = p->ip_id,
		.src = ip.p + 12,
		.dst = ip.p + 16,
		.hdr = ip.p,
		.hdr_len = hlen,
		.offset = p->frag_offset,
		.data = ip.p + hlen,
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
		ipv4_datagram(d, p, span_make(d->reasm, out_len), true);
	}
}

static void
ipv4_datagram(struct decoder *d, struct packet *p, struct span s,
    bool reassembled)
{
	if (!span_has(&s, 0, IPV4_HLEN_MIN)) {
		if (!decode_cut_by_snaplen(d, IPV4_HLEN_MIN, s.len))
			decode_set_anomaly(d, p, ANOM_IPV4_PKT_TOO_SMALL, true);
		return;
	}
	uint8_t vh = span_get_u8(&s, 0);
	if (vh >> 4 != 4) {
		decode_set_anomaly(d, p, ANOM_IPV4_WRONG_IP_VERSION, true);
		return;
	}
	uint32_t hlen = (vh & 0x0fu) * 4;
	if (hlen < IPV4_HLEN_MIN) {
		decode_set_anomaly(d, p, ANOM_IPV4_HLEN_TOO_SMALL, true);
		return;
	}
	uint32_t tot = span_get_be16(&s, 2);
	if (tot < hlen) {
		decode_set_anomaly(d, p, ANOM_IPV4_IPLEN_SMALLER_THAN_HLEN, true);
		return;
	}
	if (tot > s.len && !decode_cut_by_snaplen(d, tot, s.len)) {
		decode_set_anomaly(d, p, ANOM_IPV4_TRUNC_PKT, true);
		return;
	}
	struct span ip = span_head(&s, tot);	/* drops link-layer padding */

	p->layers |= PKT_IPV4;
	if (!reassembled)
		d->stats[DSTAT_IPV4]++;
	p->ip_version = 4;
	p->tos = span_get_u8(&ip, 1);
	p->ip_id = span_get_be16(&ip, 4);
	p->ip_frag_id = p->ip_id;
	/* tested from this local below, not from p: reading back the two
	 * narrow fields just stored defeats store forwarding */
	uint16_t frag = span_get_be16(&ip, 6);
	p->frag_offset = (uint16_t)((frag & 0x1fffu) * 8u);
	p->frag_more = (frag & 0x2000u) != 0;
	p->ttl = span_get_u8(&ip, 8);
	p->ip_proto = span_get_u8(&ip, 9);
	addr_from_v4(&p->src, ip.p + 12);
	addr_from_v4(&p->dst, ip.p + 16);
	p->l3 = ip.p;
	p->l3_len = ip.len;
	p->l3_hlen = (uint16_t)hlen;
	if (!span_has(&ip, 0, hlen))
		return;		/* options cut by the snaplen */

	struct span hdr = span_head(&ip, hlen);
	struct span opts = span_from(&hdr, IPV4_HLEN_MIN);
	if (opts.len) {
		enum decode_anomaly a = check_options(&opts);
		if (a != ANOM_NONE) {
			decode_set_anomaly(d, p, a, true);
			return;
		}
	}
	if (!reassembled && (frag & 0x3fffu) != 0) {
		ipv4_fragment(d, p, ip, hlen, tot);
		return;
	}
	decode_l4(d, p, p->ip_proto, span_from(&ip, hlen), tot - hlen);
}

void
decode_ipv4(struct decoder *d, struct packet *p, struct span s)
{
	ipv4_datagram(d, p, s, false);
}
