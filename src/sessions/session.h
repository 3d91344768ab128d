/* summary: terminal sessions rebuilt from agent records: index, typed lines, commands. */
#ifndef APIARY_SESSIONS_SESSION_H
#define APIARY_SESSIONS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "agent/record.h"
#include "core/error.h"

/*
 * A session is what one login did on one terminal: the records of one
 * sender (the honeypot's certificate name) with one session id and one
 * controlling terminal.  Its id reads "SENDER/SID/TTY" (hp1/11822/pts0).
 *
 * The index keeps metadata only -- times, user, counts, the commands run
 * and the lines typed (bounded: SESSION_MAX_LINES of each, lines cut at
 * SESSION_LINE_MAX bytes) -- so listing a store never holds terminal
 * output in memory; replay streams the records again.  At most
 * SESSION_MAX_SESSIONS sessions are indexed; more are counted.
 */
#define SESSION_MAX_SESSIONS 4096
#define SESSION_MAX_LINES 4096
#define SESSION_LINE_MAX 1024

struct session_line {
	uint64_t ts_ns;
	char *text;
};

struct session {
	char id[160];
	char sender[72];
	char host[72];
	char tty[48];
	uint32_t sid;
	uint32_t uid;			/* of the first record */
	uint64_t start_ns, end_ns;
	uint64_t bytes_in, bytes_out;
	uint64_t records;
	size_t ncommands, nlines;
	struct session_line *commands;	/* programs run (EXEC argv) */
	struct session_line *lines;	/* lines typed (TTYIN, edited) */
	/* line editor state for the typed input */
	char cur[SESSION_LINE_MAX];
	size_t curlen;
	uint64_t cur_ts;
	int esc;			/* inside an escape sequence */
};

struct session_index;

struct session_index *session_index_new(void);
void session_index_free(struct session_index *x);
/* Adds one record of `sender`; records not in a terminal are ignored. */
int session_index_add(struct session_index *x, const char *sender,
    const struct agent_record *r, struct error *err);
/* Ends open typed lines; sorts sessions by start time. */
void session_index_finish(struct session_index *x);
size_t session_index_count(const struct session_index *x);
const struct session *session_index_get(const struct session_index *x,
    size_t i);
/* By id ("hp1/11822/pts0"), or by 1-based number as `list` prints it. */
const struct session *session_index_find(const struct session_index *x,
    const char *id);
uint64_t session_index_dropped(const struct session_index *x);

/* Does record r of sender belong to session s? */
int session_matches(const struct session *s, const char *sender,
    const struct agent_record *r);

/*
 * Line editing as a terminal in canonical mode does it, for reading what
 * was typed: printable bytes append, DEL/BS erase, ^U kills the line,
 * ^W the word, CR/LF end it, escape sequences (arrows) are dropped.
 * Exposed for tests.
 */
typedef void (*session_line_fn)(void *arg, const char *line, size_t len);
void session_feed_keys(struct session *s, const uint8_t *data, size_t len,
    uint64_t ts_ns, session_line_fn fn, void *arg);

#endif
