/* summary: unit tests for io/pcap_source: formats, order, errors with offsets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_in_order),
		cmocka_unit_test(test_truncated_record),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
