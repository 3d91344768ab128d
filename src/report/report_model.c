/* summary: the report's model: timeline events, hosts, counters, chart series. */
#include "report/report_model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
model_time(struct report *r, uint64_t ts)
{
	if (ts == 0)
		return;
	if (r->t_min == 0 || ts < r->t_min)
		r->t_min = ts;
	if (ts > r->t_max)
		r->t_max = ts;
}

int
model_event(struct report *r, uint64_t ts, enum ev_kind kind, const char *src,
    const char *dst, int blocked, int severity, const char *fmt, ...)
{
	struct tl_event *e;
	va_list ap;
	char *text;

	model_time(r, ts);
	if (r->nev >= REPORT_MAX_EVENTS) {
		r->ev_dropped++;
		return 0;
	}
	if (r->nev == r->capev) {
		size_t cap = r->capev ? r->capev * 2 : 1024;
		struct tl_event *n = realloc(r->ev, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		r->ev = n;
		r->capev = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1) {
		va_end(ap);
		return -1;
	}
	va_end(ap);
	e = &r->ev[r->nev++];
	memset(e, 0, sizeof(*e));
	e->ts = ts;
	e->kind = kind;
	e->blocked = (uint8_t)blocked;
	e->severity = (uint8_t)severity;
	snprintf(e->src, sizeof(e->src), "%s", src ? src : "");
	snprintf(e->dst, sizeof(e->dst), "%s", dst ? dst : "");
	e->text = text;
	e->session = -1;
	e->attacker = -1;
	return 0;
}

struct host *
model_host(struct report *r, const char *addr)
{
	struct host *h;

	if (addr == NULL || addr[0] == '\0')
		return NULL;
	for (size_t i = 0; i < r->nhosts; i++)
		if (strcmp(r->hosts[i].addr, addr) == 0)
			return &r->hosts[i];
	if (r->nhosts >= REPORT_MAX_HOSTS) {
		r->hosts_dropped++;
		return NULL;
	}
	if (r->nhosts == r->caphosts) {
		size_t cap = r->caphosts ? r->caphosts * 2 : 64;
		struct host *n = realloc(r->hosts, cap * sizeof(*n));
		if (n == NULL)
			return NULL;
		r->hosts = n;
		r->caphosts = cap;
	}
	h = &r->hosts[r->nhosts++];
	memset(h, 0, sizeof(*h));
	snprintf(h->addr, sizeof(h->addr), "%s", addr);
	return h;
}

int
counters_add(struct counters *c, const char *key, uint64_t n)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].key, key) == 0) {
			c->v[i].n += n;
			return 0;
		}
	if (c->n >= 4096)		/* bounded: rare keys beyond this are lost */
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct counter *v = realloc(c->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	if ((c->v[c->n].key = strdup(key)) == NULL)
		return -1;
	c->v[c->n++].n = n;
	return 0;
}

static int
by_count(const void *a, const void *b)
{
	const struct counter *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key, y->key);
}

void
counters_sort(struct counters *c)
{
	if (c->n > 1)
		qsort(c->v, c->n, sizeof(*c->v), by_count);
}

void
counters_free(struct counters *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].key);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

int
model_traffic(struct report *r, uint64_t start, uint64_t end, uint64_t bytes,
    int outbound)
{
	if (r->ntraffic >= REPORT_MAX_EVENTS)
		return 0;
	if (r->ntraffic == r->captraffic) {
		size_t cap = r->captraffic ? r->captraffic * 2 : 1024;
		void *n = realloc(r->traffic, cap * sizeof(*r->traffic));
		if (n == NULL)
			return -1;
		r->traffic = n;
		r->captraffic = cap;
	}
	r->traffic[r->ntraffic].start = start;
	r->traffic[r->ntraffic].end = end < start ? start : end;
	r->traffic[r->ntraffic].bytes = bytes;
	r->traffic[r->ntraffic].out = (uint8_t)outbound;
	r->traffic[r->ntraffic].ev = r->nev;	/* the event that follows */
	r->ntraffic++;
	return 0;
}

int
model_source(struct report *r, const char *path, const char *kind,
    uint64_t bytes, uint64_t items)
{
	struct source *s;

	if (r->nsrc >= REPORT_MAX_SOURCES)
		return 0;
	s = &r->src[r->nsrc++];
	if ((s->path = strdup(path)) == NULL)
		return -1;
	snprintf(s->kind, sizeof(s->kind), "%s", kind);
	s->bytes = bytes;
	s->items = items;
	return 0;
}
