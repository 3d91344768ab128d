/* summary: the snapshot database: versioned SQLite schema, writer and checked reader. */
#include "forensics/snapdb.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define K (SC_KEY | SC_COMPARE)
#define KI (SC_KEY | SC_COMPARE | SC_INT)
#define C SC_COMPARE
#define CI (SC_COMPARE | SC_INT)
#define I SC_INT

static const struct snap_column files_cols[] = {
	{ "path", K }, { "type", C }, { "mode", CI }, { "uid", CI },
	{ "gid", CI }, { "size", CI }, { "mtime_ns", CI }, { "ctime_ns", CI },
	{ "atime_ns", I }, { "inode", CI }, { "nlink", CI }, { "link", C },
	{ "caps", C }, { "sha256", C }, { "error", 0 },
};
static const struct snap_column proc_cols[] = {
	{ "pid", KI }, { "start_ticks", KI }, { "ppid", CI }, { "uid", CI },
	{ "gid", CI }, { "euid", CI }, { "egid", CI }, { "start_time", I },
	{ "comm", C }, { "exe", C }, { "exe_deleted", CI },
	{ "exe_sha256", C }, { "cmdline", C }, { "cwd", C }, { "tty", C },
};
static const struct snap_column sock_cols[] = {
	{ "proto", K }, { "family", KI }, { "local_addr", K },
	{ "local_port", KI }, { "remote_addr", K }, { "remote_port", KI },
	{ "state", C }, { "uid", CI }, { "inode", I }, { "pid", CI },
	{ "comm", C },
};
static const struct snap_column mod_cols[] = {
	{ "name", K }, { "size", CI }, { "state", C }, { "refcount", I },
	{ "used_by", 0 }, { "source", C },
};
static const struct snap_column user_cols[] = {
	{ "name", K }, { "uid", CI }, { "gid", CI }, { "gecos", C },
	{ "home", C }, { "shell", C },
};
static const struct snap_column group_cols[] = {
	{ "name", K }, { "gid", CI }, { "members", C },
};
static const struct snap_column shadow_cols[] = {
	{ "name", K }, { "password_state", C }, { "password_fingerprint", C },
	{ "last_change", CI }, { "min_days", CI }, { "max_days", CI },
	{ "warn_days", CI }, { "inactive_days", CI }, { "expire_date", CI },
};
static const struct snap_column key_cols[] = {
	{ "file", K }, { "fingerprint", K }, { "user", C }, { "type", C },
	{ "options", C }, { "comment", C },
};
static const struct snap_column cron_cols[] = {
	{ "file", K }, { "entry", K }, { "schedule", C }, { "user", C },
	{ "command", C },
};
static const struct snap_column startup_cols[] = {
	{ "path", K }, { "kind", C }, { "target", C }, { "sha256", C },
};
static const struct snap_column mount_cols[] = {
	{ "mountpoint", K }, { "source", K }, { "fstype", K }, { "options", C },
};
static const struct snap_column hidden_cols[] = {
	{ "kind", K }, { "what", K }, { "detail", 0 },
};

#define T(n, c, a) { n, c, a, (int)(sizeof(a) / sizeof(a[0])) }
static const struct snap_table tables[SNAP_NTABLES] = {
	[SNAP_FILES] = T("files", "file", files_cols),
	[SNAP_PROCESSES] = T("processes", "process", proc_cols),
	[SNAP_SOCKETS] = T("sockets", "socket", sock_cols),
	[SNAP_MODULES] = T("modules", "module", mod_cols),
	[SNAP_USERS] = T("users", "user", user_cols),
	[SNAP_GROUPS] = T("groups", "group", group_cols),
	[SNAP_SHADOW] = T("shadow", "shadow", shadow_cols),
	[SNAP_AUTHKEYS] = T("authorized_keys", "authorized_key", key_cols),
	[SNAP_CRON] = T("cron", "cron", cron_cols),
	[SNAP_STARTUP] = T("startup", "startup", startup_cols),
	[SNAP_MOUNTS] = T("mounts", "mount", mount_cols),
	[SNAP_HIDDEN] = T("hidden", "hidden", hidden_cols),
};

const struct snap_table *
snap_table(enum snap_table_id id)
{
	return &tables[id];
}

struct snapdb {
	sqlite3 *db;
	char *path, *tmp;
	pthread_mutex_t lock;
	sqlite3_stmt *ins[SNAP_NTABLES];
	sqlite3_stmt *meta, *errs;
	int finished;
};

static int
exec(sqlite3 *db, const char *sql, const char *path, struct error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, "%s: %s", path, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
create_schema(struct snapdb *s, struct error *err)
{
	char sql[2048];

	if (exec(s->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	    "PRAGMA page_size=8192;", s->tmp, err) < 0)
		return -1;
	snprintf(sql, sizeof sql, "PRAGMA application_id=%d;"
	    "PRAGMA user_version=%d;"
	    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	    "CREATE TABLE errors(collector TEXT, message TEXT);",
	    SNAPDB_APP_ID, SNAPDB_VERSION);
	if (exec(s->db, sql, s->tmp, err) < 0)
		return -1;
	for (int t = 0; t < SNAP_NTABLES; t++) {
		const struct snap_table *tb = &tables[t];
		size_t n = 0;

		n += snprintf(sql + n, sizeof sql - n, "CREATE TABLE %s(",
		    tb->name);
		for (int c = 0; c < tb->ncols; c++)
			n += snprintf(sql + n, sizeof sql - n, "%s %s, ",
			    tb->cols[c].name,
			    (tb->cols[c].flags & SC_INT) ? "INTEGER" : "TEXT");
		n += snprintf(sql + n, sizeof sql - n, "PRIMARY KEY(");
		for (int c = 0, first = 1; c < tb->ncols; c++)
			if (tb->cols[c].flags & SC_KEY) {
				n += snprintf(sql + n, sizeof sql - n, "%s%s",
				    first ? "" : ",", tb->cols[c].name);
				first = 0;
			}
		snprintf(sql + n, sizeof sql - n, ")) WITHOUT ROWID;");
		if (exec(s->db, sql, s->tmp, err) < 0)
			return -1;
		n = snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO %s VALUES(",
		    tb->name);
		for (int c = 0; c < tb->ncols; c++)
			n += snprintf(sql + n, sizeof sql - n, "%s?",
			    c ? "," : "");
		snprintf(sql + n, sizeof sql - n, ")");
		if (sqlite3_prepare_v2(s->db, sql, -1, &s->ins[t], NULL) !=
		    SQLITE_OK)
			return error_set(err, "%s: %s", s->tmp,
			    sqlite3_errmsg(s->db));
	}
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta VALUES(?,?)",
	    -1, &s->meta, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "INSERT INTO errors VALUES(?,?)", -1,
	    &s->errs, NULL) != SQLITE_OK)
		return error_set(err, "%s: %s", s->tmp, sqlite3_errmsg(s->db));
	return exec(s->db, "BEGIN", s->tmp, err);
}

struct snapdb *
snapdb_create(const char *path, struct error *err)
{
	struct snapdb *s = calloc(1, sizeof *s);

	if (s == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->path = strdup(path);
	if (s->path == NULL || asprintf(&s->tmp, "%s.tmp", path) < 0) {
		s->tmp = NULL;
		error_set(err, "out of memory");
		goto fail;
	}
	if (unlink(s->tmp) < 0 && errno != ENOENT) {
		error_errno(err, "%s", s->tmp);
		goto fail;
	}
	if (sqlite3_open_v2(s->tmp, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		error_set(err, "%s: %s", s->tmp,
		    s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	if (create_schema(s, err) < 0)
		goto fail;
	return s;
fail:
	snapdb_free(s);
	return NULL;
}

static int
step_reset(struct snapdb *s, sqlite3_stmt *st, struct error *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return error_set(err, "%s: %s", s->tmp, sqlite3_errmsg(s->db));
	return 0;
}

int
snapdb_insert(struct snapdb *s, enum snap_table_id t,
    const struct snap_val *vals, int nvals, struct error *err)
{
	sqlite3_stmt *st = s->ins[t];
	int rc;

	if (nvals != tables[t].ncols)
		return error_set(err, "%s: %d values for %d columns",
		    tables[t].name, nvals, tables[t].ncols);
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < nvals; i++) {
		if (vals[i].type == SV_INT)
			sqlite3_bind_int64(st, i + 1, vals[i].i);
		else if (vals[i].type == SV_TEXT && vals[i].s != NULL)
			sqlite3_bind_text(st, i + 1, vals[i].s, -1,
			    SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, i + 1);
	}
	rc = step_reset(s, st, err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int
snapdb_set_meta(struct snapdb *s, const char *key, const char *value,
    struct error *err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	sqlite3_bind_text(s->meta, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->meta, 2, value, -1, SQLITE_TRANSIENT);
	rc = step_reset(s, s->meta, err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void
snapdb_note_error(struct snapdb *s, const char *where, const char *message)
{
	struct error ignored;

	pthread_mutex_lock(&s->lock);
	sqlite3_bind_text(s->errs, 1, where, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s->errs, 2, message, -1, SQLITE_TRANSIENT);
	(void)step_reset(s, s->errs, &ignored);
	pthread_mutex_unlock(&s->lock);
}

int
snapdb_finish(struct snapdb *s, struct error *err)
{
	if (snapdb_set_meta(s, "complete", "1", err) < 0 ||
	    exec(s->db, "COMMIT", s->tmp, err) < 0)
		return -1;
	for (int t = 0; t < SNAP_NTABLES; t++) {
		sqlite3_finalize(s->ins[t]);
		s->ins[t] = NULL;
	}
	sqlite3_finalize(s->meta);
	sqlite3_finalize(s->errs);
	s->meta = s->errs = NULL;
	if (sqlite3_close(s->db) != SQLITE_OK)
		return error_set(err, "%s: %s", s->tmp, sqlite3_errmsg(s->db));
	s->db = NULL;
	if (rename(s->tmp, s->path) < 0)
		return error_errno(err, "rename %s to %s", s->tmp, s->path);
	s->finished = 1;
	return 0;
}

void
snapdb_free(struct snapdb *s)
{
	if (s == NULL)
		return;
	for (int t = 0; t < SNAP_NTABLES; t++)
		sqlite3_finalize(s->ins[t]);
	sqlite3_finalize(s->meta);
	sqlite3_finalize(s->errs);
	if (s->db != NULL)
		sqlite3_close(s->db);
	if (!s->finished && s->tmp != NULL)
		unlink(s->tmp);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s->tmp);
	free(s);
}

/* ---- reader -------------------------------------------------------------- */

static int
pragma_int(sqlite3 *db, const char *schema, const char *pragma, int *out,
    const char *path, struct error *err)
{
	char sql[128];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof sql, "PRAGMA %s.%s", schema, pragma);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return error_set(err, "%s: not a snapshot database: %s", path,
		    sqlite3_errmsg(db));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return error_set(err, "%s: not a snapshot database: %s", path,
		    sqlite3_errmsg(db));
	return 0;
}

static int
check_table(sqlite3 *db, const char *schema, const struct snap_table *tb,
    const char *path, struct error *err)
{
	char sql[256];
	sqlite3_stmt *st;
	int rc, n = 0, pk = 0, is_table = 0;

	snprintf(sql, sizeof sql, "SELECT type FROM %s.sqlite_schema "
	    "WHERE name='%s'", schema, tb->name);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return error_set(err, "%s: %s", path, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *type = sqlite3_column_text(st, 0);
		is_table = type != NULL && strcmp((const char *)type,
		    "table") == 0;
	}
	sqlite3_finalize(st);
	if (!is_table)
		return error_set(err, "%s: snapshot schema version %d but no "
		    "table '%s': damaged or foreign file", path,
		    SNAPDB_VERSION, tb->name);
	snprintf(sql, sizeof sql, "PRAGMA %s.table_info(%s)", schema, tb->name);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return error_set(err, "%s: %s", path, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);
		if (n >= tb->ncols || name == NULL ||
		    strcmp(name, tb->cols[n].name) != 0) {
			char got[64];
			snprintf(got, sizeof got, "%s", name ? name : "(null)");
			sqlite3_finalize(st);
			return error_set(err, "%s: table '%s' column %d is "
			    "'%s', schema version %d expects '%s'", path,
			    tb->name, n + 1, got, SNAPDB_VERSION,
			    n < tb->ncols ? tb->cols[n].name : "nothing");
		}
		if (sqlite3_column_int(st, 5) != 0)
			pk++;
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return error_set(err, "%s: %s", path, sqlite3_errmsg(db));
	if (n != tb->ncols)
		return error_set(err, "%s: table '%s' has %d columns, schema "
		    "version %d expects %d", path, tb->name, n, SNAPDB_VERSION,
		    tb->ncols);
	int want_pk = 0;
	for (int c = 0; c < tb->ncols; c++)
		want_pk += (tb->cols[c].flags & SC_KEY) != 0;
	if (pk != want_pk)
		return error_set(err, "%s: table '%s' has a primary key of %d "
		    "columns, expected %d", path, tb->name, pk, want_pk);
	return 0;
}

int
snapdb_check(void *handle, const char *schema, const char *path,
    struct error *err)
{
	sqlite3 *db = handle;
	char sql[160];
	sqlite3_stmt *st;
	int app = 0, ver = 0, complete = 0;

	if (pragma_int(db, schema, "application_id", &app, path, err) < 0)
		return -1;
	if (app != SNAPDB_APP_ID)
		return error_set(err, "%s: not an apiary snapshot (SQLite "
		    "application_id 0x%08x, expected 0x%08x)", path,
		    (unsigned)app, SNAPDB_APP_ID);
	if (pragma_int(db, schema, "user_version", &ver, path, err) < 0)
		return -1;
	if (ver != SNAPDB_VERSION)
		return error_set(err, "%s: snapshot schema version %d; this "
		    "apiary reads version %d", path, ver, SNAPDB_VERSION);
	for (int t = 0; t < SNAP_NTABLES; t++)
		if (check_table(db, schema, &tables[t], path, err) < 0)
			return -1;
	snprintf(sql, sizeof sql, "SELECT value FROM %s.meta WHERE "
	    "key='complete'", schema);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return error_set(err, "%s: schema version %d, no meta table: %s",
		    path, ver, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		complete = sqlite3_column_int(st, 0) == 1;
	sqlite3_finalize(st);
	if (!complete)
		return error_set(err, "%s: snapshot schema version %d is "
		    "incomplete (no complete=1 in meta): the snapshot was "
		    "interrupted or the file is damaged", path, ver);
	return 0;
}

void *
snapdb_open_read(const char *path, struct error *err)
{
	sqlite3 *db = NULL;

	if (access(path, R_OK) < 0) {
		error_errno(err, "%s", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		error_set(err, "%s: %s", path,
		    db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	/* A hostile file must not run code from its schema. */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	if (snapdb_check(db, "main", path, err) < 0) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

int
snapdb_read_all(void *handle, uint64_t *rows, struct error *err)
{
	sqlite3 *db = handle;
	char sql[128];
	sqlite3_stmt *st;
	int rc;

	*rows = 0;
	for (int t = 0; t < SNAP_NTABLES; t++) {
		snprintf(sql, sizeof sql, "SELECT * FROM %s", tables[t].name);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			return error_set(err, "%s", sqlite3_errmsg(db));
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++)
				(void)sqlite3_column_text(st, c);
			(*rows)++;
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return error_set(err, "table %s: %s", tables[t].name,
			    sqlite3_errmsg(db));
	}
	return 0;
}

void
snapdb_close_read(void *handle)
{
	sqlite3_close(handle);
}
