/* summary: rule header address and port sets: variables, CIDR, lists, negation. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

/*
 * Grammar (Snort 2.9 / Suricata):
 *
 *     set  := item | '[' item (',' item)* ']'
 *     item := '!' item | set | '$'NAME | 'any' | address[/len] | port[:port]
 *
 * A list is the union of its positive items minus the union of its
 * negated ones (all addresses when it has only negated items), so
 * "[10.0.0.0/8,!10.1.2.3]" and "![1.1.1.1,1.1.1.2]" mean what they say.
 * Variables expand recursively, at most VAR_DEPTH deep (a loop is an
 * error); an empty result ("!any") is an error, as in Suricata.
 */
#define VAR_DEPTH 16
#define V4MAX ((u128)0xffffffffu)
#define V6MAX (~(u128)0)
#define PORTMAX ((u128)65535)

/* ---- variables ---------------------------------------------------------- */

int
vars_set(struct vars *vs, const char *name, const char *value)
{
	char *nv;

	if (name[0] == '$')
		name++;
	nv = strdup(value);
	if (nv == NULL)
		return -1;
	for (size_t i = 0; i < vs->n; i++) {
		if (strcmp(vs->v[i].name, name) == 0) {
			free(vs->v[i].value);
			vs->v[i].value = nv;
			return 0;
		}
	}
	if (vs->n == vs->cap) {
		size_t nc = vs->cap ? vs->cap * 2 : 16;
		struct var *v = realloc(vs->v, nc * sizeof(*v));

		if (v == NULL) {
			free(nv);
			return -1;
		}
		vs->v = v;
		vs->cap = nc;
	}
	vs->v[vs->n].name = strdup(name);
	if (vs->v[vs->n].name == NULL) {
		free(nv);
		return -1;
	}
	vs->v[vs->n].value = nv;
	vs->n++;
	return 0;
}

const char *
vars_get(const struct vars *vs, const char *name)
{
	for (size_t i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i].name, name) == 0)
			return vs->v[i].value;
	return NULL;
}

void
vars_free(struct vars *vs)
{
	for (size_t i = 0; i < vs->n; i++) {
		free(vs->v[i].name);
		free(vs->v[i].value);
	}
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}

/* ---- generic set expression parser -------------------------------------- */

struct sset {			/* ports use only a */
	struct iset a, b;
};

struct pstate {
	const char *p;
	const struct vars *vars;
	int ports;
	int depth;
	struct error *err;
};

static void
sset_free(struct sset *s)
{
	iset_free(&s->a);
	iset_free(&s->b);
}

static int
sset_full(struct sset *s, int ports)
{
	if (iset_add(&s->a, 0, ports ? PORTMAX : V4MAX) == -1)
		return -1;
	if (!ports && iset_add(&s->b, 0, V6MAX) == -1)
		return -1;
	return 0;
}

static int
sset_union(struct sset *d, const struct sset *s)
{
	if (iset_union(&d->a, &s->a) == -1 || iset_union(&d->b, &s->b) == -1)
		return -1;
	return 0;
}

static int
sset_complement(struct sset *s, int ports)
{
	if (iset_complement(&s->a, ports ? PORTMAX : V4MAX) == -1)
		return -1;
	if (!ports && iset_complement(&s->b, V6MAX) == -1)
		return -1;
	return 0;
}

static int
sset_minus(struct sset *d, struct sset *s, int ports)
{
	if (sset_complement(s, ports) == -1)
		return -1;
	if (iset_intersect(&d->a, &s->a) == -1 || iset_intersect(&d->b, &s->b) == -1)
		return -1;
	return 0;
}

static void
skip_ws(struct pstate *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static int parse_expr(struct pstate *ps, struct sset *out, int in_list);

static u128
bytes_to_u128(const uint8_t *b, int n)
{
	u128 v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 8) | b[i];
	return v;
}

static int
parse_atom(struct pstate *ps, const char *tok, struct sset *out)
{
	if (strcmp(tok, "any") == 0)
		return sset_full(out, ps->ports);
	if (tok[0] == '$') {
		const char *val = vars_get(ps->vars, tok + 1);
		struct pstate sub;
		int rc;

		if (val == NULL)
			return error_set(ps->err, "undefined variable %s", tok);
		if (ps->depth >= VAR_DEPTH)
			return error_set(ps->err, "variable %s nests too deep (a loop?)", tok);
		sub = *ps;
		sub.p = val;
		sub.depth++;
		rc = parse_expr(&sub, out, 0);
		if (rc == 0) {
			skip_ws(&sub);
			if (*sub.p != '\0')
				return error_set(ps->err, "variable %s: junk '%s'", tok, sub.p);
		}
		return rc;
	}
	if (ps->ports) {
		char *end;
		unsigned long lo = 0, hi = 65535;
		const char *colon = strchr(tok, ':');

		if (!isdigit((unsigned char)tok[0]) && tok[0] != ':')
			return error_set(ps->err, "bad port '%s'", tok);
		if (tok[0] != ':') {
			lo = strtoul(tok, &end, 10);
			if (end == tok || (*end != '\0' && *end != ':') || lo > 65535)
				return error_set(ps->err, "bad port '%s'", tok);
			if (colon == NULL)
				hi = lo;
		}
		if (colon != NULL && colon[1] != '\0') {
			hi = strtoul(colon + 1, &end, 10);
			if (end == colon + 1 || *end != '\0' || hi > 65535)
				return error_set(ps->err, "bad port range '%s'", tok);
		}
		if (lo > hi)
			return error_set(ps->err, "bad port range '%s'", tok);
		return iset_add(&out->a, lo, hi);
	} else {
		struct prefix pf;

		if (prefix_parse(tok, &pf) == -1)
			return error_set(ps->err, "bad address '%s'", tok);
		if (pf.addr.family == 4) {
			u128 v = bytes_to_u128(pf.addr.b, 4);
			u128 span = pf.len >= 32 ? 0 : (((u128)1 << (32 - pf.len)) - 1);

			return iset_add(&out->a, v & ~span, (v & ~span) | span);
		} else {
			u128 v = bytes_to_u128(pf.addr.b, 16);
			u128 span = pf.len >= 128 ? 0 : (((u128)1 << (128 - pf.len)) - 1);

			return iset_add(&out->b, v & ~span, (v & ~span) | span);
		}
	}
}

/* item: '!' item | '[' list ']' | atom ; *neg toggled by '!' */
static int
parse_item(struct pstate *ps, struct sset *out, int *neg)
{
	char tok[256];
	size_t n = 0;

	skip_ws(ps);
	while (*ps->p == '!') {
		*neg ^= 1;
		ps->p++;
		skip_ws(ps);
	}
	if (*ps->p == '[') {
		ps->p++;
		if (parse_expr(ps, out, 1) == -1)
			return -1;
		skip_ws(ps);
		if (*ps->p != ']')
			return error_set(ps->err, "missing ']'");
		ps->p++;
		return 0;
	}
	while (*ps->p != '\0' && *ps->p != ',' && *ps->p != ']' &&
	    *ps->p != ' ' && *ps->p != '\t' && *ps->p != '[') {
		if (n + 1 >= sizeof(tok))
			return error_set(ps->err, "address or port too long");
		tok[n++] = *ps->p++;
	}
	tok[n] = '\0';
	if (n == 0)
		return error_set(ps->err, "empty address or port");
	return parse_atom(ps, tok, out);
}

/* A list of items (in_list: up to ']'), or one item at top level. */
static int
parse_expr(struct pstate *ps, struct sset *out, int in_list)
{
	struct sset pos = { { 0 }, { 0 } }, negs = { { 0 }, { 0 } };
	int npos = 0, nneg = 0, rc = -1;

	for (;;) {
		struct sset it = { { 0 }, { 0 } };
		int neg = 0;

		if (parse_item(ps, &it, &neg) == -1) {
			sset_free(&it);
			goto out;
		}
		if (iset_normalise(&it.a) == -1 || iset_normalise(&it.b) == -1 ||
		    sset_union(neg ? &negs : &pos, &it) == -1) {
			sset_free(&it);
			error_set(ps->err, "out of memory");
			goto out;
		}
		sset_free(&it);
		if (neg)
			nneg++;
		else
			npos++;
		skip_ws(ps);
		if (!in_list || *ps->p != ',')
			break;
		ps->p++;
	}
	if (npos == 0 && sset_full(&pos, ps->ports) == -1)
		goto out;
	if (nneg > 0 && sset_minus(&pos, &negs, ps->ports) == -1)
		goto out;
	*out = pos;
	memset(&pos, 0, sizeof(pos));
	rc = 0;
out:
	sset_free(&pos);
	sset_free(&negs);
	return rc;
}

int
addrset_parse(const char *text, const struct vars *vs, struct addrset *out,
    struct error *err)
{
	struct pstate ps = { text, vs, 0, 0, err };
	struct sset s = { { 0 }, { 0 } };

	memset(out, 0, sizeof(*out));
	if (parse_expr(&ps, &s, 0) == -1) {
		sset_free(&s);
		return -1;
	}
	skip_ws(&ps);
	if (*ps.p != '\0') {
		sset_free(&s);
		return error_set(err, "junk after address '%s'", ps.p);
	}
	if (s.a.n == 0 && s.b.n == 0) {
		sset_free(&s);
		return error_set(err, "address set '%s' is empty", text);
	}
	out->v4 = s.a;
	out->v6 = s.b;
	out->any = iset_is_full(&s.a, V4MAX) && iset_is_full(&s.b, V6MAX);
	return 0;
}

int
portset_parse(const char *text, const struct vars *vs, struct portset *out,
    struct error *err)
{
	struct pstate ps = { text, vs, 1, 0, err };
	struct sset s = { { 0 }, { 0 } };

	memset(out, 0, sizeof(*out));
	if (parse_expr(&ps, &s, 0) == -1) {
		sset_free(&s);
		return -1;
	}
	skip_ws(&ps);
	if (*ps.p != '\0') {
		sset_free(&s);
		return error_set(err, "junk after port '%s'", ps.p);
	}
	if (s.a.n == 0) {
		sset_free(&s);
		return error_set(err, "port set '%s' is empty", text);
	}
	out->p = s.a;
	iset_free(&s.b);
	out->any = iset_is_full(&s.a, PORTMAX);
	return 0;
}

void
addrset_free(struct addrset *a)
{
	iset_free(&a->v4);
	iset_free(&a->v6);
}

void
portset_free(struct portset *p)
{
	iset_free(&p->p);
}

int
addrset_contains(const struct addrset *a, const struct addr *x)
{
	if (a->any)
		return 1;
	if (x->family == 4)
		return iset_contains(&a->v4, bytes_to_u128(x->b, 4));
	if (x->family == 6)
		return iset_contains(&a->v6, bytes_to_u128(x->b, 16));
	return 0;
}

int
portset_contains(const struct portset *p, uint16_t port)
{
	return p->any || iset_contains(&p->p, port);
}
