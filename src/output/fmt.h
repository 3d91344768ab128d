/* summary: fast number and time formatting for the output writers (no printf). */
#ifndef APIARY_OUTPUT_FMT_H
#define APIARY_OUTPUT_FMT_H

#include <stdint.h>
#include <string.h>

#include "core/timefmt.h"
#include "net/addr.h"

/*
 * A flow record carries some twenty numbers and three timestamps; through
 * snprintf and gmtime_r they cost microseconds per record, more than the
 * flow table spends on all of the flow's packets.  These helpers write the
 * same text directly.  The date part of a timestamp is cached per second
 * (and built by core/timefmt.h, so the text is identical).
 */

/* Decimal digits of v, NUL-terminated; returns the length (<= 20). */
static inline size_t
fmt_u64(char out[21], uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out[n] = '\0';
	return n;
}

/* Exactly six digits, zero-padded (microseconds). */
static inline void
fmt_6(char *out, uint32_t v)
{
	int i;

	for (i = 5; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

struct fmt_timecache {
	uint64_t sec;		/* second of prefix, UINT64_MAX when empty */
	char prefix[20];	/* "2023-09-18T06:13:41" */
};

static inline void
fmt_timecache_init(struct fmt_timecache *tc)
{
	tc->sec = UINT64_MAX;
}

/* As timefmt_eve(): 2023-09-18T06:13:41.532140+0000 (31 chars). */
static inline void
fmt_eve_time(struct fmt_timecache *tc, uint64_t ns, char out[TIMEFMT_LEN])
{
	uint64_t sec = ns / NSEC_PER_SEC;

	if (sec != tc->sec) {
		char full[TIMEFMT_LEN];

		timefmt_eve(ns, full);
		if (strlen(full) != 31) {	/* a year beyond 9999: rare, slow path */
			memcpy(out, full, TIMEFMT_LEN);
			return;
		}
		memcpy(tc->prefix, full, 19);
		tc->prefix[19] = '\0';
		tc->sec = sec;
	}
	memcpy(out, tc->prefix, 19);
	out[19] = '.';
	fmt_6(out + 20, (uint32_t)((ns % NSEC_PER_SEC) / 1000));
	memcpy(out + 26, "+0000", 6);
}

/* As timefmt_epoch(): 1695017621.532140; returns the length. */
static inline size_t
fmt_epoch(char out[TIMEFMT_LEN], uint64_t ns)
{
	size_t n = fmt_u64(out, ns / NSEC_PER_SEC);

	out[n] = '.';
	fmt_6(out + n + 1, (uint32_t)((ns % NSEC_PER_SEC) / 1000));
	out[n + 7] = '\0';
	return n + 7;
}

/*
 * A bounded appender into a caller's array: writes stop at the end (and
 * `over` says so), the text stays NUL-terminated.
 */
struct sb {
	char *p, *end;		/* end: last byte, kept for the NUL */
	int over;
};

static inline void
sb_init(struct sb *b, char *buf, size_t size)
{
	b->p = buf;
	b->end = buf + size - 1;
	b->over = 0;
	*b->p = '\0';
}

static inline void
sb_mem(struct sb *b, const char *s, size_t n)
{
	if (n > (size_t)(b->end - b->p)) {
		b->over = 1;
		n = (size_t)(b->end - b->p);
	}
	memcpy(b->p, s, n);
	b->p += n;
	*b->p = '\0';
}

static inline void
sb_str(struct sb *b, const char *s)
{
	sb_mem(b, s, strlen(s));
}

#define sb_lit(b, lit) sb_mem((b), (lit), sizeof(lit) - 1)

static inline void
sb_u64(struct sb *b, uint64_t v)
{
	char d[21];

	sb_mem(b, d, fmt_u64(d, v));
}

/* A JSON string of ASCII text: '"' and '\\' escaped, other bytes
 * outside printable ASCII as \u00XX. */
static inline void
sb_json_ascii(struct sb *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char e[6];

	sb_lit(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			sb_mem(b, (const char *)&c, 1);
		} else if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			sb_mem(b, e, 2);
		} else {
			memcpy(e, "\\u00", 4);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			sb_mem(b, e, 6);
		}
	}
	sb_lit(b, "\"");
}

/* As addr_str() (inet_ntop), without its sprintf for IPv4. */
static inline const char *
fmt_addr(const struct addr *a, char out[ADDR_STRLEN])
{
	char *o = out;
	int i;

	if (a->family != 4)
		return addr_str(a, out);
	for (i = 0; i < 4; i++) {
		uint8_t v = a->b[i];

		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
		*o++ = '.';
	}
	o[-1] = '\0';
	return out;
}

#endif
