/* summary: decoder context, link-type dispatch, L4 dispatch, anomaly names. */
#include "net/decode.h"

#include <stdlib.h>
#include <string.h>

#include "net/decode_int.h"
#include "net/defrag.h"

static const char *const anomaly_names[ANOM_COUNT] = {
	[ANOM_NONE] = "none",
	[ANOM_LINKTYPE_UNSUPPORTED] = "decoder.linktype.unsupported",
	[ANOM_ETH_PKT_TOO_SMALL] = "decoder.ethernet.pkt_too_small",
	[ANOM_VLAN_HEADER_TOO_SMALL] = "decoder.vlan.header_too_small",
	[ANOM_VLAN_TOO_MANY_LAYERS] = "decoder.vlan.too_many_layers",
	[ANOM_SLL_PKT_TOO_SMALL] = "decoder.sll.pkt_too_small",
	[ANOM_SLL2_PKT_TOO_SMALL] = "decoder.sll2.pkt_too_small",
	[ANOM_NULL_PKT_TOO_SMALL] = "decoder.ltnull.pkt_too_small",
	[ANOM_NULL_UNSUPPORTED_TYPE] = "decoder.ltnull.unsupported_type",
	[ANOM_RAW_INVALID_IP_VERSION] = "decoder.raw.invalid_ip_version",
	[ANOM_ARP_PKT_TOO_SMALL] = "decoder.arp.pkt_too_small",
	[ANOM_ARP_INVALID_SIZES] = "decoder.arp.invalid_sizes",
	[ANOM_IPV4_PKT_TOO_SMALL] = "decoder.ipv4.pkt_too_small",
	[ANOM_IPV4_HLEN_TOO_SMALL] = "decoder.ipv4.hlen_too_small",
	[ANOM_IPV4_IPLEN_SMALLER_THAN_HLEN] = "decoder.ipv4.iplen_smaller_than_hlen",
	[ANOM_IPV4_TRUNC_PKT] = "decoder.ipv4.trunc_pkt",
	[ANOM_IPV4_WRONG_IP_VERSION] = "decoder.ipv4.wrong_ip_version",
	[ANOM_IPV4_OPT_INVALID_LEN] = "decoder.ipv4.opt_invalid_len",
	[ANOM_IPV4_OPT_MALFORMED] = "decoder.ipv4.opt_malformed",
	[ANOM_IPV4_ICMPV6] = "decoder.ipv4.icmpv6",
	[ANOM_IPV4_FRAG_PKT_TOO_LARGE] = "decoder.ipv4.frag_pkt_too_large",
	[ANOM_IPV4_FRAG_INVALID_LENGTH] = "decoder.ipv4.frag_invalid_length",
	[ANOM_IPV6_PKT_TOO_SMALL] = "decoder.ipv6.pkt_too_small",
	[ANOM_IPV6_TRUNC_PKT] = "decoder.ipv6.trunc_pkt",
	[ANOM_IPV6_WRONG_IP_VERSION] = "decoder.ipv6.wrong_ip_version",
	[ANOM_IPV6_TRUNC_EXTHDR] = "decoder.ipv6.trunc_exthdr",
	[ANOM_IPV6_EXTHDR_TOO_MANY] = "decoder.ipv6.exthdr_too_many",
	[ANOM_IPV6_EXTHDR_DUPL_FH] = "decoder.ipv6.exthdr_dupl_fh",
	[ANOM_IPV6_EXTHDR_DUPL_RH] = "decoder.ipv6.exthdr_dupl_rh",
	[ANOM_IPV6_EXTHDR_DUPL_HH] = "decoder.ipv6.exthdr_dupl_hh",
	[ANOM_IPV6_EXTHDR_DUPL_DH] = "decoder.ipv6.exthdr_dupl_dh",
	[ANOM_IPV6_EXTHDR_INVALID_OPTLEN] = "decoder.ipv6.exthdr_invalid_optlen",
	[ANOM_IPV6_RH_TYPE_0] = "decoder.ipv6.rh_type_0",
	[ANOM_IPV6_FH_NON_ZERO_RESERVED] = "decoder.ipv6.fh_non_zero_reserved_field",
	[ANOM_IPV6_ICMPV4] = "decoder.ipv6.icmpv4",
	[ANOM_IPV6_FRAG_PKT_TOO_LARGE] = "decoder.ipv6.frag_pkt_too_large",
	[ANOM_IPV6_FRAG_INVALID_LENGTH] = "decoder.ipv6.frag_invalid_length",
	[ANOM_TCP_PKT_TOO_SMALL] = "decoder.tcp.pkt_too_small",
	[ANOM_TCP_HLEN_TOO_SMALL] = "decoder.tcp.hlen_too_small",
	[ANOM_TCP_INVALID_OPTLEN] = "decoder.tcp.invalid_optlen",
	[ANOM_TCP_OPT_INVALID_LEN] = "decoder.tcp.opt_invalid_len",
	[ANOM_TCP_OPT_DUPLICATE] = "decoder.tcp.opt_duplicate",
	[ANOM_UDP_PKT_TOO_SMALL] = "decoder.udp.pkt_too_small",
	[ANOM_UDP_HLEN_TOO_SMALL] = "decoder.udp.hlen_too_small",
	[ANOM_UDP_HLEN_INVALID] = "decoder.udp.hlen_invalid",
	[ANOM_ICMPV4_PKT_TOO_SMALL] = "decoder.icmpv4.pkt_too_small",
	[ANOM_ICMPV6_PKT_TOO_SMALL] = "decoder.icmpv6.pkt_too_small",
	[ANOM_DEFRAG_IPV4_OVERLAP] = "defrag.ipv4.overlap",
	[ANOM_DEFRAG_IPV6_OVERLAP] = "defrag.ipv6.overlap",
	[ANOM_DEFRAG_IPV4_TINY_FIRST] = "defrag.ipv4.tiny_first_fragment",
	[ANOM_DEFRAG_IPV6_TINY_FIRST] = "defrag.ipv6.tiny_first_fragment",
	[ANOM_DEFRAG_IPV4_BAD_END] = "defrag.ipv4.inconsistent_end",
	[ANOM_DEFRAG_IPV6_BAD_END] = "defrag.ipv6.inconsistent_end",
	[ANOM_DEFRAG_MAX_FRAGS] = "defrag.max_frags_reached",
};

static const char *const stat_names[DSTAT_COUNT] = {
	[DSTAT_PKTS] = "decoder.pkts",
	[DSTAT_BYTES] = "decoder.bytes",
	[DSTAT_INVALID] = "decoder.invalid",
	[DSTAT_TRUNCATED] = "decoder.truncated",
	[DSTAT_ETHERNET] = "decoder.ethernet",
	[DSTAT_SLL] = "decoder.sll",
	[DSTAT_NULL] = "decoder.null",
	[DSTAT_RAW] = "decoder.raw",
	[DSTAT_VLAN] = "decoder.vlan",
	[DSTAT_VLAN_QINQ] = "decoder.vlan_qinq",
	[DSTAT_ARP] = "decoder.arp",
	[DSTAT_IPV4] = "decoder.ipv4",
	[DSTAT_IPV6] = "decoder.ipv6",
	[DSTAT_TCP] = "decoder.tcp",
	[DSTAT_UDP] = "decoder.udp",
	[DSTAT_ICMPV4] = "decoder.icmpv4",
	[DSTAT_ICMPV6] = "decoder.icmpv6",
	[DSTAT_TUNNEL] = "decoder.tunnel",
	[DSTAT_OTHER] = "decoder.other",
	[DSTAT_DEFRAG_IPV4_FRAGMENTS] = "defrag.ipv4.fragments",
	[DSTAT_DEFRAG_IPV4_REASSEMBLED] = "defrag.ipv4.reassembled",
	[DSTAT_DEFRAG_IPV6_FRAGMENTS] = "defrag.ipv6.fragments",
	[DSTAT_DEFRAG_IPV6_REASSEMBLED] = "defrag.ipv6.reassembled",
	[DSTAT_DEFRAG_TIMEOUTS] = "defrag.timeouts",
	[DSTAT_DEFRAG_EVICTED] = "defrag.evicted",
	[DSTAT_DEFRAG_MEMUSE] = "defrag.memuse",
	[DSTAT_DEFRAG_PENDING] = "defrag.pending",
};

const char *
decode_anomaly_name(enum decode_anomaly a)
{
	if ((unsigned)a >= ANOM_COUNT || anomaly_names[a] == NULL)
		return "unknown";
	return anomaly_names[a];
}

const char *
decode_stat_name(enum decode_stat s)
{
	if ((unsigned)s >= DSTAT_COUNT || stat_names[s] == NULL)
		return "unknown";
	return stat_names[s];
}

struct decoder_config
decoder_config_default(void)
{
	struct decoder_config c = {
		.defrag_max_bytes = 16u << 20,
		.defrag_max_datagrams = 4096,
		.defrag_timeout_ns = 60ull * 1000000000ull,
		.defrag_enabled = 1,
	};
	return c;
}

struct decoder *
decoder_new(const struct decoder_config *cfg, struct error *err)
{
	struct decoder_config c = cfg ? *cfg : decoder_config_default();

	if (c.defrag_enabled) {
		if (c.defrag_max_bytes < DEFRAG_MIN_BYTES)
			return error_set(err, "defrag max bytes %zu is below the "
			    "minimum %u", c.defrag_max_bytes, DEFRAG_MIN_BYTES),
			    NULL;
		if (c.defrag_max_datagrams == 0)
			return error_set(err, "defrag max datagrams must be at "
			    "least 1"), NULL;
		if (c.defrag_timeout_ns == 0)
			return error_set(err, "defrag timeout must not be 0"),
			    NULL;
	}
	struct decoder *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return error_set(err, "decoder: out of memory"), NULL;
	d->cfg = c;
	if (c.defrag_enabled) {
		d->reasm = malloc(DEFRAG_OUT_MAX);
		d->defrag = defrag_new(c.defrag_max_bytes, c.defrag_max_datagrams,
		    c.defrag_timeout_ns, d->stats, err);
		if (d->reasm == NULL || d->defrag == NULL) {
			if (d->reasm == NULL)
				error_set(err, "decoder: out of memory");
			decoder_free(d);
			return NULL;
		}
	}
	return d;
}

void
decoder_free(struct decoder *d)
{
	if (d == NULL)
		return;
	defrag_free(d->defrag);
	free(d->reasm);
	free(d);
}

int
decode_linktype_supported(int linktype)
{
	switch (linktype) {
	case LINKTYPE_NULL: case LINKTYPE_LOOP: case LINKTYPE_EN10MB:
	case LINKTYPE_RAW_12: case LINKTYPE_RAW_14: case LINKTYPE_RAW:
	case LINKTYPE_IPV4: case LINKTYPE_IPV6:
	case LINKTYPE_LINUX_SLL: case LINKTYPE_LINUX_SLL2:
		return 1;
	default:
		return 0;
	}
}

void
decoder_expire(struct decoder *d, uint64_t now_ns)
{
	if (d->defrag != NULL)
		defrag_expire(d->defrag, now_ns);
}

int
decode_frame(struct decoder *d, struct packet *p, int linktype,
    const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint64_t ts_ns)
{
	packet_clear(p);
	p->ts_ns = ts_ns;
	p->frame = data;
	p->caplen = caplen;
	p->wirelen = wirelen;
	p->linktype = linktype;
	p->tcp_wscale = 0xff;
	if (data == NULL)
		caplen = 0;
	d->missing = wirelen > caplen ? wirelen - caplen : 0;
	if (d->missing)
		p->layers |= PKT_TRUNCATED;
	d->stats[DSTAT_PKTS]++;
	d->stats[DSTAT_BYTES] += wirelen > caplen ? wirelen : caplen;
	if (d->defrag != NULL)
		defrag_expire(d->defrag, ts_ns);

	struct span s = span_make(data, caplen);
	switch (linktype) {
	case LINKTYPE_EN10MB:
		decode_ethernet(d, p, s);
		break;
	case LINKTYPE_RAW_12: case LINKTYPE_RAW_14: case LINKTYPE_RAW:
		d->stats[DSTAT_RAW]++;
		decode_raw(d, p, s);
		break;
	case LINKTYPE_IPV4:
		d->stats[DSTAT_RAW]++;
		decode_ipv4(d, p, s);
		break;
	case LINKTYPE_IPV6:
		d->stats[DSTAT_RAW]++;
		decode_ipv6(d, p, s);
		break;
	case LINKTYPE_LINUX_SLL:
		decode_sll(d, p, s);
		break;
	case LINKTYPE_LINUX_SLL2:
		decode_sll2(d, p, s);
		break;
	case LINKTYPE_NULL:
		decode_null(d, p, s, false);
		break;
	case LINKTYPE_LOOP:
		decode_null(d, p, s, true);
		break;
	default:
		decode_set_anomaly(d, p, ANOM_LINKTYPE_UNSUPPORTED, true);
		break;
	}
	if (p->layers & PKT_INVALID)
		d->stats[DSTAT_INVALID]++;
	if (p->layers & PKT_TRUNCATED)
		d->stats[DSTAT_TRUNCATED]++;
	return 0;
}

void
decode_l4(struct decoder *d, struct packet *p, uint8_t proto, struct span s,
    uint32_t wirelen)
{
	switch (proto) {
	case 6:
		decode_tcp(d, p, s, wirelen);
		break;
	case 17:
		decode_udp(d, p, s, wirelen);
		break;
	case 1:
		if (p->ip_version == 6) {
			decode_set_anomaly(d, p, ANOM_IPV6_ICMPV4, false);
			d->stats[DSTAT_OTHER]++;
			break;
		}
		decode_icmpv4(d, p, s, wirelen);
		break;
	case 58:
		if (p->ip_version == 4) {
			decode_set_anomaly(d, p, ANOM_IPV4_ICMPV6, false);
			d->stats[DSTAT_OTHER]++;
			break;
		}
		decode_icmpv6(d, p, s, wirelen);
		break;
	case 4: case 41: case 47:	/* IP-in-IP, IPv6-in-IP, GRE */
		p->layers |= PKT_TUNNEL;
		d->stats[DSTAT_TUNNEL]++;
		break;
	default:
		d->stats[DSTAT_OTHER]++;
		break;
	}
}

const uint64_t *
decoder_counters(const struct decoder *d, size_t *n)
{
	*n = ANOM_COUNT;
	return d->anomalies;
}

const uint64_t *
decoder_stats(const struct decoder *d, size_t *n)
{
	*n = DSTAT_COUNT;
	return d->stats;
}
