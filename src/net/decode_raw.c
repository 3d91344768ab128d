/* summary: raw IP link types (DLT_RAW): the version nibble picks IPv4 or IPv6. */
#include "net/decode_int.h"

void
decode_raw(struct decoder *d, struct packet *p, struct span s)
{
	if (!span_has(&s, 0, 1)) {
		if (!decode_cut_by_snaplen(d, 1, s.len))
			decode_set_anomaly(d, p, ANOM_RAW_INVALID_IP_VERSION,
			    true);
		return;
	}
	switch (span_get_u8(&s, 0) >> 4) {
	case 4:
		p->ethertype = 0x0800;
		decode_ipv4(d, p, s);
		break;
	case 6:
		p->ethertype = 0x86dd;
		decode_ipv6(d, p, s);
		break;
	default:
		decode_set_anomaly(d, p, ANOM_RAW_INVALID_IP_VERSION, true);
		break;
	}
}
