/* summary: ICMPv6 decoder (RFC 4443): type, code, echo id and sequence. */
#include "net/decode_int.h"

#define ICMPV6_HLEN 8	/* type, code, checksum and the 4-byte body start */

void
decode_icmpv6(struct decoder *d, struct packet *p, struct span s,
    uint32_t wirelen)
{
	if (!span_has(&s, 0, ICMPV6_HLEN) || wirelen < ICMPV6_HLEN) {
		if (wirelen < ICMPV6_HLEN ||
		    !decode_cut_by_snaplen(d, ICMPV6_HLEN, s.len))
			decode_set_anomaly(d, p, ANOM_ICMPV6_PKT_TOO_SMALL,
			    true);
		return;
	}
	p->layers |= PKT_ICMPV6;
	d->stats[DSTAT_ICMPV6]++;
	p->icmp_type = span_get_u8(&s, 0);
	p->icmp_code = span_get_u8(&s, 1);
	if (p->icmp_type == 128 || p->icmp_type == 129) {
		p->icmp_id = span_get_be16(&s, 4);
		p->icmp_seq = span_get_be16(&s, 6);
	}
	p->l4 = s.p;
	p->l4_len = s.len < wirelen ? s.len : wirelen;
	p->payload_wirelen = wirelen - ICMPV6_HLEN;
	if (p->l4_len > ICMPV6_HLEN) {
		p->payload = s.p + ICMPV6_HLEN;
		p->payload_len = p->l4_len - ICMPV6_HLEN;
	}
}
