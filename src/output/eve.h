/* summary: EVE JSON writer: Suricata-compatible event lines to a file or a buffer. */
#ifndef APIARY_OUTPUT_EVE_H
#define APIARY_OUTPUT_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/json.h"

struct flow;
struct packet;

/*
 * Every stage that emits events writes through one struct eve:
 *
 *     struct json *j = eve_begin(eve, "scan", ts_ns, flow_or_NULL, pkt_or_NULL);
 *     json_key(j, "scan"); json_object_begin(j); ...; json_object_end(j);
 *     if (eve_end(eve) == -1) ...;      // eve_error(eve) says why
 *
 * eve_begin() opens the line's object and writes Suricata's common header
 * (CreateEveHeader order): timestamp, flow_id, [pcap_cnt], event_type,
 * [vlan], src_ip, [src_port], dest_ip, [dest_port], proto, [icmp_type,
 * icmp_code], [community_id].  With a packet, addresses are the packet's
 * (as Suricata's alerts); with only a flow, the flow's initiator is src (as
 * flow records).  The caller then adds its own keys and calls eve_end(),
 * which closes the object and ends the line.  One event at a time.
 *
 * Bound: a line is at most EVE_LINE_MAX bytes.  A larger event is cut: its
 * header is written again with "truncated":true and the caller's part is
 * dropped (counted in eve_stats).  Lines are buffered (EVE_BUFFER bytes) and
 * written with large write(2)s; eve_flush() forces them out.
 */
#define EVE_LINE_MAX (1024 * 1024)
#define EVE_BUFFER (256 * 1024)

struct eve;

/* Appends to path (created 0640); "-" is standard output. */
struct eve *eve_open(const char *path, struct error *err);
/* Lines are appended to out (tests, in-memory use); out is not owned. */
struct eve *eve_new_buf(struct buf *out);
/* Flushes, closes and frees; returns -1 with err set if a write failed. */
int eve_close(struct eve *e, struct error *err);

int eve_flush(struct eve *e, struct error *err);
/* Log rotation: flush, close and open the same path again (append). */
int eve_reopen(struct eve *e, struct error *err);

/* Options. */
void eve_set_pcap_cnt(struct eve *e, int on);		/* "pcap_cnt": packet frame_no */
void eve_set_community_id(struct eve *e, int on);	/* default on */
void eve_set_community_id_seed(struct eve *e, uint16_t seed);	/* for packet-only events */

/* Starts an event line; returns the writer positioned inside the object. */
struct json *eve_begin(struct eve *e, const char *event_type, uint64_t ts_ns,
    const struct flow *f, const struct packet *p);
/* Ends it.  0, or -1 when writing failed (sticky: see eve_error()). */
int eve_end(struct eve *e);
/* Abandons the event begun (nothing written). */
void eve_cancel(struct eve *e);

/* First write error, or NULL. */
const char *eve_error(const struct eve *e);

struct eve_stats {
	uint64_t events;	/* lines written */
	uint64_t bytes;		/* bytes written (or appended) */
	uint64_t truncated;	/* events cut at EVE_LINE_MAX */
	uint64_t write_errors;
};
void eve_get_stats(const struct eve *e, struct eve_stats *st);

/* ---- records built on the writer -------------------------------------- */

/* Direction of a flow relative to the honeynet ("direction" field). */
enum eve_flow_direction {
	EVE_DIR_NONE = 0,
	EVE_DIR_INBOUND,
	EVE_DIR_OUTBOUND,
};

/*
 * The EVE "flow" event of an ended flow (f->end_reason set), as Suricata's
 * flow logger writes it: header, flow{...}, tcp{...} for TCP, ICMP type
 * fields for ICMP, and "direction" when dir is not EVE_DIR_NONE.
 * ts_ns is the event time (usually f->last_ns).
 */
int eve_write_flow(struct eve *e, struct flow *f, uint64_t ts_ns,
    enum eve_flow_direction dir);

/*
 * The EVE "stats" event: counters given as dotted names ("decoder.ipv4.
 * trunc_pkt") become nested objects ({"stats":{"decoder":{"ipv4":
 * {"trunc_pkt":3}}}}), as Suricata writes them.  Names are grouped by
 * their prefixes (any order is fine); a name that is also a prefix of
 * another (e.g. "a.b" and "a.b.c") is a caller error: the leaf is dropped.
 * At most EVE_STATS_MAX counters, each name at most 8 levels and 255 bytes.
 */
#define EVE_STATS_MAX 4096
struct eve_counter {
	const char *name;
	uint64_t value;
};
int eve_write_stats(struct eve *e, uint64_t ts_ns, const struct eve_counter *c,
    size_t n);

#endif
