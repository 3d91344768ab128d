/* summary: reading sessions out of a log store; replay in the terminal and as asciinema. */
#ifndef APIARY_SESSIONS_REPLAY_H
#define APIARY_SESSIONS_REPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "agent/record.h"
#include "core/error.h"
#include "sessions/session.h"

/* Calls fn for every agent record in the store (sender may be NULL). */
typedef int (*record_fn)(void *arg, const char *sender,
    const struct agent_record *r, struct error *err);
int store_each_agent_record(const char *store, const char *sender,
    record_fn fn, void *arg, struct error *err);

/* Indexes the sessions of a store. */
struct session_index *session_index_load(const char *store,
    const char *sender, struct error *err);

struct replay_opts {
	double speed;			/* 1.0 = as recorded */
	double max_idle;		/* seconds; longer pauses are cut to it; 0 = none */
	int width, height;		/* for asciinema; default 80x24 */
};

/* Writes the session's terminal output to out with its timing. */
int replay_terminal(const char *store, const struct session *s,
    const struct replay_opts *o, FILE *out, struct error *err);
/* Writes the session as an asciinema v2 .cast file ("o" and "i" events). */
int replay_cast(const char *store, const struct session *s,
    const struct replay_opts *o, FILE *out, struct error *err);

#endif
