/* summary: daemon and tool logging to stderr or syslog, via a passed logger. */
#ifndef APIARY_CORE_LOG_H
#define APIARY_CORE_LOG_H

/*
 * main() owns the logger and hands it to whatever must report while it runs
 * (a daemon's event loop, a loader's warnings).  Lines go to stderr as
 * "prog: message", or to syslog(3) once log_to_syslog() is called.
 */
enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

struct logger {
	const char *prog;
	enum log_level level;
	int use_syslog;
};

void log_init(struct logger *lg, const char *prog, enum log_level level);
void log_to_syslog(struct logger *lg, int facility);
void log_msg(const struct logger *lg, enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(lg, ...) log_msg((lg), LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(lg, ...) log_msg((lg), LOG_LVL_WARN, __VA_ARGS__)
#define log_info(lg, ...) log_msg((lg), LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(lg, ...) log_msg((lg), LOG_LVL_DEBUG, __VA_ARGS__)

#endif
