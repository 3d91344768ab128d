/* summary: single-pattern search for content (Horspool, optionally case-folded). */
#include <ctype.h>
#include <string.h>

#include "detect/detect_int.h"

/*
 * Contents are searched only in rules whose fast pattern already hit (or
 * that have none), over one packet or stream chunk, so a plain Horspool
 * with a per-content shift table is enough; case-sensitive searches use
 * glibc's memmem (two-way, SIMD first byte).  Case-insensitive patterns are
 * stored lower-case and compared through a folding table.
 */

static inline uint8_t
lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

void
content_prepare(struct content *c)
{
	uint32_t m = c->len;

	for (int i = 0; i < 256; i++)
		c->skip[i] = (uint16_t)(m > 65535 ? 65535 : m);
	for (uint32_t i = 0; i + 1 < m; i++) {
		uint32_t sh = m - 1 - i;

		if (sh > 65535)
			sh = 65535;
		if (c->flags & CF_NOCASE) {
			c->skip[c->pat[i]] = (uint16_t)sh;
			c->skip[(uint8_t)toupper(c->pat[i])] = (uint16_t)sh;
		} else {
			c->skip[c->pat[i]] = (uint16_t)sh;
		}
	}
}

const uint8_t *
content_search(const struct content *c, const uint8_t *buf, size_t len)
{
	uint32_t m = c->len;
	size_t i;

	if (m == 0 || len < m)
		return NULL;
	if (!(c->flags & CF_NOCASE))
		return memmem(buf, len, c->pat, m);
	i = 0;
	while (i + m <= len) {
		uint8_t last = buf[i + m - 1];

		if (lc(last) == c->pat[m - 1]) {
			uint32_t j = 0;

			while (j + 1 < m && lc(buf[i + j]) == c->pat[j])
				j++;
			if (j + 1 >= m)
				return buf + i;
		}
		i += c->skip[last];
	}
	return NULL;
}
