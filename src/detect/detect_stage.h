/* summary: the detect stage of the pipeline: rules in, alerts to EVE and fast.log, verdicts out. */
#ifndef APIARY_DETECT_DETECT_STAGE_H
#define APIARY_DETECT_DETECT_STAGE_H

#include <stdio.h>

#include "core/config.h"
#include "detect/detect.h"
#include "engine/pipeline.h"

/*
 * Glue between the engine and a pipeline (apiary analyze, apiary-gw):
 *
 *   ds = detect_stage_new(pl, &cfg, warn, ctx, err);
 *   pipeline_add_stage(pl, "detect", detect_stage_run, ds, err);
 *   ... frames ...
 *   detect_stage_finish(ds, err);     // before pipeline_finish()
 *   detect_stage_print_summary(ds, stdout);
 *   pipeline_finish(pl, err); ... detect_stage_free(ds) after pipeline_free()
 *
 * The stage keeps its per-flow state in a flow storage slot, writes EVE
 * `alert` events through pipeline_eve() and fast.log lines, and returns
 * PIPELINE_DROP for drop/reject verdicts in inline mode (the gateway then
 * reads detect_stage_last_result() to send the reject frames).  A stream
 * stage that reassembles TCP hands its in-order chunks to
 * detect_stage_stream() (cfg.stream_mode = 1); the alerts found in them
 * are reported with the packet being processed.
 */
struct detect_stage_config {
	const char *const *rule_files;
	size_t nrule_files;
	const char *classification;	/* NULL: built in */
	const char *const *vars;	/* "NAME=VALUE" */
	size_t nvars;
	int inline_mode;
	int stream_mode;
	const char *fast_log;		/* NULL: none */
	int eve_payload;		/* payload in EVE alerts */
};

/*
 * Config statements (apiary-gw, apiary analyze -c), for the caller's
 * parser to try on statements it does not know:
 *
 *     ids-rules /etc/apiary/local.rules [more.rules ...]
 *     ids-var HOME_NET [203.0.113.0/24]
 *     ids-classification /etc/apiary/classification.config
 *
 * Returns 1 if st was one of them (applied to dc, which then owns copies
 * of the strings: free them with detect_stage_config_clear()), 0 if not,
 * -1 on a mistake (err says file:line).
 */
int detect_config_statement(struct detect_stage_config *dc,
    const struct config_stmt *st, struct error *err);
void detect_stage_config_clear(struct detect_stage_config *dc);

struct detect_stage;

struct detect_stage *detect_stage_new(struct pipeline *pl,
    const struct detect_stage_config *cfg, detect_warn_fn warn, void *warn_ctx,
    struct error *err);
enum pipeline_verdict detect_stage_run(void *ctx, struct packet *p);
void detect_stage_stream(struct detect_stage *ds, struct packet *p, int dir,
    const uint8_t *data, size_t len);
const struct detect_result *detect_stage_last_result(const struct detect_stage *ds);
/* h10 (issue 6): app-layer transactions and the flows' app protocol
 * (src/app feeds them; see detect_app_tx in detect.h). */
void detect_stage_app_tx(struct detect_stage *ds, struct packet *p,
    const struct detect_app_view *av);
void detect_stage_set_app_proto(struct detect_stage *ds,
    int (*fn)(void *ctx, const struct flow *f), void *ctx);
/*
 * Inline reject: takes the frames built for the last packet that a reject
 * rule dropped (Ethernet, checksums set); a second call returns 0, so a
 * caller may ask after every PIPELINE_DROP.  frames[i] goes back out of
 * the port the packet came in on when to_sender[i], else out of the other
 * port.  Returns the number of frames (0..2); valid until the next packet.
 */
int detect_stage_rejects(struct detect_stage *ds, const uint8_t *frames[2],
    size_t lens[2], int to_sender[2]);
/*
 * Rule reload without stopping traffic: _start copies cfg and builds a new
 * engine in a thread; the packet loop calls _poll (cheap) which installs
 * it once ready: 1 installed, 0 nothing yet, -1 the build failed (err says
 * why; the running rules stay).  One reload at a time (-1 if busy).
 */
int detect_stage_reload_start(struct detect_stage *ds,
    const struct detect_stage_config *cfg, struct error *err);
int detect_stage_reload_poll(struct detect_stage *ds, struct error *err);
/* Replaces the engine (rule reload); the flows keep their state. */
int detect_stage_use_engine(struct detect_stage *ds, struct detect_engine *e,
    struct error *err);
struct detect_engine *detect_stage_engine(const struct detect_stage *ds);
/* Flushes fast.log; call before pipeline_finish(). */
int detect_stage_finish(struct detect_stage *ds, struct error *err);
/* "alerts N" and the count per signature, most frequent first. */
void detect_stage_print_summary(const struct detect_stage *ds, FILE *out);
uint64_t detect_stage_alerts(const struct detect_stage *ds);
void detect_stage_free(struct detect_stage *ds);

#endif
