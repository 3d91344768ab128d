/* summary: tcpflow-style session files: one file per TCP direction, plus sessions.json. */
#include "capture/session_writer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
 * Everything that touches the file system runs on an I/O thread, in the
 * order it was asked for, fed through a bounded queue (SW_QUEUE
 * operations): creating the file (the O_EXCL probe for a free c<count>
 * name), pwrite, close, the file time, the sessions.json lines.  The
 * caller (the packet path; live, the gateway's) only copies bytes into
 * buffers and queues them, so it never waits for the disk unless the
 * queue is full, and on two cores reading and reassembling overlap with
 * writing.  The caller's side and the thread's side of a session are
 * separate fields; the name, which only the thread knows, is read by the
 * caller after op_drain() (session_file_name, session_writer_matches).
 *
 * Bounds: at most max_open sessions hold a buffer on the caller's side
 * (the least recently written one is queued out to make room), and at
 * most max_open files are open on the thread's side (the least recently
 * written is closed and reopened later): thousands of concurrent sessions
 * work within the fd limit.  A buffer changes hands with its write and
 * comes back to a pool: buffer memory is at most (max_open + SW_QUEUE + 1)
 * * buffer bytes.  With no_thread the same operations run inline.
 *
 * Referenced writes (session_file_write_ref): offline, the payload lies
 * in the mapped capture, which stays mapped until the writer is closed,
 * so copying it into a buffer only to copy it again into the page cache
 * was wasted work (18% of an `apiary tcpflow` run, reading the cold
 * mapping).  A session's pending run is then a list of iovecs instead of
 * a buffer: contiguous offsets, at most SW_IOV pieces or `buffer` bytes
 * (one piece may be longer), written with one pwritev.  A session holds
 * either kind of run, never both: switching kinds queues the pending run
 * first, and the I/O thread runs operations in order, so later bytes
 * still overwrite earlier ones as with copies.  The iovec arrays come from
 * a second pool with the same limit (max_open + SW_QUEUE + 1 arrays of
 * SW_IOV * 16 bytes), and a session holding either kind counts towards
 * the same max_open bound of buffered sessions.
 *
 * Measured (bench capture of 337 MB, output on tmpfs, two cores, medians
 * of 30 alternating runs): references alone made `apiary tcpflow`
 * slower, 0.198 s against 0.178 s wall.  The caller's CPU time drops
 * (167 -> 123 ms) but the I/O thread's grows (170 -> 179 ms: the kernel
 * now copies from the cold mapping instead of a warm buffer) and it was
 * already the longer of the two, so it sets the pace alone.  With
 * `balance` a new run is copied while the I/O thread has SW_BEHIND
 * operations waiting, else referenced: 0.177 s, as fast as copying
 * everything.  References pay off only with the writing spread over more
 * threads: a prototype with two I/O threads (sessions sharded by file
 * name) and a 256-deep queue ran in 0.155 s, but only with the stream
 * engine's retain ring off (it reads every byte on the caller's side).
 */

#define SESSION_NAME_MAX 160
#define SESSION_MAX_PROBES 100000	/* c1..cN names tried before giving up */
#define INDEX_FLUSH (256 * 1024)
#define SW_QUEUE 64			/* operations queued for the I/O thread */
#define SW_IOV 128			/* pieces of one referenced run (pwritev) */
#define SW_BEHIND (SW_QUEUE / 2)	/* balance: copy while this many ops wait */

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
	struct session_file *bprev, *bnext;	/* holding a buffer, most recent first */
	struct session_file *prev, *next;	/* live (or kept) sessions */
	/* I/O thread's side */
	char name[SESSION_NAME_MAX];	/* "" until the file exists */
	int fd;				/* -1 when not open */
	int failed;			/* could not create: data is dropped */
	struct session_file *fprev, *fnext;	/* open files, most recent first */
};

enum op_kind { OP_WRITE, OP_END, OP_FREE, OP_INDEX_FLUSH };

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
	uint64_t last_ns, length;
	int truncated;
};

struct session_writer {
	struct session_writer_config cfg;
	int dirfd;
	/* caller's side */
	struct session_file *all;
	struct session_file *bhead, *btail;
	uint32_t buffered;
	uint64_t clipped_bytes;
	/* I/O thread's side */
	int index_fd;
	struct buf index;
	struct session_file *fhead, *ftail;
	uint32_t open_count;
	/* shared, under mu (when threaded) */
	int threaded;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full, idle, buf_back;
	struct op ring[SW_QUEUE];
	unsigned head, count;
	int busy, stop;
	struct sw_pool {
		void **items;
		unsigned nfree, allocated, limit;
		size_t size;
	} bufs, iovs;			/* buffers; iovec arrays */
	struct session_writer_stats st;	/* clipped_bytes kept on the caller's side */
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
	w->st.write_errors++;
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
	 * callers read it after op_drain() or the thread's end */
	return w->error[0] ? w->error : NULL;
}

void
session_writer_get_stats(const struct session_writer *w, struct session_writer_stats *st)
{
	struct session_writer *m = (struct session_writer *)w;	/* for the lock */

	lock(m);
	*st = w->st;
	unlock(m);
	st->clipped_bytes = w->clipped_bytes;
}

struct session_writer *
session_writer_new(const struct session_writer_config *cfg, struct error *err)
{
	struct session_writer *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return error_errno(err, "session writer"), NULL;
	w->cfg = *cfg;
	if (w->cfg.max_open == 0)
		w->cfg.max_open = 1;
	if (w->cfg.buffer < 4096)
		w->cfg.buffer = 4096;
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
	}
	w->bufs.limit = w->iovs.limit = w->cfg.max_open + SW_QUEUE + 1;
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
		pthread_cond_init(&w->not_empty, NULL);
		pthread_cond_init(&w->not_full, NULL);
		pthread_cond_init(&w->idle, NULL);
		pthread_cond_init(&w->buf_back, NULL);
		int e = pthread_create(&w->thread, NULL, io_thread, w);
		if (e != 0) {
			errno = e;
			error_errno(err, "session writer: thread");
			goto fail;
		}
		w->threaded = 1;
	}
	return w;
fail:
	free(w->bufs.items);
	free(w->iovs.items);
	if (w->index_fd >= 0)
		close(w->index_fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w);
	return NULL;
}

/* ---- buffers -------------------------------------------------------------- */

static void
pool_put(struct session_writer *w, struct sw_pool *p, void *b)
{
	if (b == NULL)
		return;
	lock(w);
	p->items[p->nfree++] = b;
	if (w->threaded)
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
	while (w->threaded && p->nfree == 0 && p->allocated >= p->limit)
		pthread_cond_wait(&w->buf_back, &w->mu);
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

/* ---- the I/O thread's side ------------------------------------------------ */

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
index_write(struct session_writer *w)
{
	if (w->index_fd < 0 || w->index.len == 0)
		return;
	if (write_all(w->index_fd, w->index.data, w->index.len, 0, 1) < 0)
		note_error(w, "%s/sessions.json: %s", w->cfg.dir, strerror(errno));
	buf_reset(&w->index);
}

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

static int
evict_one(struct session_writer *w)
{
	if (w->ftail == NULL)
		return -1;
	file_close(w, w->ftail);
	return 0;
}

/*
 * Creates s's file under the first free name (s->name), O_EXCL so that a
 * name already taken moves on to c1, c2, ...  The fd, or -1 with errno
 * (s->name then says which name failed).  With evict, a full descriptor
 * table closes the least recently written file and tries again (the I/O
 * thread's side only).
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
		if (evict && (errno == EMFILE || errno == ENFILE) &&
		    evict_one(w) == 0) {
			c--;
			continue;
		}
		if (errno != EEXIST)
			return -1;
	}
}

/* Makes room for one more open file, and counts s's as open. */
static void
file_adopt(struct session_writer *w, struct session_file *s, int fd, int created)
{
	while (w->open_count >= w->cfg.max_open && evict_one(w) == 0)
		;
	lock(w);
	if (created)
		w->st.files++;
	else
		w->st.reopens++;
	unlock(w);
	s->fd = fd;
	f_push(w, s);
	w->open_count++;
}

/* Opens s's file: creates it under the first free name, or reopens it. */
static int
file_open(struct session_writer *w, struct session_file *s)
{
	int fd;
	int created = 0;

	while (w->open_count >= w->cfg.max_open && evict_one(w) == 0)
		;
	if (s->name[0] == '\0') {
		fd = file_create(w, s, 1);
		if (fd < 0) {
			note_error(w, "%s/%s: %s", w->cfg.dir, s->name, strerror(errno));
			s->name[0] = '\0';
			s->failed = 1;
			return -1;
		}
		created = 1;
	} else {
		for (;;) {
			fd = openat(w->dirfd, s->name, O_WRONLY | O_CLOEXEC);
			if (fd < 0 && (errno == EMFILE || errno == ENFILE) && evict_one(w) == 0)
				continue;
			break;
		}
		if (fd < 0) {
			note_error(w, "%s/%s: %s", w->cfg.dir, s->name, strerror(errno));
			return -1;
		}
	}
	file_adopt(w, s, fd, created);
	return 0;
}

static void
index_line(struct session_writer *w, struct session_file *s, const struct op *o)
{
	struct json j;
	char t[TIMEFMT_LEN], ip[ADDR_STRLEN];
	const struct session_counts *c = o->have_counts ? &o->counts : NULL;

	json_init(&j, &w->index);
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
	buf_append_byte(&w->index, '\n');
	if (w->index.len >= INDEX_FLUSH)
		index_write(w);
}

static void
op_run(struct session_writer *w, struct op *o)
{
	struct session_file *s = o->s;

	switch (o->kind) {
	case OP_WRITE:
		if (o->fd >= 0)
			file_adopt(w, s, o->fd, 1);
		if (!s->failed && (s->fd >= 0 || file_open(w, s) == 0)) {
			if (w->fhead != s) {
				f_unlink(w, s);
				f_push(w, s);
			}
			int rc = o->iov != NULL ?
			    writev_all(s->fd, o->iov, (int)o->iov_n, (off_t)o->off) :
			    write_all(s->fd, o->buf, o->len, (off_t)o->off, 0);
			if (rc < 0)
				note_error(w, "%s/%s: %s", w->cfg.dir, s->name, strerror(errno));
			else {
				lock(w);
				w->st.bytes += o->len;
				unlock(w);
			}
		}
		pool_put(w, &w->bufs, o->buf);
		pool_put(w, &w->iovs, o->iov);
		break;
	case OP_END:
		file_close(w, s);
		if (s->name[0] != '\0') {
			if (w->cfg.set_mtime) {
				/* as tcpflow: access and modification time = first packet, in µs */
				struct timespec ts[2];
				ts[0].tv_sec = (time_t)(s->info.first_ns / NSEC_PER_SEC);
				ts[0].tv_nsec = (long)(s->info.first_ns % NSEC_PER_SEC / 1000 * 1000);
				ts[1] = ts[0];
				(void)utimensat(w->dirfd, s->name, ts, 0);
			}
			lock(w);
			w->st.sessions++;
			unlock(w);
			if (w->index_fd >= 0)
				index_line(w, s, o);
		}
		if (!s->kept)
			free(s);
		break;
	case OP_FREE:
		free(s);
		break;
	case OP_INDEX_FLUSH:
		index_write(w);
		break;
	}
}

static void *
io_thread(void *arg)
{
	struct session_writer *w = arg;
	struct op o;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->count == 0 && !w->stop)
			pthread_cond_wait(&w->not_empty, &w->mu);
		if (w->count == 0)
			break;
		o = w->ring[w->head];
		w->head = (w->head + 1) % SW_QUEUE;
		w->count--;
		w->busy = 1;
		pthread_cond_signal(&w->not_full);
		pthread_mutex_unlock(&w->mu);
		op_run(w, &o);
		pthread_mutex_lock(&w->mu);
		w->busy = 0;
		if (w->count == 0)
			pthread_cond_broadcast(&w->idle);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- the caller's side ---------------------------------------------------- */

/* Queues o, or runs it now without a thread. */
static void
op_push(struct session_writer *w, const struct op *o)
{
	if (!w->threaded) {
		struct op copy = *o;
		op_run(w, &copy);
		return;
	}
	pthread_mutex_lock(&w->mu);
	while (w->count == SW_QUEUE)
		pthread_cond_wait(&w->not_full, &w->mu);
	w->ring[(w->head + w->count) % SW_QUEUE] = *o;
	w->count++;
	pthread_cond_signal(&w->not_empty);
	pthread_mutex_unlock(&w->mu);
}

/* Waits until every queued operation is done. */
static void
op_drain(struct session_writer *w)
{
	if (!w->threaded)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->count > 0 || w->busy)
		pthread_cond_wait(&w->idle, &w->mu);
	pthread_mutex_unlock(&w->mu);
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

/* Is the I/O thread behind (half its queue waiting)?  Asked once per run. */
static int
io_behind(struct session_writer *w)
{
	int behind;

	if (!w->threaded)
		return 0;
	pthread_mutex_lock(&w->mu);
	behind = w->count >= SW_BEHIND;
	pthread_mutex_unlock(&w->mu);
	return behind;
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
	    (uint64_t)s->buf_len + len <= w->cfg.buffer) {
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
	struct op o = { .kind = OP_INDEX_FLUSH };
	op_push(w, &o);
	op_drain(w);
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
	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		w->stop = 1;
		pthread_cond_signal(&w->not_empty);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
		w->threaded = 0;
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->not_empty);
		pthread_cond_destroy(&w->not_full);
		pthread_cond_destroy(&w->idle);
		pthread_cond_destroy(&w->buf_back);
	}
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
	buf_free(&w->index);
	free(w);
	return rc;
}
