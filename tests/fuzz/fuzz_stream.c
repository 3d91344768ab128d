/* summary: libFuzzer target: TCP reassembly over segments derived from the input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net/packet.h"
#include "stream/stream.h"

/*
 * Input: a config byte, then records of
 *   [dir|flags] [seq delta, 2 bytes, signed] [len] [len bytes of data]
 * The sequence numbers start near the wrap point, so wraparound is always
 * on the way.  Small bounds (memcap 48 KiB, max_held 8 KiB or 64 bytes,
 * window 16 KiB or 100 bytes: shorter than a segment) so the fuzzer
 * reaches them.  Checked on every chunk: offsets are
 * contiguous per direction, data is non-NULL exactly for data chunks, the
 * engine never holds more than memcap, and everything is released at the
 * end.
 *
 * Every segment also goes to a second engine, by reference
 * (stream_dir_segment_stable: the input stays valid for the whole run)
 * when the record's 0x40 bit is set: both engines must count exactly
 * the same (retransmissions, overlaps, conflicts, ...).
 */

struct check {
	uint64_t next[2];
	int ended[2];
	const struct stream_ctx *ctx;
	uint64_t memcap;
};

static void
on_chunk(void *user, const struct stream_chunk *c)
{
	struct check *k = user;
	int d = c->dir & 1;

	if (k->ended[d])
		__builtin_trap();
	/* contiguous; only END may lie further (past depth nothing is shown) */
	if (c->flags & STREAM_CHUNK_END ? c->offset < k->next[d] : c->offset != k->next[d])
		__builtin_trap();
	if ((c->flags & STREAM_CHUNK_END) && c->len != 0)
		__builtin_trap();
	if (!(c->flags & (STREAM_CHUNK_GAP | STREAM_CHUNK_END)) && (c->data == NULL || c->len == 0))
		__builtin_trap();
	if (c->flags & STREAM_CHUNK_END)
		k->ended[d] = 1;
	else if (c->data != NULL) {
		volatile uint8_t x = c->data[0] ^ c->data[c->len - 1];	/* readable */
		(void)x;
	}
	k->next[d] = c->offset + c->len;
	if (stream_ctx_memuse(k->ctx) > k->memcap)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream_config cfg;
	struct stream_dir d[2], d2[2];
	struct check k, k2;
	struct error err;
	uint32_t seq[2] = { 0xffffff00u, 0x7fffff00u };

	if (size < 1)
		return 0;
	stream_config_default(&cfg);
	cfg.memcap = 48 * 1024;
	cfg.max_held = (data[0] & 8) ? 64 : 8 * 1024;
	cfg.window = (data[0] & 4) ? 100 : 16 * 1024;	/* below a segment's length */
	cfg.retain = (data[0] & 1) ? 64 : 0;
	cfg.depth = (data[0] & 2) ? 3000 : 0;
	struct stream_ctx *ctx = stream_ctx_new(&cfg, &err);
	if (ctx == NULL)
		return 0;
	struct stream_ctx *ctx2 = stream_ctx_new(&cfg, &err);
	if (ctx2 == NULL) {
		stream_ctx_free(ctx);
		return 0;
	}
	memset(&k, 0, sizeof(k));
	k.ctx = ctx;
	k.memcap = cfg.memcap;
	k2 = k;
	k2.ctx = ctx2;
	stream_dir_init(&d[0], 0);
	stream_dir_init(&d[1], 1);
	stream_dir_init(&d2[0], 0);
	stream_dir_init(&d2[1], 1);
	data++;
	size--;
	while (size >= 4) {
		int dir = data[0] >> 7;
		int stable = (data[0] & 0x40) != 0;
		uint8_t flags = data[0] & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK);
		int16_t delta = (int16_t)(data[1] << 8 | data[2]);
		uint32_t len = data[3];
		data += 4;
		size -= 4;
		if (len > size)
			len = (uint32_t)size;
		/* delta moves the sender's running sequence number; len 255 = a large segment */
		seq[dir] += (uint32_t)(int32_t)delta;
		struct stream_segment s = { .seq = seq[dir], .flags = flags, .data = data, .len = len };
		stream_dir_segment(ctx, &d[dir], &s, on_chunk, &k);
		if (stable)
			stream_dir_segment_stable(ctx2, &d2[dir], &s, on_chunk, &k2);
		else
			stream_dir_segment(ctx2, &d2[dir], &s, on_chunk, &k2);
		if (stream_ctx_memuse(ctx) > cfg.memcap || stream_ctx_memuse(ctx2) > cfg.memcap)
			__builtin_trap();
		data += len;
		size -= len;
	}
	stream_dir_flush(ctx, &d[0], on_chunk, &k);
	stream_dir_flush(ctx, &d[1], on_chunk, &k);
	stream_dir_flush(ctx2, &d2[0], on_chunk, &k2);
	stream_dir_flush(ctx2, &d2[1], on_chunk, &k2);
	if (stream_ctx_memuse(ctx) != 0 || stream_ctx_memuse(ctx2) != 0)
		__builtin_trap();
	if (memcmp(&d[0].st, &d2[0].st, sizeof(d[0].st)) != 0 ||
	    memcmp(&d[1].st, &d2[1].st, sizeof(d[1].st)) != 0)
		__builtin_trap();	/* references count as copies do */
	stream_ctx_free(ctx);
	stream_ctx_free(ctx2);
	return 0;
}
