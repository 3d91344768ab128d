/* summary: data control: per-honeypot connection limits, bandwidth, lists, anti-spoofing. */
#ifndef APIARY_CONTROL_CONTROL_H
#define APIARY_CONTROL_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "net/addr.h"
#include "net/packet.h"

/*
 * The Honeywall's rc.firewall, as one decision per frame.  The caller
 * (apiary-gw) says from which side a frame came and gets a verdict back;
 * the policy (what the config says) is separate from the state (token
 * buckets, connection table) so a reload swaps the policy and keeps the
 * state.  See src/control/control.c for the order of the checks and
 * docs/apiary-gw.md for the user's view.
 */

enum control_side { CONTROL_FROM_HONEYNET = 0, CONTROL_FROM_UPLINK = 1 };

/* Protocol classes a honeypot's limits are kept for. */
enum control_proto { CONTROL_TCP, CONTROL_UDP, CONTROL_ICMP, CONTROL_OTHER,
	CONTROL_NPROTO };

/* Why a frame was dropped (or 0: passed). */
enum control_reason {
	CONTROL_PASS = 0,
	CONTROL_DROP_MALFORMED,
	CONTROL_DROP_SPOOFED,
	CONTROL_DROP_LOCKDOWN,
	CONTROL_DROP_BLOCK,
	CONTROL_DROP_FENCE,
	CONTROL_DROP_LIMIT,
	CONTROL_DROP_BANDWIDTH,
	CONTROL_DROP_FRAGMENT,
	CONTROL_DROP_TUNNEL,
	CONTROL_DROP_VLAN,
	CONTROL_DROP_ETHERTYPE,
	CONTROL_DROP_IPV6,
	CONTROL_NREASONS
};

struct control_limit {
	uint64_t count;		/* new connections per window; 0 = none allowed */
	uint64_t window_ns;
	uint64_t burst;		/* bucket size; the Honeywall's burst = count */
	int unlimited;
};

struct control_honeypot {
	struct prefix net;	/* one address (full length) or a CIDR */
	struct control_limit limit[CONTROL_NPROTO];
	uint64_t bandwidth_bps;	/* outbound bit rate cap; 0 = none */
	uint64_t bandwidth_burst; /* bytes; 0 = default (rate / 4, >= 32 KiB) */
};

enum control_rule_kind { CONTROL_RULE_ALLOW, CONTROL_RULE_FENCE,
	CONTROL_RULE_BLOCK, CONTROL_RULE_PASS };

/*
 * allow/fence: outbound only, match the destination.  block/pass: either
 * direction, match the remote (non-honeypot) address.
 */
struct control_rule {
	enum control_rule_kind kind;
	int proto;		/* IP protocol number, -1 any */
	struct prefix addr;	/* len 0 + family 0: any */
	uint16_t port_lo, port_hi; /* 0, 0: any */
};

struct control_policy {
	int lockdown;
	struct control_honeypot *honeypots;
	size_t nhoneypots;
	struct control_rule *rules;
	size_t nrules;
	size_t max_conns;	/* connection table bound */
	size_t max_frags;	/* fragment table bound */
	uint64_t drop_log_count; /* drop events per drop_log_window_ns */
	uint64_t drop_log_window_ns;
};

/* The Honeywall's defaults: TCP 20/h, UDP 20/h, ICMP 50/h, other 10/h. */
void control_honeypot_defaults(struct control_honeypot *hp);
void control_policy_free(struct control_policy *pol);
int control_policy_copy(struct control_policy *dst,
    const struct control_policy *src, struct error *err);

enum control_event_type { CONTROL_EV_LIMIT, CONTROL_EV_DROP,
	CONTROL_EV_FLOW };

struct control_event {
	enum control_event_type type;
	uint64_t ts_ns;
	const struct packet *pkt;	/* DROP: the dropped packet */
	enum control_reason reason;	/* DROP */
	uint64_t suppressed;		/* DROP: not logged since the last one */
	/* LIMIT */
	const struct prefix *honeypot;
	enum control_proto proto;
	uint64_t limit, window_ns, count, dropped;
	/* FLOW (a tracked connection ended: timeout, eviction or shutdown) */
	int outbound;			/* started by the honeypot */
	uint8_t ip_proto;
	struct addr src, dst;		/* initiator first */
	uint16_t sport, dport;
	uint64_t start_ns, end_ns;
	uint64_t pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient;
	uint8_t flags_toserver, flags_toclient;
	const char *end_reason;		/* "timeout", "forced", "shutdown" */
};

typedef void (*control_emit_fn)(void *arg, const struct control_event *ev);

struct control_hp_stats {
	struct prefix net;
	uint64_t new_out[CONTROL_NPROTO];	/* admitted new outbound */
	uint64_t limited[CONTROL_NPROTO];	/* refused by the limit */
	uint64_t new_in;
	uint64_t pkts_out, bytes_out, pkts_in, bytes_in;
	uint64_t drops;
	uint64_t bandwidth_drops;
};

struct control_stats {
	uint64_t drops[CONTROL_NREASONS];
	uint64_t passed[2];		/* by side */
	uint64_t conns, conns_max, conn_evictions;
	uint64_t frags, frag_evictions;
	uint64_t drop_events_suppressed;
};

struct control;

struct control *control_new(const struct control_policy *pol,
    control_emit_fn emit, void *emit_arg, struct error *err);
void control_free(struct control *c);
/* Swaps in a new policy; keeps connections, buckets (by honeypot prefix). */
int control_reload(struct control *c, const struct control_policy *pol,
    struct error *err);
/* The verdict for one decoded frame: CONTROL_PASS or a drop reason. */
enum control_reason control_decide(struct control *c, const struct packet *p,
    enum control_side side, uint64_t now_ns);
/* Expires idle connections (emits their flow events); call about once a second. */
void control_tick(struct control *c, uint64_t now_ns);
/* Emits flow events for every tracked connection (on exit). */
void control_flush(struct control *c, uint64_t now_ns);
void control_get_stats(const struct control *c, struct control_stats *st);
size_t control_honeypot_count(const struct control *c);
void control_get_hp_stats(const struct control *c, size_t i,
    struct control_hp_stats *st);

const char *control_reason_name(enum control_reason r);
const char *control_proto_name(enum control_proto p);

#endif
