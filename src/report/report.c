/* summary: `apiary report`: inputs found by walking paths, joined into one story. */
#include "report/report.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/timefmt.h"
#include "report/report_model.h"

#define WALK_DEPTH 4

struct report *
report_new(const struct report_opts *o, struct error *err)
{
	struct report *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->sess = calloc(REPORT_MAX_SESSIONS,
	    sizeof(*r->sess))) == NULL) {
		free(r);
		error_set(err, "out of memory");
		return NULL;
	}
	r->o = *o;
	if (r->o.transcript_max == 0)
		r->o.transcript_max = 64 << 10;
	if (r->o.title == NULL)
		r->o.title = "apiary honeynet report";
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nev; i++)
		free(r->ev[i].text);
	free(r->ev);
	free(r->hosts);
	for (size_t i = 0; i < r->nsess; i++) {
		free(r->sess[i].commands);
		free(r->sess[i].typed);
		buf_free(&r->sess[i].transcript);
	}
	free(r->sess);
	for (size_t i = 0; i < r->nfind; i++) {
		free(r->find[i].severity);
		free(r->find[i].category);
		free(r->find[i].change);
		free(r->find[i].what);
		free(r->find[i].detail);
	}
	free(r->find);
	for (size_t i = 0; i < r->nsrc; i++)
		free(r->src[i].path);
	for (size_t i = 0; i < r->nconnlogs; i++)
		free(r->connlogs[i]);
	free(r->connlogs);
	counters_free(&r->ports);
	counters_free(&r->signatures);
	counters_free(&r->control);
	counters_free(&r->download_urls);
	free(r->traffic);
	free(r);
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A pcap or pcapng file, by its magic. */
static int
is_capture(const char *path)
{
	static const uint32_t magics[] = { 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d,
	    0x4d3cb2a1, 0x0a0d0d0a };
	uint32_t m = 0;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return 0;
	if (fread(&m, 4, 1, f) != 1)
		m = 0;
	fclose(f);
	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (m == magics[i])
			return 1;
	return 0;
}

static int
add_file(struct report *r, const char *path, const struct stat *sb,
    struct error *err)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	if (ends_with(base, ".json") || strcmp(base, "eve.json") == 0 ||
	    ends_with(base, ".eve"))
		return report_read_eve(r, path, err);
	if (strcmp(base, "conn.log") == 0 || ends_with(base, ".conn.log")) {
		char **n = realloc(r->connlogs, (r->nconnlogs + 1) * sizeof(*n));
		if (n == NULL || (n[r->nconnlogs] = strdup(path)) == NULL)
			return error_set(err, "out of memory");
		r->connlogs = n;
		r->nconnlogs++;
		return 0;
	}
	if (is_capture(path)) {
		r->pcap_files++;
		r->pcap_bytes += (uint64_t)sb->st_size;
		return 0;
	}
	return 0;
}

static int
walk(struct report *r, const char *path, int depth, struct error *err)
{
	struct stat sb;
	struct dirent **names;
	char sub[4096];
	int n, rc = 0;

	if (stat(path, &sb) == -1)
		return error_errno(err, "%s", path);
	if (!S_ISDIR(sb.st_mode))
		return S_ISREG(sb.st_mode) ? add_file(r, path, &sb, err) : 0;
	/* a log store: its sender directories are read as one */
	snprintf(sub, sizeof(sub), "%s/signing.pub", path);
	if (access(sub, F_OK) == 0)
		return report_read_store(r, path, err);
	if (depth >= WALK_DEPTH)
		return 0;
	if ((n = scandir(path, &names, NULL, alphasort)) == -1)
		return error_errno(err, "%s", path);
	for (int i = 0; i < n; i++) {
		if (rc == 0 && names[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
			rc = walk(r, sub, depth + 1, err);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
report_add_path(struct report *r, const char *path, struct error *err)
{
	return walk(r, path, 0, err);
}

static struct host *
find_host(struct report *r, const char *addr)
{
	for (size_t i = 0; i < r->nhosts; i++)
		if (strcmp(r->hosts[i].addr, addr) == 0)
			return &r->hosts[i];
	return NULL;
}

static int
is_honeypot(struct report *r, const char *addr)
{
	struct host *h = addr[0] ? find_host(r, addr) : NULL;

	return h != NULL && h->honeypot;
}

static int
host_index(struct report *r, const char *addr)
{
	struct host *h = addr[0] ? find_host(r, addr) : NULL;

	return h ? (int)(h - r->hosts) : -1;
}

static int
by_time(const void *a, const void *b)
{
	const struct tl_event *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static int
by_severity(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	return y->rank - x->rank;	/* higher rank: more severe, first */
}

/* The honeypot address of a sender (certificate name), from its accepts. */
static const char *
sender_addr(struct report *r, const char *sender)
{
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_LOGIN && strcmp(r->ev[i].sender, sender) == 0)
			return r->ev[i].dst;
	return "";
}

void
report_finish(struct report *r)
{
	struct error err;

	/* conn.log only when no EVE flows told the same story */
	if (!r->have_eve_flows)
		for (size_t i = 0; i < r->nconnlogs; i++)
			if (report_read_connlog(r, r->connlogs[i], &err) == -1)
				r->bad_lines++;
	/* hosts seen */
	for (size_t i = 0; i < r->nev; i++) {
		model_host(r, r->ev[i].src);
		model_host(r, r->ev[i].dst);
	}
	/* flows of unknown direction: outbound when a honeypot started them */
	for (size_t i = 0; i < r->nev; i++) {
		struct tl_event *e = &r->ev[i];
		if ((e->kind == EV_FLOW_IN || e->kind == EV_FLOW_OUT) && e->blocked == 2) {
			e->kind = is_honeypot(r, e->src) ? EV_FLOW_OUT : EV_FLOW_IN;
			e->blocked = 0;
		}
	}
	for (size_t i = 0; i < r->ntraffic; i++)
		if (r->traffic[i].out == 2)
			r->traffic[i].out = r->traffic[i].ev < r->nev &&
			    is_honeypot(r, r->ev[r->traffic[i].ev].src);
	/*
	 * attackers: outside addresses that scanned a honeypot or connected
	 * to one.  An alert alone makes no attacker: the web server a
	 * honeypot downloads from raises alerts in its replies too.
	 */
	for (size_t i = 0; i < r->nev; i++) {
		struct tl_event *e = &r->ev[i];
		struct host *h;
		int inbound = e->kind == EV_SCAN || e->kind == EV_LOGIN ||
		    e->kind == EV_FLOW_IN;
		if (!inbound || e->src[0] == '\0' || is_honeypot(r, e->src))
			continue;
		if ((h = find_host(r, e->src)) == NULL)
			continue;
		h->attacker = 1;
		if (h->first == 0 || e->ts < h->first)
			h->first = e->ts;
		if (e->ts > h->last)
			h->last = e->ts;
		h->scans += e->kind == EV_SCAN;
		h->logins += e->kind == EV_LOGIN;
		if (e->kind == EV_FLOW_IN) {
			h->flows_in++;
			h->bytes_in += e->bytes;
		}
	}
	if (r->nev > 1)
		qsort(r->ev, r->nev, sizeof(*r->ev), by_time);
	/* a session belongs to the last outside address whose connection the
	 * same honeypot accepted before it began */
	for (size_t s = 0; s < r->nsess; s++) {
		struct rsession *rs = &r->sess[s];
		struct tl_event *best = NULL;
		for (size_t i = 0; i < r->nev && r->ev[i].ts <= rs->start; i++)
			if (r->ev[i].kind == EV_LOGIN &&
			    strcmp(r->ev[i].sender, rs->sender) == 0 &&
			    !is_honeypot(r, r->ev[i].src))
				best = &r->ev[i];
		if (best != NULL) {
			snprintf(rs->peer, sizeof(rs->peer), "%s", best->src);
			rs->attacker = host_index(r, best->src);
			if (rs->attacker >= 0)
				r->hosts[rs->attacker].sessions++;
			free(best->text);
			if (asprintf(&best->text, "login succeeded: %s:%u -> %s:%u, "
			    "session %s", best->src, best->sport, best->dst,
			    best->dport, rs->id) == -1)
				best->text = NULL;
			best->severity = 1;
			best->session = (int)s;
		}
	}
	/* attribute events to attackers */
	for (size_t i = 0; i < r->nev; i++) {
		struct tl_event *e = &r->ev[i];
		int a = host_index(r, e->src), b = host_index(r, e->dst);
		const char *hp = "";
		if (a >= 0 && r->hosts[a].attacker) {
			e->attacker = a;
			continue;
		}
		if (b >= 0 && r->hosts[b].attacker) {
			e->attacker = b;
			continue;
		}
		if (e->session >= 0) {
			e->attacker = r->sess[e->session].attacker;
			continue;
		}
		/* done from a honeypot: by the attacker holding a session there */
		if (is_honeypot(r, e->src))
			hp = e->src;
		for (size_t s = 0; s < r->nsess; s++) {
			const char *sa = sender_addr(r, r->sess[s].sender);
			int same = (hp[0] && strcmp(sa, hp) == 0) ||
			    (e->kind == EV_DOWNLOAD &&
			    strcmp(e->sender, r->sess[s].sender) == 0) ||
			    (!hp[0] && e->kind == EV_CONNECT);
			if (same && r->sess[s].start <= e->ts + 1000000000ull)
				e->attacker = r->sess[s].attacker;
		}
	}
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_ALERT && r->ev[i].attacker >= 0)
			r->hosts[r->ev[i].attacker].alerts++;
	/* downloads: the file the snapshot diff found, by name */
	for (size_t i = 0; i < r->nev; i++) {
		struct tl_event *e = &r->ev[i];
		const char *url, *base = NULL;
		size_t ulen, bl;
		char *t;
		if (e->kind != EV_DOWNLOAD || (url = strstr(e->text, "://")) == NULL)
			continue;
		/* the file name is the URL's last path element */
		ulen = strcspn(url, " ?#");
		for (size_t k = ulen; k-- > 3;)
			if (url[k] == '/') {
				base = url + k + 1;
				break;
			}
		if (base == NULL || (bl = (size_t)(url + ulen - base)) == 0)
			continue;
		for (size_t f = 0; f < r->nfind; f++) {
			const char *fb = strrchr(r->find[f].what, '/');
			if (r->find[f].sha256[0] == '\0' || fb == NULL ||
			    strncmp(fb + 1, base, bl) != 0 || fb[1 + bl] != '\0')
				continue;
			if (asprintf(&t, "%s -> %s sha256 %s", e->text, r->find[f].what,
			    r->find[f].sha256) != -1) {
				free(e->text);
				e->text = t;
			}
			break;
		}
	}
	/* traffic per time bucket: each flow's bytes spread over its life */
	if (r->t_max > r->t_min)
		for (size_t i = 0; i < r->ntraffic; i++) {
			uint64_t span = r->t_max - r->t_min + 1, s = r->traffic[i].start,
			    e = r->traffic[i].end;
			size_t b0, b1;
			if (s < r->t_min)
				s = r->t_min;
			if (e > r->t_max)
				e = r->t_max;
			if (e < s)
				e = s;
			b0 = (size_t)((double)(s - r->t_min) / (double)span * REPORT_BUCKETS);
			b1 = (size_t)((double)(e - r->t_min) / (double)span * REPORT_BUCKETS);
			if (b0 >= REPORT_BUCKETS)
				b0 = REPORT_BUCKETS - 1;
			if (b1 >= REPORT_BUCKETS)
				b1 = REPORT_BUCKETS - 1;
			for (size_t b = b0; b <= b1; b++) {
				uint64_t share = r->traffic[i].bytes / (b1 - b0 + 1);
				if (r->traffic[i].out)
					r->bucket_out[b] += share;
				else
					r->bucket_in[b] += share;
			}
		}
	if (r->nfind > 1)
		qsort(r->find, r->nfind, sizeof(*r->find), by_severity);
	counters_sort(&r->ports);
	counters_sort(&r->signatures);
	counters_sort(&r->control);
}

static const char *
kind_name(enum ev_kind k)
{
	static const char *const names[EV_KINDS] = {
		"scan", "login", "session", "command", "download", "inbound",
		"outbound", "blocked", "limit", "alert", "connect", "host",
	};
	return k < EV_KINDS ? names[k] : "?";
}

const char *report_kind_name(enum ev_kind k);
const char *
report_kind_name(enum ev_kind k)
{
	return kind_name(k);
}

void
report_write_text(struct report *r, FILE *out)
{
	char a[TIMEFMT_LEN], b[TIMEFMT_LEN];
	size_t nattackers = 0;

	timefmt_rfc3339(r->t_min, a);
	timefmt_rfc3339(r->t_max, b);
	fprintf(out, "%s\n", r->o.title);
	fprintf(out, "  period       %s .. %s\n", a, b);
	fprintf(out, "  flows        %" PRIu64 "   scans %" PRIu64 "   alerts %"
	    PRIu64 " (%" PRIu64 " blocked)\n", r->n_flows, r->n_scans,
	    r->n_alerts, r->n_blocked_alerts);
	fprintf(out, "  data control %" PRIu64 " limit events, %" PRIu64
	    " drops logged (+%" PRIu64 " not logged)\n", r->n_limits, r->n_drops,
	    r->n_drops_suppressed);
	fprintf(out, "  sessions     %zu   commands %" PRIu64 "   downloads %"
	    PRIu64 "   agent records %" PRIu64 "\n", r->nsess, r->n_commands,
	    r->n_downloads, r->n_records);
	fprintf(out, "  captures     %" PRIu64 " files, %" PRIu64 " bytes\n",
	    r->pcap_files, r->pcap_bytes);
	for (size_t i = 0; i < r->nhosts; i++)
		if (r->hosts[i].honeypot)
			fprintf(out, "  honeypot     %s\n", r->hosts[i].addr);
	for (size_t i = 0; i < r->nhosts; i++) {
		struct host *h = &r->hosts[i];
		if (!h->attacker)
			continue;
		nattackers++;
		fprintf(out, "  attacker     %s: %" PRIu64 " scans, %" PRIu64
		    " logins, %" PRIu64 " sessions, %" PRIu64 " alerts\n", h->addr,
		    h->scans, h->logins, h->sessions, h->alerts);
	}
	for (size_t s = 0; s < r->nsess; s++) {
		fprintf(out, "  session      %s from %s, uid %u, %zu commands\n",
		    r->sess[s].id, r->sess[s].peer[0] ? r->sess[s].peer : "?",
		    r->sess[s].uid, r->sess[s].ncommands);
		if (r->sess[s].commands && r->sess[s].commands[0]) {
			size_t k = 0;
			for (const char *p = r->sess[s].commands; *p; k++) {
				size_t n = strcspn(p, "\n");
				if (k < 40)
					fprintf(out, "                 %.*s\n", (int)n, p);
				p += n + (p[n] == '\n');
			}
			if (k > 40)
				fprintf(out, "                 ... %zu more lines\n",
				    k - 40);
		}
	}
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_DOWNLOAD)
			fprintf(out, "  download     %s\n", r->ev[i].text);
	for (size_t i = 0; i < r->signatures.n && i < REPORT_TOP; i++)
		fprintf(out, "  alert        %" PRIu64 " x %s\n", r->signatures.v[i].n,
		    r->signatures.v[i].key);
	/* host changes that matter: medium and above, worst first (sorted
	 * by report_finish) */
	for (size_t i = 0; i < r->nfind; i++)
		if (r->find[i].rank >= 35)
			fprintf(out, "  change       [%s] %s %s: %s%s%s\n",
			    r->find[i].severity, r->find[i].change,
			    r->find[i].category, r->find[i].what,
			    r->find[i].sha256[0] ? " sha256 " : "", r->find[i].sha256);
	if (r->ev_dropped || r->hosts_dropped || r->bad_lines)
		fprintf(out, "  note         %" PRIu64 " events and %" PRIu64 " hosts over "
		    "the report's bounds, %" PRIu64 " unreadable input lines\n",
		    r->ev_dropped, r->hosts_dropped, r->bad_lines);
	(void)nattackers;
}

int
report_write_html(struct report *r, FILE *out, struct error *err)
{
	return report_html(r, out, err);
}
