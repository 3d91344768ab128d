/* summary: tcpflow-style session files: one file per TCP direction, plus sessions.json. */
#include "capture/session_writer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/timefmt.h"

/*
 * Design.  tcpflow writes every segment with lseek+write as it comes;
 * here the stream engine hands over in-order chunks, which are mostly
 * contiguous, so each session gets a buffer and a run of chunks costs one
 * pwrite.  pwrite at the chunk's offset (rather than appending) keeps
 * tcpflow's file layout for gaps: a hole where data follows, nothing at
 * the end.
 *
 * Everything that touches the file system runs on I/O threads (io_threads;
 * default_threads()), fed through bounded queues (SW_QUEUE operations or
 * SW_QUEUE_BYTES each): creating the file (the O_EXCL probe for a
 * free c<count> name), pwrite, close, the file time, the sessions.json
 * lines.  The caller (the packet path; live, the gateway's) only copies
 * bytes into buffers (or records references) and queues them, so it
 * never waits for the disk unless the queues are full, and reading and
 * reassembling overlap with writing.  Why more than one: offline, the
 * kernel's copy into the page cache (and its page allocation) is about
 * three quarters of all the CPU time, more than one core can do in the
 * time the reading thread needs, so it is spread over the cores.
 *
 * Order.  A session's operations go to one thread while any of them is
 * queued or running (s->inflight), so they run in the order they were
 * asked for; when none is, the next one goes to the thread with the
 * fewest bytes waiting (sessions are very unequal: on the bench capture
 * eight of 608 carry most of the bytes, and a fixed session-to-thread
 * map left one thread with 62% of them).  Creating a file on the I/O
 * side (without create_inline) always goes to the thread its base name
 * hashes to, so the probes for one name run in order and c1, c2, ...
 * are given as tcpflow gives them.  The sessions.json lines are made by
 * whichever thread ends a session, numbered in the order the caller
 * ended them, and written in that order (a window of SW_INDEX_WINDOW
 * lines; the caller waits at its edge), so the index is the same
 * whatever the threads do.  The caller's side and the threads' side of a
 * session are separate fields; the name, which only the I/O side knows
 * (unless the caller created the file), is read by the caller after
 * op_drain() (session_file_name, session_writer_matches).
 *
 * Bounds: at most max_open sessions hold a buffer on the caller's side
 * (the least recently written one is queued out to make room), and at
 * most max_open files are open on the threads' side, in one list under
 * files_mu (the least recently written file no thread is writing is
 * closed, and reopened later): thousands of concurrent sessions work
 * within the fd limit.  A buffer changes hands with its write and comes
 * back to a pool: buffer memory is at most (max_open + threads *
 * (SW_QUEUE + 1)) * buffer bytes.  With no_thread the same operations
 * run inline.
 *
 * Referenced writes (session_file_write_ref): offline, the payload lies
 * in the mapped capture, which stays mapped until the writer is closed,
 * so copying it into a buffer only to copy it again into the page cache
 * was wasted work (18% of an `apiary tcpflow` run, reading the cold
 * mapping).  A session's pending run is then a list of iovecs instead of
 * a buffer: contiguous offsets, at most SW_IOV pieces or SW_REF_RUN bytes
 * (one piece may be longer), written with one pwritev.  A session holds
 * either kind of run, never both: switching kinds queues the pending run
 * first, and its operations run in order, so later bytes still overwrite
 * earlier ones as with copies.  The iovec arrays come from a second pool
 * with the same limit (max_open + threads * (SW_QUEUE + 1) arrays of
 * SW_IOV * 16 bytes: 12 MiB with the defaults and four threads), and a
 * session holding either kind counts towards the same max_open bound of
 * buffered sessions.  Referenced runs are long (1 MiB; copied ones are
 * `buffer`, 64 KiB) because they cost no memory and because a file
 * system with large folios (ext4 since Linux 6.16) sizes its page-cache
 * folios by the write: with 1 MiB runs instead of 64 KiB (and the
 * mapping's pages kept for the writers, pcap_source.c), the bench run
 * took 0.122 s median wall instead of 0.132 on a fresh ext4, 0.206 s of
 * CPU instead of 0.230 (10 alternating runs each), and 0.116 s instead
 * of 0.123 on a tmpfs, which allocates single pages.
 * Queues are bounded in bytes too (SW_QUEUE_BYTES), which keeps the
 * writers near the reader in the mapped capture.
 *
 * Measured (bench capture of 337 MB, 608 files, output on tmpfs, two
 * cores).  With one I/O thread, references alone were slower (0.198 s
 * against 0.178 s wall: the one I/O thread, already the longer of the
 * two, now copied from the cold mapping), and `balance` (copy a new run
 * while the I/O thread has SW_BEHIND operations waiting) only got back
 * to 0.177 s.  With two I/O threads, references, and the stream engine
 * keeping references too (it no longer reads the payload): the reading
 * thread takes ~52 ms of CPU, the two I/O threads ~150 ms together, and
 * the run 0.10-0.12 s wall (best of 5); `balance` there only moves
 * copying onto the reading thread (0.136 s against 0.127 s median), so
 * `apiary tcpflow` leaves it off.
 */

#define SESSION_NAME_MAX 160
#define SESSION_MAX_PROBES 100000	/* c1..cN names tried before giving up */
#define INDEX_FLUSH (256 * 1024)
#define SW_QUEUE 128			/* operations queued per I/O thread */
#define SW_IOV 1024			/* pieces of one referenced run (pwritev) */
#define SW_REF_RUN (1u << 20)		/* bytes of one referenced run, at most (one piece more) */
#define SW_QUEUE_BYTES (16u << 20)	/* bytes queued per I/O thread before the caller waits */
#define SW_BEHIND (SW_QUEUE / 2)	/* balance: copy while this many ops wait (per thread) */
#define SW_THREADS_MAX 8		/* I/O threads at most */
#define SW_INDEX_WINDOW 1024		/* index lines waiting for an earlier one, at most */
#define SW_BATCH_OPS 32			/* batch_wakeups: operations queued before a wake-up */
#define SW_BATCH_BYTES (1u << 20)	/* batch_wakeups: or bytes */

_Static_assert(SW_IOV <= IOV_MAX, "one pwritev per run");

struct session_file {
	/* caller's side */
	struct session_info info;	/* fixed at begin: read by both */
	char cid[48];
	uint8_t *buf;			/* a copied run, or */
	struct iovec *iov;		/* a referenced run (never both) */
	uint32_t iov_n;
	uint32_t buf_len;		/* the pending run: bytes, */
	uint64_t buf_off;		/* and its offset */
	uint64_t length;
	uint64_t last_ns;
	int truncated;
	int kept;			/* session_file_keep(): freed by release */
	int created;			/* create_inline: the caller tried to create it */
	int ended;
	unsigned name_shard;		/* the I/O thread that creates its file */
	unsigned shard;			/* the I/O thread of its queued operations */
	unsigned inflight;		/* operations queued or running (atomic) */
	struct session_file *bprev, *bnext;	/* holding a buffer, most recent first */
	struct session_file *prev, *next;	/* live (or kept) sessions */
	/* I/O threads' side (one at a time: the one running its operation) */
	char name[SESSION_NAME_MAX];	/* "" until the file exists */
	int failed;			/* could not create: data is dropped */
	/* under files_mu */
	int fd;				/* -1 when not open */
	int running;			/* an I/O thread writes it: not to be closed */
	struct session_file *fprev, *fnext;	/* open files, most recent first */
};

enum op_kind { OP_WRITE, OP_END, OP_FREE };

struct op {
	enum op_kind kind;
	struct session_file *s;
	uint8_t *buf;			/* OP_WRITE: a pool buffer, or */
	struct iovec *iov;		/* OP_WRITE: a pool iovec array */
	uint32_t iov_n;
	int fd;				/* OP_WRITE: a file the caller created, or -1 */
	uint32_t len;
	uint64_t off;
	struct session_counts counts;	/* OP_END */
	int have_counts;
	uint64_t seq;			/* OP_END: its place in sessions.json */
	uint64_t last_ns, length;
	int truncated;
};

/*
 * One I/O thread and its queue (under its own lock).  A session's
 * operations go to one thread while any of them is queued or running, so
 * they run in order; once none is, its next one goes to the thread with
 * the fewest bytes waiting.  An operation that creates a file on the I/O
 * side goes to the thread its base name hashes to, so the O_EXCL probes
 * for one name (c1, c2, ...) run in the order they were asked for.
 */
struct sw_shard {
	struct session_writer *w;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full, idle;
	struct op ring[SW_QUEUE];
	unsigned head, count;
	int busy, stop;
	unsigned pushers, drainers;	/* callers waiting for room, for idle */
	uint64_t pending;		/* bytes queued or being written (+1 KiB an op) */
	struct session_writer_stats st;	/* files, reopens, bytes, sessions: under mu */
};

/* An index line done out of order, waiting for the earlier ones. */
struct sw_line {
	struct buf text;
	int done;
};

struct session_writer {
	struct session_writer_config cfg;
	int dirfd;
	/* caller's side */
	struct session_file *all;
	struct session_file *bhead, *btail;
	uint32_t buffered;
	uint64_t clipped_bytes;
	uint64_t end_seq;		/* OP_ENDs queued so far */
	/* the index, under idx_mu (when threaded) */
	pthread_mutex_t idx_mu;
	pthread_cond_t idx_room;
	int index_fd;
	struct buf index;		/* lines in order, not yet written */
	struct sw_line *lines;		/* SW_INDEX_WINDOW, by seq */
	uint64_t idx_next;		/* seq of the next line for index */
	unsigned idx_waiting;
	/* I/O threads */
	unsigned nshards;
	struct sw_shard sh[SW_THREADS_MAX];
	/* the open files, shared by the I/O threads, under files_mu */
	pthread_mutex_t files_mu;
	struct session_file *fhead, *ftail;
	uint32_t open_count;
	/* shared, under mu (when threaded) */
	int threaded;
	pthread_mutex_t mu;
	pthread_cond_t buf_back;
	unsigned pool_waiting;
	struct sw_pool {
		void **items;
		unsigned nfree, allocated, limit;
		size_t size;
	} bufs, iovs;			/* buffers; iovec arrays */
	uint64_t write_errors;
	char error[512];
};

static void *io_thread(void *arg);
static void note_error(struct session_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
lock(struct session_writer *w)
{
	if (w->threaded)
		pthread_mutex_lock(&w->mu);
}

static void
unlock(struct session_writer *w)
{
	if (w->threaded)
		pthread_mutex_unlock(&w->mu);
}

void
session_writer_config_default(struct session_writer_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dir = ".";
	cfg->max_open = 256;
	cfg->buffer = 64 * 1024;
	cfg->set_mtime = 1;
}

static void
note_error(struct session_writer *w, const char *fmt, ...)
{
	va_list ap;

	lock(w);
	w->write_errors++;
	if (w->error[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof(w->error), fmt, ap);
		va_end(ap);
	}
	unlock(w);
}

const char *
session_writer_error(const struct session_writer *w)
{
	/* set once (the first error), complete before the lock is released;
	 * callers read it after op_drain() or the threads' end */
	return w->error[0] ? w->error : NULL;
}

static void
stats_add(struct session_writer_stats *t, const struct session_writer_stats *d)
{
	t->sessions += d->sessions;
	t->files += d->files;
	t->bytes += d->bytes;
	t->reopens += d->reopens;
	if (d->queue_peak > t->queue_peak)
		t->queue_peak = d->queue_peak;
}

void
session_writer_get_stats(const struct session_writer *w, struct session_writer_stats *st)
{
	struct session_writer *m = (struct session_writer *)w;	/* for the locks */

	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < w->nshards; i++) {
		struct sw_shard *sh = &m->sh[i];
		if (w->threaded)
			pthread_mutex_lock(&sh->mu);
		stats_add(st, &sh->st);
		if (w->threaded)
			pthread_mutex_unlock(&sh->mu);
	}
	lock(m);
	st->write_errors = w->write_errors;
	unlock(m);
	st->clipped_bytes = w->clipped_bytes;
	st->io_threads = w->threaded ? w->nshards : 0;
}

uint64_t
session_writer_reach(const struct session_writer *w)
{
	return w->threaded ? (uint64_t)w->nshards * (SW_QUEUE_BYTES + SW_REF_RUN + 1024) : 0;
}

/*
 * The I/O threads by default: one less than the CPUs this process may run
 * on, at least two and at most four, and one on a single CPU.  Offline,
 * the kernel's copy into the page cache is about three quarters of all
 * the CPU time: with two CPUs a second thread spreads it over both cores
 * (measured, docs/apiary-tcpflow.md); with more, the reading thread keeps
 * a core of its own.  At most four: writers share the page allocator's
 * locks (on two CPUs, two threads of copyfloor wrote 1.5 times as fast
 * as one, not twice), so more would mostly wait; an assumption, as only
 * two CPUs were there to measure on.
 */
static unsigned
default_threads(void)
{
	cpu_set_t set;
	long n = -1;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n < 1)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 2)
		return 1;
	return n - 1 < 2 ? 2 : n - 1 > 4 ? 4 : (unsigned)(n - 1);
}

static void stop_threads(struct session_writer *w);

struct session_writer *
session_writer_new(const struct session_writer_config *cfg, struct error *err)
{
	struct session_writer *w = calloc(1, sizeof(*w));
	unsigned n;

	if (w == NULL)
		return error_errno(err, "session writer"), NULL;
	w->cfg = *cfg;
	if (w->cfg.max_open == 0)
		w->cfg.max_open = 1;
	if (w->cfg.buffer < 4096)
		w->cfg.buffer = 4096;
	n = w->cfg.io_threads != 0 ? w->cfg.io_threads : default_threads();
	if (n > SW_THREADS_MAX)
		n = SW_THREADS_MAX;
	if (n > w->cfg.max_open)
		n = w->cfg.max_open;	/* each thread writes one open file at least */
	w->nshards = n;
	for (unsigned i = 0; i < n; i++)
		w->sh[i].w = w;
	w->index_fd = -1;
	w->dirfd = -1;
	buf_init(&w->index, 0);
	if (mkdir(cfg->dir, 0755) < 0 && errno != EEXIST) {
		error_errno(err, "%s", cfg->dir);
		goto fail;
	}
	w->dirfd = open(cfg->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0) {
		error_errno(err, "%s", cfg->dir);
		goto fail;
	}
	if (!cfg->no_index) {
		w->index_fd = openat(w->dirfd, "sessions.json",
		    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (w->index_fd < 0) {
			error_errno(err, "%s/sessions.json", cfg->dir);
			goto fail;
		}
		w->lines = calloc(SW_INDEX_WINDOW, sizeof(*w->lines));
		if (w->lines == NULL) {
			error_errno(err, "session writer");
			goto fail;
		}
	}
	/* a run is held by a session (max_open), queued, or being written */
	w->bufs.limit = w->iovs.limit = w->cfg.max_open + n * (SW_QUEUE + 1);
	w->bufs.size = w->cfg.buffer;
	w->iovs.size = SW_IOV * sizeof(struct iovec);
	w->bufs.items = calloc(w->bufs.limit, sizeof(void *));
	w->iovs.items = calloc(w->iovs.limit, sizeof(void *));
	if (w->bufs.items == NULL || w->iovs.items == NULL) {
		error_errno(err, "session writer");
		goto fail;
	}
	if (!cfg->no_thread) {
		pthread_mutex_init(&w->mu, NULL);
		pthread_cond_init(&w->buf_back, NULL);
		pthread_mutex_init(&w->idx_mu, NULL);
		pthread_cond_init(&w->idx_room, NULL);
		pthread_mutex_init(&w->files_mu, NULL);
		for (unsigned i = 0; i < n; i++) {
			struct sw_shard *sh = &w->sh[i];
			pthread_mutex_init(&sh->mu, NULL);
			pthread_cond_init(&sh->not_empty, NULL);
			pthread_cond_init(&sh->not_full, NULL);
			pthread_cond_init(&sh->idle, NULL);
		}
		w->threaded = 1;
		for (unsigned i = 0; i < n; i++) {
			int e = pthread_create(&w->sh[i].thread, NULL, io_thread, &w->sh[i]);
			if (e != 0) {
				errno = e;
				error_errno(err, "session writer: thread");
				stop_threads(w);
				goto fail;
			}
			w->sh[i].started = 1;
		}
	}
	return w;
fail:
	free(w->bufs.items);
	free(w->iovs.items);
	free(w->lines);
	if (w->index_fd >= 0)
		close(w->index_fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w);
	return NULL;
}

/* ---- wake-ups ------------------------------------------------------------- */

/*
 * With batch_wakeups, op_push() wakes an idle I/O thread only once
 * SW_BATCH_OPS operations or SW_BATCH_BYTES are queued for it: at the end
 * of an offline run hundreds of small sessions end one after the other,
 * and waking a thread for each (it runs on the caller's core, preempts
 * it, closes one file, sleeps) cost two context switches per session.
 * Whatever the caller is about to wait for may then sit in a queue whose
 * thread sleeps, so every wait on the caller's side wakes the threads
 * first (kick_all, or kick for the shard whose lock it holds).  A thread
 * with work never sleeps (io_thread waits only on an empty queue).
 */
static void
kick(struct sw_shard *sh)
{
	if (sh->count > 0)
		pthread_cond_signal(&sh->not_empty);
}

static void
kick_all(struct session_writer *w)
{
	if (!w->threaded || !w->cfg.batch_wakeups)
		return;
	for (unsigned i = 0; i < w->nshards; i++) {
		pthread_mutex_lock(&w->sh[i].mu);
		kick(&w->sh[i]);
		pthread_mutex_unlock(&w->sh[i].mu);
	}
}

/* ---- buffers -------------------------------------------------------------- */

static void
pool_put(struct session_writer *w, struct sw_pool *p, void *b)
{
	if (b == NULL)
		return;
	lock(w);
	p->items[p->nfree++] = b;
	if (w->pool_waiting)
		pthread_cond_signal(&w->buf_back);	/* only the caller waits */
	unlock(w);
}

/* A buffer or iovec array: from the pool, new while under the limit, else wait for one. */
static void *
pool_get(struct session_writer *w, struct sw_pool *p)
{
	void *b = NULL;
	int fresh = 0;

	lock(w);
	if (w->threaded && p->nfree == 0 && p->allocated >= p->limit) {
		unlock(w);		/* (kick_all takes the shards' locks) */
		kick_all(w);
		lock(w);
	}
	while (w->threaded && p->nfree == 0 && p->allocated >= p->limit) {
		w->pool_waiting++;
		pthread_cond_wait(&w->buf_back, &w->mu);
		w->pool_waiting--;
	}
	if (p->nfree > 0)
		b = p->items[--p->nfree];
	else if (p->allocated < p->limit) {
		p->allocated++;
		fresh = 1;
	}
	unlock(w);
	if (fresh && (b = malloc(p->size)) == NULL) {
		lock(w);
		p->allocated--;
		unlock(w);
	}
	return b;
}

static void
pool_free(struct sw_pool *p)
{
	for (unsigned i = 0; i < p->nfree; i++)
		free(p->items[i]);
	free(p->items);
}

/* ---- the I/O threads' side ------------------------------------------------ */

static int
write_all(int fd, const uint8_t *p, size_t n, off_t off, int append)
{
	while (n > 0) {
		ssize_t k = append ? write(fd, p, n) : pwrite(fd, p, n, off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
		off += k;
	}
	return 0;
}

/* pwritev of all of iov (modified on a short write) at off. */
static int
writev_all(int fd, struct iovec *iov, int n, off_t off)
{
	while (n > 0) {
		ssize_t k = pwritev(fd, iov, n, off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += k;
		while (n > 0 && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	return 0;
}

static void
idx_lock(struct session_writer *w)
{
	if (w->threaded)
		pthread_mutex_lock(&w->idx_mu);
}

static void
idx_unlock(struct session_writer *w)
{
	if (w->threaded)
		pthread_mutex_unlock(&w->idx_mu);
}

/* Writes the lines gathered so far (under idx_mu). */
static void
index_write(struct session_writer *w)
{
	if (w->index_fd < 0 || w->index.len == 0)
		return;
	if (write_all(w->index_fd, w->index.data, w->index.len, 0, 1) < 0)
		note_error(w, "%s/sessions.json: %s", w->cfg.dir, strerror(errno));
	buf_reset(&w->index);
}

/*
 * The OP_END numbered seq is done, with its line (NULL: the session had
 * no file).  Lines go to the index in seq order, the order the sessions
 * ended on the caller's side, whichever thread finishes first.
 */
static void
index_done(struct session_writer *w, uint64_t seq, struct buf *line)
{
	struct sw_line *l;

	idx_lock(w);
	l = &w->lines[seq % SW_INDEX_WINDOW];
	if (line != NULL)
		l->text = *line;	/* taken over */
	l->done = 1;
	while ((l = &w->lines[w->idx_next % SW_INDEX_WINDOW])->done) {
		if (l->text.len > 0 && buf_append(&w->index, l->text.data, l->text.len) < 0)
			note_error(w, "%s/sessions.json: %s", w->cfg.dir, strerror(ENOMEM));
		buf_free(&l->text);
		l->done = 0;
		w->idx_next++;
	}
	if (w->index.len >= INDEX_FLUSH)
		index_write(w);
	if (w->idx_waiting)
		pthread_cond_signal(&w->idx_room);
	idx_unlock(w);
}

/* A number for the next OP_END, once its line fits in the window. */
static uint64_t
index_seq(struct session_writer *w)
{
	uint64_t seq;

	idx_lock(w);
	if (w->threaded && w->end_seq - w->idx_next >= SW_INDEX_WINDOW) {
		idx_unlock(w);
		kick_all(w);
		idx_lock(w);
	}
	while (w->threaded && w->end_seq - w->idx_next >= SW_INDEX_WINDOW) {
		w->idx_waiting++;
		pthread_cond_wait(&w->idx_room, &w->idx_mu);
		w->idx_waiting--;
	}
	seq = w->end_seq++;
	idx_unlock(w);
	return seq;
}

static void
files_lock(struct session_writer *w)
{
	if (w->threaded)
		pthread_mutex_lock(&w->files_mu);
}

static void
files_unlock(struct session_writer *w)
{
	if (w->threaded)
		pthread_mutex_unlock(&w->files_mu);
}

/* The open-file list (under files_mu). */
static void
f_unlink(struct session_writer *w, struct session_file *s)
{
	if (s->fprev)
		s->fprev->fnext = s->fnext;
	else
		w->fhead = s->fnext;
	if (s->fnext)
		s->fnext->fprev = s->fprev;
	else
		w->ftail = s->fprev;
	s->fprev = s->fnext = NULL;
}

static void
f_push(struct session_writer *w, struct session_file *s)
{
	s->fprev = NULL;
	s->fnext = w->fhead;
	if (w->fhead)
		w->fhead->fprev = s;
	w->fhead = s;
	if (w->ftail == NULL)
		w->ftail = s;
}

/* Closes s's file (under files_mu). */
static void
file_close(struct session_writer *w, struct session_file *s)
{
	if (s->fd < 0)
		return;
	if (close(s->fd) < 0)
		note_error(w, "%s/%s: close: %s", w->cfg.dir, s->name, strerror(errno));
	s->fd = -1;
	f_unlink(w, s);
	w->open_count--;
}

/* Closes the least recently written file no thread is writing (under files_mu). */
static int
evict_one(struct session_writer *w)
{
	struct session_file *s = w->ftail;

	while (s != NULL && s->running)
		s = s->fprev;
	if (s == NULL)
		return -1;
	file_close(w, s);
	return 0;
}

/* Room for one more open file, counted as open (under files_mu). */
static void
file_reserve(struct session_writer *w)
{
	while (w->open_count >= w->cfg.max_open && evict_one(w) == 0)
		;
	w->open_count++;
}

/*
 * Creates s's file under the first free name (s->name), O_EXCL so that a
 * name already taken moves on to c1, c2, ...  The fd, or -1 with errno
 * (s->name then says which name failed).  With evict (an I/O thread's
 * side only), a full descriptor table closes the least recently written
 * file and tries again.
 */
static int
file_create(struct session_writer *w, struct session_file *s, int evict)
{
	char base[SESSION_NAME_MAX - 16];
	int fd = -1;

	session_file_base_name(&s->info, base, sizeof(base));
	for (uint32_t c = 0;; c++) {
		if (c == SESSION_MAX_PROBES) {
			errno = EEXIST;
			return -1;
		}
		if (c == 0)
			snprintf(s->name, sizeof(s->name), "%s", base);
		else
			snprintf(s->name, sizeof(s->name), "%sc%u", base, c);
		fd = openat(w->dirfd, s->name,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0)
			return fd;
		if (evict && (errno == EMFILE || errno == ENFILE)) {
			int e = errno, freed;

			files_lock(w);
			freed = evict_one(w) == 0;
			files_unlock(w);
			if (freed) {
				c--;
				continue;
			}
			errno = e;
		}
		if (errno != EEXIST)
			return -1;
	}
}

/*
 * Opens s's file (s is running: nobody closes it): creates it under the
 * first free name, or reopens it.  Its slot in max_open is taken first.
 */
static int
file_open(struct session_writer *w, struct session_file *s, struct session_writer_stats *d)
{
	int fd;
	int created = 0;

	files_lock(w);
	file_reserve(w);
	files_unlock(w);
	if (s->name[0] == '\0') {
		fd = file_create(w, s, 1);
		if (fd < 0) {
			note_error(w, "%s/%s: %s", w->cfg.dir, s->name, strerror(errno));
			s->name[0] = '\0';
			s->failed = 1;
		}
		created = 1;
	} else {
		for (;;) {
			fd = openat(w->dirfd, s->name, O_WRONLY | O_CLOEXEC);
			if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
				int freed;

				files_lock(w);
				freed = evict_one(w) == 0;
				files_unlock(w);
				if (freed)
					continue;
			}
			break;
		}
		if (fd < 0)
			note_error(w, "%s/%s: %s", w->cfg.dir, s->name, strerror(errno));
	}
	files_lock(w);
	if (fd < 0) {
		w->open_count--;
	} else {
		s->fd = fd;
		f_push(w, s);
	}
	files_unlock(w);
	if (fd < 0)
		return -1;
	if (created)
		d->files++;
	else
		d->reopens++;
	return 0;
}

/* s's index line into line (a fresh buffer). */
static void
index_line(struct session_file *s, const struct op *o, struct buf *line)
{
	struct json j;
	char t[TIMEFMT_LEN], ip[ADDR_STRLEN];
	const struct session_counts *c = o->have_counts ? &o->counts : NULL;

	json_init(&j, line);
	json_object_begin(&j);
	json_kv_str(&j, "file", s->name);
	json_kv_uint(&j, "flow_id", s->info.flow_id);
	if (s->cid[0])
		json_kv_str(&j, "community_id", s->cid);
	json_kv_str(&j, "direction", s->info.toclient ? "toclient" : "toserver");
	json_kv_str(&j, "src_ip", addr_str(&s->info.src, ip));
	json_kv_uint(&j, "src_port", s->info.sport);
	json_kv_str(&j, "dest_ip", addr_str(&s->info.dst, ip));
	json_kv_uint(&j, "dest_port", s->info.dport);
	if (s->info.vlan >= 0)
		json_kv_int(&j, "vlan", s->info.vlan);
	timefmt_eve(s->info.first_ns, t);
	json_kv_str(&j, "first", t);
	timefmt_eve(o->last_ns, t);
	json_kv_str(&j, "last", t);
	json_kv_uint(&j, "bytes", o->length);
	json_kv_uint(&j, "gaps", c ? c->gaps : 0);
	json_kv_uint(&j, "gap_bytes", c ? c->gap_bytes : 0);
	json_kv_uint(&j, "out_of_order", c ? c->out_of_order : 0);
	json_kv_uint(&j, "overlap_bytes", c ? c->overlap_bytes : 0);
	json_kv_uint(&j, "conflict_bytes", c ? c->conflict_bytes : 0);
	json_kv_bool(&j, "truncated", o->truncated);
	json_object_end(&j);
	buf_append_byte(line, '\n');
}

/* Runs one operation on an I/O thread (or inline); counts go to d. */
static void
op_run(struct session_writer *w, struct op *o, struct session_writer_stats *d)
{
	struct session_file *s = o->s;

	switch (o->kind) {
	case OP_WRITE: {
		int fd;

		files_lock(w);
		s->running = 1;		/* from here on no other thread closes it */
		if (o->fd >= 0) {	/* the caller created it */
			file_reserve(w);
			s->fd = o->fd;
			f_push(w, s);
			d->files++;
		} else if (s->fd >= 0 && w->fhead != s) {
			f_unlink(w, s);
			f_push(w, s);
		}
		fd = s->fd;
		files_unlock(w);
		if (fd < 0 && !s->failed && file_open(w, s, d) == 0)
			fd = s->fd;
		if (fd >= 0) {
			int rc = o->iov != NULL ?
			    writev_all(fd, o->iov, (int)o->iov_n, (off_t)o->off) :
			    write_all(fd, o->buf, o->len, (off_t)o->off, 0);
			if (rc < 0)
				note_error(w, "%s/%s: %s", w->cfg.dir, s->name, strerror(errno));
			else
				d->bytes += o->len;
		}
		files_lock(w);
		s->running = 0;
		files_unlock(w);
		pool_put(w, &w->bufs, o->buf);
		pool_put(w, &w->iovs, o->iov);
		break;
	}
	case OP_END: {
		struct buf line;
		int have_line = 0;

		files_lock(w);
		file_close(w, s);
		files_unlock(w);
		if (s->name[0] != '\0') {
			if (w->cfg.set_mtime) {
				/* as tcpflow: access and modification time = first packet, in µs */
				struct timespec ts[2];
				ts[0].tv_sec = (time_t)(s->info.first_ns / NSEC_PER_SEC);
				ts[0].tv_nsec = (long)(s->info.first_ns % NSEC_PER_SEC / 1000 * 1000);
				ts[1] = ts[0];
				(void)utimensat(w->dirfd, s->name, ts, 0);
			}
			d->sessions++;
			if (w->index_fd >= 0) {
				buf_init(&line, 0);
				index_line(s, o, &line);
				have_line = 1;
			}
		}
		if (w->index_fd >= 0)
			index_done(w, o->seq, have_line ? &line : NULL);
		if (!s->kept) {
			free(s);
			return;
		}
		break;
	}
	case OP_FREE:
		free(s);
		return;
	}
	/* s's next operation may go to any thread once this is 0 */
	__atomic_sub_fetch(&s->inflight, 1, __ATOMIC_RELEASE);
}

/* What an operation weighs in a queue, to choose the least busy thread. */
static uint64_t
op_weight(const struct op *o)
{
	return (uint64_t)o->len + 1024;
}

/*
 * No room in sh's queue (under its mu): SW_QUEUE operations, or
 * SW_QUEUE_BYTES of them.  The byte bound matters for referenced runs,
 * which hold no buffer: it keeps the writers within a few tens of MB of
 * the reader, so the mapped capture behind it can be dropped
 * (pcap_source_keep_mapped's lag, session_writer_reach()) without the writers faulting its
 * pages back in.
 */
static int
shard_full(const struct sw_shard *sh)
{
	return sh->count == SW_QUEUE || (sh->count > 0 && sh->pending >= SW_QUEUE_BYTES);
}

static void *
io_thread(void *arg)
{
	struct sw_shard *sh = arg;
	struct op o;

	pthread_mutex_lock(&sh->mu);
	for (;;) {
		while (sh->count == 0 && !sh->stop)
			pthread_cond_wait(&sh->not_empty, &sh->mu);
		if (sh->count == 0)
			break;
		o = sh->ring[sh->head];
		sh->head = (sh->head + 1) % SW_QUEUE;
		sh->count--;
		sh->busy = 1;
		pthread_mutex_unlock(&sh->mu);
		struct session_writer_stats d = { 0 };
		uint64_t weight = op_weight(&o);
		op_run(sh->w, &o, &d);
		pthread_mutex_lock(&sh->mu);
		__atomic_store_n(&sh->pending, sh->pending - weight, __ATOMIC_RELAXED);
		/* a caller waiting for room is woken once half the queue is
		 * free, not for every slot: fewer switches when writing is
		 * the slower side (an empty queue always has room) */
		if (sh->pushers && sh->count <= SW_QUEUE / 2 &&
		    sh->pending <= SW_QUEUE_BYTES / 2)
			pthread_cond_signal(&sh->not_full);
		stats_add(&sh->st, &d);
		sh->busy = 0;
		if (sh->count == 0 && sh->drainers)
			pthread_cond_broadcast(&sh->idle);
	}
	pthread_mutex_unlock(&sh->mu);
	return NULL;
}

/* Ends the I/O threads once their queues are done. */
static void
stop_threads(struct session_writer *w)
{
	if (!w->threaded)
		return;
	for (unsigned i = 0; i < w->nshards; i++) {
		struct sw_shard *sh = &w->sh[i];
		pthread_mutex_lock(&sh->mu);
		sh->stop = 1;
		pthread_cond_signal(&sh->not_empty);
		pthread_mutex_unlock(&sh->mu);
	}
	for (unsigned i = 0; i < w->nshards; i++) {
		struct sw_shard *sh = &w->sh[i];
		if (sh->started)
			pthread_join(sh->thread, NULL);
		sh->started = 0;
		pthread_mutex_destroy(&sh->mu);
		pthread_cond_destroy(&sh->not_empty);
		pthread_cond_destroy(&sh->not_full);
		pthread_cond_destroy(&sh->idle);
	}
	w->threaded = 0;
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->buf_back);
	pthread_mutex_destroy(&w->idx_mu);
	pthread_cond_destroy(&w->idx_room);
	pthread_mutex_destroy(&w->files_mu);
}

/* ---- the caller's side ---------------------------------------------------- */

/*
 * The thread for o: its session's while an earlier operation of it is
 * queued or running (order); for a file the I/O side creates, its name's
 * (names in order); else the one with the fewest bytes waiting.
 */
static struct sw_shard *
op_route(struct session_writer *w, const struct op *o)
{
	struct session_file *s = o->s;
	unsigned best = 0;
	uint64_t least = UINT64_MAX;

	if (__atomic_load_n(&s->inflight, __ATOMIC_ACQUIRE) > 0)
		return &w->sh[s->shard];
	if (o->kind == OP_WRITE && o->fd < 0 && s->name[0] == '\0' && !s->failed)
		best = s->name_shard;
	else
		for (unsigned i = 0; i < w->nshards; i++) {
			uint64_t p = __atomic_load_n(&w->sh[i].pending, __ATOMIC_RELAXED);
			if (p < least) {
				least = p;
				best = i;
			}
		}
	s->shard = best;
	return &w->sh[best];
}

/* Queues o on an I/O thread, or runs it now without threads. */
static void
op_push(struct session_writer *w, const struct op *o)
{
	struct sw_shard *sh;

	if (!w->threaded) {
		struct op copy = *o;
		o->s->inflight++;
		op_run(w, &copy, &w->sh[0].st);
		return;
	}
	sh = op_route(w, o);
	__atomic_add_fetch(&o->s->inflight, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&sh->mu);
	while (shard_full(sh)) {
		kick(sh);
		sh->pushers++;
		pthread_cond_wait(&sh->not_full, &sh->mu);
		sh->pushers--;
	}
	sh->ring[(sh->head + sh->count) % SW_QUEUE] = *o;
	sh->count++;
	__atomic_store_n(&sh->pending, sh->pending + op_weight(o), __ATOMIC_RELAXED);
	if (sh->pending > sh->st.queue_peak)
		sh->st.queue_peak = sh->pending;
	/* no system call unless it sleeps */
	if (!w->cfg.batch_wakeups || sh->count >= SW_BATCH_OPS || sh->pending >= SW_BATCH_BYTES)
		pthread_cond_signal(&sh->not_empty);
	pthread_mutex_unlock(&sh->mu);
}

/* Waits until every operation queued on sh is done. */
static void
shard_drain(struct session_writer *w, struct sw_shard *sh)
{
	if (!w->threaded)
		return;
	pthread_mutex_lock(&sh->mu);
	kick(sh);
	while (sh->count > 0 || sh->busy) {
		sh->drainers++;
		pthread_cond_wait(&sh->idle, &sh->mu);
		sh->drainers--;
	}
	pthread_mutex_unlock(&sh->mu);
}

/* Waits until every queued operation is done. */
static void
op_drain(struct session_writer *w)
{
	for (unsigned i = 0; i < w->nshards; i++)
		shard_drain(w, &w->sh[i]);
}

static void
b_unlink(struct session_writer *w, struct session_file *s)
{
	if (s->bprev)
		s->bprev->bnext = s->bnext;
	else
		w->bhead = s->bnext;
	if (s->bnext)
		s->bnext->bprev = s->bprev;
	else
		w->btail = s->bprev;
	s->bprev = s->bnext = NULL;
}

static void
b_push(struct session_writer *w, struct session_file *s)
{
	s->bprev = NULL;
	s->bnext = w->bhead;
	if (w->bhead)
		w->bhead->bprev = s;
	w->bhead = s;
	if (w->btail == NULL)
		w->btail = s;
}

/* Hands s's pending run (copied or referenced) to the I/O side; s holds none after. */
static void
buffer_out(struct session_writer *w, struct session_file *s)
{
	if (s->buf == NULL && s->iov == NULL)
		return;
	b_unlink(w, s);
	w->buffered--;
	if (s->buf_len == 0) {
		pool_put(w, &w->bufs, s->buf);
		pool_put(w, &w->iovs, s->iov);
	} else {
		struct op o = {
			.kind = OP_WRITE, .s = s, .buf = s->buf, .iov = s->iov,
			.iov_n = s->iov_n, .len = s->buf_len, .off = s->buf_off,
			.fd = -1,
		};
		if (w->cfg.create_inline && !s->created) {
			/* the caller creates the file: the name is final before
			 * any later operation is queued, so names stay in order */
			s->created = 1;
			o.fd = file_create(w, s, 0);
			if (o.fd < 0 && errno != EMFILE && errno != ENFILE) {
				note_error(w, "%s/%s: %s", w->cfg.dir, s->name,
				    strerror(errno));
				s->failed = 1;
			}
			if (o.fd < 0)
				s->name[0] = '\0';	/* the I/O thread tries (or drops) */
		}
		op_push(w, &o);
	}
	s->buf = NULL;
	s->iov = NULL;
	s->iov_n = 0;
	s->buf_len = 0;
}

/*
 * Gives s a buffer (ref 0) or an iovec array (ref 1), queuing out the
 * least recently written session's run at the bound.
 */
static int
buffer_in(struct session_writer *w, struct session_file *s, int ref)
{
	void *b;

	while (w->buffered >= w->cfg.max_open && w->btail != NULL)
		buffer_out(w, w->btail);
	b = pool_get(w, ref ? &w->iovs : &w->bufs);
	if (b == NULL) {
		note_error(w, "session buffer: %s", strerror(ENOMEM));
		return -1;
	}
	if (ref)
		s->iov = b;
	else
		s->buf = b;
	s->iov_n = 0;
	s->buf_len = 0;
	b_push(w, s);
	w->buffered++;
	return 0;
}

void
session_file_base_name(const struct session_info *info, char *out, size_t outlen)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	char vlan[16] = "";

	if (info->src.family == 4) {
		const uint8_t *x = info->src.b, *y = info->dst.b;
		snprintf(a, sizeof(a), "%03u.%03u.%03u.%03u", x[0], x[1], x[2], x[3]);
		snprintf(b, sizeof(b), "%03u.%03u.%03u.%03u", y[0], y[1], y[2], y[3]);
	} else {
		if (inet_ntop(AF_INET6, info->src.b, a, sizeof(a)) == NULL)
			strcpy(a, "?");
		if (inet_ntop(AF_INET6, info->dst.b, b, sizeof(b)) == NULL)
			strcpy(b, "?");
	}
	if (info->vlan >= 0)
		snprintf(vlan, sizeof(vlan), "--%d", info->vlan);
	snprintf(out, outlen, "%s.%05u-%s.%05u%s", a, info->sport, b, info->dport, vlan);
}

/*
 * The I/O thread of a session: a hash (FNV-1a) of what its base name is
 * made of -- equal names, equal threads, so a name's c<count> suffixes
 * are probed on one thread in order.
 */
static unsigned
shard_of(const struct session_writer *w, const struct session_info *info)
{
	uint32_t h = 2166136261u;
	uint8_t key[2 * 17 + 8];
	size_t n = 0;

	if (w->nshards <= 1)
		return 0;
	key[n++] = info->src.family;
	memcpy(key + n, info->src.b, 16);
	n += 16;
	key[n++] = info->dst.family;
	memcpy(key + n, info->dst.b, 16);
	n += 16;
	key[n++] = (uint8_t)(info->sport >> 8);
	key[n++] = (uint8_t)info->sport;
	key[n++] = (uint8_t)(info->dport >> 8);
	key[n++] = (uint8_t)info->dport;
	key[n++] = (uint8_t)((uint32_t)info->vlan >> 24);
	key[n++] = (uint8_t)((uint32_t)info->vlan >> 16);
	key[n++] = (uint8_t)((uint32_t)info->vlan >> 8);
	key[n++] = (uint8_t)info->vlan;
	for (size_t i = 0; i < n; i++)
		h = (h ^ key[i]) * 16777619u;
	return (h ^ (h >> 16)) % w->nshards;
}

struct session_file *
session_file_begin(struct session_writer *w, const struct session_info *info)
{
	struct session_file *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->info = *info;
	if (info->community_id != NULL)
		snprintf(s->cid, sizeof(s->cid), "%s", info->community_id);
	s->info.community_id = NULL;
	s->fd = -1;
	s->name_shard = shard_of(w, info);
	s->last_ns = info->first_ns;
	s->next = w->all;
	if (w->all)
		w->all->prev = s;
	w->all = s;
	return s;
}

/* What is kept of a write at offset (max_bytes); 0: nothing. */
static uint32_t
write_prologue(struct session_writer *w, struct session_file *s, uint64_t offset,
    uint32_t len, uint64_t ts_ns)
{
	uint64_t max = w->cfg.max_bytes;

	if (s->ended)
		return 0;
	if (ts_ns > s->last_ns)
		s->last_ns = ts_ns;
	if (max != 0) {
		if (offset >= max) {
			w->clipped_bytes += len;
			s->truncated = 1;
			return 0;
		}
		if (max - offset < len) {
			w->clipped_bytes += len - (max - offset);
			s->truncated = 1;
			len = (uint32_t)(max - offset);
		}
	}
	if (len > 0 && offset + len > s->length)
		s->length = offset + len;
	return len;
}

static void
lru_touch(struct session_writer *w, struct session_file *s)
{
	if (w->bhead != s) {
		b_unlink(w, s);
		b_push(w, s);
	}
}

static int copy_append(struct session_writer *w, struct session_file *s,
    uint64_t offset, const uint8_t *data, uint32_t len);
static void copy_run(struct session_writer *w, struct session_file *s,
    uint64_t offset, const uint8_t *data, uint32_t len);

/* Are the I/O threads behind (half their queues waiting)?  Asked once per run. */
static int
io_behind(struct session_writer *w)
{
	unsigned waiting = 0;
	uint64_t bytes = 0;

	if (!w->threaded)
		return 0;
	for (unsigned i = 0; i < w->nshards; i++) {
		pthread_mutex_lock(&w->sh[i].mu);
		waiting += w->sh[i].count;
		bytes += w->sh[i].pending;
		pthread_mutex_unlock(&w->sh[i].mu);
	}
	/* half the queues, by count or (long referenced runs) by bytes */
	return waiting >= SW_BEHIND * w->nshards ||
	    bytes >= (uint64_t)SW_QUEUE_BYTES / 2 * w->nshards;
}

void
session_file_write_ref(struct session_writer *w, struct session_file *s, uint64_t offset,
    const uint8_t *data, uint32_t len, uint64_t ts_ns)
{
	len = write_prologue(w, s, offset, len, ts_ns);
	if (len == 0)
		return;
	if (s->buf != NULL) {
		/* a copied run (the I/O thread was behind) goes on as one */
		if (copy_append(w, s, offset, data, len))
			return;
		buffer_out(w, s);	/* it goes first: order */
	}
	if (s->iov != NULL && s->iov_n > 0 && offset == s->buf_off + s->buf_len &&
	    (uint64_t)s->buf_len + len <= SW_REF_RUN) {
		struct iovec *last = &s->iov[s->iov_n - 1];

		if ((const uint8_t *)last->iov_base + last->iov_len == data) {
			last->iov_len += len;	/* adjacent in memory too */
		} else if (s->iov_n < SW_IOV) {
			s->iov[s->iov_n].iov_base = (void *)(uintptr_t)data;
			s->iov[s->iov_n].iov_len = len;
			s->iov_n++;
		} else {
			goto new_run;
		}
		s->buf_len += len;
		lru_touch(w, s);
		return;
	}
new_run:
	if (s->iov != NULL)
		buffer_out(w, s);
	if (w->cfg.balance && io_behind(w)) {
		copy_run(w, s, offset, data, len);
		return;
	}
	if (buffer_in(w, s, 1) < 0)
		return;
	s->iov[0].iov_base = (void *)(uintptr_t)data;
	s->iov[0].iov_len = len;
	s->iov_n = 1;
	s->buf_off = offset;
	s->buf_len = len;
}

void
session_file_write(struct session_writer *w, struct session_file *s, uint64_t offset,
    const uint8_t *data, uint32_t len, uint64_t ts_ns)
{
	len = write_prologue(w, s, offset, len, ts_ns);
	if (len == 0)
		return;
	if (s->iov != NULL)
		buffer_out(w, s);	/* a referenced run goes first: order */
	if (copy_append(w, s, offset, data, len))
		return;
	copy_run(w, s, offset, data, len);
}

/* Appends to s's copied run if it continues it and fits: 1, else 0. */
static int
copy_append(struct session_writer *w, struct session_file *s, uint64_t offset,
    const uint8_t *data, uint32_t len)
{
	if (s->buf != NULL && s->buf_len > 0 && offset == s->buf_off + s->buf_len &&
	    (uint64_t)s->buf_len + len <= w->cfg.buffer) {
		memcpy(s->buf + s->buf_len, data, len);
		s->buf_len += len;
		lru_touch(w, s);
		return 1;
	}
	return 0;
}

/* Starts a copied run (s holds no referenced run). */
static void
copy_run(struct session_writer *w, struct session_file *s, uint64_t offset,
    const uint8_t *data, uint32_t len)
{
	/* a new run: in buffer-sized pieces (the bytes must outlive the packet) */
	for (uint32_t done = 0; done < len;) {
		uint32_t n = len - done < w->cfg.buffer ? len - done : w->cfg.buffer;
		if (s->buf != NULL && s->buf_len > 0)
			buffer_out(w, s);
		if (s->buf == NULL && buffer_in(w, s, 0) < 0)
			return;
		lru_touch(w, s);
		memcpy(s->buf, data + done, n);
		s->buf_len = n;
		s->buf_off = offset + done;
		done += n;
	}
}

uint64_t
session_file_length(const struct session_file *s)
{
	return s->length;
}

const char *
session_file_name(struct session_writer *w, struct session_file *s)
{
	buffer_out(w, s);	/* the file exists once its first bytes are written */
	op_drain(w);
	return s->name;
}

void
session_file_keep(struct session_file *s)
{
	s->kept = 1;
}

void
session_file_end(struct session_writer *w, struct session_file *s,
    const struct session_counts *counts, uint64_t last_ns)
{
	if (s->ended)
		return;
	if (last_ns > s->last_ns)
		s->last_ns = last_ns;
	buffer_out(w, s);
	s->ended = 1;
	struct op o = {
		.kind = OP_END, .s = s, .have_counts = counts != NULL,
		.last_ns = s->last_ns, .length = s->length, .truncated = s->truncated,
	};
	if (counts != NULL)
		o.counts = *counts;
	if (w->index_fd >= 0)
		o.seq = index_seq(w);
	if (!s->kept) {
		/* from here on the I/O side owns it (and frees it) */
		if (s->prev)
			s->prev->next = s->next;
		else
			w->all = s->next;
		if (s->next)
			s->next->prev = s->prev;
	}
	op_push(w, &o);
}

void
session_file_release(struct session_writer *w, struct session_file *s)
{
	if (s == NULL)
		return;
	if (!s->ended) {
		s->kept = 0;
		session_file_end(w, s, NULL, 0);
		return;
	}
	if (s->prev)
		s->prev->next = s->next;
	else
		w->all = s->next;
	if (s->next)
		s->next->prev = s->prev;
	struct op o = { .kind = OP_FREE, .s = s };
	op_push(w, &o);
}

int
session_writer_matches(struct session_writer *w, struct session_file *s,
    uint64_t offset, const uint8_t *data, uint32_t len)
{
	uint8_t tmp[4096];
	int fd, ok = 1;

	buffer_out(w, s);
	op_drain(w);		/* what was written must be in the file */
	if (s->name[0] == '\0')
		return 0;
	fd = openat(w->dirfd, s->name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (len > 0 && ok) {
		uint32_t n = len < sizeof(tmp) ? len : (uint32_t)sizeof(tmp);
		ssize_t k = pread(fd, tmp, n, (off_t)offset);
		if (k != (ssize_t)n || memcmp(tmp, data, n) != 0)
			ok = 0;
		offset += n;
		data += n;
		len -= n;
	}
	close(fd);
	return ok;
}

int
session_writer_flush(struct session_writer *w, struct error *err)
{
	while (w->bhead != NULL)
		buffer_out(w, w->bhead);
	op_drain(w);		/* every line of an ended session is gathered */
	idx_lock(w);
	index_write(w);
	idx_unlock(w);
	if (session_writer_error(w) != NULL)
		return error_set(err, "%s", session_writer_error(w));
	return 0;
}

int
session_writer_close(struct session_writer *w, struct error *err)
{
	int rc = 0;

	if (w == NULL)
		return 0;
	/* live sessions end (counts all zero); kept ones are let go */
	for (struct session_file *s = w->all, *nx; s != NULL; s = nx) {
		nx = s->next;
		if (!s->ended)
			session_file_end(w, s, NULL, 0);
	}
	op_drain(w);
	while (w->all != NULL) {
		struct session_file *s = w->all;
		w->all = s->next;
		free(s);
	}
	stop_threads(w);
	while (w->fhead != NULL)	/* kept sessions' files were closed at their end */
		file_close(w, w->fhead);
	index_write(w);
	if (w->index_fd >= 0 && close(w->index_fd) < 0)
		note_error(w, "%s/sessions.json: %s", w->cfg.dir, strerror(errno));
	close(w->dirfd);
	if (w->error[0])
		rc = error_set(err, "%s", w->error);
	pool_free(&w->bufs);
	pool_free(&w->iovs);
	if (w->lines != NULL)
		for (unsigned i = 0; i < SW_INDEX_WINDOW; i++)
			buf_free(&w->lines[i].text);
	free(w->lines);
	buf_free(&w->index);
	free(w);
	return rc;
}
