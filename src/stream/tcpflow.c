/* summary: tcpflow-compatible session extraction: flow slots + reassembly + session files. */
#include "stream/tcpflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pipeline.h"
#include "flow/flow.h"
#include "net/packet.h"

/*
 * Design.  tcpflow keeps one record per direction (its flow key is
 * directional) and cuts files by that record's life; apiary keeps one
 * record per flow in the flow table.  So the slot holds two small
 * per-direction machines that replay tcpdemux::process_tcp's decisions
 * (start, ignore, restart, end), and only the bytes go through the
 * stream engine.  Names are chosen by the session writer at the first
 * byte (O_EXCL, next free c<count>), the same rule tcpflow 1.6 uses, so
 * reused port pairs get the same suffixes in the same order.
 *
 * Zero copy: when the caller says the input is stable (offline, the
 * capture kept mapped until after tcpflow_close), a chunk that lies inside
 * the current packet's captured frame -- in-order data delivered straight
 * from the segment, the common case -- is handed to the writer by
 * reference.  Everything else is copied: data the engine held (its own
 * copies), reassembled IP fragments (the defragmenter's buffer), chunks
 * flushed outside a packet (flow timeouts and evictions), and live input.
 * The segment itself goes to the engine as stable
 * (stream_dir_segment_stable) when its payload lies in the frame, so the
 * engine's retransmission ring keeps references too: on in-order traffic
 * this thread then never reads a payload byte.
 */

#define TCPFLOW_SAVED 101	/* tcpflow keeps max_saved_flows (100) + 1 */

struct tf_flow;

struct tf_dir {
	struct stream_dir sd;
	struct tcpflow *t;
	struct session_file *sess;
	struct session_info info;
	uint64_t last_ns;
	uint32_t isn;		/* tcpflow's isn: first byte is isn + 1 */
	uint32_t nsn;		/* tcpflow's next expected sequence number */
	uint32_t syn_count;
	uint8_t exists;		/* tcpflow has a record for this direction */
	uint8_t stored;		/* some data was stored (tcpflow pos > 0) */
	uint8_t saved;		/* ended: saved_* valid */
	uint32_t saved_isn;
	uint64_t saved_no;
	struct session_file *saved_sess;	/* the ended session, kept for late data */
};

struct tf_flow {
	struct tf_dir d[2];
	char cid[FLOW_COMMUNITY_ID_LEN];
};

struct tcpflow {
	struct tcpflow_config cfg;
	struct stream_ctx *stream;
	struct session_writer *writer;
	int slot;
	int stable;			/* tcpflow_input_stable() */
	uintptr_t frame_lo, frame_hi;	/* the current packet's frame, if stable */
	uint64_t removals;
	struct tcpflow_stats st;
};

void
tcpflow_config_default(struct tcpflow_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	stream_config_default(&cfg->stream);
	session_writer_config_default(&cfg->writer);
	cfg->max_seek = 16u << 20;
}

static void
deliver(void *user, const struct stream_chunk *c)
{
	struct tf_dir *x = user;
	struct tcpflow *t = x->t;

	if (c->flags & (STREAM_CHUNK_GAP | STREAM_CHUNK_END))
		return;		/* a gap is a hole in the file; END is handled by the caller */
	if (x->sess == NULL) {
		x->sess = session_file_begin(t->writer, &x->info);
		if (x->sess == NULL)
			return;
	}
	uintptr_t lo = (uintptr_t)c->data;
	if (lo >= t->frame_lo && lo < t->frame_hi && c->len <= t->frame_hi - lo)
		session_file_write_ref(t->writer, x->sess, c->offset, c->data,
		    c->len, x->last_ns);
	else
		session_file_write(t->writer, x->sess, c->offset, c->data,
		    c->len, x->last_ns);
}

/* tcpflow's remove_flow for one direction: deliver the rest, close, save. */
static void
dir_end(struct tcpflow *t, struct tf_dir *x)
{
	struct session_counts c;

	stream_dir_flush(t->stream, &x->sd, deliver, x);
	session_file_release(t->writer, x->saved_sess);
	x->saved_sess = NULL;
	if (x->sess != NULL) {
		const struct stream_stats *s = &x->sd.st;
		c.gaps = s->gaps;
		c.gap_bytes = s->gap_bytes;
		c.out_of_order = s->ooo_segments;
		c.overlap_bytes = s->overlap_bytes;
		c.conflict_bytes = s->conflict_bytes;
		session_file_keep(x->sess);
		session_file_end(t->writer, x->sess, &c, x->last_ns);
		x->saved_sess = x->sess;
		x->sess = NULL;
	}
	x->exists = 0;
	x->saved = 1;
	x->saved_isn = x->isn;
	x->saved_no = ++t->removals;
}

static void
dir_start(struct tcpflow *t, struct tf_flow *tf, struct tf_dir *x,
    const struct packet *p, int syn)
{
	uint32_t seq = p->tcp_seq;

	stream_dir_init(&x->sd, p->dir);
	x->t = t;
	x->exists = 1;
	x->stored = 0;
	x->syn_count = 0;
	x->isn = syn ? seq : seq - 1;
	x->nsn = x->isn + 1;
	memset(&x->info, 0, sizeof(x->info));
	x->info.src = p->src;
	x->info.dst = p->dst;
	x->info.sport = p->sport;
	x->info.dport = p->dport;
	x->info.vlan = p->vlan_count > 0 ? p->vlan_id[0] : -1;
	x->info.toclient = p->dir == FLOW_TOCLIENT;
	x->info.flow_id = p->flow->flow_id;
	x->info.community_id = tf->cid;
	x->info.first_ns = p->ts_ns;
	t->st.directions++;
	/* the engine's base: after the SYN, or this first data byte */
	struct stream_segment s = { .seq = seq, .flags = syn ? TCP_SYN : 0 };
	if (syn)
		stream_dir_segment(t->stream, &x->sd, &s, deliver, x);
}

static void
slot_free(void *ctx, void *data)
{
	struct tcpflow *t = ctx;
	struct tf_flow *tf = data;

	for (int i = 0; i < 2; i++) {
		struct tf_dir *x = &tf->d[i];
		if (x->exists)
			dir_end(t, x);
		stream_dir_free(t->stream, &x->sd);
		session_file_release(t->writer, x->saved_sess);
	}
	free(tf);
}

struct tcpflow *
tcpflow_new(struct flow_table *ft, const struct tcpflow_config *cfg, struct error *err)
{
	struct tcpflow *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return error_errno(err, "tcpflow"), NULL;
	t->cfg = *cfg;
	t->stream = stream_ctx_new(&cfg->stream, err);
	if (t->stream == NULL)
		goto fail;
	t->slot = flow_table_register_storage(ft, slot_free, t, err);
	if (t->slot < 0)
		goto fail;
	t->writer = session_writer_new(&cfg->writer, err);
	if (t->writer == NULL)
		goto fail;
	return t;
fail:
	stream_ctx_free(t->stream);
	free(t);
	return NULL;
}

void
tcpflow_packet(struct tcpflow *t, struct packet *p)
{
	struct flow *f = p->flow;
	struct tf_flow *tf;
	struct tf_dir *x;
	uint32_t seq = p->tcp_seq, len = p->payload_len;
	int syn, ack, fin, rst;

	if (f == NULL || !(p->layers & PKT_TCP) || (p->layers & PKT_INVALID))
		return;
	t->st.packets++;
	tf = f->storage[t->slot];
	if (tf == NULL) {
		tf = calloc(1, sizeof(*tf));
		if (tf == NULL)
			return;
		snprintf(tf->cid, sizeof(tf->cid), "%s", flow_community_id(f));
		f->storage[t->slot] = tf;
	}
	x = &tf->d[p->dir & 1];
	syn = (p->tcp_flags & TCP_SYN) != 0;
	ack = (p->tcp_flags & TCP_ACK) != 0;
	fin = (p->tcp_flags & TCP_FIN) != 0;
	rst = (p->tcp_flags & TCP_RST) != 0;

	if (syn && x->exists && x->syn_count > 0 && x->stored) {
		t->st.ignored_syns++;
		return;
	}
	if (!x->exists) {
		if (len == 0) {
			if (fin || rst || (!syn && !ack))
				return;
		} else if (x->saved_sess != NULL) {
			if (t->removals - x->saved_no >= TCPFLOW_SAVED) {
				/* out of tcpflow's saved flows: forget it */
				session_file_release(t->writer, x->saved_sess);
				x->saved_sess = NULL;
			} else if (session_writer_matches(t->writer, x->saved_sess,
			    (uint32_t)(seq - x->saved_isn - 1), p->payload, len)) {
				t->st.late_matches++;
				return;
			}
		}
	}
	if (x->exists) {
		int32_t delta = (int32_t)(seq - x->nsn);
		if ((delta < 0 ? -(int64_t)delta : delta) > t->cfg.max_seek)
			dir_end(t, x);
	}
	if (!x->exists) {
		if (!syn && len == 0)
			return;
		if (x->saved)
			t->st.restarts++;
		dir_start(t, tf, x, p, syn);
	}
	x->last_ns = p->ts_ns;
	if (syn) {
		x->syn_count++;
		len = 0;	/* tcpflow: data on a SYN is a violation, not stored */
	}
	if (len > 0 || fin || rst) {
		if (t->stable) {
			t->frame_lo = (uintptr_t)p->frame;
			t->frame_hi = (uintptr_t)p->frame + p->caplen;
		}
		struct stream_segment s = {
			.seq = seq, .data = p->payload, .len = len,
			.flags = (uint8_t)(p->tcp_flags & (TCP_FIN | TCP_RST)),
		};
		if (len > 0) {
			x->stored = 1;
			x->nsn = seq + len;
		}
		/* the engine may keep references to bytes of the frame (not
		 * to a reassembled IP datagram's buffer) */
		if (t->stable && (uintptr_t)p->payload >= t->frame_lo &&
		    (uintptr_t)p->payload + len <= t->frame_hi)
			stream_dir_segment_stable(t->stream, &x->sd, &s, deliver, x);
		else
			stream_dir_segment(t->stream, &x->sd, &s, deliver, x);
		t->frame_lo = t->frame_hi = 0;
	}
	if (rst || stream_dir_ended(&x->sd))
		dir_end(t, x);
}

void
tcpflow_input_stable(struct tcpflow *t, int stable)
{
	t->stable = stable;
}

enum pipeline_verdict
tcpflow_stage(void *ctx, struct packet *p)
{
	tcpflow_packet(ctx, p);
	return PIPELINE_PASS;
}

int
tcpflow_close(struct tcpflow *t, struct error *err)
{
	int rc;

	if (t == NULL)
		return 0;
	rc = session_writer_close(t->writer, err);
	stream_ctx_free(t->stream);
	free(t);
	return rc;
}

void
tcpflow_get_stats(const struct tcpflow *t, struct tcpflow_stats *st)
{
	*st = t->st;
	st->stream = *stream_ctx_stats(t->stream);
}

struct session_writer *
tcpflow_writer(struct tcpflow *t)
{
	return t->writer;
}
