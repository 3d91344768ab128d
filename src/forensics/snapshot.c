/* summary: take a snapshot: options, config file, and the run over all collectors. */
#include "forensics/snapshot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/config.h"
#include "core/timefmt.h"
#include "core/units.h"
#include "core/version.h"
#include "forensics/collect.h"
#include "forensics/hidden.h"
#include "forensics/snapdb.h"
#include "forensics/walk.h"

static const struct {
	const char *name;
	unsigned bit;
} collectors[] = {
	{ "processes", COLLECT_PROCESSES }, { "sockets", COLLECT_SOCKETS },
	{ "modules", COLLECT_MODULES }, { "users", COLLECT_USERS },
	{ "authorized-keys", COLLECT_AUTHKEYS }, { "cron", COLLECT_CRON },
	{ "startup", COLLECT_STARTUP }, { "mounts", COLLECT_MOUNTS },
	{ "files", COLLECT_FILES }, { "hidden", COLLECT_HIDDEN },
	{ "all", COLLECT_ALL },
};

static void
free_list(char **list, int *n)
{
	for (int i = 0; i < *n; i++)
		free(list[i]);
	*n = 0;
}

static int
add_path(char **list, int *n, const char *p, struct error *err)
{
	size_t len = strlen(p);

	if (*n >= SNAP_MAX_PATHS)
		return error_set(err, "more than %d paths", SNAP_MAX_PATHS);
	if (p[0] != '/')
		return error_set(err, "'%s' is not an absolute path", p);
	if ((list[*n] = strdup(p)) == NULL)
		return error_set(err, "out of memory");
	while (len > 1 && list[*n][len - 1] == '/')
		list[*n][--len] = '\0';
	(*n)++;
	return 0;
}

void
snap_options_init(struct snap_options *o)
{
	struct error ignored;

	memset(o, 0, sizeof *o);
	o->root_dir = "";
	o->collect = COLLECT_ALL;
	o->hidden_ports = 1;
	(void)add_path(o->roots, &o->nroots, "/", &ignored);
	(void)add_path(o->roots, &o->nroots, "/dev/shm", &ignored);
	(void)add_path(o->excludes, &o->nexcludes, "/proc", &ignored);
	(void)add_path(o->excludes, &o->nexcludes, "/sys", &ignored);
	(void)add_path(o->excludes, &o->nexcludes, "/dev", &ignored);
	(void)add_path(o->excludes, &o->nexcludes, "/run", &ignored);
}

void
snap_options_free(struct snap_options *o)
{
	free_list(o->roots, &o->nroots);
	free_list(o->excludes, &o->nexcludes);
	free_list(o->skip_real, &o->nskip);
}

int
snap_options_load(struct snap_options *o, const char *path,
    struct error *err)
{
	struct config *cfg;
	int rc = 0, roots_set = 0, excl_set = 0;

	if (config_load(path, &cfg, err) < 0)
		return -1;
	for (int i = 0; i < cfg->nstmts && rc == 0; i++) {
		struct config_stmt *st = &cfg->stmts[i];
		const char *kw = st->argv[0];
		uint64_t v;

		if (st->has_block) {
			rc = config_error(err, st, "'%s' takes no block", kw);
		} else if (strcmp(kw, "root") == 0 || strcmp(kw, "exclude") == 0) {
			int is_root = kw[0] == 'r';
			if (st->argc < 2) {
				rc = config_error(err, st, "%s: which path?", kw);
				break;
			}
			if (is_root && !roots_set++)
				free_list(o->roots, &o->nroots);
			if (!is_root && !excl_set++)
				free_list(o->excludes, &o->nexcludes);
			for (int a = 1; a < st->argc && rc == 0; a++) {
				struct error e2;
				if (add_path(is_root ? o->roots : o->excludes,
				    is_root ? &o->nroots : &o->nexcludes,
				    st->argv[a], &e2) < 0)
					rc = config_error(err, st, "%s", e2.msg);
			}
		} else if (strcmp(kw, "no-roots") == 0) {
			free_list(o->roots, &o->nroots);
			roots_set = 1;
		} else if (strcmp(kw, "collect") == 0) {
			o->collect = 0;
			for (int a = 1; a < st->argc && rc == 0; a++) {
				size_t k;
				for (k = 0; k < sizeof collectors /
				    sizeof collectors[0]; k++)
					if (strcmp(st->argv[a],
					    collectors[k].name) == 0)
						break;
				if (k == sizeof collectors / sizeof collectors[0])
					rc = config_error(err, st, "unknown "
					    "collector '%s'", st->argv[a]);
				else
					o->collect |= collectors[k].bit;
			}
		} else if (strcmp(kw, "threads") == 0) {
			if (st->argc != 2 || parse_uint(st->argv[1], 0, 64, &v) < 0)
				rc = config_error(err, st, "threads: a number "
				    "0..64 (0: one per core)");
			else
				o->threads = (int)v;
		} else if (strcmp(kw, "hidden-pid-max") == 0) {
			if (st->argc != 2 || parse_uint(st->argv[1], 0, 4194304,
			    &v) < 0)
				rc = config_error(err, st, "hidden-pid-max: a "
				    "number 0..4194304 (0: the kernel's pid_max)");
			else
				o->pid_max = v;
		} else if (strcmp(kw, "hidden-ports") == 0) {
			if (st->argc != 2 || (strcmp(st->argv[1], "yes") != 0 &&
			    strcmp(st->argv[1], "no") != 0))
				rc = config_error(err, st, "hidden-ports: yes or "
				    "no");
			else
				o->hidden_ports = st->argv[1][0] == 'y';
		} else {
			rc = config_error(err, st, "unknown statement '%s'", kw);
		}
	}
	config_free(cfg);
	return rc;
}

static int
meta(struct snapdb *db, const char *k, const char *v, struct error *err)
{
	return snapdb_set_meta(db, k, v, err);
}

int
snapshot_run(const struct snap_options *o, const char *out_path,
    struct snap_stats *stats, struct error *err)
{
	struct snapdb *db;
	char buf[512], t[TIMEFMT_LEN];
	struct utsname un;
	int live = o->root_dir[0] == '\0';
	unsigned c = o->collect;
	int rc = 0;

	memset(stats, 0, sizeof *stats);
	if (!live)
		c &= ~(unsigned)COLLECT_LIVE_ONLY;
	db = snapdb_create(out_path, err);
	if (db == NULL)
		return -1;
	timefmt_rfc3339(time_now_ns(), t);
	if (gethostname(buf, sizeof buf) < 0)
		snprintf(buf, sizeof buf, "unknown");
	buf[sizeof buf - 1] = '\0';
	if (meta(db, "format", "apiary-snapshot", err) < 0 ||
	    meta(db, "apiary_version", APIARY_VERSION, err) < 0 ||
	    meta(db, "started", t, err) < 0 ||
	    meta(db, "hostname", live ? buf : "", err) < 0 ||
	    meta(db, "mode", live ? "live" : "offline", err) < 0 ||
	    meta(db, "root", live ? "/" : o->root_dir, err) < 0)
		goto fail;
	snprintf(buf, sizeof buf, "%d", SNAPDB_VERSION);
	if (meta(db, "schema_version", buf, err) < 0)
		goto fail;
	buf[0] = '\0';
	for (size_t k = 0; k + 1 < sizeof collectors / sizeof collectors[0]; k++)
		if (c & collectors[k].bit)
			snprintf(buf + strlen(buf), sizeof buf - strlen(buf),
			    "%s%s", buf[0] ? " " : "", collectors[k].name);
	if (meta(db, "collectors", buf, err) < 0)
		goto fail;
	if (live && uname(&un) == 0 && meta(db, "kernel", un.release, err) < 0)
		goto fail;
	if (live) {
		char *taint = read_small_file("/proc/sys/kernel/tainted", 64,
		    NULL);
		if (taint != NULL) {
			taint[strcspn(taint, "\n")] = '\0';
			rc = meta(db, "kernel_tainted", taint, err);
			free(taint);
			if (rc < 0)
				goto fail;
		}
	}

	/* order of volatility: processes and network state first */
	if ((c & COLLECT_PROCESSES) && collect_processes(db, getpid(), err) < 0)
		goto fail;
	if ((c & COLLECT_SOCKETS) && collect_sockets(db, err) < 0)
		goto fail;
	if (live && (c & COLLECT_HIDDEN)) {
		if (hidden_pids(db, o->pid_max, &stats->hidden, err) < 0)
			goto fail;
		if (o->hidden_ports && hidden_ports(db, &stats->hidden, err) < 0)
			goto fail;
		if (hidden_modules(db, &stats->hidden, err) < 0)
			goto fail;
	}
	if ((c & COLLECT_MODULES) && collect_modules(db, err) < 0)
		goto fail;
	if ((c & COLLECT_MOUNTS) && collect_mounts(db, err) < 0)
		goto fail;
	if ((c & COLLECT_USERS) && collect_accounts(db, o->root_dir, err) < 0)
		goto fail;
	if ((c & COLLECT_AUTHKEYS) && collect_authkeys(db, o->root_dir, err) < 0)
		goto fail;
	if ((c & COLLECT_CRON) && collect_cron(db, o->root_dir, err) < 0)
		goto fail;
	if ((c & COLLECT_STARTUP) && collect_startup(db, o->root_dir, err) < 0)
		goto fail;
	if (c & COLLECT_FILES) {
		struct snap_options wo = *o;
		wo.collect = c;
		if (walk_files(db, &wo, stats, err) < 0)
			goto fail;
	}
	timefmt_rfc3339(time_now_ns(), t);
	if (meta(db, "finished", t, err) < 0)
		goto fail;
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)stats->entries);
	if (meta(db, "file_entries", buf, err) < 0 || snapdb_finish(db, err) < 0)
		goto fail;
	snapdb_free(db);
	return 0;
fail:
	snapdb_free(db);
	return -1;
}
