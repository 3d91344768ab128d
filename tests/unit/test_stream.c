/* summary: unit tests for stream/: TCP reassembly cases (order, overlap, gaps, bounds, wrap). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net/packet.h"
#include "stream/stream.h"

/* What the consumer saw: the bytes (gaps as '#'), and the chunk list. */
struct seen {
	uint8_t data[8192];
	size_t len;
	uint64_t next_off;	/* offsets must be contiguous */
	int chunks, gaps, ends;
	uint64_t gap_bytes;
	uint64_t last_gap_off;
	int bad_offset;
};

static void
collect(void *user, const struct stream_chunk *c)
{
	struct seen *s = user;

	if (c->offset != s->next_off)
		s->bad_offset = 1;
	if (c->flags & STREAM_CHUNK_END) {
		s->ends++;
		return;
	}
	s->chunks++;
	if (c->flags & STREAM_CHUNK_GAP) {
		s->gaps++;
		s->gap_bytes += c->len;
		s->last_gap_off = c->offset;
		for (uint32_t i = 0; i < c->len && s->len < sizeof(s->data); i++)
			s->data[s->len++] = '#';
	} else {
		assert_non_null(c->data);
		for (uint32_t i = 0; i < c->len && s->len < sizeof(s->data); i++)
			s->data[s->len++] = c->data[i];
	}
	s->next_off = c->offset + c->len;
}

struct fixture {
	struct stream_ctx *ctx;
	struct stream_dir d;
	struct seen seen;
};

static struct fixture *
setup_with(const struct stream_config *cfg)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct error err;

	assert_non_null(f);
	f->ctx = stream_ctx_new(cfg, &err);
	assert_non_null(f->ctx);
	stream_dir_init(&f->d, 0);
	return f;
}

static struct fixture *
setup_default(void)
{
	struct stream_config cfg;

	stream_config_default(&cfg);
	return setup_with(&cfg);
}

static void
teardown(struct fixture *f)
{
	stream_dir_free(f->ctx, &f->d);
	assert_int_equal(stream_ctx_memuse(f->ctx), 0);
	stream_ctx_free(f->ctx);
	free(f);
}

static void
seg(struct fixture *f, uint32_t seq, uint8_t flags, const char *data)
{
	struct stream_segment s = {
		.seq = seq, .flags = flags, .data = (const uint8_t *)data,
		.len = data ? (uint32_t)strlen(data) : 0,
	};
	stream_dir_segment(f->ctx, &f->d, &s, collect, &f->seen);
}

static void
flush(struct fixture *f)
{
	stream_dir_flush(f->ctx, &f->d, collect, &f->seen);
}

#define assert_seen(f, str) do { \
	assert_int_equal((f)->seen.len, strlen(str)); \
	assert_memory_equal((f)->seen.data, (str), strlen(str)); \
	assert_false((f)->seen.bad_offset); \
} while (0)

static void
test_in_order(void **state)
{
	struct fixture *f = setup_default();

	seg(f, 1000, TCP_SYN, NULL);
	seg(f, 1001, TCP_ACK, "hello ");
	seg(f, 1007, TCP_ACK | TCP_PSH, "world");
	assert_seen(f, "hello world");
	assert_int_equal(f->seen.ends, 0);
	seg(f, 1012, TCP_FIN | TCP_ACK, NULL);
	assert_int_equal(f->seen.ends, 1);
	assert_true(stream_dir_ended(&f->d));
	assert_int_equal(f->d.st.bytes, 11);
	assert_int_equal(f->d.st.midstream, 0);
	assert_int_equal(f->d.st.ooo_segments, 0);
	flush(f);
	assert_int_equal(f->seen.ends, 1);	/* END only once */
	teardown(f);
}

static void
test_out_of_order(void **state)
{
	struct fixture *f = setup_default();

	seg(f, 99, TCP_SYN, NULL);
	seg(f, 106, 0, "CCC");
	seg(f, 103, 0, "BBB");
	assert_int_equal(f->seen.len, 0);	/* held until the hole fills */
	assert_int_equal(f->d.held_segs, 2);
	seg(f, 100, 0, "AAA");
	assert_seen(f, "AAABBBCCC");
	assert_int_equal(f->d.st.ooo_segments, 2);
	assert_int_equal(f->d.held_segs, 0);
	assert_int_equal(f->seen.gaps, 0);
	teardown(f);
}

static void
test_retransmission(void **state)
{
	struct fixture *f = setup_default();

	seg(f, 0, TCP_SYN, NULL);
	seg(f, 1, 0, "abcdef");
	seg(f, 1, 0, "abcdef");		/* identical copy */
	seg(f, 4, 0, "defghi");		/* partial overlap, same bytes */
	assert_seen(f, "abcdefghi");
	assert_int_equal(f->d.st.retransmissions, 1);
	assert_int_equal(f->d.st.overlap_bytes, 9);
	assert_int_equal(f->d.st.conflict_bytes, 0);
	teardown(f);
}

static void
test_overlap_first_wins(void **state)
{
	struct fixture *f = setup_default();

	seg(f, 0, TCP_SYN, NULL);
	seg(f, 1, 0, "abcd");
	seg(f, 1, 0, "abXd");		/* delivered data wins, one conflict */
	assert_int_equal(f->d.st.conflict_bytes, 1);
	/* held data wins over a later, different copy */
	seg(f, 9, 0, "IJKL");
	seg(f, 7, 0, "ghiZKL");		/* overlaps held IJ.. : i/I, Z/J differ... */
	assert_int_equal(f->seen.len, 4);
	seg(f, 5, 0, "ef");
	assert_seen(f, "abcdefghIJKL");
	/* "ghiZKL" at 7..12 vs held "IJKL" at 9..12: i!=I, Z!=J, KL equal */
	assert_int_equal(f->d.st.conflict_bytes, 3);
	assert_int_equal(f->d.st.overlap_bytes, 4 + 4);
	teardown(f);
}

static void
test_keepalive_ignored(void **state)
{
	struct fixture *f = setup_default();

	seg(f, 0, TCP_SYN, NULL);
	seg(f, 1, 0, "abc");
	seg(f, 3, 0, "\x00");		/* one garbage byte at next-1 */
	assert_int_equal(f->d.st.retransmissions, 0);
	assert_int_equal(f->d.st.conflict_bytes, 0);
	assert_seen(f, "abc");
	teardown(f);
}

static void
test_midstream(void **state)
{
	struct fixture *f = setup_default();

	seg(f, 5000, TCP_ACK, NULL);		/* pure ACK: no base yet */
	seg(f, 7000, TCP_ACK, "mid");
	seg(f, 7003, TCP_ACK, "stream");
	assert_seen(f, "midstream");
	assert_int_equal(f->d.st.midstream, 1);
	seg(f, 6990, TCP_ACK, "0123456789");	/* before the pickup point */
	assert_int_equal(f->d.st.ignored_bytes, 10);
	teardown(f);
}

static void
test_syn_fin_rst(void **state)
{
	struct fixture *f = setup_default();

	seg(f, 10, TCP_SYN, NULL);
	seg(f, 10, TCP_SYN, NULL);		/* retransmitted SYN */
	seg(f, 20, TCP_SYN, NULL);		/* new ISN before any data: taken */
	seg(f, 21, 0, "ab");
	seg(f, 99, TCP_SYN, NULL);		/* SYN after data: ignored */
	seg(f, 23, TCP_FIN, "cd");
	assert_seen(f, "abcd");
	assert_int_equal(f->seen.ends, 1);
	seg(f, 25, 0, "late");			/* after the FIN: ignored */
	assert_seen(f, "abcd");
	teardown(f);

	/* RST ends the direction, delivering held data after a gap */
	f = setup_default();
	seg(f, 0, TCP_SYN, NULL);
	seg(f, 1, 0, "ab");
	seg(f, 5, 0, "ef");
	seg(f, 7, TCP_RST, NULL);
	assert_seen(f, "ab##ef");
	assert_int_equal(f->seen.ends, 1);
	assert_int_equal(f->d.st.gaps, 1);
	seg(f, 3, 0, "cd");			/* after the RST: ignored */
	assert_seen(f, "ab##ef");
	teardown(f);

	/* FIN before the hole fills: END waits for it */
	f = setup_default();
	seg(f, 0, TCP_SYN, NULL);
	seg(f, 4, TCP_FIN, "def");
	assert_int_equal(f->seen.ends, 0);
	seg(f, 1, 0, "abc");
	assert_seen(f, "abcdef");
	assert_int_equal(f->seen.ends, 1);
	teardown(f);

	/* SYN with data (TCP Fast Open): data follows the SYN's number */
	f = setup_default();
	seg(f, 500, TCP_SYN, "tfo");
	seg(f, 504, 0, "!");
	assert_seen(f, "tfo!");
	teardown(f);
}

static void
test_gap_at_flow_end(void **state)
{
	struct fixture *f = setup_default();

	seg(f, 0, TCP_SYN, NULL);
	seg(f, 1, 0, "abc");
	seg(f, 7, 0, "ghi");			/* 3 bytes never arrive */
	seg(f, 13, TCP_FIN, "mno");		/* and 3 more */
	assert_seen(f, "abc");
	flush(f);
	assert_seen(f, "abc###ghi###mno");
	assert_int_equal(f->seen.gaps, 2);
	assert_int_equal(f->d.st.gaps, 2);
	assert_int_equal(f->d.st.gap_bytes, 6);
	assert_int_equal(f->seen.ends, 1);
	teardown(f);

	/* FIN seen, last bytes missing: a trailing gap up to the FIN */
	f = setup_default();
	seg(f, 0, TCP_SYN, NULL);
	seg(f, 1, 0, "abc");
	seg(f, 9, TCP_FIN, NULL);
	flush(f);
	assert_seen(f, "abc#####");
	teardown(f);
}

static void
test_gap_window(void **state)
{
	struct stream_config cfg;

	stream_config_default(&cfg);
	cfg.window = 16;
	struct fixture *f = setup_with(&cfg);
	seg(f, 0, TCP_SYN, NULL);
	seg(f, 1, 0, "ab");
	seg(f, 5, 0, "ef");			/* hole at 2..3, within the window */
	assert_int_equal(f->seen.gaps, 0);
	seg(f, 15, 0, "0123456789");		/* ends at 24 > 2 + 16: give up the hole */
	assert_int_equal(f->seen.gaps, 2);	/* the hole, then 6..7 to fit 24 - 16 */
	assert_int_equal(f->seen.last_gap_off, 6);
	assert_seen(f, "ab##ef##");
	seg(f, 3, 0, "cd");			/* the hole's data, too late */
	assert_int_equal(f->d.st.late_bytes, 2);
	assert_int_equal(f->d.st.conflict_bytes, 0);
	flush(f);
	assert_seen(f, "ab##ef########0123456789");
	teardown(f);

	/* an in-order segment longer than the window is simply delivered */
	f = setup_with(&cfg);
	seg(f, 0, TCP_SYN, NULL);
	seg(f, 1, 0, "0123456789abcdefghijklmnop");
	assert_seen(f, "0123456789abcdefghijklmnop");
	assert_int_equal(f->seen.gaps, 0);
	teardown(f);

	/* giving up a hole drains held data past the new segment's start */
	f = setup_with(&cfg);
	seg(f, 0, TCP_SYN, NULL);
	seg(f, 1, 0, "ab");
	seg(f, 5, 0, "efghij");			/* held 4..9, hole 2..3 */
	seg(f, 7, 0, "ghijKLMNOPQRSTUVWXYZ");	/* 6..25: too far, overlaps held */
	assert_seen(f, "ab##efghijKLMNOPQRSTUVWXYZ");
	assert_int_equal(f->seen.gaps, 1);
	assert_int_equal(f->d.st.overlap_bytes, 4);
	assert_int_equal(f->d.st.conflict_bytes, 0);
	teardown(f);
}

static void
test_max_held(void **state)
{
	struct stream_config cfg;

	stream_config_default(&cfg);
	cfg.max_held = 8;
	struct fixture *f = setup_with(&cfg);
	seg(f, 0, TCP_SYN, NULL);
	seg(f, 3, 0, "cdef");			/* held 4 */
	seg(f, 8, 0, "hijk");			/* held 8: at the bound */
	assert_int_equal(f->d.held_bytes, 8);
	assert_int_equal(f->seen.len, 0);
	seg(f, 13, 0, "mn");			/* past it: the first hole is given up */
	assert_true(f->d.held_bytes <= 8);
	assert_int_equal(f->seen.gaps, 1);
	assert_int_equal(f->seen.gap_bytes, 2);
	assert_seen(f, "##cdef");
	flush(f);
	assert_seen(f, "##cdef#hijk#mn");
	teardown(f);
}

static void
test_memcap(void **state)
{
	struct stream_config cfg;
	struct error err;
	struct stream_dir a, b;
	struct seen sa = {0}, sb = {0};
	static uint8_t big[1000];

	stream_config_default(&cfg);
	cfg.memcap = 3000;
	cfg.retain = 0;
	struct stream_ctx *ctx = stream_ctx_new(&cfg, &err);
	assert_non_null(ctx);
	stream_dir_init(&a, 0);
	stream_dir_init(&b, 1);
	struct stream_segment s = { .seq = 0, .flags = TCP_SYN };
	stream_dir_segment(ctx, &a, &s, collect, &sa);
	stream_dir_segment(ctx, &b, &s, collect, &sb);
	/* a holds two segments past a hole */
	for (int i = 0; i < 2; i++) {
		struct stream_segment d = { .seq = 2 + i * 1000, .data = big, .len = 1000 };
		stream_dir_segment(ctx, &a, &d, collect, &sa);
	}
	assert_int_equal(a.held_segs, 2);
	/* b, another flow with nothing held, finds the engine full: dropped */
	struct stream_segment d = { .seq = 10, .data = big, .len = 1000 };
	stream_dir_segment(ctx, &b, &d, collect, &sb);
	assert_int_equal(b.st.memdrop_bytes, 1000);
	assert_true(stream_ctx_memuse(ctx) <= cfg.memcap);
	/* a, at the bound, gives up its own hole first and keeps the new one */
	struct stream_segment d3 = { .seq = 3002, .data = big, .len = 1000 };
	stream_dir_segment(ctx, &a, &d3, collect, &sa);
	assert_int_equal(a.st.memdrop_bytes, 0);
	assert_int_equal(sa.gaps, 1);
	assert_int_equal(sa.len, 1 + 2000);
	assert_int_equal(a.held_segs, 1);
	assert_true(stream_ctx_memuse(ctx) <= cfg.memcap);
	/* in-order data needs no memory: still delivered */
	struct stream_segment io = { .seq = 1, .data = big, .len = 9 };
	stream_dir_segment(ctx, &b, &io, collect, &sb);
	assert_int_equal(sb.len, 9);
	stream_dir_flush(ctx, &a, collect, &sa);
	stream_dir_flush(ctx, &b, collect, &sb);
	assert_int_equal(sa.gaps, 2);
	assert_false(sa.bad_offset);
	assert_int_equal(stream_ctx_memuse(ctx), 0);
	assert_int_equal(stream_ctx_stats(ctx)->memdrop_bytes, 1000);
	stream_ctx_free(ctx);
}

static void
test_depth(void **state)
{
	struct stream_config cfg;

	stream_config_default(&cfg);
	cfg.depth = 5;
	struct fixture *f = setup_with(&cfg);
	seg(f, 0, TCP_SYN, NULL);
	seg(f, 1, 0, "abc");
	seg(f, 4, 0, "defg");
	seg(f, 8, 0, "hijk");			/* in order, past depth: moves on */
	seg(f, 12, 0, "xyz");
	seg(f, 20, 0, "zz");			/* out of order past depth: not held */
	assert_int_equal(f->d.held_segs, 0);
	assert_seen(f, "abcde");
	assert_int_equal(f->d.delivered, 14);	/* still tracks the stream */
	teardown(f);
}

/* A lost segment, then a long transfer: thousands of pieces held, in order. */
struct count_seen {
	uint64_t next_off, bytes;
	int bad, gaps, ends;
};

static void
count_collect(void *user, const struct stream_chunk *c)
{
	struct count_seen *k = user;

	if (c->offset != k->next_off)
		k->bad = 1;
	if (c->flags & STREAM_CHUNK_END) {
		k->ends++;
		return;
	}
	if (c->flags & STREAM_CHUNK_GAP)
		k->gaps++;
	else if (c->data[0] != (uint8_t)(c->offset / 100))
		k->bad = 2;
	k->bytes += c->len;
	k->next_off = c->offset + c->len;
}

static void
test_long_hole(void **state)
{
	struct stream_config cfg;
	struct error err;
	struct stream_dir d;
	struct count_seen k = {0};
	uint8_t seg[100];
	const int n = 20000;

	stream_config_default(&cfg);
	struct stream_ctx *ctx = stream_ctx_new(&cfg, &err);
	assert_non_null(ctx);
	stream_dir_init(&d, 0);
	struct stream_segment syn = { .seq = 0, .flags = TCP_SYN };
	stream_dir_segment(ctx, &d, &syn, count_collect, &k);
	for (int i = 1; i < n; i++) {		/* segment 0 is late */
		memset(seg, (uint8_t)i, sizeof(seg));
		struct stream_segment s = { .seq = 1 + (uint32_t)i * 100, .data = seg, .len = 100 };
		stream_dir_segment(ctx, &d, &s, count_collect, &k);
	}
	assert_int_equal(d.held_segs, n - 1);
	assert_int_equal(k.bytes, 0);
	/* a FIN inside the held data cuts the pieces after it */
	struct stream_segment fin = { .seq = 1 + (uint32_t)(n / 2) * 100, .flags = TCP_FIN };
	stream_dir_segment(ctx, &d, &fin, count_collect, &k);
	assert_int_equal(d.held_segs, n / 2 - 1);
	memset(seg, 0, sizeof(seg));
	struct stream_segment first = { .seq = 1, .data = seg, .len = 100 };
	stream_dir_segment(ctx, &d, &first, count_collect, &k);
	assert_int_equal(k.bad, 0);
	assert_int_equal(k.gaps, 0);
	assert_int_equal(k.bytes, (uint64_t)(n / 2) * 100);
	assert_int_equal(k.ends, 1);
	assert_int_equal(d.held_segs, 0);
	stream_dir_free(ctx, &d);
	assert_int_equal(stream_ctx_memuse(ctx), 0);
	stream_ctx_free(ctx);
}

/* Sequence numbers wrap and the stream passes 4 GiB: offsets stay exact. */
struct wrap_seen {
	uint64_t next_off;
	uint64_t bytes;
	int bad;
	int gaps;
};

static void
wrap_collect(void *user, const struct stream_chunk *c)
{
	struct wrap_seen *w = user;

	if (c->offset != w->next_off)
		w->bad = 1;
	if (c->flags & STREAM_CHUNK_GAP)
		w->gaps++;
	else if (c->len > 0 && c->data[0] != (uint8_t)(c->offset >> 20))
		w->bad = 2;	/* each MiB carries its own number */
	w->next_off = c->offset + c->len;
	w->bytes += c->len;
}

static void
test_wrap_4gib(void **state)
{
	struct stream_config cfg;
	struct error err;
	struct stream_dir d;
	struct wrap_seen w = {0};
	const uint32_t mib = 1u << 20;
	uint8_t *buf = malloc(mib);
	uint32_t isn = 0xfff00000u;		/* wraps 1 MiB in */
	uint64_t total = (5ull << 30) / mib;	/* 5 GiB in 1 MiB segments */

	assert_non_null(buf);
	stream_config_default(&cfg);
	struct stream_ctx *ctx = stream_ctx_new(&cfg, &err);
	assert_non_null(ctx);
	stream_dir_init(&d, 0);
	struct stream_segment syn = { .seq = isn, .flags = TCP_SYN };
	stream_dir_segment(ctx, &d, &syn, wrap_collect, &w);
	for (uint64_t i = 0; i < total; i++) {
		uint64_t off = i * mib;
		uint64_t j = i;
		/* swap each pair around the 4 GiB mark: out of order across it */
		if (i == 4095)
			j = 4096;
		else if (i == 4096)
			j = 4095;
		off = j * mib;
		memset(buf, (uint8_t)j, 1);
		struct stream_segment s = {
			.seq = isn + 1 + (uint32_t)off, .data = buf, .len = mib,
		};
		/* only the first byte is checked: mark the segment number */
		buf[0] = (uint8_t)j;
		stream_dir_segment(ctx, &d, &s, wrap_collect, &w);
	}
	struct stream_segment fin = { .seq = isn + 1 + (uint32_t)(total * mib), .flags = TCP_FIN };
	stream_dir_segment(ctx, &d, &fin, wrap_collect, &w);
	assert_int_equal(w.bad, 0);
	assert_int_equal(w.gaps, 0);
	assert_int_equal(w.bytes, total * mib);
	assert_true(w.bytes > (1ull << 32));
	assert_true(stream_dir_ended(&d));
	assert_int_equal(d.st.ooo_segments, 1);
	stream_dir_free(ctx, &d);
	assert_int_equal(stream_ctx_memuse(ctx), 0);
	stream_ctx_free(ctx);
	free(buf);
}

/* A consumer that checks the bytes against the stream they came from. */
struct ref_seen {
	const uint8_t *truth;	/* the stream's first copy of each byte */
	uint64_t bytes, gaps, next_off;
	int bad;
};

static void
ref_collect(void *user, const struct stream_chunk *c)
{
	struct ref_seen *r = user;

	if (c->offset != r->next_off)
		r->bad = 1;
	if (c->flags & STREAM_CHUNK_GAP)
		r->gaps++;
	else if (c->len > 0 && memcmp(c->data, r->truth + c->offset, c->len) != 0)
		r->bad = 2;
	r->next_off = c->offset + c->len;
	r->bytes += c->len;
}

static uint32_t
xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * Retain by reference: the same random segments (in order, tiny ones
 * past the ring's reference slots, retransmissions with and without
 * changed bytes reaching back further than the ring, overlaps, holes)
 * through stream_dir_segment (copied) and stream_dir_segment_stable
 * (referenced, the bytes of every segment kept apart and unchanged
 * until the end), with some unstable segments mixed into the stable
 * run: every counter, and so the conflicts found, must be the same.
 */
static void
retain_compare(uint32_t retain, uint32_t seed)
{
	enum { LEN = 4000000, NSEG = 6000 };
	struct stream_config cfg;
	struct error err;
	struct stream_ctx *ctx[2];
	struct stream_dir d[2];
	struct ref_seen seen[2];
	uint8_t *truth = malloc(LEN), *pool = malloc(NSEG * 2048), *scratch = malloc(2048);
	size_t used = 0;
	uint32_t x = seed, isn = seed * 7919u, front = 0;

	assert_non_null(truth);
	assert_non_null(pool);
	assert_non_null(scratch);
	for (uint32_t i = 0; i < LEN; i++)
		truth[i] = (uint8_t)xorshift(&x);
	stream_config_default(&cfg);
	cfg.retain = retain;
	for (int k = 0; k < 2; k++) {
		ctx[k] = stream_ctx_new(&cfg, &err);
		assert_non_null(ctx[k]);
		stream_dir_init(&d[k], 0);
		memset(&seen[k], 0, sizeof(seen[k]));
		seen[k].truth = truth;
		struct stream_segment syn = { .seq = isn, .flags = TCP_SYN };
		stream_dir_segment(ctx[k], &d[k], &syn, ref_collect, &seen[k]);
	}
	for (int i = 0; i < NSEG && front < LEN - 2048; i++) {
		uint32_t r = xorshift(&x) % 100, off, len;
		int changed = 0;

		if (r < 60) {			/* in order, often tiny */
			off = front;
			len = 1 + xorshift(&x) % ((xorshift(&x) & 1) ? 40 : 1460);
		} else if (r < 80) {		/* old data, reaching back past the ring */
			uint32_t back = 1 + xorshift(&x) % (2 * retain + 64);
			off = front > back ? front - back : 0;
			len = 1 + xorshift(&x) % 1460;
			changed = xorshift(&x) & 1;
			if (changed && len > front - off)
				len = front - off;	/* only old bytes differ */
			if (len == 0)
				continue;
		} else if (r < 95) {		/* ahead: a hole, held until filled */
			off = front + 1 + xorshift(&x) % 3000;
			len = 1 + xorshift(&x) % 1460;
		} else {			/* in order, overlapping held data */
			off = front;
			len = 1 + xorshift(&x) % 6000;
		}
		if (off + len > LEN)
			len = LEN - off;
		if (len > 2048)
			len = 2048;
		/* its own copy of the bytes, left unchanged from here on */
		uint8_t *p = pool + used;
		memcpy(p, truth + off, len);
		if (changed)
			p[xorshift(&x) % len] ^= 0x5a;
		used += len;
		struct stream_segment s = { .seq = isn + 1 + off, .data = p, .len = len };
		/* copied */
		memcpy(scratch, p, len);
		s.data = scratch;
		stream_dir_segment(ctx[0], &d[0], &s, ref_collect, &seen[0]);
		memset(scratch, 0xee, len);
		/* referenced, now and then a copied one in between */
		s.data = p;
		if (xorshift(&x) % 10 == 0) {
			memcpy(scratch, p, len);
			s.data = scratch;
			stream_dir_segment(ctx[1], &d[1], &s, ref_collect, &seen[1]);
			memset(scratch, 0xee, len);
		} else {
			stream_dir_segment_stable(ctx[1], &d[1], &s, ref_collect, &seen[1]);
		}
		if (off + len > front && off <= front)
			front = (uint32_t)d[0].delivered;
	}
	for (int k = 0; k < 2; k++)
		stream_dir_flush(ctx[k], &d[k], ref_collect, &seen[k]);
	assert_int_equal(seen[0].bad, 0);
	assert_int_equal(seen[1].bad, 0);
	assert_int_equal(seen[0].bytes, seen[1].bytes);
	assert_int_equal(seen[0].gaps, seen[1].gaps);
	assert_memory_equal(&d[0].st, &d[1].st, sizeof(d[0].st));
	assert_true(d[0].st.retransmissions > 100);
	assert_true(d[0].st.conflict_bytes > 10);	/* there was something to find */
	assert_true(d[0].st.ooo_segments > 100);
	for (int k = 0; k < 2; k++) {
		stream_dir_free(ctx[k], &d[k]);
		assert_int_equal(stream_ctx_memuse(ctx[k]), 0);
		stream_ctx_free(ctx[k]);
	}
	free(truth);
	free(pool);
	free(scratch);
}

static void
test_retain_by_reference(void **state)
{
	(void)state;
	retain_compare(4096, 1);
	retain_compare(4096, 2);
	retain_compare(100, 3);		/* ring smaller than a segment */
	retain_compare(1, 4);
	retain_compare(65536, 5);	/* more pieces than reference slots */
}

/* Stable segments, then a retransmission that differs: found in the ring. */
static void
test_retain_stable_conflict(void **state)
{
	struct fixture *f = setup_default();
	static const char a[] = "abcdefgh", b[] = "ijklmnop";
	struct stream_segment s1 = { .seq = 101, .data = (const uint8_t *)a, .len = 8 };
	struct stream_segment s2 = { .seq = 109, .data = (const uint8_t *)b, .len = 8 };
	struct stream_segment re = { .seq = 105, .data = (const uint8_t *)"efXhijYl", .len = 8 };

	(void)state;
	seg(f, 100, TCP_SYN, NULL);
	stream_dir_segment_stable(f->ctx, &f->d, &s1, collect, &f->seen);
	stream_dir_segment_stable(f->ctx, &f->d, &s2, collect, &f->seen);
	stream_dir_segment_stable(f->ctx, &f->d, &re, collect, &f->seen);
	assert_int_equal(f->d.st.retransmissions, 1);
	assert_int_equal(f->d.st.overlap_bytes, 8);
	assert_int_equal(f->d.st.conflict_bytes, 2);
	assert_int_equal(f->seen.len, 16);
	assert_memory_equal(f->seen.data, "abcdefghijklmnop", 16);
	teardown(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_retransmission),
		cmocka_unit_test(test_overlap_first_wins),
		cmocka_unit_test(test_keepalive_ignored),
		cmocka_unit_test(test_midstream),
		cmocka_unit_test(test_syn_fin_rst),
		cmocka_unit_test(test_gap_at_flow_end),
		cmocka_unit_test(test_gap_window),
		cmocka_unit_test(test_max_held),
		cmocka_unit_test(test_memcap),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_long_hole),
		cmocka_unit_test(test_wrap_4gib),
		cmocka_unit_test(test_retain_by_reference),
		cmocka_unit_test(test_retain_stable_conflict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
