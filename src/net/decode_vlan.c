/* summary: IEEE 802.1Q VLAN tags and QinQ (802.1ad 0x88a8, old 0x9100). */
#include "net/decode_int.h"

#define VLAN_HLEN 4
#define VLAN_MAX_TAGS 2		/* p->vlan_id[2]: outer, inner */

void
decode_vlan(struct decoder *d, struct packet *p, uint16_t tpid, struct span s)
{
	(void)tpid;
	if (p->vlan_count >= VLAN_MAX_TAGS) {
		decode_set_anomaly(d, p, ANOM_VLAN_TOO_MANY_LAYERS, true);
		return;
	}
	if (!span_has(&s, 0, VLAN_HLEN)) {
		if (!decode_cut_by_snaplen(d, VLAN_HLEN, s.len))
			decode_set_anomaly(d, p, ANOM_VLAN_HEADER_TOO_SMALL,
			    true);
		return;
	}
	p->layers |= PKT_VLAN;
	p->vlan_id[p->vlan_count++] = span_get_be16(&s, 0) & 0x0fff;
	if (p->vlan_count == 1)
		d->stats[DSTAT_VLAN]++;
	else
		d->stats[DSTAT_VLAN_QINQ]++;
	decode_ethertype(d, p, span_get_be16(&s, 2), span_from(&s, VLAN_HLEN));
}
