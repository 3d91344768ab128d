/* summary: apiary-gw's event output: EVE JSON lines and a Zeek-style conn.log. */
#ifndef APIARY_GW_GW_EVENTS_H
#define APIARY_GW_GW_EVENTS_H

#include <stdint.h>

#include "control/control.h"
#include "core/buf.h"
#include "core/error.h"

/*
 * A thin writer until the shared EVE writer (src/output/eve.h) is wired
 * in: it formats data-control events (drop, limit, flow) and the periodic
 * stats record into a buffer and appends it to the files in large writes
 * (flushed at least once a second by the main loop, and at exit).  The
 * buffer is bounded (4 MiB): past it, events are counted as lost rather
 * than kept.
 */
struct gw_events;

/* Either path may be NULL (no such output). */
struct gw_events *gw_events_new(const char *eve_path, const char *conn_path,
    const char *honeynet_if, const char *uplink_if, struct error *err);
void gw_events_free(struct gw_events *e);
/* The side the next control events come from (for in_iface). */
void gw_events_set_side(struct gw_events *e, enum control_side side);
/* control_emit_fn. */
void gw_events_control(void *arg, const struct control_event *ev);
/* 0: no flow records (EVE flow, conn.log rows) from data control: with
 * 'inspect on' the shared pipeline writes them, with direction. */
void gw_events_set_flows(struct gw_events *e, int on);
/* Appends one ready-made EVE object (without the newline) e.g. stats. */
void gw_events_eve_raw(struct gw_events *e, struct buf *line);
int gw_events_flush(struct gw_events *e);
uint64_t gw_events_lost(const struct gw_events *e);

#endif
