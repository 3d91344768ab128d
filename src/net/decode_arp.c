/* summary: ARP decoder (RFC 826); addresses kept for Ethernet/IPv4 ARP. */
#include "net/decode_int.h"

#define ARP_FIXED 8

void
decode_arp(struct decoder *d, struct packet *p, struct span s)
{
	if (!span_has(&s, 0, ARP_FIXED)) {
		if (!decode_cut_by_snaplen(d, ARP_FIXED, s.len))
			decode_set_anomaly(d, p, ANOM_ARP_PKT_TOO_SMALL, true);
		return;
	}
	uint16_t htype = span_get_be16(&s, 0);
	uint16_t ptype = span_get_be16(&s, 2);
	uint8_t hlen = span_get_u8(&s, 4);
	uint8_t plen = span_get_u8(&s, 5);
	uint32_t need = ARP_FIXED + 2u * hlen + 2u * plen;
	if (!span_has(&s, 0, need)) {
		if (!decode_cut_by_snaplen(d, need, s.len))
			decode_set_anomaly(d, p, ANOM_ARP_PKT_TOO_SMALL, true);
		return;
	}
	p->layers |= PKT_ARP;
	d->stats[DSTAT_ARP]++;
	p->arp_op = span_get_be16(&s, 6);
	if (htype == 1 && ptype == 0x0800) {
		if (hlen != 6 || plen != 4) {
			decode_set_anomaly(d, p, ANOM_ARP_INVALID_SIZES, true);
			return;
		}
		addr_from_v4(&p->arp_sender, span_ptr(&s, 14, 4));
		addr_from_v4(&p->arp_target, span_ptr(&s, 24, 4));
	}
}
