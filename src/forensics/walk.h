/* summary: file walker feeding a pool of SHA-256 hashing threads into the snapshot. */
#ifndef APIARY_FORENSICS_WALK_H
#define APIARY_FORENSICS_WALK_H

#include "core/error.h"
#include "forensics/snapdb.h"
#include "forensics/snapshot.h"

/* Walks o->roots under o->root_dir into the files table (and hidden
 * directories into the hidden table when o->collect has COLLECT_HIDDEN). */
int walk_files(struct snapdb *db, const struct snap_options *o,
    struct snap_stats *stats, struct error *err);

/* Read size for small hashing jobs (process images, unit files). */
#define WALK_READ_SMALL (256u << 10)

/* Hashes an open file descriptor with large reads; hex into out[65]. */
int hash_fd(int fd, unsigned char *buf, size_t buflen, char out[65],
    uint64_t *bytes);

/*
 * Pseudo file systems (proc, sysfs, cgroup, ...) are never descended.
 * Returns 1 for such an f_type.
 */
int fs_is_pseudo(long f_type);
/*
 * chkdirs' rule: on file systems that keep it (ext2/3/4, xfs, tmpfs) a
 * directory's link count is 2 + its subdirectories; ext4 sets 1 once a
 * directory has more than 65000.  Returns 1 if nlink and the counted
 * subdirectories disagree, 0 if they agree or the fs does not keep the rule.
 */
int nlink_mismatch(long f_type, unsigned long nlink, unsigned long subdirs);

#endif
