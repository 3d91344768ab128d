/* summary: timestamps as apiary writes them (EVE, conn.log, RFC 3339). */
#ifndef APIARY_CORE_TIMEFMT_H
#define APIARY_CORE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define NSEC_PER_SEC ((uint64_t)1000000000)
#define TIMEFMT_LEN 40

/* Suricata EVE form, UTC: 2023-09-18T06:13:41.532140+0000 */
void timefmt_eve(uint64_t ns, char out[TIMEFMT_LEN]);
/* RFC 3339 with microseconds, UTC: 2023-09-18T06:13:41.532140Z */
void timefmt_rfc3339(uint64_t ns, char out[TIMEFMT_LEN]);
/* Zeek form: seconds since the epoch with 6 decimals: 1695017621.532140 */
void timefmt_epoch(uint64_t ns, char out[TIMEFMT_LEN]);
/* Now, from CLOCK_REALTIME, in nanoseconds since the epoch. */
uint64_t time_now_ns(void);
/* Monotonic clock in nanoseconds. */
uint64_t time_mono_ns(void);
/*
 * Parses "2023-09-18T06:13:41[.frac](Z|+hh:mm|+hhmm)", "2023-09-18 06:13:41",
 * "2023-09-18" or a number of seconds since the epoch.  Returns -1 if not.
 */
int time_parse(const char *s, uint64_t *ns);

#endif
