/* summary: flow: connection state and direction (established, to_server, only_stream, ...). */
#include <string.h>

#include "detect/detect_int.h"

int
kw_flow_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	static const struct { const char *name; uint32_t flag; } t[] = {
		{ "established", FLOWF_ESTABLISHED },
		{ "not_established", FLOWF_NOT_ESTABLISHED },
		{ "stateless", FLOWF_STATELESS },
		{ "to_server", FLOWF_TOSERVER }, { "from_client", FLOWF_TOSERVER },
		{ "to_client", FLOWF_TOCLIENT }, { "from_server", FLOWF_TOCLIENT },
		{ "only_stream", FLOWF_ONLY_STREAM }, { "no_stream", FLOWF_NO_STREAM },
		{ "only_frag", FLOWF_ONLY_FRAG }, { "no_frag", FLOWF_NO_FRAG },
	};
	char *parts[8];
	uint32_t f = 0;
	int n;

	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	n = kw_split(value, parts, 8);
	if (n > 8)
		return error_set(ctx->err, "too many options");
	for (int i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < sizeof(t) / sizeof(t[0]); j++)
			if (strcmp(parts[i], t[j].name) == 0)
				break;
		if (j == sizeof(t) / sizeof(t[0]))
			return error_set(ctx->err, "unknown option '%s'", parts[i]);
		f |= t[j].flag;
	}
	if ((f & FLOWF_TOSERVER) && (f & FLOWF_TOCLIENT))
		return error_set(ctx->err, "to_server and to_client together");
	if ((f & FLOWF_ESTABLISHED) && (f & (FLOWF_NOT_ESTABLISHED | FLOWF_STATELESS)))
		return error_set(ctx->err, "established with not_established/stateless");
	if ((f & FLOWF_ONLY_STREAM) && (f & FLOWF_NO_STREAM))
		return error_set(ctx->err, "only_stream and no_stream together");
	if (f & FLOWF_ONLY_STREAM)
		ctx->r->flags |= RULE_F_STREAM_ONLY;
	if (f & FLOWF_NO_STREAM)
		ctx->r->flags |= RULE_F_PKT_ONLY;
	ctx->r->flow_flags |= f;
	return 0;
}
