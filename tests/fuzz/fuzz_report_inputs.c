/* summary: libFuzzer target for the report's input readers (EVE lines, conn.log) and HTML writer. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	char eve[128], conn[128];
	struct report_opts o = { "fuzz", 4096 };
	struct report *r;
	struct error err;
	FILE *f;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/apiary-fuzz-report-%d", getpid());
		mkdir(dir, 0700);
	}
	snprintf(eve, sizeof(eve), "%s/eve.json", dir);
	snprintf(conn, sizeof(conn), "%s/conn.log", dir);
	/* the same bytes as an EVE file and as a conn.log */
	if ((f = fopen(eve, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if ((f = fopen(conn, "w")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if ((r = report_new(&o, &err)) == NULL)
		return 0;
	report_add_path(r, dir, &err);
	report_finish(r);
	if ((f = fopen("/dev/null", "w")) != NULL) {
		report_write_html(r, f, &err);
		report_write_text(r, f);
		fclose(f);
	}
	report_free(r);
	return 0;
}
