/* summary: the built engine's structures (engine.c, match.c, live.c). */
#ifndef APIARY_DETECT_ENGINE_INT_H
#define APIARY_DETECT_ENGINE_INT_H

#include <stdatomic.h>

#include <hs.h>

#include "detect/detect_int.h"
#include "detect/threshold.h"

/*
 * A group is the set of rules a packet can match given its protocol and
 * one of its ports; for each buffer it has one Hyperscan database of the
 * rules' fast patterns (deduplicated: a pattern lists the rules it
 * stands for) and the list of rules that must always be evaluated (no
 * usable fast pattern).
 */
struct group_buf {
	hs_database_t *db;
	uint32_t npat;
	uint32_t npkt_tcp;	/* TCP rules needing packets (dsize, replace, ...) */
	uint32_t *pat_start;	/* npat + 1 offsets into pat_rule */
	uint32_t *pat_rule;	/* rule indexes */
};

/* Rules without a fast pattern whose source (or destination) addresses are
 * a short list: found by the packet's address instead of being evaluated
 * for every packet (IP reputation rules: tor, ciarmy, dshield, ...). */
struct ip_ival {
	u128 lo, hi;
	uint32_t rule;
};

struct ip_index {
	struct ip_ival *v;	/* sorted by lo */
	u128 *maxhi;		/* maxhi[i] = max(v[0..i].hi) */
	size_t n;
};

struct group {
	struct group_buf b[DBUF_MAX];
	struct ip_index by_src[2], by_dst[2];	/* [0] IPv4, [1] IPv6 */
	uint32_t *always;	/* rule indexes, sorted */
	uint32_t nalways;
	uint32_t *rules;	/* build-time list */
	uint32_t nrules, caprules;
};

enum { GP_TCP, GP_UDP, GP_NPORTED };

struct detect_engine {
	atomic_int refs;
	uint64_t id;			/* flow state generation check */
	struct detect_engine_config cfg;
	struct rule **rules;		/* in evaluation order */
	size_t nrules;
	struct names flowbits;
	struct group *groups;
	size_t ngroups;
	/* group index + 1 per port, or 0 */
	uint16_t *dport_map[GP_NPORTED], *sport_map[GP_NPORTED];
	int32_t any_group[RP_MAX];	/* -1 if none */
	/* h10 (issue 6): rules with app buffers, one group per app protocol
	 * (index APP_PROTO_*), inspected by detect_app_tx(); -1 if none */
	int32_t app_group[8];
	hs_scratch_t *scratch;		/* prototype, cloned per thread */
	struct detect_engine_stats stats;
};

/* Per-flow state (the flow table's storage slot). */
#define STREAM_TAIL 256
struct detect_flow_state {
	uint64_t engine_id;
	uint8_t dropped;
	uint16_t tail_len[2];
	uint8_t *tail;			/* 2 * STREAM_TAIL, lazily */
	uint32_t nbits;
	uint8_t bits[];
};

struct detect_thread {
	struct detect_engine *e;
	hs_scratch_t *scratch;
	uint32_t *cand;
	size_t ncand, capcand;
	uint32_t match_pos[256];
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	struct thresholds *thr;
	uint8_t *sbuf;			/* stream tail + chunk */
	size_t sbuf_cap;
	struct detect_thread_stats st;
	/* h10: the app protocol of a flow (app_flow_proto), for rules
	 * limited to one (alert http ...; app-layer-protocol) */
	int (*app_proto_of)(void *ctx, const struct flow *f);
	void *app_proto_ctx;
};

#endif
