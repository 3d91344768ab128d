/* summary: fast.log: one line per alert, in Snort/Suricata's format. */
#ifndef APIARY_OUTPUT_ALERT_FAST_H
#define APIARY_OUTPUT_ALERT_FAST_H

#include "core/buf.h"
#include "core/error.h"
#include "detect/detect.h"

struct packet;

/*
 * 11/26/2026-14:30:21.123456  [**] [1:2000001:3] ET MSG [**]
 *     [Classification: Attempted Administrator Privilege Gain] [Priority: 1]
 *     {TCP} 192.0.2.1:1234 -> 198.51.100.2:80
 * (one line; "[Drop] " in front of "[**]" for a blocked alert, as
 * Suricata in IPS mode; ICMP shows type and code as the ports).  Lines are
 * buffered and written with large writes; alert_fast_flush() forces them.
 */
struct alert_fast;

/* Appends to path (created 0640); "-" is standard output. */
struct alert_fast *alert_fast_open(const char *path, struct error *err);
int alert_fast_write(struct alert_fast *af, const struct packet *p,
    const struct detect_alert *a);
int alert_fast_flush(struct alert_fast *af, struct error *err);
/* Flushes and closes; -1 with err if a write failed. */
int alert_fast_close(struct alert_fast *af, struct error *err);

/* The line for one alert (newline included), appended to b. */
int alert_fast_format(struct buf *b, const struct packet *p,
    const struct detect_alert *a);

#endif
