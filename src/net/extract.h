/* summary: the one bounds-checked way the decoders read packet bytes. */
#ifndef APIARY_NET_EXTRACT_H
#define APIARY_NET_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * As tcpdump's GET_ macros: every read of packet bytes goes through a span
 * (a pointer and the number of bytes that may be read from it) and is
 * checked against it.  A read past the end yields 0 instead of reading
 * memory, so a forgotten length check can make a decoder wrong but never
 * unsafe.  Decoders call span_has() first to detect truncation (and name
 * the anomaly), then read with the span_get_* helpers; the extra compare
 * is predictable and costs next to nothing.
 */
struct span {
	const uint8_t *p;
	uint32_t len;
};

static inline struct span
span_make(const uint8_t *p, uint32_t len)
{
	struct span s = { p, len };
	return s;
}

/* 1 if [off, off + n) lies within the span. */
static inline bool
span_has(const struct span *s, uint32_t off, uint32_t n)
{
	return off <= s->len && n <= s->len - off;
}

/* The bytes after off (empty if off is past the end). */
static inline struct span
span_from(const struct span *s, uint32_t off)
{
	struct span r = { s->p + (off <= s->len ? off : s->len),
	    off <= s->len ? s->len - off : 0 };
	return r;
}

/* The first n bytes (fewer if the span is shorter). */
static inline struct span
span_head(const struct span *s, uint32_t n)
{
	struct span r = { s->p, n <= s->len ? n : s->len };
	return r;
}

/* A pointer to [off, off + n), or NULL if that is not within the span. */
static inline const uint8_t *
span_ptr(const struct span *s, uint32_t off, uint32_t n)
{
	return span_has(s, off, n) ? s->p + off : NULL;
}

static inline uint8_t
span_get_u8(const struct span *s, uint32_t off)
{
	return off < s->len ? s->p[off] : 0;
}

static inline uint16_t
span_get_be16(const struct span *s, uint32_t off)
{
	if (!span_has(s, off, 2))
		return 0;
	return (uint16_t)((unsigned)s->p[off] << 8 | s->p[off + 1]);
}

static inline uint16_t
span_get_le16(const struct span *s, uint32_t off)
{
	if (!span_has(s, off, 2))
		return 0;
	return (uint16_t)((unsigned)s->p[off + 1] << 8 | s->p[off]);
}

static inline uint32_t
span_get_be32(const struct span *s, uint32_t off)
{
	if (!span_has(s, off, 4))
		return 0;
	return (uint32_t)s->p[off] << 24 | (uint32_t)s->p[off + 1] << 16 |
	    (uint32_t)s->p[off + 2] << 8 | s->p[off + 3];
}

static inline uint32_t
span_get_le32(const struct span *s, uint32_t off)
{
	if (!span_has(s, off, 4))
		return 0;
	return (uint32_t)s->p[off + 3] << 24 | (uint32_t)s->p[off + 2] << 16 |
	    (uint32_t)s->p[off + 1] << 8 | s->p[off];
}

#endif
