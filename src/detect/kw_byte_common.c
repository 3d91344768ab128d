/* summary: what byte_test, byte_jump and byte_extract share: options and reading numbers. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"
#include "detect/kw_byte.h"

int64_t
numarg_value(const struct numarg *n, const struct inspect_ctx *ic)
{
	return n->var < 0 ? n->v : ic->vars[n->var];
}

static int
digit_value(int c, int base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < base ? v : -1;
}

/* Reads the number at pos: 1 with *val, 0 when out of bounds or not a number. */
int
byte_read(const struct byte_kw *b, const uint8_t *buf, uint32_t len, int64_t pos,
    uint64_t *val)
{
	uint64_t v = 0;

	if (pos < 0 || (uint64_t)pos + b->nbytes > len)
		return 0;
	buf += pos;
	if (b->flags & BF_STRING) {
		int nd = 0;

		for (uint32_t i = 0; i < b->nbytes; i++) {
			int d = digit_value(buf[i], b->base);

			if (d < 0)
				break;
			v = v * b->base + (uint64_t)d;
			nd++;
		}
		if (nd == 0)
			return 0;
	} else if (b->flags & BF_LITTLE) {
		for (int i = b->nbytes - 1; i >= 0; i--)
			v = (v << 8) | buf[i];
	} else {
		for (uint32_t i = 0; i < b->nbytes; i++)
			v = (v << 8) | buf[i];
	}
	if (b->flags & BF_BITMASK) {
		v &= b->bitmask;
		if (b->bitmask != 0)
			v >>= __builtin_ctzll(b->bitmask);
	}
	*val = v;
	return 1;
}

/* One of the shared options; 1 consumed, 0 not one of them, -1 error. */
int
byte_common_opt(struct parse_ctx *ctx, struct byte_kw *b, char *opt)
{
	char word[64], *arg;

	snprintf(word, sizeof(word), "%s", opt);
	opt = word;
	for (arg = word; *arg != '\0' && !isspace((unsigned char)*arg); arg++)
		;
	if (*arg != '\0')
		*arg++ = '\0';
	arg = kw_trim(arg);
	if (strcmp(opt, "relative") == 0)
		b->flags |= BF_RELATIVE;
	else if (strcmp(opt, "big") == 0)
		b->flags &= ~BF_LITTLE;
	else if (strcmp(opt, "little") == 0)
		b->flags |= BF_LITTLE;
	else if (strcmp(opt, "string") == 0) {
		b->flags |= BF_STRING;
		if (b->base == 0)
			b->base = 10;
	} else if (strcmp(opt, "hex") == 0)
		b->base = 16;
	else if (strcmp(opt, "dec") == 0)
		b->base = 10;
	else if (strcmp(opt, "oct") == 0)
		b->base = 8;
	else if (strcmp(opt, "dce") == 0) {
		kw_unsupported(ctx, "byte/dce");
	} else if (strcmp(opt, "bitmask") == 0) {
		char *end;

		errno = 0;
		b->bitmask = strtoull(arg, &end, 0);
		if (end == arg || *end != '\0' || errno != 0)
			return error_set(ctx->err, "bad bitmask '%s'", arg);
		b->flags |= BF_BITMASK;
	} else {
		return 0;
	}
	return 1;
}

int
byte_check_size(struct parse_ctx *ctx, struct byte_kw *b, const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (end == s || *end != '\0' || n < 1 || n > 10)
		return error_set(ctx->err, "bad byte count '%s'", s);
	b->nbytes = (uint8_t)n;
	return 0;
}

int
byte_finish(struct parse_ctx *ctx, struct byte_kw *b)
{
	if (!(b->flags & BF_STRING) && b->base != 0 && b->base != 10)
		return error_set(ctx->err, "hex/dec/oct need 'string'");
	if (!(b->flags & BF_STRING) && b->nbytes > 8)
		return error_set(ctx->err, "binary values are 1 to 8 bytes");
	if (b->multiplier == 0)
		b->multiplier = 1;
	return 0;
}
