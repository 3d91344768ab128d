/* summary: content and its modifiers: nocase, offset, depth, distance, within, fast_pattern, replace, startswith, endswith. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

#define CONTENT_MAX 65535

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Parses `"text|0D 0A|more"` (the quotes included) into bytes.  Escapes:
 * \" \\ \; \: outside hex; inside |...| only hex digits and spaces.
 */
static int
parse_pattern(char *s, uint8_t **out, uint32_t *outlen, struct error *err)
{
	size_t n = strlen(s), o = 0;
	uint8_t *b;
	int inhex = 0, hi = -1;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"' || (n >= 3 && s[n - 2] == '\\' &&
	    (n < 4 || s[n - 3] != '\\')))
		return error_set(err, "content must be in double quotes");
	b = malloc(n);
	if (b == NULL)
		return error_set(err, "out of memory");
	for (size_t i = 1; i < n - 1; i++) {
		char c = s[i];

		if (inhex) {
			int v;

			if (c == '|') {
				if (hi != -1)
					goto badhex;
				inhex = 0;
				continue;
			}
			if (c == ' ' || c == '\t')
				continue;
			if ((v = hexval((unsigned char)c)) < 0)
				goto badhex;
			if (hi == -1) {
				hi = v;
			} else {
				b[o++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
			continue;
		}
		if (c == '|') {
			inhex = 1;
			continue;
		}
		if (c == '\\') {
			char d = s[i + 1];

			if (d == '"' || d == '\\' || d == ';' || d == ':' || d == '|') {
				b[o++] = (uint8_t)d;
				i++;
				continue;
			}
			free(b);
			return error_set(err, "bad escape '\\%c' in content", d);
		}
		if (c == '"') {
			free(b);
			return error_set(err, "unescaped '\"' in content");
		}
		b[o++] = (uint8_t)c;
	}
	if (inhex) {
badhex:
		free(b);
		return error_set(err, "bad hex in content");
	}
	if (o == 0) {
		free(b);
		return error_set(err, "empty content");
	}
	if (o > CONTENT_MAX) {
		free(b);
		return error_set(err, "content longer than %d bytes", CONTENT_MAX);
	}
	*out = b;
	*outlen = (uint32_t)o;
	return 0;
}

int
kw_content_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct sm *sm;
	struct content *c;
	int neg = 0;

	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	value = kw_trim(value);
	if (*value == '!') {
		neg = 1;
		value = kw_trim(value + 1);
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return error_set(ctx->err, "out of memory");
	if (parse_pattern(value, &c->pat, &c->len, ctx->err) == -1) {
		free(c);
		return -1;
	}
	c->offset.var = c->depth.var = c->distance.var = c->within.var = -1;
	if (neg)
		c->flags |= CF_NEGATED;
	if ((sm = sm_append(ctx, ctx->cur_buf, SM_CONTENT)) == NULL) {
		free(c->pat);
		free(c);
		return -1;
	}
	sm->u.content = c;
	return 0;
}

static struct sm *
last_content_sm(struct parse_ctx *ctx)
{
	if (ctx->last_content_buf < 0)
		return NULL;
	return &ctx->r->lists[ctx->last_content_buf].v[ctx->last_content_idx];
}

/* nocase, rawbytes, offset, depth, distance, within, startswith, endswith */
int
kw_content_modifier(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct sm *sm = last_content_sm(ctx);
	struct content *c;

	if (sm == NULL)
		return error_set(ctx->err, "no content before it");
	c = sm->u.content;
	if (strcmp(kw, "nocase") == 0) {
		c->flags |= CF_NOCASE;
		for (uint32_t i = 0; i < c->len; i++)
			c->pat[i] = (uint8_t)tolower(c->pat[i]);
		return 0;
	}
	if (strcmp(kw, "rawbytes") == 0) {
		c->flags |= CF_RAWBYTES;
		return 0;
	}
	if (strcmp(kw, "startswith") == 0) {
		if (c->flags & (CF_DEPTH | CF_OFFSET | CF_DISTANCE | CF_WITHIN))
			return error_set(ctx->err, "cannot be mixed with offset, depth, "
			    "distance or within");
		c->flags |= CF_STARTSWITH | CF_DEPTH | CF_OFFSET;
		c->depth.v = c->len;
		c->offset.v = 0;
		return 0;
	}
	if (strcmp(kw, "endswith") == 0) {
		c->flags |= CF_ENDSWITH;
		return 0;
	}
	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	value = kw_trim(value);
	if (c->flags & CF_STARTSWITH)
		return error_set(ctx->err, "cannot follow startswith");
	if (strcmp(kw, "offset") == 0) {
		if (numarg_parse(ctx, value, 0, CONTENT_MAX * 16, &c->offset) == -1)
			return -1;
		c->flags |= CF_OFFSET;
	} else if (strcmp(kw, "depth") == 0) {
		if (numarg_parse(ctx, value, 1, CONTENT_MAX * 16, &c->depth) == -1)
			return -1;
		if (c->depth.var < 0 && c->depth.v < c->len)
			return error_set(ctx->err, "depth %lld is smaller than the "
			    "content (%u bytes)", (long long)c->depth.v, c->len);
		c->flags |= CF_DEPTH;
	} else if (strcmp(kw, "distance") == 0) {
		if (numarg_parse(ctx, value, -CONTENT_MAX * 16, CONTENT_MAX * 16,
		    &c->distance) == -1)
			return -1;
		c->flags |= CF_DISTANCE;
		sm->relative = 1;
	} else if (strcmp(kw, "within") == 0) {
		if (numarg_parse(ctx, value, 1, 1 << 20, &c->within) == -1)
			return -1;
		if (c->within.var < 0 && c->within.v < c->len)
			return error_set(ctx->err, "within %lld is smaller than the "
			    "content (%u bytes)", (long long)c->within.v, c->len);
		c->flags |= CF_WITHIN;
		sm->relative = 1;
	} else {
		return error_set(ctx->err, "unknown content modifier");
	}
	return 0;
}

/* fast_pattern; fast_pattern:only; fast_pattern:offset,length */
int
kw_fast_pattern_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct content *c = last_content(ctx);
	char *parts[3];

	if (c == NULL)
		return error_set(ctx->err, "no content before it");
	for (int b = 0; b <= DBUF_SINK; b++)
		for (uint16_t i = 0; i < ctx->r->lists[b].n; i++)
			if (ctx->r->lists[b].v[i].type == SM_CONTENT &&
			    ctx->r->lists[b].v[i].u.content != c &&
			    (ctx->r->lists[b].v[i].u.content->flags & CF_FAST))
				return error_set(ctx->err, "only one fast_pattern per rule");
	c->flags |= CF_FAST;
	if (value == NULL)
		return 0;
	if (strcmp(kw_trim(value), "only") == 0) {
		c->flags |= CF_FAST_ONLY;
		return 0;
	}
	if (kw_split(value, parts, 3) == 2) {
		char *e1, *e2;
		long off = strtol(parts[0], &e1, 10), len = strtol(parts[1], &e2, 10);

		if (*e1 != '\0' || *e2 != '\0' || off < 0 || len < 1 ||
		    (uint64_t)off + (uint64_t)len > c->len)
			return error_set(ctx->err, "bad offset,length for a %u-byte "
			    "content", c->len);
		c->flags |= CF_FAST_CHOP;
		c->fp_off = (uint32_t)off;
		c->fp_len = (uint32_t)len;
		return 0;
	}
	return error_set(ctx->err, "expected 'only' or offset,length");
}

/* replace:"bytes" rewrites the previous content, same length (inline). */
int
kw_replace_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct content *c = last_content(ctx);
	uint8_t *b;
	uint32_t n;

	if (c == NULL)
		return error_set(ctx->err, "no content before it");
	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	if (c->flags & CF_NEGATED)
		return error_set(ctx->err, "cannot replace a negated content");
	if (ctx->last_content_buf != DBUF_PAYLOAD)
		return error_set(ctx->err, "works on the packet payload only");
	if (parse_pattern(kw_trim(value), &b, &n, ctx->err) == -1)
		return -1;
	if (n != c->len) {
		free(b);
		return error_set(ctx->err, "length %u differs from the content's %u",
		    n, c->len);
	}
	free(c->replace);
	c->replace = b;
	c->flags |= CF_REPLACE;
	return 0;
}
