/* summary: the report as one self-contained HTML file (no scripts, no outside resources). */
#include "report/report_model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "core/version.h"

#define TIMELINE_MAX_ROWS 3000	/* per attacker; the rest is counted */

const char *report_kind_name(enum ev_kind k);

/*
 * Everything an intruder typed, every URL and file name, reaches this page:
 * every string goes through html_escape, the page carries a Content
 * Security Policy that forbids scripts and outside loads, and there are no
 * scripts at all -- opening a report must never run the intruder's code.
 */
int
html_escape(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const uint8_t *p = (const uint8_t *)s;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		int rc;

		switch (c) {
		case '&': rc = buf_append_str(b, "&amp;"); break;
		case '<': rc = buf_append_str(b, "&lt;"); break;
		case '>': rc = buf_append_str(b, "&gt;"); break;
		case '"': rc = buf_append_str(b, "&quot;"); break;
		case '\'': rc = buf_append_str(b, "&#39;"); break;
		case '\n': case '\t': rc = buf_append_byte(b, c); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char e[5] = { '\\', 'x', hex[c >> 4], hex[c & 15], 0 };
				rc = buf_append_str(b, e);
			} else if (c >= 0x80) {
				/* pass valid UTF-8, replace the rest */
				size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
				    (c & 0xf8) == 0xf0 ? 4 : 0, k;
				for (k = 1; n && k < n; k++)
					if (i + k >= len || (p[i + k] & 0xc0) != 0x80)
						break;
				if (n && k == n) {
					rc = buf_append(b, p + i, n);
					i += n - 1;
				} else
					rc = buf_append_str(b, "\xef\xbf\xbd");
			} else
				rc = buf_append_byte(b, c);
		}
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
html_puts(struct buf *b, const char *s)
{
	return html_escape(b, s ? s : "", s ? strlen(s) : 0);
}

static const char style[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f4f5f7}"
    "header{background:#1d2330;color:#fff;padding:18px 28px}"
    "header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c6cbd6}"
    "main{padding:18px 28px;max-width:1280px}"
    "section{background:#fff;border-radius:6px;padding:14px 18px;margin:0 0 18px;"
    "box-shadow:0 1px 2px rgba(0,0,0,.08)}"
    "h2{font-size:17px;margin:0 0 10px}h3{font-size:15px;margin:14px 0 6px}"
    ".cards{display:flex;flex-wrap:wrap;gap:10px}"
    ".card{background:#eef1f6;border-radius:6px;padding:8px 14px;min-width:120px}"
    ".card b{display:block;font-size:22px}.card span{color:#5b6478;font-size:12px}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:14px}"
    "table{border-collapse:collapse;width:100%;font-size:13px}"
    "td,th{border-bottom:1px solid #e3e6ec;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#f0f2f5}td.t{white-space:nowrap;color:#5b6478;font-family:monospace}"
    "td.x{word-break:break-all}"
    ".k{display:inline-block;border-radius:3px;padding:0 6px;font-size:11px;color:#fff;background:#6b7385}"
    ".k-scan{background:#8a6d00}.k-login{background:#2b6cb0}.k-session{background:#b7322c}"
    ".k-command{background:#444}.k-download{background:#7b2cbf}.k-blocked,.k-limit{background:#c05621}"
    ".k-alert{background:#c53030}.k-outbound{background:#2f855a}.k-inbound{background:#4a5568}"
    ".k-connect{background:#2c7a7b}.k-host{background:#718096}"
    "tr.blk td{background:#fff5eb}"
    "pre{background:#11151c;color:#e2e8f0;padding:10px;border-radius:4px;overflow:auto;"
    "max-height:480px;font-size:12px;white-space:pre-wrap;word-break:break-all}"
    ".sev-critical,.sev-high{color:#b7322c;font-weight:600}.sev-medium{color:#c05621}"
    "svg text{font:11px system-ui,sans-serif;fill:#1d2330}";

static void
ts_cell(struct buf *b, uint64_t ns)
{
	char t[TIMEFMT_LEN];

	timefmt_rfc3339(ns, t);
	t[19] = '\0';
	buf_printf(b, "<td class=t>%s</td>", t + 11);
}

static void
card(struct buf *b, const char *label, uint64_t v)
{
	buf_printf(b, "<div class=card><b>%" PRIu64 "</b><span>", v);
	html_puts(b, label);
	buf_append_str(b, "</span></div>");
}

/*
 * A scan leaves one tiny flow per probed port: listing a thousand of them
 * hides the story.  Inbound flows that carried next to nothing (under
 * SMALL_FLOW bytes) are summed in one line instead, except to the login
 * ports, where every attempt matters.
 */
#define SMALL_FLOW 600

static int
small_inbound(const struct tl_event *e)
{
	return e->kind == EV_FLOW_IN && e->bytes < SMALL_FLOW &&
	    e->dport != 22 && e->dport != 23;
}

static void
timeline(struct report *r, struct buf *b, int attacker)
{
	size_t rows = 0, more = 0, small = 0;
	uint64_t small_first = 0, small_last = 0;

	buf_append_str(b, "<table><tr><th>time (UTC)</th><th>what</th>"
	    "<th>source</th><th>destination</th><th>details</th></tr>");
	for (size_t i = 0; i < r->nev; i++) {
		const struct tl_event *e = &r->ev[i];
		const char *k = report_kind_name(e->kind);

		if (e->attacker != attacker)
			continue;
		/* unattributed inbound traffic of non-attackers is noise */
		if (attacker < 0 && (e->kind == EV_FLOW_IN || e->kind == EV_FLOW_OUT))
			continue;
		if (small_inbound(e)) {
			if (small++ == 0)
				small_first = e->ts;
			small_last = e->ts;
			continue;
		}
		if (rows >= TIMELINE_MAX_ROWS) {
			more++;
			continue;
		}
		rows++;
		buf_printf(b, "<tr%s>", e->blocked == 1 ? " class=blk" : "");
		ts_cell(b, e->ts);
		buf_printf(b, "<td><span class=\"k k-%s\">%s</span></td><td>", k, k);
		html_puts(b, e->src);
		buf_append_str(b, "</td><td>");
		html_puts(b, e->dst);
		buf_append_str(b, "</td><td class=x>");
		html_puts(b, e->text);
		buf_append_str(b, "</td></tr>\n");
	}
	buf_append_str(b, "</table>");
	if (small) {
		char t0[TIMEFMT_LEN], t1[TIMEFMT_LEN];
		timefmt_rfc3339(small_first, t0);
		timefmt_rfc3339(small_last, t1);
		t0[19] = t1[19] = '\0';
		buf_printf(b, "<p>Also %zu small inbound flows (under %d bytes: "
		    "probes, refused connections) between %s and %s, not listed "
		    "one by one.</p>", small, SMALL_FLOW, t0 + 11, t1 + 11);
	}
	if (more)
		buf_printf(b, "<p>%zu more events not shown.</p>", more);
	if (rows == 0 && small == 0)
		buf_append_str(b, "<p>No events.</p>");
}

static void
sources(struct report *r, struct buf *b)
{
	buf_append_str(b, "<section><h2>Sources</h2><table><tr><th>kind</th>"
	    "<th>path</th><th>bytes</th><th>items</th></tr>");
	for (size_t i = 0; i < r->nsrc; i++) {
		buf_append_str(b, "<tr><td>");
		html_puts(b, r->src[i].kind);
		buf_append_str(b, "</td><td class=x>");
		html_puts(b, r->src[i].path);
		buf_printf(b, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td></tr>",
		    r->src[i].bytes, r->src[i].items);
	}
	buf_printf(b, "<tr><td>pcap</td><td>%" PRIu64 " capture files</td><td>%"
	    PRIu64 "</td><td></td></tr></table>", r->pcap_files, r->pcap_bytes);
	if (r->ev_dropped || r->hosts_dropped || r->bad_lines)
		buf_printf(b, "<p>Over the report's bounds: %" PRIu64 " events, %"
		    PRIu64 " hosts; %" PRIu64 " input lines could not be read.</p>",
		    r->ev_dropped, r->hosts_dropped, r->bad_lines);
	buf_append_str(b, "</section>");
}

static void
sessions(struct report *r, struct buf *b)
{
	char t[TIMEFMT_LEN];

	buf_append_str(b, "<section><h2>Terminal sessions</h2>");
	if (r->nsess == 0)
		buf_append_str(b, "<p>No terminal sessions were recorded.</p>");
	for (size_t s = 0; s < r->nsess; s++) {
		struct rsession *rs = &r->sess[s];

		timefmt_rfc3339(rs->start, t);
		buf_append_str(b, "<h3>");
		html_puts(b, rs->id);
		buf_append_str(b, "</h3><p>from ");
		html_puts(b, rs->peer[0] ? rs->peer : "(unknown)");
		buf_printf(b, ", uid %u, started %s, %.1f s, %" PRIu64 " bytes typed, %"
		    PRIu64 " bytes shown</p>", rs->uid, t,
		    (double)(rs->end - rs->start) / 1e9, rs->bytes_in, rs->bytes_out);
		buf_append_str(b, "<h3>Commands run</h3><pre>");
		html_puts(b, rs->commands);
		buf_append_str(b, "</pre><h3>Lines typed</h3><pre>");
		html_puts(b, rs->typed);
		buf_append_str(b, "</pre><h3>Transcript</h3><pre>");
		html_escape(b, (const char *)rs->transcript.data, rs->transcript.len);
		buf_append_str(b, "</pre>");
	}
	buf_append_str(b, "</section>");
}

static void
findings(struct report *r, struct buf *b)
{
	buf_append_str(b, "<section><h2>What changed on the honeypots "
	    "(snapshot diff, by severity)</h2>");
	if (r->nfind == 0) {
		buf_append_str(b, "<p>No snapshot diff was given.</p></section>");
		return;
	}
	buf_append_str(b, "<table><tr><th>severity</th><th>change</th><th>category"
	    "</th><th>what</th><th>details</th></tr>");
	for (size_t i = 0; i < r->nfind; i++) {
		const struct finding *f = &r->find[i];
		buf_append_str(b, "<tr><td class=\"sev-");
		html_puts(b, f->severity);
		buf_append_str(b, "\">");
		html_puts(b, f->severity);
		buf_append_str(b, "</td><td>");
		html_puts(b, f->change);
		buf_append_str(b, "</td><td>");
		html_puts(b, f->category);
		buf_append_str(b, "</td><td class=x>");
		html_puts(b, f->what);
		buf_append_str(b, "</td><td class=x>");
		html_puts(b, f->detail);
		buf_append_str(b, "</td></tr>\n");
	}
	buf_append_str(b, "</table></section>");
}

int
report_html(struct report *r, FILE *out, struct error *err)
{
	struct buf b;
	char t0[TIMEFMT_LEN], t1[TIMEFMT_LEN];
	size_t nattackers = 0, nhoneypots = 0;
	int rc = 0;

	for (size_t i = 0; i < r->nhosts; i++) {
		nattackers += r->hosts[i].attacker != 0;
		nhoneypots += r->hosts[i].honeypot != 0;
	}
	buf_init(&b, 0);
	timefmt_rfc3339(r->t_min, t0);
	timefmt_rfc3339(r->t_max, t1);
	buf_append_str(&b, "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	    "'none'; style-src 'unsafe-inline'; img-src data:\">"
	    "<meta name=viewport content=\"width=device-width\"><title>");
	html_puts(&b, r->o.title);
	buf_printf(&b, "</title><style>%s</style></head><body><header><h1>", style);
	html_puts(&b, r->o.title);
	buf_printf(&b, "</h1><p>%s &ndash; %s &middot; apiary %s</p></header><main>",
	    t0, t1, APIARY_VERSION);

	buf_append_str(&b, "<section><h2>Overview</h2><div class=cards>");
	card(&b, "attackers", nattackers);
	card(&b, "honeypots", nhoneypots);
	card(&b, "flows", r->n_flows);
	card(&b, "scans", r->n_scans);
	card(&b, "alerts", r->n_alerts);
	card(&b, "alerts blocked", r->n_blocked_alerts);
	card(&b, "limit hits", r->n_limits);
	card(&b, "drops", r->n_drops + r->n_drops_suppressed);
	card(&b, "sessions", r->nsess);
	card(&b, "commands", r->n_commands);
	card(&b, "downloads", r->n_downloads);
	card(&b, "host changes", r->nfind);
	buf_append_str(&b, "</div></section>");

	buf_append_str(&b, "<section><h2>Charts</h2><div class=charts>");
	report_svg_traffic(r, &b);
	report_svg_bars(&b, "Top inbound ports (flows)", &r->ports, "#4a5568");
	report_svg_bars(&b, "Alerts by signature", &r->signatures, "#c53030");
	report_svg_bars(&b, "Data control hits", &r->control, "#c05621");
	buf_append_str(&b, "</div></section>");

	for (size_t i = 0; i < r->nhosts; i++) {
		struct host *h = &r->hosts[i];
		if (!h->attacker)
			continue;
		buf_append_str(&b, "<section><h2>Attacker ");
		html_puts(&b, h->addr);
		buf_printf(&b, "</h2><p>%" PRIu64 " scans, %" PRIu64 " inbound "
		    "connections accepted, %" PRIu64 " sessions, %" PRIu64
		    " alerts</p>", h->scans, h->logins, h->sessions, h->alerts);
		timeline(r, &b, (int)i);
		buf_append_str(&b, "</section>");
	}
	buf_append_str(&b, "<section><h2>Other events</h2>");
	timeline(r, &b, -1);
	buf_append_str(&b, "</section>");
	sessions(r, &b);
	findings(r, &b);
	sources(r, &b);
	buf_append_str(&b, "</main></body></html>\n");
	if (fwrite(b.data, 1, b.len, out) != b.len)
		rc = error_errno(err, "writing the report");
	buf_free(&b);
	return rc;
}
