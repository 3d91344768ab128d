/* summary: the decoder: frames of any supported link type into struct packet. */
#ifndef APIARY_NET_DECODE_H
#define APIARY_NET_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "net/packet.h"

/*
 * One decoder per pipeline (per thread): it holds the fragment reassembly
 * state, the reassembly output buffer and the counters.  Nothing is
 * allocated per packet except when a fragment is stored for reassembly.
 *
 * decode_frame() never fails hard: malformed input sets PKT_INVALID and
 * p->anomaly, counts the anomaly, and stops at the bad layer.  Some
 * anomalies are not fatal (a bad TCP option length: the TCP header is still
 * decoded); they are counted and set p->anomaly if it was 0, without
 * PKT_INVALID.  See docs/decoding.md.
 */

/* Link types accepted by decode_frame (DLT_* / LINKTYPE_* numbers). */
#define LINKTYPE_NULL        0
#define LINKTYPE_EN10MB      1
#define LINKTYPE_RAW_12     12	/* DLT_RAW on most BSDs and Linux */
#define LINKTYPE_RAW_14     14	/* DLT_RAW on OpenBSD */
#define LINKTYPE_RAW       101
#define LINKTYPE_LOOP      108
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4      228
#define LINKTYPE_IPV6      229
#define LINKTYPE_LINUX_SLL2 276

struct decoder_config {
	/* Fragment reassembly bounds.  Memory held by pending fragments
	 * (data plus per-fragment bookkeeping) never exceeds defrag_max_bytes;
	 * at most defrag_max_datagrams datagrams are pending at once.  At
	 * either bound the oldest pending datagram is dropped and counted
	 * (defrag.evicted).  A datagram whose first fragment is older than
	 * defrag_timeout_ns (packet time) is dropped (defrag.timeouts). */
	size_t defrag_max_bytes;	/* default 16 MiB, minimum 256 KiB */
	uint32_t defrag_max_datagrams;	/* default 4096, minimum 1 */
	uint64_t defrag_timeout_ns;	/* default 60 s */
	int defrag_enabled;		/* default 1; 0: fragments are not stored */
};

/*
 * Named anomalies, in Suricata's stats style.  p->anomaly holds the first
 * one found in a packet (0 = ANOM_NONE).  The order is stable within a
 * build but not a file format: store names, not numbers.
 */
enum decode_anomaly {
	ANOM_NONE = 0,
	ANOM_LINKTYPE_UNSUPPORTED,	/* decoder.linktype.unsupported */
	ANOM_ETH_PKT_TOO_SMALL,		/* decoder.ethernet.pkt_too_small */
	ANOM_VLAN_HEADER_TOO_SMALL,	/* decoder.vlan.header_too_small */
	ANOM_VLAN_TOO_MANY_LAYERS,	/* decoder.vlan.too_many_layers */
	ANOM_SLL_PKT_TOO_SMALL,		/* decoder.sll.pkt_too_small */
	ANOM_SLL2_PKT_TOO_SMALL,	/* decoder.sll2.pkt_too_small */
	ANOM_NULL_PKT_TOO_SMALL,	/* decoder.ltnull.pkt_too_small */
	ANOM_NULL_UNSUPPORTED_TYPE,	/* decoder.ltnull.unsupported_type */
	ANOM_RAW_INVALID_IP_VERSION,	/* decoder.raw.invalid_ip_version */
	ANOM_ARP_PKT_TOO_SMALL,		/* decoder.arp.pkt_too_small */
	ANOM_ARP_INVALID_SIZES,		/* decoder.arp.invalid_sizes */
	ANOM_IPV4_PKT_TOO_SMALL,	/* decoder.ipv4.pkt_too_small */
	ANOM_IPV4_HLEN_TOO_SMALL,	/* decoder.ipv4.hlen_too_small */
	ANOM_IPV4_IPLEN_SMALLER_THAN_HLEN, /* decoder.ipv4.iplen_smaller_than_hlen */
	ANOM_IPV4_TRUNC_PKT,		/* decoder.ipv4.trunc_pkt */
	ANOM_IPV4_WRONG_IP_VERSION,	/* decoder.ipv4.wrong_ip_version */
	ANOM_IPV4_OPT_INVALID_LEN,	/* decoder.ipv4.opt_invalid_len */
	ANOM_IPV4_OPT_MALFORMED,	/* decoder.ipv4.opt_malformed */
	ANOM_IPV4_ICMPV6,		/* decoder.ipv4.icmpv6 */
	ANOM_IPV4_FRAG_PKT_TOO_LARGE,	/* decoder.ipv4.frag_pkt_too_large */
	ANOM_IPV4_FRAG_INVALID_LENGTH,	/* decoder.ipv4.frag_invalid_length */
	ANOM_IPV6_PKT_TOO_SMALL,	/* decoder.ipv6.pkt_too_small */
	ANOM_IPV6_TRUNC_PKT,		/* decoder.ipv6.trunc_pkt */
	ANOM_IPV6_WRONG_IP_VERSION,	/* decoder.ipv6.wrong_ip_version */
	ANOM_IPV6_TRUNC_EXTHDR,		/* decoder.ipv6.trunc_exthdr */
	ANOM_IPV6_EXTHDR_TOO_MANY,	/* decoder.ipv6.exthdr_too_many */
	ANOM_IPV6_EXTHDR_DUPL_FH,	/* decoder.ipv6.exthdr_dupl_fh */
	ANOM_IPV6_EXTHDR_DUPL_RH,	/* decoder.ipv6.exthdr_dupl_rh */
	ANOM_IPV6_EXTHDR_DUPL_HH,	/* decoder.ipv6.exthdr_dupl_hh */
	ANOM_IPV6_EXTHDR_DUPL_DH,	/* decoder.ipv6.exthdr_dupl_dh */
	ANOM_IPV6_EXTHDR_INVALID_OPTLEN, /* decoder.ipv6.exthdr_invalid_optlen */
	ANOM_IPV6_RH_TYPE_0,		/* decoder.ipv6.rh_type_0 */
	ANOM_IPV6_FH_NON_ZERO_RESERVED,	/* decoder.ipv6.fh_non_zero_reserved_field */
	ANOM_IPV6_ICMPV4,		/* decoder.ipv6.icmpv4 */
	ANOM_IPV6_FRAG_PKT_TOO_LARGE,	/* decoder.ipv6.frag_pkt_too_large */
	ANOM_IPV6_FRAG_INVALID_LENGTH,	/* decoder.ipv6.frag_invalid_length */
	ANOM_TCP_PKT_TOO_SMALL,		/* decoder.tcp.pkt_too_small */
	ANOM_TCP_HLEN_TOO_SMALL,	/* decoder.tcp.hlen_too_small */
	ANOM_TCP_INVALID_OPTLEN,	/* decoder.tcp.invalid_optlen */
	ANOM_TCP_OPT_INVALID_LEN,	/* decoder.tcp.opt_invalid_len (not fatal) */
	ANOM_TCP_OPT_DUPLICATE,		/* decoder.tcp.opt_duplicate (not fatal) */
	ANOM_UDP_PKT_TOO_SMALL,		/* decoder.udp.pkt_too_small */
	ANOM_UDP_HLEN_TOO_SMALL,	/* decoder.udp.hlen_too_small */
	ANOM_UDP_HLEN_INVALID,		/* decoder.udp.hlen_invalid */
	ANOM_ICMPV4_PKT_TOO_SMALL,	/* decoder.icmpv4.pkt_too_small */
	ANOM_ICMPV6_PKT_TOO_SMALL,	/* decoder.icmpv6.pkt_too_small */
	ANOM_DEFRAG_IPV4_OVERLAP,	/* defrag.ipv4.overlap (not fatal) */
	ANOM_DEFRAG_IPV6_OVERLAP,	/* defrag.ipv6.overlap (not fatal) */
	ANOM_DEFRAG_IPV4_TINY_FIRST,	/* defrag.ipv4.tiny_first_fragment */
	ANOM_DEFRAG_IPV6_TINY_FIRST,	/* defrag.ipv6.tiny_first_fragment */
	ANOM_DEFRAG_IPV4_BAD_END,	/* defrag.ipv4.inconsistent_end */
	ANOM_DEFRAG_IPV6_BAD_END,	/* defrag.ipv6.inconsistent_end */
	ANOM_DEFRAG_MAX_FRAGS,		/* defrag.max_frags_reached */
	ANOM_COUNT
};

/* Layer and defrag counters (decoder_stats), Suricata stats names. */
enum decode_stat {
	DSTAT_PKTS = 0,		/* decoder.pkts */
	DSTAT_BYTES,		/* decoder.bytes (wire length) */
	DSTAT_INVALID,		/* decoder.invalid */
	DSTAT_TRUNCATED,	/* decoder.truncated (caplen < wirelen) */
	DSTAT_ETHERNET,		/* decoder.ethernet */
	DSTAT_SLL,		/* decoder.sll (SLL and SLL2) */
	DSTAT_NULL,		/* decoder.null (NULL and LOOP) */
	DSTAT_RAW,		/* decoder.raw (RAW, IPV4, IPV6) */
	DSTAT_VLAN,		/* decoder.vlan */
	DSTAT_VLAN_QINQ,	/* decoder.vlan_qinq */
	DSTAT_ARP,		/* decoder.arp */
	DSTAT_IPV4,		/* decoder.ipv4 */
	DSTAT_IPV6,		/* decoder.ipv6 */
	DSTAT_TCP,		/* decoder.tcp */
	DSTAT_UDP,		/* decoder.udp */
	DSTAT_ICMPV4,		/* decoder.icmpv4 */
	DSTAT_ICMPV6,		/* decoder.icmpv6 */
	DSTAT_TUNNEL,		/* decoder.tunnel (IP-in-IP, IPv6-in-IP, GRE) */
	DSTAT_OTHER,		/* decoder.other (unknown ethertype / IP proto) */
	DSTAT_DEFRAG_IPV4_FRAGMENTS,	/* defrag.ipv4.fragments */
	DSTAT_DEFRAG_IPV4_REASSEMBLED,	/* defrag.ipv4.reassembled */
	DSTAT_DEFRAG_IPV6_FRAGMENTS,	/* defrag.ipv6.fragments */
	DSTAT_DEFRAG_IPV6_REASSEMBLED,	/* defrag.ipv6.reassembled */
	DSTAT_DEFRAG_TIMEOUTS,	/* defrag.timeouts (datagrams) */
	DSTAT_DEFRAG_EVICTED,	/* defrag.evicted (datagrams dropped at a bound) */
	DSTAT_DEFRAG_MEMUSE,	/* defrag.memuse (gauge: bytes held now) */
	DSTAT_DEFRAG_PENDING,	/* defrag.pending (gauge: datagrams held now) */
	DSTAT_COUNT
};

struct decoder;

/* Defaults as documented on struct decoder_config. */
struct decoder_config decoder_config_default(void);

/* cfg NULL: defaults.  NULL and err set on a bad config or no memory. */
struct decoder *decoder_new(const struct decoder_config *cfg, struct error *err);
void decoder_free(struct decoder *d);

/* 1 if decode_frame knows the link type, else 0. */
int decode_linktype_supported(int linktype);

/*
 * Decodes one captured frame into *p (memset first; p->frame_no is left
 * 0 for the caller to set).  Returns 0; never fails on bad input.  p's
 * pointers stay valid until the next decode_frame on the same decoder.
 * Also expires timed-out fragment datagrams (packet time).
 */
int decode_frame(struct decoder *d, struct packet *p, int linktype,
    const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint64_t ts_ns);

/* Drops pending fragment datagrams older than the timeout at now_ns
 * (for an idle live source; decode_frame does this by itself). */
void decoder_expire(struct decoder *d, uint64_t now_ns);

/* "decoder.ipv4.trunc_pkt"; "unknown" for an out-of-range value. */
const char *decode_anomaly_name(enum decode_anomaly a);
const char *decode_stat_name(enum decode_stat s);

/* Counters of each anomaly, indexed by enum decode_anomaly; *n = ANOM_COUNT. */
const uint64_t *decoder_counters(const struct decoder *d, size_t *n);
/* Layer and defrag counters, indexed by enum decode_stat; *n = DSTAT_COUNT. */
const uint64_t *decoder_stats(const struct decoder *d, size_t *n);

#endif
