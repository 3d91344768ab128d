/* summary: the tamper-evident log store: per-sender hash-chained segments, signed checkpoints. */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "core/buf.h"
#include "core/timefmt.h"
#include "store/store_format.h"
#include "store/store_segments.h"
#include "syslog/syslog_msg.h"

/*
 * Design.  Each sender (certificate CN) is a stream: a directory of
 * append-only segment files and one hash chain running through all of
 * them (format in store_format.h).  The writer never rewrites a byte of a
 * segment; the only file replaced is `head`, a copy of the sender's latest
 * checkpoint, which lets `verify` notice a tail cut off at an entry
 * boundary.  A checkpoint signs the chain head with Ed25519, so whoever
 * can write the files but lacks the key can change nothing that a
 * checkpoint covers without it showing.
 *
 * Duplicates: senders may number messages with RFC 5424 meta sequenceId.
 * A window of the last STORE_DEDUP_WINDOW (sequenceId, content hash) pairs
 * per sender drops a resent message (same number, same bytes); the same
 * number with other bytes means the sender restarted its count, and is kept
 * and flagged.  The window is rebuilt at start-up from as many of the last
 * segments (at most 16) as it takes to hold STORE_DEDUP_WINDOW records,
 * so resends across a server restart are caught too.  Memory: about
 * 16 bytes x STORE_DEDUP_WINDOW per sender, max_senders senders.
 *
 * fsync runs in one helper thread (the "syncer"): with the default policy
 * a checkpoint is written at once and its fdatasync, followed by the new
 * `head`, happens off the event loop, so a slow disk never stalls the
 * senders.  At most SYNC_QUEUE jobs wait; a full queue makes the writer
 * wait (backpressure).  fsync "always" stays synchronous, as asked.
 *
 * Restart: the writer never appends to a segment it did not create in
 * this run.  It reads the last segment back, seals an unsealed tail with a
 * "recover" checkpoint (or, after a torn write, records how many bytes of
 * it belong to the chain), and opens the next segment from the last hash.
 */
#define STORE_DEDUP_WINDOW 2048
#define WBUF_FLUSH (256u << 10)
#define SYNC_QUEUE 64
#define HEAD_MAX (STORE_ENTRY_OVERHEAD + 1 + STORE_SENDER_MAX + 13 + STORE_SIG_LEN)

struct sync_job {
	int fd;				/* dup of a segment, or -1 */
	int dirfd;			/* dup of the sender directory, for head */
	uint8_t head[HEAD_MAX];
	size_t headlen;			/* 0: no head to write */
};

struct syncer {
	pthread_t th;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* jobs queued / stop */
	pthread_cond_t idle;		/* queue drained */
	struct sync_job q[SYNC_QUEUE];
	size_t first, n;
	int busy, stop;
	char err[256];			/* first error since last reported */
};

struct dedup_slot {
	uint32_t seqid;
	uint64_t h;
};

struct stream {
	char name[STORE_SENDER_MAX + 1];
	int dirfd, fd;
	uint32_t segno;
	uint64_t seg_size;		/* logical, including buffered bytes */
	uint64_t seg_start_mono;
	uint64_t seg_records;
	uint64_t next_seq;
	uint8_t last_hash[STORE_HASH_LEN];
	struct buf wbuf;
	uint64_t since_ckpt, last_ckpt_mono, last_sync_mono;
	int dirty;			/* written but not synced */
	int have_hi;
	uint32_t hi_seqid;
	struct dedup_slot win[STORE_DEDUP_WINDOW];
};

struct store {
	int dirfd;
	struct store_opts o;
	struct stream **streams;
	size_t nstreams;
	struct buf body;
	EVP_MD_CTX *md;
	struct store_sha sha;
	struct store_stats stats;
	struct syncer sync;
	store_sign_fn sign_fn;
	void *sign_arg;
};

/* A fast 64-bit content hash for the dedup window (not security relevant:
 * the chain is SHA-256; this only tells a resend from a new message). */
static uint64_t
fnv64(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 1469598103934665603ull ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

/* Writes a small file atomically inside dirfd. */
static int
write_atomic(int dirfd, const char *name, const void *data, size_t len,
    int sync, struct error *err)
{
	char tmp[STORE_SENDER_MAX + 32];
	int fd;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_errno(err, "store: %s", tmp);
	n = write(fd, data, len);
	if (n < 0 || (size_t)n != len || (sync && fdatasync(fd) < 0)) {
		error_errno(err, "store: write %s", tmp);
		close(fd);
		return -1;
	}
	if (close(fd) < 0)
		return error_errno(err, "store: close %s", tmp);
	if (renameat(dirfd, tmp, dirfd, name) < 0)
		return error_errno(err, "store: rename %s", name);
	return 0;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *
syncer_main(void *arg)
{
	struct syncer *y = arg;

	pthread_mutex_lock(&y->mu);
	for (;;) {
		struct sync_job j;
		struct error err;
		char msg[256] = "";

		while (y->n == 0 && !y->stop)
			pthread_cond_wait(&y->cv, &y->mu);
		if (y->n == 0 && y->stop)
			break;
		j = y->q[y->first];
		y->first = (y->first + 1) % SYNC_QUEUE;
		y->n--;
		y->busy = 1;
		pthread_mutex_unlock(&y->mu);
		if (j.fd >= 0 && fdatasync(j.fd) < 0)
			snprintf(msg, sizeof(msg), "store: fsync: %s", strerror(errno));
		if (j.headlen > 0 && msg[0] == '\0' &&
		    write_atomic(j.dirfd, "head", j.head, j.headlen, 1, &err) < 0)
			snprintf(msg, sizeof(msg), "%s", err.msg);
		if (j.fd >= 0)
			close(j.fd);
		if (j.dirfd >= 0)
			close(j.dirfd);
		pthread_mutex_lock(&y->mu);
		y->busy = 0;
		if (msg[0] != '\0' && y->err[0] == '\0')
			snprintf(y->err, sizeof(y->err), "%s", msg);
		if (y->n == 0)
			pthread_cond_broadcast(&y->idle);
	}
	pthread_mutex_unlock(&y->mu);
	return NULL;
}

static int
syncer_start(struct syncer *y)
{
	memset(y, 0, sizeof(*y));
	pthread_mutex_init(&y->mu, NULL);
	pthread_cond_init(&y->cv, NULL);
	pthread_cond_init(&y->idle, NULL);
	if (pthread_create(&y->th, NULL, syncer_main, y) != 0)
		return -1;
	y->started = 1;
	return 0;
}

static void
syncer_drain(struct syncer *y)
{
	if (!y->started)
		return;
	pthread_mutex_lock(&y->mu);
	while (y->n > 0 || y->busy)
		pthread_cond_wait(&y->idle, &y->mu);
	pthread_mutex_unlock(&y->mu);
}

static void
syncer_stop(struct syncer *y)
{
	if (!y->started)
		return;
	pthread_mutex_lock(&y->mu);
	y->stop = 1;
	pthread_cond_signal(&y->cv);
	pthread_mutex_unlock(&y->mu);
	pthread_join(y->th, NULL);
	pthread_mutex_destroy(&y->mu);
	pthread_cond_destroy(&y->cv);
	pthread_cond_destroy(&y->idle);
	y->started = 0;
}

/* Queues "fdatasync(fd), then write head"; waits while the queue is full. */
static int
syncer_submit(struct syncer *y, int fd, int dirfd, const uint8_t *head,
    size_t headlen, struct error *err)
{
	struct sync_job *j;
	int dfd = fd >= 0 ? dup(fd) : -1;
	int ddir = headlen > 0 ? dup(dirfd) : -1;

	if ((fd >= 0 && dfd < 0) || (headlen > 0 && ddir < 0)) {
		if (dfd >= 0)
			close(dfd);
		return error_errno(err, "store: dup");
	}
	pthread_mutex_lock(&y->mu);
	while (y->n == SYNC_QUEUE)
		pthread_cond_wait(&y->idle, &y->mu);
	j = &y->q[(y->first + y->n) % SYNC_QUEUE];
	j->fd = dfd;
	j->dirfd = ddir;
	j->headlen = headlen;
	if (headlen > 0)
		memcpy(j->head, head, headlen);
	y->n++;
	pthread_cond_signal(&y->cv);
	pthread_mutex_unlock(&y->mu);
	return 0;
}

/* Reports (once) an error the syncer ran into. */
static int
syncer_error(struct syncer *y, struct error *err)
{
	int rc = 0;

	if (!y->started)
		return 0;
	pthread_mutex_lock(&y->mu);
	if (y->err[0] != '\0') {
		error_set(err, "%s", y->err);
		y->err[0] = '\0';
		rc = -1;
	}
	pthread_mutex_unlock(&y->mu);
	return rc;
}

static int
stream_write(struct store *s, struct stream *st, struct error *err)
{
	(void)s;
	if (st->wbuf.len == 0)
		return 0;
	if (write_all(st->fd, st->wbuf.data, st->wbuf.len) < 0)
		return error_errno(err, "store: %s/%08u.seg", st->name, st->segno);
	buf_reset(&st->wbuf);
	st->dirty = 1;
	return 0;
}

static int
stream_sync(struct store *s, struct stream *st, struct error *err)
{
	if (stream_write(s, st, err) < 0)
		return -1;
	if (st->dirty && s->o.fsync == STORE_FSYNC_ALWAYS && fdatasync(st->fd) < 0)
		return error_errno(err, "store: fsync %s/%08u.seg", st->name,
		    st->segno);
	if (st->dirty && s->o.fsync == STORE_FSYNC_CHECKPOINT &&
	    syncer_submit(&s->sync, st->fd, -1, NULL, 0, err) < 0)
		return -1;
	st->dirty = 0;
	st->last_sync_mono = time_mono_ns();
	return 0;
}

static int
sign(struct store *s, const uint8_t *p, size_t n, uint8_t sig[STORE_SIG_LEN],
    struct error *err)
{
	size_t siglen = STORE_SIG_LEN;

	if (s->sign_fn != NULL) {
		if (s->sign_fn(s->sign_arg, p, n, sig) < 0)
			return error_set(err, "store: the signer did not answer");
		return 0;
	}
	if (EVP_DigestSignInit(s->md, NULL, NULL, NULL, s->o.sign_key) != 1 ||
	    EVP_DigestSign(s->md, sig, &siglen, p, n) != 1 ||
	    siglen != STORE_SIG_LEN)
		return error_set(err, "store: Ed25519 signature failed");
	return 0;
}

/* Appends a signed checkpoint to the stream's buffer and writes it out. */
static int
checkpoint(struct store *s, struct stream *st, uint8_t reason,
    struct error *err)
{
	size_t nlen = strlen(st->name), blen = 1 + nlen + 13 + STORE_SIG_LEN;
	size_t start = st->wbuf.len;
	uint8_t hdr[STORE_HDR_LEN], *e;
	uint8_t tail[13], zero[STORE_SIG_LEN] = { 0 };
	uint8_t nl = (uint8_t)nlen;

	hdr[0] = 'A';
	hdr[1] = 'L';
	hdr[2] = STORE_T_CHECKPOINT;
	hdr[3] = 0;
	store_put32(hdr + 4, (uint32_t)blen);
	store_put64(hdr + 8, st->next_seq - 1);
	store_put64(hdr + 16, time_now_ns());
	memcpy(hdr + 24, st->last_hash, STORE_HASH_LEN);
	store_put32(tail, st->segno);
	store_put64(tail + 4, st->seg_size);
	tail[12] = reason;
	if (buf_reserve(&st->wbuf, STORE_ENTRY_OVERHEAD + blen) < 0 ||
	    buf_append(&st->wbuf, hdr, sizeof(hdr)) < 0 ||
	    buf_append(&st->wbuf, &nl, 1) < 0 ||
	    buf_append(&st->wbuf, st->name, nlen) < 0 ||
	    buf_append(&st->wbuf, tail, sizeof(tail)) < 0 ||
	    buf_append(&st->wbuf, zero, sizeof(zero)) < 0) {
		st->wbuf.len = start;
		return error_set(err, "store: out of memory");
	}
	e = st->wbuf.data + start;
	if (sign(s, e, STORE_HDR_LEN + blen - STORE_SIG_LEN,
	    e + STORE_HDR_LEN + blen - STORE_SIG_LEN, err) < 0) {
		st->wbuf.len = start;
		return -1;
	}
	store_sha256(&s->sha, e, STORE_HDR_LEN + blen, st->last_hash);
	if (buf_append(&st->wbuf, st->last_hash, STORE_HASH_LEN) < 0) {
		st->wbuf.len = start;
		return error_set(err, "store: out of memory");
	}
	st->seg_size += STORE_ENTRY_OVERHEAD + blen;
	st->since_ckpt = 0;
	st->last_ckpt_mono = time_mono_ns();
	s->stats.checkpoints++;
	{
		/* the head copy must outlive the buffer reset below */
		uint8_t copy[STORE_ENTRY_OVERHEAD + 1 + STORE_SENDER_MAX + 13 +
		    STORE_SIG_LEN];
		size_t clen = STORE_ENTRY_OVERHEAD + blen;

		memcpy(copy, st->wbuf.data + start, clen);
		if (stream_write(s, st, err) < 0)
			return -1;
		if (s->o.fsync == STORE_FSYNC_CHECKPOINT) {
			/* segment durable first, then the head naming it */
			if (syncer_submit(&s->sync, st->fd, st->dirfd, copy, clen,
			    err) < 0)
				return -1;
			st->dirty = 0;
			st->last_sync_mono = time_mono_ns();
			return 0;
		}
		if (s->o.fsync == STORE_FSYNC_ALWAYS && fdatasync(st->fd) < 0)
			return error_errno(err, "store: fsync %s/%08u.seg",
			    st->name, st->segno);
		st->dirty = 0;
		return write_atomic(st->dirfd, "head", copy, clen,
		    s->o.fsync != STORE_FSYNC_NONE, err);
	}
}

static int
segment_create(struct store *s, struct stream *st, uint64_t prev_len,
    struct error *err)
{
	char name[16];
	uint8_t body[1 + STORE_SENDER_MAX + 12];
	size_t nlen = strlen(st->name);

	snprintf(name, sizeof(name), "%08u.seg", st->segno);
	st->fd = openat(st->dirfd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_APPEND | O_CLOEXEC, 0600);
	if (st->fd < 0)
		return error_errno(err, "store: create %s/%s", st->name, name);
	body[0] = (uint8_t)nlen;
	memcpy(body + 1, st->name, nlen);
	store_put32(body + 1 + nlen, st->segno);
	store_put64(body + 5 + nlen, prev_len);
	if (store_entry_append(&st->wbuf, STORE_T_HEADER, 0, st->next_seq,
	    time_now_ns(), st->last_hash, body, 13 + nlen, st->last_hash,
	    &s->sha) < 0)
		return error_set(err, "store: out of memory");
	st->seg_size = STORE_ENTRY_OVERHEAD + 13 + nlen;
	st->seg_start_mono = time_mono_ns();
	st->seg_records = 0;
	/* the directory entry of a new segment must survive a crash too */
	if (s->o.fsync != STORE_FSYNC_NONE)
		fsync(st->dirfd);
	return stream_write(s, st, err);
}

static int
rotate(struct store *s, struct stream *st, struct error *err)
{
	uint64_t prev_len;

	if (checkpoint(s, st, STORE_CK_ROTATE, err) < 0 ||
	    stream_sync(s, st, err) < 0)
		return -1;
	prev_len = st->seg_size;
	close(st->fd);
	st->fd = -1;
	st->segno++;
	s->stats.rotations++;
	return segment_create(s, st, prev_len, err);
}

/* 1 keep (flags may be set), 0 duplicate. */
static int
dedup(struct stream *st, uint32_t seqid, uint64_t h, unsigned *flags,
    uint32_t *gap)
{
	struct dedup_slot *sl = &st->win[seqid % STORE_DEDUP_WINDOW];

	*gap = 0;
	if (seqid == 0)
		return 1;
	if (sl->seqid == seqid && sl->h == h)
		return 0;
	if (st->have_hi) {
		if (seqid > st->hi_seqid) {
			if (seqid > st->hi_seqid + 1) {
				*gap = seqid - st->hi_seqid - 1;
				*flags |= STORE_F_GAP;
			}
			st->hi_seqid = seqid;
		} else if (sl->seqid == seqid ||
		    st->hi_seqid - seqid >= STORE_DEDUP_WINDOW) {
			*flags |= STORE_F_SEQRESET;
			st->hi_seqid = seqid;
		} else {
			*flags |= STORE_F_LATE;
		}
	} else {
		st->have_hi = 1;
		st->hi_seqid = seqid;
	}
	sl->seqid = seqid;
	sl->h = h;
	return 1;
}

static uint32_t
raw_seqid(const void *raw, size_t len)
{
	struct syslog_msg m;

	if (len == 0 || ((const char *)raw)[0] != '<')
		return 0;
	syslog_parse(raw, len, &m);
	return syslog_sequence_id(&m);
}

/* Reads back a segment: feeds the dedup window, and for the last one the
 * chain state.  Returns the number of bytes that form whole, valid entries. */
static int
recover_segment(struct stream *st, uint32_t segno, int last, uint64_t *good,
    uint64_t *size, uint8_t *last_type, struct error *err)
{
	struct store_seg_map map;
	size_t off = 0;

	*good = 0;
	*last_type = 0;
	if (store_seg_map(st->dirfd, segno, &map, err) < 0)
		return -1;
	*size = map.len;
	while (off < map.len) {
		struct store_entry e;
		struct store_record_body r;

		if (store_entry_decode(map.data + off, map.len - off, &e) != 1 ||
		    !store_entry_hash_ok(&e, NULL))
			break;
		if (e.type == STORE_T_RECORD &&
		    store_record_body_decode(&e, &r) == 0 && r.seqid != 0) {
			unsigned fl = 0;
			uint32_t gap;

			dedup(st, r.seqid, fnv64(r.raw.ptr, r.raw.len), &fl, &gap);
		}
		if (last) {
			memcpy(st->last_hash, e.hash, STORE_HASH_LEN);
			st->next_seq = e.type == STORE_T_HEADER ? e.seq : e.seq + 1;
			*last_type = e.type;
		}
		off += e.total;
	}
	*good = off;
	store_seg_unmap(&map);
	return 0;
}

/* Records in a segment, by entry headers only (no hashing). */
static size_t
count_records(int dirfd, uint32_t segno)
{
	struct store_seg_map map;
	struct error err;
	size_t off = 0, n = 0;

	if (store_seg_map(dirfd, segno, &map, &err) < 0)
		return 0;
	while (off < map.len) {
		struct store_entry e;

		if (store_entry_decode(map.data + off, map.len - off, &e) != 1)
			break;
		n += e.type == STORE_T_RECORD;
		off += e.total;
	}
	store_seg_unmap(&map);
	return n;
}

static struct stream *
stream_open(struct store *s, const char *name, struct error *err)
{
	struct stream *st = calloc(1, sizeof(*st));
	uint32_t *segs = NULL;
	size_t nsegs = 0;
	uint64_t prev_len = 0;

	if (st == NULL)
		return error_set(err, "store: out of memory"), NULL;
	snprintf(st->name, sizeof(st->name), "%s", name);
	st->fd = -1;
	buf_init(&st->wbuf, 0);
	st->next_seq = 1;
	store_genesis(st->name, st->last_hash);
	if (mkdirat(s->dirfd, name, 0700) < 0 && errno != EEXIST) {
		error_errno(err, "store: mkdir %s", name);
		goto fail;
	}
	st->dirfd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
	    O_NOFOLLOW);
	if (st->dirfd < 0) {
		error_errno(err, "store: open %s", name);
		goto fail;
	}
	if (store_seg_list(st->dirfd, &segs, &nsegs, err) < 0)
		goto fail;
	if (nsegs > 0) {
		uint64_t good, size;
		uint8_t last_type;
		uint32_t lastno = segs[nsegs - 1];

		size_t from = nsegs - 1, have = 0;

		/* enough earlier segments to refill the dedup window */
		while (from > 0 && nsegs - from < 16 &&
		    (have += count_records(st->dirfd, segs[from])) <
		    STORE_DEDUP_WINDOW)
			from--;
		for (size_t i = from; i + 1 < nsegs; i++)
			if (recover_segment(st, segs[i], 0, &good, &size,
			    &last_type, err) < 0)
				goto fail;
		if (recover_segment(st, lastno, 1, &good, &size, &last_type,
		    err) < 0)
			goto fail;
		if (good == 0) {
			error_set(err, "store: %s/%08u.seg: no valid entry; "
			    "refusing to continue this sender's chain (run "
			    "apiary log verify)", name, lastno);
			goto fail;
		}
		st->segno = lastno;
		if (good == size && last_type != STORE_T_CHECKPOINT) {
			char fn[16];

			snprintf(fn, sizeof(fn), "%08u.seg", lastno);
			st->fd = openat(st->dirfd, fn, O_WRONLY | O_APPEND |
			    O_CLOEXEC);
			if (st->fd < 0) {
				error_errno(err, "store: %s/%s", name, fn);
				goto fail;
			}
			st->seg_size = size;
			if (checkpoint(s, st, STORE_CK_RECOVER, err) < 0 ||
			    stream_sync(s, st, err) < 0)
				goto fail;
			close(st->fd);
			st->fd = -1;
			prev_len = st->seg_size;
		} else {
			prev_len = good;	/* a torn tail stays outside the chain */
		}
	}
	st->segno++;
	if (segment_create(s, st, prev_len, err) < 0)
		goto fail;
	st->last_ckpt_mono = st->last_sync_mono = time_mono_ns();
	free(segs);
	return st;
fail:
	free(segs);
	if (st->fd >= 0)
		close(st->fd);
	if (st->dirfd > 0)
		close(st->dirfd);
	buf_free(&st->wbuf);
	free(st);
	return NULL;
}

static void
stream_free(struct stream *st)
{
	if (st->fd >= 0)
		close(st->fd);
	if (st->dirfd >= 0)
		close(st->dirfd);
	buf_free(&st->wbuf);
	free(st);
}

static struct stream *
stream_get(struct store *s, const char *name, struct error *err)
{
	struct stream *st;

	/* senders are few (max_senders); the last one used is most likely */
	for (size_t i = s->nstreams; i-- > 0;)
		if (strcmp(s->streams[i]->name, name) == 0) {
			st = s->streams[i];
			if (i + 1 != s->nstreams) {
				s->streams[i] = s->streams[s->nstreams - 1];
				s->streams[s->nstreams - 1] = st;
			}
			return st;
		}
	if (s->nstreams >= s->o.max_senders)
		return error_set(err, "store: sender limit (%zu) reached, "
		    "'%s' refused", s->o.max_senders, name), NULL;
	st = stream_open(s, name, err);
	if (st == NULL)
		return NULL;
	s->streams[s->nstreams++] = st;
	return st;
}

static int
write_pubkey(struct store *s, struct error *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;
	int rc;

	if (b == NULL || PEM_write_bio_PUBKEY(b, s->o.sign_key) != 1) {
		BIO_free(b);
		return error_set(err, "store: cannot encode the public key");
	}
	n = BIO_get_mem_data(b, &p);
	rc = write_atomic(s->dirfd, "signing.pub", p, (size_t)n, 1, err);
	BIO_free(b);
	return rc;
}

struct store *
store_open(const char *dir, const struct store_opts *o, struct error *err)
{
	struct store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return error_set(err, "store: out of memory"), NULL;
	s->o = *o;
	if (s->o.checkpoint_records == 0)
		s->o.checkpoint_records = 10000;
	if (s->o.checkpoint_ns == 0)
		s->o.checkpoint_ns = 5 * NSEC_PER_SEC;
	if (s->o.segment_size == 0)
		s->o.segment_size = 64ull << 20;
	if (s->o.segment_ns == 0)
		s->o.segment_ns = 86400 * NSEC_PER_SEC;
	if (s->o.fsync_ns == 0)
		s->o.fsync_ns = NSEC_PER_SEC;
	if (s->o.max_senders == 0)
		s->o.max_senders = 1024;
	buf_init(&s->body, 0);
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		error_errno(err, "store: %s", dir);
		free(s);
		return NULL;
	}
	s->streams = calloc(s->o.max_senders, sizeof(*s->streams));
	s->md = EVP_MD_CTX_new();
	if (s->streams == NULL || s->md == NULL || store_sha_init(&s->sha) < 0) {
		error_set(err, "store: out of memory");
		goto fail;
	}
	if (s->o.sign_key == NULL) {
		error_set(err, "store: no signing key");
		goto fail;
	}
	if (write_pubkey(s, err) < 0)
		goto fail;
	if (s->o.fsync == STORE_FSYNC_CHECKPOINT && syncer_start(&s->sync) < 0) {
		error_set(err, "store: cannot start the fsync thread");
		goto fail;
	}
	return s;
fail:
	close(s->dirfd);
	free(s->streams);
	EVP_MD_CTX_free(s->md);
	store_sha_free(&s->sha);
	free(s);
	return NULL;
}

void
store_set_signer(struct store *s, store_sign_fn fn, void *arg)
{
	s->sign_fn = fn;
	s->sign_arg = arg;
	if (fn != NULL)
		s->o.sign_key = NULL;	/* the caller may free its key now */
}

int
store_append(struct store *s, const struct store_rec_in *in, struct error *err)
{
	char name[STORE_SENDER_MAX + 1];
	struct stream *st;
	unsigned flags = in->flags & (STORE_F_TRUNCATED | STORE_F_PLAIN |
	    STORE_F_PARTIAL);
	uint32_t seqid, gap = 0;
	size_t plen = in->peer != NULL ? strlen(in->peer) : 0;
	uint8_t num[12];
	size_t nlen, before;
	long start;

	store_sender_sanitize(in->sender, name);
	if ((st = stream_get(s, name, err)) == NULL)
		return -1;
	seqid = raw_seqid(in->raw, in->len);
	if (!dedup(st, seqid, fnv64(in->raw, in->len), &flags, &gap)) {
		s->stats.duplicates++;
		return 0;
	}
	if (flags & STORE_F_GAP)
		s->stats.gaps++;
	if (plen > 255)
		plen = 255;
	nlen = strlen(name);
	store_put32(num, seqid);
	store_put32(num + 4, gap);
	store_put32(num + 8, in->orig_len > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)in->orig_len);
	/* built in place in the stream's write buffer: one copy of raw */
	before = st->wbuf.len;
	if (buf_reserve(&st->wbuf, STORE_ENTRY_OVERHEAD + 14 + nlen + plen +
	    in->len) < 0 ||
	    (start = store_entry_begin(&st->wbuf, STORE_T_RECORD,
	    (uint8_t)flags, st->next_seq, in->recv_ns, st->last_hash)) < 0 ||
	    buf_append_byte(&st->wbuf, (uint8_t)nlen) < 0 ||
	    buf_append(&st->wbuf, name, nlen) < 0 ||
	    buf_append_byte(&st->wbuf, (uint8_t)plen) < 0 ||
	    buf_append(&st->wbuf, in->peer != NULL ? in->peer : "", plen) < 0 ||
	    buf_append(&st->wbuf, num, sizeof(num)) < 0 ||
	    buf_append(&st->wbuf, in->raw, in->len) < 0 ||
	    store_entry_end(&st->wbuf, start, st->last_hash, &s->sha) < 0) {
		st->wbuf.len = before;
		return error_set(err, "store: record too large or out of memory");
	}
	st->next_seq++;
	st->seg_size += st->wbuf.len - before;
	st->seg_records++;
	st->since_ckpt++;
	s->stats.records++;
	if (st->since_ckpt >= s->o.checkpoint_records &&
	    checkpoint(s, st, STORE_CK_PERIODIC, err) < 0)
		return -1;
	if (st->seg_size >= s->o.segment_size && rotate(s, st, err) < 0)
		return -1;
	if (s->o.fsync == STORE_FSYNC_ALWAYS) {
		if (stream_sync(s, st, err) < 0)
			return -1;
	} else if (st->wbuf.len >= WBUF_FLUSH && stream_write(s, st, err) < 0) {
		return -1;
	}
	return 1;
}

int
store_flush(struct store *s, struct error *err)
{
	int rc = 0;

	for (size_t i = 0; i < s->nstreams; i++)
		if (stream_write(s, s->streams[i], err) < 0)
			rc = -1;
	return rc;
}

int
store_tick(struct store *s, struct error *err)
{
	uint64_t now = time_mono_ns();
	int rc = syncer_error(&s->sync, err);

	for (size_t i = 0; i < s->nstreams; i++) {
		struct stream *st = s->streams[i];

		if (st->since_ckpt > 0 &&
		    now - st->last_ckpt_mono >= s->o.checkpoint_ns &&
		    checkpoint(s, st, STORE_CK_PERIODIC, err) < 0)
			rc = -1;
		if (st->seg_records > 0 &&
		    now - st->seg_start_mono >= s->o.segment_ns &&
		    rotate(s, st, err) < 0)
			rc = -1;
		if (stream_write(s, st, err) < 0)
			rc = -1;
		if (st->dirty && s->o.fsync != STORE_FSYNC_NONE &&
		    now - st->last_sync_mono >= s->o.fsync_ns &&
		    stream_sync(s, st, err) < 0)
			rc = -1;
	}
	return rc;
}

int
store_close(struct store *s, struct error *err)
{
	int rc = 0;

	if (s == NULL)
		return 0;
	for (size_t i = 0; i < s->nstreams; i++) {
		struct stream *st = s->streams[i];

		if (st->fd >= 0 && (checkpoint(s, st, STORE_CK_CLOSE, err) < 0 ||
		    stream_sync(s, st, err) < 0))
			rc = -1;
	}
	syncer_drain(&s->sync);
	if (syncer_error(&s->sync, err) < 0)
		rc = -1;
	syncer_stop(&s->sync);
	for (size_t i = 0; i < s->nstreams; i++)
		stream_free(s->streams[i]);
	close(s->dirfd);
	free(s->streams);
	EVP_MD_CTX_free(s->md);
	store_sha_free(&s->sha);
	buf_free(&s->body);
	free(s);
	return rc;
}

const struct store_stats *
store_stats(const struct store *s)
{
	return &s->stats;
}
