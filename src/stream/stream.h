/* summary: TCP stream reassembly: in-order byte streams per direction from segments. */
#ifndef APIARY_STREAM_STREAM_H
#define APIARY_STREAM_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * One engine (struct stream_ctx: configuration, global memory account and
 * totals) reassembles many directions (struct stream_dir, embedded where
 * the caller keeps per-flow state, two per TCP connection).  Segments go
 * in with stream_dir_segment(); in-order bytes come out, at once, through
 * the caller's callback as chunks: (data, length, direction, stream offset,
 * flags).  Offsets are 64-bit byte positions from the first byte after the
 * SYN (or from the first byte seen, when the connection was picked up
 * midstream), so streams longer than 4 GiB and sequence wraparound are
 * handled.
 *
 * Policy (see docs/stream.md):
 *   - overlaps: first data wins.  Bytes that overlap data already seen are
 *     compared where they still can be (held data, and the last `retain`
 *     delivered bytes); differing bytes are counted as conflicts.
 *   - out-of-order segments are held (copied) until the hole fills.  A hole
 *     that never fills is delivered as a chunk with STREAM_CHUNK_GAP (data
 *     NULL, len = missing bytes) when the flow ends (stream_dir_flush), or
 *     when the held data would pass `max_held` bytes or reach `window`
 *     bytes past the delivered point.  Data for a hole already delivered
 *     as a gap is dropped ("late").
 *   - SYN sets the initial sequence number; a SYN once data was seen is
 *     ignored.  FIN marks the end: when all bytes before it are delivered a
 *     zero-length chunk with STREAM_CHUNK_END is delivered; data past the
 *     FIN is dropped.  RST ends the direction like a flush.
 *   - memory: held and retained bytes are charged to the engine's `memcap`
 *     (global) and to the direction (max_held).  Past max_held the oldest
 *     hole is given up (gap); at memcap the direction gives up its own
 *     holes first, and if it holds nothing the new segment is dropped and
 *     counted (it becomes a gap later).  Never more than memcap bytes of
 *     segment data are held, whatever the input.
 */

#define STREAM_CHUNK_GAP 0x01	/* bytes missing: data NULL, len bytes skipped */
#define STREAM_CHUNK_END 0x02	/* end of this direction (FIN reached, RST or flush); len 0 */

struct stream_chunk {
	const uint8_t *data;	/* NULL for a gap or an end marker */
	uint32_t len;
	uint8_t dir;		/* the direction's number, as given to stream_dir_init */
	uint8_t flags;		/* STREAM_CHUNK_* */
	uint64_t offset;	/* stream offset of the first byte */
};

typedef void (*stream_deliver_fn)(void *user, const struct stream_chunk *c);

struct stream_config {
	uint64_t memcap;	/* all held+retained bytes, engine-wide (default 256 MiB) */
	uint32_t max_held;	/* held out-of-order bytes per direction (default 16 MiB) */
	uint32_t window;	/* furthest a segment may lie past the delivered point (default 16 MiB) */
	uint32_t retain;	/* delivered bytes kept per direction to check retransmissions (default 4096, 0 = none) */
	uint64_t depth;		/* deliver at most this many bytes per direction (0 = all) */
};

/* Counters, per direction and (summed) per engine. */
struct stream_stats {
	uint64_t segments;	/* segments with payload */
	uint64_t bytes;		/* bytes delivered */
	uint64_t ooo_segments;	/* arrived past a hole (held) */
	uint64_t retransmissions;	/* segments entirely old (already seen) */
	uint64_t overlap_bytes;	/* payload bytes that were already seen */
	uint64_t conflict_bytes;	/* ... and differed from what was seen (first kept) */
	uint64_t gaps;		/* gap chunks delivered */
	uint64_t gap_bytes;	/* bytes missing in them */
	uint64_t late_bytes;	/* arrived for a hole already given up */
	uint64_t memdrop_bytes;	/* dropped at the memory bound */
	uint64_t ignored_bytes;	/* before the ISN, after FIN/RST, past depth */
	uint64_t midstream;	/* directions picked up without a SYN */
};

/* One held segment; the ring of delivered bytes (private). */
struct stream_seg;
struct stream_tail;

/* One direction.  Embed it; treat the fields as private. */
struct stream_dir {
	uint32_t next_seq;	/* sequence number of offset `delivered` */
	uint8_t dir;
	uint8_t state;		/* private: STREAM_DIR_* in stream.c */
	uint8_t saw_syn;
	uint8_t saw_fin;
	uint64_t delivered;	/* offset of the next byte to deliver */
	uint64_t fin_offset;	/* where the FIN lies, if saw_fin */
	uint64_t gap_lo, gap_hi;	/* the region of the last gaps delivered */
	struct stream_seg *held;	/* sorted by offset, never overlapping */
	struct stream_seg *held_tail;	/* its last piece (appends are O(1)) */
	uint32_t held_bytes;	/* payload bytes held */
	uint32_t held_segs;
	struct stream_tail *tail;	/* the last `retain` delivered bytes */
	struct stream_stats st;
};

struct stream_ctx;

/* Fills cfg with the defaults. */
void stream_config_default(struct stream_config *cfg);
struct stream_ctx *stream_ctx_new(const struct stream_config *cfg, struct error *err);
void stream_ctx_free(struct stream_ctx *ctx);
/* Totals over the directions released so far (stream_dir_flush/free). */
const struct stream_stats *stream_ctx_stats(const struct stream_ctx *ctx);
/* Bytes held now (out-of-order + retained), engine-wide. */
uint64_t stream_ctx_memuse(const struct stream_ctx *ctx);

void stream_dir_init(struct stream_dir *d, uint8_t dir);

/* A TCP segment of this direction, as seen on the wire. */
struct stream_segment {
	uint32_t seq;
	uint8_t flags;		/* TCP_SYN, TCP_FIN, TCP_RST (net/packet.h) */
	const uint8_t *data;
	uint32_t len;
};

/*
 * Takes one segment; delivers whatever it makes contiguous (and gaps the
 * bounds force) through fn before returning.  Never fails: what cannot be
 * kept is dropped and counted.
 */
void stream_dir_segment(struct stream_ctx *ctx, struct stream_dir *d,
    const struct stream_segment *seg, stream_deliver_fn fn, void *user);
/*
 * The same, for a segment whose bytes stay valid and unchanged until d is
 * flushed or freed (offline: a capture kept mapped).  The engine then
 * keeps references to the delivered bytes instead of copying them into
 * its retransmission ring; what it counts is the same.
 */
void stream_dir_segment_stable(struct stream_ctx *ctx, struct stream_dir *d,
    const struct stream_segment *seg, stream_deliver_fn fn, void *user);
/*
 * End of the direction (flow ended or expired): delivers held data with
 * gaps for the holes, a gap up to the FIN if one was seen, and the END
 * chunk (once), then releases memory.  Totals go into the engine.
 */
void stream_dir_flush(struct stream_ctx *ctx, struct stream_dir *d,
    stream_deliver_fn fn, void *user);
/* Releases memory without delivering anything (adds totals as well). */
void stream_dir_free(struct stream_ctx *ctx, struct stream_dir *d);
/* True once END was delivered. */
int stream_dir_ended(const struct stream_dir *d);

#endif
