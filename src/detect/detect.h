/* summary: the signature IDS: Snort/Suricata rules, Hyperscan prefilter, verdicts. */
#ifndef APIARY_DETECT_DETECT_H
#define APIARY_DETECT_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct packet;
struct flow;

/*
 * Life of a rule set:
 *
 *   loader = detect_loader_new(err);
 *   detect_loader_set_var(loader, "HOME_NET", "[192.0.2.0/24]", err);
 *   detect_loader_load_classification(loader, "etc/classification.config", err);
 *   detect_loader_add_file(loader, "local.rules", err);   // warnings: callback
 *   engine = detect_engine_build(loader, &cfg, err);       // loader may be freed
 *   thread = detect_thread_new(engine, err);               // one per packet thread
 *   detect_packet(thread, p, &flow_slot, &result);         // per packet
 *   detect_stream(thread, p, &flow_slot, dir, data, len, &result); // reassembled TCP
 *
 * An engine is immutable once built and reference counted: rule reload
 * builds a new one (seconds, off the packet path) and swaps it in with
 * detect_live_*; threads move to it between packets (detect_thread_use).
 *
 * A rule with an unsupported keyword, or one that does not parse, is
 * skipped with a warning "file:line: sid N: ..." and loading goes on.
 */

/* Rule actions, in Suricata's default action-order (pass first). */
enum detect_action {
	DETECT_ACTION_PASS = 0,
	DETECT_ACTION_DROP,
	DETECT_ACTION_SDROP,		/* drop without alert */
	DETECT_ACTION_REJECT,		/* rejectsrc: RST/ICMP to the sender */
	DETECT_ACTION_REJECTDST,
	DETECT_ACTION_REJECTBOTH,
	DETECT_ACTION_ALERT,
};

const char *detect_action_name(enum detect_action a);

/* What a loaded rule looks like to outputs (EVE alert, fast.log). */
struct detect_meta_kv {
	const char *key;
	const char *value;
};

struct detect_rule_info {
	uint32_t index;			/* 0..rule count-1 in its engine */
	uint32_t gid, sid, rev;
	enum detect_action action;
	int priority;			/* 1 highest; classtype's unless given */
	const char *msg;		/* "" if none */
	const char *classtype;		/* short name or NULL */
	const char *class_desc;		/* classification description or NULL */
	const struct detect_meta_kv *metadata;	/* metadata pairs in rule order */
	size_t nmetadata;
	const char *file;		/* where it was loaded from */
	int line;
};

/* ---- loading ------------------------------------------------------------- */

struct detect_loader;

/* Called for every skipped rule; keyword is the offending keyword or NULL. */
typedef void (*detect_warn_fn)(void *ctx, const char *file, int line,
    const char *keyword, const char *message);

struct detect_loader *detect_loader_new(struct error *err);
void detect_loader_free(struct detect_loader *l);
void detect_loader_set_warn(struct detect_loader *l, detect_warn_fn fn, void *ctx);

/* Address or port variable ("HOME_NET", "[192.0.2.0/24,!192.0.2.9]").
 * HOME_NET and EXTERNAL_NET default to "any". */
int detect_loader_set_var(struct detect_loader *l, const char *name,
    const char *value, struct error *err);
/*
 * "config classification: short,Description,priority" lines.  Without a
 * file, the built-in table (the same as etc/classification.config) is used.
 */
int detect_loader_load_classification(struct detect_loader *l, const char *path,
    struct error *err);
/* Fails only if the file cannot be read; bad rules become warnings. */
int detect_loader_add_file(struct detect_loader *l, const char *path,
    struct error *err);
/* One rule (no trailing newline needed); 0 loaded, 1 skipped (warned), -1 error. */
int detect_loader_add_rule(struct detect_loader *l, const char *text,
    const char *file, int line);

#define DETECT_KW_STATS_MAX 256
struct detect_kw_count {
	char name[48];
	uint64_t count;
};
struct detect_load_stats {
	uint64_t rules_total;		/* rule lines seen (not comments) */
	uint64_t rules_loaded;
	uint64_t rules_skipped;		/* = unsupported + broken */
	uint64_t rules_unsupported;	/* skipped for an unsupported keyword */
	uint64_t rules_broken;		/* skipped because they do not parse */
	uint64_t duplicate_sids;	/* later duplicates replace earlier ones (warned) */
	size_t nkw;			/* per unsupported keyword, sorted by count */
	struct detect_kw_count kw[DETECT_KW_STATS_MAX];
};
void detect_loader_stats(const struct detect_loader *l, struct detect_load_stats *st);

/* ---- engine ------------------------------------------------------------- */

struct detect_engine_config {
	int inline_mode;	/* drop/reject/replace act (gateway); else alert only */
	int stream_mode;	/* the caller feeds reassembled TCP via detect_stream() */
	size_t threshold_entries;	/* bound of the threshold table; 0 = 65536 */
};

struct detect_engine;

struct detect_engine_stats {
	uint64_t rules;
	uint64_t groups;		/* rule groups (protocol, port) */
	uint64_t databases;		/* Hyperscan databases */
	uint64_t patterns;		/* distinct fast patterns */
	uint64_t short_patterns;	/* fast patterns of 1-3 bytes */
	uint64_t rules_without_fast_pattern;
	uint64_t rules_by_address;	/* of those, found through an address index */
	uint64_t db_bytes;		/* Hyperscan database memory */
	uint64_t build_ns;
};

/* Moves the loader's rules into a new engine (the loader is left empty). */
struct detect_engine *detect_engine_build(struct detect_loader *l,
    const struct detect_engine_config *cfg, struct error *err);
struct detect_engine *detect_engine_ref(struct detect_engine *e);
void detect_engine_unref(struct detect_engine *e);
void detect_engine_stats(const struct detect_engine *e, struct detect_engine_stats *st);
size_t detect_engine_rule_count(const struct detect_engine *e);
const struct detect_rule_info *detect_engine_rule(const struct detect_engine *e,
    size_t i);
/* Calls fn for every fast pattern of every group and buffer (benchmarks,
 * tooling); a pattern shared by groups is reported once per group. */
void detect_engine_each_pattern(const struct detect_engine *e,
    void (*fn)(void *ctx, const uint8_t *pat, size_t len, int nocase), void *ctx);
/* Per-flow state (flowbits, stream tails) must be freed with this. */
void detect_flow_state_free(void *state);

/* ---- per packet ------------------------------------------------------- */

#define DETECT_MAX_ALERTS 16	/* alerts kept per packet (more are counted) */

/* Result flags. */
#define DETECT_R_ALERT		0x0001u	/* at least one alert */
#define DETECT_R_DROP		0x0002u	/* drop this packet (inline) */
#define DETECT_R_DROP_FLOW	0x0004u	/* ... and the rest of its flow */
#define DETECT_R_REJECT_SRC	0x0008u	/* send a reject to the packet's sender */
#define DETECT_R_REJECT_DST	0x0010u	/* ... and/or to its receiver */
#define DETECT_R_REPLACED	0x0020u	/* payload rewritten, checksums fixed */
#define DETECT_R_PASS		0x0040u	/* a pass rule matched */

struct detect_alert {
	const struct detect_rule_info *rule;
	uint8_t blocked;		/* EVE alert.action "blocked" */
	uint8_t from_stream;		/* matched on reassembled data */
	const uint8_t *payload;		/* the inspected bytes (valid until next call) */
	uint32_t payload_len;
};

struct detect_result {
	uint32_t flags;			/* DETECT_R_* */
	unsigned nalerts;
	unsigned alerts_lost;		/* beyond DETECT_MAX_ALERTS */
	struct detect_alert alerts[DETECT_MAX_ALERTS];
};

struct detect_thread;

struct detect_thread *detect_thread_new(struct detect_engine *e, struct error *err);
void detect_thread_free(struct detect_thread *t);
/* Moves the thread to engine e (after a reload); 0 or -1. */
int detect_thread_use(struct detect_thread *t, struct detect_engine *e,
    struct error *err);
struct detect_engine *detect_thread_engine(const struct detect_thread *t);

/*
 * Inspects a decoded packet.  flow_state points at the flow's storage slot
 * (NULL pointer for packets without a flow); the state is created on first
 * need and freed by detect_flow_state_free().  p->flow and p->dir are read
 * when set.  res is reset first.  In inline mode a replace rule rewrites
 * p's payload in place (the frame must be writable) and fixes checksums.
 */
void detect_packet(struct detect_thread *t, struct packet *p,
    void **flow_state, struct detect_result *res);
/*
 * Inspects in-order reassembled TCP bytes of direction dir (0 to server,
 * 1 to client) of p's flow; p is the packet that made them available.
 * Results are added to res (not reset).
 */
void detect_stream(struct detect_thread *t, struct packet *p, void **flow_state,
    int dir, const uint8_t *data, size_t len, struct detect_result *res);

/*
 * h10 (issue 6): app-layer transactions (src/app).  The app layer calls
 * this (through the detect stage) each time a transaction reaches an
 * inspection point; the rules with app buffers of that protocol and
 * point are evaluated on the transaction's buffers.  Results are added to
 * res.  detect_thread_set_app_proto() tells the engine a flow's app
 * protocol, for rules limited to one (`alert http ...`, app-layer-protocol).
 */
struct detect_app_view {
	int app_proto;			/* APP_PROTO_* (app/app.h) */
	int point;			/* APP_POINT_* */
	int dir;			/* 0 to server, 1 to client */
	const void *tx;			/* passed to buffer() */
	/* instance idx (0, 1, ...; several only for tls.certs) of buffer b
	 * (enum app_buf) of the transaction: 1 and its bytes, or 0 */
	int (*buffer)(const void *tx, int b, int idx, const uint8_t **data,
	    uint32_t *len);
};
void detect_app_tx(struct detect_thread *t, struct packet *p, void **flow_state,
    const struct detect_app_view *av, struct detect_result *res);
void detect_thread_set_app_proto(struct detect_thread *t,
    int (*fn)(void *ctx, const struct flow *f), void *ctx);

struct detect_thread_stats {
	uint64_t packets, stream_chunks, bytes;
	uint64_t candidates;		/* rules fully evaluated */
	uint64_t matches;		/* rules that matched */
	uint64_t alerts;
	uint64_t threshold_evictions;
};
void detect_thread_stats(const struct detect_thread *t, struct detect_thread_stats *st);

/* ---- inline actions ------------------------------------------------------ */

/*
 * Builds the reject frame(s) for p (an Ethernet frame with IPv4 or IPv6):
 * TCP: a RST (with ACK) to the sender (which = DETECT_R_REJECT_SRC) and/or
 * to the receiver (DETECT_R_REJECT_DST); other protocols: an ICMP(v6)
 * port/admin unreachable to the sender.  Each frame is written to out[i]
 * (DETECT_REJECT_FRAME_MAX bytes each) with its length in len[i].  Returns
 * the number of frames (0..2).
 */
#define DETECT_REJECT_FRAME_MAX 1600
int detect_build_reject(const struct packet *p, uint32_t which,
    uint8_t out[2][DETECT_REJECT_FRAME_MAX], size_t len[2]);

/* ---- reload -------------------------------------------------------------- */

/*
 * The engine in use, swapped atomically.  The packet thread calls
 * detect_live_current() per batch and detect_thread_use() when it changed;
 * a reload thread builds a new engine and calls detect_live_swap().  The
 * old engine is freed when its last thread has moved on.
 */
struct detect_live;
struct detect_live *detect_live_new(struct detect_engine *e, struct error *err);
void detect_live_free(struct detect_live *lv);
/* A new reference to the current engine (unref it when done). */
struct detect_engine *detect_live_current(struct detect_live *lv);
/* Installs e (takes the caller's reference). */
void detect_live_swap(struct detect_live *lv, struct detect_engine *e);
uint64_t detect_live_generation(struct detect_live *lv);

#endif
