/* summary: tcpflow-compatible session extraction: flow slots + reassembly + session files. */
#ifndef APIARY_STREAM_TCPFLOW_H
#define APIARY_STREAM_TCPFLOW_H

#include <stdint.h>

#include "capture/session_writer.h"
#include "core/error.h"
#include "engine/pipeline.h"
#include "stream/stream.h"

/*
 * The stage behind `apiary tcpflow` and the gateway's `sessions DIR`.  It
 * runs after the flow table (p->flow, p->dir set), keeps its state in a
 * flow storage slot, reassembles each direction with the stream engine and
 * writes the in-order bytes with the session writer.
 *
 * Where a connection starts and ends follows tcpflow 1.6 (tcpdemux.cpp),
 * per direction, so that files and names match tcpflow's on ordinary
 * captures:
 *   - a direction starts with a SYN (data after the SYN's number) or with
 *     its first data segment (midstream: that byte is offset 0); empty
 *     non-SYN segments of an unknown direction are ignored; SYN payload is
 *     not session data;
 *   - it ends when its FIN is reached with every byte before it, on its
 *     RST, when a segment lies more than max_seek bytes from the next
 *     expected sequence number (the next segment starts a new file: the
 *     name's c1, c2, ...), and when the flow ends (timeout, eviction,
 *     shutdown: whatever is held is delivered with gaps);
 *   - after a direction ended, a segment whose bytes the file already
 *     holds (a late retransmission) is ignored, while the direction is
 *     among the last 101 that ended, as tcpflow's saved flows; other data
 *     starts a new file;
 *   - a SYN on a direction that already wrote data is ignored.
 * What differs, on purpose: overlapping bytes keep the first copy (tcpflow
 * keeps the last), and holes given up by the engine's bounds (max_held,
 * window, memcap) are final.  See docs/apiary-tcpflow.md.
 */

struct flow_table;
struct packet;

struct tcpflow_config {
	struct stream_config stream;	/* engine bounds (memcap is engine-wide) */
	struct session_writer_config writer;
	uint32_t max_seek;		/* tcpflow's max_seek (default 16 MiB) */
};

struct tcpflow_stats {
	uint64_t packets;		/* TCP packets seen */
	uint64_t directions;		/* connections' directions started */
	uint64_t restarts;		/* started again on a known flow (max_seek, after the end) */
	uint64_t ignored_syns;
	uint64_t late_matches;		/* data after the end, already in the file */
	struct stream_stats stream;	/* engine totals */
};

struct tcpflow;

void tcpflow_config_default(struct tcpflow_config *cfg);
/* Registers a storage slot in ft; opens the writer (creates the folder). */
struct tcpflow *tcpflow_new(struct flow_table *ft, const struct tcpflow_config *cfg,
    struct error *err);
/* The stage: one decoded packet, after flow_table_lookup().  Ignores non-TCP. */
void tcpflow_packet(struct tcpflow *t, struct packet *p);
/*
 * Whether the frames given from now on stay valid until after
 * tcpflow_close() (offline: pcap_frame.stable).  Then in-order payload is
 * written by reference (session_file_write_ref), not copied.  Default 0.
 */
void tcpflow_input_stable(struct tcpflow *t, int stable);
/* The same as a pipeline stage (engine/pipeline.h): ctx is the struct tcpflow; always PASS. */
enum pipeline_verdict tcpflow_stage(void *ctx, struct packet *p);
/*
 * Call after the flow table is shut down or freed (which ends every
 * session through the slot): closes the writer.  -1 if a write failed
 * (err says the first).  Frees t either way.
 */
int tcpflow_close(struct tcpflow *t, struct error *err);
void tcpflow_get_stats(const struct tcpflow *t, struct tcpflow_stats *st);
struct session_writer *tcpflow_writer(struct tcpflow *t);

#endif
