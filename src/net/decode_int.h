/* summary: what the per-protocol decoders share (not for other modules). */
#ifndef APIARY_NET_DECODE_INT_H
#define APIARY_NET_DECODE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "net/decode.h"
#include "net/extract.h"
#include "net/packet.h"

struct defrag;

/*
 * The decoders are plain functions, one file per protocol, called
 * outermost first; each reads its header through a struct span (extract.h)
 * covering exactly the bytes of its layer, fills its part of the packet and
 * calls the next one.  None of them allocates; only defrag.c copies.
 */
struct decoder {
	struct decoder_config cfg;
	uint64_t anomalies[ANOM_COUNT];
	uint64_t stats[DSTAT_COUNT];
	struct defrag *defrag;
	uint8_t *reasm;			/* reassembled datagram (DEFRAG_OUT_MAX) */
	uint32_t missing;		/* wirelen - caplen of the current frame */
};

/* Counts anomaly a; the first one of a packet goes to p->anomaly.  A fatal
 * anomaly also sets PKT_INVALID (the caller then stops decoding). */
static inline void
decode_set_anomaly(struct decoder *d, struct packet *p, enum decode_anomaly a,
    bool fatal)
{
	d->anomalies[a]++;
	if (p->anomaly == ANOM_NONE)
		p->anomaly = (uint16_t)a;
	if (fatal)
		p->layers |= PKT_INVALID;
}

/* Whether `need` bytes, of which only `have` were captured, are explained
 * by the snaplen cut of this frame (then it is truncation, not an anomaly). */
static inline bool
decode_cut_by_snaplen(const struct decoder *d, uint32_t need, uint32_t have)
{
	return need > have && need - have <= d->missing;
}

void decode_ethernet(struct decoder *d, struct packet *p, struct span s);
void decode_ethertype(struct decoder *d, struct packet *p, uint16_t type,
    struct span s);
void decode_vlan(struct decoder *d, struct packet *p, uint16_t tpid,
    struct span s);
void decode_sll(struct decoder *d, struct packet *p, struct span s);
void decode_sll2(struct decoder *d, struct packet *p, struct span s);
void decode_null(struct decoder *d, struct packet *p, struct span s,
    bool network_order);
void decode_raw(struct decoder *d, struct packet *p, struct span s);
void decode_arp(struct decoder *d, struct packet *p, struct span s);
void decode_ipv4(struct decoder *d, struct packet *p, struct span s);
void decode_ipv6(struct decoder *d, struct packet *p, struct span s);
/* L4 dispatch after an IP header; s covers the IP payload as captured,
 * wirelen is its length as the IP header says. */
void decode_l4(struct decoder *d, struct packet *p, uint8_t proto,
    struct span s, uint32_t wirelen);
void decode_tcp(struct decoder *d, struct packet *p, struct span s,
    uint32_t wirelen);
void decode_udp(struct decoder *d, struct packet *p, struct span s,
    uint32_t wirelen);
void decode_icmpv4(struct decoder *d, struct packet *p, struct span s,
    uint32_t wirelen);
void decode_icmpv6(struct decoder *d, struct packet *p, struct span s,
    uint32_t wirelen);

#endif
