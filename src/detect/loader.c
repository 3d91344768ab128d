/* summary: rule loading: files, variables, classification, duplicate sids, statistics. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_loader.h"

/*
 * Rule files are read line by line; a '\' at the end of a line joins the
 * next (Snort >= 1.8).  Comments and blank lines are skipped.  A rule
 * that does not parse, or needs a keyword we do not have, is reported
 * through the warn callback ("file:line: sid N: ...") and counted; loading
 * goes on.  Duplicate (gid, sid): the higher rev stays, as Suricata keeps
 * only one.  Bounds: a rule line of at most 64 KiB; at most
 * LOADER_MAX_RULES rules.
 */
#define LOADER_MAX_RULES 1000000
#define LINE_MAX_LEN (64 * 1024)

/*
 * Defaults: suricata.yaml's address and port groups, except that HOME_NET
 * and EXTERNAL_NET are both "any" (so rules work on any capture; a
 * gateway config narrows them).  Later detect_loader_set_var() calls win.
 */
static const char *const default_vars[][2] = {
	{ "HOME_NET", "any" }, { "EXTERNAL_NET", "any" },
	{ "HTTP_SERVERS", "$HOME_NET" }, { "SMTP_SERVERS", "$HOME_NET" },
	{ "SQL_SERVERS", "$HOME_NET" }, { "DNS_SERVERS", "$HOME_NET" },
	{ "TELNET_SERVERS", "$HOME_NET" }, { "AIM_SERVERS", "$EXTERNAL_NET" },
	{ "DC_SERVERS", "$HOME_NET" }, { "DNP3_SERVER", "$HOME_NET" },
	{ "DNP3_CLIENT", "$HOME_NET" }, { "MODBUS_CLIENT", "$HOME_NET" },
	{ "MODBUS_SERVER", "$HOME_NET" }, { "ENIP_CLIENT", "$HOME_NET" },
	{ "ENIP_SERVER", "$HOME_NET" },
	{ "HTTP_PORTS", "80" }, { "SHELLCODE_PORTS", "!80" },
	{ "ORACLE_PORTS", "1521" }, { "SSH_PORTS", "22" }, { "DNP3_PORTS", "20000" },
	{ "MODBUS_PORTS", "502" }, { "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]" },
	{ "FTP_PORTS", "21" }, { "GENEVE_PORTS", "6081" }, { "VXLAN_PORTS", "4789" },
	{ "TEREDO_PORTS", "3544" },
};

struct detect_loader *
detect_loader_new(struct error *err)
{
	struct detect_loader *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(default_vars) / sizeof(default_vars[0]); i++) {
		if (vars_set(&l->vars, default_vars[i][0], default_vars[i][1]) == -1) {
			detect_loader_free(l);
			error_set(err, "out of memory");
			return NULL;
		}
	}
	return l;
}

void
detect_loader_free(struct detect_loader *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->nrules; i++)
		rule_free(l->rules[i]);
	free(l->rules);
	free(l->sidmap);
	vars_free(&l->vars);
	classes_free(&l->classes);
	names_free(&l->flowbits);
	free(l);
}

void
detect_loader_set_warn(struct detect_loader *l, detect_warn_fn fn, void *ctx)
{
	l->warn = fn;
	l->warn_ctx = ctx;
}

int
detect_loader_set_var(struct detect_loader *l, const char *name,
    const char *value, struct error *err)
{
	struct addrset a;
	struct portset p;
	struct error e2;

	if (name[0] == '$')
		name++;
	if (*name == '\0' || strlen(name) > 64)
		return error_set(err, "bad variable name '%s'", name);
	if (vars_set(&l->vars, name, value) == -1)
		return error_set(err, "out of memory");
	/* validate as an address or a port set now, to report where it was set */
	if (addrset_parse(value, &l->vars, &a, &e2) == 0) {
		addrset_free(&a);
		return 0;
	}
	if (portset_parse(value, &l->vars, &p, err) == 0) {
		portset_free(&p);
		return 0;
	}
	return error_set(err, "variable %s: '%s' is neither an address nor a port "
	    "set (%s)", name, value, e2.msg);
}

int
detect_loader_load_classification(struct detect_loader *l, const char *path,
    struct error *err)
{
	return classes_load(&l->classes, path, err);
}

static void
warn(struct detect_loader *l, const char *file, int line, const char *kw,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
warn(struct detect_loader *l, const char *file, int line, const char *kw,
    const char *fmt, ...)
{
	char msg[1200];
	va_list ap;

	if (l->warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->warn(l->warn_ctx, file, line, kw, msg);
}

static void
count_kw(struct detect_loader *l, const char *name)
{
	for (size_t i = 0; i < l->nkw; i++) {
		if (strcmp(l->kw[i].name, name) == 0) {
			l->kw[i].count++;
			return;
		}
	}
	if (l->nkw < DETECT_KW_STATS_MAX) {
		snprintf(l->kw[l->nkw].name, sizeof(l->kw[0].name), "%s", name);
		l->kw[l->nkw].count = 1;
		l->nkw++;
	}
}

/* "sid:N" found by a scan of the text, for warnings about broken rules. */
static unsigned long
sid_of(const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "sid")) != NULL) {
		const char *q = p + 3;

		if ((p == text || p[-1] == ';' || p[-1] == '(' || isspace((unsigned char)p[-1]))) {
			while (isspace((unsigned char)*q))
				q++;
			if (*q == ':')
				return strtoul(q + 1, NULL, 10);
		}
		p += 3;
	}
	return 0;
}

static uint64_t
sid_key(const struct rule *r)
{
	return ((uint64_t)r->info.gid << 32) | r->info.sid;
}

static size_t
sid_slot(const struct detect_loader *l, uint64_t key)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ull;

	return (size_t)(h >> 20) & (l->sidcap - 1);
}

/* Index+1 of the rule with this key, or 0; *slot is where it is / would go. */
static size_t
sid_find(const struct detect_loader *l, uint64_t key, size_t *slot)
{
	size_t i = sid_slot(l, key);

	while (l->sidmap[i] != 0) {
		if (sid_key(l->rules[l->sidmap[i] - 1]) == key) {
			*slot = i;
			return l->sidmap[i];
		}
		i = (i + 1) & (l->sidcap - 1);
	}
	*slot = i;
	return 0;
}

static int
sid_grow(struct detect_loader *l)
{
	size_t nc = l->sidcap ? l->sidcap * 2 : 1024;
	size_t *nm = calloc(nc, sizeof(*nm));

	if (nm == NULL)
		return -1;
	free(l->sidmap);
	l->sidmap = nm;
	l->sidcap = nc;
	for (size_t i = 0; i < l->nrules; i++) {
		size_t slot;

		(void)sid_find(l, sid_key(l->rules[i]), &slot);
		l->sidmap[slot] = i + 1;
	}
	return 0;
}

int
detect_loader_add_rule(struct detect_loader *l, const char *text,
    const char *file, int line)
{
	struct rule *r;
	struct error err;
	char kw[16][48];
	int nkw, rc;
	size_t slot, have;

	if (!l->classes.loaded && classes_load_builtin(&l->classes) == -1)
		return -1;
	l->total++;
	rc = rule_parse(text, &l->vars, &l->classes, &l->flowbits, &r, kw, &nkw, &err);
	if (rc == -2) {
		l->unsupported++;
		for (int i = 0; i < nkw; i++)
			count_kw(l, kw[i]);
		warn(l, file, line, kw[0], "sid %lu: skipped: unsupported keyword '%s'",
		    sid_of(text), kw[0]);
		return 1;
	}
	if (rc == -1) {
		l->broken++;
		warn(l, file, line, NULL, "sid %lu: skipped: %s", sid_of(text), err.msg);
		return 1;
	}
	if (l->nrules >= LOADER_MAX_RULES) {
		l->broken++;
		warn(l, file, line, NULL, "sid %u: skipped: more than %d rules",
		    r->info.sid, LOADER_MAX_RULES);
		rule_free(r);
		return 1;
	}
	r->info.file = r->file = strdup(file != NULL ? file : "-");
	r->info.line = line;
	if (r->file == NULL) {
		rule_free(r);
		return -1;
	}
	if ((l->nrules + 1) * 2 > l->sidcap && sid_grow(l) == -1) {
		rule_free(r);
		return -1;
	}
	have = sid_find(l, sid_key(r), &slot);
	if (have != 0) {
		struct rule *old = l->rules[have - 1];

		l->duplicates++;
		warn(l, file, line, NULL, "sid %u: duplicate of %s:%d; keeping rev %u",
		    r->info.sid, old->info.file, old->info.line,
		    r->info.rev > old->info.rev ? r->info.rev : old->info.rev);
		if (r->info.rev > old->info.rev) {
			rule_free(old);
			l->rules[have - 1] = r;
		} else {
			rule_free(r);
		}
		return 1;
	}
	if (l->nrules == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		struct rule **v = realloc(l->rules, nc * sizeof(*v));

		if (v == NULL) {
			rule_free(r);
			return -1;
		}
		l->rules = v;
		l->cap = nc;
	}
	l->rules[l->nrules++] = r;
	l->sidmap[slot] = l->nrules;
	l->loaded++;
	return 0;
}

static int
is_blank_or_comment(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0' || *s == '#';
}

int
detect_loader_add_file(struct detect_loader *l, const char *path,
    struct error *err)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, start = 0;
	struct buf acc;

	if (fp == NULL)
		return error_errno(err, "%s", path);
	buf_init(&acc, LINE_MAX_LEN);
	while ((n = getline(&line, &cap, fp)) != -1) {
		int cont;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (acc.len == 0) {
			if (is_blank_or_comment(line))
				continue;
			start = lineno;
		}
		cont = n > 0 && line[n - 1] == '\\';
		if (cont)
			line[--n] = '\0';
		if (buf_append(&acc, line, (size_t)n) == -1) {
			warn(l, path, start, NULL, "skipped: rule longer than %d bytes",
			    LINE_MAX_LEN);
			l->total++;
			l->broken++;
			buf_reset(&acc);
			/* skip the rest of a continued rule */
			while (cont && (n = getline(&line, &cap, fp)) != -1) {
				lineno++;
				while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
					n--;
				cont = n > 0 && line[n - 1] == '\\';
			}
			continue;
		}
		if (cont)
			continue;
		if (detect_loader_add_rule(l, buf_cstr(&acc), path, start) == -1) {
			buf_free(&acc);
			free(line);
			fclose(fp);
			return error_set(err, "%s:%d: out of memory", path, start);
		}
		buf_reset(&acc);
	}
	if (acc.len > 0 && detect_loader_add_rule(l, buf_cstr(&acc), path, start) == -1) {
		buf_free(&acc);
		free(line);
		fclose(fp);
		return error_set(err, "%s:%d: out of memory", path, start);
	}
	buf_free(&acc);
	free(line);
	if (ferror(fp)) {
		fclose(fp);
		return error_errno(err, "%s", path);
	}
	fclose(fp);
	return 0;
}

static int
kw_cmp(const void *a, const void *b)
{
	const struct detect_kw_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

void
detect_loader_stats(const struct detect_loader *l, struct detect_load_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->rules_total = l->total;
	st->rules_loaded = l->nrules;
	st->rules_unsupported = l->unsupported;
	st->rules_broken = l->broken;
	st->rules_skipped = l->unsupported + l->broken;
	st->duplicate_sids = l->duplicates;
	st->nkw = l->nkw;
	memcpy(st->kw, l->kw, l->nkw * sizeof(l->kw[0]));
	qsort(st->kw, st->nkw, sizeof(st->kw[0]), kw_cmp);
}
