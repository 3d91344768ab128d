/* summary: timestamps as apiary writes them (EVE, conn.log, RFC 3339). */
#include "core/timefmt.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
split(uint64_t ns, struct tm *tm, unsigned *usec)
{
	time_t secs = (time_t)(ns / NSEC_PER_SEC);

	*usec = (unsigned)((ns % NSEC_PER_SEC) / 1000);
	if (gmtime_r(&secs, tm) == NULL)
		memset(tm, 0, sizeof(*tm));
}

void
timefmt_eve(uint64_t ns, char out[TIMEFMT_LEN])
{
	struct tm tm;
	unsigned usec;

	split(ns, &tm, &usec);
	snprintf(out, TIMEFMT_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, usec);
}

void
timefmt_rfc3339(uint64_t ns, char out[TIMEFMT_LEN])
{
	struct tm tm;
	unsigned usec;

	split(ns, &tm, &usec);
	snprintf(out, TIMEFMT_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, usec);
}

void
timefmt_epoch(uint64_t ns, char out[TIMEFMT_LEN])
{
	snprintf(out, TIMEFMT_LEN, "%" PRIu64 ".%06" PRIu64,
	    ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) / 1000);
}

uint64_t
time_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t
time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Reads exactly n digits. */
static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int
time_parse(const char *s, uint64_t *ns)
{
	struct tm tm;
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh, om, sign;
	uint64_t frac = 0, scale = NSEC_PER_SEC;
	int64_t offset = 0;
	time_t t;

	if (*p == '\0')
		return -1;
	/* bare epoch seconds, optionally with a fraction */
	if (strspn(p, "0123456789.") == strlen(p)) {
		char *end;
		double v = strtod(p, &end);
		/* beyond 2^64 ns (year 2554) the conversion would overflow */
		if (*end != '\0' || !(v >= 0 && v < 1.8e10))
			return -1;
		*ns = (uint64_t)(v * 1e9);
		return 0;
	}
	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d))
		return -1;
	if (*p == 'T' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec))
				return -1;
		}
		if (*p == '.') {
			p++;
			while (isdigit((unsigned char)*p)) {
				if (scale > 1) {
					scale /= 10;
					frac += (uint64_t)(*p - '0') * scale;
				}
				p++;
			}
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (digits(&p, 2, &oh))
				return -1;
			if (*p == ':')
				p++;
			if (digits(&p, 2, &om))
				return -1;
			offset = sign * (int64_t)(oh * 3600 + om * 60);
		}
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1 || (int64_t)t - offset < 0)
		return -1;
	*ns = (uint64_t)((int64_t)t - offset) * NSEC_PER_SEC + frac;
	return 0;
}
