/* summary: capture files (pcap and pcapng) read in order, frame by frame. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "io/pcap_source.h"

/*
 * Two readers behind one interface.
 *
 * Classic pcap in a regular file (the common case, and the big one) is
 * mapped and walked here: each frame is a pointer into the mapping, so no
 * byte is copied between the page cache and the decoder.  Profiling
 * `apiary analyze` and `apiary tcpflow` on a 337 MB capture showed ~20% of
 * the reader thread in the kernel's copy into the stdio buffer
 * (_copy_to_iter) and libpcap's fread/memcpy out of it.  Measured on that
 * capture (cached), `apiary analyze -n --no-app`: 0.10-0.13 s -> 0.06-0.08
 * s wall, system time 0.03-0.07 s -> 0.00-0.01 s.  MAP_POPULATE was no
 * faster (0.09 s: the kernel's fault-around already maps 64 KiB per
 * fault) and would put the whole file in our RSS, so it is not used;
 * MADV_SEQUENTIAL asks for read-ahead when the file is not cached.
 *
 * libpcap still opens the file: it validates the header and gives the
 * link type (DLT_, after its LINKTYPE_ mapping) and the adjusted snapshot
 * length, so the two readers cannot disagree on those.  The record walk
 * copies libpcap 1.10's sf-pcap.c pcap_next_packet as behaviour: the same
 * checks, the same messages, the same frames.  Only files where libpcap
 * would change nothing after reading take this path: version 2.4 (older
 * versions may have caplen and len swapped), 16-byte record headers (not
 * the "modified" format), and link types without pseudo-header fix-ups
 * (pcap_post_process): EN10MB, RAW, IPV4, IPV6, NULL, LOOP, and
 * LINUX_SLL/SLL2 unless byte-swapped.  tests/unit/test_pcap_source.c and
 * tests/fuzz/fuzz_pcap.c check that both readers agree frame for frame,
 * error for error.
 *
 * Memory: mapped pages count in our RSS once touched, so every 4 MiB
 * (PCAP_SOURCE_MAP_WINDOW) the pages behind the reader are dropped
 * (MADV_DONTNEED: the page cache keeps them); the mapping holds at most
 * 4 MiB + one record resident, whatever the size of the capture
 * (test_mapped_rss_bounded, and tests/integration/analyze_syn_flood.sh
 * checks that memory does not grow with the capture).
 *
 * pcap_source_keep_mapped() keeps each finished mapping until
 * pcap_source_free(), so frame pointers stay valid (frame.stable):
 * `apiary tcpflow` queues in-order payload to its writer thread by
 * reference instead of copying it (the copy out of the cold mapping was
 * 18% of a run).  Dropping pages behind the reader is still right then:
 * a dropped page of a private, never written file mapping refaults from
 * the page cache with the same bytes.  But the writer's threads read
 * those pages after the reader, and a page they fault back in stays
 * mapped (the reader has moved on): dropping right behind the reader
 * left the whole capture resident (max RSS 330 MB on a 337 MB capture).
 * So a kept mapping is dropped only `lag` bytes behind the reader (apiary
 * tcpflow: twice its writer's reach, at least 64 MiB), a finished file
 * once the reader is lag bytes into the next ones, and what a consumer
 * faulted back in behind that (a run that waited longer) is swept out
 * every lag + 4 MiB (drop_behind): typically under 2 x lag + 4 MiB
 * resident, whatever the size of the capture (88 MB max RSS for a whole `apiary
 * tcpflow` run on that capture, 137 MB on it cut into seven files).
 *
 * The one caveat of a mapping: if another process truncates the file
 * while we read it, touching the lost pages raises SIGBUS (a read would
 * just see a short file).  Captures being analysed are not expected to
 * shrink under us; a capture still being *written* (grown) is fine, we
 * read what was there when the file was opened.
 *
 * Everything else (pcapng, streams from pcap_source_new_stream, modified
 * pcap, other link types, a file that cannot be mapped) is read by the
 * bare libpcap loop: one pcap_next_ex() per frame, no copy.  We open each
 * file ourselves so that we can give stdio a larger buffer (256 KiB: 64
 * times fewer read(2) calls than the 4 KiB default, yet small enough to
 * stay in L2 between the kernel's copy and libpcap's) and tell the kernel
 * we read sequentially.  The byte offset of each record is what lets an
 * error say exactly where the bad record starts.  For classic pcap we count
 * it (file header, then record header + captured bytes per record: no
 * call at all; only a record cut to the snapshot length needs ftell, as
 * libpcap skipped bytes we did not see); for pcapng and for streams we ask
 * ftell() on libpcap's FILE, which costs an lseek(2) per frame (measured:
 * 5% of a whole run), so the common case avoids it.
 */
#define PCAP_SOURCE_BUFSIZE (1u << 18)

/* libpcap's MAXIMUM_SNAPLEN: max_snaplen_for_dlt() of every mapped type. */
#define PCAP_SOURCE_MAX_CAPLEN 262144u

/* Pages behind the reader are dropped from the mapping in steps of this. */
#define PCAP_SOURCE_MAP_WINDOW (4u << 20)

/* Records further on whose header is prefetched on a guess (map_next). */
#define PCAP_SOURCE_PF_AHEAD 2

struct pcap_source {
	char **paths;
	size_t npaths;
	size_t cur;			/* index of the file being read */
	FILE *stream;			/* a stream given by the caller, not yet opened */
	pcap_t *p;
	char *stdio_buf;		/* setvbuf buffer of the open file */
	uint64_t *sizes;		/* file sizes, 0 when unknown */
	uint64_t total;
	uint64_t done_before;		/* bytes of the files already finished */
	uint64_t good_end;		/* offset after the last good record */
	uint32_t rec_hdr;		/* classic pcap record header size, 0: use ftell */
	uint32_t snapshot;		/* pcap_snapshot() of the open file */
	int can_tell;
	const uint8_t *map;		/* the mapped file, NULL: libpcap reads */
	size_t map_len;
	int map_swapped;		/* header fields in the other byte order */
	int map_nsec;			/* nanosecond timestamps (else µs) */
	size_t map_dropped;		/* pages before this are dropped */
	size_t map_swept;		/* keep_mapped: where the last sweep ended */
	size_t page;			/* the page size (drop_behind runs per record) */
	int keep_mapped;		/* finished mappings go to kept[] */
	uint64_t lag;			/* keep_mapped: resident pages kept behind the reader */
	struct kept_map {
		const uint8_t *p;
		size_t len;
		uint64_t end_pos;	/* done_before + len when it ended */
	} *kept;			/* npaths entries: each file is mapped once */
	size_t nkept;
	size_t kept_dropped;		/* kept[] before this are dropped whole */
	int linktype;
	uint64_t frame_no;		/* within the current file */
	uint64_t frames;		/* all files */
	int *accept;
	size_t naccept;
	int failed;
	struct error saved;		/* the error once failed */
};

static size_t page_size(void);

static struct pcap_source *
source_alloc(size_t npaths, struct error *err)
{
	struct pcap_source *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		error_errno(err, "pcap source");
		return NULL;
	}
	s->paths = calloc(npaths ? npaths : 1, sizeof(*s->paths));
	s->sizes = calloc(npaths ? npaths : 1, sizeof(*s->sizes));
	if (s->paths == NULL || s->sizes == NULL) {
		error_errno(err, "pcap source");
		pcap_source_free(s);
		return NULL;
	}
	s->npaths = npaths;
	s->linktype = -1;
	s->page = page_size();
	return s;
}

struct pcap_source *
pcap_source_new(const char *const *paths, size_t npaths, struct error *err)
{
	struct pcap_source *s = source_alloc(npaths, err);
	struct stat st;

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < npaths; i++) {
		s->paths[i] = strdup(paths[i]);
		if (s->paths[i] == NULL) {
			error_errno(err, "pcap source");
			pcap_source_free(s);
			return NULL;
		}
		/* A file that cannot be stat'ed fails when it is reached. */
		if (stat(paths[i], &st) == 0 && S_ISREG(st.st_mode))
			s->sizes[i] = (uint64_t)st.st_size;
		s->total += s->sizes[i];
	}
	return s;
}

struct pcap_source *
pcap_source_new_stream(FILE *fp, const char *name, struct error *err)
{
	struct pcap_source *s = source_alloc(1, err);
	struct stat st;

	if (s == NULL) {
		fclose(fp);
		return NULL;
	}
	s->paths[0] = strdup(name ? name : "(stream)");
	if (s->paths[0] == NULL) {
		error_errno(err, "pcap source");
		fclose(fp);
		pcap_source_free(s);
		return NULL;
	}
	s->stream = fp;
	if (fileno(fp) >= 0 && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
		s->sizes[0] = s->total = (uint64_t)st.st_size;
	return s;
}

static void
close_current(struct pcap_source *s)
{
	if (s->map != NULL && s->keep_mapped && s->nkept < s->npaths) {
		/* Kept for pointers handed out; its resident pages go (the
		 * page cache keeps them), so RSS stays bounded per file --
		 * now, or with a lag once the reader is that far into the
		 * next files (drop_behind): the consumers still read its end. */
		size_t from = s->map_dropped;

		if (s->lag == 0 && from < s->map_len)
			(void)madvise((void *)(s->map + from), s->map_len - from,
			    MADV_DONTNEED);
		s->kept[s->nkept].p = s->map;
		s->kept[s->nkept].len = s->map_len;
		s->kept[s->nkept].end_pos = s->done_before + s->map_len;
		if (s->lag == 0)
			s->kept_dropped = s->nkept + 1;
		s->nkept++;
		s->map = NULL;
		s->map_len = 0;
	}
	if (s->map != NULL) {
		(void)munmap((void *)s->map, s->map_len);
		s->map = NULL;
		s->map_len = 0;
	}
	if (s->p != NULL) {
		pcap_close(s->p);	/* closes the FILE too */
		s->p = NULL;
	}
	free(s->stdio_buf);
	s->stdio_buf = NULL;
}

void
pcap_source_free(struct pcap_source *s)
{
	if (s == NULL)
		return;
	close_current(s);
	for (size_t i = 0; i < s->nkept; i++)
		(void)munmap((void *)s->kept[i].p, s->kept[i].len);
	free(s->kept);
	if (s->stream != NULL)
		fclose(s->stream);
	for (size_t i = 0; i < s->npaths && s->paths != NULL; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->sizes);
	free(s->accept);
	free(s);
}

void
pcap_source_keep_mapped(struct pcap_source *s, uint64_t lag)
{
	s->lag = lag;
	if (s->kept == NULL)
		s->kept = calloc(s->npaths ? s->npaths : 1, sizeof(*s->kept));
	/* Without memory for the list, files are unmapped as before and
	 * their frames say so (stable 0). */
	s->keep_mapped = s->kept != NULL;
}

int
pcap_source_accept_linktypes(struct pcap_source *s, const int *types,
    size_t n, struct error *err)
{
	int *copy = NULL;

	if (n > 0) {
		copy = malloc(n * sizeof(*copy));
		if (copy == NULL)
			return error_errno(err, "pcap source");
		memcpy(copy, types, n * sizeof(*copy));
	}
	free(s->accept);
	s->accept = copy;
	s->naccept = n;
	return 0;
}

static int
fail(struct pcap_source *s, struct error *err)
{
	s->failed = 1;
	s->saved = *err;
	return -1;
}

static int
linktype_accepted(const struct pcap_source *s, int lt)
{
	if (s->naccept == 0)
		return 1;
	for (size_t i = 0; i < s->naccept; i++)
		if (s->accept[i] == lt)
			return 1;
	return 0;
}

/* Where the link type is declared: the pcap header field, or the first IDB. */
static uint64_t
linktype_offset(const struct pcap_source *s)
{
	/* Classic pcap: the 24-byte header ends the open; the field is at 20. */
	if (s->good_end == 24)
		return 20;
	return 0;	/* pcapng: the section header, before the first IDB */
}

/*
 * The record header size of a classic pcap file (16, or 24 for the old
 * "modified" format), 0 for anything else, -1 on a read error.  pread()
 * leaves the stream's position alone, for libpcap.
 */
static int
classic_magic(int fd)
{
	uint8_t m[4];
	ssize_t n = pread(fd, m, sizeof(m), 0);
	uint32_t le, be;

	if (n < 0)
		return -1;
	if (n < 4)
		return 0;
	le = (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
	    (uint32_t)m[3] << 24;
	be = (uint32_t)m[3] | (uint32_t)m[2] << 8 | (uint32_t)m[1] << 16 |
	    (uint32_t)m[0] << 24;
	if (le == 0xa1b2c3d4 || be == 0xa1b2c3d4 || le == 0xa1b23c4d ||
	    be == 0xa1b23c4d)
		return 16;
	if (le == 0xa1b2cd34 || be == 0xa1b2cd34)
		return 24;
	return 0;
}

/* Nanosecond magic, in either byte order (classic_magic() said 16). */
static int
magic_is_nsec(int fd)
{
	uint8_t m[4];

	if (pread(fd, m, sizeof(m), 0) != 4)
		return 0;
	return (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2 && m[3] == 0xa1) ||
	    (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c && m[3] == 0x4d);
}

/* Link types libpcap hands out exactly as stored (no pcap_post_process). */
static int
linktype_mappable(int lt, int swapped)
{
	switch (lt) {
	case DLT_EN10MB:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return 1;
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
		/* libpcap byte-swaps their protocol field in swapped files. */
		return !swapped;
	default:
		return 0;
	}
}

/*
 * Maps the file libpcap has just opened, when it is one we can walk
 * ourselves; then libpcap is closed.  0 when mapped; -1 when not (libpcap
 * goes on reading, nothing lost: it has read only the file header).
 */
static int
map_current(struct pcap_source *s)
{
	int fd = fileno(pcap_file(s->p));
	int swapped = pcap_is_swapped(s->p);
	struct stat st;
	void *m;

	if (s->rec_hdr != 16 || s->good_end != 24 ||
	    pcap_major_version(s->p) != 2 || pcap_minor_version(s->p) != 4 ||
	    !linktype_mappable(s->linktype, swapped) ||
	    s->snapshot > PCAP_SOURCE_MAX_CAPLEN)
		return -1;
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < 24 || (uint64_t)st.st_size > SIZE_MAX)
		return -1;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	(void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	s->map_nsec = magic_is_nsec(fd);
	s->map = m;
	s->map_len = (size_t)st.st_size;
	s->map_dropped = 0;
	s->map_swept = 0;
	s->map_swapped = swapped;
	pcap_close(s->p);	/* the mapping outlives the descriptor */
	s->p = NULL;
	free(s->stdio_buf);
	s->stdio_buf = NULL;
	return 0;
}

static int
open_next(struct pcap_source *s, struct error *err)
{
	const char *path = s->paths[s->cur];
	char errbuf[PCAP_ERRBUF_SIZE];
	FILE *fp;
	long pos;
	int magic = 0;
	struct stat st;

	if (s->stream != NULL) {
		fp = s->stream;
		s->stream = NULL;
	} else {
		fp = fopen(path, "rb");
		if (fp == NULL) {
			error_errno(err, "%s: offset 0: cannot open", path);
			return fail(s, err);
		}
		/* Peek at the magic of regular files only: a pipe cannot be
		 * read twice (it then counts as a stream, offsets via ftell). */
		if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
			magic = classic_magic(fileno(fp));
		if (magic < 0) {
			error_errno(err, "%s: offset 0: cannot read", path);
			fclose(fp);
			return fail(s, err);
		}
		/* Given even to a file we may map (a wasted read of 256 KiB
		 * then): whether we can is known only after libpcap's open,
		 * and a file we cannot map needs the buffer. */
		s->stdio_buf = malloc(PCAP_SOURCE_BUFSIZE);
		if (s->stdio_buf != NULL)
			setvbuf(fp, s->stdio_buf, _IOFBF, PCAP_SOURCE_BUFSIZE);
		(void)posix_fadvise(fileno(fp), 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	errbuf[0] = '\0';
	s->p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (s->p == NULL) {
		fclose(fp);
		free(s->stdio_buf);
		s->stdio_buf = NULL;
		if (strstr(errbuf, "unknown file format") != NULL)
			error_set(err, "%s: offset 0: not a pcap or pcapng "
			    "capture (unknown file format)", path);
		else if (strstr(errbuf, "only got 0") != NULL &&
		    strstr(errbuf, "file header") != NULL)
			error_set(err, "%s: offset 0: empty file, not a "
			    "capture", path);
		else
			error_set(err, "%s: offset 0: not a readable capture: "
			    "%s", path, errbuf);
		return fail(s, err);
	}
	pos = ftell(pcap_file(s->p));
	s->can_tell = pos >= 0;
	s->good_end = pos >= 0 ? (uint64_t)pos : 24;
	s->rec_hdr = magic > 0 && s->good_end == 24 ? (uint32_t)magic : 0;
	s->frame_no = 0;
	s->linktype = pcap_datalink(s->p);
	s->snapshot = (uint32_t)pcap_snapshot(s->p);
	if (!linktype_accepted(s, s->linktype)) {
		const char *name = pcap_datalink_val_to_name(s->linktype);

		error_set(err, "%s: offset %llu: link type %d (%s) is not "
		    "supported", path, (unsigned long long)linktype_offset(s),
		    s->linktype, name ? name : "unknown");
		close_current(s);
		return fail(s, err);
	}
	(void)map_current(s);
	return 0;
}

/* A bad record at s->good_end; msg is libpcap's (or our copy of it). */
static int
record_error(struct pcap_source *s, const char *msg, struct error *err)
{
	const char *what = strstr(msg, "truncated") != NULL ?
	    "truncated record" : "bad record";

	error_set(err, "%s: offset %llu: %s after frame %llu (%s)",
	    s->paths[s->cur], (unsigned long long)s->good_end, what,
	    (unsigned long long)s->frame_no, msg);
	return fail(s, err);
}

static size_t
page_size(void)
{
	long n = sysconf(_SC_PAGESIZE);

	return n > 0 ? (size_t)n : 4096;
}

static uint32_t
get32(const uint8_t *p, int swapped)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return swapped ? __builtin_bswap32(v) : v;
}

/*
 * The frame handed out last is no longer needed: drop what is behind this
 * record (less the lag, with keep_mapped) from our page tables (the page
 * cache keeps it), or every page of the capture would count in our RSS.
 * With a lag, pages a consumer faulted back in behind the dropped line
 * are swept out too, every lag + window bytes (from the file's start: a
 * walk of page tables, mostly empty), and a finished file is dropped
 * whole once the reader is lag bytes past its end.
 */
static void
drop_behind(struct pcap_source *s)
{
	uint64_t lag = s->keep_mapped ? s->lag : 0;
	uint64_t d = s->good_end - s->map_dropped;
	uint64_t pos = s->done_before + s->good_end;
	size_t pg = s->page;

	/* (checked on every record: files shorter than the lag never reach
	 * the window test below) */
	while (s->kept_dropped < s->nkept && pos >= s->kept[s->kept_dropped].end_pos &&
	    pos - s->kept[s->kept_dropped].end_pos >= lag) {
		struct kept_map *k = &s->kept[s->kept_dropped++];

		(void)madvise((void *)k->p, k->len, MADV_DONTNEED);
	}
	if (d < lag || d - lag < PCAP_SOURCE_MAP_WINDOW)
		return;
	size_t end = (size_t)(s->good_end - lag) & ~(pg - 1);

	(void)madvise((void *)(s->map + s->map_dropped), end - s->map_dropped,
	    MADV_DONTNEED);
	s->map_dropped = end;
	if (lag == 0)
		return;
	if (end - s->map_swept >= lag + PCAP_SOURCE_MAP_WINDOW) {
		(void)madvise((void *)s->map, end, MADV_DONTNEED);
		s->map_swept = end;
	}
}

/*
 * The next record of the mapped file, as libpcap's pcap_next_packet()
 * would give it: 1 and *f, 0 at the end (a clean end at a record
 * boundary), -1 with err.  A record longer than the snapshot length is cut
 * to it (the rest skipped); one longer than the link type's maximum is an
 * error, as is a record cut short by the end of the file.
 */
static int
map_next(struct pcap_source *s, struct pcap_frame *f, struct error *err)
{
	char msg[PCAP_ERRBUF_SIZE];
	const uint8_t *r = s->map + s->good_end;
	size_t left = s->map_len - (size_t)s->good_end;
	uint32_t caplen, wirelen;
	int64_t sec, frac;

	drop_behind(s);
	if (left == 0)
		return 0;
	if (left < 16) {
		snprintf(msg, sizeof(msg), "truncated dump file; tried to "
		    "read 16 header bytes, only got %zu", left);
		return record_error(s, msg, err);
	}
	left -= 16;
	/* libpcap 1.10 reads both as signed 32-bit, but its byte swap
	 * (SWAPLONG) yields them unsigned: 0xffffffff is -1 s in a native
	 * file, 4294967295 s in a swapped one.  We do the same. */
	if (s->map_swapped) {
		sec = get32(r, 1);
		frac = get32(r + 4, 1);
	} else {
		sec = (int32_t)get32(r, 0);
		frac = (int32_t)get32(r + 4, 0);
	}
	caplen = get32(r + 8, s->map_swapped);
	wirelen = get32(r + 12, s->map_swapped);
	/* snapshot <= the maximum, so libpcap's "bigger than maximum"
	 * message cannot happen for the link types we map. */
	if (caplen > PCAP_SOURCE_MAX_CAPLEN) {
		snprintf(msg, sizeof(msg), "invalid packet capture length %u, "
		    "bigger than snaplen of %d", caplen, (int)s->snapshot);
		return record_error(s, msg, err);
	}
	if (caplen > left) {
		/* libpcap reads min(caplen, snapshot) bytes, then skips the
		 * rest; it names the snapshot when the first read falls
		 * short (checked against 1.10.3), else caplen. */
		uint32_t tried = caplen;

		if (caplen > s->snapshot && left < s->snapshot)
			tried = s->snapshot;
		snprintf(msg, sizeof(msg), "truncated dump file; tried to read "
		    "%u captured bytes, only got %zu", tried, left);
		return record_error(s, msg, err);
	}
	if (!s->map_nsec)
		frac *= 1000;
	f->data = r + 16;
	f->caplen = caplen > s->snapshot ? s->snapshot : caplen;
	f->wirelen = wirelen;
	f->ts_ns = (uint64_t)sec * 1000000000ull + (uint64_t)frac;
	f->linktype = s->linktype;
	f->frame_no = ++s->frame_no;
	f->file_index = s->cur;
	f->stable = s->keep_mapped;
	s->frames++;
	s->good_end += 16 + (uint64_t)caplen;
	/* The next record's header and the packet headers after it (the
	 * first 96 bytes or more: Ethernet, IP, TCP with options, in two or
	 * three cache lines): the decoder reads them right after this
	 * frame, and (`apiary tcpflow` writes payload by reference, never
	 * reading it) they are the only bytes of the cold page-cache pages
	 * this thread touches, at a stride the hardware prefetcher does not
	 * follow.  Two records ahead: the reading thread of `apiary tcpflow`
	 * on the bench capture took 71 ms of CPU without, 56 ms with the next
	 * record, 52 ms with the next two (medians of 12 runs).  (An earlier
	 * prefetch gained nothing while the payload was still copied on this
	 * thread: the copy's misses hid these.)
	 *
	 * The record two ahead is prefetched only one record's work before it
	 * is read, less than a miss takes while the writing threads load the
	 * memory: its length (the load below) was still where this thread
	 * spent most of its time.  So, a guess further on: records of a bulk
	 * transfer come in runs of one size, so the record PCAP_SOURCE_PF_AHEAD
	 * records after that one most likely starts this record's size times
	 * that further.  A wrong guess costs one wasted line fetch.  Reading
	 * thread alone (-b 1), paired runs: 0.82-0.85 of the time without the
	 * guess, the same from 2 to 8 records ahead; the whole run 0.124 s
	 * median wall instead of 0.142 (20 alternating runs, tmpfs). */
	if (s->good_end + 128 <= s->map_len) {
		const uint8_t *nx = s->map + s->good_end;
		uint64_t after;

		__builtin_prefetch(nx);
		__builtin_prefetch(nx + 48);
		__builtin_prefetch(nx + 96);
		/* and the one after it: its header was prefetched last time */
		after = s->good_end + 16 + get32(nx + 8, s->map_swapped);
		if (after + 128 <= s->map_len) {
			__builtin_prefetch(s->map + after);
			__builtin_prefetch(s->map + after + 48);
			__builtin_prefetch(s->map + after + 96);
			uint64_t guess = after + PCAP_SOURCE_PF_AHEAD * (16 + (uint64_t)caplen);
			if (guess + 128 <= s->map_len) {
				__builtin_prefetch(s->map + guess);
				__builtin_prefetch(s->map + guess + 64);
			}
		}
	}
	return 1;
}

int
pcap_source_next(struct pcap_source *s, struct pcap_frame *f,
    struct error *err)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;

	if (s->failed) {
		*err = s->saved;
		return -1;
	}
	for (;;) {
		if (s->p == NULL && s->map == NULL) {
			if (s->cur >= s->npaths)
				return 0;
			if (open_next(s, err) < 0)
				return -1;
		}
		if (s->map != NULL) {
			r = map_next(s, f, err);
			if (r != 0)
				return r;
			r = PCAP_ERROR_BREAK;
		} else {
			r = pcap_next_ex(s->p, &h, &data);
		}
		if (r == 1) {
			/* A record cut to the snapshot length: libpcap skipped
			 * bytes we did not see, so ask where it is. */
			if (s->rec_hdr != 0 && (h->caplen < s->snapshot ||
			    !s->can_tell)) {
				s->good_end += s->rec_hdr + (uint64_t)h->caplen;
			} else if (s->can_tell) {
				long pos = ftell(pcap_file(s->p));

				if (pos >= 0)
					s->good_end = (uint64_t)pos;
			} else {
				s->good_end += 16 + (uint64_t)h->caplen;
			}
			f->data = data;
			f->caplen = h->caplen;
			f->wirelen = h->len;
			/* With nanosecond precision tv_usec holds nanoseconds. */
			f->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ull +
			    (uint64_t)h->ts.tv_usec;
			f->linktype = s->linktype;
			f->frame_no = ++s->frame_no;
			f->file_index = s->cur;
			f->stable = 0;
			s->frames++;
			return 1;
		}
		if (r == PCAP_ERROR_BREAK) {	/* end of this file */
			close_current(s);
			s->done_before += s->sizes[s->cur];
			s->good_end = 0;
			s->cur++;
			continue;
		}
		return record_error(s, pcap_geterr(s->p), err);
	}
}

int
pcap_source_run(struct pcap_source *s, pcap_frame_fn fn, void *ctx,
    struct error *err)
{
	struct pcap_frame f;
	int r;

	while ((r = pcap_source_next(s, &f, err)) == 1) {
		int stop = fn(ctx, &f);

		if (stop != 0)
			return stop;
	}
	return r;
}

void
pcap_source_progress(const struct pcap_source *s, uint64_t *done,
    uint64_t *total)
{
	uint64_t cur = 0;

	if (s->p != NULL && s->can_tell && s->rec_hdr == 0) {
		long pos = ftell(pcap_file(s->p));

		if (pos >= 0)
			cur = (uint64_t)pos;
	} else if (s->p != NULL || s->map != NULL) {
		cur = s->good_end;
	}
	*done = s->done_before + cur;
	*total = s->total;
}

const char *
pcap_source_file(const struct pcap_source *s)
{
	if (s->npaths == 0)
		return "";
	return s->paths[s->cur < s->npaths ? s->cur : s->npaths - 1];
}

int
pcap_source_linktype(const struct pcap_source *s)
{
	return s->linktype;
}

uint64_t
pcap_source_frames(const struct pcap_source *s)
{
	return s->frames;
}
