/* summary: the agent's disk spool: every record kept in order until sent, bounded. */
#include "agent/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * On disk: DIR/NNNNNNNNNNNNNNNN.spool, named by the serial of its first
 * record (16 hex digits), holding records as
 *     u32 length (little endian) | u64 serial | length bytes
 * and DIR/sent holding the last serial known delivered, as text.  A torn
 * record at the end of the newest segment (the agent died mid-write) is
 * cut off when the spool is opened.
 */
#define REC_HDR 12
#define MAX_SEGMENTS 65536

struct segment {
	uint64_t first, last;	/* serials; last < first when empty */
	uint64_t size;
};

struct spool {
	pthread_mutex_t lock;
	int dirfd;
	struct segment *seg;
	size_t nseg, capseg;
	uint64_t max_bytes, bytes;
	uint64_t last, sent, lost;
	int wfd;			/* newest segment, open for append */
	/* read cursor: avoids rescanning a segment for sequential reads */
	int rfd;
	size_t rseg;
	uint64_t roff, rlast;
};

static void
seg_name(uint64_t first, char out[32])
{
	snprintf(out, 32, "%016" PRIx64 ".spool", first);
}

static int
cmp_seg(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Scans a segment: its last serial and the length of its whole records. */
static int
scan_segment(int dirfd, struct segment *sg, struct error *err)
{
	char name[32];
	uint8_t hdr[REC_HDR];
	uint64_t off = 0;
	int fd;

	seg_name(sg->first, name);
	if ((fd = openat(dirfd, name, O_RDWR | O_CLOEXEC)) == -1)
		return error_errno(err, "spool: %s", name);
	sg->last = sg->first - 1;
	for (;;) {
		ssize_t n = pread(fd, hdr, REC_HDR, (off_t)off);
		uint32_t len;
		struct stat sb;

		if (n != REC_HDR)
			break;
		len = get_u32(hdr);
		if (len > SPOOL_RECORD_MAX || fstat(fd, &sb) == -1 ||
		    (uint64_t)sb.st_size < off + REC_HDR + len)
			break;
		sg->last = get_u64(hdr + 4);
		off += REC_HDR + len;
	}
	/* cut a torn tail */
	if (ftruncate(fd, (off_t)off) == -1) {
		close(fd);
		return error_errno(err, "spool: truncating %s", name);
	}
	sg->size = off;
	close(fd);
	return 0;
}

static int
push_segment(struct spool *s, uint64_t first, struct error *err)
{
	if (s->nseg == s->capseg) {
		size_t ncap = s->capseg ? s->capseg * 2 : 16;
		struct segment *n;
		if (ncap > MAX_SEGMENTS ||
		    (n = realloc(s->seg, ncap * sizeof(*n))) == NULL)
			return error_set(err, "spool: too many segments");
		s->seg = n;
		s->capseg = ncap;
	}
	s->seg[s->nseg].first = first;
	s->seg[s->nseg].last = first - 1;
	s->seg[s->nseg].size = 0;
	s->nseg++;
	return 0;
}

static int
load_sent(struct spool *s)
{
	char text[32] = "";
	int fd = openat(s->dirfd, "sent", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n > 0) {
		text[n] = '\0';
		s->sent = strtoull(text, NULL, 10);
	}
	return 0;
}

static int
open_writer(struct spool *s, struct error *err)
{
	char name[32];

	if (s->wfd >= 0)
		close(s->wfd);
	seg_name(s->seg[s->nseg - 1].first, name);
	s->wfd = openat(s->dirfd, name, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0600);
	if (s->wfd == -1)
		return error_errno(err, "spool: %s", name);
	return 0;
}

struct spool *
spool_open(const char *dir, uint64_t max_bytes, struct error *err)
{
	struct spool *s;
	struct dirent *de;
	DIR *d;
	int fd;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		error_errno(err, "spool: %s", dir);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		error_set(err, "spool: out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->wfd = s->rfd = -1;
	s->max_bytes = max_bytes < 4 * SPOOL_SEGMENT_BYTES ?
	    4 * SPOOL_SEGMENT_BYTES : max_bytes;
	if ((s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		error_errno(err, "spool: %s", dir);
		free(s);
		return NULL;
	}
	if ((fd = dup(s->dirfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		error_errno(err, "spool: %s", dir);
		goto fail;
	}
	while ((de = readdir(d)) != NULL) {
		char *end;
		uint64_t first;
		if (strlen(de->d_name) != 22 || strcmp(de->d_name + 16, ".spool"))
			continue;
		first = strtoull(de->d_name, &end, 16);
		if (end != de->d_name + 16 || first == 0)
			continue;
		if (push_segment(s, first, err) == -1) {
			closedir(d);
			goto fail;
		}
	}
	closedir(d);
	if (s->nseg > 1)
		qsort(s->seg, s->nseg, sizeof(*s->seg), cmp_seg);
	for (size_t i = 0; i < s->nseg; i++) {
		if (scan_segment(s->dirfd, &s->seg[i], err) == -1)
			goto fail;
		s->bytes += s->seg[i].size;
		if (s->seg[i].last >= s->seg[i].first)
			s->last = s->seg[i].last;
	}
	if (s->nseg > 0 && s->last < s->seg[s->nseg - 1].first - 1)
		s->last = s->seg[s->nseg - 1].first - 1;
	load_sent(s);
	if (s->sent > s->last)
		s->sent = s->last;
	if (s->nseg == 0 && push_segment(s, 1, err) == -1)
		goto fail;
	if (open_writer(s, err) == -1)
		goto fail;
	return s;
fail:
	spool_close(s);
	return NULL;
}

void
spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	if (s->wfd >= 0)
		close(s->wfd);
	if (s->rfd >= 0)
		close(s->rfd);
	close(s->dirfd);
	pthread_mutex_destroy(&s->lock);
	free(s->seg);
	free(s);
}

/* Deletes the oldest segment; unsent records in it are lost. */
static int
drop_oldest(struct spool *s, struct error *err)
{
	struct segment *old = &s->seg[0];
	char name[32];

	if (old->last >= old->first && old->last > s->sent)
		s->lost += old->last - (s->sent >= old->first ? s->sent :
		    old->first - 1);
	if (s->sent < old->last)
		s->sent = old->last;	/* nothing there to send any more */
	seg_name(old->first, name);
	if (unlinkat(s->dirfd, name, 0) == -1 && errno != ENOENT)
		return error_errno(err, "spool: deleting %s", name);
	s->bytes -= old->size;
	memmove(s->seg, s->seg + 1, (s->nseg - 1) * sizeof(*s->seg));
	s->nseg--;
	if (s->rfd >= 0) {		/* the cursor pointed into it or later */
		close(s->rfd);
		s->rfd = -1;
	}
	return 0;
}

int
spool_append(struct spool *s, const void *msg, size_t len, uint64_t *serial,
    struct error *err)
{
	uint8_t hdr[REC_HDR];
	struct iovec iov[2];
	struct segment *cur;
	int rc = -1;

	if (len > SPOOL_RECORD_MAX)
		return error_set(err, "spool: record of %zu bytes is over the "
		    "%u-byte limit", len, SPOOL_RECORD_MAX);
	pthread_mutex_lock(&s->lock);
	cur = &s->seg[s->nseg - 1];
	if (cur->size + REC_HDR + len > SPOOL_SEGMENT_BYTES && cur->size > 0) {
		if (push_segment(s, s->last + 1, err) == -1 ||
		    open_writer(s, err) == -1)
			goto out;
		cur = &s->seg[s->nseg - 1];
	}
	while (s->bytes + REC_HDR + len > s->max_bytes && s->nseg > 1)
		if (drop_oldest(s, err) == -1)
			goto out;
	cur = &s->seg[s->nseg - 1];
	put_u32(hdr, (uint32_t)len);
	put_u64(hdr + 4, s->last + 1);
	iov[0].iov_base = hdr;
	iov[0].iov_len = REC_HDR;
	iov[1].iov_base = (void *)msg;
	iov[1].iov_len = len;
	if (writev(s->wfd, iov, 2) != (ssize_t)(REC_HDR + len)) {
		error_errno(err, "spool: write");
		/* cut whatever part made it, so the file stays whole records */
		if (ftruncate(s->wfd, (off_t)cur->size) == -1)
			error_errno(err, "spool: write failed and truncation too");
		goto out;
	}
	s->last++;
	cur->last = s->last;
	cur->size += REC_HDR + len;
	s->bytes += REC_HDR + len;
	*serial = s->last;
	rc = 0;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Positions the read cursor at the segment holding serial `want`. */
static int
seek_cursor(struct spool *s, uint64_t want, struct error *err)
{
	size_t i;
	char name[32];

	if (s->rfd >= 0 && s->rseg < s->nseg && s->rlast + 1 == want)
		return 0;	/* sequential read: keep going */
	for (i = s->nseg; i-- > 0;)
		if (s->seg[i].first <= want)
			break;
	if (i == (size_t)-1)
		i = 0;
	if (s->rfd >= 0)
		close(s->rfd);
	seg_name(s->seg[i].first, name);
	if ((s->rfd = openat(s->dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return error_errno(err, "spool: %s", name);
	s->rseg = i;
	s->roff = 0;
	s->rlast = s->seg[i].first - 1;
	return 0;
}

int
spool_read_after(struct spool *s, uint64_t after, struct buf *out,
    uint64_t *serial, struct error *err)
{
	uint8_t hdr[REC_HDR];
	int rc = -1;

	pthread_mutex_lock(&s->lock);
	if (after >= s->last) {
		rc = 0;
		goto out;
	}
	if (seek_cursor(s, after + 1, err) == -1)
		goto out;
	for (;;) {
		uint32_t len;
		uint64_t ser;
		char name[32];

		if (s->roff >= s->seg[s->rseg].size) {
			/* on to the next segment */
			if (s->rseg + 1 >= s->nseg) {
				rc = 0;
				goto out;
			}
			close(s->rfd);
			s->rseg++;
			seg_name(s->seg[s->rseg].first, name);
			if ((s->rfd = openat(s->dirfd, name, O_RDONLY |
			    O_CLOEXEC)) == -1) {
				error_errno(err, "spool: %s", name);
				goto out;
			}
			s->roff = 0;
			continue;
		}
		if (pread(s->rfd, hdr, REC_HDR, (off_t)s->roff) != REC_HDR) {
			error_errno(err, "spool: short read");
			goto out;
		}
		len = get_u32(hdr);
		ser = get_u64(hdr + 4);
		if (len > SPOOL_RECORD_MAX) {
			error_set(err, "spool: corrupt record at offset %" PRIu64,
			    s->roff);
			goto out;
		}
		if (ser <= after) {
			s->roff += REC_HDR + len;
			s->rlast = ser;
			continue;
		}
		buf_reset(out);
		if (buf_reserve(out, len) == -1) {
			error_set(err, "spool: out of memory");
			goto out;
		}
		if (pread(s->rfd, out->data, len, (off_t)(s->roff + REC_HDR)) !=
		    (ssize_t)len) {
			error_errno(err, "spool: short read");
			goto out;
		}
		out->len = len;
		s->roff += REC_HDR + len;
		s->rlast = ser;
		*serial = ser;
		rc = 1;
		goto out;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Reads one counter under the lock (the sender thread reads, the
 * recorder writes). */
static uint64_t
locked(struct spool *s, const uint64_t *field)
{
	uint64_t v;

	pthread_mutex_lock(&s->lock);
	v = *field;
	pthread_mutex_unlock(&s->lock);
	return v;
}

uint64_t
spool_last(struct spool *s)
{
	return locked(s, &s->last);
}

int
spool_set_sent(struct spool *s, uint64_t serial, struct error *err)
{
	char text[32];
	int fd, n, rc = 0;

	pthread_mutex_lock(&s->lock);
	if (serial > s->sent)
		s->sent = serial;
	n = snprintf(text, sizeof(text), "%" PRIu64 "\n", s->sent);
	fd = openat(s->dirfd, "sent.tmp", O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, text, (size_t)n) != n ||
	    renameat(s->dirfd, "sent.tmp", s->dirfd, "sent") == -1)
		rc = error_errno(err, "spool: saving the sent mark");
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

uint64_t
spool_sent(struct spool *s)
{
	return locked(s, &s->sent);
}

uint64_t
spool_lost(struct spool *s)
{
	return locked(s, &s->lost);
}

uint64_t
spool_bytes(struct spool *s)
{
	return locked(s, &s->bytes);
}
