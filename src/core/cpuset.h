/* summary: CPU lists ("0", "2-3", "0,4-7") for pinning threads: parse, check, apply, print. */
#ifndef APIARY_CORE_CPUSET_H
#define APIARY_CORE_CPUSET_H

#include <pthread.h>
#include <sched.h>
#include <stddef.h>

#include "core/error.h"

/*
 * The kernel's list format (cpuset(7), /proc/PID/status Cpus_allowed_list):
 * comma-separated CPU numbers and ranges.  An empty set is never valid.
 */

/* 0, or -1 with a message naming the bad part of s. */
int cpuset_parse(const char *s, cpu_set_t *set, struct error *err);
/* 0 if every CPU of set is one this process may run on, else -1 naming
 * the first that is not and the allowed list. */
int cpuset_check_allowed(const cpu_set_t *set, struct error *err);
/* Pins thread th (pthread_self() for the caller) to set. */
int cpuset_apply(pthread_t th, const cpu_set_t *set, struct error *err);
/* Writes the set in list form ("0,2-3") into out (truncated to n). */
void cpuset_format(const cpu_set_t *set, char *out, size_t n);

#endif
