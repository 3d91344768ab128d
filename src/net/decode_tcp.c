/* summary: TCP decoder (RFC 9293): header, flags, options (MSS, WS, SACK, TS). */
#include "net/decode_int.h"

#define TCP_HLEN_MIN 20

enum {
	OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WS = 3, OPT_SACK_OK = 4,
	OPT_SACK = 5, OPT_TS = 8,
};

/*
 * Bad option lengths are not fatal: the header itself is fine, so the
 * segment is still decoded; the anomaly is counted and the option
 * ignored (an option whose length byte is unusable ends the walk).
 * Options cut by the snaplen are parsed as far as they were captured.
 */
static void
tcp_options(struct decoder *d, struct packet *p, const struct span *o,
    bool cut)
{
	uint32_t seen = 0, i = 0;
	while (i < o->len) {
		uint8_t kind = span_get_u8(o, i);
		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (!span_has(o, i, 2)) {
			if (!cut)
				decode_set_anomaly(d, p,
				    ANOM_TCP_OPT_INVALID_LEN, false);
			break;
		}
		uint8_t len = span_get_u8(o, i + 1);
		if (len < 2) {
			decode_set_anomaly(d, p, ANOM_TCP_OPT_INVALID_LEN, false);
			break;
		}
		if (!span_has(o, i, len)) {
			if (!cut)
				decode_set_anomaly(d, p,
				    ANOM_TCP_OPT_INVALID_LEN, false);
			break;
		}
		bool ok = true;
		switch (kind) {
		case OPT_MSS:
			ok = len == 4;
			if (ok)
				p->tcp_mss = span_get_be16(o, i + 2);
			break;
		case OPT_WS:
			ok = len == 3;
			if (ok)
				p->tcp_wscale = span_get_u8(o, i + 2);
			break;
		case OPT_SACK_OK:
			ok = len == 2;
			if (ok)
				p->tcp_sack_ok = 1;
			break;
		case OPT_SACK:
			ok = len >= 10 && (len - 2) % 8 == 0;
			break;
		case OPT_TS:
			ok = len == 10;
			if (ok) {
				p->tcp_has_ts = 1;
				p->tcp_tsval = span_get_be32(o, i + 2);
				p->tcp_tsecr = span_get_be32(o, i + 6);
			}
			break;
		default:
			break;
		}
		if (!ok)
			decode_set_anomaly(d, p, ANOM_TCP_OPT_INVALID_LEN, false);
		if (kind < 32) {
			if (seen & (1u << kind))
				decode_set_anomaly(d, p, ANOM_TCP_OPT_DUPLICATE,
				    false);
			seen |= 1u << kind;
		}
		i += len;
	}
}

void
decode_tcp(struct decoder *d, struct packet *p, struct span s,
    uint32_t wirelen)
{
	if (!span_has(&s, 0, TCP_HLEN_MIN) || wirelen < TCP_HLEN_MIN) {
		if (wirelen < TCP_HLEN_MIN ||
		    !decode_cut_by_snaplen(d, TCP_HLEN_MIN, s.len))
			decode_set_anomaly(d, p, ANOM_TCP_PKT_TOO_SMALL, true);
		return;
	}
	uint32_t hlen = (span_get_u8(&s, 12) >> 4) * 4u;
	if (hlen < TCP_HLEN_MIN) {
		decode_set_anomaly(d, p, ANOM_TCP_HLEN_TOO_SMALL, true);
		return;
	}
	if (hlen > wirelen) {
		decode_set_anomaly(d, p, ANOM_TCP_INVALID_OPTLEN, true);
		return;
	}
	p->layers |= PKT_TCP;
	d->stats[DSTAT_TCP]++;
	p->sport = span_get_be16(&s, 0);
	p->dport = span_get_be16(&s, 2);
	p->tcp_seq = span_get_be32(&s, 4);
	p->tcp_ack = span_get_be32(&s, 8);
	p->tcp_flags = span_get_u8(&s, 13);
	p->tcp_win = span_get_be16(&s, 14);
	p->tcp_hlen = (uint8_t)hlen;
	p->l4 = s.p;
	p->l4_len = s.len < wirelen ? s.len : wirelen;

	struct span hdr = span_head(&s, hlen);
	if (hlen > TCP_HLEN_MIN) {
		struct span opts = span_from(&hdr, TCP_HLEN_MIN);
		tcp_options(d, p, &opts, hdr.len < hlen);
	}
	p->payload_wirelen = wirelen - hlen;
	if (p->l4_len > hlen) {
		p->payload = s.p + hlen;
		p->payload_len = p->l4_len - hlen;
	}
}
