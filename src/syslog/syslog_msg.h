/* summary: RFC 5424 / RFC 3164 syslog messages: lenient parse and 5424 format. */
#ifndef APIARY_SYSLOG_SYSLOG_MSG_H
#define APIARY_SYSLOG_SYSLOG_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * The parser never copies and never fails: every field is a span into the
 * caller's bytes (ptr == NULL when absent or NILVALUE), and whatever cannot
 * be understood ends up in `msg`, so the raw bytes always survive.
 */
struct syslog_span {
	const char *ptr;
	size_t len;
};

enum syslog_format { SYSLOG_FMT_UNKNOWN, SYSLOG_FMT_3164, SYSLOG_FMT_5424 };

struct syslog_msg {
	enum syslog_format format;
	int pri;			/* 0..191, -1 when absent */
	int version;			/* 1 for RFC 5424, 0 otherwise */
	struct syslog_span timestamp;
	struct syslog_span hostname;
	struct syslog_span app_name;
	struct syslog_span procid;
	struct syslog_span msgid;
	struct syslog_span sd;		/* all SD-ELEMENTs, brackets included */
	struct syslog_span msg;		/* after the header (BOM removed) */
};

void syslog_parse(const void *data, size_t len, struct syslog_msg *m);

/*
 * Iterates over structured data: call with *pos = 0; each call fills the
 * element's SD-ID and its raw parameter text and returns 1, 0 at the end,
 * -1 on malformed data (iteration stops).
 */
int syslog_sd_next(const struct syslog_span *sd, size_t *pos,
    struct syslog_span *id, struct syslog_span *params);
/*
 * Iterates over the PARAM-NAME="value" pairs of one element; the value is
 * still escaped (use syslog_sd_unescape).  Same returns as syslog_sd_next.
 */
int syslog_sd_param_next(const struct syslog_span *params, size_t *pos,
    struct syslog_span *name, struct syslog_span *value);
/* Appends the unescaped value (\" \\ \] become " \ ]). */
int syslog_sd_unescape(struct buf *out, const struct syslog_span *value);
/* meta sequenceId (1..2147483647), or 0 when absent or invalid. */
uint32_t syslog_sequence_id(const struct syslog_msg *m);

/*
 * RFC 5424 formatting for senders (the agent).  NULL fields become "-".
 * `sd` is appended verbatim (already formatted SD-ELEMENTs) or "-"; when
 * sequence_id > 0 a [meta sequenceId="N"] element is added first.
 */
struct syslog_fields {
	int pri;
	uint64_t time_ns;		/* 0 = NILVALUE */
	const char *hostname;
	const char *app_name;
	const char *procid;
	const char *msgid;
	const char *sd;
	uint32_t sequence_id;
	const void *msg;
	size_t msg_len;
};
int syslog_format_5424(struct buf *out, const struct syslog_fields *f);
/* Appends value escaped for an SD-PARAM (", \ and ] get a backslash). */
int syslog_sd_escape(struct buf *out, const char *value, size_t len);

#endif
