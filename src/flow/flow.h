/* summary: the bidirectional flow table: flow records, TCP state, expiry, memory bound. */
#ifndef APIARY_FLOW_FLOW_H
#define APIARY_FLOW_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "net/addr.h"
#include "net/packet.h"

/*
 * One flow per (proto, addresses, ports, VLAN ids), both directions in one
 * record.  ICMP is keyed as Suricata does: the "ports" are the message type
 * and its counterpart type (echo request 8 and echo reply 0 share a flow;
 * ICMPv6 128/129 likewise); the ICMP id is not part of the key.
 *
 * Orientation: `src`/`sport` is the initiator (client, Zeek's "orig",
 * Suricata's "toserver" side).  It is the sender of the first packet,
 * except for TCP picked up midstream, where the port heuristic documented
 * in flow.c / docs/eve.md may swap it (a flow whose first packet is a
 * SYN/ACK is always swapped: the SYN/ACK's receiver initiated it).
 *
 * Memory: the table never holds more than cfg.max_flows flows (default
 * 262144).  Flows live in slabs allocated on demand up to that bound and
 * recycled through a free list, so steady state makes no allocation per
 * packet or per flow.  When the bound is reached a new flow evicts the
 * least recently active unestablished flow, else the least recently
 * active closed one, else the least recently active established one
 * (counted in stats.evicted, reported through the end callback with
 * FLOW_END_EVICTED).
 */

#define FLOW_STORAGE_MAX 8		/* per-flow slots for other stages */
#define FLOW_HISTORY_MAX 32		/* Zeek history string, NUL included */
#define FLOW_COMMUNITY_ID_LEN 32	/* "1:" + 28 base64 chars + NUL */

/* Directions: index of per-direction arrays and value of packet.dir. */
#define FLOW_TOSERVER 0			/* sent by the initiator */
#define FLOW_TOCLIENT 1			/* sent by the responder */

/* Canonical key: the smaller (address, port) endpoint first; no padding
 * holes, so keys compare with memcmp. */
struct flow_key {
	struct addr addr[2];
	uint16_t port[2];
	uint16_t vlan[2];		/* 0 when absent */
	uint8_t proto;
	uint8_t pad[3];
};

/* Suricata-style TCP state (EVE tcp.state). */
enum flow_tcp_state {
	FLOW_TCP_NONE = 0,
	FLOW_TCP_SYN_SENT,
	FLOW_TCP_SYN_RECV,
	FLOW_TCP_ESTABLISHED,
	FLOW_TCP_FIN_WAIT1,
	FLOW_TCP_FIN_WAIT2,
	FLOW_TCP_TIME_WAIT,
	FLOW_TCP_CLOSE_WAIT,
	FLOW_TCP_LAST_ACK,
	FLOW_TCP_CLOSED,
};

/* Zeek-style TCP endpoint state, one per side (the input of conn_state). */
enum flow_endpoint_state {
	FLOW_EP_INACTIVE = 0,
	FLOW_EP_SYN_SENT,
	FLOW_EP_SYN_ACK_SENT,
	FLOW_EP_PARTIAL,
	FLOW_EP_ESTABLISHED,
	FLOW_EP_CLOSED,
	FLOW_EP_RESET,
};

/* EVE flow.state */
enum flow_state {
	FLOW_STATE_NEW = 0,		/* no reply / handshake not complete */
	FLOW_STATE_ESTABLISHED,		/* both sides seen (TCP: handshake done or midstream) */
	FLOW_STATE_CLOSED,		/* TCP FIN both ways or RST */
};

enum flow_end_reason {
	FLOW_END_NONE = 0,		/* still active */
	FLOW_END_TIMEOUT,		/* idle past its timeout */
	FLOW_END_EVICTED,		/* pushed out at the max_flows bound */
	FLOW_END_SHUTDOWN,		/* flow_table_shutdown() / table freed */
	FLOW_END_REUSED,		/* a new SYN on a closed TCP flow started a new one */
	FLOW_END_FORCED,		/* flow_table_end() by a stage (e.g. control) */
};

/* Flow flags (flow.flags). */
#define FLOW_F_MIDSTREAM	0x0001u	/* TCP seen first without SYN */
#define FLOW_F_SWAPPED		0x0002u	/* initiator is the first packet's receiver */
#define FLOW_F_ALERTED		0x0004u	/* set by detect: EVE flow.alerted */
#define FLOW_F_SYN_SEEN		0x0008u	/* an initiator SYN was seen */
#define FLOW_F_SYNACK_SEEN	0x0010u
#define FLOW_F_ISN_TS		0x0020u	/* isn[0] valid */
#define FLOW_F_ISN_TC		0x0040u	/* isn[1] valid */
#define FLOW_F_DROPPED		0x0080u	/* set by verdict: some packet dropped */

struct flow {
	struct flow *hnext;		/* internal: hash chain (first: one cache
					 * line per chain step) */
	uint64_t hash;			/* keyed hash of key */
	struct flow_key key;		/* canonical (hash) key */
	uint64_t flow_id;		/* unique, < 2^51, never 0 (JSON-safe) */

	/* initiator orientation */
	struct addr src, dst;
	uint16_t sport, dport;		/* ICMP: type and code of the first message */
	uint8_t proto;			/* IP protocol number */
	uint8_t vlan_count;
	uint16_t vlan_id[2];
	uint8_t icmp_type, icmp_code;	/* first initiator ICMP message */
	uint8_t icmp_resp_type, icmp_resp_code;	/* first responder message */
	uint8_t icmp_resp_seen;

	uint32_t flags;			/* FLOW_F_* */
	enum flow_state state;
	enum flow_tcp_state tcp_state;
	enum flow_endpoint_state ep_state[2];	/* [FLOW_TOSERVER] = orig */
	enum flow_end_reason end_reason;

	uint64_t first_ns, last_ns;
	uint64_t pkts[2];		/* [FLOW_TOSERVER], [FLOW_TOCLIENT] */
	uint64_t bytes[2];		/* frame bytes on the wire (as Suricata/tshark) */
	uint64_t ip_bytes[2];		/* IP datagram bytes (Zeek *_ip_bytes) */
	uint64_t payload_bytes[2];	/* sum of L4 payload lengths, retransmissions included */
	uint8_t tcp_flags[2];		/* union of flags seen per direction */
	uint32_t isn[2];		/* TCP initial sequence numbers (FLOW_F_ISN_*) */
	uint32_t seq_end[2];		/* highest seq + len seen, relative to isn */
	char history[FLOW_HISTORY_MAX];	/* Zeek letters, uppercase = initiator */
	uint16_t history_seen[2];	/* internal: letters already recorded */
	uint32_t hist_last[2][3];	/* internal: seq of last SYN/FIN/RST letter */
	uint32_t zero_windows[2];	/* Zeek 'W': zero windows advertised */
	uint32_t retransmits[2];	/* Zeek 'T': payload below the highest seq */
	uint8_t ep_prev[2];		/* internal: previous endpoint state */
	uint16_t cid_seed;		/* community id seed */
	char community_id[FLOW_COMMUNITY_ID_LEN];	/* "" until flow_community_id() */

	/* Per-stage storage, indexed by flow_table_register_storage(). */
	void *storage[FLOW_STORAGE_MAX];

	/* table internals: do not touch */
	struct flow *lprev, *lnext;	/* activity list of its timeout class */
	uint64_t list_ns;		/* activity time the list position reflects */
	uint8_t tclass;			/* timeout class */
	uint8_t in_use;
	uint8_t init_side;		/* key endpoint (0/1) that is the initiator */
	uint8_t hist_len;
};

struct flow_timeouts {			/* seconds */
	uint32_t tcp_new, tcp_established, tcp_closed;
	uint32_t udp_new, udp_established;
	uint32_t icmp_new, icmp_established;
	uint32_t other_new, other_established;
};

struct flow_config {
	uint32_t max_flows;		/* hard bound; 0 = default 262144 */
	struct flow_timeouts timeouts;	/* 0 fields take the defaults */
	uint16_t community_id_seed;	/* default 0 */
	int deterministic_hash;		/* tests: fixed SipHash key instead of getrandom() */
};

struct flow_stats {
	uint64_t created;		/* flows created */
	uint64_t ended;			/* flows ended (any reason) */
	uint64_t timed_out;
	uint64_t evicted;		/* ended at the max_flows bound */
	uint64_t reused;
	uint64_t active;		/* flows in the table now */
	uint64_t max_active;		/* high-water mark */
	uint64_t slabs;			/* slab allocations so far (bounded) */
	uint64_t memory;		/* bytes held: buckets + slabs */
	uint64_t no_flow;		/* packets without IP (ARP, ...) */
};

/*
 * Called once for every flow that ends, before its storage is freed and
 * the record recycled: the place to write EVE flow / conn.log records.
 * f->end_reason is set.  It must not call back into the table.
 */
typedef void (*flow_end_fn)(void *ctx, struct flow *f);
/* Frees a stage's per-flow storage slot (called after the end callback). */
typedef void (*flow_storage_free_fn)(void *ctx, void *data);

struct flow_table;

/* Fills the defaults documented in docs/eve.md. */
void flow_config_default(struct flow_config *cfg);
struct flow_table *flow_table_new(const struct flow_config *cfg, struct error *err);
/* Ends every flow with FLOW_END_SHUTDOWN (callback included), then frees. */
void flow_table_free(struct flow_table *ft);

void flow_table_set_end_callback(struct flow_table *ft, flow_end_fn fn, void *ctx);
/* Returns a slot index for f->storage[], or -1 when all are taken. */
int flow_table_register_storage(struct flow_table *ft, flow_storage_free_fn fn,
    void *ctx, struct error *err);

/*
 * Finds or creates the flow of a decoded packet, updates its counters and
 * TCP state, and sets p->flow and p->dir.  Returns p->flow, or NULL for
 * packets that have no flow (no IP layer).  Time is p->ts_ns.  A flow found
 * past its timeout is ended (FLOW_END_TIMEOUT) and a new one started.
 */
struct flow *flow_table_lookup(struct flow_table *ft, struct packet *p);

/*
 * Ends flows idle past their timeout at time now_ns (packet time for the
 * analyzer, wall time for the gateway).  Cheap to call per packet: it
 * checks only the oldest flow of each timeout class.  At most `max` flows
 * are ended per call (0 = no limit).  Returns the number ended.
 */
size_t flow_table_expire(struct flow_table *ft, uint64_t now_ns, size_t max);
/* Ends every flow with FLOW_END_SHUTDOWN (end of capture, daemon exit). */
void flow_table_shutdown(struct flow_table *ft);
/* Ends one flow now with the given reason; p->flow pointers become invalid. */
void flow_table_end(struct flow_table *ft, struct flow *f, enum flow_end_reason why);

void flow_table_stats(const struct flow_table *ft, struct flow_stats *st);
size_t flow_table_count(const struct flow_table *ft);

/* Direction of p in f: FLOW_TOSERVER or FLOW_TOCLIENT. */
int flow_direction(const struct flow *f, const struct packet *p);

/* Community ID v1 of the flow (computed once, then cached in the record). */
const char *flow_community_id(struct flow *f);
struct community_id_hasher;
/* The same with a reusable hasher (flow/community_id.h); NULL is fine. */
const char *flow_community_id_with(struct flow *f, struct community_id_hasher *h);

/* Names: "TCP", "UDP", "ICMP", "IPv6-ICMP", ... or NULL if unnamed. */
const char *flow_proto_name(uint8_t proto);
const char *flow_state_name(enum flow_state s);		/* new/established/closed */
const char *flow_tcp_state_name(enum flow_tcp_state s);	/* syn_sent, ... */
const char *flow_end_reason_name(enum flow_end_reason r);	/* EVE flow.reason */
/* Zeek conn_state: "S0", "SF", "REJ", ... ("OTH" for anything else). */
const char *flow_conn_state(const struct flow *f);
/* Payload bytes per direction as conn.log reports them (see docs/conn-log.md). */
uint64_t flow_orig_bytes(const struct flow *f);
uint64_t flow_resp_bytes(const struct flow *f);

#endif
