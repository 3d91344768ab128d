/* summary: daemon and tool logging to stderr or syslog, via a passed logger. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

void
log_init(struct logger *lg, const char *prog, enum log_level level)
{
	lg->prog = prog;
	lg->level = level;
	lg->use_syslog = 0;
}

void
log_to_syslog(struct logger *lg, int facility)
{
	openlog(lg->prog, LOG_PID | LOG_NDELAY, facility);
	lg->use_syslog = 1;
}

void
log_msg(const struct logger *lg, enum log_level lvl, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[2048];
	va_list ap;

	if (lg == NULL || lvl > lg->level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (lg->use_syslog)
		syslog(prio[lvl], "%s", line);
	else
		fprintf(stderr, "%s: %s\n", lg->prog, line);
}
