/* summary: bench/ids: detection throughput on a capture vs a bare Hyperscan scan of the same payloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs.h>
#include <pcap/pcap.h>

#include "detect/detect.h"
#include "detect/detect_stage.h"
#include "engine/pipeline.h"
#include "flow/flow.h"
#include "net/decode.h"
#include "net/packet.h"

/*
 * usage: ids_bench RULES PCAP
 *
 * Loads RULES as `apiary analyze -S` would, reads PCAP into memory, then
 * measures CPU time (not wall time: the machine is shared) of:
 *  A. decode + flow lookup of every frame;
 *  B. decode + flow lookup + detect_packet: detection = B - A;
 *  C. bare Hyperscan: one block-mode database of every distinct fast
 *     pattern of the engine, one scan of each payload (payloads found in A).
 * Throughput counts the frames' wire bytes (as capture tools do), per core
 * (one thread).  Prints one line per measure and the ratio.
 */

struct frame {
	const uint8_t *data;
	uint32_t caplen, wirelen;
	uint64_t ts;
	const uint8_t *pl;	/* payload, found by the first pass */
	uint32_t pllen;
};

struct pats {
	char **expr;
	unsigned *flags, *ids;
	size_t n, cap;
};

static void
on_pattern(void *ctx, const uint8_t *pat, size_t len, int nocase)
{
	struct pats *ps = ctx;
	char *s = malloc(len * 4 + 1), *o = s;
	static const char hex[] = "0123456789abcdef";

	if (s == NULL)
		exit(1);
	for (size_t i = 0; i < len; i++) {
		*o++ = '\\';
		*o++ = 'x';
		*o++ = hex[pat[i] >> 4];
		*o++ = hex[pat[i] & 15];
	}
	*o = '\0';
	for (size_t i = 0; i < ps->n; i++) {
		if (strcmp(ps->expr[i], s) == 0 &&
		    ((ps->flags[i] & HS_FLAG_CASELESS) != 0) == (nocase != 0)) {
			free(s);
			return;
		}
	}
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 1024;
		ps->expr = realloc(ps->expr, ps->cap * sizeof(*ps->expr));
		ps->flags = realloc(ps->flags, ps->cap * sizeof(*ps->flags));
		ps->ids = realloc(ps->ids, ps->cap * sizeof(*ps->ids));
		if (ps->expr == NULL || ps->flags == NULL || ps->ids == NULL)
			exit(1);
	}
	ps->expr[ps->n] = s;
	ps->flags[ps->n] = HS_FLAG_SINGLEMATCH | (nocase ? HS_FLAG_CASELESS : 0);
	ps->ids[ps->n] = (unsigned)ps->n;
	ps->n++;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int
on_hs(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *ctx)
{
	(*(uint64_t *)ctx)++;
	return 0;
}


int
main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct detect_loader *l;
	struct detect_engine *e;
	struct detect_engine_config cfg;
	struct detect_load_stats st;
	struct error err;
	struct frame *frames = NULL;
	size_t nframes = 0, cap = 0;
	uint64_t wire = 0, payload = 0, t_detect = 0, t_hs = 0, t_base = 0, t_stream = 0;
	uint64_t alerts = 0, hits = 0;
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc;
	struct decoder *dec;
	struct pats ps = { 0 };
	hs_database_t *db = NULL;
	hs_scratch_t *scratch = NULL;
	hs_compile_error_t *cerr;

	if (argc != 3) {
		fprintf(stderr, "usage: ids_bench RULES PCAP\n");
		return 2;
	}
	if ((l = detect_loader_new(&err)) == NULL ||
	    detect_loader_add_file(l, argv[1], &err) == -1) {
		fprintf(stderr, "ids_bench: %s\n", err.msg);
		return 1;
	}
	detect_loader_stats(l, &st);
	memset(&cfg, 0, sizeof(cfg));
	if ((e = detect_engine_build(l, &cfg, &err)) == NULL) {
		fprintf(stderr, "ids_bench: %s\n", err.msg);
		return 1;
	}
	detect_loader_free(l);

	if ((pc = pcap_open_offline(argv[2], ebuf)) == NULL) {
		fprintf(stderr, "ids_bench: %s\n", ebuf);
		return 1;
	}
	while (pcap_next_ex(pc, &h, &d) == 1) {
		uint8_t *copy = malloc(h->caplen);

		if (nframes == cap) {
			cap = cap ? cap * 2 : 65536;
			frames = realloc(frames, cap * sizeof(*frames));
		}
		if (copy == NULL || frames == NULL)
			return 1;
		memcpy(copy, d, h->caplen);
		frames[nframes].data = copy;
		frames[nframes].caplen = h->caplen;
		frames[nframes].wirelen = h->len;
		frames[nframes].ts = (uint64_t)h->ts.tv_sec * 1000000000ull +
		    (uint64_t)h->ts.tv_usec * 1000ull;
		wire += h->len;
		nframes++;
	}
	pcap_close(pc);

	/* A: the pipeline alone (decode, flows); B: with the detect stage on
	 * packets; S: with the detect stage and TCP reassembly (analyze -S) */
	for (int pass = 0; pass < 3; pass++) {
		struct pipeline_config pc;
		struct pipeline *pl;
		struct detect_stage *ds = NULL;
		struct detect_stage_config dc;
		const char *files[1] = { argv[1] };
		uint64_t t0, used;

		pipeline_config_default(&pc);
		pc.scan_enabled = 0;
		if ((pl = pipeline_new(&pc, &err)) == NULL) {
			fprintf(stderr, "ids_bench: %s\n", err.msg);
			return 1;
		}
		if (pass > 0) {
			memset(&dc, 0, sizeof(dc));
			dc.rule_files = files;
			dc.nrule_files = 1;
			dc.stream_mode = pass == 2;
			if ((ds = detect_stage_new(pl, &dc, NULL, NULL, &err)) == NULL ||
			    pipeline_add_stage(pl, "detect", detect_stage_run, ds, &err) < 0) {
				fprintf(stderr, "ids_bench: %s\n", err.msg);
				return 1;
			}
		}
		t0 = now_ns();
		for (size_t i = 0; i < nframes; i++)
			(void)pipeline_frame(pl, 1, frames[i].data, frames[i].caplen,
			    frames[i].wirelen, frames[i].ts);
		(void)pipeline_finish(pl, &err);
		used = now_ns() - t0;
		if (pass == 0)
			t_base = used;
		else if (pass == 1)
			t_detect = used > t_base ? used - t_base : 1;
		else
			t_stream = used > t_base ? used - t_base : 1;
		if (ds != NULL) {
			alerts = detect_stage_alerts(ds);
		}
		pipeline_free(pl);
		detect_stage_free(ds);
	}
	/* payloads for the bare scan */
	dec = decoder_new(NULL, &err);
	for (size_t i = 0; i < nframes; i++) {
		struct packet p;

		memset(&p, 0, sizeof(p));
		decode_frame(dec, &p, LINKTYPE_EN10MB, frames[i].data, frames[i].caplen,
		    frames[i].wirelen, frames[i].ts);
		payload += p.payload_len;
		frames[i].pl = p.payload_len ? p.payload : NULL;
		frames[i].pllen = p.payload_len;
	}

	/* C: bare Hyperscan over the same payloads */
	detect_engine_each_pattern(e, on_pattern, &ps);
	if (ps.n > 0) {
		uint64_t t0;

		if (hs_compile_multi((const char *const *)ps.expr, ps.flags, ps.ids,
		    (unsigned)ps.n, HS_MODE_BLOCK, NULL, &db, &cerr) != HS_SUCCESS ||
		    hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
			fprintf(stderr, "ids_bench: hyperscan compile failed\n");
			return 1;
		}
		t0 = now_ns();
		for (size_t i = 0; i < nframes; i++)
			if (frames[i].pl != NULL)
				hs_scan(db, (const char *)frames[i].pl, frames[i].pllen, 0,
				    scratch, on_hs, &hits);
		t_hs = now_ns() - t0;
	}
	printf("rules loaded      %llu (of %llu; %llu skipped)\n",
	    (unsigned long long)st.rules_loaded, (unsigned long long)st.rules_total,
	    (unsigned long long)st.rules_skipped);
	printf("capture           %zu frames, %.1f MB wire, %.1f MB payload\n", nframes,
	    wire / 1e6, payload / 1e6);
	printf("pipeline          %.3f s CPU for decode and flows (not counted below)\n", t_base / 1e9);
	printf("detect, packets   %.3f s CPU, %.2f Gbit/s per core\n",
	    t_detect / 1e9, wire * 8.0 / (double)t_detect);
	printf("detect, stream    %.3f s CPU, %.2f Gbit/s per core (TCP reassembled, as analyze -S), %llu alerts\n",
	    t_stream / 1e9, wire * 8.0 / (double)t_stream, (unsigned long long)alerts);
	printf("bare hyperscan    %.3f s CPU, %.2f Gbit/s per core (%zu patterns, %llu hits)\n",
	    t_hs / 1e9, t_hs ? wire * 8.0 / (double)t_hs : 0.0, ps.n,
	    (unsigned long long)hits);
	printf("ratio             %.2f packets, %.2f stream (detect throughput / bare scan throughput)\n",
	    (double)t_hs / (double)t_detect, (double)t_hs / (double)t_stream);
	if (scratch != NULL)
		hs_free_scratch(scratch);
	hs_free_database(db);
	for (size_t i = 0; i < ps.n; i++)
		free(ps.expr[i]);
	free(ps.expr);
	free(ps.flags);
	free(ps.ids);
	decoder_free(dec);
	detect_engine_unref(e);
	for (size_t i = 0; i < nframes; i++)
		free((void *)frames[i].data);
	free(frames);
	return 0;
}
