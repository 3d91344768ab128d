/* summary: threshold and detection_filter tracking in a bounded table. */
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "detect/threshold.h"

/*
 * One entry per (gid, sid, tracked address(es) or flow).  The table is
 * open-addressed with a fixed capacity chosen at creation (a power of two,
 * default 65536 entries, about 100 bytes each): an attacker who sprays
 * source addresses cannot grow it.  A lookup probes PROBE slots; when all
 * are taken by other keys, the one idle longest is evicted (counted), which
 * at worst lets an alert through that a full table would have suppressed.
 */
#define PROBE 8

struct thr_entry {
	uint32_t gid, sid;
	uint8_t track, used;
	struct addr a, b;
	uint64_t flow;
	uint64_t start_ns, last_ns;
	uint32_t count;
};

struct thresholds {
	struct thr_entry *v;
	size_t mask;
	uint64_t evictions;
};

struct thresholds *
thresholds_new(size_t entries)
{
	struct thresholds *t = calloc(1, sizeof(*t));
	size_t n = 16;

	if (t == NULL)
		return NULL;
	if (entries == 0)
		entries = 65536;
	while (n < entries && n < ((size_t)1 << 24))
		n <<= 1;
	t->v = calloc(n, sizeof(*t->v));
	if (t->v == NULL) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	return t;
}

void
thresholds_free(struct thresholds *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t);
}

uint64_t
thresholds_evictions(const struct thresholds *t)
{
	return t->evictions;
}

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

int
thresholds_check(struct thresholds *t, const struct threshold_kw *k,
    uint32_t gid, uint32_t sid, const struct addr *src, const struct addr *dst,
    uint64_t flow, uint64_t now_ns)
{
	struct thr_entry key, *e = NULL, *victim = NULL;
	uint64_t h = 0xcbf29ce484222325ull, window = (uint64_t)k->seconds * NSEC_PER_SEC;

	memset(&key, 0, sizeof(key));
	key.gid = gid;
	key.sid = sid;
	key.track = k->track;
	switch (k->track) {
	case TRACK_SRC: key.a = *src; break;
	case TRACK_DST: key.a = *dst; break;
	case TRACK_BOTH: key.a = *src; key.b = *dst; break;
	case TRACK_FLOW: key.flow = flow; break;
	default: break;
	}
	h = mix(h, &key.gid, 4);
	h = mix(h, &key.sid, 4);
	h = mix(h, &key.track, 1);
	h = mix(h, &key.a, sizeof(key.a));
	h = mix(h, &key.b, sizeof(key.b));
	h = mix(h, &key.flow, 8);
	for (size_t i = 0; i < PROBE; i++) {
		struct thr_entry *c = &t->v[(h + i) & t->mask];

		if (!c->used) {
			if (victim == NULL || victim->used)
				victim = c;
			continue;
		}
		if (c->gid == key.gid && c->sid == key.sid && c->track == key.track &&
		    addr_cmp(&c->a, &key.a) == 0 && addr_cmp(&c->b, &key.b) == 0 &&
		    c->flow == key.flow) {
			e = c;
			break;
		}
		if (victim == NULL || (victim->used && c->last_ns < victim->last_ns))
			victim = c;
	}
	if (e == NULL) {
		if (victim->used)
			t->evictions++;
		e = victim;
		*e = key;
		e->used = 1;
		e->start_ns = now_ns;
		e->count = 0;
	} else if (now_ns - e->start_ns > window || now_ns < e->start_ns) {
		e->start_ns = now_ns;
		e->count = 0;
	}
	e->last_ns = now_ns;
	if (e->count < UINT32_MAX)
		e->count++;
	switch (k->type) {
	case THR_LIMIT:
		return e->count <= k->count;
	case THR_THRESHOLD:
		if (e->count >= k->count) {
			e->count = 0;
			return 1;
		}
		return 0;
	case THR_BOTH:
		return e->count == k->count;
	case THR_DETECTION_FILTER:
		return e->count > k->count;
	}
	return 1;
}
