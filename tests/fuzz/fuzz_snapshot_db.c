/* summary: libFuzzer target: any bytes opened as a snapshot database give an error or rows, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "forensics/diff.h"
#include "forensics/snapdb.h"

/*
 * The input is written to a temporary file and opened as a snapshot, as
 * `apiary diff` would open a file an intruder may have tampered with: the
 * reader checks it (application id, schema version, tables, columns,
 * completion mark) and then every row of every table is read, and the file
 * is diffed against itself (the merge reads it all again).
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz_snapshot_db-XXXXXX";
	struct error err;
	struct diff_result *r;
	uint64_t rows;
	void *db;
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	db = snapdb_open_read(path, &err);
	if (db != NULL) {
		(void)snapdb_read_all(db, &rows, &err);
		snapdb_close_read(db);
		if (diff_run(path, path, &r, &err) == 0)
			diff_result_free(r);
	}
	unlink(path);
	return 0;
}
