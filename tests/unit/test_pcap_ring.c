/* summary: unit tests for the rotating pcap ring: format, rotation, bounds, loss when the disk stalls. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture/pcap_ring.h"
#include "core/timefmt.h"

#define T0 (1700000000ull * NSEC_PER_SEC)

static char *
mkdir_tmp(void)
{
	char tmpl[] = "/tmp/h8-pcapring-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static void
rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[4096];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The capture files in dir, sorted; returns how many (<= max). */
static int
list_files(const char *dir, char **names, int max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL && n < max)
		if (strstr(de->d_name, ".pcap") != NULL)
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof(*names), cmp_str);
	return n;
}

static struct pcap_ring *
ring(const char *dir, uint64_t rotate_bytes, uint64_t rotate_ns,
    uint64_t keep, size_t ring_bytes)
{
	struct pcap_ring_config c = { .dir = dir, .prefix = "t",
		.rotate_bytes = rotate_bytes, .rotate_ns = rotate_ns,
		.keep_files = keep, .ring_bytes = ring_bytes, .snaplen = 65535 };
	struct error err;
	struct pcap_ring *r = pcap_ring_new(&c, &err);

	if (r == NULL)
		fail_msg("%s", err.msg);
	return r;
}

static void
frame(uint8_t *f, size_t n, uint32_t i)
{
	for (size_t k = 0; k < n; k++)
		f[k] = (uint8_t)(i + k);
}

static void
test_format_readable_by_libpcap(void **state)
{
	char *dir = mkdir_tmp(), *names[8], path[4096];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_ring *r = ring(dir, 0, 0, 0, 1 << 20);
	struct pcap_ring_stats st;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t f[1514];
	pcap_t *p;
	int n, i = 0;

	for (uint32_t k = 0; k < 100; k++) {
		frame(f, 60 + k, k);
		assert_int_equal(pcap_ring_write(r, T0 + k * 1000 + 7, f,
		    60 + k, 60 + k + (k == 5 ? 100 : 0)), 0);
	}
	pcap_ring_free(r);
	n = list_files(dir, names, 8);
	assert_int_equal(n, 1);
	assert_non_null(strstr(names[0], "t-20231114T221320Z-000000.pcap"));
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	p = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	assert_int_equal(pcap_get_tstamp_precision(p), PCAP_TSTAMP_PRECISION_NANO);
	while (pcap_next_ex(p, &h, &data) == 1) {
		assert_int_equal(h->caplen, 60 + i);
		assert_int_equal(h->len, 60 + i + (i == 5 ? 100 : 0));
		assert_int_equal(h->ts.tv_sec, 1700000000);
		assert_int_equal(h->ts.tv_usec, i * 1000 + 7);	/* nanoseconds */
		frame(f, h->caplen, (uint32_t)i);
		assert_memory_equal(data, f, h->caplen);
		i++;
	}
	assert_int_equal(i, 100);
	pcap_close(p);
	(void)st;
	free(names[0]);
	rm_tree(dir);
	free(dir);
}


/* Reads dir's one capture file; checks frames first..first+count-1 are there in order. */
static void
check_file(const char *dir, uint32_t count)
{
	char *names[4], path[4096], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t f[1600];
	uint32_t i = 0;
	pcap_t *p;
	int r;

	assert_int_equal(list_files(dir, names, 4), 1);
	snprintf(path, sizeof(path), "%s/%s", dir, names[0]);
	p = pcap_open_offline_with_tstamp_precision(path,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(p);
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		uint32_t len = 60 + (i * 7919u) % 1455u;

		assert_int_equal(h->caplen, len);
		assert_int_equal(h->ts.tv_usec, i);
		frame(f, len, i);
		assert_memory_equal(data, f, len);
		i++;
	}
	assert_int_equal(r, PCAP_ERROR_BREAK);	/* a clean end, no cut record */
	assert_int_equal(i, count);
	pcap_close(p);
	free(names[0]);
}

/*
 * Direct writes go out in whole blocks from a 1 MiB stage; the partial
 * block at the end is written through the page cache when the ring goes
 * idle or on sync, and rewritten with the next whole block.  Frames of
 * every size across many stage fills: the file is exact after a sync
 * while still running, again after more frames, and after the end.
 */
static void
test_staged_writes_exact_at_every_sync(void **state)
{
	char *dir = mkdir_tmp();
	struct pcap_ring *r = ring(dir, 0, 0, 0, 256 << 10);	/* wraps ~9 times */
	struct pcap_ring_stats st;
	uint8_t f[1600];
	uint32_t i = 0;

	(void)state;
	/* a stalled writer finds the ring over half full: it catches up
	 * through the page cache, and the file is the same */
	pcap_ring_hold(r, 1);
	for (; i < 200; i++) {
		uint32_t len = 60 + (i * 7919u) % 1455u;

		frame(f, len, i);
		assert_int_equal(pcap_ring_write(r, T0 + i, f, len, len), 0);
	}
	pcap_ring_hold(r, 0);
	pcap_ring_sync(r);
	check_file(dir, i);
	pcap_ring_get_stats(r, &st);
	assert_true(st.buffered_bytes > 0);
	for (int round = 0; round < 3; round++) {
		uint32_t upto = i + (round == 1 ? 1 : 3001);

		for (; i < upto; i++) {
			uint32_t len = 60 + (i * 7919u) % 1455u;

			frame(f, len, i);
			while (pcap_ring_write(r, T0 + i, f, len, len) != 0)
				usleep(1000);	/* ring full: let the writer catch up */
		}
		pcap_ring_sync(r);
		check_file(dir, i);
		pcap_ring_get_stats(r, &st);
		assert_int_equal(st.write_errors, 0);
	}
	pcap_ring_free(r);
	check_file(dir, i);
	rm_tree(dir);
	free(dir);
}


/*
 * A disk that fails (here: the file size limit, EFBIG): the frames of the
 * file that could not be written count as write errors, not as written;
 * the caller is never held up; a second later the next frame starts a new
 * file, which is written normally.
 */
static void
test_write_error_loses_that_file_only(void **state)
{
	char *dir = mkdir_tmp(), *names[8];
	struct pcap_ring *r = ring(dir, 0, 0, 0, 1 << 20);
	struct pcap_ring_stats st;
	struct rlimit old, lim = { 64 << 10, 64 << 10 };
	uint8_t f[1000];
	int n;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	memset(f, 0x5a, sizeof(f));
	for (int k = 0; k < 200; k++)		/* ~200 KB: past the limit */
		assert_int_equal(pcap_ring_write(r, T0 + (uint64_t)k, f,
		    sizeof(f), sizeof(f)), 0);
	pcap_ring_sync(r);
	usleep(1200 * 1000);			/* the writer waits a second */
	for (int k = 0; k < 10; k++)
		assert_int_equal(pcap_ring_write(r, T0 + 10 * NSEC_PER_SEC +
		    (uint64_t)k, f, sizeof(f), sizeof(f)), 0);
	pcap_ring_sync(r);
	pcap_ring_get_stats(r, &st);
	pcap_ring_free(r);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(st.write_errors, 200);
	assert_int_equal(st.packets, 10);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.files_opened, 2);
	n = list_files(dir, names, 8);
	assert_int_equal(n, 2);
	{	/* the new file is whole: 10 frames, a clean end */
		char path[4096], errbuf[PCAP_ERRBUF_SIZE];
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *p;
		int i = 0, rc;

		snprintf(path, sizeof(path), "%s/%s", dir, names[1]);
		p = pcap_open_offline(path, errbuf);
		assert_non_null(p);
		while ((rc = pcap_next_ex(p, &h, &data)) == 1)
			i++;
		assert_int_equal(rc, PCAP_ERROR_BREAK);
		assert_int_equal(i, 10);
		pcap_close(p);
	}
	for (int k = 0; k < n; k++)
		free(names[k]);
	rm_tree(dir);
	free(dir);
}

static void
test_size_rotation_and_keep(void **state)
{
	char *dir = mkdir_tmp(), *names[64];
	struct pcap_ring *r = ring(dir, 4096, 0, 3, 1 << 20);
	struct pcap_ring_stats st;
	uint8_t f[1000];
	int n;

	memset(f, 0xab, sizeof(f));
	/* 40 frames of 1016 bytes with headers: ~4 per file, 10 files made. */
	for (int k = 0; k < 40; k++)
		assert_int_equal(pcap_ring_write(r, T0 + (uint64_t)k, f,
		    sizeof(f), sizeof(f)), 0);
	pcap_ring_sync(r);
	pcap_ring_get_stats(r, &st);
	pcap_ring_free(r);
	assert_int_equal(st.packets, 40);
	assert_int_equal(st.dropped, 0);
	assert_true(st.files_opened >= 8);
	n = list_files(dir, names, 64);
	assert_int_equal(n, 3);			/* keep 3 */
	assert_int_equal(st.files_deleted + 3, st.files_opened);
	for (int k = 0; k < n; k++)
		free(names[k]);

	/* A new run counts the files the last one left. */
	r = ring(dir, 4096, 0, 3, 1 << 20);
	for (int k = 0; k < 20; k++)
		pcap_ring_write(r, T0 + NSEC_PER_SEC + (uint64_t)k, f,
		    sizeof(f), sizeof(f));
	pcap_ring_free(r);
	n = list_files(dir, names, 64);
	assert_int_equal(n, 3);
	/* The newest survive: all from the second run (timestamps T0+1s). */
	for (int k = 0; k < n; k++)
		assert_non_null(strstr(names[k], "221321Z"));
	for (int k = 0; k < n; k++)
		free(names[k]);
	rm_tree(dir);
	free(dir);
}

static void
test_time_rotation(void **state)
{
	char *dir = mkdir_tmp(), *names[16];
	struct pcap_ring *r = ring(dir, 0, NSEC_PER_SEC, 0, 1 << 20);
	uint8_t f[64] = { 0 };
	int n;

	/* 0.0, 0.5, 1.0, 1.5, ... 3.5 s: files at 0, 1, 2, 3 s. */
	for (int k = 0; k < 8; k++)
		pcap_ring_write(r, T0 + (uint64_t)k * NSEC_PER_SEC / 2, f,
		    sizeof(f), sizeof(f));
	pcap_ring_free(r);
	n = list_files(dir, names, 16);
	assert_int_equal(n, 4);
	for (int k = 0; k < n; k++)
		free(names[k]);
	rm_tree(dir);
	free(dir);
}

static void
test_stalled_disk_loses_capture_not_caller(void **state)
{
	char *dir = mkdir_tmp();
	struct pcap_ring *r = ring(dir, 0, 0, 0, 64 << 10);
	struct pcap_ring_stats st;
	uint8_t f[1000] = { 0 };
	int ok = 0, lost = 0;

	pcap_ring_hold(r, 1);
	/* 64 KiB of ring: about 63 frames of 1024 bytes fit, never more. */
	for (int k = 0; k < 1000; k++) {
		if (pcap_ring_write(r, T0 + (uint64_t)k, f, sizeof(f),
		    sizeof(f)) == 0)
			ok++;
		else
			lost++;
	}
	assert_true(ok >= 60 && ok <= 64);
	assert_int_equal(ok + lost, 1000);
	pcap_ring_hold(r, 0);
	pcap_ring_sync(r);
	pcap_ring_get_stats(r, &st);
	assert_int_equal(st.dropped, (uint64_t)lost);
	assert_int_equal(st.packets, (uint64_t)ok);
	/* Drained: room again, and wrapping around the end works. */
	for (int k = 0; k < 500; k++) {
		assert_int_equal(pcap_ring_write(r, T0, f, 100 + k % 900,
		    100 + k % 900), 0);
		if (k % 50 == 49)
			pcap_ring_sync(r);
	}
	pcap_ring_free(r);
	rm_tree(dir);
	free(dir);
}

static void
test_snaplen_and_bad_config(void **state)
{
	char *dir = mkdir_tmp();
	struct pcap_ring_config c = { .dir = dir, .ring_bytes = 1024 };
	struct error err;

	assert_null(pcap_ring_new(&c, &err));
	assert_non_null(strstr(err.msg, "at least 64 KiB"));
	c.dir = "/nonexistent/h8/x";
	c.ring_bytes = 1 << 20;
	assert_null(pcap_ring_new(&c, &err));
	assert_non_null(strstr(err.msg, "/nonexistent/h8/x"));
	rm_tree(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_readable_by_libpcap),
		cmocka_unit_test(test_staged_writes_exact_at_every_sync),
		cmocka_unit_test(test_write_error_loses_that_file_only),
		cmocka_unit_test(test_size_rotation_and_keep),
		cmocka_unit_test(test_time_rotation),
		cmocka_unit_test(test_stalled_disk_loses_capture_not_caller),
		cmocka_unit_test(test_snaplen_and_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
