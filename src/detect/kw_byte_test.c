/* summary: byte_test: compare a number read from the buffer. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"
#include "detect/kw_byte.h"

/* byte_test:<n>, [!]<op>, <value>, <offset>[, relative][, big|little]
 *     [, string, hex|dec|oct][, bitmask M] */
int
kw_byte_test_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	char *parts[16], *op;
	struct byte_kw b;
	struct sm *sm;
	int n;

	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	memset(&b, 0, sizeof(b));
	n = kw_split(value, parts, 16);
	if (n < 4 || n > 16)
		return error_set(ctx->err, "expected bytes, operator, value, offset");
	if (byte_check_size(ctx, &b, parts[0]) == -1)
		return -1;
	op = parts[1];
	if (*op == '!') {
		b.flags |= BF_NEGOP;
		op = kw_trim(op + 1);
	}
	if (strcmp(op, "<") == 0) b.op = BOP_LT;
	else if (strcmp(op, ">") == 0) b.op = BOP_GT;
	else if (strcmp(op, "<=") == 0) b.op = BOP_LE;
	else if (strcmp(op, ">=") == 0) b.op = BOP_GE;
	else if (strcmp(op, "=") == 0 || (*op == '\0' && (b.flags & BF_NEGOP)))
		b.op = BOP_EQ;
	else if (strcmp(op, "&") == 0) b.op = BOP_AND;
	else if (strcmp(op, "^") == 0) b.op = BOP_OR;
	else
		return error_set(ctx->err, "bad operator '%s'", parts[1]);
	if (numarg_parse(ctx, parts[2], 0, INT64_MAX, &b.value) == -1 ||
	    numarg_parse(ctx, parts[3], -65535, 65535, &b.offset) == -1)
		return -1;
	for (int i = 4; i < n; i++) {
		int rc = byte_common_opt(ctx, &b, parts[i]);

		if (rc == -1)
			return -1;
		if (rc == 0)
			return error_set(ctx->err, "unknown option '%s'", parts[i]);
	}
	if (byte_finish(ctx, &b) == -1)
		return -1;
	if ((sm = sm_append(ctx, ctx->cur_buf, SM_BYTE_TEST)) == NULL)
		return -1;
	if ((sm->u.byte = malloc(sizeof(b))) == NULL)
		return error_set(ctx->err, "out of memory");
	*sm->u.byte = b;
	sm->relative = (b.flags & BF_RELATIVE) != 0;
	return 0;
}

int
byte_test_match(const struct byte_kw *b, struct inspect_ctx *ic, uint32_t cursor)
{
	uint64_t v, ref = (uint64_t)numarg_value(&b->value, ic);
	int64_t pos = numarg_value(&b->offset, ic);
	int m = 0;

	if (b->flags & BF_RELATIVE)
		pos += cursor;
	if (!byte_read(b, ic->buf, ic->len, pos, &v))
		return 0;
	switch (b->op) {
	case BOP_LT: m = v < ref; break;
	case BOP_GT: m = v > ref; break;
	case BOP_LE: m = v <= ref; break;
	case BOP_GE: m = v >= ref; break;
	case BOP_EQ: m = v == ref; break;
	case BOP_AND: m = (v & ref) != 0; break;
	case BOP_OR: m = (v ^ ref) != 0; break;
	}
	return (b->flags & BF_NEGOP) ? !m : m;
}
