/* summary: BSD loopback headers, DLT_NULL (host order) and DLT_LOOP (network order). */
#include "net/decode_int.h"

/*
 * A 4-byte address family.  DLT_NULL stores it in the byte order of the
 * machine that captured, which may not be ours: a value with the high
 * half set is taken as the other order (what libpcap and Wireshark do).
 * AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD),
 * 28 (FreeBSD), 30 (macOS).
 */
#define NULL_HLEN 4

void
decode_null(struct decoder *d, struct packet *p, struct span s,
    bool network_order)
{
	if (!span_has(&s, 0, NULL_HLEN)) {
		if (!decode_cut_by_snaplen(d, NULL_HLEN, s.len))
			decode_set_anomaly(d, p, ANOM_NULL_PKT_TOO_SMALL, true);
		return;
	}
	d->stats[DSTAT_NULL]++;
	uint32_t fam = network_order ? span_get_be32(&s, 0) :
	    span_get_le32(&s, 0);
	if (fam & 0xffff0000u)
		fam = __builtin_bswap32(fam);
	struct span rest = span_from(&s, NULL_HLEN);
	switch (fam) {
	case 2:
		p->ethertype = 0x0800;
		decode_ipv4(d, p, rest);
		break;
	case 10: case 24: case 28: case 30:
		p->ethertype = 0x86dd;
		decode_ipv6(d, p, rest);
		break;
	default:
		decode_set_anomaly(d, p, ANOM_NULL_UNSUPPORTED_TYPE, true);
		break;
	}
}
