/* summary: the config file language shared by every apiary program. */
#ifndef APIARY_CORE_CONFIG_H
#define APIARY_CORE_CONFIG_H

#include <stddef.h>

#include "core/error.h"

/*
 * Configs read like sentences, one statement per line (OpenBSD style):
 *
 *     honeynet-interface hn0
 *     honeypot 203.0.113.10 { limit tcp 20/hour; bandwidth 1mbit }
 *     allow out tcp to 192.0.2.2 port 6514     # log server
 *
 * A statement is a list of words ended by a newline or ';'; it may carry one
 * { block } of statements.  '#' starts a comment; "double quotes" make one
 * word of anything ("\"" and "\\" escape); a '\' at the end of a line joins
 * the next.  This module only splits: each program gives the words meaning
 * and reports mistakes with config_error(), which names file:line.
 *
 * Bounds: a file of at most 16 MiB, 256 words a statement, blocks nested 8
 * deep; beyond them loading fails with a file:line message.
 */
struct config_stmt {
	const char *file;		/* the path, shared by all statements */
	int line;			/* where the statement's first word is */
	int argc;
	char **argv;
	int has_block;
	int nchildren;
	struct config_stmt *children;
};

struct config {
	char *path;
	int nstmts;
	struct config_stmt *stmts;
};

int config_load(const char *path, struct config **out, struct error *err);
int config_parse(const char *name, const char *text, size_t len,
    struct config **out, struct error *err);
void config_free(struct config *cfg);

/* Sets err to "file:line: <message>" for st and returns -1. */
int config_error(struct error *err, const struct config_stmt *st,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
