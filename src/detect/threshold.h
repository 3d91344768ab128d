/* summary: threshold/detection_filter tracking table (bounded). */
#ifndef APIARY_DETECT_THRESHOLD_H
#define APIARY_DETECT_THRESHOLD_H

#include "detect/detect_int.h"

struct thresholds;

/* entries: capacity (rounded up to a power of two; 0 = 65536). */
struct thresholds *thresholds_new(size_t entries);
void thresholds_free(struct thresholds *t);
/* Counts one match; 1 if the rule should alert now. */
int thresholds_check(struct thresholds *t, const struct threshold_kw *k,
    uint32_t gid, uint32_t sid, const struct addr *src, const struct addr *dst,
    uint64_t flow, uint64_t now_ns);
uint64_t thresholds_evictions(const struct thresholds *t);

#endif
