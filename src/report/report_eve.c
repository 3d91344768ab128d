/* summary: report input: EVE JSON lines (flow, alert, scan, limit, drop, snapshot, fileinfo). */
#include "report/report_model.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "core/timefmt.h"

#define EVE_LINE_MAX (16u << 20)

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static uint64_t
juint(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return (uint64_t)json_integer_value(v);
	return 0;
}

static uint64_t
jtime(json_t *o, const char *key)
{
	const char *s = jstr(o, key);
	uint64_t ns = 0;

	if (s != NULL && time_parse(s, &ns) == -1)
		ns = 0;
	return ns;
}

static struct tl_event *
last_event(struct report *r, size_t before)
{
	return r->nev > before ? &r->ev[r->nev - 1] : NULL;
}

static void
set_ports(struct tl_event *e, json_t *o)
{
	const char *proto = jstr(o, "proto");

	if (e == NULL)
		return;
	e->sport = (uint16_t)juint(o, "src_port");
	e->dport = (uint16_t)juint(o, "dest_port");
	snprintf(e->proto, sizeof(e->proto), "%s", proto ? proto : "");
}

static int
on_flow(struct report *r, json_t *o, uint64_t ts)
{
	json_t *f = json_object_get(o, "flow");
	const char *src = jstr(o, "src_ip"), *dst = jstr(o, "dest_ip");
	const char *dir = jstr(o, "direction"), *proto = jstr(o, "proto");
	uint64_t start, end, bytes, before = r->nev;
	struct tl_event *e;
	int outbound = dir != NULL && strcmp(dir, "outbound") == 0;
	char key[32];

	if (!json_is_object(f) || src == NULL || dst == NULL)
		return 0;
	r->have_eve_flows = 1;
	r->n_flows++;
	start = jtime(f, "start");
	end = jtime(f, "end");
	if (start == 0)
		start = ts;
	bytes = juint(f, "bytes_toserver") + juint(f, "bytes_toclient");
	if (model_traffic(r, start, end ? end : start, bytes, outbound) == -1)
		return -1;
	if (dir != NULL) {
		struct host *h = model_host(r, outbound ? src : dst);
		if (h)
			h->honeypot = 1;
	}
	if (!outbound) {
		snprintf(key, sizeof(key), "%s/%" PRIu64, proto ? proto : "?",
		    juint(o, "dest_port"));
		if (counters_add(&r->ports, key, 1) == -1)
			return -1;
	}
	if (model_event(r, start, outbound ? EV_FLOW_OUT : EV_FLOW_IN, src, dst,
	    0, 0, "%s %s:%" PRIu64 " -> %s:%" PRIu64 ", %" PRIu64 " packets, %"
	    PRIu64 " bytes, %s", proto ? proto : "?", src, juint(o, "src_port"),
	    dst, juint(o, "dest_port"), juint(f, "pkts_toserver") +
	    juint(f, "pkts_toclient"), bytes,
	    jstr(f, "state") ? jstr(f, "state") : "?") == -1)
		return -1;
	if ((e = last_event(r, before)) != NULL) {
		set_ports(e, o);
		e->end = end;
		e->bytes = bytes;
		if (dir == NULL)
			e->blocked = 2;	/* direction to be inferred */
	}
	return 0;
}

static int
on_alert(struct report *r, json_t *o, uint64_t ts)
{
	json_t *a = json_object_get(o, "alert");
	const char *sig, *action;
	char key[512];
	int blocked;

	if (!json_is_object(a))
		return 0;
	sig = jstr(a, "signature") ? jstr(a, "signature") : "(no message)";
	action = jstr(a, "action");
	blocked = action != NULL && strcmp(action, "blocked") == 0;
	r->n_alerts++;
	r->n_blocked_alerts += (uint64_t)blocked;
	snprintf(key, sizeof(key), "%" PRIu64 ": %s", juint(a, "signature_id"), sig);
	if (counters_add(&r->signatures, key, 1) == -1)
		return -1;
	if (model_event(r, ts, EV_ALERT, jstr(o, "src_ip"), jstr(o, "dest_ip"),
	    blocked, (int)juint(a, "severity"), "[%s] sid %" PRIu64 " %s (%s) "
	    "%s:%" PRIu64 " -> %s:%" PRIu64, blocked ? "blocked" : "allowed",
	    juint(a, "signature_id"), sig, jstr(a, "category") ?
	    jstr(a, "category") : "", jstr(o, "src_ip") ? jstr(o, "src_ip") : "?",
	    juint(o, "src_port"), jstr(o, "dest_ip") ? jstr(o, "dest_ip") : "?",
	    juint(o, "dest_port")) == -1)
		return -1;
	set_ports(last_event(r, r->nev - 1), o);
	return 0;
}

static int
on_scan(struct report *r, json_t *o, uint64_t ts)
{
	json_t *s = json_object_get(o, "scan");
	uint64_t start;

	if (!json_is_object(s))
		return 0;
	r->n_scans++;
	start = jtime(s, "start");
	return model_event(r, start ? start : ts, EV_SCAN, jstr(o, "src_ip"),
	    jstr(o, "dest_ip"), 0, 2, "%s scan: %" PRIu64 " packets, %" PRIu64
	    " ports, %" PRIu64 " targets", jstr(s, "type") ? jstr(s, "type") :
	    "?", juint(s, "packets"), juint(s, "ports_count"),
	    juint(s, "targets_count"));
}

static int
on_limit(struct report *r, json_t *o, uint64_t ts)
{
	json_t *l = json_object_get(o, "limit");
	const char *hp, *proto;
	char key[64];
	struct host *h;

	if (!json_is_object(l))
		return 0;
	hp = jstr(l, "honeypot");
	proto = jstr(l, "protocol") ? jstr(l, "protocol") : "?";
	r->n_limits++;
	if ((h = model_host(r, hp ? hp : jstr(o, "src_ip"))) != NULL)
		h->honeypot = 1;
	snprintf(key, sizeof(key), "limit %s", proto);
	if (counters_add(&r->control, key, 1) == -1)
		return -1;
	return model_event(r, ts, EV_LIMIT, hp ? hp : jstr(o, "src_ip"),
	    jstr(o, "dest_ip"), 1, 1, "outbound %s limit reached: %" PRIu64
	    " new connections per %" PRIu64 " s; further ones dropped", proto,
	    juint(l, "limit"), juint(l, "window"));
}

static int
on_drop(struct report *r, json_t *o, uint64_t ts)
{
	json_t *d = json_object_get(o, "drop");
	const char *dir = jstr(o, "direction"), *reason;
	char key[64];

	if (!json_is_object(d))
		return 0;
	reason = jstr(d, "reason") ? jstr(d, "reason") : "?";
	r->n_drops++;
	r->n_drops_suppressed += juint(d, "suppressed");
	snprintf(key, sizeof(key), "drop %s", reason);
	if (counters_add(&r->control, key, 1 + juint(d, "suppressed")) == -1)
		return -1;
	if (model_event(r, ts, EV_BLOCKED, jstr(o, "src_ip"), jstr(o, "dest_ip"),
	    1, 2, "%s %s packet dropped (%s) %s:%" PRIu64 " -> %s:%" PRIu64 "%s",
	    dir ? dir : "", jstr(o, "proto") ? jstr(o, "proto") : "?", reason,
	    jstr(o, "src_ip") ? jstr(o, "src_ip") : "?", juint(o, "src_port"),
	    jstr(o, "dest_ip") ? jstr(o, "dest_ip") : "?", juint(o, "dest_port"),
	    juint(d, "suppressed") ? " (and more not logged)" : "") == -1)
		return -1;
	set_ports(last_event(r, r->nev - 1), o);
	return 0;
}

static char *
dupstr(const char *s)
{
	return strdup(s ? s : "");
}

static int
on_snapshot(struct report *r, json_t *o, uint64_t ts)
{
	json_t *s = json_object_get(o, "snapshot"), *attrs, *sha;
	struct finding *f;
	struct buf detail;
	const char *key;
	json_t *val;

	if (!json_is_object(s))
		return 0;
	if (r->nfind >= REPORT_MAX_FINDINGS)
		return 0;
	if (r->nfind == r->capfind) {
		size_t cap = r->capfind ? r->capfind * 2 : 64;
		struct finding *n = realloc(r->find, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		r->find = n;
		r->capfind = cap;
	}
	f = &r->find[r->nfind];
	memset(f, 0, sizeof(*f));
	f->ts = ts;
	f->rank = (int)juint(s, "rank");
	buf_init(&detail, 64 << 10);
	attrs = json_object_get(s, "attributes");
	json_object_foreach(attrs, key, val) {
		const char *ov = jstr(val, "old"), *nv = jstr(val, "new");
		buf_printf(&detail, "%s%s: %s \xe2\x86\x92 %s", detail.len ? "; " : "",
		    key, ov ? ov : "-", nv ? nv : "-");
	}
	sha = json_object_get(attrs, "sha256");
	if (json_is_object(sha) && jstr(sha, "new") && strlen(jstr(sha, "new")) == 64)
		memcpy(f->sha256, jstr(sha, "new"), 65);
	snprintf(f->host, sizeof(f->host), "%s", jstr(o, "host") ? jstr(o, "host") : "");
	f->severity = dupstr(jstr(s, "severity"));
	f->category = dupstr(jstr(s, "category"));
	f->change = dupstr(jstr(s, "change"));
	f->what = dupstr(jstr(s, "what"));
	f->detail = strdup(buf_cstr(&detail));
	buf_free(&detail);
	if (!f->severity || !f->category || !f->change || !f->what || !f->detail)
		return -1;
	r->nfind++;
	return 0;
}

static int
on_fileinfo(struct report *r, json_t *o, uint64_t ts)
{
	json_t *fi = json_object_get(o, "fileinfo"), *http = json_object_get(o, "http");
	const char *sha;

	if (!json_is_object(fi))
		return 0;
	sha = jstr(fi, "sha256");
	r->n_downloads++;
	return model_event(r, ts, EV_DOWNLOAD, jstr(o, "src_ip"), jstr(o, "dest_ip"),
	    0, 2, "file %s%s%s (%" PRIu64 " bytes) sha256 %s", jstr(fi, "filename") ?
	    jstr(fi, "filename") : "?", http && jstr(http, "hostname") ? " from " : "",
	    http && jstr(http, "hostname") ? jstr(http, "hostname") : "",
	    juint(fi, "size"), sha ? sha : "?");
}

/*
 * Reads one line into b, at most max bytes: a longer line is skipped to
 * its end and reported with *too_long, so no line can take more memory.
 * Returns 1, or 0 at end of file.
 */
int
report_getline(FILE *f, struct buf *b, size_t max, int *too_long)
{
	char chunk[8192];

	buf_reset(b);
	*too_long = 0;
	while (fgets(chunk, sizeof(chunk), f) != NULL) {
		size_t n = strlen(chunk);
		if (!*too_long && (b->len + n > max || buf_append(b, chunk, n) == -1)) {
			*too_long = 1;
			buf_reset(b);
		}
		if (n > 0 && chunk[n - 1] == '\n')
			return 1;
	}
	return b->len > 0 || *too_long;
}

int
report_read_eve(struct report *r, const char *path, struct error *err)
{
	FILE *f = fopen(path, "r");
	struct buf lb;
	size_t lineno = 0, events = 0;
	struct stat sb;
	int rc = 0, too_long;

	if (f == NULL)
		return error_errno(err, "%s", path);
	buf_init(&lb, EVE_LINE_MAX + 1);
	while (report_getline(f, &lb, EVE_LINE_MAX, &too_long) == 1) {
		const char *line = (const char *)lb.data;
		size_t n = lb.len;
		json_t *o;
		json_error_t je;
		const char *type;
		uint64_t ts;

		lineno++;
		if (too_long || n == 0 || line[0] != '{') {
			r->bad_lines++;
			continue;
		}
		if ((o = json_loadb(line, (size_t)n, 0, &je)) == NULL ||
		    !json_is_object(o)) {
			r->bad_lines++;
			json_decref(o);
			continue;
		}
		type = jstr(o, "event_type");
		ts = jtime(o, "timestamp");
		events++;
		if (type == NULL)
			rc = 0;
		else if (strcmp(type, "flow") == 0)
			rc = on_flow(r, o, ts);
		else if (strcmp(type, "alert") == 0)
			rc = on_alert(r, o, ts);
		else if (strcmp(type, "scan") == 0)
			rc = on_scan(r, o, ts);
		else if (strcmp(type, "limit") == 0)
			rc = on_limit(r, o, ts);
		else if (strcmp(type, "drop") == 0)
			rc = on_drop(r, o, ts);
		else if (strcmp(type, "snapshot") == 0)
			rc = on_snapshot(r, o, ts);
		else if (strcmp(type, "fileinfo") == 0)
			rc = on_fileinfo(r, o, ts);
		json_decref(o);
		if (rc == -1) {
			error_set(err, "%s:%zu: out of memory", path, lineno);
			break;
		}
	}
	if (rc == 0 && ferror(f))
		rc = error_errno(err, "%s: read", path);
	buf_free(&lb);
	if (fstat(fileno(f), &sb) == 0 && rc == 0)
		rc = model_source(r, path, "eve", (uint64_t)sb.st_size, events);
	fclose(f);
	return rc;
}
