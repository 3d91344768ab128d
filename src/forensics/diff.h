/* summary: diff two snapshots: SQL merge join per table, classify and rank findings. */
#ifndef APIARY_FORENSICS_DIFF_H
#define APIARY_FORENSICS_DIFF_H

#include <stddef.h>
#include <stdio.h>

#include "core/error.h"
#include "forensics/snapdb.h"

enum diff_change { DIFF_ADDED, DIFF_REMOVED, DIFF_CHANGED };

struct diff_attr {
	const char *name;	/* a column name (static) */
	char *old_value, *new_value;	/* NULL: absent */
};

struct finding {
	int rank;		/* 0..100, higher first */
	const char *tag;	/* "new-listener", "timestomp", ... */
	enum snap_table_id table;
	enum diff_change change;
	char *what;		/* path, "tcp 0.0.0.0:22", "pid 12 (sshd)" */
	struct diff_attr *attrs;
	int nattrs;
	char *body;		/* files: a Sleuth Kit body file line */
};

/* One side of a row: the text of each column of tb (NULL = SQL NULL). */
struct diff_row {
	const struct snap_table *tb;
	const char *const *v;
};
const char *diff_row_get(const struct diff_row *r, const char *column);

/*
 * The classifier, exposed for tests: given the change, the rows (NULL for
 * the absent side) and the names of the compared columns that differ,
 * decides the tag and rank, and may drop the finding (returns 0: e.g. a
 * directory whose only change is its mtime because an entry was added).
 * Returns 1 to keep.
 */
int diff_classify(enum snap_table_id t, enum diff_change change,
    const struct diff_row *old_row, const struct diff_row *new_row,
    const char *const *changed, int nchanged, int *rank, const char **tag);
const char *diff_severity(int rank);	/* "critical", "high", ... */
const char *diff_change_name(enum diff_change c);

struct diff_side {
	char *path, *started, *finished, *hostname, *root;
};

struct diff_result {
	struct finding *f;
	size_t n;
	size_t added, removed, changed;
	struct diff_side old_side, new_side;
};

/*
 * Opens NEW, checks both files (snapdb_check), ATTACHes OLD and merges
 * the two key-ordered scans of each table (sort-merge, no lookups).
 * Memory: the findings, about 0.5 KiB each; unchanged rows cost nothing.
 */
int diff_run(const char *old_path, const char *new_path,
    struct diff_result **out, struct error *err);
void diff_result_free(struct diff_result *r);
/* AIDE's exit status: 1 added + 2 removed + 4 changed. */
int diff_exit_status(const struct diff_result *r);

/* Outputs (diffout.c).  Each returns -1 with err on a write error. */
int diff_write_text(const struct diff_result *r, FILE *out, struct error *err);
int diff_write_json(const struct diff_result *r, FILE *out, struct error *err);
int diff_write_bodyfile(const struct diff_result *r, FILE *out,
    struct error *err);
/* EVE lines, event_type "snapshot", one per finding. */
int diff_write_eve(const struct diff_result *r, FILE *out, struct error *err);

#endif
