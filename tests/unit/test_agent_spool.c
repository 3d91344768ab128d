/* summary: unit tests for the agent's disk spool: order, restart, bound, loss. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/spool.h"

static char *
tmpdir(void)
{
	char tmpl[] = "/tmp/apiary-spool-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return strdup(d);
}

static void
rmdir_all(const char *d)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

static void
test_order_and_restart(void **state)
{
	char *dir = tmpdir();
	struct error err;
	struct spool *s = spool_open(dir, 0, &err);
	struct buf b;
	uint64_t ser, got;
	char msg[64];

	assert_non_null(s);
	buf_init(&b, 0);
	for (int i = 1; i <= 100; i++) {
		snprintf(msg, sizeof(msg), "record %d", i);
		assert_int_equal(spool_append(s, msg, strlen(msg), &ser, &err), 0);
		assert_int_equal(ser, (uint64_t)i);
	}
	assert_int_equal(spool_read_after(s, 41, &b, &got, &err), 1);
	assert_int_equal(got, 42);
	assert_memory_equal(b.data, "record 42", b.len);
	assert_int_equal(spool_read_after(s, 100, &b, &got, &err), 0);
	assert_int_equal(spool_set_sent(s, 60, &err), 0);
	spool_close(s);

	/* a restart continues the numbering and remembers what was sent */
	s = spool_open(dir, 0, &err);
	assert_non_null(s);
	assert_int_equal(spool_last(s), 100);
	assert_int_equal(spool_sent(s), 60);
	assert_int_equal(spool_append(s, "x", 1, &ser, &err), 0);
	assert_int_equal(ser, 101);
	assert_int_equal(spool_read_after(s, 100, &b, &got, &err), 1);
	assert_int_equal(got, 101);
	spool_close(s);
	buf_free(&b);
	rmdir_all(dir);
	free(dir);
}

static void
test_torn_tail(void **state)
{
	char *dir = tmpdir(), path[256];
	struct error err;
	struct spool *s = spool_open(dir, 0, &err);
	uint64_t ser;
	FILE *f;

	assert_non_null(s);
	assert_int_equal(spool_append(s, "whole", 5, &ser, &err), 0);
	spool_close(s);
	/* half a record header, as if the agent died mid-write */
	snprintf(path, sizeof(path), "%s/0000000000000001.spool", dir);
	assert_non_null(f = fopen(path, "ab"));
	fwrite("\x05\x00\x00", 1, 3, f);
	fclose(f);
	s = spool_open(dir, 0, &err);
	assert_non_null(s);
	assert_int_equal(spool_last(s), 1);
	assert_int_equal(spool_append(s, "next", 4, &ser, &err), 0);
	assert_int_equal(ser, 2);
	spool_close(s);
	rmdir_all(dir);
	free(dir);
}

static void
test_bound_drops_oldest_and_counts(void **state)
{
	char *dir = tmpdir();
	struct error err;
	/* 4 MiB is the smallest bound: four 1 MiB segments */
	struct spool *s = spool_open(dir, 4u << 20, &err);
	static char big[100000];
	struct buf b;
	uint64_t ser, got;

	assert_non_null(s);
	buf_init(&b, 0);
	memset(big, 'a', sizeof(big));
	for (int i = 0; i < 100; i++)	/* ~10 MB into a 4 MiB spool */
		assert_int_equal(spool_append(s, big, sizeof(big), &ser, &err), 0);
	assert_true(spool_bytes(s) <= (4u << 20));
	assert_true(spool_lost(s) > 50);
	/* what is left is the newest, in order */
	assert_int_equal(spool_read_after(s, 0, &b, &got, &err), 1);
	assert_int_equal(got, spool_lost(s) + 1);
	assert_int_equal(spool_read_after(s, 99, &b, &got, &err), 1);
	assert_int_equal(got, 100);
	assert_int_equal(spool_append(s, big, 300u << 10, &ser, &err), -1);
	spool_close(s);
	buf_free(&b);
	rmdir_all(dir);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_restart),
		cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_bound_drops_oldest_and_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
