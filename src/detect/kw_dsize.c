/* summary: dsize: the packet's payload size (packets only, not the stream). */
#include <stdlib.h>

#include "detect/detect_int.h"

/* dsize:<n> | <n | >n | a<>b (exclusive) | !n */
int
kw_dsize_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct urange r;

	if (value == NULL || urange_parse(value, 65535, &r) == -1)
		return error_set(ctx->err, "expected n, <n, >n, !n or a<>b");
	if (ctx->r->dsize != NULL)
		return error_set(ctx->err, "given twice");
	if ((ctx->r->dsize = malloc(sizeof(r))) == NULL)
		return error_set(ctx->err, "out of memory");
	*ctx->r->dsize = r;
	return 0;
}
