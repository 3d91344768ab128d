/* summary: sets of integer intervals: the algebra behind address and port sets. */
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

/*
 * Rule headers nest lists and negations ("[10.0.0.0/8,![10.1.0.0/16,
 * 10.2.0.1]]"); evaluating them as set algebra once, at load time, leaves
 * a sorted list of disjoint intervals that a packet checks with a binary
 * search, however long the list (IP reputation rules carry hundreds).
 * Addresses use 128-bit bounds so IPv4 and IPv6 share the code.
 */

void
iset_free(struct iset *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int
iset_add(struct iset *s, u128 lo, u128 hi)
{
	struct ival *nv = realloc(s->v, (s->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	s->v = nv;
	s->v[s->n].lo = lo;
	s->v[s->n].hi = hi;
	s->n++;
	return 0;
}

static int
ival_cmp(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;

	if (x->lo < y->lo)
		return -1;
	return x->lo > y->lo;
}

int
iset_normalise(struct iset *s)
{
	size_t o = 0;

	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), ival_cmp);
	for (size_t i = 1; i < s->n; i++) {
		struct ival *cur = &s->v[o];

		if (s->v[i].lo <= cur->hi ||
		    (cur->hi != ~(u128)0 && s->v[i].lo == cur->hi + 1)) {
			if (s->v[i].hi > cur->hi)
				cur->hi = s->v[i].hi;
		} else {
			s->v[++o] = s->v[i];
		}
	}
	s->n = o + 1;
	return 0;
}

int
iset_copy(struct iset *dst, const struct iset *src)
{
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return 0;
	dst->v = malloc(src->n * sizeof(*dst->v));
	if (dst->v == NULL)
		return -1;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

int
iset_union(struct iset *dst, const struct iset *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (iset_add(dst, src->v[i].lo, src->v[i].hi) == -1)
			return -1;
	return iset_normalise(dst);
}

/* Complement within [0, max]. */
int
iset_complement(struct iset *s, u128 max)
{
	struct iset out = { NULL, 0 };
	u128 next = 0;
	int done = 0;

	for (size_t i = 0; i < s->n && !done; i++) {
		if (s->v[i].lo > next && iset_add(&out, next, s->v[i].lo - 1) == -1)
			goto fail;
		if (s->v[i].hi >= max)
			done = 1;
		else
			next = s->v[i].hi + 1;
	}
	if (!done && iset_add(&out, next, max) == -1)
		goto fail;
	iset_free(s);
	*s = out;
	return 0;
fail:
	iset_free(&out);
	return -1;
}

int
iset_intersect(struct iset *dst, const struct iset *other)
{
	struct iset out = { NULL, 0 };
	size_t i = 0, j = 0;

	while (i < dst->n && j < other->n) {
		u128 lo = dst->v[i].lo > other->v[j].lo ? dst->v[i].lo : other->v[j].lo;
		u128 hi = dst->v[i].hi < other->v[j].hi ? dst->v[i].hi : other->v[j].hi;

		if (lo <= hi && iset_add(&out, lo, hi) == -1) {
			iset_free(&out);
			return -1;
		}
		if (dst->v[i].hi < other->v[j].hi)
			i++;
		else
			j++;
	}
	iset_free(dst);
	*dst = out;
	return 0;
}

int
iset_contains(const struct iset *s, u128 x)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x < s->v[mid].lo)
			hi = mid;
		else if (x > s->v[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

int
iset_is_full(const struct iset *s, u128 max)
{
	return s->n == 1 && s->v[0].lo == 0 && s->v[0].hi == max;
}

u128
iset_count(const struct iset *s)
{
	u128 c = 0;

	for (size_t i = 0; i < s->n; i++)
		c += s->v[i].hi - s->v[i].lo + 1;
	return c;
}
