/* summary: byte_extract: read a number into a variable for later keywords. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"
#include "detect/kw_byte.h"

/* byte_extract:<n>, <offset>, <name>[, relative][, multiplier M][, big|little]
 *     [, string, hex|dec|oct][, align 2|4][, bitmask M]
 * The name can then stand for a number in offset, depth, distance, within,
 * byte_test (value, offset), byte_jump (offset) and isdataat. */
int
kw_byte_extract_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	char *parts[16];
	struct byte_kw b;
	struct rule *r = ctx->r;
	struct sm *sm;
	int n;

	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	memset(&b, 0, sizeof(b));
	n = kw_split(value, parts, 16);
	if (n < 3 || n > 16)
		return error_set(ctx->err, "expected bytes, offset, name");
	if (byte_check_size(ctx, &b, parts[0]) == -1 ||
	    numarg_parse(ctx, parts[1], -65535, 65535, &b.offset) == -1)
		return -1;
	if (b.offset.var >= 0)
		return error_set(ctx->err, "offset must be a number");
	if (!isalpha((unsigned char)parts[2][0]) && parts[2][0] != '_')
		return error_set(ctx->err, "bad variable name '%s'", parts[2]);
	if (rule_var_find(r, parts[2]) >= 0)
		return error_set(ctx->err, "variable '%s' defined twice", parts[2]);
	if (r->nvars >= DETECT_MAX_BYTE_VARS)
		return error_set(ctx->err, "more than %d variables", DETECT_MAX_BYTE_VARS);
	for (int i = 3; i < n; i++) {
		int rc = byte_common_opt(ctx, &b, parts[i]);

		if (rc == 0 && strncmp(parts[i], "multiplier", 10) == 0) {
			char *end;

			errno = 0;
			b.multiplier = strtoll(parts[i] + 10, &end, 0);
			rc = (end != parts[i] + 10 && *kw_trim(end) == '\0' &&
			    b.multiplier > 0 && b.multiplier <= 65535) ? 1 :
			    error_set(ctx->err, "bad multiplier");
		}
		if (rc == 0 && strncmp(parts[i], "align", 5) == 0) {
			char *a = kw_trim(parts[i] + 5);

			if (strcmp(a, "2") != 0 && strcmp(a, "4") != 0)
				return error_set(ctx->err, "align must be 2 or 4");
			b.align = (uint32_t)(*a - '0');
			rc = 1;
		}
		if (rc == -1)
			return -1;
		if (rc == 0)
			return error_set(ctx->err, "unknown option '%s'", parts[i]);
	}
	if (byte_finish(ctx, &b) == -1)
		return -1;
	if ((r->varnames[r->nvars] = strdup(parts[2])) == NULL)
		return error_set(ctx->err, "out of memory");
	b.var = r->nvars++;
	if ((sm = sm_append(ctx, ctx->cur_buf, SM_BYTE_EXTRACT)) == NULL)
		return -1;
	if ((sm->u.byte = malloc(sizeof(b))) == NULL)
		return error_set(ctx->err, "out of memory");
	*sm->u.byte = b;
	sm->relative = (b.flags & BF_RELATIVE) != 0;
	return 0;
}

int
byte_extract_match(const struct byte_kw *b, struct inspect_ctx *ic,
    uint32_t cursor, uint32_t *newpos)
{
	int64_t pos = b->offset.v;
	uint64_t v;

	if (b->flags & BF_RELATIVE)
		pos += cursor;
	if (!byte_read(b, ic->buf, ic->len, pos, &v))
		return 0;
	if (v > (1ull << 40))
		v = 1ull << 40;	/* keep later arithmetic in range */
	v *= (uint64_t)b->multiplier;
	if (b->align != 0 && v % b->align != 0)
		v += b->align - v % b->align;
	ic->vars[b->var] = (int64_t)v;
	*newpos = (uint32_t)(pos + b->nbytes);
	return 1;
}
