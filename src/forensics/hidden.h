/* summary: cross-view checks for hidden processes, ports and kernel modules (unhide, chkrootkit). */
#ifndef APIARY_FORENSICS_HIDDEN_H
#define APIARY_FORENSICS_HIDDEN_H

#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "forensics/snapdb.h"

/*
 * Each check compares two views of one kind of object and writes what only
 * the kernel's view shows into the hidden table; *found counts them.
 * Hidden directories come from the file walker (walk.h nlink_mismatch).
 */

/* PIDs 1..pid_max answering kill(0)/getpgid/sched_getparam but not listed
 * in /proc (nor in any /proc/N/task). pid_max 0: /proc/sys/kernel/pid_max. */
int hidden_pids(struct snapdb *db, uint64_t pid_max, uint64_t *found,
    struct error *err);
/* TCP and UDP ports 1..65535 whose bind() fails with EADDRINUSE, v4 or v6,
 * but which no line of /proc/net/{tcp,tcp6,udp,udp6} holds. */
int hidden_ports(struct snapdb *db, uint64_t *found, struct error *err);
/* Loadable modules in /sys/module (those with an initstate file; built-in
 * ones have none) that /proc/modules does not list. */
int hidden_modules(struct snapdb *db, uint64_t *found, struct error *err);
/* The same over other paths (tests, or a copy of a guest's /sys). */
int hidden_modules_at(struct snapdb *db, const char *modules_file,
    const char *sys_module, uint64_t *found, struct error *err);

#endif
