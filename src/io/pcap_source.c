/* summary: capture files (pcap and pcapng) read in order, frame by frame. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include "io/pcap_source.h"

/*
 * Kept close to the bare libpcap loop: one pcap_next_ex() per frame, no
 * copy.  We open each file ourselves so that we can give stdio a larger
 * buffer (256 KiB: 64 times fewer read(2) calls than the 4 KiB default,
 * yet small enough to stay in L2 between the kernel's copy and libpcap's)
 * and tell the kernel we read sequentially.  The byte offset of each record is what lets an
 * error say exactly where the bad record starts.  For classic pcap we count
 * it (file header, then record header + captured bytes per record: no
 * call at all); for pcapng and for streams we ask ftell() on libpcap's
 * FILE, which costs an lseek(2) per frame (measured: 5% of a whole run),
 * so the common case avoids it.
 */
#define PCAP_SOURCE_BUFSIZE (1u << 18)

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
	int can_tell;
	int linktype;
	uint64_t frame_no;		/* within the current file */
	uint64_t frames;		/* all files */
	int *accept;
	size_t naccept;
	int failed;
	struct error saved;		/* the error once failed */
};

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
	if (s->stream != NULL)
		fclose(s->stream);
	for (size_t i = 0; i < s->npaths && s->paths != NULL; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->sizes);
	free(s->accept);
	free(s);
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
 * "modified" format), 0 for anything else, -1 on a read error; the stream
 * is put back at its start for libpcap.
 */
static int
classic_magic(FILE *fp)
{
	uint8_t m[4];
	size_t n = fread(m, 1, sizeof(m), fp);
	uint32_t le, be;

	if (ferror(fp) || fseek(fp, 0, SEEK_SET) != 0)
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
		s->stdio_buf = malloc(PCAP_SOURCE_BUFSIZE);
		if (s->stdio_buf != NULL)
			setvbuf(fp, s->stdio_buf, _IOFBF, PCAP_SOURCE_BUFSIZE);
		(void)posix_fadvise(fileno(fp), 0, 0, POSIX_FADV_SEQUENTIAL);
		/* Peek at the magic of regular files only: a pipe cannot seek
		 * back (it then counts as a stream, offsets via ftell). */
		if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
			magic = classic_magic(fp);
		if (magic < 0) {
			error_errno(err, "%s: offset 0: cannot read", path);
			fclose(fp);
			free(s->stdio_buf);
			s->stdio_buf = NULL;
			return fail(s, err);
		}
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
	if (!linktype_accepted(s, s->linktype)) {
		const char *name = pcap_datalink_val_to_name(s->linktype);

		error_set(err, "%s: offset %llu: link type %d (%s) is not "
		    "supported", path, (unsigned long long)linktype_offset(s),
		    s->linktype, name ? name : "unknown");
		close_current(s);
		return fail(s, err);
	}
	return 0;
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
		if (s->p == NULL) {
			if (s->cur >= s->npaths)
				return 0;
			if (open_next(s, err) < 0)
				return -1;
		}
		r = pcap_next_ex(s->p, &h, &data);
		if (r == 1) {
			if (s->rec_hdr != 0) {
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
		{
			const char *msg = pcap_geterr(s->p);
			const char *what = strstr(msg, "truncated") != NULL ?
			    "truncated record" : "bad record";

			error_set(err, "%s: offset %llu: %s after frame %llu (%s)",
			    s->paths[s->cur], (unsigned long long)s->good_end,
			    what, (unsigned long long)s->frame_no, msg);
		}
		return fail(s, err);
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
	} else if (s->p != NULL) {
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
