/* summary: isdataat and bsize: checks on how much data the buffer holds. */
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

/* isdataat:[!]<n>[, relative][, rawbytes] */
int
kw_isdataat_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	char *parts[4];
	struct isdataat_kw d;
	struct sm *sm;
	int n;

	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	memset(&d, 0, sizeof(d));
	n = kw_split(value, parts, 4);
	if (n < 1 || n > 3)
		return error_set(ctx->err, "expected [!]n[,relative]");
	if (parts[0][0] == '!') {
		d.negated = 1;
		parts[0] = kw_trim(parts[0] + 1);
	}
	if (numarg_parse(ctx, parts[0], 0, 1 << 20, &d.n) == -1)
		return -1;
	for (int i = 1; i < n; i++) {
		if (strcmp(parts[i], "relative") == 0)
			d.relative = 1;
		else if (strcmp(parts[i], "rawbytes") != 0)
			return error_set(ctx->err, "unknown option '%s'", parts[i]);
	}
	if ((sm = sm_append(ctx, ctx->cur_buf, SM_ISDATAAT)) == NULL)
		return -1;
	if ((sm->u.isdataat = malloc(sizeof(d))) == NULL)
		return error_set(ctx->err, "out of memory");
	*sm->u.isdataat = d;
	sm->relative = d.relative;
	return 0;
}

/* bsize:<n> | <n | >n | a<>b: the length of the current buffer. */
int
kw_bsize_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct urange r;
	struct sm *sm;

	if (value == NULL || urange_parse(value, UINT32_MAX, &r) == -1)
		return error_set(ctx->err, "expected n, <n, >n or a<>b");
	if ((sm = sm_append(ctx, ctx->cur_buf, SM_BSIZE)) == NULL)
		return -1;
	if ((sm->u.bsize = malloc(sizeof(r))) == NULL)
		return error_set(ctx->err, "out of memory");
	*sm->u.bsize = r;
	return 0;
}
