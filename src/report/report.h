/* summary: `apiary report`: everything a deployment recorded, on one timeline, as HTML. */
#ifndef APIARY_REPORT_REPORT_H
#define APIARY_REPORT_REPORT_H

#include <stdio.h>

#include "core/error.h"

/*
 * Inputs are found by walking the given paths (files or directories, four
 * levels deep at most): EVE JSON lines (*.json: flow, alert, scan, limit,
 * drop, stats, snapshot, fileinfo events), Zeek conn.log files, pcap
 * captures (counted, sized), and apiary-logd stores (a directory with
 * signing.pub), whose agent records give sessions, commands and
 * connections.  Nothing is assumed about where they came from: the lab,
 * a deployment, or files copied off one.
 *
 * Memory is bounded whatever the inputs hold (REPORT_MAX_* in
 * report_model.h): events beyond the bounds are counted, not kept, and the
 * report says so.
 */
struct report_opts {
	const char *title;
	size_t transcript_max;		/* bytes of terminal output per session */
};

struct report;

struct report *report_new(const struct report_opts *o, struct error *err);
void report_free(struct report *r);
/* Reads one input path. Errors name the file and line/offset. */
int report_add_path(struct report *r, const char *path, struct error *err);
/* Joins what was read: attackers, honeypots, sessions to logins. */
void report_finish(struct report *r);
int report_write_html(struct report *r, FILE *out, struct error *err);
void report_write_text(struct report *r, FILE *out);

#endif
