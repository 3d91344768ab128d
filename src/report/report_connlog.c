/* summary: report input: Zeek-style conn.log files (used when no EVE flows exist). */
#include "report/report_model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONN_LINE_MAX 65536
#define CONN_FIELDS 32

enum { F_TS, F_OH, F_OP, F_RH, F_RP, F_PROTO, F_DUR, F_OB, F_RB, F_STATE,
    F_OPK, F_RPK, F_N };

static const char *const wanted[F_N] = {
	"ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
	"duration", "orig_bytes", "resp_bytes", "conn_state", "orig_pkts",
	"resp_pkts",
};

static uint64_t
num(const char *s)
{
	return s && *s >= '0' && *s <= '9' ? strtoull(s, NULL, 10) : 0;
}

/* Zeek's seconds with a fraction; 0 for what is not a time we can hold. */
static uint64_t
secs_ns(const char *s)
{
	double d;

	if (s == NULL || *s < '0' || *s > '9')
		return 0;
	d = strtod(s, NULL);
	return d >= 0 && d < 1.8e10 ? (uint64_t)(d * 1e9) : 0;
}

int
report_read_connlog(struct report *r, const char *path, struct error *err)
{
	FILE *f = fopen(path, "r");
	struct buf lb;
	int col[F_N], too_long, have_fields = 0;
	size_t lineno = 0, rows = 0;
	struct stat sb;

	if (f == NULL)
		return error_errno(err, "%s", path);
	for (int i = 0; i < F_N; i++)
		col[i] = -1;
	buf_init(&lb, CONN_LINE_MAX + 1);
	while (report_getline(f, &lb, CONN_LINE_MAX, &too_long) == 1) {
		char *line = (char *)buf_cstr(&lb), *tok, *save = NULL;
		const char *v[CONN_FIELDS] = { 0 };
		int n = 0;
		uint64_t ts, dur, bytes;

		lineno++;
		if (too_long) {
			r->bad_lines++;
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "#fields\t", 8) == 0) {
			for (tok = strtok_r(line + 8, "\t", &save); tok && n < CONN_FIELDS;
			    tok = strtok_r(NULL, "\t", &save), n++)
				for (int i = 0; i < F_N; i++)
					if (strcmp(tok, wanted[i]) == 0)
						col[i] = n;
			have_fields = 1;
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!have_fields) {
			buf_free(&lb);
			fclose(f);
			return error_set(err, "%s:%zu: a data row before the #fields "
			    "header: not a conn.log", path, lineno);
		}
		for (tok = strtok_r(line, "\t", &save); tok && n < CONN_FIELDS;
		    tok = strtok_r(NULL, "\t", &save))
			v[n++] = tok;
		for (int i = 0; i < F_N; i++)
			if (col[i] < 0 || col[i] >= n)
				goto bad;
		ts = secs_ns(v[col[F_TS]]);
		dur = secs_ns(v[col[F_DUR]]);
		bytes = num(v[col[F_OB]]) + num(v[col[F_RB]]);
		rows++;
		r->n_flows++;
		if (model_traffic(r, ts, ts + dur, bytes, 2) == -1 ||
		    model_event(r, ts, EV_FLOW_IN, v[col[F_OH]], v[col[F_RH]], 2, 0,
		    "%s %s:%s -> %s:%s, %" PRIu64 " packets, %" PRIu64 " bytes, %s",
		    v[col[F_PROTO]], v[col[F_OH]], v[col[F_OP]], v[col[F_RH]],
		    v[col[F_RP]], num(v[col[F_OPK]]) + num(v[col[F_RPK]]), bytes,
		    v[col[F_STATE]]) == -1) {
			buf_free(&lb);
			fclose(f);
			return error_set(err, "%s:%zu: out of memory", path, lineno);
		}
		r->ev[r->nev - 1].blocked = 2;	/* direction inferred later */
		r->ev[r->nev - 1].sport = (uint16_t)num(v[col[F_OP]]);
		r->ev[r->nev - 1].dport = (uint16_t)num(v[col[F_RP]]);
		r->ev[r->nev - 1].end = ts + dur;
		r->ev[r->nev - 1].bytes = bytes;
		snprintf(r->ev[r->nev - 1].proto, sizeof(r->ev[0].proto), "%s",
		    v[col[F_PROTO]]);
		continue;
bad:
		r->bad_lines++;
	}
	buf_free(&lb);
	if (fstat(fileno(f), &sb) == -1)
		sb.st_size = 0;
	fclose(f);
	return model_source(r, path, "conn.log", (uint64_t)sb.st_size, rows);
}
