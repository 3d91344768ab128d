/* summary: rotating pcap writer fed through a bounded ring, off the forwarding path. */
#include "capture/pcap_ring.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cpuset.h"
#include "core/timefmt.h"

/*
 * Single producer (the forwarding thread), single consumer (the writer).
 * The ring holds the capture files' bytes exactly as they go to disk:
 * each file's 24-byte pcap header, then its records (16-byte record
 * header, frame), back to back, wrapping around the end of the ring.  head
 * and tail are byte counters that only grow; ring offset = counter % size.
 * The producer decides where a file ends (rotation by size or time, as
 * tcpdump -C/-G): it pads the ring to the next DIO_ALIGN boundary, writes
 * the new file's header there and tells the writer through a small queue
 * of boundaries.  A file's byte F is thus at ring position start + F with
 * start aligned, so the writer hands whole blocks of the ring straight to
 * pwrite(2) on a file opened with O_DIRECT: no copy at all on the writer's
 * side, and none through the page cache.  A capture is written once and
 * read later if ever, so the page cache only costs CPU -- measured on the
 * benchmark machine, 1.28 s of system time per GB written buffered against
 * 0.10-0.15 s direct -- and that CPU is what the forwarding and the
 * traffic need (Arkime writes its pcap the same way).
 *
 * Direct writes cover whole blocks, so the last, partial block of a file
 * is written through the page cache (O_DIRECT off for one pwrite) when the
 * file ends, and -- so that a capture is complete on disk soon after the
 * traffic stops -- when the ring goes empty, at most every IDLE_FLUSH_NS
 * (at once for pcap_ring_sync); the next direct write covers that block
 * again.  A file system without O_DIRECT gets plain writes of the same
 * ranges.
 *
 * The producer never waits and makes no system call: a frame that does not
 * fit is lost to the capture (counted).  A write error loses the rest of
 * that file (its frames count as write_errors); the producer is asked to
 * start a new file, which the writer opens, at the earliest, a second
 * later.  Memory: ring_bytes, nothing else.
 */

#define DIO_ALIGN 4096u		/* block size direct writes are aligned to */
#define WRITE_MAX (4u << 20)	/* one write at most: frees ring space as it goes */
#define WRITE_MIN (1u << 20)	/* direct writes wait for this much (or idleness) */
#define IDLE_FLUSH_NS (20 * NSEC_PER_SEC / 1000)
#define NBOUND 64		/* file boundaries queued for the writer */
#define FILE_HDR 24
#define NDELETE 64		/* old files waiting to be unlinked */
#define WRITER_NICE (-10)

struct boundary {
	uint64_t pad_at;	/* where the file before ends (padding follows) */
	uint64_t start;		/* the new file's first byte (its header), aligned */
	uint64_t ts_ns;		/* its first frame's time: the file name */
	uint64_t prev_frames;	/* frames in the file before */
};

struct kept {
	char *name;
	uint64_t size;
};

struct pcap_ring {
	struct pcap_ring_config cfg;
	char *dir, *prefix;
	uint8_t *ring;
	size_t size;			/* a multiple of DIO_ALIGN */
	_Atomic int stop, hold, want_sync, new_file;
	pthread_t thread;
	int started;

	/*
	 * The producer's fields, on cache lines of their own: the writer
	 * polls head while it works, and a line shared with what the writer
	 * stores (tail, bytes) would bounce between the CPUs on every frame.
	 * packets is stored, never added to atomically: a locked add is a
	 * full barrier, which waited for the frame's copy into the ring (93%
	 * of pcap_ring_write's samples in perf, bench/gateway).  Throughput
	 * did not change measurably without it -- the copy's cache misses
	 * are paid later instead -- but the forwarding thread no longer
	 * stalls on them.  Only the producer writes these.
	 */
	alignas(64) _Atomic uint64_t head;
	_Atomic uint64_t packets;	/* frames put in the ring */
	int p_open;			/* a file is under way */
	uint64_t p_bytes, p_start_ns, p_frames, p_packets;
	alignas(64) _Atomic uint64_t tail;

	/* boundaries: written by the producer before head moves past them */
	struct boundary bq[NBOUND];
	_Atomic uint64_t bq_head, bq_tail;

	/* writer thread only */
	int fd;
	int direct;			/* fd is O_DIRECT */
	int failed;			/* this file's data is being thrown away */
	char cur[4096];
	uint64_t cur_start;		/* ring position of the file's byte 0 */
	uint64_t cur_bytes;		/* bytes of the file handed to the writer */
	uint64_t clean_to;		/* ring position written (buffered) up to */
	uint64_t seq;
	uint64_t retry_ns, last_write_ns;
	struct kept *kept;
	size_t nkept, capkept;
	uint64_t kept_bytes;

	/* old files are unlinked on a thread of their own: on a file system
	 * mounted with discard, unlinking 100 MB takes ~30 ms, which the
	 * writer cannot spare at line rate */
	pthread_t deleter;
	int deleter_started, del_init;
	pthread_mutex_t del_mu;
	pthread_cond_t del_cv;
	char *del_q[NDELETE];
	unsigned del_head, del_count;
	int del_busy;
	int del_stop;

	_Atomic uint64_t lost_frames;	/* of those, lost with a file that failed */
	_Atomic uint64_t bytes, dropped, write_errors;
	_Atomic uint64_t files_opened, files_deleted, buffered_bytes;
	_Atomic uint64_t synced;	/* ring position known to be on disk */
};

static void
unlink_counted(struct pcap_ring *r, const char *path)
{
	if (unlink(path) == 0 || errno == ENOENT)
		atomic_fetch_add(&r->files_deleted, 1);
}

static void *
deleter(void *arg)
{
	struct pcap_ring *r = arg;

	(void)pthread_setname_np(pthread_self(), "capture unlink");
	pthread_mutex_lock(&r->del_mu);
	for (;;) {
		char *path;

		while (r->del_count == 0 && !r->del_stop)
			pthread_cond_wait(&r->del_cv, &r->del_mu);
		if (r->del_count == 0)
			break;
		path = r->del_q[r->del_head];
		r->del_head = (r->del_head + 1) % NDELETE;
		r->del_count--;
		r->del_busy = 1;
		pthread_mutex_unlock(&r->del_mu);
		unlink_counted(r, path);
		free(path);
		pthread_mutex_lock(&r->del_mu);
		r->del_busy = 0;
	}
	pthread_mutex_unlock(&r->del_mu);
	return NULL;
}

static void
forget_oldest(struct pcap_ring *r)
{
	char path[4096 + 256], *copy = NULL;

	snprintf(path, sizeof(path), "%s/%s", r->dir, r->kept[0].name);
	if (r->deleter_started) {
		pthread_mutex_lock(&r->del_mu);
		if (r->del_count < NDELETE && (copy = strdup(path)) != NULL) {
			r->del_q[(r->del_head + r->del_count) % NDELETE] = copy;
			r->del_count++;
			pthread_cond_signal(&r->del_cv);
		}
		pthread_mutex_unlock(&r->del_mu);
	}
	if (copy == NULL)	/* no thread, queue full, no memory: here */
		unlink_counted(r, path);
	r->kept_bytes -= r->kept[0].size;
	free(r->kept[0].name);
	memmove(r->kept, r->kept + 1, (r->nkept - 1) * sizeof(*r->kept));
	r->nkept--;
}

static int
remember(struct pcap_ring *r, const char *name, uint64_t size)
{
	if (r->nkept == r->capkept) {
		size_t ncap = r->capkept ? r->capkept * 2 : 64;
		struct kept *n = realloc(r->kept, ncap * sizeof(*n));

		if (n == NULL)
			return -1;
		r->kept = n;
		r->capkept = ncap;
	}
	if ((r->kept[r->nkept].name = strdup(name)) == NULL)
		return -1;
	r->kept[r->nkept].size = size;
	r->nkept++;
	r->kept_bytes += size;
	return 0;
}

/* Deletes the oldest files until the bounds hold with one more file. */
static void
enforce_bounds(struct pcap_ring *r, int room_for_one)
{
	while (r->nkept > 0 && r->cfg.keep_files &&
	    r->nkept + (room_for_one ? 1 : 0) > r->cfg.keep_files)
		forget_oldest(r);
	while (r->nkept > 0 && r->cfg.keep_bytes &&
	    r->kept_bytes + r->cur_bytes > r->cfg.keep_bytes)
		forget_oldest(r);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kept *)a)->name,
	    ((const struct kept *)b)->name);
}

/* Files an earlier run left count against the bounds too. */
static void
scan_existing(struct pcap_ring *r)
{
	DIR *d = opendir(r->dir);
	struct dirent *de;
	size_t plen = strlen(r->prefix);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		char path[4096 + 256];
		struct stat sb;

		if (n < plen + 6 || strncmp(de->d_name, r->prefix, plen) != 0 ||
		    de->d_name[plen] != '-' ||
		    strcmp(de->d_name + n - 5, ".pcap") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", r->dir, de->d_name);
		if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		if (remember(r, de->d_name, (uint64_t)sb.st_size) == -1)
			break;
	}
	closedir(d);
	if (r->nkept > 1)
		qsort(r->kept, r->nkept, sizeof(*r->kept), name_cmp);
}

static int
pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
	while (n > 0) {
		ssize_t k = pwrite(fd, p, n, (off_t)off);

		if (k == -1 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

/* Ring bytes [from, to) to the file at their offset; at most up to the
 * ring's end in one piece. */
static int
write_range(struct pcap_ring *r, uint64_t from, uint64_t to)
{
	while (from < to) {
		size_t off = (size_t)(from % r->size);
		size_t n = to - from;

		if (n > r->size - off)
			n = r->size - off;
		if (pwrite_all(r->fd, r->ring + off, n, from - r->cur_start) == -1)
			return -1;
		from += n;
	}
	return 0;
}

/* The same through the page cache: O_DIRECT off for it. */
static int
write_range_buffered(struct pcap_ring *r, uint64_t from, uint64_t to)
{
	int fl, rc;

	if (!r->direct)
		return write_range(r, from, to);
	fl = fcntl(r->fd, F_GETFL);
	if (fl == -1 || fcntl(r->fd, F_SETFL, fl & ~O_DIRECT) == -1)
		return -1;
	rc = write_range(r, from, to);
	if (fcntl(r->fd, F_SETFL, fl) == -1)
		r->direct = 0;	/* keeps working, through the page cache */
	return rc;
}

/* A failing disk: the rest of this file's data goes (until the next
 * boundary); a new file is asked for a second later. */
static void
file_failed(struct pcap_ring *r)
{
	if (r->fd != -1) {
		close(r->fd);
		r->fd = -1;
		if (remember(r, r->cur, r->cur_bytes) == -1)
			atomic_fetch_add(&r->write_errors, 1);
		r->cur_bytes = 0;
	}
	r->failed = 1;
	r->retry_ns = time_mono_ns() + NSEC_PER_SEC;
}

static int
open_file(struct pcap_ring *r, uint64_t ts_ns, uint64_t start)
{
	char path[4096 + 256], when[32];
	time_t t = (time_t)(ts_ns / NSEC_PER_SEC);
	struct tm tm;
	int fd, fl;

	r->cur_bytes = 0;
	enforce_bounds(r, 1);
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	/* Never overwrite: a file of an earlier run may have this name. */
	for (int tries = 0;; tries++) {
		snprintf(r->cur, sizeof(r->cur), "%s-%s-%06llu.pcap", r->prefix,
		    when, (unsigned long long)r->seq++);
		snprintf(path, sizeof(path), "%s/%s", r->dir, r->cur);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
		if (fd != -1)
			break;
		if (errno != EEXIST || tries == 1000)
			return -1;
	}
	/* O_DIRECT where the file system has it (EINVAL where not) */
	fl = fcntl(fd, F_GETFL);
	r->direct = fl != -1 && fcntl(fd, F_SETFL, fl | O_DIRECT) == 0;
	r->fd = fd;
	r->cur_start = start;
	r->clean_to = start;
	atomic_fetch_add(&r->files_opened, 1);
	return 0;
}

/*
 * Writes what the ring holds of the current file up to end: whole blocks
 * directly, releasing their ring space for good; with all, the partial
 * block at the end too (buffered; its ring space stays taken, the next
 * direct write covers it again).
 */
static void
write_out(struct pcap_ring *r, uint64_t end, int all)
{
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	while (r->fd != -1 && tail < end) {
		uint64_t to = r->direct ? end & ~(uint64_t)(DIO_ALIGN - 1) : end;
		int rc;

		if (to <= tail)
			break;
		if (to - tail > WRITE_MAX)
			to = tail + WRITE_MAX;
		/* Falling behind (the ring over half full): through the page
		 * cache, which takes a burst at memory speed and writes it back
		 * with many requests in flight -- CPU spent only then. */
		if (r->direct && atomic_load_explicit(&r->head,
		    memory_order_relaxed) - tail > r->size / 2) {
			rc = write_range_buffered(r, tail, to);
			atomic_fetch_add(&r->buffered_bytes, to - tail);
		} else {
			rc = write_range(r, tail, to);
		}
		if (rc == -1 && errno == EINVAL && r->direct) {
			/* the device wants another alignment: plain writes */
			int fl = fcntl(r->fd, F_GETFL);

			if (fl != -1 && fcntl(r->fd, F_SETFL, fl & ~O_DIRECT) == 0) {
				r->direct = 0;
				continue;
			}
		}
		if (rc == -1) {
			file_failed(r);
			return;
		}
		r->cur_bytes += to - tail;
		atomic_fetch_add(&r->bytes, to - tail);
		r->last_write_ns = time_mono_ns();
		tail = to;
		atomic_store_explicit(&r->tail, tail, memory_order_release);
	}
	if (r->fd != -1 && all && tail < end && r->clean_to < end) {
		if (write_range_buffered(r, tail, end) == -1) {
			file_failed(r);
			return;
		}
		r->clean_to = end;
		r->last_write_ns = time_mono_ns();
	}
	if (r->cfg.keep_bytes)
		enforce_bounds(r, 0);
}

/* The current file ends at end (the next file's padding or the stop). */
static void
finish_file(struct pcap_ring *r, uint64_t end, uint64_t frames)
{
	uint64_t tail;

	if (r->fd != -1)
		write_out(r, end, 1);
	if (r->fd != -1) {
		tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
		if (end > tail) {	/* the partial block, written above */
			r->cur_bytes += end - tail;
			atomic_fetch_add(&r->bytes, end - tail);
		}
		if (close(r->fd) != 0)
			atomic_fetch_add(&r->write_errors, 1);
		r->fd = -1;
		if (remember(r, r->cur, r->cur_bytes) == -1)
			atomic_fetch_add(&r->write_errors, 1);
		r->cur_bytes = 0;
	}
	if (r->failed && frames) {
		/* a file that could not be (wholly) written: its frames */
		atomic_fetch_add(&r->write_errors, frames);
		atomic_fetch_add(&r->lost_frames, frames);
	}
}

/* Ring space up to pos is given back (padding, a lost file). */
static void
release_to(struct pcap_ring *r, uint64_t pos)
{
	if (pos > atomic_load_explicit(&r->tail, memory_order_relaxed))
		atomic_store_explicit(&r->tail, pos, memory_order_release);
}

/* The next file starts: open it, or lose it while the disk fails. */
static void
next_file(struct pcap_ring *r, const struct boundary *b)
{
	uint64_t now = time_mono_ns();

	release_to(r, b->start);
	if (now >= r->retry_ns && open_file(r, b->ts_ns, b->start) == 0) {
		r->failed = 0;
		return;
	}
	if (!r->failed || now >= r->retry_ns)
		r->retry_ns = now + NSEC_PER_SEC;
	r->failed = 1;
}

static void *
writer(void *arg)
{
	struct pcap_ring *r = arg;

	uint64_t prev_head = UINT64_MAX;

	/* The writer needs little CPU but needs it at once: each direct write
	 * waits for the disk, and a wake-up delayed behind the busy
	 * forwarding threads is disk time lost.  Best effort (root only). */
	(void)pthread_setname_np(pthread_self(), "capture");
	(void)setpriority(PRIO_PROCESS, (id_t)gettid(), WRITER_NICE);
	for (;;) {
		int stop = atomic_load(&r->stop);
		uint64_t head, end, bt, bh;
		const struct boundary *b = NULL;

		if (atomic_load(&r->hold) && !stop) {
			usleep(1000);
			continue;
		}
		/* boundaries first: one is published before head moves past it */
		bh = atomic_load_explicit(&r->bq_head, memory_order_acquire);
		bt = atomic_load_explicit(&r->bq_tail, memory_order_relaxed);
		head = atomic_load_explicit(&r->head, memory_order_acquire);
		if (bt != bh) {
			b = &r->bq[bt % NBOUND];
			if (head >= b->start + FILE_HDR) {
				finish_file(r, b->pad_at, b->prev_frames);
				next_file(r, b);
				atomic_store_explicit(&r->bq_tail, bt + 1,
				    memory_order_release);
				continue;
			}
		}
		end = b != NULL ? b->pad_at : head;
		if (r->failed || r->fd == -1) {
			release_to(r, end);
			/* a failed file: ask for a new one once the wait is over */
			if (r->failed && b == NULL && time_mono_ns() >= r->retry_ns)
				atomic_store(&r->new_file, 1);
		} else {
			uint64_t pending = end - atomic_load_explicit(&r->tail,
			    memory_order_relaxed);

			/* large writes: one request at a time goes to the disk,
			 * so each should be worth its wait */
			if (pending >= WRITE_MIN || !r->direct)
				write_out(r, end, 0);
			/* The partial block, so that the file is complete on
			 * disk: when asked, when nothing came in since the last
			 * look, or every IDLE_FLUSH_NS while the data trickles
			 * in too slowly for whole writes -- not while it streams
			 * (the next direct write would have to flush it again). */
			if (r->fd != -1 && r->clean_to < end &&
			    (atomic_load(&r->want_sync) || stop || head == prev_head ||
			    time_mono_ns() - r->last_write_ns >= IDLE_FLUSH_NS))
				write_out(r, end, 1);
		}
		prev_head = head;
		if (b == NULL && (r->fd == -1 || r->clean_to >= head ||
		    atomic_load_explicit(&r->tail, memory_order_relaxed) >= head)) {
			atomic_store(&r->synced, head);
			atomic_store(&r->want_sync, 0);
		}
		if (stop && b == NULL && head == atomic_load_explicit(&r->head,
		    memory_order_acquire))
			break;
		if (b == NULL && head == atomic_load_explicit(&r->head,
		    memory_order_acquire))
			usleep(1000);
	}
	finish_file(r, atomic_load(&r->head), r->p_frames);
	return NULL;
}

struct pcap_ring *
pcap_ring_new(const struct pcap_ring_config *cfg, struct error *err)
{
	struct pcap_ring *r;
	int rc;

	if (cfg->ring_bytes < (64u << 10)) {
		error_set(err, "capture ring of %zu bytes: at least 64 KiB",
		    cfg->ring_bytes);
		return NULL;
	}
	/* aligned: the producer's and the writer's fields are on lines of
	 * their own */
	r = aligned_alloc(64, (sizeof(*r) + 63) & ~(size_t)63);
	if (r != NULL)
		memset(r, 0, sizeof(*r));
	if (r == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	if (r->cfg.snaplen == 0)
		r->cfg.snaplen = 65535;
	r->size = cfg->ring_bytes & ~(size_t)(DIO_ALIGN - 1);
	r->dir = strdup(cfg->dir);
	r->prefix = strdup(cfg->prefix ? cfg->prefix : "apiary-gw");
	r->fd = -1;
	if (posix_memalign((void **)&r->ring, DIO_ALIGN, r->size) != 0)
		r->ring = NULL;
	if (r->dir == NULL || r->prefix == NULL || r->ring == NULL) {
		error_set(err, "out of memory for a %zu byte capture ring",
		    r->size);
		pcap_ring_free(r);
		return NULL;
	}
	/* Touch the ring now: its memory is committed at start, not as the
	 * first flood fills it (the bound is then visible from the start). */
	memset(r->ring, 0, r->size);
	r->cfg.dir = r->dir;
	r->cfg.prefix = r->prefix;
	if (mkdir(r->dir, 0750) == -1 && errno != EEXIST) {
		error_errno(err, "capture directory %s", r->dir);
		pcap_ring_free(r);
		return NULL;
	}
	scan_existing(r);
	pthread_mutex_init(&r->del_mu, NULL);
	pthread_cond_init(&r->del_cv, NULL);
	r->del_init = 1;
	r->deleter_started = pthread_create(&r->deleter, NULL, deleter, r) == 0;
	rc = pthread_create(&r->thread, NULL, writer, r);
	if (rc != 0) {
		errno = rc;
		error_errno(err, "capture thread");
		pcap_ring_free(r);
		return NULL;
	}
	r->started = 1;
	return r;
}

/* Copies n bytes to ring position pos, wrapping at the end. */
static void
ring_put(struct pcap_ring *r, uint64_t pos, const void *p, size_t n)
{
	size_t off = (size_t)(pos % r->size), first = r->size - off;

	if (n <= first) {
		memcpy(r->ring + off, p, n);
	} else {
		memcpy(r->ring + off, p, first);
		memcpy(r->ring, (const uint8_t *)p + first, n - first);
	}
}

int
pcap_ring_write2(struct pcap_ring *r, uint64_t ts_ns, const uint8_t *a,
    uint32_t alen, const uint8_t *b, uint32_t blen, uint32_t wirelen)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	uint64_t need, pos, start = 0;
	uint32_t caplen, hdr[4];
	int rotate;

	if (alen > r->cfg.snaplen)
		alen = r->cfg.snaplen;
	if (blen > r->cfg.snaplen - alen)
		blen = r->cfg.snaplen - alen;
	caplen = alen + blen;
	need = 16 + (uint64_t)caplen;
	/* A new file: the first frame, the bounds of tcpdump -C/-G, or the
	 * writer asks for one (after a write error). */
	rotate = !r->p_open ||
	    (r->cfg.rotate_bytes && r->p_bytes >= r->cfg.rotate_bytes) ||
	    (r->cfg.rotate_ns && ts_ns >= r->p_start_ns + r->cfg.rotate_ns) ||
	    atomic_load_explicit(&r->new_file, memory_order_relaxed);
	if (rotate && atomic_load_explicit(&r->bq_head, memory_order_relaxed) -
	    atomic_load_explicit(&r->bq_tail, memory_order_acquire) == NBOUND)
		rotate = r->p_open ? 0 : -1;	/* the writer is behind */
	if (rotate == 1) {
		start = (head + DIO_ALIGN - 1) & ~(uint64_t)(DIO_ALIGN - 1);
		need += start - head + FILE_HDR;
	}
	if (rotate < 0 || need > r->size - (head - tail)) {
		atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
		return -1;
	}
	pos = head;
	if (rotate == 1) {
		struct {
			uint32_t magic;
			uint16_t major, minor;
			uint32_t thiszone, sigfigs, snaplen, linktype;
		} fh = { 0xa1b23c4d, 2, 4, 0, 0, r->cfg.snaplen, 1 };
		uint64_t bh = atomic_load_explicit(&r->bq_head,
		    memory_order_relaxed);
		struct boundary *bd = &r->bq[bh % NBOUND];

		atomic_store_explicit(&r->new_file, 0, memory_order_relaxed);
		bd->pad_at = head;
		bd->start = start;
		bd->ts_ns = ts_ns;
		bd->prev_frames = r->p_frames;
		ring_put(r, start, &fh, FILE_HDR);
		/* the writer reads the entry only after head passed it */
		atomic_store_explicit(&r->bq_head, bh + 1, memory_order_release);
		r->p_open = 1;
		r->p_bytes = FILE_HDR;
		r->p_start_ns = ts_ns;
		r->p_frames = 0;
		pos = start + FILE_HDR;
	}
	hdr[0] = (uint32_t)(ts_ns / NSEC_PER_SEC);
	hdr[1] = (uint32_t)(ts_ns % NSEC_PER_SEC);
	hdr[2] = caplen;
	hdr[3] = wirelen < caplen ? caplen : wirelen;
	ring_put(r, pos, hdr, 16);
	ring_put(r, pos + 16, a, alen);
	if (blen)
		ring_put(r, pos + 16 + alen, b, blen);
	pos += 16 + (uint64_t)caplen;
	r->p_bytes += 16 + (uint64_t)caplen;
	r->p_frames++;
	atomic_store_explicit(&r->packets, ++r->p_packets, memory_order_relaxed);
	atomic_store_explicit(&r->head, pos, memory_order_release);
	return 0;
}

int
pcap_ring_write(struct pcap_ring *r, uint64_t ts_ns, const uint8_t *data,
    uint32_t caplen, uint32_t wirelen)
{
	return pcap_ring_write2(r, ts_ns, data, caplen, NULL, 0, wirelen);
}

int
pcap_ring_set_cpus(struct pcap_ring *r, const cpu_set_t *cpus,
    struct error *err)
{
	return cpuset_apply(r->thread, cpus, err);
}

void
pcap_ring_get_stats(struct pcap_ring *r, struct pcap_ring_stats *st)
{
	uint64_t lost = atomic_load(&r->lost_frames);	/* first: packets covers them */

	st->packets = atomic_load(&r->packets) - lost;
	st->bytes = atomic_load(&r->bytes);
	st->dropped = atomic_load(&r->dropped);
	st->write_errors = atomic_load(&r->write_errors);
	st->files_opened = atomic_load(&r->files_opened);
	st->files_deleted = atomic_load(&r->files_deleted);
	st->buffered_bytes = atomic_load(&r->buffered_bytes);
}

/* 1 while old files wait to be unlinked. */
static int
deleting(struct pcap_ring *r)
{
	int busy;

	if (!r->deleter_started)
		return 0;
	pthread_mutex_lock(&r->del_mu);
	busy = r->del_count > 0 || r->del_busy;
	pthread_mutex_unlock(&r->del_mu);
	return busy;
}

void
pcap_ring_sync(struct pcap_ring *r)
{
	uint64_t want = atomic_load(&r->head);

	atomic_store(&r->want_sync, 1);
	/* Bounded: 10 s, then give up (a stuck disk must not hang exit). */
	for (int i = 0; i < 10000 && atomic_load(&r->synced) < want &&
	    !atomic_load(&r->hold); i++)
		usleep(1000);
	for (int i = 0; i < 10000 && deleting(r); i++)	/* and the old files gone */
		usleep(1000);
}

void
pcap_ring_hold(struct pcap_ring *r, int hold)
{
	atomic_store(&r->hold, hold);
}

void
pcap_ring_free(struct pcap_ring *r)
{
	if (r == NULL)
		return;
	if (r->started) {
		atomic_store(&r->hold, 0);
		atomic_store(&r->stop, 1);
		pthread_join(r->thread, NULL);
	}
	if (r->deleter_started) {	/* after the writer: it queues deletions */
		pthread_mutex_lock(&r->del_mu);
		r->del_stop = 1;
		pthread_cond_signal(&r->del_cv);
		pthread_mutex_unlock(&r->del_mu);
		pthread_join(r->deleter, NULL);
	}
	if (r->del_init) {
		pthread_cond_destroy(&r->del_cv);
		pthread_mutex_destroy(&r->del_mu);
	}
	for (size_t i = 0; i < r->nkept; i++)
		free(r->kept[i].name);
	free(r->kept);
	free(r->ring);
	free(r->dir);
	free(r->prefix);
	free(r);
}
