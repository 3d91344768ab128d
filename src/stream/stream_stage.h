/* summary: the stream stage: TCP reassembly per flow for the pipeline, chunks to a consumer. */
#ifndef APIARY_STREAM_STREAM_STAGE_H
#define APIARY_STREAM_STREAM_STAGE_H

#include "core/error.h"
#include "engine/pipeline.h"
#include "stream/stream.h"

/*
 * For the analyzer and the gateway: add it after the flow table
 *
 *     struct stream_stage *ss = stream_stage_new(pipeline_flows(pl), &cfg, fn, user, &err);
 *     pipeline_add_stage(pl, "stream", stream_stage_run, ss, &err);
 *     ...
 *     pipeline_finish(pl, &err);      // ends every flow: remaining data and gaps are delivered
 *     stream_stage_free(ss);
 *
 * The consumer gets every in-order chunk of both directions of every TCP
 * flow, with the flow (valid during the call, also when called from the
 * flow's end): chunk->dir is FLOW_TOSERVER or FLOW_TOCLIENT, chunk->offset
 * the byte position in that direction, STREAM_CHUNK_GAP for missing bytes,
 * STREAM_CHUNK_END once per direction.  Chunks of a packet are delivered
 * while the stage runs for that packet (so the detect stage after it can
 * match on what the packet completed).  Per-flow state lives in a flow
 * storage slot and is freed with the flow; memory bounds are those of
 * struct stream_config (memcap engine-wide).
 */

struct flow;

typedef void (*stream_stage_fn)(void *user, struct flow *f,
    const struct stream_chunk *chunk);

struct stream_stage;

struct stream_stage *stream_stage_new(struct flow_table *ft,
    const struct stream_config *cfg, stream_stage_fn fn, void *user,
    struct error *err);
/* Call after the flow table has ended its flows (pipeline_finish). */
void stream_stage_free(struct stream_stage *ss);
/* The pipeline stage (ctx: the struct stream_stage); always PIPELINE_PASS. */
enum pipeline_verdict stream_stage_run(void *ctx, struct packet *p);
/* Engine totals (directions of ended flows) and bytes held now. */
const struct stream_stats *stream_stage_stats(const struct stream_stage *ss);
uint64_t stream_stage_memuse(const struct stream_stage *ss);

#endif
