/* summary: the snapshot database: versioned SQLite schema, writer and checked reader. */
#ifndef APIARY_FORENSICS_SNAPDB_H
#define APIARY_FORENSICS_SNAPDB_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * One snapshot is one SQLite file (docs/snapshot-schema.md).  Its identity
 * is PRAGMA application_id = SNAPDB_APP_ID and PRAGMA user_version =
 * SNAPDB_VERSION; every table is keyed (WITHOUT ROWID) so that a diff is a
 * merge of two B-trees in key order.  The writer fills "FILE.tmp" in one
 * transaction with journaling off and renames it to FILE when finished, so
 * a crash never leaves a half-written snapshot under the final name.
 *
 * The column lists below are the single source of truth: the writer
 * creates tables from them, the reader checks a foreign file against them,
 * the diff builds its join from them.
 */
#define SNAPDB_APP_ID 0x41504953	/* "APIS" */
#define SNAPDB_VERSION 1

enum snap_table_id {
	SNAP_FILES, SNAP_PROCESSES, SNAP_SOCKETS, SNAP_MODULES, SNAP_USERS,
	SNAP_GROUPS, SNAP_SHADOW, SNAP_AUTHKEYS, SNAP_CRON, SNAP_STARTUP,
	SNAP_MOUNTS, SNAP_HIDDEN, SNAP_NTABLES
};

#define SC_KEY 1u		/* part of the primary key */
#define SC_COMPARE 2u		/* a difference is a change */
#define SC_INT 4u		/* INTEGER (else TEXT) */

struct snap_column {
	const char *name;
	unsigned flags;
};

struct snap_table {
	const char *name;		/* SQL table name */
	const char *category;		/* name in diff reports */
	const struct snap_column *cols;
	int ncols;
};

const struct snap_table *snap_table(enum snap_table_id id);

/* A value for snapdb_insert(); NULL text or SV_NULL is SQL NULL. */
struct snap_val {
	enum { SV_NULL, SV_INT, SV_TEXT } type;
	int64_t i;
	const char *s;
};
#define SVI(x) ((struct snap_val){ .type = SV_INT, .i = (int64_t)(x) })
#define SVS(x) ((struct snap_val){ .type = SV_TEXT, .s = (x) })
#define SVN ((struct snap_val){ .type = SV_NULL })

struct snapdb;

/* Creates path.tmp; snapdb_finish() renames it to path. */
struct snapdb *snapdb_create(const char *path, struct error *err);
/* Thread-safe (one internal mutex).  Duplicate keys are ignored. */
int snapdb_insert(struct snapdb *db, enum snap_table_id t,
    const struct snap_val *vals, int nvals, struct error *err);
int snapdb_set_meta(struct snapdb *db, const char *key, const char *value,
    struct error *err);
/* Records a collection problem in the errors table (never fails hard). */
void snapdb_note_error(struct snapdb *db, const char *where,
    const char *message);
int snapdb_finish(struct snapdb *db, struct error *err);
/* Frees; if not finished, removes the temporary file. */
void snapdb_free(struct snapdb *db);

/*
 * Opens a snapshot read-only and checks that it is one: the application
 * id, the schema version, every table and column, and the completion mark.
 * Errors name the file and what is wrong with it.  Returns an sqlite3 *.
 */
void *snapdb_open_read(const char *path, struct error *err);
/* Checks the database attached as `schema` ("main", "old") the same way. */
int snapdb_check(void *sqlite, const char *schema, const char *path,
    struct error *err);
/* Reads every row of every table (the fuzz target's "read everything"). */
int snapdb_read_all(void *sqlite, uint64_t *rows, struct error *err);
void snapdb_close_read(void *sqlite);

#endif
