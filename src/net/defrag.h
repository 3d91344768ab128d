/* summary: IPv4 and IPv6 fragment reassembly with bounded memory and time. */
#ifndef APIARY_NET_DEFRAG_H
#define APIARY_NET_DEFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "net/decode.h"

/*
 * Used by the decoder (decode_ipv4.c, decode_ipv6.c); other modules see
 * reassembly only through struct packet (PKT_FRAGMENT, PKT_REASSEMBLED).
 * Policy and bounds: see the comment at the top of defrag.c.
 */

#define DEFRAG_MIN_BYTES (256u * 1024u)	/* smallest max_bytes accepted */
#define DEFRAG_OUT_MAX (65536u + 128u)	/* size of the output buffer */
#define DEFRAG_MAX_FRAGS 256		/* stored pieces per datagram */

struct defrag;

/* One fragment, as the IP decoders found it. */
struct defrag_frag {
	uint8_t version;	/* 4 or 6 */
	uint8_t proto;		/* IPv4 protocol; IPv6: next header after the
				 * fragment header */
	uint32_t id;		/* IPv4 identification / IPv6 fragment id */
	const uint8_t *src, *dst;	/* 4 or 16 bytes */
	const uint8_t *hdr;	/* IPv4 header / IPv6 header and the
				 * extension headers before the fragment header */
	uint32_t hdr_len;
	uint32_t nh_off;	/* IPv6: offset in hdr of the next-header byte
				 * that names the fragment header */
	uint32_t offset;	/* of data in the datagram's payload, bytes */
	const uint8_t *data;
	uint32_t len;
	bool more;		/* more fragments follow */
	uint64_t ts_ns;
};

enum defrag_result {
	DEFRAG_HELD,		/* stored; datagram not complete yet */
	DEFRAG_DONE,		/* datagram complete: out[0..*out_len) */
	DEFRAG_DROPPED,		/* fragment refused (see *anomaly) */
};

/* stats: the decoder's counters (enum decode_stat), updated in place for
 * the defrag.* entries. */
struct defrag *defrag_new(size_t max_bytes, uint32_t max_datagrams,
    uint64_t timeout_ns, uint64_t *stats, struct error *err);
void defrag_free(struct defrag *df);

/*
 * Adds a fragment.  On DEFRAG_DONE the whole datagram (IP header with the
 * length fixed, fragment fields cleared, IPv4 checksum recomputed; IPv6
 * without its fragment header) is written to out, which must hold
 * DEFRAG_OUT_MAX bytes.  *anomaly is set to what was wrong with the
 * fragment, ANOM_NONE if nothing; an overlap (first data wins) does not
 * prevent the fragment's new bytes from being stored.
 */
enum defrag_result defrag_add(struct defrag *df, const struct defrag_frag *f,
    uint8_t *out, uint32_t *out_len, enum decode_anomaly *anomaly);

/* Drops datagrams whose first fragment is older than the timeout. */
void defrag_expire(struct defrag *df, uint64_t now_ns);

#endif
