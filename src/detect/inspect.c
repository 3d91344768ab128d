/* summary: payload inspection: a rule's keyword list over one buffer, Suricata's semantics. */
#include <string.h>

#include "detect/detect_int.h"

/*
 * Keywords run in rule order over one buffer with a cursor: the end of the
 * last content or pcre match (byte_jump and byte_extract move it too).
 * distance/within count from the cursor; a negated content checks its
 * window and leaves the cursor where it was, so a relative keyword after
 * it is relative to the last *positive* match.  When a later keyword
 * fails and some later keyword is relative, the content (or pcre) is
 * searched again one byte further on, as Snort and Suricata do against
 * decoy evasion ("attack not attack now").  The retries are bounded per
 * rule evaluation (ic->budget, like Suricata's inspection-recursion-limit).
 */

static int run(struct inspect_ctx *ic, const struct sm_list *l, uint16_t i,
    uint32_t cursor, uint32_t maxend);

/* The window [*start, *end) where content c may match. */
static int
content_window(const struct content *c, const struct inspect_ctx *ic,
    uint32_t cursor, int64_t *start, int64_t *end)
{
	int64_t s, e, len = ic->len;

	if (c->flags & (CF_DISTANCE | CF_WITHIN)) {
		int64_t d = (c->flags & CF_DISTANCE) ? numarg_value(&c->distance, ic) : 0;

		s = (int64_t)cursor + d;
		if (s < 0)
			s = 0;
		e = len;
		if (c->flags & CF_WITHIN) {
			int64_t w = (int64_t)cursor + d + numarg_value(&c->within, ic);

			if (w < e)
				e = w;
		}
		if ((c->flags & CF_DEPTH) && !(c->flags & CF_STARTSWITH)) {
			int64_t de = (int64_t)cursor + numarg_value(&c->depth, ic);

			if (de < e)
				e = de;
		}
		if ((c->flags & CF_OFFSET) && !(c->flags & CF_STARTSWITH)) {
			int64_t of = (int64_t)cursor + numarg_value(&c->offset, ic);

			if (of > s)
				s = of;
		}
	} else {
		s = (c->flags & CF_OFFSET) ? numarg_value(&c->offset, ic) : 0;
		if (s < 0)
			s = 0;
		e = (c->flags & CF_DEPTH) ? s + numarg_value(&c->depth, ic) : len;
	}
	if (e > len)
		e = len;
	*start = s;
	*end = e;
	return e - s >= (int64_t)c->len;
}

static int
match_content(struct inspect_ctx *ic, const struct sm_list *l, uint16_t i,
    uint32_t cursor, uint32_t maxend)
{
	const struct content *c = l->v[i].u.content;
	int64_t start, end;
	int fits = content_window(c, ic, cursor, &start, &end);

	if (c->flags & CF_NEGATED) {
		const uint8_t *f = NULL;

		if (fits) {
			if (c->flags & CF_ENDSWITH) {
				const uint8_t *at = ic->buf + end - c->len;

				if (end == (int64_t)ic->len && content_search(c, at, c->len))
					f = at;
			} else {
				f = content_search(c, ic->buf + start, (size_t)(end - start));
			}
		}
		if (f != NULL)
			return 0;
		return run(ic, l, i + 1, cursor, maxend);
	}
	if (!fits)
		return 0;
	for (;;) {
		const uint8_t *f;
		uint32_t ms, me;

		if (c->flags & CF_ENDSWITH) {
			/* must end exactly at the end of the buffer */
			if (end != (int64_t)ic->len)
				return 0;
			f = content_search(c, ic->buf + end - c->len, c->len);
		} else {
			f = content_search(c, ic->buf + start, (size_t)(end - start));
		}
		if (f == NULL)
			return 0;
		ms = (uint32_t)(f - ic->buf);
		me = ms + c->len;
		if (ic->match_pos != NULL)
			ic->match_pos[i] = ms;
		if (run(ic, l, i + 1, me, me > maxend ? me : maxend))
			return 1;
		if (!l->rel_after[i] || (c->flags & CF_ENDSWITH) || ic->budget == 0)
			return 0;
		ic->budget--;
		start = ms + 1;
		if (end - start < (int64_t)c->len)
			return 0;
	}
}

static int
match_pcre(struct inspect_ctx *ic, const struct sm_list *l, uint16_t i,
    uint32_t cursor, uint32_t maxend)
{
	const struct pcre_kw *pk = l->v[i].u.pcre;
	uint32_t base = (pk->flags & PF_RELATIVE) ? cursor : 0;
	PCRE2_SIZE off = 0;

	if (base > ic->len)
		return (pk->flags & PF_NEGATED) ? run(ic, l, i + 1, cursor, maxend) : 0;
	for (;;) {
		int rc = pcre2_match(pk->code, ic->buf + base, ic->len - base, off, 0,
		    ic->md, ic->mctx);
		PCRE2_SIZE *ov;
		uint32_t me;

		if (pk->flags & PF_NEGATED) {
			if (rc >= 0)
				return 0;
			return run(ic, l, i + 1, cursor, maxend);
		}
		if (rc < 0)
			return 0;
		ov = pcre2_get_ovector_pointer(ic->md);
		me = base + (uint32_t)ov[1];
		if (run(ic, l, i + 1, me, me > maxend ? me : maxend))
			return 1;
		if (!l->rel_after[i] || ic->budget == 0)
			return 0;
		ic->budget--;
		off = ov[0] + 1;
		if (off > ic->len - base)
			return 0;
	}
}

static int
run(struct inspect_ctx *ic, const struct sm_list *l, uint16_t i, uint32_t cursor,
    uint32_t maxend)
{
	for (; i < l->n; i++) {
		const struct sm *sm = &l->v[i];
		uint32_t np;

		switch (sm->type) {
		case SM_CONTENT:
			return match_content(ic, l, i, cursor, maxend);
		case SM_PCRE:
			return match_pcre(ic, l, i, cursor, maxend);
		case SM_BYTE_TEST:
			if (!byte_test_match(sm->u.byte, ic, cursor))
				return 0;
			break;
		case SM_BYTE_JUMP:
			if (!byte_jump_match(sm->u.byte, ic, cursor, &np))
				return 0;
			cursor = np;
			break;
		case SM_BYTE_EXTRACT:
			if (!byte_extract_match(sm->u.byte, ic, cursor, &np))
				return 0;
			cursor = np;
			break;
		case SM_ISDATAAT: {
			const struct isdataat_kw *d = sm->u.isdataat;
			int64_t n = numarg_value(&d->n, ic);
			int has = d->relative ? (int64_t)cursor + n <= (int64_t)ic->len :
			    n < (int64_t)ic->len;

			if (has == d->negated)
				return 0;
			break;
		}
		case SM_BSIZE:
			if (!urange_match(sm->u.bsize, ic->len))
				return 0;
			break;
		default:
			return 0;
		}
	}
	/* On a stream chunk that starts with already-inspected bytes, a match
	 * must reach the new bytes, or it was reported before. */
	if (ic->new_from != 0 && maxend != 0 && maxend <= ic->new_from)
		return 0;
	return 1;
}

int
inspect_list(struct inspect_ctx *ic, const struct sm_list *l)
{
	return run(ic, l, 0, 0, 0);
}
