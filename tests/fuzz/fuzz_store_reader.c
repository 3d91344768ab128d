/* summary: libFuzzer target for the log store's segment reader and verifier. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_format.h"
#include "store/store_reader.h"
#include "store/store_verify.h"

static char dir[64];

static void
cleanup(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/s/00000001.seg", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/s", dir);
	rmdir(p);
	rmdir(dir);
}

static void
touch_record(void *arg, const struct store_record *r)
{
	(*(size_t *)arg) += r->raw_len + r->msg.msg.len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0;
	char p[128];
	int fd;
	struct store_verify_result res;
	struct store_filter f = { 0 };
	struct store_reader *r;
	struct store_record rec;
	struct error err;

	/* in memory: the decoders */
	store_records_in_buffer(data, size, touch_record, &n);
	/* on disk: the same bytes as a sender's first segment */
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/fuzz_store.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(p, sizeof(p), "%s/s", dir);
		mkdir(p, 0700);
		atexit(cleanup);
	}
	snprintf(p, sizeof(p), "%s/s/00000001.seg", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	store_verify_sender(dir, "s", NULL, &res, &err);
	r = store_reader_open(dir, &f, &err);
	if (r != NULL) {
		while (store_reader_next(r, &rec, &err) == 1)
			n += rec.raw_len;
		store_reader_free(r);
	}
	return 0;
}
