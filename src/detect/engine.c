/* summary: building the engine: rule order, groups by protocol and port, Hyperscan databases. */
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "detect/detect_loader.h"
#include "detect/engine_int.h"

/*
 * Rule groups (Suricata's "signature group heads", simplified).  A TCP or
 * UDP rule whose destination ports are a small set (<= GROUP_PORTS_MAX
 * ports) goes into the group of each of those destination ports; else, if
 * its source ports are a small set, into the groups of those source ports;
 * else into the protocol's "any" group.  A packet is checked against the
 * IP group, its protocol's any group, the group of its destination port
 * and the group of its source port: at most four small scans, and no rule
 * is in two of them, so a packet sees each rule at most once.  Building is
 * linear in the number of rules (no group is a copy of another).
 *
 * Evaluation order: Suricata's action-order (pass, drop, reject, alert),
 * then rules that set flowbits before rules that test them, then priority,
 * then load order.  Candidates found by the prefilter are sorted back into
 * this order, so flowbits set by one rule are seen by a later rule on the
 * same packet and a pass rule silences the alerts after it.
 */
#define GROUP_PORTS_MAX 128
#define IP_INDEX_MAX_INTERVALS 4096
#define GROUPS_MAX 65000

static int
action_rank(enum detect_action a)
{
	switch (a) {
	case DETECT_ACTION_PASS: return 0;
	case DETECT_ACTION_DROP: case DETECT_ACTION_SDROP: return 1;
	case DETECT_ACTION_REJECT: case DETECT_ACTION_REJECTDST:
	case DETECT_ACTION_REJECTBOTH: return 2;
	case DETECT_ACTION_ALERT: return 3;
	}
	return 3;
}

static int
flowbit_rank(const struct rule *r)
{
	int sets = 0, tests = 0;

	for (size_t i = 0; i < r->nflowbits; i++) {
		if (r->flowbits[i].op == FB_ISSET || r->flowbits[i].op == FB_ISNOTSET)
			tests = 1;
		else
			sets = 1;
	}
	if (sets && !tests)
		return 0;
	if (sets && tests)
		return 1;
	if (tests)
		return 2;
	return 1;
}

static int
rule_cmp(const void *a, const void *b)
{
	const struct rule *x = *(struct rule *const *)a, *y = *(struct rule *const *)b;
	int d;

	if ((d = action_rank(x->info.action) - action_rank(y->info.action)) != 0)
		return d;
	if ((d = flowbit_rank(x) - flowbit_rank(y)) != 0)
		return d;
	if ((d = x->info.priority - y->info.priority) != 0)
		return d;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
group_add_rule(struct group *g, uint32_t ri)
{
	if (g->nrules == g->caprules) {
		uint32_t nc = g->caprules ? g->caprules * 2 : 16;
		uint32_t *v = realloc(g->rules, nc * sizeof(*v));

		if (v == NULL)
			return -1;
		g->rules = v;
		g->caprules = nc;
	}
	g->rules[g->nrules++] = ri;
	return 0;
}

static int32_t
new_group(struct detect_engine *e, struct error *err)
{
	struct group *v;

	if (e->ngroups >= GROUPS_MAX) {
		error_set(err, "more than %d rule groups", GROUPS_MAX);
		return -1;
	}
	v = realloc(e->groups, (e->ngroups + 1) * sizeof(*v));
	if (v == NULL) {
		error_set(err, "out of memory");
		return -1;
	}
	e->groups = v;
	memset(&v[e->ngroups], 0, sizeof(v[0]));
	return (int32_t)e->ngroups++;
}

/* Small port set: its ports go in ports[] (returns count), else -1. */
static int
small_port_set(const struct portset *ps, uint16_t *ports)
{
	u128 c;
	int n = 0;

	if (ps->any)
		return -1;
	c = iset_count(&ps->p);
	if (c > GROUP_PORTS_MAX)
		return -1;
	for (size_t i = 0; i < ps->p.n; i++)
		for (u128 x = ps->p.v[i].lo; x <= ps->p.v[i].hi; x++)
			ports[n++] = (uint16_t)x;
	return n;
}

static int
assign_groups(struct detect_engine *e, struct error *err)
{
	for (int p = 0; p < RP_MAX; p++)
		e->any_group[p] = -1;
	for (int p = 0; p < 8; p++)	/* h10 */
		e->app_group[p] = -1;
	for (int p = 0; p < GP_NPORTED; p++) {
		e->dport_map[p] = calloc(65536, sizeof(uint16_t));
		e->sport_map[p] = calloc(65536, sizeof(uint16_t));
		if (e->dport_map[p] == NULL || e->sport_map[p] == NULL)
			return error_set(err, "out of memory");
	}
	for (uint32_t ri = 0; ri < e->nrules; ri++) {
		struct rule *r = e->rules[ri];
		uint16_t ports[GROUP_PORTS_MAX];
		int n = -1, gp = r->proto == RP_TCP ? GP_TCP : r->proto == RP_UDP ? GP_UDP : -1;
		uint16_t *map = NULL;

		if (r->app_point != 0) {	/* h10: app-buffer rules */
			int32_t *ag = &e->app_group[r->app_proto & 7];

			if (*ag < 0 && (*ag = new_group(e, err)) < 0)
				return -1;
			if (group_add_rule(&e->groups[*ag], ri) == -1)
				return error_set(err, "out of memory");
			continue;
		}
		if (gp >= 0 && !(r->flags & RULE_F_BIDIR)) {
			if ((n = small_port_set(&r->dp, ports)) >= 0)
				map = e->dport_map[gp];
			else if ((n = small_port_set(&r->sp, ports)) >= 0)
				map = e->sport_map[gp];
		}
		if (map == NULL) {
			if (e->any_group[r->proto] < 0 &&
			    (e->any_group[r->proto] = new_group(e, err)) < 0)
				return -1;
			if (group_add_rule(&e->groups[e->any_group[r->proto]], ri) == -1)
				return error_set(err, "out of memory");
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (map[ports[i]] == 0) {
				int32_t g = new_group(e, err);

				if (g < 0)
					return -1;
				map[ports[i]] = (uint16_t)(g + 1);
			}
			if (group_add_rule(&e->groups[map[ports[i]] - 1], ri) == -1)
				return error_set(err, "out of memory");
		}
	}
	return 0;
}

struct pat {
	const uint8_t *bytes;
	uint32_t len;
	uint8_t nocase;
	uint32_t rule;
};

static int
pat_cmp(const void *a, const void *b)
{
	const struct pat *x = a, *y = b;
	int d;

	if (x->nocase != y->nocase)
		return x->nocase - y->nocase;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if ((d = memcmp(x->bytes, y->bytes, x->len)) != 0)
		return d;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A short, explicit address list: few intervals, not a negation of a few. */
static int
addrset_short(const struct addrset *a)
{
	if (a->any || a->v4.n + a->v6.n > IP_INDEX_MAX_INTERVALS)
		return 0;
	if (iset_count(&a->v4) > ((u128)1 << 24))
		return 0;
	if (a->v6.n > 0 && iset_count(&a->v6) > ((u128)1 << 96))
		return 0;
	return 1;
}

/* 1: index by source, 2: by destination, 0: evaluate always. */
static int
ip_indexable(const struct rule *r)
{
	if (r->flags & RULE_F_BIDIR)
		return 0;
	if (addrset_short(&r->src))
		return 1;
	if (addrset_short(&r->dst))
		return 2;
	return 0;
}

/* 0 added, 1 not added (memory): the caller evaluates the rule always. */
static int
ip_index_add(struct ip_index *ix, const struct addrset *a, uint32_t rule)
{
	const struct iset *s[2] = { &a->v4, &a->v6 };

	for (int f = 0; f < 2; f++) {
		struct ip_ival *v;

		if (s[f]->n == 0)
			continue;
		v = realloc(ix[f].v, (ix[f].n + s[f]->n) * sizeof(*v));
		if (v == NULL)
			return 1;
		ix[f].v = v;
		for (size_t i = 0; i < s[f]->n; i++) {
			v[ix[f].n].lo = s[f]->v[i].lo;
			v[ix[f].n].hi = s[f]->v[i].hi;
			v[ix[f].n].rule = rule;
			ix[f].n++;
		}
	}
	return 0;
}

static int
ival_lo_cmp(const void *a, const void *b)
{
	const struct ip_ival *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static int
ip_index_finish(struct ip_index *ix)
{
	if (ix->n == 0)
		return 0;
	qsort(ix->v, ix->n, sizeof(*ix->v), ival_lo_cmp);
	ix->maxhi = malloc(ix->n * sizeof(*ix->maxhi));
	if (ix->maxhi == NULL)
		return -1;
	for (size_t i = 0; i < ix->n; i++)
		ix->maxhi[i] = i == 0 || ix->v[i].hi > ix->maxhi[i - 1] ?
		    ix->v[i].hi : ix->maxhi[i - 1];
	return 0;
}

/* Replaces each literal by a malloc'ed regex matching exactly its bytes. */
static int
escape_patterns(const char **exprs, const size_t *lens, uint32_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (uint32_t i = 0; i < n; i++) {
		char *s = malloc(lens[i] * 4 + 1), *o = s;

		if (s == NULL) {
			for (uint32_t k = 0; k < i; k++) {
				free((char *)exprs[k]);
				exprs[k] = NULL;
			}
			return -1;
		}
		for (size_t j = 0; j < lens[i]; j++) {
			uint8_t b = (uint8_t)exprs[i][j];

			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[b >> 4];
			*o++ = hex[b & 15];
		}
		*o = '\0';
		exprs[i] = s;
	}
	return 0;
}

static int
build_group(struct detect_engine *e, struct group *g, struct error *err)
{
	struct pat *pats = NULL;
	size_t npats = 0;
	int rc = -1;

	g->always = calloc(g->nrules ? g->nrules : 1, sizeof(uint32_t));
	pats = calloc(g->nrules ? g->nrules : 1, sizeof(*pats));
	if (g->always == NULL || pats == NULL) {
		error_set(err, "out of memory");
		goto out;
	}
	for (int b = 0; b < DBUF_MAX; b++) {
		struct group_buf *gb = &g->b[b];
		const char **exprs = NULL;
		unsigned *flags = NULL, *ids = NULL;
		size_t *lens = NULL;
		hs_compile_error_t *cerr = NULL;
		uint32_t np = 0;
		hs_error_t rc_hs;

		npats = 0;
		for (uint32_t i = 0; i < g->nrules; i++) {
			struct rule *r = e->rules[g->rules[i]];

			if (r->fp == NULL || r->fp_buf != b)
				continue;
			pats[npats].bytes = r->fp->pat + r->fp->fp_off;
			pats[npats].len = r->fp->fp_len;
			pats[npats].nocase = (r->fp->flags & CF_NOCASE) != 0;
			pats[npats].rule = g->rules[i];
			npats++;
			if (r->proto != RP_UDP && r->proto != RP_ICMP &&
			    (r->flags & RULE_F_PKT_ONLY))
				gb->npkt_tcp++;
		}
		if (npats == 0)
			continue;
		qsort(pats, npats, sizeof(*pats), pat_cmp);
		gb->pat_start = calloc(npats + 1, sizeof(uint32_t));
		gb->pat_rule = calloc(npats, sizeof(uint32_t));
		exprs = calloc(npats, sizeof(*exprs));
		flags = calloc(npats, sizeof(*flags));
		ids = calloc(npats, sizeof(*ids));
		lens = calloc(npats, sizeof(*lens));
		if (gb->pat_start == NULL || gb->pat_rule == NULL || exprs == NULL ||
		    flags == NULL || ids == NULL || lens == NULL) {
			error_set(err, "out of memory");
			goto bufout;
		}
		for (size_t i = 0; i < npats; i++) {
			if (i == 0 || pat_cmp(&(struct pat){ pats[i].bytes, pats[i].len,
			    pats[i].nocase, 0 }, &(struct pat){ pats[i - 1].bytes,
			    pats[i - 1].len, pats[i - 1].nocase, 0 }) != 0) {
				exprs[np] = (const char *)pats[i].bytes;
				lens[np] = pats[i].len;
				flags[np] = HS_FLAG_SINGLEMATCH |
				    (pats[i].nocase ? HS_FLAG_CASELESS : 0);
				ids[np] = np;
				gb->pat_start[np] = (uint32_t)i;
				if (pats[i].len < 4)
					e->stats.short_patterns++;
				np++;
			}
			gb->pat_rule[i] = pats[i].rule;
		}
		gb->pat_start[np] = (uint32_t)npats;
		gb->npat = np;
		e->stats.patterns += np;
		/* the rules of one pattern in evaluation order */
		for (uint32_t k = 0; k < np; k++)
			qsort(gb->pat_rule + gb->pat_start[k],
			    gb->pat_start[k + 1] - gb->pat_start[k], sizeof(uint32_t), u32_cmp);
		/*
		 * hs_compile_lit_multi() of libhyperscan 5.4 crashes on some
		 * pattern sets (intel/hyperscan#205, #302): give Hyperscan the
		 * literals as regexes of \xHH escapes instead.  It compiles
		 * them to the same literal matcher.
		 */
		if (escape_patterns(exprs, lens, np) == -1) {
			error_set(err, "out of memory");
			goto bufout;
		}
		rc_hs = hs_compile_multi(exprs, flags, ids, np, HS_MODE_BLOCK,
		    NULL, &gb->db, &cerr);
		for (uint32_t k = 0; k < np; k++)
			free((char *)exprs[k]);
		if (rc_hs != HS_SUCCESS) {
			error_set(err, "hyperscan: %s (pattern %d)",
			    cerr != NULL ? cerr->message : "?",
			    cerr != NULL ? cerr->expression : -1);
			hs_free_compile_error(cerr);
			goto bufout;
		}
		{
			size_t sz = 0;

			if (hs_database_size(gb->db, &sz) == HS_SUCCESS)
				e->stats.db_bytes += sz;
		}
		if (hs_alloc_scratch(gb->db, &e->scratch) != HS_SUCCESS) {
			error_set(err, "hyperscan: cannot allocate scratch");
			goto bufout;
		}
		e->stats.databases++;
		free(exprs);
		free(flags);
		free(ids);
		free(lens);
		continue;
bufout:
		free(exprs);
		free(flags);
		free(ids);
		free(lens);
		goto out;
	}
	for (uint32_t i = 0; i < g->nrules; i++) {
		struct rule *r = e->rules[g->rules[i]];
		int k;

		if (r->fp != NULL)
			continue;
		k = ip_indexable(r);
		if (k == 1 ? ip_index_add(g->by_src, &r->src, g->rules[i]) :
		    k == 2 ? ip_index_add(g->by_dst, &r->dst, g->rules[i]) : 1) {
			g->always[g->nalways++] = g->rules[i];
			continue;
		}
		e->stats.rules_by_address++;
	}
	for (int f = 0; f < 2; f++)
		if (ip_index_finish(&g->by_src[f]) == -1 ||
		    ip_index_finish(&g->by_dst[f]) == -1) {
			error_set(err, "out of memory");
			goto out;
		}
	rc = 0;
out:
	free(pats);
	free(g->rules);
	g->rules = NULL;
	return rc;
}

struct detect_engine *
detect_engine_build(struct detect_loader *l, const struct detect_engine_config *cfg,
    struct error *err)
{
	struct detect_engine *e = calloc(1, sizeof(*e));
	uint64_t t0 = time_mono_ns();

	if (e == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	atomic_init(&e->refs, 1);
	e->id = t0 ^ (uint64_t)(uintptr_t)e;
	if (cfg != NULL)
		e->cfg = *cfg;
	/* take the rules and the flowbit names */
	e->rules = l->rules;
	e->nrules = l->nrules;
	l->rules = NULL;
	l->nrules = l->cap = 0;
	free(l->sidmap);
	l->sidmap = NULL;
	l->sidcap = 0;
	e->flowbits = l->flowbits;
	memset(&l->flowbits, 0, sizeof(l->flowbits));
	/* flowbit ids interned later by the same loader must not clash */
	for (size_t i = 0; i < e->nrules; i++)
		e->rules[i]->order = (uint32_t)i;
	if (e->nrules > 0)
		qsort(e->rules, e->nrules, sizeof(*e->rules), rule_cmp);
	for (size_t i = 0; i < e->nrules; i++) {
		e->rules[i]->order = (uint32_t)i;
		e->rules[i]->info.index = (uint32_t)i;
		if (e->rules[i]->fp == NULL)
			e->stats.rules_without_fast_pattern++;
	}
	if (assign_groups(e, err) == -1)
		goto fail;
	for (size_t g = 0; g < e->ngroups; g++)
		if (build_group(e, &e->groups[g], err) == -1)
			goto fail;
	e->stats.rules = e->nrules;
	e->stats.groups = e->ngroups;
	e->stats.build_ns = time_mono_ns() - t0;
	return e;
fail:
	detect_engine_unref(e);
	return NULL;
}

static void
engine_free(struct detect_engine *e)
{
	for (size_t g = 0; g < e->ngroups; g++) {
		for (int b = 0; b < DBUF_MAX; b++) {
			hs_free_database(e->groups[g].b[b].db);
			free(e->groups[g].b[b].pat_start);
			free(e->groups[g].b[b].pat_rule);
		}
		free(e->groups[g].always);
		free(e->groups[g].rules);
		for (int f = 0; f < 2; f++) {
			free(e->groups[g].by_src[f].v);
			free(e->groups[g].by_src[f].maxhi);
			free(e->groups[g].by_dst[f].v);
			free(e->groups[g].by_dst[f].maxhi);
		}
	}
	free(e->groups);
	for (int p = 0; p < GP_NPORTED; p++) {
		free(e->dport_map[p]);
		free(e->sport_map[p]);
	}
	for (size_t i = 0; i < e->nrules; i++)
		rule_free(e->rules[i]);
	free(e->rules);
	names_free(&e->flowbits);
	if (e->scratch != NULL)
		hs_free_scratch(e->scratch);
	free(e);
}

struct detect_engine *
detect_engine_ref(struct detect_engine *e)
{
	atomic_fetch_add(&e->refs, 1);
	return e;
}

void
detect_engine_unref(struct detect_engine *e)
{
	if (e != NULL && atomic_fetch_sub(&e->refs, 1) == 1)
		engine_free(e);
}

void
detect_engine_stats(const struct detect_engine *e, struct detect_engine_stats *st)
{
	*st = e->stats;
}

size_t
detect_engine_rule_count(const struct detect_engine *e)
{
	return e->nrules;
}

const struct detect_rule_info *
detect_engine_rule(const struct detect_engine *e, size_t i)
{
	return i < e->nrules ? &e->rules[i]->info : NULL;
}

void
detect_engine_each_pattern(const struct detect_engine *e,
    void (*fn)(void *ctx, const uint8_t *pat, size_t len, int nocase), void *ctx)
{
	for (size_t g = 0; g < e->ngroups; g++) {
		for (int b = 0; b < DBUF_MAX; b++) {
			const struct group_buf *gb = &e->groups[g].b[b];

			for (uint32_t k = 0; k < gb->npat; k++) {
				const struct content *c = e->rules[gb->pat_rule[gb->pat_start[k]]]->fp;

				fn(ctx, c->pat + c->fp_off, c->fp_len, (c->flags & CF_NOCASE) != 0);
			}
		}
	}
}

const char *
detect_action_name(enum detect_action a)
{
	switch (a) {
	case DETECT_ACTION_PASS: return "pass";
	case DETECT_ACTION_DROP: return "drop";
	case DETECT_ACTION_SDROP: return "sdrop";
	case DETECT_ACTION_REJECT: return "reject";
	case DETECT_ACTION_REJECTDST: return "rejectdst";
	case DETECT_ACTION_REJECTBOTH: return "rejectboth";
	case DETECT_ACTION_ALERT: return "alert";
	}
	return "?";
}
