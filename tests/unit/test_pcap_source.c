/* summary: unit tests for io/pcap_source: formats, order, errors with offsets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "io/pcap_source.h"

static char dir[] = "/tmp/h3-test-pcap-XXXXXX";

static void
put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void
put16(FILE *f, uint16_t v)
{
	fwrite(&v, 2, 1, f);
}

/* Classic pcap: nframes frames of len bytes (byte value = frame number). */
static char *
write_pcap(const char *name, uint32_t magic, uint32_t linktype, int nframes,
    uint32_t len, uint32_t sec0)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "wb");
	assert_non_null(f);
	put32(f, magic);
	put16(f, 2);
	put16(f, 4);
	put32(f, 0);
	put32(f, 0);
	put32(f, 65535);
	put32(f, linktype);
	for (int i = 0; i < nframes; i++) {
		uint8_t data[2048];

		memset(data, i + 1, len);
		put32(f, sec0 + (uint32_t)i);
		put32(f, 123);		/* usec or nsec */
		put32(f, len);
		put32(f, len + 10);
		fwrite(data, 1, len, f);
	}
	fclose(f);
	return path;
}

static void
pad4(FILE *f, size_t n)
{
	static const uint8_t z[4];

	fwrite(z, 1, (4 - n % 4) % 4, f);
}

/* pcapng: SHB, IDB (nanosecond resolution), nframes EPBs. */
static char *
write_pcapng(const char *name, int nframes, uint32_t len)
{
	char *path;
	FILE *f;
	uint32_t epb_len = 32 + ((len + 3) & ~3u);

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "wb");
	assert_non_null(f);
	/* SHB: type, len 28, BOM, v1.0, section length -1, len */
	put32(f, 0x0a0d0d0a);
	put32(f, 28);
	put32(f, 0x1a2b3c4d);
	put16(f, 1);
	put16(f, 0);
	put32(f, 0xffffffff);
	put32(f, 0xffffffff);
	put32(f, 28);
	/* IDB with if_tsresol = 9 (ns): 20 + option(4+4) + end(4) = 32 */
	put32(f, 1);
	put32(f, 32);
	put16(f, 1);		/* EN10MB */
	put16(f, 0);
	put32(f, 65535);
	put16(f, 9);		/* if_tsresol */
	put16(f, 1);
	fputc(9, f);
	fputc(0, f);
	fputc(0, f);
	fputc(0, f);
	put32(f, 0);		/* opt_endofopt */
	put32(f, 32);
	for (int i = 0; i < nframes; i++) {
		uint64_t ts = 1700000000ull * 1000000000ull + (uint64_t)i * 7;
		uint8_t data[2048];

		memset(data, 0xa0 + i, len);
		put32(f, 6);
		put32(f, epb_len);
		put32(f, 0);
		put32(f, (uint32_t)(ts >> 32));
		put32(f, (uint32_t)ts);
		put32(f, len);
		put32(f, len);
		fwrite(data, 1, len, f);
		pad4(f, len);
		put32(f, epb_len);
	}
	fclose(f);
	return path;
}

static char *
write_bytes(const char *name, const void *b, size_t n)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(b, 1, n, f);
	fclose(f);
	return path;
}

static int
setup(void **state)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_files_in_order(void **state)
{
	char *a = write_pcap("a.pcap", 0xa1b2c3d4, 1, 3, 60, 100);
	char *b = write_pcap("b.pcap", 0xa1b23c4d, 101, 2, 40, 200);
	char *c = write_pcapng("c.pcapng", 2, 61);
	const char *paths[] = { a, b, c };
	struct error err;
	struct pcap_source *s = pcap_source_new(paths, 3, &err);
	struct pcap_frame f;
	uint64_t done, total;

	assert_non_null(s);
	pcap_source_progress(s, &done, &total);
	assert_int_equal(done, 0);
	assert_int_equal(total, (24 + 3 * 76) + (24 + 2 * 56) +
	    (28 + 32 + 2 * 96));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(pcap_source_next(s, &f, &err), 1);
		assert_int_equal(f.caplen, 60);
		assert_int_equal(f.wirelen, 70);
		assert_int_equal(f.linktype, 1);
		assert_int_equal(f.data[0], i + 1);
		assert_int_equal(f.frame_no, i + 1);
		/* microsecond file: 123 us */
		assert_int_equal(f.ts_ns, (100ull + i) * 1000000000ull + 123000);
	}
	pcap_source_progress(s, &done, &total);
	assert_int_equal(done, 24 + 3 * 76);
	assert_int_equal(pcap_source_next(s, &f, &err), 1);
	assert_int_equal(f.linktype, DLT_RAW);	/* libpcap maps LINKTYPE_RAW */
	assert_int_equal(f.file_index, 1);
	assert_int_equal(f.frame_no, 1);
	assert_int_equal(f.ts_ns, 200ull * 1000000000ull + 123);	/* ns file */
	assert_string_equal(pcap_source_file(s), b);
	assert_int_equal(pcap_source_next(s, &f, &err), 1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pcap_source_next(s, &f, &err), 1);
		assert_int_equal(f.linktype, 1);
		assert_int_equal(f.caplen, 61);
		assert_int_equal(f.data[60], 0xa0 + i);
		assert_int_equal(f.ts_ns,
		    1700000000ull * 1000000000ull + (uint64_t)i * 7);
	}
	assert_int_equal(pcap_source_next(s, &f, &err), 0);
	assert_int_equal(pcap_source_next(s, &f, &err), 0);
	pcap_source_progress(s, &done, &total);
	assert_int_equal(done, total);
	assert_int_equal(pcap_source_frames(s), 7);
	pcap_source_free(s);
	free(a);
	free(b);
	free(c);
}

static int
count_cb(void *ctx, const struct pcap_frame *f)
{
	int *n = ctx;

	(*n)++;
	return *n == 2 ? 42 : 0;
}

static void
test_truncated_record(void **state)
{
	char *a = write_pcap("t.pcap", 0xa1b2c3d4, 1, 5, 100, 1);
	const char *paths[] = { a };
	struct error err;
	struct pcap_source *s;
	struct pcap_frame f;
	int n = 0;

	/* Cut the 4th record in its data: 3 records delivered, then an
	 * error at the 4th record's offset, 24 + 3 * 116 = 372. */
	assert_int_equal(truncate(a, 24 + 3 * 116 + 16 + 50), 0);
	s = pcap_source_new(paths, 1, &err);
	assert_non_null(s);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pcap_source_next(s, &f, &err), 1);
	assert_int_equal(pcap_source_next(s, &f, &err), -1);
	assert_non_null(strstr(err.msg, a));
	assert_non_null(strstr(err.msg, "offset 372"));
	assert_non_null(strstr(err.msg, "truncated record after frame 3"));
	/* It stays failed. */
	assert_int_equal(pcap_source_next(s, &f, &err), -1);
	assert_non_null(strstr(err.msg, "offset 372"));
	pcap_source_free(s);

	/* Cut inside a record header; run() stops where the callback says. */
	assert_int_equal(truncate(a, 24 + 116 + 5), 0);
	s = pcap_source_new(paths, 1, &err);
	assert_int_equal(pcap_source_run(s, count_cb, &n, &err), -1);
	assert_int_equal(n, 1);
	assert_non_null(strstr(err.msg, "offset 140"));
	pcap_source_free(s);
	a = write_pcap("t.pcap", 0xa1b2c3d4, 1, 5, 100, 1);
	n = 0;
	s = pcap_source_new(paths, 1, &err);
	assert_int_equal(pcap_source_run(s, count_cb, &n, &err), 42);
	pcap_source_free(s);
	free((char *)paths[0]);
	free(a);
}

static void
test_bad_files(void **state)
{
	char *missing, *text, *empty, *usr;
	const char *paths[2];
	struct error err;
	struct pcap_source *s;
	struct pcap_frame f;
	int accept[] = { 1, 101 };

	/* Missing file after a good one: the good one is delivered first. */
	paths[0] = write_pcap("good.pcap", 0xa1b2c3d4, 1, 2, 60, 1);
	assert_true(asprintf(&missing, "%s/missing.pcap", dir) > 0);
	paths[1] = missing;
	s = pcap_source_new(paths, 2, &err);
	assert_non_null(s);
	assert_int_equal(pcap_source_next(s, &f, &err), 1);
	assert_int_equal(pcap_source_next(s, &f, &err), 1);
	assert_int_equal(pcap_source_next(s, &f, &err), -1);
	assert_non_null(strstr(err.msg, "missing.pcap: offset 0: cannot open"));
	assert_non_null(strstr(err.msg, "No such file"));
	pcap_source_free(s);

	text = write_bytes("notes.txt", "hello, this is not a capture\n", 29);
	s = pcap_source_new((const char *const *)&text, 1, &err);
	assert_int_equal(pcap_source_next(s, &f, &err), -1);
	assert_non_null(strstr(err.msg, "notes.txt: offset 0: not a pcap or "
	    "pcapng capture"));
	pcap_source_free(s);

	empty = write_bytes("empty.pcap", "", 0);
	s = pcap_source_new((const char *const *)&empty, 1, &err);
	assert_int_equal(pcap_source_next(s, &f, &err), -1);
	assert_non_null(strstr(err.msg, "empty.pcap: offset 0: empty file"));
	pcap_source_free(s);

	/* Link type 105 (802.11) when only EN10MB and RAW are accepted. */
	usr = write_pcap("wifi.pcap", 0xa1b2c3d4, 105, 1, 60, 1);
	s = pcap_source_new((const char *const *)&usr, 1, &err);
	assert_int_equal(pcap_source_accept_linktypes(s, accept, 2, &err), 0);
	assert_int_equal(pcap_source_next(s, &f, &err), -1);
	assert_non_null(strstr(err.msg, "wifi.pcap: offset 20: link type "
	    "105 (IEEE802_11) is not supported"));
	pcap_source_free(s);
	/* Accepting all again reads it. */
	s = pcap_source_new((const char *const *)&usr, 1, &err);
	assert_int_equal(pcap_source_accept_linktypes(s, accept, 2, &err), 0);
	assert_int_equal(pcap_source_accept_linktypes(s, NULL, 0, &err), 0);
	assert_int_equal(pcap_source_next(s, &f, &err), 1);
	assert_int_equal(f.linktype, 105);
	pcap_source_free(s);
	free((char *)paths[0]);
	free(missing);
	free(text);
	free(empty);
	free(usr);
}

static void
test_stream(void **state)
{
	char *a = write_pcap("s.pcap", 0xd4c3b2a1, 1, 0, 0, 0);
	FILE *fp;
	struct error err;
	struct pcap_source *s;
	struct pcap_frame f;
	/* A big-endian pcap with one 4-byte frame, from memory. */
	static uint8_t mem[] = {
		0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0xff, 0xff, 0, 0, 0, 1,
		0, 0, 0, 5, 0, 0, 0, 6, 0, 0, 0, 4, 0, 0, 0, 4,
		0xde, 0xad, 0xbe, 0xef,
	};

	fp = fmemopen(mem, sizeof(mem), "rb");
	assert_non_null(fp);
	s = pcap_source_new_stream(fp, "mem", &err);
	assert_non_null(s);
	assert_int_equal(pcap_source_next(s, &f, &err), 1);
	assert_int_equal(f.ts_ns, 5000006000ull);
	assert_int_equal(f.data[3], 0xef);
	assert_int_equal(pcap_source_next(s, &f, &err), 0);
	pcap_source_free(s);
	/* An unread stream is closed by free. */
	fp = fopen(a, "rb");
	assert_non_null(fp);
	s = pcap_source_new_stream(fp, NULL, &err);
	pcap_source_free(s);
	free(a);
}

/*
 * The mapped reader against libpcap.  A regular classic pcap file opened
 * by name is mapped and walked by pcap_source itself; the same file given
 * as a stream is read by libpcap.  Both must give the same frames and the
 * same error, byte for byte, for every file below.
 */

/* A capture built in memory, in either byte order. */
struct cap {
	uint8_t b[16384];
	size_t n;
	int swap;
};

static void
cap_u32(struct cap *c, uint32_t v)
{
	if (c->swap)
		v = __builtin_bswap32(v);
	assert_true(c->n + 4 <= sizeof(c->b));
	memcpy(c->b + c->n, &v, 4);
	c->n += 4;
}

static void
cap_u16(struct cap *c, uint16_t v)
{
	if (c->swap)
		v = __builtin_bswap16(v);
	assert_true(c->n + 2 <= sizeof(c->b));
	memcpy(c->b + c->n, &v, 2);
	c->n += 2;
}

static void
cap_header(struct cap *c, int nsec, int swap, uint16_t minor,
    uint32_t snaplen, uint32_t linktype)
{
	c->n = 0;
	c->swap = swap;
	cap_u32(c, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
	cap_u16(c, 2);
	cap_u16(c, minor);
	cap_u32(c, 0);
	cap_u32(c, 0);
	cap_u32(c, snaplen);
	cap_u32(c, linktype);
}

/* A record whose caplen field says caplen, followed by ndata bytes. */
static void
cap_record(struct cap *c, uint32_t sec, uint32_t frac, uint32_t caplen,
    uint32_t wirelen, uint32_t ndata, uint8_t fill)
{
	cap_u32(c, sec);
	cap_u32(c, frac);
	cap_u32(c, caplen);
	cap_u32(c, wirelen);
	assert_true(c->n + ndata <= sizeof(c->b));
	for (uint32_t i = 0; i < ndata; i++)
		c->b[c->n + i] = (uint8_t)(fill + i);
	c->n += ndata;
}

/* Writes the first n bytes (all when n is 0). */
static char *
cap_write(const struct cap *c, const char *name, size_t n)
{
	return write_bytes(name, c->b, n ? n : c->n);
}

struct run {
	struct pcap_frame f[32];
	uint8_t *data[32];
	int n;
	int rc;
	char msg[1024];
};

/* Is path mapped into this process? */
static int
is_mapped(const char *path)
{
	FILE *m = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	assert_non_null(m);
	while (fgets(line, sizeof(line), m) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, path) != NULL &&
		    strcmp(line + strlen(line) - strlen(path), path) == 0)
			found = 1;
	}
	fclose(m);
	return found;
}

/*
 * Reads s to its end into r (frames copied).  mapped: -1 does not check;
 * else whether paths[file_index] must be mapped while its frames are read.
 */
static void
collect(struct pcap_source *s, struct run *r, const char *const *paths,
    const int *mapped)
{
	struct error err;
	struct pcap_frame f;

	memset(r, 0, sizeof(*r));
	while ((r->rc = pcap_source_next(s, &f, &err)) == 1) {
		assert_true(r->n < 32);
		if (mapped != NULL)
			assert_int_equal(is_mapped(paths[f.file_index]),
			    mapped[f.file_index]);
		r->f[r->n] = f;
		r->data[r->n] = malloc(f.caplen ? f.caplen : 1);
		assert_non_null(r->data[r->n]);
		memcpy(r->data[r->n], f.data, f.caplen);
		r->n++;
	}
	if (r->rc < 0)
		snprintf(r->msg, sizeof(r->msg), "%s", err.msg);
	/* A finished file is unmapped. */
	if (r->rc == 0 && paths != NULL)
		assert_false(is_mapped(paths[0]));
}

static void
run_free(struct run *r)
{
	for (int i = 0; i < r->n; i++)
		free(r->data[i]);
}

/* a (by name, all files) against b (file k alone, as a stream). */
static int
same_frames(const struct run *a, int from, const struct run *b, size_t k)
{
	for (int i = 0; i < b->n; i++) {
		const struct pcap_frame *x = &a->f[from + i], *y = &b->f[i];

		assert_true(from + i < a->n);
		assert_int_equal(x->caplen, y->caplen);
		assert_int_equal(x->wirelen, y->wirelen);
		assert_int_equal(x->ts_ns, y->ts_ns);
		assert_int_equal(x->linktype, y->linktype);
		assert_int_equal(x->frame_no, y->frame_no);
		assert_int_equal(x->file_index, k);
		assert_memory_equal(a->data[from + i], b->data[i], x->caplen);
	}
	return from + b->n;
}

/*
 * Reads paths[0..n) by name (mapped[i]: whether file i must be mapped)
 * and each alone as a stream; checks they agree.  Returns the by-name run
 * in *out for further checks.
 */
static void
check_same(const char *const *paths, size_t n, const int *mapped,
    struct run *out)
{
	struct error err;
	struct pcap_source *s = pcap_source_new(paths, n, &err);
	struct run b;
	int from = 0;

	assert_non_null(s);
	collect(s, out, paths, mapped);
	pcap_source_free(s);
	for (size_t i = 0; i < n; i++)
		assert_false(is_mapped(paths[i]));	/* free unmaps */
	for (size_t k = 0; k < n; k++) {
		FILE *fp = fopen(paths[k], "rb");

		assert_non_null(fp);
		s = pcap_source_new_stream(fp, paths[k], &err);
		assert_non_null(s);
		collect(s, &b, NULL, NULL);
		pcap_source_free(s);
		from = same_frames(out, from, &b, k);
		if (b.rc < 0) {
			/* The by-name run stops at the same error. */
			assert_int_equal(out->rc, -1);
			assert_string_equal(out->msg, b.msg);
			assert_int_equal(from, out->n);
			run_free(&b);
			return;
		}
		run_free(&b);
	}
	assert_int_equal(out->rc, 0);
	assert_int_equal(from, out->n);
}

static void
check_one(const char *path, int mapped, struct run *out)
{
	check_same(&path, 1, &mapped, out);
}

/* Three frames of odd and even sizes; the last with frac 999999. */
static void
three_frames(struct cap *c)
{
	cap_record(c, 1700000000, 1, 61, 61, 61, 0x10);
	cap_record(c, 1700000001, 500000, 1, 60, 1, 0x20);
	cap_record(c, 1700000002, 999999, 1514, 1514, 1514, 0x30);
}

static void
test_mapped_formats(void **state)
{
	static const struct {
		int nsec, swap;
		uint32_t linktype;
		int mapped;
		int dlt;
	} cases[] = {
		{ 0, 0, 1, 1, DLT_EN10MB },
		{ 1, 0, 1, 1, DLT_EN10MB },
		{ 0, 1, 1, 1, DLT_EN10MB },
		{ 1, 1, 101, 1, DLT_RAW },
		{ 0, 0, 228, 1, DLT_IPV4 },
		{ 0, 1, 229, 1, DLT_IPV6 },
		{ 0, 1, 0, 1, DLT_NULL },
		{ 1, 0, 108, 1, DLT_LOOP },
		{ 0, 0, 113, 1, DLT_LINUX_SLL },
		{ 1, 0, 276, 1, DLT_LINUX_SLL2 },
		/* libpcap fixes these up: read by libpcap. */
		{ 0, 1, 113, 0, DLT_LINUX_SLL },
		{ 0, 1, 276, 0, DLT_LINUX_SLL2 },
		{ 0, 0, 105, 0, DLT_IEEE802_11 },
		{ 1, 1, 220, 0, DLT_USB_LINUX_MMAPPED },
	};
	struct cap c;
	struct run r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		char *path;

		snprintf(name, sizeof(name), "fmt%zu.pcap", i);
		cap_header(&c, cases[i].nsec, cases[i].swap, 4, 65535,
		    cases[i].linktype);
		three_frames(&c);
		path = cap_write(&c, name, 0);
		check_one(path, cases[i].mapped, &r);
		assert_int_equal(r.n, 3);
		assert_int_equal(r.f[0].linktype, cases[i].dlt);
		assert_int_equal(r.f[2].caplen, 1514);
		assert_int_equal(r.data[2][1513], (uint8_t)(0x30 + 1513));
		assert_int_equal(r.f[1].wirelen, 60);
		assert_int_equal(r.f[1].ts_ns, 1700000001ull * 1000000000ull +
		    (cases[i].nsec ? 500000 : 500000000));
		run_free(&r);
		free(path);
	}
}

static void
test_mapped_odd_headers(void **state)
{
	struct cap c;
	struct run r;
	char *path;

	/* libpcap reads timestamps as signed 32-bit in native files, as
	 * unsigned in swapped ones: the same frames either way. */
	for (int i = 0; i < 4; i++) {
		cap_header(&c, i & 1, i >> 1, 4, 65535, 1);
		cap_record(&c, 0xffffffff, 0x80000000, 4, 4, 4, 1);
		cap_record(&c, 0x80000000, 0xffffffff, 4, 4, 4, 1);
		path = cap_write(&c, "signed.pcap", 0);
		check_one(path, 1, &r);
		assert_int_equal(r.n, 2);
		/* -1 s - 2^31 us (native) or 2^32 - 1 s + 2^31 us (swapped) */
		if (i == 0)
			assert_int_equal(r.f[0].ts_ns,
			    (uint64_t)(-1000000000ll - 2147483648000ll));
		if (i == 2)
			assert_int_equal(r.f[0].ts_ns,
			    4294967295ull * 1000000000ull + 2147483648000ull);
		run_free(&r);
		free(path);
	}

	/* Version 2.3 may have caplen and len swapped: libpcap decides. */
	cap_header(&c, 0, 0, 3, 65535, 1);
	cap_record(&c, 1, 2, 60, 40, 40, 1);
	cap_record(&c, 1, 2, 30, 40, 30, 1);
	path = cap_write(&c, "v23.pcap", 0);
	check_one(path, 0, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.f[0].caplen, 40);
	run_free(&r);
	free(path);

	/* Snapshot length 0 means the maximum. */
	cap_header(&c, 0, 1, 4, 0, 1);
	cap_record(&c, 1, 2, 3000, 3000, 3000, 7);
	path = cap_write(&c, "snap0.pcap", 0);
	check_one(path, 1, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.f[0].caplen, 3000);
	run_free(&r);
	free(path);

	/* Only the file header: no frames, a clean end. */
	cap_header(&c, 1, 0, 4, 65535, 1);
	path = cap_write(&c, "header-only.pcap", 0);
	check_one(path, 0, &r);	/* nothing read, so never seen mapped */
	assert_int_equal(r.n, 0);
	assert_int_equal(r.rc, 0);
	run_free(&r);
	free(path);
}

/* caplen above the snapshot length: cut to it, the rest skipped. */
static void
test_mapped_caplen_over_snaplen(void **state)
{
	static const struct {
		uint32_t linktype;
		int swap, mapped;
	} cases[] = {
		{ 1, 0, 1 }, { 1, 1, 1 }, { 105, 0, 0 }, { 113, 1, 0 },
	};
	struct cap c;
	struct run r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		char *path;
		size_t full;

		snprintf(name, sizeof(name), "over%zu.pcap", i);
		cap_header(&c, 0, cases[i].swap, 4, 100, cases[i].linktype);
		cap_record(&c, 5, 6, 150, 200, 150, 0x40);
		cap_record(&c, 7, 8, 20, 20, 20, 0x50);
		full = c.n;
		path = cap_write(&c, name, 0);
		check_one(path, cases[i].mapped, &r);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.f[0].caplen, 100);
		assert_int_equal(r.f[0].wirelen, 200);
		assert_int_equal(r.data[0][99], 0x40 + 99);
		assert_int_equal(r.f[1].caplen, 20);
		assert_int_equal(r.data[1][0], 0x50);
		run_free(&r);
		free(path);

		/* Cut inside the second record's data: its offset counts
		 * all 150 bytes of the first, 24 + 166 = 190. */
		path = cap_write(&c, name, full - 5);
		check_one(path, cases[i].mapped, &r);
		assert_int_equal(r.n, 1);
		assert_non_null(strstr(r.msg, ": offset 190: truncated record "
		    "after frame 1 (truncated dump file; tried to read 20 "
		    "captured bytes, only got 15)"));
		run_free(&r);
		free(path);

		/* Cut the big record within its first 100 bytes (libpcap
		 * names the snapshot) and after them (it names caplen). */
		path = cap_write(&c, name, 24 + 16 + 60);
		check_one(path, -1, &r);
		assert_int_equal(r.n, 0);
		assert_non_null(strstr(r.msg, ": offset 24: truncated record "
		    "after frame 0 (truncated dump file; tried to read 100 "
		    "captured bytes, only got 60)"));
		run_free(&r);
		free(path);
		path = cap_write(&c, name, 24 + 16 + 120);
		check_one(path, -1, &r);
		assert_non_null(strstr(r.msg, "tried to read 150 captured "
		    "bytes, only got 120)"));
		run_free(&r);
		free(path);
	}
}

static void
test_mapped_bad_records(void **state)
{
	struct cap c;
	struct run r;
	char *path;
	size_t two;

	for (int swap = 0; swap <= 1; swap++) {
		cap_header(&c, swap, swap, 4, 65535, 1);
		three_frames(&c);
		two = 24 + (16 + 61) + (16 + 1);

		/* Truncated record header. */
		path = cap_write(&c, "cut-hdr.pcap", two + 7);
		check_one(path, 1, &r);
		assert_int_equal(r.n, 2);
		assert_non_null(strstr(r.msg, ": offset 118: truncated record "
		    "after frame 2 (truncated dump file; tried to read 16 "
		    "header bytes, only got 7)"));
		run_free(&r);
		free(path);

		/* Truncated data. */
		path = cap_write(&c, "cut-data.pcap", two + 16 + 1000);
		check_one(path, 1, &r);
		assert_int_equal(r.n, 2);
		assert_non_null(strstr(r.msg, ": offset 118: truncated record "
		    "after frame 2 (truncated dump file; tried to read 1514 "
		    "captured bytes, only got 1000)"));
		run_free(&r);
		free(path);

		/* Cut exactly at a record boundary: a clean end. */
		path = cap_write(&c, "cut-clean.pcap", two);
		check_one(path, 1, &r);
		assert_int_equal(r.n, 2);
		assert_int_equal(r.rc, 0);
		run_free(&r);
		free(path);

		/* caplen above the maximum for the link type (262144). */
		cap_header(&c, swap, swap, 4, 65535, 1);
		cap_record(&c, 1, 2, 4, 4, 4, 1);
		cap_record(&c, 1, 2, 262145, 262145, 100, 1);
		path = cap_write(&c, "huge.pcap", 0);
		check_one(path, 1, &r);
		assert_int_equal(r.n, 1);
		assert_non_null(strstr(r.msg, ": offset 44: bad record after "
		    "frame 1 (invalid packet capture length 262145, bigger "
		    "than snaplen of 65535)"));
		run_free(&r);
		free(path);
		/* At the maximum it is a record like any other. */
		cap_header(&c, swap, swap, 4, 0, 1);
		cap_record(&c, 1, 2, 262144, 262144, 100, 1);
		path = cap_write(&c, "max.pcap", 0);
		check_one(path, -1, &r);
		assert_non_null(strstr(r.msg, "tried to read 262144 captured "
		    "bytes, only got 100)"));
		run_free(&r);
		free(path);
	}
}

static void
test_mapped_files_in_a_row(void **state)
{
	struct cap c;
	struct run r;
	char *paths[4];
	int mapped[] = { 1, 0, 1, 1 };
	struct error err;
	struct pcap_source *s;
	struct pcap_frame f;
	uint64_t done, total;

	cap_header(&c, 0, 0, 4, 65535, 1);
	three_frames(&c);
	paths[0] = cap_write(&c, "row0.pcap", 0);
	cap_header(&c, 0, 1, 4, 65535, 113);	/* swapped SLL: libpcap */
	three_frames(&c);
	paths[1] = cap_write(&c, "row1.pcap", 0);
	cap_header(&c, 1, 1, 4, 65535, 101);
	cap_record(&c, 9, 9, 10, 10, 10, 9);
	paths[2] = cap_write(&c, "row2.pcap", 0);
	cap_header(&c, 1, 0, 4, 65535, 1);
	three_frames(&c);
	paths[3] = cap_write(&c, "row3.pcap", c.n - 1);	/* cut */
	check_same((const char *const *)paths, 4, mapped, &r);
	assert_int_equal(r.n, 3 + 3 + 1 + 2);
	assert_int_equal(r.f[6].file_index, 2);
	assert_int_equal(r.f[6].frame_no, 1);
	assert_non_null(strstr(r.msg, "row3.pcap: offset 118: truncated "
	    "record after frame 2"));
	run_free(&r);

	/* Progress of a mapped file is the end of the last record. */
	s = pcap_source_new((const char *const *)paths, 3, &err);
	assert_non_null(s);
	assert_int_equal(pcap_source_next(s, &f, &err), 1);
	pcap_source_progress(s, &done, &total);
	assert_int_equal(done, 24 + 16 + 61);
	assert_int_equal(total, 2 * (24 + 3 * 16 + 61 + 1 + 1514) +
	    (24 + 16 + 10));
	while (pcap_source_next(s, &f, &err) == 1)
		;
	pcap_source_progress(s, &done, &total);
	assert_int_equal(done, total);
	pcap_source_free(s);
	for (int i = 0; i < 4; i++)
		free(paths[i]);
}

/*
 * keep_mapped: frames of a finished mapped file stay readable (and equal)
 * while the next files are read, every mapping goes at free; frames read
 * by libpcap, and all frames without keep_mapped, are not stable.
 */
static void
test_keep_mapped(void **state)
{
	struct cap c;
	char *paths[3];
	struct error err;
	struct pcap_source *s;
	struct pcap_frame f;
	const uint8_t *kept[3];
	uint8_t copy[3][1514];
	uint32_t len[3];
	int n = 0, stable[2] = { 0, 0 };

	(void)state;
	cap_header(&c, 0, 0, 4, 65535, 1);
	three_frames(&c);
	paths[0] = cap_write(&c, "keep0.pcap", 0);
	cap_header(&c, 1, 0, 4, 65535, 1);
	cap_record(&c, 5, 5, 1514, 1514, 1514, 0x77);
	cap_record(&c, 6, 6, 100, 100, 100, 0x11);
	paths[1] = cap_write(&c, "keep1.pcap", 0);
	cap_header(&c, 0, 1, 4, 65535, 113);	/* swapped SLL: libpcap */
	three_frames(&c);
	paths[2] = cap_write(&c, "keep2.pcap", 0);

	s = pcap_source_new((const char *const *)paths, 3, &err);
	assert_non_null(s);
	pcap_source_keep_mapped(s, 0);
	while (pcap_source_next(s, &f, &err) == 1) {
		if (f.file_index == 0) {
			assert_int_equal(f.stable, 1);
			kept[n] = f.data;
			len[n] = f.caplen;
			memcpy(copy[n], f.data, f.caplen);
			n++;
		} else {
			stable[f.file_index - 1] += f.stable;
		}
		if (f.file_index == 1)	/* file 0 ended, still mapped */
			assert_true(is_mapped(paths[0]));
	}
	assert_int_equal(n, 3);
	assert_int_equal(stable[0], 2);		/* mapped: stable */
	assert_int_equal(stable[1], 0);		/* libpcap: not */
	/* after file 1 and file 2: file 0's frames are intact */
	assert_true(is_mapped(paths[0]));
	assert_true(is_mapped(paths[1]));
	assert_false(is_mapped(paths[2]));
	for (int i = 0; i < n; i++)
		assert_memory_equal(kept[i], copy[i], len[i]);
	assert_int_equal(kept[2][1513], (uint8_t)(0x30 + 1513));
	pcap_source_free(s);
	assert_false(is_mapped(paths[0]));
	assert_false(is_mapped(paths[1]));

	/* without keep_mapped: unmapped at the end, never stable */
	s = pcap_source_new((const char *const *)paths, 2, &err);
	assert_non_null(s);
	while (pcap_source_next(s, &f, &err) == 1) {
		assert_int_equal(f.stable, 0);
		if (f.file_index == 1)
			assert_false(is_mapped(paths[0]));
	}
	pcap_source_free(s);
	for (int i = 0; i < 3; i++)
		free(paths[i]);
}

/* Resident kB of path's mapping in this process, -1 when not mapped. */
static long
mapped_rss_kb(const char *path)
{
	FILE *m = fopen("/proc/self/smaps", "r");
	char line[4096];
	int in = 0;
	long kb = -1, v;

	assert_non_null(m);
	while (fgets(line, sizeof(line), m) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		/* A mapping's line starts with its (lower-case hex) address,
		 * its fields ("Rss:") with a capital. */
		if (line[0] < 'A' || line[0] > 'Z')
			in = strlen(line) >= strlen(path) &&
			    strcmp(line + strlen(line) - strlen(path), path) == 0;
		else if (in && sscanf(line, "Rss: %ld kB", &v) == 1)
			kb = kb < 0 ? v : kb + v;
	}
	fclose(m);
	return kb;
}

enum { BIG_N = 8000, BIG_LEN = 1500 };

/* A capture of n frames of BIG_LEN bytes (frame i: bytes i & 0xff, time
 * i s): 24 + n * 1516 bytes (BIG_N: 11.6 MiB).  The path, to free. */
static char *
write_frames(const char *name, int n)
{
	uint8_t data[BIG_LEN];
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	f = fopen(path, "wb");
	assert_non_null(f);
	put32(f, 0xa1b2c3d4);
	put16(f, 2);
	put16(f, 4);
	put32(f, 0);
	put32(f, 0);
	put32(f, 65535);
	put32(f, 1);
	for (int i = 0; i < n; i++) {
		memset(data, i & 0xff, BIG_LEN);
		put32(f, (uint32_t)i);
		put32(f, 0);
		put32(f, BIG_LEN);
		put32(f, BIG_LEN);
		fwrite(data, 1, BIG_LEN, f);
	}
	assert_int_equal(fclose(f), 0);
	return path;
}

static char *
write_big(const char *name)
{
	return write_frames(name, BIG_N);
}

/* Is the page of p mapped in this process (/proc/self/pagemap, bit 63)? */
static int
page_present(const void *p)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &e, sizeof(e),
	    (off_t)((uintptr_t)p / (uintptr_t)sysconf(_SC_PAGESIZE) * sizeof(e))),
	    (ssize_t)sizeof(e));
	close(fd);
	return (int)(e >> 63);
}

/*
 * A mapped capture larger than the 4 MiB window: pages behind the reader
 * leave our RSS, so the reader's memory does not grow with the file.  Kept
 * mapped with a lag (apiary tcpflow's writer threads read behind the
 * reader), the lag's pages stay too, and no more.
 */
static void
test_mapped_rss_bounded(void **state)
{
	enum { N = BIG_N, LEN = BIG_LEN, LAG_KB = 2048 };
	char *path = write_big("big.pcap");
	struct error err;
	struct pcap_source *s;
	struct pcap_frame fr;

	(void)state;
	for (int lagged = 0; lagged < 2; lagged++) {
		long peak = 0;
		int n = 0;

		s = pcap_source_new((const char *const *)&path, 1, &err);
		assert_non_null(s);
		if (lagged)
			pcap_source_keep_mapped(s, LAG_KB * 1024);
		while (pcap_source_next(s, &fr, &err) == 1) {
			assert_int_equal(fr.caplen, LEN);
			assert_int_equal(fr.data[0], n & 0xff);
			assert_int_equal(fr.data[LEN - 1], n & 0xff);
			assert_int_equal(fr.ts_ns, (uint64_t)n * 1000000000ull);
			if (n % 500 == 0) {
				long kb = mapped_rss_kb(path);

				assert_true(kb > 0);
				peak = kb > peak ? kb : peak;
			}
			n++;
		}
		assert_int_equal(n, N);
		/* The window (4096 kB) plus the kernel's fault-around, plus
		 * the lag (which the reader's own touches fill). */
		print_message("peak mapped RSS %ld kB (lag %d kB)\n", peak,
		    lagged ? LAG_KB : 0);
		assert_true(peak <= 4096 + 512 + (lagged ? LAG_KB : 0));
		if (lagged)	/* the lag's pages stayed */
			assert_true(peak > 4096 + LAG_KB / 2);
		pcap_source_free(s);
	}
	free(path);
}

/*
 * Kept mapped with a lag, over two files: the first file's end stays
 * resident until the reader is lag bytes into the second, then all of it
 * goes; a page a consumer faults back in behind the dropped line is swept
 * out again (every lag + 4 MiB of reading).
 */
static void
test_kept_lag_files_and_sweep(void **state)
{
	enum { LAG = 2 << 20 };
	char *paths[2] = { write_big("lag0.pcap"), write_big("lag1.pcap") };
	const uint8_t *early = NULL;
	struct error err;
	struct pcap_source *s;
	struct pcap_frame fr;
	int n = 0;

	(void)state;
	s = pcap_source_new((const char *const *)paths, 2, &err);
	assert_non_null(s);
	pcap_source_keep_mapped(s, LAG);
	while (pcap_source_next(s, &fr, &err) == 1) {
		int i = n - BIG_N;	/* frame in the second file */

		assert_int_equal(fr.stable, 1);
		if (i == 100)		/* 150 kB in: the first file's end stays */
			assert_true(mapped_rss_kb(paths[0]) >= LAG / 1024 / 2);
		if (i == 5000)		/* 7.5 MB in: all of it went */
			assert_int_equal(mapped_rss_kb(paths[0]), 0);
		if (i == 10)
			early = fr.data;
		if (i == 4500) {	/* 6.8 MB: frame 10 is behind the line */
			assert_false(page_present(early));
			assert_int_equal(early[0], 10);	/* a consumer reads it */
			assert_true(page_present(early));
		}
		if (i == 7500)		/* 11.4 MB: swept out again */
			assert_false(page_present(early));
		n++;
	}
	assert_int_equal(n, 2 * BIG_N);
	pcap_source_free(s);
	free(paths[0]);
	free(paths[1]);
}

/*
 * Files shorter than the lag (rotated captures): a finished one still goes
 * once the reader is lag bytes past its end, though no file is long enough
 * for the window inside it.
 */
static void
test_kept_lag_short_files(void **state)
{
	enum { LAG = 2 << 20, FRAMES = 700 };	/* 1 MiB files */
	char *paths[5];
	struct error err;
	struct pcap_source *s;
	struct pcap_frame fr;
	int n = 0;

	(void)state;
	for (int i = 0; i < 5; i++) {
		char name[32];

		snprintf(name, sizeof(name), "short%d.pcap", i);
		paths[i] = write_frames(name, FRAMES);
	}
	s = pcap_source_new((const char *const *)paths, 5, &err);
	assert_non_null(s);
	pcap_source_keep_mapped(s, LAG);
	while (pcap_source_next(s, &fr, &err) == 1) {
		if (n == FRAMES + 100)	/* in file 1: file 0 is within the lag */
			assert_true(mapped_rss_kb(paths[0]) > 0);
		if (n == 4 * FRAMES + 100)	/* in file 4: 2+ MiB past file 0 and 1 */
			assert_int_equal(mapped_rss_kb(paths[0]) + mapped_rss_kb(paths[1]), 0);
		n++;
	}
	assert_int_equal(n, 5 * FRAMES);
	pcap_source_free(s);
	for (int i = 0; i < 5; i++)
		free(paths[i]);
}

/* A FIFO cannot be mapped: read by libpcap, with the same frames. */
static void
test_fifo_not_mapped(void **state)
{
	struct cap c;
	struct run a, b;
	char *file, *fifo;
	const char *p;
	struct error err;
	struct pcap_source *s;
	pid_t pid;
	int status;

	cap_header(&c, 0, 0, 4, 65535, 1);
	three_frames(&c);
	file = cap_write(&c, "fifo-src.pcap", 0);
	assert_true(asprintf(&fifo, "%s/fifo.pcap", dir) > 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		FILE *w = fopen(fifo, "wb");

		_exit(w == NULL || fwrite(c.b, 1, c.n, w) != c.n ||
		    fclose(w) != 0);
	}
	p = fifo;
	s = pcap_source_new(&p, 1, &err);
	assert_non_null(s);
	collect(s, &a, NULL, NULL);
	pcap_source_free(s);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check_one(file, 1, &b);
	assert_int_equal(a.rc, 0);
	same_frames(&b, 0, &a, 0);
	assert_int_equal(a.n, b.n);
	run_free(&a);
	run_free(&b);
	free(file);
	free(fifo);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_in_order),
		cmocka_unit_test(test_truncated_record),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_mapped_formats),
		cmocka_unit_test(test_mapped_odd_headers),
		cmocka_unit_test(test_mapped_caplen_over_snaplen),
		cmocka_unit_test(test_mapped_bad_records),
		cmocka_unit_test(test_mapped_files_in_a_row),
		cmocka_unit_test(test_keep_mapped),
		cmocka_unit_test(test_mapped_rss_bounded),
		cmocka_unit_test(test_kept_lag_files_and_sweep),
		cmocka_unit_test(test_kept_lag_short_files),
		cmocka_unit_test(test_fifo_not_mapped),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
