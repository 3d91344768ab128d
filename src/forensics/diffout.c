/* summary: write a snapshot diff as text, JSON, EVE `snapshot` events or a TSK body file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/timefmt.h"
#include "forensics/diff.h"

/* Values as a person reads them: modes in octal, times in RFC 3339. */
static const char *
display(const char *col, const char *v, char *buf, size_t len)
{
	size_t n;

	if (v == NULL)
		return NULL;
	if (strcmp(col, "mode") == 0) {
		snprintf(buf, len, "%04llo", strtoull(v, NULL, 10));
		return buf;
	}
	n = strlen(col);
	if (n > 3 && strcmp(col + n - 3, "_ns") == 0) {
		char t[TIMEFMT_LEN];
		long long ns = strtoll(v, NULL, 10);
		if (ns < 0)
			return v;
		timefmt_rfc3339((uint64_t)ns, t);
		/* keep the nanoseconds: a timestomp often zeroes them */
		snprintf(buf, len, "%.19s.%09lldZ", t, ns % 1000000000LL);
		return buf;
	}
	return v;
}

/* For the text report: one finding per line, so control characters in
 * command lines and file names are shown escaped (\n, \t, \xNN). */
static const char *
printable(const char *v, char *buf, size_t len)
{
	size_t n = 0;

	if (v == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)v;
	    *p != '\0' && n + 5 < len; p++) {
		if (*p == '\n')
			n += (size_t)snprintf(buf + n, len - n, "\\n");
		else if (*p == '\t')
			n += (size_t)snprintf(buf + n, len - n, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", *p);
		else
			buf[n++] = (char)*p;
	}
	buf[n] = '\0';
	return buf;
}

static int
werr(FILE *out, struct error *err)
{
	if (ferror(out))
		return error_errno(err, "write");
	return 0;
}

static const char *
category(const struct finding *f)
{
	return snap_table(f->table)->category;
}

int
diff_write_text(const struct diff_result *r, FILE *out, struct error *err)
{
	fprintf(out, "apiary diff: %s (%s) -> %s (%s)\n", r->old_side.path,
	    r->old_side.started ? r->old_side.started : "?", r->new_side.path,
	    r->new_side.started ? r->new_side.started : "?");
	fprintf(out, "%zu added, %zu removed, %zu changed\n\n", r->added,
	    r->removed, r->changed);
	for (size_t i = 0; i < r->n; i++) {
		const struct finding *f = &r->f[i];
		char a[128], b[128], pa[4200], pb[4200];

		fprintf(out, "%-8s %-7s %-14s %s  [%s]\n", diff_severity(f->rank),
		    diff_change_name(f->change), category(f),
		    printable(f->what, pa, sizeof pa), f->tag);
		for (int k = 0; k < f->nattrs; k++) {
			const struct diff_attr *at = &f->attrs[k];
			const char *o = printable(display(at->name,
			    at->old_value, a, sizeof a), pa, sizeof pa);
			const char *n = printable(display(at->name,
			    at->new_value, b, sizeof b), pb, sizeof pb);
			if (f->change == DIFF_CHANGED)
				fprintf(out, "    %-14s %s -> %s\n", at->name,
				    o ? o : "(none)", n ? n : "(none)");
			else
				fprintf(out, "    %-14s %s\n", at->name,
				    f->change == DIFF_ADDED ? (n ? n : "") :
				    (o ? o : ""));
		}
	}
	return werr(out, err);
}

static void
json_finding(struct json *j, const struct finding *f)
{
	char a[128], b[128];

	json_kv_str(j, "severity", diff_severity(f->rank));
	json_kv_int(j, "rank", f->rank);
	json_kv_str(j, "category", category(f));
	json_kv_str(j, "change", diff_change_name(f->change));
	json_kv_str(j, "tag", f->tag);
	json_kv_str(j, "what", f->what);
	json_key(j, "attributes");
	json_object_begin(j);
	for (int k = 0; k < f->nattrs; k++) {
		const struct diff_attr *at = &f->attrs[k];
		const char *o = display(at->name, at->old_value, a, sizeof a);
		const char *n = display(at->name, at->new_value, b, sizeof b);
		json_key(j, at->name);
		json_object_begin(j);
		json_key(j, "old");
		if (o)
			json_str(j, o);
		else
			json_null(j);
		json_key(j, "new");
		if (n)
			json_str(j, n);
		else
			json_null(j);
		json_object_end(j);
	}
	json_object_end(j);
}

static void
json_side(struct json *j, const char *key, const struct diff_side *s)
{
	json_key(j, key);
	json_object_begin(j);
	json_kv_str(j, "file", s->path);
	if (s->started)
		json_kv_str(j, "started", s->started);
	if (s->hostname)
		json_kv_str(j, "hostname", s->hostname);
	if (s->root)
		json_kv_str(j, "root", s->root);
	json_object_end(j);
}

static int
flush_buf(struct buf *b, FILE *out, struct error *err)
{
	if (b->len > 0 && fwrite(b->data, 1, b->len, out) != b->len)
		return error_errno(err, "write");
	buf_reset(b);
	return 0;
}

int
diff_write_json(const struct diff_result *r, FILE *out, struct error *err)
{
	struct buf b;
	struct json j;
	int rc = 0;

	buf_init(&b, 0);
	json_init(&j, &b);
	json_object_begin(&j);
	json_side(&j, "old", &r->old_side);
	json_side(&j, "new", &r->new_side);
	json_key(&j, "summary");
	json_object_begin(&j);
	json_kv_uint(&j, "added", r->added);
	json_kv_uint(&j, "removed", r->removed);
	json_kv_uint(&j, "changed", r->changed);
	json_object_end(&j);
	json_key(&j, "findings");
	json_array_begin(&j);
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		json_object_begin(&j);
		json_finding(&j, &r->f[i]);
		json_object_end(&j);
		/* The writer tracks depth, not position: flushing the bytes
		 * written so far keeps memory flat for big diffs. */
		if (json_failed(&j))
			rc = error_set(err, "out of memory");
		else if (b.len > (1u << 20))
			rc = flush_buf(&b, out, err);
	}
	json_array_end(&j);
	json_object_end(&j);
	if (rc == 0 && json_failed(&j))
		rc = error_set(err, "out of memory");
	if (rc == 0 && buf_append_byte(&b, '\n') < 0)
		rc = error_set(err, "out of memory");
	if (rc == 0)
		rc = flush_buf(&b, out, err);
	buf_free(&b);
	return rc == 0 ? werr(out, err) : rc;
}

int
diff_write_eve(const struct diff_result *r, FILE *out, struct error *err)
{
	struct buf b;
	struct json j;
	uint64_t ns = time_now_ns();
	char ts[TIMEFMT_LEN];
	int rc = 0;

	/* The findings were observed when the new snapshot was taken. */
	if (r->new_side.finished != NULL)
		(void)time_parse(r->new_side.finished, &ns);
	timefmt_eve(ns, ts);
	buf_init(&b, 0);
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		const struct finding *f = &r->f[i];

		json_init(&j, &b);
		json_object_begin(&j);
		json_kv_str(&j, "timestamp", ts);
		json_kv_str(&j, "event_type", "snapshot");
		if (r->new_side.hostname && r->new_side.hostname[0])
			json_kv_str(&j, "host", r->new_side.hostname);
		json_key(&j, "snapshot");
		json_object_begin(&j);
		json_finding(&j, f);
		if (f->table == SNAP_FILES)
			json_kv_str(&j, "path", f->what);
		json_kv_str(&j, "old_snapshot", r->old_side.path);
		json_kv_str(&j, "new_snapshot", r->new_side.path);
		json_object_end(&j);
		json_object_end(&j);
		if (json_failed(&j) || buf_append_byte(&b, '\n') < 0)
			rc = error_set(err, "out of memory");
		else if (b.len > (1u << 20))
			rc = flush_buf(&b, out, err);
	}
	if (rc == 0)
		rc = flush_buf(&b, out, err);
	buf_free(&b);
	return rc == 0 ? werr(out, err) : rc;
}

int
diff_write_bodyfile(const struct diff_result *r, FILE *out, struct error *err)
{
	fprintf(out, "# apiary diff %s -> %s: Sleuth Kit body file v3 "
	    "(MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime)\n",
	    r->old_side.path, r->new_side.path);
	for (size_t i = 0; i < r->n; i++)
		if (r->f[i].body != NULL)
			fprintf(out, "%s\n", r->f[i].body);
	return werr(out, err);
}
