/* summary: the rule parser: header, options, and the checks that finish a rule. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

/*
 * A rule is parsed in one pass: the header into sets (sets.c), then each
 * option "name[:value];" handed to its keyword's setup (keywords.c and the
 * kw_*.c files).  Parsing does not stop at the first unsupported keyword:
 * it collects them all, so `apiary rules check` can count what a ruleset
 * needs.  The text of a rule is bounded (RULE_MAX_LEN) and so is each
 * list (SM_MAX keywords per buffer).
 */
#define RULE_MAX_LEN (64 * 1024)
#define SM_MAX 256
#define TEXT_KEEP 4096

/* ---- small helpers shared by keyword files ------------------------------- */

char *
kw_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
kw_split(char *value, char **parts, int max)
{
	int n = 0, inq = 0, esc = 0;
	char *start = value;

	for (char *p = value;; p++) {
		if (*p == '\0' || (*p == ',' && !inq)) {
			int end = *p == '\0';

			if (n < max)
				parts[n] = start;
			n++;
			*p = '\0';
			start = p + 1;
			if (end)
				break;
			continue;
		}
		if (esc) {
			esc = 0;
		} else if (*p == '\\') {
			esc = 1;
		} else if (*p == '"') {
			inq = !inq;
		}
	}
	for (int i = 0; i < n && i < max; i++)
		parts[i] = kw_trim(parts[i]);
	return n;
}

char *
kw_unquote(char *s)
{
	size_t n;
	char *o, *p;

	s = kw_trim(s);
	n = strlen(s);
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return NULL;
	s[n - 1] = '\0';
	s++;
	for (o = p = s; *p; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == ';' ||
		    p[1] == ':'))
			p++;
		else if (*p == '"')
			return NULL;	/* an unescaped quote inside */
		*o++ = *p;
	}
	*o = '\0';
	return s;
}

int
kw_unsupported(struct parse_ctx *ctx, const char *name)
{
	for (int i = 0; i < ctx->nunsupported; i++)
		if (strcmp(ctx->unsupported[i], name) == 0)
			return 0;
	if (ctx->nunsupported < 16) {
		snprintf(ctx->unsupported[ctx->nunsupported], 48, "%s", name);
		ctx->nunsupported++;
	}
	return 0;
}

struct sm *
sm_append(struct parse_ctx *ctx, int buf, uint8_t type)
{
	struct sm_list *l;
	struct sm *sm;

	if (buf < 0 || buf > DBUF_SINK)
		buf = DBUF_SINK;
	l = &ctx->r->lists[buf];
	if (l->n >= SM_MAX) {
		error_set(ctx->err, "more than %d payload keywords", SM_MAX);
		return NULL;
	}
	if (l->n == l->cap) {
		uint16_t nc = l->cap ? l->cap * 2 : 8;
		struct sm *v = realloc(l->v, nc * sizeof(*v));

		if (v == NULL) {
			error_set(ctx->err, "out of memory");
			return NULL;
		}
		l->v = v;
		l->cap = nc;
	}
	sm = &l->v[l->n++];
	memset(sm, 0, sizeof(*sm));
	sm->type = type;
	/* pointers into the list move with realloc: keep indexes instead */
	ctx->last_sm_buf = buf;
	ctx->last_sm_idx = l->n - 1;
	if (type == SM_CONTENT) {
		ctx->last_content_buf = buf;
		ctx->last_content_idx = l->n - 1;
	}
	return sm;
}

struct content *
last_content(struct parse_ctx *ctx)
{
	if (ctx->last_content_buf < 0)
		return NULL;
	return ctx->r->lists[ctx->last_content_buf].v[ctx->last_content_idx].u.content;
}

int
rule_var_find(const struct rule *r, const char *name)
{
	for (int i = 0; i < r->nvars; i++)
		if (strcmp(r->varnames[i], name) == 0)
			return i;
	return -1;
}

int
numarg_parse(struct parse_ctx *ctx, const char *s, int64_t min, int64_t max,
    struct numarg *out)
{
	char *end;
	long long v;

	out->var = -1;
	if (isalpha((unsigned char)s[0]) || s[0] == '_') {
		int i = rule_var_find(ctx->r, s);

		if (i < 0)
			return error_set(ctx->err, "unknown byte_extract variable '%s'", s);
		out->var = (int8_t)i;
		out->v = 0;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 0);
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max)
		return error_set(ctx->err, "bad number '%s'", s);
	out->v = v;
	return 0;
}

/* ---- numbers: "5", "<5", ">=5", "!5", "5<>9", "5-9" ----------------------- */

int
urange_parse(const char *s, uint64_t max, struct urange *r)
{
	char buf[64], *p, *end, *sep;
	unsigned long long a, b;

	snprintf(buf, sizeof(buf), "%s", s);
	p = kw_trim(buf);
	memset(r, 0, sizeof(*r));
	if ((sep = strstr(p, "<>")) != NULL || ((sep = strchr(p + 1, '-')) != NULL)) {
		int wide = sep[0] == '<';

		*sep = '\0';
		a = strtoull(kw_trim(p), &end, 0);
		if (end == p || *end != '\0')
			return -1;
		p = kw_trim(sep + (wide ? 2 : 1));
		b = strtoull(p, &end, 0);
		if (end == p || *end != '\0' || a > max || b > max || a >= b)
			return -1;
		r->op = UR_RANGE;
		r->a = a;
		r->b = b;
		if (!wide) {	/* Suricata's a-b is inclusive */
			if (r->a == 0)
				return -1;
			r->a--;
			r->b++;
		}
		return 0;
	}
	r->op = UR_EQ;
	if (p[0] == '<' && p[1] == '=') {
		r->op = UR_LE;
		p += 2;
	} else if (p[0] == '>' && p[1] == '=') {
		r->op = UR_GE;
		p += 2;
	} else if (p[0] == '<') {
		r->op = UR_LT;
		p++;
	} else if (p[0] == '>') {
		r->op = UR_GT;
		p++;
	} else if (p[0] == '!') {
		r->op = UR_NE;
		p++;
	} else if (p[0] == '=') {
		p++;
	}
	p = kw_trim(p);
	if (!isdigit((unsigned char)p[0]))
		return -1;
	a = strtoull(p, &end, 0);
	if (end == p || *end != '\0' || a > max)
		return -1;
	r->a = a;
	return 0;
}

int
urange_match(const struct urange *r, uint64_t x)
{
	switch (r->op) {
	case UR_EQ: return x == r->a;
	case UR_NE: return x != r->a;
	case UR_LT: return x < r->a;
	case UR_GT: return x > r->a;
	case UR_LE: return x <= r->a;
	case UR_GE: return x >= r->a;
	case UR_RANGE: return x > r->a && x < r->b;
	}
	return 0;
}

/* ---- interned names (flowbits) ------------------------------------------- */

#define NAMES_MAX 65536

int
names_intern(struct names *ns, const char *name, uint32_t *id)
{
	for (size_t i = 0; i < ns->n; i++) {
		if (strcmp(ns->v[i], name) == 0) {
			*id = (uint32_t)i;
			return 0;
		}
	}
	if (ns->n >= NAMES_MAX)
		return -1;
	if (ns->n == ns->cap) {
		size_t nc = ns->cap ? ns->cap * 2 : 64;
		char **v = realloc(ns->v, nc * sizeof(*v));

		if (v == NULL)
			return -1;
		ns->v = v;
		ns->cap = nc;
	}
	ns->v[ns->n] = strdup(name);
	if (ns->v[ns->n] == NULL)
		return -1;
	*id = (uint32_t)ns->n++;
	return 0;
}

void
names_free(struct names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	memset(ns, 0, sizeof(*ns));
}

/* ---- freeing ----------------------------------------------------------------- */

static void
sm_free(struct sm *sm)
{
	switch (sm->type) {
	case SM_CONTENT:
		if (sm->u.content != NULL) {
			free(sm->u.content->pat);
			free(sm->u.content->replace);
		}
		free(sm->u.content);
		break;
	case SM_PCRE:
		if (sm->u.pcre != NULL) {
			pcre2_code_free(sm->u.pcre->code);
			free(sm->u.pcre->text);
		}
		free(sm->u.pcre);
		break;
	case SM_BYTE_TEST:
	case SM_BYTE_JUMP:
	case SM_BYTE_EXTRACT:
		free(sm->u.byte);
		break;
	case SM_ISDATAAT:
		free(sm->u.isdataat);
		break;
	case SM_BSIZE:
		free(sm->u.bsize);
		break;
	}
}

void
rule_free(struct rule *r)
{
	if (r == NULL)
		return;
	addrset_free(&r->src);
	addrset_free(&r->dst);
	portset_free(&r->sp);
	portset_free(&r->dp);
	free(r->dsize);
	free(r->ttl);
	free(r->itype);
	free(r->icode);
	free(r->icmp_id);
	free(r->icmp_seq);
	free(r->ip_proto);
	free(r->ack);
	free(r->seq);
	free(r->window);
	free(r->ip_id);
	free(r->tos);
	free(r->tcp_flags);
	for (size_t i = 0; i < r->nflowbits; i++)
		free(r->flowbits[i].ids);
	free(r->flowbits);
	free(r->threshold);
	free(r->detection_filter);
	free(r->urilen);	/* h10 */
	for (int b = 0; b <= DBUF_SINK; b++) {
		for (uint16_t i = 0; i < r->lists[b].n; i++)
			sm_free(&r->lists[b].v[i]);
		free(r->lists[b].v);
		free(r->lists[b].rel_after);
	}
	for (int i = 0; i < r->nvars; i++)
		free(r->varnames[i]);
	free(r->msg);
	free(r->classtype);
	free(r->class_desc);
	free(r->file);
	for (size_t i = 0; i < r->info.nmetadata; i++) {
		free((char *)r->meta[i].key);
		free((char *)r->meta[i].value);
	}
	free(r->meta);
	for (size_t i = 0; i < r->nrefs; i++)
		free(r->refs[i]);
	free(r->refs);
	free(r->text);
	free(r);
}

/* ---- header ------------------------------------------------------------ */

/* Next header word (malloc'ed); brackets may hold spaces.  NULL at '(' or
 * the end, or when out of memory. */
static char *
header_word(const char **pp)
{
	const char *p = *pp, *start;
	int depth = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '(')
		return NULL;
	start = p;
	while (*p != '\0' && (depth > 0 || (!isspace((unsigned char)*p) && *p != '('))) {
		if (*p == '[')
			depth++;
		else if (*p == ']')
			depth--;
		p++;
	}
	*pp = p;
	return strndup(start, (size_t)(p - start));
}

static int
parse_action(const char *s, enum detect_action *a)
{
	static const struct { const char *name; enum detect_action a; } t[] = {
		{ "alert", DETECT_ACTION_ALERT }, { "pass", DETECT_ACTION_PASS },
		{ "drop", DETECT_ACTION_DROP }, { "sdrop", DETECT_ACTION_SDROP },
		{ "reject", DETECT_ACTION_REJECT },
		{ "rejectsrc", DETECT_ACTION_REJECT },
		{ "rejectdst", DETECT_ACTION_REJECTDST },
		{ "rejectboth", DETECT_ACTION_REJECTBOTH },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(s, t[i].name) == 0) {
			*a = t[i].a;
			return 0;
		}
	}
	return -1;
}

/* App-layer protocol names of Suricata headers (unsupported today). */
static const char *const app_protos[] = {
	"http", "http1", "http2", "tls", "quic", "ftp", "ftp-data", "smb", "dns",
	"doh2", "mdns", "dcerpc", "ldap", "dhcp", "ssh", "smtp", "imap", "pop3",
	"modbus", "dnp3", "enip", "nfs", "ike", "krb5", "bittorrent-dht", "mqtt",
	"ntp", "rfb", "rdp", "snmp", "tftp", "sip", "telnet", "websocket", "pgsql",
	"ssl", "ikev2", "ether", "arp", "pkthdr", "sctp",
};

static int
parse_proto(struct parse_ctx *ctx, const char *s)
{
	struct rule *r = ctx->r;

	if (strcmp(s, "tcp") == 0 || strcmp(s, "tcp-pkt") == 0 ||
	    strcmp(s, "tcp-stream") == 0) {
		r->proto = RP_TCP;
		if (s[3] == '-')
			r->flags |= s[4] == 'p' ? RULE_F_PKT_ONLY : RULE_F_STREAM_ONLY;
	} else if (strcmp(s, "udp") == 0) {
		r->proto = RP_UDP;
	} else if (strcmp(s, "icmp") == 0) {
		r->proto = RP_ICMP;
		r->flags |= RULE_F_ICMP6_OK;
	} else if (strcmp(s, "icmpv4") == 0) {
		r->proto = RP_ICMP;
	} else if (strcmp(s, "ip") == 0 || strcmp(s, "ipv4") == 0 ||
	    strcmp(s, "ipv6") == 0) {
		r->proto = RP_IP;
	} else if (kw_app_header_proto(ctx, s)) {
		return 0;	/* h10: http, tls, dns (kw_app.c) */
	} else {
		for (size_t i = 0; i < sizeof(app_protos) / sizeof(app_protos[0]); i++) {
			if (strcmp(s, app_protos[i]) == 0) {
				char name[48];

				snprintf(name, sizeof(name), "protocol %s", s);
				r->proto = RP_TCP;	/* placeholder; rule is skipped */
				return kw_unsupported(ctx, name);
			}
		}
		return error_set(ctx->err, "unknown protocol '%s'", s);
	}
	return 0;
}

/* ---- options ---------------------------------------------------------------- */

/* Splits "name[:value];" at p; returns the next position or NULL at ')'. */
static int
next_option(char **pp, char **name, char **value, struct error *err)
{
	char *p = *pp, *q;
	int esc = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == ')') {
		*pp = p;
		*name = NULL;
		return 0;
	}
	if (*p == '\0')
		return error_set(err, "missing ')' at the end of the options");
	*name = p;
	while (*p != '\0' && *p != ':' && *p != ';' && *p != ')')
		p++;
	if (*p == '\0' || *p == ')')
		return error_set(err, "option '%.40s' is not ended by ';'", *name);
	*value = NULL;
	if (*p == ':') {
		*p++ = '\0';
		*value = p;
		for (q = p; *q != '\0'; q++) {
			if (esc)
				esc = 0;
			else if (*q == '\\')
				esc = 1;
			else if (*q == ';')
				break;
		}
		if (*q == '\0')
			return error_set(err, "option '%.40s' is not ended by ';'", *name);
		*q = '\0';
		p = q + 1;
		*value = kw_trim(*value);
	} else {
		*p++ = '\0';
	}
	*name = kw_trim(*name);
	*pp = p;
	return 1;
}

/* Fast pattern choice (Suricata's order): longest, then strongest, then first. */
static int
pattern_strength(const struct content *c)
{
	uint8_t seen[256] = { 0 };
	int s = 0;

	for (uint32_t i = 0; i < c->len; i++) {
		uint8_t b = c->pat[i];

		if (seen[b]) {
			s += 1;
			continue;
		}
		seen[b] = 1;
		if (isalpha(b))
			s += 3;
		else if (isprint(b) || b == 0 || b == 1 || b == 0xff)
			s += 4;
		else
			s += 6;
	}
	return s;
}

static void
choose_fast_pattern(struct rule *r)
{
	struct content *best = NULL;
	int best_buf = -1, best_strength = -1;

	r->fp_buf = -1;
	r->fp = NULL;
	for (int b = 0; b < DBUF_MAX; b++) {
		for (uint16_t i = 0; i < r->lists[b].n; i++) {
			struct content *c;

			if (r->lists[b].v[i].type != SM_CONTENT)
				continue;
			c = r->lists[b].v[i].u.content;
			if (c->flags & CF_FAST) {
				if (c->flags & CF_NEGATED)
					return;	/* no prefilter on a negation */
				if (!(c->flags & CF_FAST_CHOP)) {
					c->fp_off = 0;
					c->fp_len = c->len;
				}
				r->fp = c;
				r->fp_buf = (int8_t)b;
				return;
			}
		}
	}
	for (int b = 0; b < DBUF_MAX; b++) {
		for (uint16_t i = 0; i < r->lists[b].n; i++) {
			struct content *c;
			int st;

			if (r->lists[b].v[i].type != SM_CONTENT)
				continue;
			c = r->lists[b].v[i].u.content;
			if (c->flags & CF_NEGATED)
				continue;
			st = pattern_strength(c);
			if (best == NULL || c->len > best->len ||
			    (c->len == best->len && st > best_strength)) {
				best = c;
				best_buf = b;
				best_strength = st;
			}
		}
	}
	r->fp = best;
	r->fp_buf = (int8_t)best_buf;
	if (best != NULL && !(best->flags & CF_FAST_CHOP)) {
		best->fp_off = 0;
		best->fp_len = best->len;
	}
}

static int
finish_rule(struct parse_ctx *ctx, int have_sid)
{
	struct rule *r = ctx->r;

	if (!have_sid)
		return error_set(ctx->err, "no sid");
	if (r->info.gid == 0)
		r->info.gid = 1;
	if (r->msg == NULL && (r->msg = strdup("")) == NULL)
		return error_set(ctx->err, "out of memory");
	if (r->info.priority == 0) {
		const struct classtype *ct = r->classtype != NULL ?
		    classes_find(ctx->classes, r->classtype) : NULL;

		r->info.priority = ct != NULL ? ct->priority : 3;
	}
	for (int b = 0; b < DBUF_MAX; b++) {
		struct sm_list *l = &r->lists[b];
		int rel = 0;

		if (l->n == 0)
			continue;
		r->flags |= RULE_F_HAS_PAYLOAD;
		l->rel_after = calloc(l->n, 1);
		if (l->rel_after == NULL)
			return error_set(ctx->err, "out of memory");
		for (int i = l->n - 1; i >= 0; i--) {
			l->rel_after[i] = (uint8_t)rel;
			if (l->v[i].relative)
				rel = 1;
			if (l->v[i].type == SM_CONTENT) {
				struct content *c = l->v[i].u.content;

				if (c->flags & CF_REPLACE)
					r->flags |= RULE_F_REPLACE | RULE_F_PKT_ONLY;
				content_prepare(c);
			}
		}
	}
	if (r->dsize != NULL)
		r->flags |= RULE_F_PKT_ONLY;
	if ((r->flags & RULE_F_PKT_ONLY) && (r->flags & RULE_F_STREAM_ONLY))
		return error_set(ctx->err, "rule needs both packets and the stream "
		    "(only_stream with dsize, replace or no_stream)");
	choose_fast_pattern(r);
	r->info.msg = r->msg;
	r->info.classtype = r->classtype;
	r->info.class_desc = r->class_desc;
	r->info.metadata = r->meta;
	return 0;
}

int
rule_parse(const char *text, const struct vars *vars,
    const struct classes *classes, struct names *flowbits,
    struct rule **out, char kw[16][48], int *nkw, struct error *err)
{
	struct parse_ctx ctx;
	struct rule *r;
	char *copy, *p, *name = NULL, *value = NULL;
	char *hw[7] = { NULL };
	int nw = 0;
	size_t len = strlen(text);
	int have_sid = 0, rc;

	*out = NULL;
	*nkw = 0;
	if (len > RULE_MAX_LEN)
		return error_set(err, "rule longer than %d bytes", RULE_MAX_LEN);
	r = calloc(1, sizeof(*r));
	copy = strdup(text);
	if (r == NULL || copy == NULL) {
		free(r);
		free(copy);
		return error_set(err, "out of memory");
	}
	r->text = strndup(text, len > TEXT_KEEP ? TEXT_KEEP : len);
	memset(&ctx, 0, sizeof(ctx));
	ctx.r = r;
	ctx.vars = vars;
	ctx.classes = classes;
	ctx.flowbits = flowbits;
	ctx.cur_buf = DBUF_PAYLOAD;
	ctx.last_content_buf = -1;
	ctx.last_content_idx = -1;
	ctx.last_sm_buf = -1;
	ctx.last_sm_idx = -1;
	ctx.err = err;
	p = copy;

	/* action proto src sport dir dst dport */
	{
		const char *hp = copy;

		for (nw = 0; nw < 7; nw++)
			if ((hw[nw] = header_word(&hp)) == NULL)
				break;
		p = copy + (hp - copy);
	}
	if (nw == 0 || parse_action(hw[0], &r->info.action) == -1) {
		if (nw > 0 && (strcmp(hw[0], "log") == 0 || strcmp(hw[0], "activate") == 0 ||
		    strcmp(hw[0], "dynamic") == 0)) {
			char nm[48];

			snprintf(nm, sizeof(nm), "action %s", hw[0]);
			kw_unsupported(&ctx, nm);
			goto unsupported;
		}
		error_set(err, "unknown action '%.40s'", nw > 0 ? hw[0] : "");
		goto broken;
	}
	if (nw < 2) {
		error_set(err, "no protocol");
		goto broken;
	}
	if (parse_proto(&ctx, hw[1]) == -1)
		goto broken;
	if (nw < 7) {
		error_set(err, "incomplete header");
		goto broken;
	}
	if (strcmp(hw[4], "<>") == 0)
		r->flags |= RULE_F_BIDIR;
	else if (strcmp(hw[4], "->") != 0) {
		error_set(err, "bad direction '%.40s'", hw[4]);
		goto broken;
	}
	if (addrset_parse(hw[2], vars, &r->src, err) == -1 ||
	    addrset_parse(hw[5], vars, &r->dst, err) == -1) {
		error_prefix(err, "address: ");
		goto broken;
	}
	if (portset_parse(hw[3], vars, &r->sp, err) == -1 ||
	    portset_parse(hw[6], vars, &r->dp, err) == -1) {
		error_prefix(err, "port: ");
		goto broken;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '(') {
		error_set(err, "expected '(' after the header");
		goto broken;
	}
	p++;
	for (;;) {
		const struct keyword *k;

		rc = next_option(&p, &name, &value, err);
		if (rc == -1)
			goto broken;
		if (rc == 0)
			break;
		if (*name == '\0') {
			error_set(err, "empty option");
			goto broken;
		}
		k = keyword_find(name);
		if (k == NULL) {
			kw_unsupported(&ctx, name);
			continue;
		}
		if (k->setup == NULL) {
			kw_unsupported(&ctx, k->name);
			continue;
		}
		if (strcmp(name, "sid") == 0)
			have_sid = 1;
		if (k->setup(&ctx, name, value) == -1) {
			error_prefix(err, "%s: ", name);
			goto broken;
		}
	}
	p++;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0') {
		error_set(err, "junk after ')'");
		goto broken;
	}
	if (ctx.nunsupported == 0 && kw_app_finish(&ctx) == -1)	/* h10 */
		goto broken;
	if (ctx.nunsupported > 0)
		goto unsupported;
	if (finish_rule(&ctx, have_sid) == -1)
		goto broken;
	free(copy);
	for (int i = 0; i < 7; i++)
		free(hw[i]);
	*out = r;
	return 0;

unsupported:
	for (int i = 0; i < ctx.nunsupported; i++)
		memcpy(kw[i], ctx.unsupported[i], 48);
	*nkw = ctx.nunsupported;
	error_set(err, "unsupported keyword '%s'", ctx.unsupported[0]);
	free(copy);
	for (int i = 0; i < 7; i++)
		free(hw[i]);
	rule_free(r);
	return -2;
broken:
	free(copy);
	for (int i = 0; i < 7; i++)
		free(hw[i]);
	rule_free(r);
	return -1;
}
