/* summary: ICMP (v4) decoder (RFC 792): type, code, echo id and sequence. */
#include "net/decode_int.h"

#define ICMP_HLEN 8

void
decode_icmpv4(struct decoder *d, struct packet *p, struct span s,
    uint32_t wirelen)
{
	if (!span_has(&s, 0, ICMP_HLEN) || wirelen < ICMP_HLEN) {
		if (wirelen < ICMP_HLEN ||
		    !decode_cut_by_snaplen(d, ICMP_HLEN, s.len))
			decode_set_anomaly(d, p, ANOM_ICMPV4_PKT_TOO_SMALL,
			    true);
		return;
	}
	p->layers |= PKT_ICMP;
	d->stats[DSTAT_ICMPV4]++;
	p->icmp_type = span_get_u8(&s, 0);
	p->icmp_code = span_get_u8(&s, 1);
	switch (p->icmp_type) {
	case 0: case 8:		/* echo reply, echo */
	case 13: case 14:	/* timestamp */
	case 15: case 16:	/* information */
	case 17: case 18:	/* address mask */
		p->icmp_id = span_get_be16(&s, 4);
		p->icmp_seq = span_get_be16(&s, 6);
		break;
	default:
		break;
	}
	p->l4 = s.p;
	p->l4_len = s.len < wirelen ? s.len : wirelen;
	p->payload_wirelen = wirelen - ICMP_HLEN;
	if (p->l4_len > ICMP_HLEN) {
		p->payload = s.p + ICMP_HLEN;
		p->payload_len = p->l4_len - ICMP_HLEN;
	}
}
