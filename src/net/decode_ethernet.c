/* summary: Ethernet II decoder and the ethertype dispatch shared by link layers. */
#include "net/decode_int.h"

#define ETH_HLEN 14

void
decode_ethernet(struct decoder *d, struct packet *p, struct span s)
{
	if (!span_has(&s, 0, ETH_HLEN)) {
		if (!decode_cut_by_snaplen(d, ETH_HLEN, s.len))
			decode_set_anomaly(d, p, ANOM_ETH_PKT_TOO_SMALL, true);
		return;
	}
	p->layers |= PKT_ETH;
	d->stats[DSTAT_ETHERNET]++;
	p->eth_dst = span_ptr(&s, 0, 6);
	p->eth_src = span_ptr(&s, 6, 6);
	decode_ethertype(d, p, span_get_be16(&s, 12), span_from(&s, ETH_HLEN));
}

void
decode_ethertype(struct decoder *d, struct packet *p, uint16_t type,
    struct span s)
{
	p->ethertype = type;
	switch (type) {
	case 0x0800:
		decode_ipv4(d, p, s);
		break;
	case 0x86dd:
		decode_ipv6(d, p, s);
		break;
	case 0x0806:
		decode_arp(d, p, s);
		break;
	case 0x8100: case 0x88a8: case 0x9100:
		decode_vlan(d, p, type, s);
		break;
	default:		/* 802.3 length, MPLS, PPPoE, LLDP, ... */
		d->stats[DSTAT_OTHER]++;
		break;
	}
}
