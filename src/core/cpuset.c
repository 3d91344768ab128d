/* summary: CPU lists ("0", "2-3", "0,4-7") for pinning threads: parse, check, apply, print. */
#include "core/cpuset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A CPU number at *p, advancing p; -1 if there is none or it is too big. */
static long
cpu_number(const char **p)
{
	char *end;
	long v;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno != 0 || v >= CPU_SETSIZE)
		return -1;
	*p = end;
	return v;
}

int
cpuset_parse(const char *s, cpu_set_t *set, struct error *err)
{
	const char *p = s;

	CPU_ZERO(set);
	for (;;) {
		const char *item = p;
		long lo = cpu_number(&p), hi = lo;

		if (lo >= 0 && *p == '-') {
			p++;
			hi = cpu_number(&p);
		}
		if (lo < 0 || hi < lo || (*p != ',' && *p != '\0'))
			return error_set(err, "CPU list '%s': bad item at '%s' "
			    "(expected N or N-M with 0 <= N <= M < %d, "
			    "separated by commas)", s, item, CPU_SETSIZE);
		for (long c = lo; c <= hi; c++)
			CPU_SET((int)c, set);
		if (*p == '\0')
			return 0;
		p++;
	}
}

void
cpuset_format(const cpu_set_t *set, char *out, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	out[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE; c++) {
		int hi = c;
		int w;

		if (!CPU_ISSET(c, set))
			continue;
		while (hi + 1 < CPU_SETSIZE && CPU_ISSET(hi + 1, set))
			hi++;
		w = hi == c ? snprintf(out + len, n - len, "%s%d",
		    len ? "," : "", c) : snprintf(out + len, n - len,
		    "%s%d-%d", len ? "," : "", c, hi);
		if (w < 0 || (size_t)w >= n - len)
			return;		/* truncated */
		len += (size_t)w;
		c = hi;
	}
}

int
cpuset_check_allowed(const cpu_set_t *set, struct error *err)
{
	cpu_set_t allowed;
	char list[256];

	if (sched_getaffinity(0, sizeof(allowed), &allowed) == -1)
		return error_errno(err, "sched_getaffinity");
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, set) && !CPU_ISSET(c, &allowed)) {
			cpuset_format(&allowed, list, sizeof(list));
			return error_set(err, "CPU %d is not available here "
			    "(this process may use CPUs %s)", c, list);
		}
	return 0;
}

int
cpuset_apply(pthread_t th, const cpu_set_t *set, struct error *err)
{
	int e = pthread_setaffinity_np(th, sizeof(*set), set);

	if (e != 0) {
		errno = e;
		return error_errno(err, "pthread_setaffinity_np");
	}
	return 0;
}
