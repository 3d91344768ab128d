/* summary: take a snapshot: options, config file, and the run over all collectors. */
#ifndef APIARY_FORENSICS_SNAPSHOT_H
#define APIARY_FORENSICS_SNAPSHOT_H

#include <stdint.h>

#include "core/error.h"

/* Collectors, for `collect` in the config. */
enum {
	COLLECT_PROCESSES = 1 << 0, COLLECT_SOCKETS = 1 << 1,
	COLLECT_MODULES = 1 << 2, COLLECT_USERS = 1 << 3,
	COLLECT_AUTHKEYS = 1 << 4, COLLECT_CRON = 1 << 5,
	COLLECT_STARTUP = 1 << 6, COLLECT_MOUNTS = 1 << 7,
	COLLECT_FILES = 1 << 8, COLLECT_HIDDEN = 1 << 9,
	COLLECT_ALL = (1 << 10) - 1,
	/* need a running system: skipped with --root */
	COLLECT_LIVE_ONLY = COLLECT_PROCESSES | COLLECT_SOCKETS |
	    COLLECT_MODULES | COLLECT_MOUNTS,
};

#define SNAP_MAX_PATHS 256

struct snap_options {
	const char *root_dir;		/* --root, "" for the live system */
	char *roots[SNAP_MAX_PATHS];	/* file roots, as paths in the tree */
	int nroots;
	char *excludes[SNAP_MAX_PATHS];
	int nexcludes;
	char *skip_real[4];		/* real paths never recorded (outputs) */
	int nskip;
	unsigned collect;
	int threads;			/* 0: one per core */
	uint64_t pid_max;		/* 0: /proc/sys/kernel/pid_max */
	int hidden_ports;		/* bind-probe all ports */
	/* called from the walking thread about 5 times a second */
	void (*progress)(void *arg, uint64_t entries, uint64_t hashed_bytes,
	    uint64_t found_bytes);
	void *progress_arg;
};

struct snap_stats {
	uint64_t entries, files_hashed, bytes_hashed, errors;
	uint64_t hidden;
};

/* Defaults: roots "/" and "/dev/shm"; excludes /proc /sys /dev /run. */
void snap_options_init(struct snap_options *o);
/* Reads a config (etc/apiary-snapshot.conf); replaces roots/excludes it names. */
int snap_options_load(struct snap_options *o, const char *path,
    struct error *err);
void snap_options_free(struct snap_options *o);

int snapshot_run(const struct snap_options *o, const char *out_path,
    struct snap_stats *stats, struct error *err);

#endif
