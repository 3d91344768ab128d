/* summary: rule identity keywords: msg, sid, gid, rev, classtype, priority, reference, metadata, target. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

#define META_MAX 64
#define REFS_MAX 64

static int
parse_u32(struct parse_ctx *ctx, const char *v, uint32_t min, uint32_t *out)
{
	char *end;
	unsigned long long x;

	if (v == NULL)
		return error_set(ctx->err, "needs a number");
	errno = 0;
	x = strtoull(v, &end, 10);
	if (end == v || *kw_trim(end) != '\0' || errno != 0 || x < min || x > UINT32_MAX)
		return error_set(ctx->err, "bad number '%s'", v);
	*out = (uint32_t)x;
	return 0;
}

static int
add_meta(struct parse_ctx *ctx, const char *k, const char *v)
{
	struct rule *r = ctx->r;
	struct detect_meta_kv *m;

	if (r->info.nmetadata >= META_MAX)
		return 0;	/* more are ignored: EVE keeps it bounded */
	m = realloc(r->meta, (r->info.nmetadata + 1) * sizeof(*m));
	if (m == NULL)
		return error_set(ctx->err, "out of memory");
	r->meta = m;
	m[r->info.nmetadata].key = strdup(k);
	m[r->info.nmetadata].value = strdup(v);
	if (m[r->info.nmetadata].key == NULL || m[r->info.nmetadata].value == NULL) {
		free((char *)m[r->info.nmetadata].key);
		free((char *)m[r->info.nmetadata].value);
		return error_set(ctx->err, "out of memory");
	}
	r->info.nmetadata++;
	return 0;
}

int
kw_meta_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct rule *r = ctx->r;

	if (strcmp(kw, "msg") == 0) {
		char *m = value != NULL ? kw_unquote(value) : NULL;

		if (m == NULL)
			return error_set(ctx->err, "needs a quoted string");
		free(r->msg);
		if ((r->msg = strdup(m)) == NULL)
			return error_set(ctx->err, "out of memory");
		return 0;
	}
	if (strcmp(kw, "sid") == 0)
		return parse_u32(ctx, value, 1, &r->info.sid);
	if (strcmp(kw, "gid") == 0)
		return parse_u32(ctx, value, 1, &r->info.gid);
	if (strcmp(kw, "rev") == 0)
		return parse_u32(ctx, value, 0, &r->info.rev);
	if (strcmp(kw, "priority") == 0) {
		uint32_t p;

		if (parse_u32(ctx, value, 1, &p) == -1 || p > 255)
			return error_set(ctx->err, "bad priority");
		r->info.priority = (int)p;
		return 0;
	}
	if (strcmp(kw, "classtype") == 0) {
		const struct classtype *ct;

		if (value == NULL || *value == '\0')
			return error_set(ctx->err, "needs a class name");
		ct = classes_find(ctx->classes, kw_trim(value));
		if (ct == NULL)
			return error_set(ctx->err, "unknown classtype '%s'", value);
		free(r->classtype);
		free(r->class_desc);
		r->classtype = strdup(ct->name);
		r->class_desc = strdup(ct->desc);
		if (r->classtype == NULL || r->class_desc == NULL)
			return error_set(ctx->err, "out of memory");
		return 0;
	}
	if (strcmp(kw, "reference") == 0) {
		char **v;

		if (value == NULL || strchr(value, ',') == NULL)
			return error_set(ctx->err, "expected type,value");
		if (r->nrefs >= REFS_MAX)
			return 0;
		v = realloc(r->refs, (r->nrefs + 1) * sizeof(*v));
		if (v == NULL)
			return error_set(ctx->err, "out of memory");
		r->refs = v;
		if ((v[r->nrefs] = strdup(value)) == NULL)
			return error_set(ctx->err, "out of memory");
		r->nrefs++;
		return 0;
	}
	if (strcmp(kw, "metadata") == 0) {
		char *parts[META_MAX];
		int n;

		if (value == NULL)
			return error_set(ctx->err, "needs key value pairs");
		n = kw_split(value, parts, META_MAX);
		for (int i = 0; i < n && i < META_MAX; i++) {
			char *k = parts[i], *sp = k;

			while (*sp != '\0' && *sp != ' ' && *sp != '\t')
				sp++;
			if (*sp != '\0')
				*sp++ = '\0';
			if (*k == '\0')
				continue;
			if (add_meta(ctx, k, kw_trim(sp)) == -1)
				return -1;
		}
		return 0;
	}
	if (strcmp(kw, "target") == 0) {
		if (value == NULL || (strcmp(kw_trim(value), "src_ip") != 0 &&
		    strcmp(value, "dest_ip") != 0))
			return error_set(ctx->err, "expected src_ip or dest_ip");
		return 0;
	}
	return error_set(ctx->err, "unknown");
}
