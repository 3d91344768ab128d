/* summary: unit tests for app/app_files: hashing, store once by SHA-256, size bounds, magic. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "app/app_files.h"

/* sha256("hello world") */
#define HELLO_SHA "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"

static char *
tmpdir(void)
{
	char *d = strdup("/tmp/h10-files-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void
rmtree(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

static struct file_store *
store(const char *dir, uint64_t max_bytes, uint64_t max_file)
{
	struct file_store_config cfg;
	struct error err;
	struct file_store *fs;

	file_store_config_default(&cfg);
	cfg.dir = dir;
	if (max_bytes)
		cfg.max_bytes = max_bytes;
	if (max_file)
		cfg.max_file = max_file;
	fs = file_store_new(&cfg, &err);
	assert_non_null(fs);
	return fs;
}

static void
put(struct file_store *fs, const char *s, int complete, struct file_result *r)
{
	struct file_track *ft = file_open(fs);
	size_t n = strlen(s);

	assert_non_null(ft);
	/* in two pieces */
	file_write(fs, ft, (const uint8_t *)s, n / 2);
	file_write(fs, ft, (const uint8_t *)s + n / 2, n - n / 2);
	file_close(fs, ft, complete, r);
}

static void
test_store_once(void **state)
{
	char *d = tmpdir(), path[512];
	struct file_store *fs = store(d, 0, 0);
	struct file_result r;
	struct file_store_stats st;
	struct stat sb;

	(void)state;
	put(fs, "hello world", 1, &r);
	assert_string_equal(r.sha256, HELLO_SHA);
	assert_int_equal(r.size, 11);
	assert_int_equal(r.stored, 1);
	assert_int_equal(r.state, FILE_STATE_CLOSED);
	assert_string_equal(r.magic, "ASCII text");
	snprintf(path, sizeof(path), "%s/b9/%s", d, HELLO_SHA);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_size, 11);
	put(fs, "hello world", 1, &r);	/* again: stored already */
	assert_int_equal(r.stored, 1);
	assert_int_equal(r.file_id, 2);
	file_store_stats(fs, &st);
	assert_int_equal(st.stored, 1);
	assert_int_equal(st.duplicates, 1);
	assert_int_equal(st.bytes_stored, 11);
	/* truncated transfers are not stored */
	put(fs, "partial", 0, &r);
	assert_int_equal(r.state, FILE_STATE_TRUNCATED);
	assert_int_equal(r.stored, 0);
	file_store_free(fs);
	/* a new store counts what is there */
	fs = store(d, 0, 0);
	file_store_stats(fs, &st);
	assert_int_equal(st.bytes_stored, 11);
	file_store_free(fs);
	rmtree(d);
	free(d);
}

static void
test_bounds(void **state)
{
	char *d = tmpdir();
	struct file_store *fs = store(d, 20, 8);
	struct file_result r;
	struct file_store_stats st;

	(void)state;
	put(fs, "0123456789", 1, &r);	/* 10 > max_file 8 */
	assert_int_equal(r.stored, 0);
	assert_int_equal(r.size, 10);
	assert_true(r.sha256[0] != '\0');
	put(fs, "abcdefg", 1, &r);	/* 7: fits */
	assert_int_equal(r.stored, 1);
	put(fs, "ABCDEFG", 1, &r);	/* 14: fits */
	assert_int_equal(r.stored, 1);
	put(fs, "xyzxyzx", 1, &r);	/* 21 > max_bytes 20 */
	assert_int_equal(r.stored, 0);
	file_store_stats(fs, &st);
	assert_int_equal(st.bytes_stored, 14);
	assert_int_equal(st.not_stored, 2);
	file_store_free(fs);
	rmtree(d);
	free(d);
}

static void
test_magic(void **state)
{
	uint8_t tar[300];

	(void)state;
	assert_string_equal(file_magic((const uint8_t *)"\x7f" "ELF\x02\x01", 6), "ELF");
	assert_string_equal(file_magic((const uint8_t *)"MZ\x90\x00", 4), "PE32 executable (MS-DOS MZ)");
	assert_string_equal(file_magic((const uint8_t *)"#!/bin/sh\necho", 14),
	    "POSIX shell script, ASCII text executable");
	assert_string_equal(file_magic((const uint8_t *)"#!/usr/bin/env python3\n", 23),
	    "Python script, ASCII text executable");
	assert_string_equal(file_magic((const uint8_t *)"\x1f\x8b\x08\x00", 4), "gzip compressed data");
	assert_string_equal(file_magic((const uint8_t *)"PK\x03\x04", 4), "Zip archive data");
	memset(tar, 0, sizeof(tar));
	memcpy(tar + 257, "ustar", 5);
	assert_string_equal(file_magic(tar, sizeof(tar)), "POSIX tar archive");
	assert_string_equal(file_magic((const uint8_t *)"\x01\x02\x03", 3), "data");
	assert_string_equal(file_magic((const uint8_t *)"", 0), "empty");
}

static void
test_hash_only(void **state)
{
	struct file_store_config cfg;
	struct error err;
	struct file_store *fs;
	struct file_result r;

	(void)state;
	file_store_config_default(&cfg);
	fs = file_store_new(&cfg, &err);
	assert_non_null(fs);
	put(fs, "hello world", 1, &r);
	assert_string_equal(r.sha256, HELLO_SHA);
	assert_int_equal(r.stored, 0);
	file_store_free(fs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_once),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_magic),
		cmocka_unit_test(test_hash_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
