/* summary: `apiary analyze`: the pipeline over capture files; EVE, conn.log, summary. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app.h"	/* h10: app layer (issue 6) */
#include "cmd/commands.h"
#include "core/timefmt.h"
#include "detect/detect_stage.h"
#include "engine/pipeline.h"
#include "io/pcap_source.h"

#define TOP_TALKERS 10
#define PROGRESS_EVERY 8192		/* frames between clock checks */
#define PROGRESS_AFTER_NS 1000000000ull	/* show only on runs longer than this */

/* Set by SIGINT/SIGTERM: stop reading, still write everything. */
static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: apiary analyze [-c CONFIG] [-S RULES] [--files DIR] [--no-app]\n"
	    "                      [-o DIR | -n] [-q] FILE...\n"
	    "\n"
	    "Runs the packet pipeline (decode, flows, scan detection) over pcap\n"
	    "and pcapng files, read in the order given, and writes DIR/eve.json\n"
	    "(EVE flow, scan and stats events) and DIR/conn.log (Zeek style).\n"
	    "Prints a summary: packets, bytes, flows by protocol, top talkers,\n"
	    "scans and decoder anomalies.\n"
	    "\n"
	    "  -c CONFIG  timeouts, flow bound, scan thresholds (see\n"
	    "             docs/apiary-analyze.md, etc/apiary-analyze.conf)\n"
	    "  --files DIR  store files carried by HTTP (both directions) under DIR\n"
	    "             by SHA-256, EVE fileinfo events (docs/app-layer.md)\n"
	    "  --no-app   no app layer (HTTP, DNS, TLS parsing and their EVE events)\n"
	    "  -S RULES   run the IDS with this Snort/Suricata rule file (EVE\n"
	    "             alert events, DIR/fast.log; see docs/rules.md)\n"
	    "  -o DIR     output folder, created if missing (default: .)\n"
	    "  -n         no output files: the summary only\n"
	    "  -q         no summary\n"
	    "  --help     this text\n"
	    "\n"
	    "Exit status: 0 done; 1 bad input (the message names the file and\n"
	    "byte offset; everything before it is analysed and written);\n"
	    "2 usage, config or output errors.\n");
}

static char *
join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

static void
human_bytes(uint64_t b, char *out, size_t n)
{
	if (b >= 10ull << 30)
		snprintf(out, n, "%.1f GB", (double)b / (1 << 30));
	else if (b >= 10ull << 20)
		snprintf(out, n, "%.1f MB", (double)b / (1 << 20));
	else if (b >= 10ull << 10)
		snprintf(out, n, "%.1f kB", (double)b / (1 << 10));
	else
		snprintf(out, n, "%llu B", (unsigned long long)b);
}

struct progress {
	int on;			/* stderr is a terminal */
	int shown;
	uint64_t start_ns, last_ns;
};

static void
progress_show(struct progress *pr, const struct pcap_source *src, int final)
{
	uint64_t now = time_mono_ns(), done, total;
	char d[32], t[32], r[32];
	double secs;

	if (!pr->on)
		return;
	if (final) {
		if (pr->shown)
			fprintf(stderr, "\r\033[K");
		return;
	}
	if (now - pr->start_ns < PROGRESS_AFTER_NS ||
	    now - pr->last_ns < 250000000ull)
		return;
	pr->last_ns = now;
	pr->shown = 1;
	pcap_source_progress(src, &done, &total);
	secs = (double)(now - pr->start_ns) / 1e9;
	human_bytes(done, d, sizeof(d));
	human_bytes(total, t, sizeof(t));
	human_bytes((uint64_t)((double)done / secs), r, sizeof(r));
	if (total > 0)
		fprintf(stderr, "\r\033[Kanalyze: %s of %s (%.0f%%), %s/s, %s",
		    d, t, 100.0 * (double)done / (double)total, r,
		    pcap_source_file(src));
	else
		fprintf(stderr, "\r\033[Kanalyze: %s, %s/s, %s", d, r,
		    pcap_source_file(src));
	fflush(stderr);
}

static void
print_anomaly(void *ctx, const char *name, uint64_t n)
{
	FILE *out = ctx;

	fprintf(out, "  %-44s %llu\n", name, (unsigned long long)n);
}

static void
print_summary(FILE *out, struct pipeline *pl, size_t nfiles,
    double read_secs, const char *dir)
{
	struct pipeline_summary s;
	struct pipeline_talker top[TOP_TALKERS];
	const struct pipeline_scan *scans;
	char t1[TIMEFMT_LEN], t2[TIMEFMT_LEN], a[ADDR_STRLEN], b[ADDR_STRLEN];
	char hb[32];
	size_t ntop, nscans;
	uint64_t nflows = 0;
	double span;

	pipeline_get_summary(pl, &s);
	span = s.last_ns > s.first_ns ?
	    (double)(s.last_ns - s.first_ns) / 1e9 : 0.0;
	human_bytes(s.bytes, hb, sizeof(hb));
	fprintf(out, "packets    %llu (%llu bytes, %s) from %zu file%s, "
	    "read in %.2f s\n", (unsigned long long)s.frames,
	    (unsigned long long)s.bytes, hb, nfiles, nfiles == 1 ? "" : "s",
	    read_secs);
	if (s.frames > 0) {
		timefmt_eve(s.first_ns, t1);
		timefmt_eve(s.last_ns, t2);
		fprintf(out, "duration   %.3f s (%s .. %s)\n", span, t1, t2);
	}
	for (int i = 0; i < PP_COUNT; i++)
		nflows += s.proto[i].flows;
	fprintf(out, "flows      %llu", (unsigned long long)nflows);
	if (s.flows.evicted)
		fprintf(out, " (%llu evicted at the flow bound)",
		    (unsigned long long)s.flows.evicted);
	fprintf(out, "\n  %-10s %10s %12s %14s\n", "proto", "flows",
	    "packets", "bytes");
	for (int i = 0; i < PP_COUNT; i++) {
		if (s.proto[i].flows == 0)
			continue;
		fprintf(out, "  %-10s %10llu %12llu %14llu\n",
		    pipeline_proto_name(i),
		    (unsigned long long)s.proto[i].flows,
		    (unsigned long long)s.proto[i].pkts,
		    (unsigned long long)s.proto[i].bytes);
	}
	if (s.no_flow)
		fprintf(out, "  %-10s %10s %12llu\n", "non-IP", "",
		    (unsigned long long)s.no_flow);
	ntop = pipeline_top_talkers(pl, top, TOP_TALKERS);
	fprintf(out, "top talkers (bytes sent and received)\n");
	for (size_t i = 0; i < ntop; i++)
		fprintf(out, "  %-40s %14llu bytes %10llu pkts %8llu flows\n",
		    addr_str(&top[i].addr, a),
		    (unsigned long long)top[i].bytes,
		    (unsigned long long)top[i].pkts,
		    (unsigned long long)top[i].flows);
	scans = pipeline_scans(pl, &nscans);
	fprintf(out, "scans      %llu\n", (unsigned long long)s.scans.episodes);
	for (size_t i = 0; i < nscans; i++) {
		const struct pipeline_scan *sc = &scans[i];

		addr_str(&sc->src, a);
		addr_str(&sc->target, b);
		timefmt_eve(sc->first_ns, t1);
		fprintf(out, "  %-13s %s%s%s -> %s%s: %llu packets, %u ports, "
		    "from %s for %.3f s\n",
		    scan_type_name(sc->type), a, sc->src_prefix ? "/" : "",
		    sc->src_prefix ? (sc->src_prefix == 24 ? "24" : "64") : "",
		    b, sc->targets_count > 1 ? " and others" : "",
		    (unsigned long long)sc->packets, sc->ports_count, t1,
		    (double)(sc->last_ns - sc->first_ns) / 1e9);
	}
	if (s.scans.episodes > nscans)
		fprintf(out, "  ... %llu more in eve.json\n",
		    (unsigned long long)(s.scans.episodes - nscans));
	fprintf(out, "anomalies  %llu\n", (unsigned long long)s.anomalies);
	pipeline_each_anomaly(pl, print_anomaly, out);
	if (dir != NULL)
		fprintf(out, "output     %s/eve.json, %s/conn.log\n", dir, dir);
}

static void
analyze_rule_warning(void *ctx, const char *file, int line, const char *kw,
    const char *msg)
{
	(void)ctx;
	(void)kw;
	fprintf(stderr, "apiary analyze: %s:%d: %s\n", file, line, msg);
}

/* h10 (issue 6): app-layer transactions to the IDS. */
static int
app_buffer_get(const void *tx, int b, int idx, const uint8_t **d, uint32_t *n)
{
	return app_tx_buffer_n(tx, (enum app_buf)b, idx, d, n);
}

static void
app_to_detect(void *ctx, struct packet *p, struct flow *f, const struct app_tx *tx)
{
	struct detect_app_view av = { tx->proto, tx->point, tx->dir, tx, app_buffer_get };

	(void)f;
	detect_stage_app_tx(ctx, p, &av);
}

static int
app_proto_of(void *ctx, const struct flow *f)
{
	return app_flow_proto(ctx, f);
}

static int
make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0750) == 0)
		return 0;
	if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -1;
}

int
cmd_analyze(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "files", required_argument, NULL, 'F' },	/* h10 */
		{ "no-app", no_argument, NULL, 'A' },		/* h10 */
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = NULL, *dir = ".";
	int quiet = 0, no_files = 0, c, rc = 0, r;
	struct pipeline_config cfg;
	struct pipeline *pl = NULL;
	struct pcap_source *src = NULL;
	struct pcap_frame f;
	struct error err, ierr;
	struct progress pr = { 0 };
	char *eve_path = NULL, *conn_path = NULL;
	int accept[512];
	size_t naccept = 0;
	int input_failed = 0;
	uint64_t t0;
	struct sigaction sa;
	const char *rules = NULL;	/* -S */
	struct detect_stage *ds = NULL;
	char *fast_path = NULL;
	const char *files_dir = NULL;	/* h10: --files */
	int no_app = 0;			/* h10: --no-app */
	struct app_layer *app = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:no:qS:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': conf = optarg; break;
		case 'S': rules = optarg; break;
		case 'n': no_files = 1; break;
		case 'o': dir = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		case 'F': files_dir = optarg; break;
		case 'A': no_app = 1; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "apiary analyze: no capture file given\n");
		usage(stderr);
		return 2;
	}
	pipeline_config_default(&cfg);
	if (conf != NULL && pipeline_config_load(&cfg, conf, &err) < 0) {
		fprintf(stderr, "apiary analyze: %s\n", err.msg);
		return 2;
	}
	if (no_files)
		goto outputs_done;
	if (make_dir(dir) < 0) {
		fprintf(stderr, "apiary analyze: %s: %s\n", dir, strerror(errno));
		return 2;
	}
	eve_path = join(dir, "eve.json");
	conn_path = join(dir, "conn.log");
	if (eve_path == NULL || conn_path == NULL) {
		fprintf(stderr, "apiary analyze: out of memory\n");
		rc = 2;
		goto out;
	}
	/* A new run replaces the last one's events (the EVE writer appends). */
	{
		int fd = open(eve_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0640);

		if (fd < 0) {
			fprintf(stderr, "apiary analyze: %s: %s\n", eve_path,
			    strerror(errno));
			rc = 2;
			goto out;
		}
		close(fd);
	}
	cfg.eve_path = eve_path;
	cfg.connlog_path = conn_path;
outputs_done:
	if ((pl = pipeline_new(&cfg, &err)) == NULL) {
		fprintf(stderr, "apiary analyze: %s\n", err.msg);
		rc = 2;
		goto out;
	}
	if (!no_app) {	/* h10: the app layer runs before detect */
		struct app_config ac;

		app_config_default(&ac);
		ac.files.dir = files_dir;
		if ((app = app_new(pl, &ac, &err)) == NULL ||
		    pipeline_add_stage(pl, "app", app_stage, app, &err) < 0) {
			fprintf(stderr, "apiary analyze: %s\n", err.msg);
			rc = 2;
			goto out;
		}
	}
	if (rules != NULL) {
		struct detect_stage_config dc = { 0 };

		dc.rule_files = &rules;
		dc.nrule_files = 1;
		dc.stream_mode = 1;
		if (!no_files && (fast_path = join(dir, "fast.log")) != NULL) {
			int fd = open(fast_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

			if (fd >= 0)
				close(fd);
			dc.fast_log = fast_path;
		}
		if ((ds = detect_stage_new(pl, &dc, analyze_rule_warning, NULL, &err)) == NULL ||
		    pipeline_add_stage(pl, "detect", detect_stage_run, ds, &err) < 0) {
			fprintf(stderr, "apiary analyze: %s\n", err.msg);
			rc = 2;
			goto out;
		}
		if (app != NULL) {	/* h10: app-layer rules */
			app_set_tx_callback(app, app_to_detect, ds);
			detect_stage_set_app_proto(ds, app_proto_of, app);
		}
	}
	src = pcap_source_new((const char *const *)argv + optind,
	    (size_t)(argc - optind), &err);
	if (src == NULL) {
		fprintf(stderr, "apiary analyze: %s\n", err.msg);
		rc = 2;
		goto out;
	}
	for (int lt = 0; lt < 512; lt++)
		if (pipeline_linktype_supported(lt))
			accept[naccept++] = lt;
	if (pcap_source_accept_linktypes(src, accept, naccept, &err) < 0) {
		fprintf(stderr, "apiary analyze: %s\n", err.msg);
		rc = 2;
		goto out;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	pr.on = isatty(STDERR_FILENO);
	t0 = pr.start_ns = time_mono_ns();
	while ((r = pcap_source_next(src, &f, &ierr)) == 1) {
		pipeline_frame(pl, f.linktype, f.data, f.caplen, f.wirelen,
		    f.ts_ns);
		if ((pcap_source_frames(src) % PROGRESS_EVERY) == 0) {
			if (interrupted)
				break;
			progress_show(&pr, src, 0);
		}
	}
	progress_show(&pr, src, 1);
	if (r < 0)
		input_failed = 1;
	if (ds != NULL && detect_stage_finish(ds, &err) < 0) {
		fprintf(stderr, "apiary analyze: writing output: %s\n", err.msg);
		rc = 2;
	}
	if (pipeline_finish(pl, &err) < 0) {
		fprintf(stderr, "apiary analyze: writing output: %s\n", err.msg);
		rc = 2;
	}
	if (!quiet)
		print_summary(stdout, pl, (size_t)(argc - optind),
		    (double)(time_mono_ns() - t0) / 1e9, no_files ? NULL : dir);
	if (!quiet && app != NULL)
		app_print_summary(app, stdout);
	if (!quiet && ds != NULL)
		detect_stage_print_summary(ds, stdout);
	fflush(stdout);
	if (interrupted) {
		fprintf(stderr, "apiary analyze: interrupted; output written "
		    "up to there\n");
		if (rc == 0)
			rc = 1;
	}
	if (input_failed) {
		fprintf(stderr, "apiary analyze: %s\n", ierr.msg);
		fprintf(stderr, "apiary analyze: everything before it was "
		    "analysed%s%s\n", no_files ? "" : " and written to ",
		    no_files ? "" : dir);
		if (rc == 0)
			rc = 1;
	}
out:
	pcap_source_free(src);
	pipeline_free(pl);
	app_free(app);		/* h10: after the flows */
	detect_stage_free(ds);	/* after the flows (their detect state) are gone */
	free(fast_path);
	free(eve_path);
	free(conn_path);
	return rc;
}
