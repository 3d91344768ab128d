/* summary: UDP decoder (RFC 768): ports and the length field. */
#include "net/decode_int.h"

#define UDP_HLEN 8

void
decode_udp(struct decoder *d, struct packet *p, struct span s,
    uint32_t wirelen)
{
	if (!span_has(&s, 0, UDP_HLEN) || wirelen < UDP_HLEN) {
		if (wirelen < UDP_HLEN ||
		    !decode_cut_by_snaplen(d, UDP_HLEN, s.len))
			decode_set_anomaly(d, p, ANOM_UDP_PKT_TOO_SMALL, true);
		return;
	}
	uint32_t ulen = span_get_be16(&s, 4);
	if (ulen == 0 && p->ip_version == 6 && wirelen > 65535)
		ulen = wirelen;		/* jumbogram (RFC 2675) */
	if (ulen < UDP_HLEN) {
		decode_set_anomaly(d, p, ANOM_UDP_HLEN_TOO_SMALL, true);
		return;
	}
	if (ulen > wirelen) {
		decode_set_anomaly(d, p, ANOM_UDP_HLEN_INVALID, true);
		return;
	}
	p->layers |= PKT_UDP;
	d->stats[DSTAT_UDP]++;
	p->sport = span_get_be16(&s, 0);
	p->dport = span_get_be16(&s, 2);
	p->l4 = s.p;
	p->l4_len = s.len < ulen ? s.len : ulen;
	p->payload_wirelen = ulen - UDP_HLEN;
	if (p->l4_len > UDP_HLEN) {
		p->payload = s.p + UDP_HLEN;
		p->payload_len = p->l4_len - UDP_HLEN;
	}
}
