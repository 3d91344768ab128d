/* summary: byte_jump: read a length from the buffer and move the cursor past it. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"
#include "detect/kw_byte.h"

static int
opt_number(struct parse_ctx *ctx, const char *opt, const char *name, int64_t *out)
{
	size_t n = strlen(name);
	char *end;
	long long v;

	if (strncmp(opt, name, n) != 0 || !isspace((unsigned char)opt[n]))
		return 0;
	errno = 0;
	v = strtoll(opt + n, &end, 0);
	if (end == opt + n || *kw_trim(end) != '\0' || errno != 0 ||
	    v < -(1 << 20) || v > (1 << 20))
		return error_set(ctx->err, "bad %s", name);
	*out = v;
	return 1;
}

/* byte_jump:<n>, <offset>[, relative][, multiplier M][, big|little]
 *     [, string, hex|dec|oct][, align][, from_beginning|from_end]
 *     [, post_offset N][, bitmask M] */
int
kw_byte_jump_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	char *parts[16];
	struct byte_kw b;
	struct sm *sm;
	int n;

	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	memset(&b, 0, sizeof(b));
	n = kw_split(value, parts, 16);
	if (n < 2 || n > 16)
		return error_set(ctx->err, "expected bytes, offset");
	if (byte_check_size(ctx, &b, parts[0]) == -1 ||
	    numarg_parse(ctx, parts[1], -65535, 65535, &b.offset) == -1)
		return -1;
	for (int i = 2; i < n; i++) {
		int rc = byte_common_opt(ctx, &b, parts[i]);

		if (rc == 0)
			rc = opt_number(ctx, parts[i], "multiplier", &b.multiplier);
		if (rc == 0)
			rc = opt_number(ctx, parts[i], "post_offset", &b.post_offset);
		if (rc == 0) {
			rc = 1;
			if (strcmp(parts[i], "align") == 0)
				b.flags |= BF_ALIGN;
			else if (strcmp(parts[i], "from_beginning") == 0)
				b.flags |= BF_FROM_BEGIN;
			else if (strcmp(parts[i], "from_end") == 0)
				b.flags |= BF_FROM_END;
			else
				rc = 0;
		}
		if (rc == -1)
			return -1;
		if (rc == 0)
			return error_set(ctx->err, "unknown option '%s'", parts[i]);
	}
	if (byte_finish(ctx, &b) == -1)
		return -1;
	if ((sm = sm_append(ctx, ctx->cur_buf, SM_BYTE_JUMP)) == NULL)
		return -1;
	if ((sm->u.byte = malloc(sizeof(b))) == NULL)
		return error_set(ctx->err, "out of memory");
	*sm->u.byte = b;
	sm->relative = (b.flags & BF_RELATIVE) != 0;
	return 0;
}

int
byte_jump_match(const struct byte_kw *b, struct inspect_ctx *ic, uint32_t cursor,
    uint32_t *newpos)
{
	int64_t pos = numarg_value(&b->offset, ic), np;
	uint64_t v;

	if (b->flags & BF_RELATIVE)
		pos += cursor;
	if (!byte_read(b, ic->buf, ic->len, pos, &v))
		return 0;
	if (v > (1u << 30))
		return 0;
	v *= (uint64_t)b->multiplier;
	if (b->flags & BF_ALIGN)
		v = (v + 3) & ~(uint64_t)3;
	if (b->flags & BF_FROM_BEGIN)
		np = (int64_t)v;
	else if (b->flags & BF_FROM_END)
		np = (int64_t)ic->len + (int64_t)v;
	else
		np = pos + b->nbytes + (int64_t)v;
	np += b->post_offset;
	if (np < 0 || np > (int64_t)ic->len)
		return 0;
	*newpos = (uint32_t)np;
	return 1;
}
