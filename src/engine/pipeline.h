/* summary: the packet pipeline: decode -> flow -> scan -> stages -> outputs. */
#ifndef APIARY_ENGINE_PIPELINE_H
#define APIARY_ENGINE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/error.h"
#include "flow/flow.h"
#include "net/decode.h"
#include "net/packet.h"
#include "scan/scan.h"

/*
 * One pipeline, two drivers: `apiary analyze` feeds it frames from capture
 * files, apiary-gw from its bridge ports.  Each frame is decoded into one
 * struct packet, put in its flow, counted by scan detection, then handed to
 * the stages added with pipeline_add_stage() in order (control, stream,
 * detect, ...).  A stage returns PIPELINE_DROP to drop the packet: later
 * stages do not see it and pipeline_frame() returns the drop verdict.
 * Ended flows go to EVE `flow` events and conn.log, scan episodes to EVE
 * `scan` events, and pipeline_finish() writes an EVE `stats` event.
 *
 * Time is packet time: pipeline_frame() ticks timeouts itself once per
 * second of capture time; a live driver also calls pipeline_tick() with the
 * wall clock when no frames arrive.
 */

enum pipeline_verdict {
	PIPELINE_PASS = 0,
	PIPELINE_DROP = 1,
};

typedef enum pipeline_verdict (*pipeline_stage_fn)(void *ctx, struct packet *p);

#define PIPELINE_MAX_STAGES 16

struct pipeline_config {
	struct decoder_config decoder;
	struct flow_config flow;
	struct scan_config scan;
	int scan_enabled;		/* default 1 */
	const char *eve_path;		/* NULL: no EVE output */
	const char *connlog_path;	/* NULL: no conn.log */
	int connlog_append;		/* 1: append a new header block (daemons) instead of truncating */
	uint32_t max_talkers;		/* addresses counted for the summary; default 65536 */
};

/* Fills the defaults of every part. */
void pipeline_config_default(struct pipeline_config *cfg);
/*
 * Applies one config statement if it is a pipeline one (flows, timeout,
 * scan, defrag): 1 if applied, 0 if not a pipeline statement, -1 on a
 * mistake (err says file:line).  The statements are described in
 * docs/apiary-analyze.md.
 */
int pipeline_config_statement(struct pipeline_config *cfg,
    const struct config_stmt *st, struct error *err);
/* Loads a file of pipeline statements only (others are errors). */
int pipeline_config_load(struct pipeline_config *cfg, const char *path,
    struct error *err);

struct pipeline;

struct pipeline *pipeline_new(const struct pipeline_config *cfg,
    struct error *err);
/* Frees everything; call pipeline_finish() first to write the last events. */
void pipeline_free(struct pipeline *pl);

/* 1 if frames of this DLT_* link type can be decoded. */
int pipeline_linktype_supported(int linktype);

int pipeline_add_stage(struct pipeline *pl, const char *name,
    pipeline_stage_fn fn, void *ctx, struct error *err);

/*
 * The honeynet side (apiary-gw: its honeypots' prefixes).  An ended flow
 * whose initiator is inside and responder outside is "outbound", the
 * reverse "inbound": EVE `flow` events get "direction", conn.log gets
 * local_orig/local_resp T/F (Zeek's Site::local_nets).  Flows with both or
 * neither end inside carry no direction.  The prefixes are copied; call
 * again to change them (reload).  At most PIPELINE_MAX_HONEYNET prefixes
 * (looked up once per ended flow); conn.log marks them for up to 1024.
 */
#define PIPELINE_MAX_HONEYNET 4096
int pipeline_set_honeynet(struct pipeline *pl, const struct prefix *nets,
    size_t n, struct error *err);

enum pipeline_verdict pipeline_frame(struct pipeline *pl, int linktype,
    const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint64_t ts_ns);
/* Ends idle flows and quiet scan episodes at now_ns. */
void pipeline_tick(struct pipeline *pl, uint64_t now_ns);
/*
 * End of input: ends every flow and scan episode, writes the stats event
 * and closes the outputs (pipeline_eve() is NULL afterwards; the summary
 * stays readable).  -1 if an output could not be written.
 */
int pipeline_finish(struct pipeline *pl, struct error *err);

/* For stages that emit events, and for drivers. */
struct eve *pipeline_eve(struct pipeline *pl);
struct flow_table *pipeline_flows(struct pipeline *pl);
struct decoder *pipeline_decoder(struct pipeline *pl);

/* ---- the summary ------------------------------------------------------ */

enum pipeline_proto { PP_TCP, PP_UDP, PP_ICMP, PP_ICMPV6, PP_OTHER, PP_COUNT };

struct pipeline_summary {
	uint64_t frames, bytes;		/* frames seen, wire bytes */
	uint64_t first_ns, last_ns;	/* capture time span */
	uint64_t dropped;		/* PIPELINE_DROP verdicts */
	uint64_t no_flow;		/* frames without IP (ARP, ...) */
	struct {
		uint64_t flows, pkts, bytes;
	} proto[PP_COUNT];		/* ended flows by protocol */
	struct flow_stats flows;
	struct scan_stats scans;
	uint64_t anomalies;		/* all decoder anomalies */
	uint64_t talkers_untracked;	/* flows whose address was past max_talkers */
};

struct pipeline_talker {
	struct addr addr;
	uint64_t bytes, pkts, flows;	/* sent and received */
};

/* A recorded scan episode (the first PIPELINE_SCANS_KEPT are kept). */
#define PIPELINE_SCANS_KEPT 64
struct pipeline_scan {
	enum scan_type type;
	struct addr src;
	uint8_t src_prefix;
	struct addr target;		/* the first target */
	uint64_t targets_count;
	uint32_t ports_count;
	uint64_t packets;
	uint64_t first_ns, last_ns;
};

const char *pipeline_proto_name(enum pipeline_proto p);
void pipeline_get_summary(const struct pipeline *pl, struct pipeline_summary *s);
/* The n addresses with the most bytes (flows ended so far); returns count. */
size_t pipeline_top_talkers(const struct pipeline *pl,
    struct pipeline_talker *out, size_t n);
/* Scan episodes ended so far (at most PIPELINE_SCANS_KEPT). */
const struct pipeline_scan *pipeline_scans(const struct pipeline *pl,
    size_t *n);
/* Decoder anomalies with a non-zero count: calls fn(name, count) each. */
void pipeline_each_anomaly(const struct pipeline *pl,
    void (*fn)(void *ctx, const char *name, uint64_t count), void *ctx);

#endif
