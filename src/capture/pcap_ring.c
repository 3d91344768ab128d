/* summary: rotating pcap writer fed through a bounded ring, off the forwarding path. */
#include "capture/pcap_ring.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/timefmt.h"

/*
 * Single producer (the forwarding thread), single consumer (the writer).
 * head and tail are byte counters that only grow; the ring offset is
 * counter % size.  A record never wraps: when it does not fit before the
 * end, a skip marker fills the rest.  Each record holds, after 16 bytes of
 * ring header (length, skip flag, timestamp for rotation), the pcap record
 * header and the frame exactly as they go to disk, so the writer hands up
 * to IOV_BATCH records at a time to writev(2) straight from the ring: no
 * stdio buffer, no second copy.  The producer never waits and makes no
 * system call; the consumer sleeps 1 ms when it finds the ring empty.
 */

#define REC_HDR 32		/* ring header 16 + pcap record header 16 */
#define SKIP UINT32_MAX
#define IOV_BATCH 256

struct rec {
	uint32_t len;		/* whole record, padded to 8 */
	uint32_t flag;		/* SKIP for a skip marker */
	uint64_t ts_ns;
	uint32_t sec, nsec, caplen, wirelen;	/* the pcap record header */
};

struct kept {
	char *name;
	uint64_t size;
};

struct pcap_ring {
	struct pcap_ring_config cfg;
	char *dir, *prefix;
	uint8_t *ring;
	size_t size;
	_Atomic uint64_t head, tail;
	_Atomic int stop, hold;
	pthread_t thread;
	int started;

	/* writer thread only */
	int fd;
	char cur[4096];
	uint64_t cur_bytes, cur_start_ns, seq;
	uint64_t retry_ns;
	struct kept *kept;
	size_t nkept, capkept;
	uint64_t kept_bytes;
	struct iovec iov[IOV_BATCH];
	int niov;
	uint64_t iov_bytes, iov_pkts;

	_Atomic uint64_t packets, bytes, dropped, write_errors;
	_Atomic uint64_t files_opened, files_deleted;
	_Atomic uint64_t synced;	/* tail position known to be written */
};

static void
forget_oldest(struct pcap_ring *r)
{
	char path[4096 + 256];

	snprintf(path, sizeof(path), "%s/%s", r->dir, r->kept[0].name);
	if (unlink(path) == 0 || errno == ENOENT)
		atomic_fetch_add(&r->files_deleted, 1);
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

static void
close_file(struct pcap_ring *r)
{
	if (r->fd == -1)
		return;
	if (close(r->fd) != 0)
		atomic_fetch_add(&r->write_errors, 1);
	r->fd = -1;
	if (remember(r, r->cur, r->cur_bytes) == -1)
		atomic_fetch_add(&r->write_errors, 1);
	r->cur_bytes = 0;
}

static int
open_file(struct pcap_ring *r, uint64_t ts_ns)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		uint32_t thiszone, sigfigs, snaplen, linktype;
	} hdr = { 0xa1b23c4d, 2, 4, 0, 0, r->cfg.snaplen, 1 };
	char path[4096 + 256], when[32];
	time_t t = (time_t)(ts_ns / NSEC_PER_SEC);
	struct tm tm;
	int fd;

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
	if (write(fd, &hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		close(fd);
		unlink(path);
		return -1;
	}
	r->fd = fd;
	r->cur_bytes = sizeof(hdr);
	r->cur_start_ns = ts_ns;
	atomic_fetch_add(&r->files_opened, 1);
	return 0;
}

/* Writes the gathered records; on failure they count as lost. */
static void
flush_iov(struct pcap_ring *r)
{
	ssize_t n;

	if (r->niov == 0)
		return;
	do
		n = writev(r->fd, r->iov, r->niov);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)r->iov_bytes) {
		r->cur_bytes += r->iov_bytes;
		atomic_fetch_add(&r->packets, r->iov_pkts);
		atomic_fetch_add(&r->bytes, r->iov_bytes);
	} else {
		/* Disk full or failing: a partial record may be on disk; close
		 * the file so the next one starts clean, and retry in 1 s. */
		atomic_fetch_add(&r->write_errors, r->iov_pkts);
		if (n > 0)
			r->cur_bytes += (uint64_t)n;
		close_file(r);
		r->retry_ns = time_mono_ns() + NSEC_PER_SEC;
	}
	r->niov = 0;
	r->iov_bytes = r->iov_pkts = 0;
	if (r->cfg.keep_bytes)
		enforce_bounds(r, 0);
}

static void
add_rec(struct pcap_ring *r, const struct rec *h, uint8_t *pcap_part)
{
	uint64_t len = 16 + (uint64_t)h->caplen;

	if (r->fd != -1 &&
	    ((r->cfg.rotate_bytes &&
	    r->cur_bytes + r->iov_bytes >= r->cfg.rotate_bytes) ||
	    (r->cfg.rotate_ns && h->ts_ns >= r->cur_start_ns + r->cfg.rotate_ns))) {
		flush_iov(r);
		close_file(r);
	}
	if (r->fd == -1) {
		uint64_t now = time_mono_ns();

		if (now < r->retry_ns || open_file(r, h->ts_ns) == -1) {
			if (now >= r->retry_ns)
				r->retry_ns = now + NSEC_PER_SEC;
			atomic_fetch_add(&r->write_errors, 1);
			return;
		}
	}
	r->iov[r->niov].iov_base = pcap_part;
	r->iov[r->niov].iov_len = (size_t)len;
	r->niov++;
	r->iov_bytes += len;
	r->iov_pkts++;
	if (r->niov == IOV_BATCH)
		flush_iov(r);
}

static void *
writer(void *arg)
{
	struct pcap_ring *r = arg;

	for (;;) {
		uint64_t head = atomic_load_explicit(&r->head,
		    memory_order_acquire);
		uint64_t tail = atomic_load_explicit(&r->tail,
		    memory_order_relaxed);

		if (atomic_load(&r->hold) && !atomic_load(&r->stop)) {
			usleep(1000);
			continue;
		}
		while (tail != head) {
			struct rec h;
			size_t off = (size_t)(tail % r->size);

			/* A skip marker may be only 8 bytes long. */
			memcpy(&h, r->ring + off, 8);
			if (h.flag != SKIP) {
				memcpy(&h, r->ring + off, sizeof(h));
				add_rec(r, &h, r->ring + off + 16);
			}
			tail += h.len;
			/* The iov points into the ring: release only what is
			 * written. */
			if (r->niov == 0)
				atomic_store_explicit(&r->tail, tail,
				    memory_order_release);
		}
		flush_iov(r);
		atomic_store_explicit(&r->tail, tail, memory_order_release);
		atomic_store(&r->synced, tail);
		if (atomic_load(&r->stop) &&
		    atomic_load_explicit(&r->head, memory_order_acquire) == tail)
			break;
		if (tail == atomic_load_explicit(&r->head, memory_order_acquire))
			usleep(1000);
	}
	close_file(r);
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
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	if (r->cfg.snaplen == 0)
		r->cfg.snaplen = 65535;
	r->size = cfg->ring_bytes & ~(size_t)7;
	r->dir = strdup(cfg->dir);
	r->prefix = strdup(cfg->prefix ? cfg->prefix : "apiary-gw");
	r->fd = -1;
	r->ring = malloc(r->size);
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

int
pcap_ring_write2(struct pcap_ring *r, uint64_t ts_ns, const uint8_t *a,
    uint32_t alen, const uint8_t *b, uint32_t blen, uint32_t wirelen)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	uint32_t caplen;
	size_t need, off, skip = 0;
	struct rec h;

	if (alen > r->cfg.snaplen)
		alen = r->cfg.snaplen;
	if (blen > r->cfg.snaplen - alen)
		blen = r->cfg.snaplen - alen;
	caplen = alen + blen;
	need = (REC_HDR + caplen + 7) & ~(size_t)7;
	off = (size_t)(head % r->size);
	if (off + need > r->size)
		skip = r->size - off;
	if (need + skip > r->size - (size_t)(head - tail)) {
		atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
		return -1;
	}
	if (skip) {
		memset(&h, 0, sizeof(h));
		h.len = (uint32_t)skip;
		h.flag = SKIP;
		memcpy(r->ring + off, &h, 8);
		head += skip;
		off = 0;
	}
	h.len = (uint32_t)need;
	h.flag = 0;
	h.ts_ns = ts_ns;
	h.sec = (uint32_t)(ts_ns / NSEC_PER_SEC);
	h.nsec = (uint32_t)(ts_ns % NSEC_PER_SEC);
	h.caplen = caplen;
	h.wirelen = wirelen < caplen ? caplen : wirelen;
	memcpy(r->ring + off, &h, sizeof(h));
	memcpy(r->ring + off + REC_HDR, a, alen);
	if (blen)
		memcpy(r->ring + off + REC_HDR + alen, b, blen);
	atomic_store_explicit(&r->head, head + need, memory_order_release);
	return 0;
}

int
pcap_ring_write(struct pcap_ring *r, uint64_t ts_ns, const uint8_t *data,
    uint32_t caplen, uint32_t wirelen)
{
	return pcap_ring_write2(r, ts_ns, data, caplen, NULL, 0, wirelen);
}

void
pcap_ring_get_stats(struct pcap_ring *r, struct pcap_ring_stats *st)
{
	st->packets = atomic_load(&r->packets);
	st->bytes = atomic_load(&r->bytes);
	st->dropped = atomic_load(&r->dropped);
	st->write_errors = atomic_load(&r->write_errors);
	st->files_opened = atomic_load(&r->files_opened);
	st->files_deleted = atomic_load(&r->files_deleted);
}

void
pcap_ring_sync(struct pcap_ring *r)
{
	uint64_t want = atomic_load(&r->head);

	/* Bounded: 10 s, then give up (a stuck disk must not hang exit). */
	for (int i = 0; i < 10000 && atomic_load(&r->synced) < want &&
	    !atomic_load(&r->hold); i++)
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
	for (size_t i = 0; i < r->nkept; i++)
		free(r->kept[i].name);
	free(r->kept);
	free(r->ring);
	free(r->dir);
	free(r->prefix);
	free(r);
}
