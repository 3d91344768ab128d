/* summary: Linux "cooked" capture headers, SLL (113) and SLL2 (276). */
#include "net/decode_int.h"

/*
 * SLL:  packet type(2) ARPHRD type(2) address length(2) address(8)
 *       protocol(2)                                   = 16 bytes
 * SLL2: protocol(2) reserved(2) ifindex(4) ARPHRD type(2) packet type(1)
 *       address length(1) address(8)                  = 20 bytes
 * The protocol is an ethertype, except for the 802.2/802.3 values below
 * 0x0600, which we leave undecoded.
 */
#define SLL_HLEN 16
#define SLL2_HLEN 20

static void
decode_sll_protocol(struct decoder *d, struct packet *p, uint16_t proto,
    struct span s)
{
	d->stats[DSTAT_SLL]++;
	if (proto < 0x0600) {
		p->ethertype = proto;
		d->stats[DSTAT_OTHER]++;
		return;
	}
	decode_ethertype(d, p, proto, s);
}

void
decode_sll(struct decoder *d, struct packet *p, struct span s)
{
	if (!span_has(&s, 0, SLL_HLEN)) {
		if (!decode_cut_by_snaplen(d, SLL_HLEN, s.len))
			decode_set_anomaly(d, p, ANOM_SLL_PKT_TOO_SMALL, true);
		return;
	}
	decode_sll_protocol(d, p, span_get_be16(&s, 14),
	    span_from(&s, SLL_HLEN));
}

void
decode_sll2(struct decoder *d, struct packet *p, struct span s)
{
	if (!span_has(&s, 0, SLL2_HLEN)) {
		if (!decode_cut_by_snaplen(d, SLL2_HLEN, s.len))
			decode_set_anomaly(d, p, ANOM_SLL2_PKT_TOO_SMALL, true);
		return;
	}
	decode_sll_protocol(d, p, span_get_be16(&s, 0),
	    span_from(&s, SLL2_HLEN));
}
