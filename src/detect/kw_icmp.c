/* summary: ICMP header keywords: itype, icode, icmp_id, icmp_seq. */
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

int
kw_icmp_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct rule *r = ctx->r;
	struct urange **slot;
	struct urange v;
	uint64_t max = 255;

	if (strcmp(kw, "itype") == 0)
		slot = &r->itype;
	else if (strcmp(kw, "icode") == 0)
		slot = &r->icode;
	else if (strcmp(kw, "icmp_id") == 0)
		slot = &r->icmp_id, max = 65535;
	else if (strcmp(kw, "icmp_seq") == 0)
		slot = &r->icmp_seq, max = 65535;
	else
		return error_set(ctx->err, "unknown");
	if (value == NULL || urange_parse(value, max, &v) == -1)
		return error_set(ctx->err, "bad value '%s'", value != NULL ? value : "");
	if (*slot == NULL && (*slot = malloc(sizeof(v))) == NULL)
		return error_set(ctx->err, "out of memory");
	**slot = v;
	return 0;
}
