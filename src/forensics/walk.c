/* summary: file walker feeding a pool of SHA-256 hashing threads into the snapshot. */
#include "forensics/walk.h"

/*
 * Design.  One thread (the caller) walks the trees depth-first with
 * openat()/fstatat(AT_SYMLINK_NOFOLLOW) relative to directory descriptors,
 * so it costs one getdents per directory and one fstatat per entry.  It
 * writes every non-regular entry itself and hands regular files to a
 * bounded queue (WALK_QUEUE jobs: the memory bound of the walk, whatever
 * the size of the tree) drained by one hashing thread per core.  A worker
 * opens the file O_NOFOLLOW|O_NOATIME|O_NONBLOCK (never blocks on a FIFO
 * that replaced the file, never follows a symlink that replaced it),
 * fstat()s it again (the row describes what was hashed), advises
 * sequential access, reads WALK_READ bytes at a time into EVP SHA-256, and
 * reads security.capability from the same descriptor.  Device nodes,
 * FIFOs and sockets are only lstat'ed, never opened.
 *
 * Pseudo file systems are recognised by statfs f_type and recorded but not
 * descended; directories deeper than WALK_MAX_DEPTH are recorded with an
 * error (each level holds one descriptor).  The hidden-directory check
 * (chkdirs) falls out of the walk: every directory is read completely, so
 * counting its subdirectories is free.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/magic.h>
#include <openssl/evp.h>

#define WALK_QUEUE 4096
#define WALK_READ (1u << 20)
#define WALK_MAX_DEPTH 256
#define WALK_MAX_THREADS 64

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#ifndef TRACEFS_MAGIC
#define TRACEFS_MAGIC 0x74726163
#endif
#ifndef FUSE_CTL_SUPER_MAGIC
#define FUSE_CTL_SUPER_MAGIC 0x65735543
#endif
#ifndef BINFMTFS_MAGIC
#define BINFMTFS_MAGIC 0x42494e4d
#endif
#ifndef CONFIGFS_MAGIC
#define CONFIGFS_MAGIC 0x62656570
#endif
#ifndef EFIVARFS_MAGIC
#define EFIVARFS_MAGIC 0xde5e81e4
#endif
#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202
#endif
#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int
fs_is_pseudo(long t)
{
	switch ((unsigned long)t & 0xffffffffUL) {
	case PROC_SUPER_MAGIC: case SYSFS_MAGIC: case DEVPTS_SUPER_MAGIC:
	case CGROUP_SUPER_MAGIC: case CGROUP2_SUPER_MAGIC:
	case DEBUGFS_MAGIC: case TRACEFS_MAGIC: case SECURITYFS_MAGIC:
	case BPF_FS_MAGIC: case PSTOREFS_MAGIC: case CONFIGFS_MAGIC:
	case FUSE_CTL_SUPER_MAGIC: case MQUEUE_MAGIC: case HUGETLBFS_MAGIC:
	case AUTOFS_SUPER_MAGIC: case BINFMTFS_MAGIC: case SELINUX_MAGIC:
	case EFIVARFS_MAGIC: case NSFS_MAGIC:
		return 1;
	}
	return 0;
}

int
nlink_mismatch(long t, unsigned long nlink, unsigned long subdirs)
{
	switch ((unsigned long)t & 0xffffffffUL) {
	case EXT4_SUPER_MAGIC:		/* also ext2 and ext3 */
		if (nlink == 1)		/* dir_nlink: more than 65000 */
			return 0;
		/* FALLTHROUGH */
	case XFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
		return nlink != 2 + subdirs;
	}
	/* btrfs keeps nlink 1, overlayfs and FUSE report what they like */
	return 0;
}

struct job {
	char *real;		/* path on disk */
	size_t logical_off;	/* where the snapshot path starts in real */
	struct stat st;
};

struct walker {
	struct snapdb *db;
	const struct snap_options *o;
	struct snap_stats *stats;
	size_t prefix_len;	/* strlen(root_dir) */
	int hidden;

	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct job q[WALK_QUEUE];
	unsigned head, count;
	int done;

	/* directories on the current path, to skip bind-mount loops */
	struct { dev_t dev; ino_t ino; } stack[WALK_MAX_DEPTH + 2];

	uint64_t found_bytes;	/* walker only */
	uint64_t last_progress;
	struct error werr;	/* first fatal error of a worker */
	int failed;
};

static char
type_letter(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFIFO: return 'p';
	case S_IFSOCK: return 's';
	}
	return '?';
}

static int64_t
ts_ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
record(struct walker *w, const char *path, const struct stat *st,
    const char *link, const char *caps, const char *sha, const char *error,
    struct error *err)
{
	char type[2] = { type_letter(st->st_mode), '\0' };
	struct snap_val v[] = {
		SVS(path), SVS(type), SVI(st->st_mode & 07777), SVI(st->st_uid),
		SVI(st->st_gid), SVI(S_ISDIR(st->st_mode) ? 0 : st->st_size),
		SVI(ts_ns(st->st_mtim)), SVI(ts_ns(st->st_ctim)),
		SVI(ts_ns(st->st_atim)), SVI(st->st_ino), SVI(st->st_nlink),
		SVS(link), SVS(caps), SVS(sha), SVS(error),
	};

	__atomic_add_fetch(&w->stats->entries, 1, __ATOMIC_RELAXED);
	if (error != NULL)
		__atomic_add_fetch(&w->stats->errors, 1, __ATOMIC_RELAXED);
	return snapdb_insert(w->db, SNAP_FILES, v, (int)(sizeof v / sizeof v[0]),
	    err);
}

int
hash_fd(int fd, unsigned char *buf, size_t buflen, char out[65],
    uint64_t *bytes)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int mdlen = 0;
	ssize_t n;

	*bytes = 0;
	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		n = read(fd, buf, buflen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		*bytes += (uint64_t)n;
	}
	if (n < 0) {
		int e = errno;
		EVP_MD_CTX_free(ctx);
		errno = e;
		return -1;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (int i = 0; i < 32; i++) {
		out[2 * i] = "0123456789abcdef"[md[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[md[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

static void
caps_hex(const unsigned char *v, ssize_t n, char *out, size_t len)
{
	size_t k = 0;

	for (ssize_t i = 0; i < n && k + 3 <= len; i++)
		k += (size_t)snprintf(out + k, len - k, "%02x", v[i]);
}

static void
hash_job(struct walker *w, struct job *j, unsigned char *buf)
{
	const char *path = j->real + j->logical_off;
	char sha[65], caps[130], msg[256];
	unsigned char capv[64];
	struct stat st = j->st;
	struct error err;
	uint64_t bytes = 0;
	ssize_t cn;
	int fd;

	caps[0] = '\0';
	fd = open(j->real, O_RDONLY | O_NOFOLLOW | O_NOATIME | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0 && errno == EPERM)	/* O_NOATIME needs ownership */
		fd = open(j->real, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, sizeof msg, "open: %s", strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, sizeof msg, "replaced while walking");
		st = j->st;
		close(fd);
		goto fail;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (hash_fd(fd, buf, WALK_READ, sha, &bytes) < 0) {
		snprintf(msg, sizeof msg, "read: %s", strerror(errno));
		close(fd);
		goto fail;
	}
	cn = fgetxattr(fd, "security.capability", capv, sizeof capv);
	if (cn > 0)
		caps_hex(capv, cn, caps, sizeof caps);
	close(fd);
	__atomic_add_fetch(&w->stats->files_hashed, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&w->stats->bytes_hashed, bytes, __ATOMIC_RELAXED);
	if (record(w, path, &st, NULL, caps[0] ? caps : NULL, sha, NULL,
	    &err) < 0)
		goto fatal;
	return;
fail:
	if (record(w, path, &st, NULL, NULL, NULL, msg, &err) == 0)
		return;
fatal:
	pthread_mutex_lock(&w->lock);
	if (!w->failed) {
		w->failed = 1;
		w->werr = err;
	}
	pthread_mutex_unlock(&w->lock);
}

static void *
worker(void *arg)
{
	struct walker *w = arg;
	unsigned char *buf = malloc(WALK_READ);
	struct job j;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (w->count == 0 && !w->done)
			pthread_cond_wait(&w->not_empty, &w->lock);
		if (w->count == 0 && w->done) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		j = w->q[w->head];
		w->head = (w->head + 1) % WALK_QUEUE;
		w->count--;
		pthread_cond_signal(&w->not_full);
		pthread_mutex_unlock(&w->lock);
		if (buf == NULL) {
			struct error err;
			(void)record(w, j.real + j.logical_off, &j.st, NULL,
			    NULL, NULL, "out of memory", &err);
		} else {
			hash_job(w, &j, buf);
		}
		free(j.real);
	}
	free(buf);
	return NULL;
}

static int
enqueue(struct walker *w, const char *real, const struct stat *st,
    struct error *err)
{
	struct job j = { .real = strdup(real), .logical_off = w->prefix_len,
	    .st = *st };

	if (j.real == NULL)
		return error_set(err, "out of memory");
	pthread_mutex_lock(&w->lock);
	while (w->count == WALK_QUEUE)
		pthread_cond_wait(&w->not_full, &w->lock);
	w->q[(w->head + w->count) % WALK_QUEUE] = j;
	w->count++;
	pthread_cond_signal(&w->not_empty);
	pthread_mutex_unlock(&w->lock);
	w->found_bytes += (uint64_t)st->st_size;
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
progress(struct walker *w, int force)
{
	uint64_t t;

	if (w->o->progress == NULL)
		return;
	t = now_ms();
	if (!force && t - w->last_progress < 200)
		return;
	w->last_progress = t;
	w->o->progress(w->o->progress_arg,
	    __atomic_load_n(&w->stats->entries, __ATOMIC_RELAXED),
	    __atomic_load_n(&w->stats->bytes_hashed, __ATOMIC_RELAXED),
	    w->found_bytes);
}

static int
excluded(const struct walker *w, const char *real)
{
	const char *logical = real + w->prefix_len;

	for (int i = 0; i < w->o->nexcludes; i++)
		if (strcmp(logical, w->o->excludes[i]) == 0)
			return 1;
	for (int i = 0; i < w->o->nskip; i++)
		if (strcmp(real, w->o->skip_real[i]) == 0)
			return 1;
	return 0;
}

static int walk_entry(struct walker *w, int dirfd, const char *name,
    char *real, size_t len, int depth, unsigned long *subdirs,
    struct error *err);

/* Reads the directory open as fd (consumed) whose path is real[0..len). */
static int
walk_dir(struct walker *w, int fd, char *real, size_t len,
    const struct stat *dst, int depth, struct error *err)
{
	struct statfs sfs;
	unsigned long subdirs = 0;
	DIR *d;
	struct dirent *de;
	int rc = 0, ffd;

	w->stack[depth - 1].dev = dst->st_dev;
	w->stack[depth - 1].ino = dst->st_ino;
	if (fstatfs(fd, &sfs) < 0)
		sfs.f_type = 0;
	if (fs_is_pseudo((long)sfs.f_type)) {
		close(fd);
		return 0;
	}
	ffd = dup(fd);
	if (ffd < 0) {
		close(fd);
		return error_errno(err, "dup");
	}
	d = fdopendir(ffd);
	if (d == NULL) {
		close(ffd);
		close(fd);
		return error_errno(err, "fdopendir %s", real);
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = walk_entry(w, fd, de->d_name, real, len, depth, &subdirs,
		    err);
		if (rc < 0)
			break;
	}
	if (rc == 0 && de == NULL && errno != 0) {
		char msg[128];
		snprintf(msg, sizeof msg, "readdir: %s", strerror(errno));
		real[len] = '\0';
		snapdb_note_error(w->db, real + w->prefix_len, msg);
	} else if (rc == 0 && w->hidden &&
	    nlink_mismatch((long)sfs.f_type, dst->st_nlink, subdirs)) {
		char detail[128];
		const char *path;
		struct snap_val v[3];

		real[len] = '\0';
		path = real[w->prefix_len] ? real + w->prefix_len : "/";
		snprintf(detail, sizeof detail, "link count %lu but %lu "
		    "subdirectories (expected %lu)",
		    (unsigned long)dst->st_nlink, subdirs, subdirs + 2);
		v[0] = SVS("dir");
		v[1] = SVS(path);
		v[2] = SVS(detail);
		__atomic_add_fetch(&w->stats->hidden, 1, __ATOMIC_RELAXED);
		rc = snapdb_insert(w->db, SNAP_HIDDEN, v, 3, err);
	}
	closedir(d);
	close(fd);
	return rc;
}

static int
walk_entry(struct walker *w, int dirfd, const char *name, char *real,
    size_t len, int depth, unsigned long *subdirs, struct error *err)
{
	size_t nlen = strlen(name);
	struct stat st;
	char link[PATH_MAX + 1];
	const char *path;
	ssize_t ln;
	int fd;

	if (len + 1 + nlen >= PATH_MAX) {
		real[len] = '\0';
		snapdb_note_error(w->db, real + w->prefix_len,
		    "path too long, entry skipped");
		return 0;
	}
	if (len == 0 || real[len - 1] != '/')
		real[len++] = '/';
	memcpy(real + len, name, nlen + 1);
	path = real + w->prefix_len;
	progress(w, 0);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)	/* vanished: not an entry any more */
			snapdb_note_error(w->db, path, strerror(errno));
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		(*subdirs)++;
	if (excluded(w, real))
		return 0;
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		return enqueue(w, real, &st, err);
	case S_IFLNK:
		ln = readlinkat(dirfd, name, link, sizeof link - 1);
		if (ln < 0)
			ln = 0;
		link[ln] = '\0';
		return record(w, path, &st, link, NULL, NULL, NULL, err);
	case S_IFDIR:
		if (depth >= WALK_MAX_DEPTH)
			return record(w, path, &st, NULL, NULL, NULL,
			    "too deep, not descended", err);
		for (int i = 0; i < depth; i++)
			if (w->stack[i].dev == st.st_dev &&
			    w->stack[i].ino == st.st_ino)
				return record(w, path, &st, NULL, NULL, NULL,
				    "a loop (bind mount of an ancestor), not "
				    "descended", err);
		if (record(w, path, &st, NULL, NULL, NULL, NULL, err) < 0)
			return -1;
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC | O_NOATIME);
		if (fd < 0 && errno == EPERM)
			fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			snapdb_note_error(w->db, path, strerror(errno));
			return 0;
		}
		return walk_dir(w, fd, real, len + nlen, &st, depth + 1, err);
	default:	/* devices, FIFOs, sockets: lstat only */
		return record(w, path, &st, NULL, NULL, NULL, NULL, err);
	}
}

static int
walk_root(struct walker *w, const char *root, struct error *err)
{
	char *real = malloc(PATH_MAX + 2);
	struct stat st;
	size_t len;
	int fd, rc = 0;

	if (real == NULL)
		return error_set(err, "out of memory");
	len = (size_t)snprintf(real, PATH_MAX, "%s%s", w->o->root_dir, root);
	while (len > w->prefix_len + 1 && real[len - 1] == '/')
		real[--len] = '\0';
	if (lstat(real, &st) < 0) {
		snapdb_note_error(w->db, root, strerror(errno));
		free(real);
		return 0;
	}
	if (excluded(w, real)) {
		free(real);
		return 0;
	}
	{
		const char *path = real[w->prefix_len] ? real + w->prefix_len :
		    "/";
		if (S_ISREG(st.st_mode)) {
			rc = enqueue(w, real, &st, err);
		} else if (!S_ISDIR(st.st_mode)) {
			rc = record(w, path, &st, NULL, NULL, NULL, NULL, err);
		} else if ((rc = record(w, path, &st, NULL, NULL, NULL, NULL,
		    err)) == 0) {
			fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				snapdb_note_error(w->db, path, strerror(errno));
			else
				rc = walk_dir(w, fd, real, len, &st, 1, err);
		}
	}
	free(real);
	return rc;
}

int
walk_files(struct snapdb *db, const struct snap_options *o,
    struct snap_stats *stats, struct error *err)
{
	struct walker *w = calloc(1, sizeof *w);
	pthread_t th[WALK_MAX_THREADS];
	int n = o->threads, started = 0, rc = 0;

	if (w == NULL)
		return error_set(err, "out of memory");
	if (n <= 0)
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	if (n > WALK_MAX_THREADS)
		n = WALK_MAX_THREADS;
	w->db = db;
	w->o = o;
	w->stats = stats;
	w->prefix_len = strlen(o->root_dir);
	w->hidden = (o->collect & COLLECT_HIDDEN) != 0;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->not_empty, NULL);
	pthread_cond_init(&w->not_full, NULL);
	for (; started < n; started++)
		if (pthread_create(&th[started], NULL, worker, w) != 0)
			break;
	if (started == 0) {
		rc = error_set(err, "cannot start hashing threads");
		goto out;
	}
	for (int i = 0; i < o->nroots && rc == 0; i++)
		rc = walk_root(w, o->roots[i], err);
	pthread_mutex_lock(&w->lock);
	w->done = 1;
	pthread_cond_broadcast(&w->not_empty);
	pthread_mutex_unlock(&w->lock);
	while (1) {	/* keep the progress bar moving while hashing ends */
		pthread_mutex_lock(&w->lock);
		unsigned left = w->count;
		pthread_mutex_unlock(&w->lock);
		if (left == 0)
			break;
		progress(w, 0);
		usleep(50000);
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	progress(w, 1);
	if (rc == 0 && w->failed) {
		*err = w->werr;
		rc = -1;
	}
out:
	pthread_cond_destroy(&w->not_empty);
	pthread_cond_destroy(&w->not_full);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return rc;
}
