/* summary: EVE "stats" events: dotted counter names written as nested objects. */
#include <stdlib.h>
#include <string.h>

#include "output/eve.h"

/*
 * Counters arrive in any order; they are sorted so that names sharing a
 * prefix are adjacent, comparing component by component ('.' sorts below
 * every other byte), and then written with one open object per shared
 * component.  Sorting this way, a leaf "a.b" comes right before the
 * "a.b.*" names that would reopen "b" as an object; those are dropped so
 * the line never carries a duplicate key.
 */
#define STATS_DEPTH 8
#define STATS_NAME_MAX 255

static int
name_cmp(const void *x, const void *y)
{
	const unsigned char *a = (const unsigned char *)(*(const struct eve_counter *const *)x)->name;
	const unsigned char *b = (const unsigned char *)(*(const struct eve_counter *const *)y)->name;
	unsigned ca, cb;

	for (;; a++, b++) {
		ca = *a == '.' ? 1 : *a;
		cb = *b == '.' ? 1 : *b;
		if (ca != cb || ca == 0)
			return (int)ca - (int)cb;
	}
}

/* Splits name into components; -1 if empty parts, too deep or too long. */
static int
split(const char *name, const char *part[STATS_DEPTH], size_t len[STATS_DEPTH])
{
	int n = 0;
	const char *s = name, *dot;

	if (strlen(name) > STATS_NAME_MAX)
		return -1;
	for (;;) {
		if (n == STATS_DEPTH)
			return -1;
		dot = strchr(s, '.');
		part[n] = s;
		len[n] = dot ? (size_t)(dot - s) : strlen(s);
		if (len[n] == 0)
			return -1;
		n++;
		if (dot == NULL)
			return n;
		s = dot + 1;
	}
}

static int
same(const char *a, size_t al, const char *b, size_t bl)
{
	return al == bl && memcmp(a, b, al) == 0;
}

int
eve_write_stats(struct eve *e, uint64_t ts_ns, const struct eve_counter *c,
    size_t n)
{
	const struct eve_counter **v;
	const char *open_part[STATS_DEPTH], *part[STATS_DEPTH];
	size_t open_len[STATS_DEPTH], len[STATS_DEPTH];
	/* last leaf written inside the innermost object at each depth */
	const char *leaf[STATS_DEPTH + 1];
	size_t leaf_len[STATS_DEPTH + 1];
	char key[STATS_NAME_MAX + 1];
	int nopen = 0, np, common, k, conflict;
	struct json *j;
	size_t i;

	if (n > EVE_STATS_MAX)
		n = EVE_STATS_MAX;
	if ((v = malloc((n ? n : 1) * sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		v[i] = &c[i];
	qsort(v, n, sizeof(*v), name_cmp);
	memset(leaf, 0, sizeof(leaf));
	memset(leaf_len, 0, sizeof(leaf_len));

	j = eve_begin(e, "stats", ts_ns, NULL, NULL);
	json_key(j, "stats");
	json_object_begin(j);
	for (i = 0; i < n; i++) {
		if (v[i]->name == NULL || (np = split(v[i]->name, part, len)) == -1)
			continue;
		for (common = 0; common < nopen && common < np - 1 &&
		    same(open_part[common], open_len[common], part[common], len[common]);
		    common++)
			;
		/* the same name as the last key at that depth (a leaf
		 * reopened as an object, or a duplicate): drop it */
		conflict = leaf[common] != NULL &&
		    same(leaf[common], leaf_len[common], part[common], len[common]);
		if (conflict)
			continue;
		while (nopen > common) {
			json_object_end(j);
			nopen--;
		}
		for (k = common; k < np - 1; k++) {
			memcpy(key, part[k], len[k]);
			key[len[k]] = '\0';
			json_key(j, key);
			json_object_begin(j);
			leaf[k] = part[k];	/* the object's name, for conflicts */
			leaf_len[k] = len[k];
			open_part[k] = part[k];
			open_len[k] = len[k];
			leaf[k + 1] = NULL;
			nopen++;
		}
		memcpy(key, part[np - 1], len[np - 1]);
		key[len[np - 1]] = '\0';
		json_kv_uint(j, key, v[i]->value);
		leaf[np - 1] = part[np - 1];
		leaf_len[np - 1] = len[np - 1];
	}
	while (nopen-- > 0)
		json_object_end(j);
	json_object_end(j);
	free(v);
	return eve_end(e);
}
