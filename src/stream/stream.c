/* summary: TCP stream reassembly: in-order byte streams per direction from segments. */
#include "stream/stream.h"

#include <stdlib.h>
#include <string.h>

#include "net/packet.h"

/*
 * Design.  The common case is a segment that arrives in order with nothing
 * held: it is handed to the consumer straight from the packet, without a
 * copy or an allocation.  Only segments past a hole are copied, into a
 * singly linked list sorted by stream offset whose pieces never overlap:
 * a new segment is cut against what is held (first data wins), so the
 * list is walked once per insert and drained from the head.  Data that
 * goes on after the last piece (a lost segment, then the rest of a bulk
 * transfer: thousands of pieces) is appended through a tail pointer in
 * O(1).  A list, not a tree, because other inserts are rare in practice
 * and the number of pieces is bounded by max_held; an attacker can make
 * an insert O(pieces) but use no more memory than the bounds.
 *
 * Sequence numbers are turned into 64-bit stream offsets relative to the
 * delivered point (next_seq <-> delivered), with a signed 32-bit distance,
 * so a stream may run past 4 GiB and wrap the sequence space any number
 * of times; a segment more than 2 GiB away from the delivered point cannot
 * be told apart from an old one, which TCP itself forbids (RFC 9293 keeps
 * windows below 1 GiB).
 *
 * Conflicts (overlapping bytes that differ) can only be seen while both
 * copies exist: against held data always, against delivered data only for
 * the last `retain` bytes, which a small ring per direction keeps.  The
 * ring is allocated at the first delivery and charged like held data; if
 * the memory bound refuses it, the direction just does not check.
 */

enum {
	STREAM_DIR_NEW = 0,	/* no sequence base yet */
	STREAM_DIR_OPEN,
	STREAM_DIR_ENDED,	/* END delivered; everything ignored */
};
#define STREAM_DIR_RELEASED 0x80	/* totals added to the engine */
#define STATE(d) ((d)->state & 0x7f)

struct stream_seg {
	struct stream_seg *next;
	uint64_t offset;
	uint32_t len;
	uint32_t size;		/* bytes allocated for data (len may shrink) */
	uint8_t data[];
};

struct stream_ctx {
	struct stream_config cfg;
	uint64_t memuse;
	struct stream_stats total;
};

void
stream_config_default(struct stream_config *cfg)
{
	cfg->memcap = 256ull << 20;
	cfg->max_held = 16u << 20;
	cfg->window = 16u << 20;
	cfg->retain = 4096;
	cfg->depth = 0;
}

struct stream_ctx *
stream_ctx_new(const struct stream_config *cfg, struct error *err)
{
	struct stream_ctx *ctx;

	if (cfg->window == 0 || cfg->window > (1u << 30))
		return error_set(err, "stream: window must be 1 byte to 1 GiB"), NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return error_errno(err, "stream: calloc"), NULL;
	ctx->cfg = *cfg;
	return ctx;
}

void
stream_ctx_free(struct stream_ctx *ctx)
{
	free(ctx);
}

const struct stream_stats *
stream_ctx_stats(const struct stream_ctx *ctx)
{
	return &ctx->total;
}

uint64_t
stream_ctx_memuse(const struct stream_ctx *ctx)
{
	return ctx->memuse;
}

void
stream_dir_init(struct stream_dir *d, uint8_t dir)
{
	memset(d, 0, sizeof(*d));
	d->dir = dir;
}

int
stream_dir_ended(const struct stream_dir *d)
{
	return STATE(d) == STREAM_DIR_ENDED;
}

static int
charge(struct stream_ctx *ctx, uint64_t n)
{
	if (n > ctx->cfg.memcap || ctx->memuse > ctx->cfg.memcap - n)
		return -1;
	ctx->memuse += n;
	return 0;
}

static void
uncharge(struct stream_ctx *ctx, uint64_t n)
{
	ctx->memuse -= n;
}

/*
 * The ring of delivered bytes.  With stable input (stream_dir_segment_stable)
 * delivered bytes are not copied at once: the last few chunks are kept as
 * references (refs, oldest first) and copied into the ring only when
 * something needs the ring's bytes -- a retransmission to compare, a
 * chunk that is not stable, or more chunks than TAIL_REFS -- so on the
 * common path (in-order bulk data, no retransmissions) no payload byte is
 * read.  References are copied in delivery order, so the ring ends up
 * exactly as if every chunk had been copied: the conflicts counted are
 * the same.  A reference whose bytes all lie more than `retain` bytes
 * behind the delivered point is dropped uncopied: the ring's window no
 * longer holds it (compare_old reads only the last `retain` bytes).
 */
#define TAIL_REFS 16

struct stream_tail {
	struct tail_ref {
		uint64_t off;
		const uint8_t *p;
		uint32_t len;
	} refs[TAIL_REFS];		/* circular: first, n */
	uint32_t first, n;
	uint8_t bytes[];		/* retain bytes: offset o at o % retain */
};

static size_t
tail_size(const struct stream_ctx *ctx)
{
	return sizeof(struct stream_tail) + ctx->cfg.retain;
}

/* Copies [off, off+len) into the ring (its last `retain` bytes). */
static void
tail_copy(struct stream_ctx *ctx, struct stream_tail *t, uint64_t off,
    const uint8_t *p, uint32_t len)
{
	uint32_t r = ctx->cfg.retain, at, n;

	if (len > r) {
		p += len - r;
		off += len - r;
		len = r;
	}
	at = (uint32_t)(off % r);
	n = r - at < len ? r - at : len;
	memcpy(t->bytes + at, p, n);
	memcpy(t->bytes, p + n, len - n);
}

/* Copies the oldest reference into the ring. */
static void
tail_copy_first(struct stream_ctx *ctx, struct stream_tail *t)
{
	struct tail_ref *x = &t->refs[t->first];

	tail_copy(ctx, t, x->off, x->p, x->len);
	t->first = (t->first + 1) % TAIL_REFS;
	t->n--;
}

/* Brings the ring up to date: every reference copied. */
static void
tail_sync(struct stream_ctx *ctx, struct stream_tail *t)
{
	while (t->n > 0)
		tail_copy_first(ctx, t);
}

/* Remembers delivered bytes in the ring, allocating it on first use. */
static void
tail_remember(struct stream_ctx *ctx, struct stream_dir *d, uint64_t off,
    const uint8_t *p, uint32_t len, int stable)
{
	uint32_t r = ctx->cfg.retain;
	struct stream_tail *t = d->tail;

	if (r == 0)
		return;
	if (t == NULL) {
		if (charge(ctx, tail_size(ctx)) < 0)
			return;
		t = d->tail = malloc(tail_size(ctx));
		if (t == NULL) {
			uncharge(ctx, tail_size(ctx));
			return;
		}
		t->first = t->n = 0;
	}
	if (!stable) {
		tail_sync(ctx, t);
		tail_copy(ctx, t, off, p, len);
		return;
	}
	if (t->n > 0) {
		struct tail_ref *last = &t->refs[(t->first + t->n - 1) % TAIL_REFS];
		if (last->p + last->len == p && last->off + last->len == off &&
		    len <= UINT32_MAX - last->len) {
			last->len += len;	/* adjacent: one reference */
			goto drop_old;
		}
	}
	if (t->n == TAIL_REFS)
		tail_copy_first(ctx, t);
	t->refs[(t->first + t->n) % TAIL_REFS] = (struct tail_ref){ off, p, len };
	t->n++;
drop_old:
	/* references wholly out of the window are not needed any more */
	while (t->n > 0 && t->refs[t->first].off + t->refs[t->first].len + r <= off + len) {
		t->first = (t->first + 1) % TAIL_REFS;
		t->n--;
	}
}

static void
tail_release(struct stream_ctx *ctx, struct stream_dir *d)
{
	if (d->tail != NULL) {
		free(d->tail);
		d->tail = NULL;
		uncharge(ctx, tail_size(ctx));
	}
}

/* Counts bytes [off, off+len) that were already delivered; compares what the ring still has. */
static void
compare_old(struct stream_ctx *ctx, struct stream_dir *d, uint64_t off,
    const uint8_t *p, uint32_t len)
{
	uint32_t r = ctx->cfg.retain;
	uint64_t oldest;

	/* bytes of a hole given up earlier arrive late: not an overlap */
	if (off < d->gap_hi && off + len > d->gap_lo) {
		uint64_t lo = off > d->gap_lo ? off : d->gap_lo;
		uint64_t hi = off + len < d->gap_hi ? off + len : d->gap_hi;
		d->st.late_bytes += hi - lo;
		d->st.overlap_bytes -= hi - lo;
	}
	d->st.overlap_bytes += len;
	if (d->tail == NULL)
		return;
	tail_sync(ctx, d->tail);
	oldest = d->delivered > r ? d->delivered - r : 0;
	if (oldest < d->gap_hi)
		oldest = d->gap_hi;	/* the ring holds nothing for gaps */
	if (off < oldest) {
		uint64_t skip = oldest - off;
		if (skip >= len)
			return;
		p += skip;
		len -= (uint32_t)skip;
		off = oldest;
	}
	if (off >= d->delivered)
		return;
	if (off + len > d->delivered)
		len = (uint32_t)(d->delivered - off);
	for (uint32_t i = 0; i < len; i++)
		if (d->tail->bytes[(off + i) % r] != p[i])
			d->st.conflict_bytes++;
}

/* Hands [delivered, delivered+len) to the consumer (clipped at depth) and advances. */
static void
emit(struct stream_ctx *ctx, struct stream_dir *d, const uint8_t *p,
    uint32_t len, uint8_t flags, int stable, stream_deliver_fn fn, void *user)
{
	uint32_t vis = len;
	uint64_t depth = ctx->cfg.depth;

	if (depth != 0) {
		if (d->delivered >= depth)
			vis = 0;
		else if (depth - d->delivered < len)
			vis = (uint32_t)(depth - d->delivered);
	}
	if (flags & STREAM_CHUNK_GAP) {
		/* nearby gaps form one region, for counting late bytes */
		if (d->gap_hi == 0 || d->delivered - d->gap_hi > ctx->cfg.window)
			d->gap_lo = d->delivered;
		d->gap_hi = d->delivered + len;
		d->st.gaps++;
		d->st.gap_bytes += len;
	} else {
		d->st.bytes += len;
		tail_remember(ctx, d, d->delivered, p, len, stable);
	}
	if (vis > 0 && fn != NULL) {
		struct stream_chunk c = {
			.data = (flags & STREAM_CHUNK_GAP) ? NULL : p,
			.len = vis, .dir = d->dir, .flags = flags,
			.offset = d->delivered,
		};
		fn(user, &c);
	}
	if (vis < len && !(flags & STREAM_CHUNK_GAP))
		d->st.ignored_bytes += len - vis;
	d->delivered += len;
	d->next_seq += len;
}

static void
seg_pop(struct stream_ctx *ctx, struct stream_dir *d)
{
	struct stream_seg *s = d->held;

	d->held = s->next;
	if (d->held == NULL)
		d->held_tail = NULL;
	d->held_bytes -= s->len;
	d->held_segs--;
	uncharge(ctx, sizeof(*s) + s->size);
	free(s);
}

/* Delivers the held pieces that are now contiguous. */
static void
drain(struct stream_ctx *ctx, struct stream_dir *d, stream_deliver_fn fn, void *user)
{
	while (d->held != NULL && d->held->offset == d->delivered) {
		emit(ctx, d, d->held->data, d->held->len, 0, 0, fn, user);
		seg_pop(ctx, d);
	}
}

/* Gives up the first hole: a gap up to the first held piece, then drains. */
static void
skip_hole(struct stream_ctx *ctx, struct stream_dir *d, stream_deliver_fn fn, void *user)
{
	if (d->held == NULL)
		return;
	if (d->held->offset > d->delivered)
		emit(ctx, d, NULL, (uint32_t)(d->held->offset - d->delivered),
		    STREAM_CHUNK_GAP, 0, fn, user);
	drain(ctx, d, fn, user);
}

static struct stream_seg *
seg_new(struct stream_ctx *ctx, uint64_t off, const uint8_t *p, uint32_t len)
{
	struct stream_seg *s;

	if (charge(ctx, sizeof(*s) + len) < 0)
		return NULL;
	s = malloc(sizeof(*s) + len);
	if (s == NULL) {
		uncharge(ctx, sizeof(*s) + len);
		return NULL;
	}
	s->next = NULL;
	s->offset = off;
	s->len = len;
	s->size = len;
	memcpy(s->data, p, len);
	return s;
}

/*
 * Inserts [off, off+len) (all > delivered) into the held list, keeping what
 * is held where pieces overlap and counting the bytes that differ.
 */
static void
insert(struct stream_ctx *ctx, struct stream_dir *d, uint64_t off,
    const uint8_t *p, uint32_t len)
{
	struct stream_seg **link = &d->held, *h, *s;
	uint64_t cur = off, end = off + len;

	/* The usual case past a hole: the data continues after the last piece. */
	if (d->held_tail != NULL && off >= d->held_tail->offset + d->held_tail->len)
		link = &d->held_tail->next;
	while (cur < end) {
		h = *link;
		if (h != NULL && h->offset + h->len <= cur) {
			link = &h->next;
			continue;
		}
		if (h == NULL || h->offset > cur) {
			/* free space before h (or to the end) */
			uint64_t stop = (h == NULL || h->offset > end) ? end : h->offset;
			uint32_t n = (uint32_t)(stop - cur);
			s = seg_new(ctx, cur, p + (cur - off), n);
			if (s == NULL) {
				d->st.memdrop_bytes += n;
			} else {
				s->next = h;
				*link = s;
				link = &s->next;
				if (h == NULL)
					d->held_tail = s;
				d->held_bytes += n;
				d->held_segs++;
			}
			cur = stop;
			continue;
		}
		/* h covers cur: the held bytes win */
		uint64_t stop = h->offset + h->len < end ? h->offset + h->len : end;
		uint32_t n = (uint32_t)(stop - cur);
		const uint8_t *mine = p + (cur - off), *theirs = h->data + (cur - h->offset);
		d->st.overlap_bytes += n;
		if (memcmp(mine, theirs, n) != 0)
			for (uint32_t i = 0; i < n; i++)
				d->st.conflict_bytes += mine[i] != theirs[i];
		cur = stop;
		link = &h->next;
	}
}

static void
end_dir(struct stream_ctx *ctx, struct stream_dir *d, stream_deliver_fn fn, void *user)
{
	while (d->held != NULL)
		skip_hole(ctx, d, fn, user);
	if (d->saw_fin && d->fin_offset > d->delivered)
		emit(ctx, d, NULL, (uint32_t)(d->fin_offset - d->delivered),
		    STREAM_CHUNK_GAP, 0, fn, user);
	if (fn != NULL) {
		struct stream_chunk c = {
			.data = NULL, .len = 0, .dir = d->dir,
			.flags = STREAM_CHUNK_END, .offset = d->delivered,
		};
		fn(user, &c);
	}
	d->state = (uint8_t)((d->state & STREAM_DIR_RELEASED) | STREAM_DIR_ENDED);
	tail_release(ctx, d);
}

static void
add_stats(struct stream_stats *t, const struct stream_stats *s)
{
	t->segments += s->segments;
	t->bytes += s->bytes;
	t->ooo_segments += s->ooo_segments;
	t->retransmissions += s->retransmissions;
	t->overlap_bytes += s->overlap_bytes;
	t->conflict_bytes += s->conflict_bytes;
	t->gaps += s->gaps;
	t->gap_bytes += s->gap_bytes;
	t->late_bytes += s->late_bytes;
	t->memdrop_bytes += s->memdrop_bytes;
	t->ignored_bytes += s->ignored_bytes;
	t->midstream += s->midstream;
}

/* Data of a segment at stream offset off (may be negative: before the ISN). */
static void
segment_data(struct stream_ctx *ctx, struct stream_dir *d, int64_t soff,
    const uint8_t *p, uint32_t len, int stable, stream_deliver_fn fn, void *user)
{
	const struct stream_config *cfg = &ctx->cfg;
	uint64_t off, end;

	if (soff < 0) {
		/* bytes before the start of the stream */
		uint64_t before = (uint64_t)-soff;
		if (before >= len) {
			d->st.ignored_bytes += len;
			return;
		}
		d->st.ignored_bytes += before;
		p += before;
		len -= (uint32_t)before;
		soff = 0;
	}
	off = (uint64_t)soff;
	end = off + len;
	if (d->saw_fin && end > d->fin_offset) {
		uint64_t past = end - (off > d->fin_offset ? off : d->fin_offset);
		d->st.ignored_bytes += past;
		len -= (uint32_t)past;
		end = off + len;
		if (len == 0)
			return;
	}
	if (end <= d->delivered) {
		if (len == 1 && end == d->delivered && d->held == NULL)
			return;		/* keepalive probe (RFC 9293 3.8.4): one old byte */
		d->st.retransmissions++;
		compare_old(ctx, d, off, p, len);
		return;
	}
	if (off < d->delivered) {
		uint32_t k = (uint32_t)(d->delivered - off);
		compare_old(ctx, d, off, p, k);
		p += k;
		len -= k;
		off = d->delivered;
	}
	/* Too far ahead: give up holes until the segment is within the window
	 * (an in-order segment is never too far, whatever its length). */
	while (off > d->delivered && end - d->delivered > cfg->window) {
		if (d->held != NULL) {
			skip_hole(ctx, d, fn, user);
			continue;
		}
		uint64_t need = end - cfg->window - d->delivered;
		uint64_t room = off - d->delivered;
		emit(ctx, d, NULL, (uint32_t)(need < room ? need : room),
		    STREAM_CHUNK_GAP, 0, fn, user);
	}
	if (off < d->delivered) {
		/* the holes given up ran past its start: that part is old now */
		uint32_t k = (uint32_t)(d->delivered - off);
		if (k >= len) {
			compare_old(ctx, d, off, p, len);
			return;
		}
		compare_old(ctx, d, off, p, k);
		p += k;
		len -= k;
		off = d->delivered;
	}
	/* Past depth nothing is held; in-order data still moves the stream. */
	if (cfg->depth != 0 && off >= cfg->depth) {
		d->st.ignored_bytes += len;
		if (off == d->delivered && d->held == NULL) {
			d->delivered += len;
			d->next_seq += len;
		}
		return;
	}
	if (off > d->delivered) {
		d->st.ooo_segments++;
		/* Room for it: give up old holes past the per-direction bound. */
		while (d->held != NULL && d->held_bytes + len > cfg->max_held)
			skip_hole(ctx, d, fn, user);
		/* At the engine bound this direction gives up its own holes
		 * first; only if it holds nothing is the segment dropped. */
		while (d->held != NULL &&
		    ctx->memuse + sizeof(struct stream_seg) + len > cfg->memcap)
			skip_hole(ctx, d, fn, user);
		if (off > d->delivered && d->held == NULL && len > cfg->max_held)
			emit(ctx, d, NULL, (uint32_t)(off - d->delivered),
			    STREAM_CHUNK_GAP, 0, fn, user);
		if (off < d->delivered) {
			/* the skipped holes overtook part of it */
			uint32_t k = (uint32_t)(d->delivered - off);
			if (k >= len) {
				compare_old(ctx, d, off, p, len);
				return;
			}
			compare_old(ctx, d, off, p, k);
			p += k;
			len -= k;
			off = d->delivered;
		}
		if (off > d->delivered) {
			insert(ctx, d, off, p, len);
			return;
		}
	}
	/* In order: deliver straight from the packet up to the first held piece. */
	uint64_t first = d->held != NULL ? d->held->offset : UINT64_MAX;
	if (end <= first) {
		emit(ctx, d, p, len, 0, stable, fn, user);
	} else {
		uint32_t n = (uint32_t)(first - off);
		emit(ctx, d, p, n, 0, stable, fn, user);
		insert(ctx, d, first, p + n, len - n);
	}
	drain(ctx, d, fn, user);
}

static void
segment(struct stream_ctx *ctx, struct stream_dir *d,
    const struct stream_segment *seg, int stable, stream_deliver_fn fn, void *user)
{
	uint32_t seq = seg->seq, len = seg->len;
	const uint8_t *p = seg->data;
	uint8_t fl = seg->flags;

	if (len > 0)
		d->st.segments++;
	if (STATE(d) == STREAM_DIR_ENDED) {
		d->st.ignored_bytes += len;
		return;
	}
	if (fl & TCP_SYN) {
		/* A SYN sets (or, before any data, resets) the ISN. */
		if (STATE(d) == STREAM_DIR_NEW ||
		    (d->delivered == 0 && d->held == NULL && d->st.bytes == 0 &&
		    d->st.gaps == 0)) {
			if (STATE(d) == STREAM_DIR_NEW)
				d->state = (uint8_t)((d->state & STREAM_DIR_RELEASED) | STREAM_DIR_OPEN);
			d->st.midstream = 0;
			d->saw_syn = 1;
			d->next_seq = seq + 1;
		}
		seq++;	/* SYN data (TCP Fast Open) follows the SYN's number */
	}
	if (STATE(d) == STREAM_DIR_NEW) {
		if (len == 0 || (fl & TCP_RST))
			return;
		/* midstream pickup: the first byte seen is offset 0 */
		d->state = (uint8_t)((d->state & STREAM_DIR_RELEASED) | STREAM_DIR_OPEN);
		d->st.midstream = 1;
		d->next_seq = seq;
	}
	int64_t soff = (int64_t)d->delivered + (int32_t)(seq - d->next_seq);
	if (len > 0)
		segment_data(ctx, d, soff, p, len, stable, fn, user);
	if (fl & TCP_FIN && !d->saw_fin) {
		int64_t fin = soff + (int64_t)len;
		if (fin >= (int64_t)d->delivered &&
		    (uint64_t)fin - d->delivered <= ctx->cfg.window) {
			d->saw_fin = 1;
			d->fin_offset = (uint64_t)fin;
			/* held data past the FIN is not part of the stream */
			struct stream_seg **link = &d->held;
			while (*link != NULL) {
				struct stream_seg *h = *link;
				if (h->offset >= d->fin_offset) {
					*link = h->next;
					d->held_bytes -= h->len;
					d->held_segs--;
					d->st.ignored_bytes += h->len;
					uncharge(ctx, sizeof(*h) + h->size);
					free(h);
				} else {
					if (h->offset + h->len > d->fin_offset) {
						uint32_t cut = (uint32_t)(h->offset + h->len - d->fin_offset);
						h->len -= cut;	/* memory stays charged as allocated */
						d->held_bytes -= cut;
						d->st.ignored_bytes += cut;
					}
					link = &h->next;
				}
			}
			d->held_tail = NULL;
			for (struct stream_seg *h = d->held; h != NULL; h = h->next)
				d->held_tail = h;
		}
	}
	if (fl & TCP_RST) {
		end_dir(ctx, d, fn, user);
		return;
	}
	if (d->saw_fin && d->delivered >= d->fin_offset && d->held == NULL)
		end_dir(ctx, d, fn, user);
}

void
stream_dir_segment(struct stream_ctx *ctx, struct stream_dir *d,
    const struct stream_segment *seg, stream_deliver_fn fn, void *user)
{
	segment(ctx, d, seg, 0, fn, user);
}

void
stream_dir_segment_stable(struct stream_ctx *ctx, struct stream_dir *d,
    const struct stream_segment *seg, stream_deliver_fn fn, void *user)
{
	segment(ctx, d, seg, 1, fn, user);
}

static void
release(struct stream_ctx *ctx, struct stream_dir *d)
{
	while (d->held != NULL) {
		struct stream_seg *s = d->held;
		d->held = s->next;
		uncharge(ctx, sizeof(*s) + s->size);
		free(s);
	}
	d->held_tail = NULL;
	d->held_bytes = 0;
	d->held_segs = 0;
	tail_release(ctx, d);
	if (!(d->state & STREAM_DIR_RELEASED)) {
		add_stats(&ctx->total, &d->st);
		d->state |= STREAM_DIR_RELEASED;
	}
}

void
stream_dir_flush(struct stream_ctx *ctx, struct stream_dir *d,
    stream_deliver_fn fn, void *user)
{
	if (STATE(d) == STREAM_DIR_OPEN)
		end_dir(ctx, d, fn, user);
	release(ctx, d);
}

void
stream_dir_free(struct stream_ctx *ctx, struct stream_dir *d)
{
	release(ctx, d);
}
