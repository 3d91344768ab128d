/* summary: threshold and detection_filter: parsing (the tracking is in threshold.c). */
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

/* threshold: type limit|threshold|both, track by_src|by_dst|by_rule|by_both|by_flow,
 *     count C, seconds S;   detection_filter: track ..., count C, seconds S; */
int
kw_threshold_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	int df = strcmp(kw, "detection_filter") == 0;
	struct threshold_kw t;
	char *parts[8];
	int n, have_type = df, have_track = 0, have_count = 0, have_sec = 0;

	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	memset(&t, 0, sizeof(t));
	t.type = THR_DETECTION_FILTER;
	n = kw_split(value, parts, 8);
	if (n > 8)
		return error_set(ctx->err, "too many options");
	for (int i = 0; i < n; i++) {
		char *k = parts[i], *v = k;
		char *end;
		unsigned long x;

		while (*v != '\0' && *v != ' ' && *v != '\t')
			v++;
		if (*v != '\0')
			*v++ = '\0';
		v = kw_trim(v);
		if (strcmp(k, "type") == 0 && !df) {
			if (strcmp(v, "limit") == 0) t.type = THR_LIMIT;
			else if (strcmp(v, "threshold") == 0) t.type = THR_THRESHOLD;
			else if (strcmp(v, "both") == 0) t.type = THR_BOTH;
			else if (strcmp(v, "backoff") == 0)
				return kw_unsupported(ctx, "threshold/backoff");
			else
				return error_set(ctx->err, "bad type '%s'", v);
			have_type = 1;
		} else if (strcmp(k, "track") == 0) {
			if (strcmp(v, "by_src") == 0) t.track = TRACK_SRC;
			else if (strcmp(v, "by_dst") == 0) t.track = TRACK_DST;
			else if (strcmp(v, "by_rule") == 0) t.track = TRACK_RULE;
			else if (strcmp(v, "by_both") == 0) t.track = TRACK_BOTH;
			else if (strcmp(v, "by_flow") == 0) t.track = TRACK_FLOW;
			else
				return error_set(ctx->err, "bad track '%s'", v);
			have_track = 1;
		} else if (strcmp(k, "count") == 0 || strcmp(k, "seconds") == 0) {
			x = strtoul(v, &end, 10);
			if (end == v || *end != '\0' || x > 10000000ul ||
			    (x == 0 && k[0] == 'c'))
				return error_set(ctx->err, "bad %s '%s'", k, v);
			if (k[0] == 'c') {
				t.count = (uint32_t)x;
				have_count = 1;
			} else {
				t.seconds = (uint32_t)x;
				have_sec = 1;
			}
		} else if (strcmp(k, "multiplier") == 0) {
			return kw_unsupported(ctx, "threshold/backoff");
		} else {
			return error_set(ctx->err, "unknown option '%s'", k);
		}
	}
	if (!have_type || !have_track || !have_count || !have_sec)
		return error_set(ctx->err, "needs%s track, count and seconds",
		    df ? "" : " type,");
	if (df) {
		if (ctx->r->detection_filter != NULL)
			return error_set(ctx->err, "given twice");
		if ((ctx->r->detection_filter = malloc(sizeof(t))) == NULL)
			return error_set(ctx->err, "out of memory");
		*ctx->r->detection_filter = t;
	} else {
		if (ctx->r->threshold != NULL)
			return error_set(ctx->err, "given twice");
		if ((ctx->r->threshold = malloc(sizeof(t))) == NULL)
			return error_set(ctx->err, "out of memory");
		*ctx->r->threshold = t;
	}
	return 0;
}
