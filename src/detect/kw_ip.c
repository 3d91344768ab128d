/* summary: IP and TCP header fields: ttl, ip_proto, sameip, tos, id, seq, ack, window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

static int
set_range(struct parse_ctx *ctx, struct urange **slot, const char *v, uint64_t max)
{
	struct urange r;

	if (v == NULL || urange_parse(v, max, &r) == -1)
		return error_set(ctx->err, "bad value '%s'", v != NULL ? v : "");
	if (*slot == NULL && (*slot = malloc(sizeof(r))) == NULL)
		return error_set(ctx->err, "out of memory");
	**slot = r;
	return 0;
}

int
kw_ipfield_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct rule *r = ctx->r;

	if (strcmp(kw, "sameip") == 0) {
		r->flags |= RULE_F_SAMEIP;
		return 0;
	}
	if (strcmp(kw, "ttl") == 0)
		return set_range(ctx, &r->ttl, value, 255);
	if (strcmp(kw, "tos") == 0)
		return set_range(ctx, &r->tos, value, 255);
	if (strcmp(kw, "id") == 0)
		return set_range(ctx, &r->ip_id, value, 65535);
	if (strcmp(kw, "seq") == 0)
		return set_range(ctx, &r->seq, value, UINT32_MAX);
	if (strcmp(kw, "ack") == 0)
		return set_range(ctx, &r->ack, value, UINT32_MAX);
	if (strcmp(kw, "window") == 0)
		return set_range(ctx, &r->window, value, 65535);
	if (strcmp(kw, "ip_proto") == 0) {
		static const struct { const char *n; int v; } names[] = {
			{ "icmp", 1 }, { "igmp", 2 }, { "ipip", 4 }, { "tcp", 6 },
			{ "udp", 17 }, { "ipv6", 41 }, { "gre", 47 }, { "esp", 50 },
			{ "ah", 51 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 },
			{ "pim", 103 }, { "sctp", 132 },
		};
		char buf[32], *v, *p;

		if (value == NULL)
			return error_set(ctx->err, "needs a value");
		snprintf(buf, sizeof(buf), "%s", kw_trim(value));
		v = buf;
		p = v;
		while (*p == '!' || *p == '<' || *p == '>' || *p == '=')
			p++;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strcmp(p, names[i].n) == 0) {
				snprintf(p, sizeof(buf) - (size_t)(p - buf), "%d", names[i].v);
				break;
			}
		}
		return set_range(ctx, &r->ip_proto, v, 255);
	}
	return error_set(ctx->err, "unknown");
}
