/* summary: parsing of sizes, durations, rates and bit rates in configs. */
#ifndef APIARY_CORE_UNITS_H
#define APIARY_CORE_UNITS_H

#include <stdint.h>

/* All return 0, or -1 for text that is not of the form (no message). */

/* "4096", "512K", "100M", "2G", "1T" (binary multiples, 'B' suffix allowed). */
int parse_size(const char *s, uint64_t *bytes);
/* "500ms", "30s", "5m", "5min", "1h", "2d"; a bare number is seconds. */
int parse_duration(const char *s, uint64_t *ns);
/* "20/hour", "5/minute", "50/min", "10/s", "3/day" -> count and window. */
int parse_rate(const char *s, uint64_t *count, uint64_t *window_ns);
/* tc(8) style: "1mbit", "500kbit", "1gbit", "800bit"; "1mbps" = bytes/s. */
int parse_bitrate(const char *s, uint64_t *bits_per_sec);
/* Whole decimal number in [min, max]. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
