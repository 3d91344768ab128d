/* summary: the stream stage: TCP reassembly per flow for the pipeline, chunks to a consumer. */
#include "stream/stream_stage.h"

#include <stdlib.h>

#include "flow/flow.h"
#include "net/packet.h"

/*
 * The slot holds both directions and a pointer back to the flow, so that
 * the flow's end (the storage free callback, which only gets the slot) can
 * still tell the consumer which flow its last chunks belong to; the flow
 * record is intact while its storage is freed (flow.c releases storage
 * before recycling the record).
 */

struct stream_flow {
	struct stream_dir d[2];
	struct flow *flow;
	struct stream_stage *ss;
};

struct stream_stage {
	struct stream_ctx *ctx;
	stream_stage_fn fn;
	void *user;
	int slot;
};

static void
deliver(void *user, const struct stream_chunk *c)
{
	struct stream_flow *sf = user;

	sf->ss->fn(sf->ss->user, sf->flow, c);
}

static void
slot_free(void *ctx, void *data)
{
	struct stream_stage *ss = ctx;
	struct stream_flow *sf = data;

	for (int i = 0; i < 2; i++)
		stream_dir_flush(ss->ctx, &sf->d[i], ss->fn ? deliver : NULL, sf);
	free(sf);
}

struct stream_stage *
stream_stage_new(struct flow_table *ft, const struct stream_config *cfg,
    stream_stage_fn fn, void *user, struct error *err)
{
	struct stream_stage *ss = calloc(1, sizeof(*ss));

	if (ss == NULL)
		return error_errno(err, "stream stage"), NULL;
	ss->fn = fn;
	ss->user = user;
	ss->ctx = stream_ctx_new(cfg, err);
	if (ss->ctx == NULL) {
		free(ss);
		return NULL;
	}
	ss->slot = flow_table_register_storage(ft, slot_free, ss, err);
	if (ss->slot < 0) {
		stream_ctx_free(ss->ctx);
		free(ss);
		return NULL;
	}
	return ss;
}

void
stream_stage_free(struct stream_stage *ss)
{
	if (ss == NULL)
		return;
	stream_ctx_free(ss->ctx);
	free(ss);
}

enum pipeline_verdict
stream_stage_run(void *ctx, struct packet *p)
{
	struct stream_stage *ss = ctx;
	struct flow *f = p->flow;
	struct stream_flow *sf;

	if (f == NULL || !(p->layers & PKT_TCP) || (p->layers & PKT_INVALID))
		return PIPELINE_PASS;
	sf = f->storage[ss->slot];
	if (sf == NULL) {
		sf = calloc(1, sizeof(*sf));
		if (sf == NULL)
			return PIPELINE_PASS;	/* no memory: this flow is not reassembled */
		stream_dir_init(&sf->d[FLOW_TOSERVER], FLOW_TOSERVER);
		stream_dir_init(&sf->d[FLOW_TOCLIENT], FLOW_TOCLIENT);
		sf->ss = ss;
		f->storage[ss->slot] = sf;
	}
	sf->flow = f;
	struct stream_segment seg = {
		.seq = p->tcp_seq, .flags = p->tcp_flags,
		.data = p->payload, .len = p->payload_len,
	};
	stream_dir_segment(ss->ctx, &sf->d[p->dir & 1], &seg,
	    ss->fn ? deliver : NULL, sf);
	return PIPELINE_PASS;
}

const struct stream_stats *
stream_stage_stats(const struct stream_stage *ss)
{
	return stream_ctx_stats(ss->ctx);
}

uint64_t
stream_stage_memuse(const struct stream_stage *ss)
{
	return stream_ctx_memuse(ss->ctx);
}
