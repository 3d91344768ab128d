/* summary: parsing of sizes, durations, rates and bit rates in configs. */
#include "core/units.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/timefmt.h"

/* Leading decimal number; *rest points past it.  No sign, no overflow. */
static int
leading(const char *s, uint64_t *v, const char **rest)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	*v = n;
	*rest = end;
	return 0;
}

static int
mul(uint64_t a, uint64_t b, uint64_t *out)
{
	if (b != 0 && a > UINT64_MAX / b)
		return -1;
	*out = a * b;
	return 0;
}

int
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *rest;
	uint64_t v;

	if (leading(s, &v, &rest) == -1 || *rest != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
parse_size(const char *s, uint64_t *bytes)
{
	static const struct { const char *suffix; uint64_t mult; } units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1ull << 10 }, { "kb", 1ull << 10 },
		{ "kib", 1ull << 10 }, { "m", 1ull << 20 }, { "mb", 1ull << 20 },
		{ "mib", 1ull << 20 }, { "g", 1ull << 30 }, { "gb", 1ull << 30 },
		{ "gib", 1ull << 30 }, { "t", 1ull << 40 }, { "tb", 1ull << 40 },
	};
	const char *rest;
	uint64_t v;

	if (leading(s, &v, &rest) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(rest, units[i].suffix) == 0)
			return mul(v, units[i].mult, bytes);
	return -1;
}

int
parse_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *suffix; uint64_t mult; } units[] = {
		{ "", NSEC_PER_SEC }, { "ms", 1000000ull }, { "s", NSEC_PER_SEC },
		{ "sec", NSEC_PER_SEC }, { "m", 60 * NSEC_PER_SEC },
		{ "min", 60 * NSEC_PER_SEC }, { "h", 3600 * NSEC_PER_SEC },
		{ "d", 86400 * NSEC_PER_SEC },
	};
	const char *rest;
	uint64_t v;

	if (leading(s, &v, &rest) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(rest, units[i].suffix) == 0)
			return mul(v, units[i].mult, ns);
	return -1;
}

int
parse_rate(const char *s, uint64_t *count, uint64_t *window_ns)
{
	static const struct { const char *name; uint64_t secs; } windows[] = {
		{ "s", 1 }, { "sec", 1 }, { "second", 1 }, { "m", 60 },
		{ "min", 60 }, { "minute", 60 }, { "h", 3600 }, { "hour", 3600 },
		{ "d", 86400 }, { "day", 86400 },
	};
	const char *rest;
	uint64_t v;

	if (leading(s, &v, &rest) == -1 || *rest != '/')
		return -1;
	rest++;
	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
		if (strcasecmp(rest, windows[i].name) == 0) {
			*count = v;
			*window_ns = windows[i].secs * NSEC_PER_SEC;
			return 0;
		}
	return -1;
}

int
parse_bitrate(const char *s, uint64_t *bps)
{
	static const struct { const char *suffix; uint64_t mult; } units[] = {
		{ "", 1 }, { "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 },
		{ "gbit", 1000000000ull }, { "bps", 8 }, { "kbps", 8000 },
		{ "mbps", 8000000 }, { "gbps", 8000000000ull },
	};
	const char *rest;
	uint64_t v;

	if (leading(s, &v, &rest) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(rest, units[i].suffix) == 0)
			return mul(v, units[i].mult, bps);
	return -1;
}
