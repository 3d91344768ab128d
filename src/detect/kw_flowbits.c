/* summary: flowbits: named per-flow bits set by one rule and tested by another. */
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

#define FLOWBITS_PER_RULE 16
#define FLOWBIT_NAMES_PER_OP 16

/* flowbits:set|unset|toggle|isset|isnotset,name[|name...|&name...];
 * flowbits:noalert;  (and the bare keyword noalert;) */
int
kw_flowbits_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	static const struct { const char *name; uint8_t op; } ops[] = {
		{ "set", FB_SET }, { "unset", FB_UNSET }, { "toggle", FB_TOGGLE },
		{ "isset", FB_ISSET }, { "isnotset", FB_ISNOTSET },
	};
	struct rule *r = ctx->r;
	struct flowbit_kw fb, *v;
	char *comma, *names, *p;
	size_t i;

	if (strcmp(kw, "noalert") == 0) {
		r->flags |= RULE_F_NOALERT;
		return 0;
	}
	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	value = kw_trim(value);
	if (strcmp(value, "noalert") == 0) {
		r->flags |= RULE_F_NOALERT;
		return 0;
	}
	comma = strchr(value, ',');
	if (comma == NULL)
		return error_set(ctx->err, "expected operation,name");
	*comma = '\0';
	names = kw_trim(comma + 1);
	value = kw_trim(value);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(value, ops[i].name) == 0)
			break;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		if (strcmp(value, "setx") == 0 || strcmp(value, "reset") == 0)
			return kw_unsupported(ctx, "flowbits/setx");
		return error_set(ctx->err, "unknown operation '%s'", value);
	}
	memset(&fb, 0, sizeof(fb));
	fb.op = ops[i].op;
	if (strchr(names, '&') != NULL) {
		if (strchr(names, '|') != NULL)
			return error_set(ctx->err, "cannot mix '&' and '|'");
		fb.and_mode = 1;
	}
	if (r->nflowbits >= FLOWBITS_PER_RULE)
		return error_set(ctx->err, "more than %d per rule", FLOWBITS_PER_RULE);
	fb.ids = calloc(FLOWBIT_NAMES_PER_OP, sizeof(*fb.ids));
	if (fb.ids == NULL)
		return error_set(ctx->err, "out of memory");
	p = names;
	for (;;) {
		char *sep = strpbrk(p, "|&"), *name;

		if (sep != NULL)
			*sep = '\0';
		name = kw_trim(p);
		if (*name == '\0' || strpbrk(name, " \t,") != NULL ||
		    fb.n >= FLOWBIT_NAMES_PER_OP) {
			free(fb.ids);
			return error_set(ctx->err, "bad name '%s'", name);
		}
		if (names_intern(ctx->flowbits, name, &fb.ids[fb.n]) == -1) {
			free(fb.ids);
			return error_set(ctx->err, "too many flowbit names");
		}
		fb.n++;
		if (sep == NULL)
			break;
		p = sep + 1;
	}
	if (fb.n > 1 && fb.op != FB_ISSET && fb.op != FB_ISNOTSET && !fb.and_mode) {
		/* set a|b is not meaningful; Snort sets both with '&' */
		free(fb.ids);
		return error_set(ctx->err, "'|' only with isset/isnotset");
	}
	v = realloc(r->flowbits, (r->nflowbits + 1) * sizeof(*v));
	if (v == NULL) {
		free(fb.ids);
		return error_set(ctx->err, "out of memory");
	}
	r->flowbits = v;
	v[r->nflowbits++] = fb;
	return 0;
}
