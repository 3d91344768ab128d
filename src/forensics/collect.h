/* summary: collectors of system state: processes, sockets, modules, accounts, cron, startup, mounts. */
#ifndef APIARY_FORENSICS_COLLECT_H
#define APIARY_FORENSICS_COLLECT_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"
#include "forensics/snapdb.h"

/*
 * Each collector writes its rows into db and returns -1 only when the
 * database fails; a file it cannot read becomes a row in the errors table.
 * `root` is the --root directory ("" for the live system); live-only
 * collectors (processes, sockets, modules, mounts) ignore it.
 */
int collect_processes(struct snapdb *db, pid_t self, struct error *err);
int collect_sockets(struct snapdb *db, struct error *err);
int collect_modules(struct snapdb *db, struct error *err);
int collect_mounts(struct snapdb *db, struct error *err);
int collect_accounts(struct snapdb *db, const char *root, struct error *err);
int collect_authkeys(struct snapdb *db, const char *root, struct error *err);
int collect_cron(struct snapdb *db, const char *root, struct error *err);
int collect_startup(struct snapdb *db, const char *root, struct error *err);

/* Reads a whole small file (at most max bytes, NUL-terminated). */
char *read_small_file(const char *path, size_t max, size_t *len);

#endif
