/* summary: scan and flood detection per source, after iplog. */
#ifndef APIARY_SCAN_SCAN_H
#define APIARY_SCAN_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/json.h"
#include "net/addr.h"
#include "net/packet.h"

/*
 * Each decoded packet is classified (TCP port probe, SYN/FIN/NULL/Xmas
 * stealth probe, UDP probe, ICMP echo request, unsolicited echo reply) and
 * counted for its source.  When a source reaches a type's threshold within
 * the type's window, an episode starts; it lasts while the source keeps
 * sending packets of that type and ends when it has been quiet for the
 * window (scan_tick), at scan_finish, or when the source is evicted.  One
 * event per episode is handed to the emit callback when it ends.  See
 * docs/apiary-analyze.md for the classification rules.
 */
enum scan_type {
	SCAN_TCP_PORT = 0,	/* distinct TCP ports (SYN, DF set) */
	SCAN_SYN,		/* SYN without ACK and without DF (nmap -sS) */
	SCAN_FIN,		/* FIN only */
	SCAN_NULL,		/* no flags */
	SCAN_XMAS,		/* FIN/URG/PSH without SYN/ACK/RST, not FIN only */
	SCAN_UDP,		/* distinct UDP ports, initiator packets */
	SCAN_PING_FLOOD,	/* ICMP/ICMPv6 echo requests */
	SCAN_SMURF,		/* unsolicited echo replies, per source /24 (/64) */
	SCAN_NTYPES
};

struct scan_threshold {
	uint32_t count;		/* packets (or distinct ports) ... */
	uint64_t window_ns;	/* ... within this window; also the quiet time */
	int enabled;
};

/* Bounds (memory): see scan.c's design comment for the arithmetic. */
#define SCAN_MAX_THRESHOLD 1024

struct scan_config {
	struct scan_threshold t[SCAN_NTYPES];
	uint32_t max_sources;	/* tracked sources; default 4096 */
	uint32_t max_episodes;	/* concurrent episodes; default 1024 */
	uint32_t max_targets;	/* target addresses kept per episode; default 32 */
	uint32_t max_ports_listed;	/* ports listed in an event; default 64 */
};

/* An ended episode, as the emit callback sees it (valid during the call). */
struct scan_episode {
	enum scan_type type;
	struct addr src;	/* smurf: the network address */
	uint8_t src_prefix;	/* 0: a host; smurf: 24 or 64 */
	uint64_t first_ns, last_ns;
	uint64_t packets, bytes;	/* bytes: frame bytes on the wire */
	const struct addr *targets;	/* distinct, first seen first */
	uint32_t ntargets;
	uint64_t targets_count;	/* distinct targets (estimated if > max_targets) */
	int targets_estimated;
	const uint8_t *port_bits;	/* 65536-bit set of probed ports, or NULL */
	uint32_t ports_count;
	const char *reason;	/* "timeout", "shutdown", "evicted" */
};

typedef void (*scan_emit_fn)(void *ctx, const struct scan_episode *ep);

struct scan_stats {
	uint64_t sources;		/* tracked now */
	uint64_t sources_evicted;	/* dropped at max_sources */
	uint64_t episodes;		/* ended and emitted */
	uint64_t episodes_active;
	uint64_t episodes_evicted;	/* ended early at max_episodes or eviction */
	uint64_t by_type[SCAN_NTYPES];	/* emitted episodes per type */
};

void scan_config_default(struct scan_config *cfg);
/* "tcp_port_scan", "syn_scan", "fin_scan", "null_scan", "xmas_scan",
 * "udp_scan", "ping_flood", "smurf"; NULL when out of range. */
const char *scan_type_name(enum scan_type t);
/* Accepts those names and the short forms "port", "syn", "fin", "null",
 * "xmas", "udp", "ping", "smurf"; -1 if unknown. */
int scan_type_parse(const char *s);

struct scan *scan_new(const struct scan_config *cfg, scan_emit_fn emit,
    void *ctx, struct error *err);
/* Frees without emitting (call scan_finish first to emit open episodes). */
void scan_free(struct scan *s);

/* Counts a decoded packet (p->flow and p->dir used when set). */
void scan_packet(struct scan *s, const struct packet *p);
/* Ends episodes quiet for their window and forgets idle sources. */
void scan_tick(struct scan *s, uint64_t now_ns);
/* Ends every open episode (reason "shutdown"). */
void scan_finish(struct scan *s);
void scan_get_stats(const struct scan *s, struct scan_stats *st);

/*
 * Writes an episode's keys into an open EVE object: src_ip, dest_ip (when
 * there is exactly one target) and scan{type, start, end, duration,
 * packets, bytes, targets_count, targets[], ports_count, ports[], reason}.
 * At most max_ports_listed ports are listed (lowest first).
 */
void scan_episode_json(const struct scan_episode *ep, struct json *j,
    uint32_t max_ports_listed);

#endif
