/* summary: `apiary tcpflow`: one file per TCP direction from captures, as tcpflow -r writes them. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "core/timefmt.h"
#include "core/units.h"
#include "engine/pipeline.h"
#include "io/pcap_source.h"
#include "stream/tcpflow.h"

#define TCPFLOW_MAP_LAG (64u << 20)	/* at least */

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
	    "usage: apiary tcpflow [-o DIR] [-b MAX_BYTES] [-f MAX_FDS] [-t THREADS] [-v] FILE...\n"
	    "\n"
	    "Reassembles the TCP connections of pcap/pcapng files and writes each\n"
	    "direction to its own file in DIR, named and filled as tcpflow 1.6\n"
	    "(tcpflow -r FILE -o DIR) does, e.g.\n"
	    "192.168.001.002.01234-010.000.000.001.00080; a reused port pair gets\n"
	    "c1, c2, ... Also writes DIR/sessions.json, one JSON line per file\n"
	    "(flow_id, community_id, times, bytes, gaps, out-of-order, overlaps).\n"
	    "\n"
	    "  -o DIR        output folder, created if missing (default: .)\n"
	    "  -b MAX_BYTES  keep at most this many bytes per file (512K, 10M, ...)\n"
	    "  -f MAX_FDS    files kept open at once (default 256)\n"
	    "  -t THREADS    threads writing the files, 1-8 (default: the CPUs\n"
	    "                less one, 2 to 4; 1 on one CPU)\n"
	    "  -v            print counters at the end\n"
	    "  --help        this text\n"
	    "\n"
	    "Exit status: 0 done; 1 bad input or a write error (everything before\n"
	    "it is written); 2 usage, or DIR cannot be made.\n");
}

static void
print_stats(struct tcpflow *t)
{
	struct tcpflow_stats s;
	struct session_writer_stats w;

	tcpflow_get_stats(t, &s);
	session_writer_get_stats(tcpflow_writer(t), &w);
	fprintf(stderr,
	    "tcpflow: %llu TCP packets, %llu directions (%llu restarted), "
	    "%llu files, %llu bytes written, %u I/O thread%s\n"
	    "tcpflow: %llu out-of-order segments, %llu retransmissions, "
	    "%llu overlapping bytes (%llu differing), %llu gaps (%llu bytes), "
	    "%llu bytes dropped at the memory bound\n",
	    (unsigned long long)s.packets, (unsigned long long)s.directions,
	    (unsigned long long)s.restarts, (unsigned long long)w.files,
	    (unsigned long long)w.bytes, w.io_threads, w.io_threads == 1 ? "" : "s",
	    (unsigned long long)s.stream.ooo_segments,
	    (unsigned long long)s.stream.retransmissions,
	    (unsigned long long)s.stream.overlap_bytes,
	    (unsigned long long)s.stream.conflict_bytes,
	    (unsigned long long)s.stream.gaps,
	    (unsigned long long)s.stream.gap_bytes,
	    (unsigned long long)s.stream.memdrop_bytes);
}

int
cmd_tcpflow(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tcpflow_config tcfg;
	struct pipeline_config pcfg;
	struct pipeline *pl = NULL;
	struct pcap_source *src = NULL;
	struct tcpflow *t = NULL;
	struct pcap_frame fr;
	struct error err;
	uint64_t v;
	int c, verbose = 0, rc = 0, r = 0;

	tcpflow_config_default(&tcfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:b:f:t:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			tcfg.writer.dir = optarg;
			break;
		case 'b':
			if (parse_size(optarg, &v) < 0) {
				fprintf(stderr, "apiary tcpflow: -b %s: not a size\n", optarg);
				return 2;
			}
			tcfg.writer.max_bytes = v;
			break;
		case 'f':
			if (parse_uint(optarg, 1, 1u << 20, &v) < 0) {
				fprintf(stderr, "apiary tcpflow: -f %s: not a number of files\n", optarg);
				return 2;
			}
			tcfg.writer.max_open = (uint32_t)v;
			break;
		case 't':
			if (parse_uint(optarg, 1, 8, &v) < 0) {
				fprintf(stderr, "apiary tcpflow: -t %s: not a number of threads (1-8)\n", optarg);
				return 2;
			}
			tcfg.writer.io_threads = (uint32_t)v;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}

	/* The flow configuration of `apiary analyze` (defaults), so that
	 * flow_id in sessions.json is the one in its eve.json. */
	pipeline_config_default(&pcfg);
	pcfg.scan_enabled = 0;
	/* The files are created here, in tcpflow's order, and written on
	 * the writer's I/O threads (docs/apiary-tcpflow.md, "MEMORY AND
	 * SPEED"). */
	tcfg.writer.create_inline = 1;
	/* Offline, nobody waits for a file to fill: wake the I/O threads
	 * for batches of operations (session_writer.c, "wake-ups"). */
	tcfg.writer.batch_wakeups = 1;
	/* In-order payload is written by reference (no copy; see below): this
	 * thread never reads it, the I/O threads (two on two cores) copy it
	 * from the mapping into the files.  No `balance` (copying here while
	 * they are behind): with two I/O threads that only costs this thread
	 * time (measured: 0.127 s against 0.136 s median wall). */
	pl = pipeline_new(&pcfg, &err);
	if (pl == NULL) {
		fprintf(stderr, "apiary tcpflow: %s\n", err.msg);
		return 2;
	}
	t = tcpflow_new(pipeline_flows(pl), &tcfg, &err);
	if (t == NULL || pipeline_add_stage(pl, "tcpflow", tcpflow_stage, t, &err) < 0) {
		fprintf(stderr, "apiary tcpflow: %s\n", err.msg);
		rc = 2;
		goto out;
	}
	src = pcap_source_new((const char *const *)argv + optind,
	    (size_t)(argc - optind), &err);
	if (src == NULL) {
		fprintf(stderr, "apiary tcpflow: %s\n", err.msg);
		rc = 1;
		goto out;
	}
	/* Mapped captures stay mapped until pcap_source_free() below, after
	 * tcpflow_close(): the writer then takes in-order payload by
	 * reference instead of copying it (docs/apiary-tcpflow.md, "MEMORY
	 * AND SPEED").  Its threads read the payload up to their reach behind
	 * this one (~17 MiB of runs each), farther in the capture (headers,
	 * other flows): pages are dropped only twice that behind, at least
	 * 64 MiB, so that they seldom fault them back in. */
	uint64_t lag = 2 * session_writer_reach(tcpflow_writer(t));
	pcap_source_keep_mapped(src, lag > TCPFLOW_MAP_LAG ? lag : TCPFLOW_MAP_LAG);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!interrupted && (r = pcap_source_next(src, &fr, &err)) == 1) {
		if (!pipeline_linktype_supported(fr.linktype))
			continue;
		tcpflow_input_stable(t, fr.stable);
		pipeline_frame(pl, fr.linktype, fr.data, fr.caplen, fr.wirelen, fr.ts_ns);
	}
	if (!interrupted && r < 0) {
		fprintf(stderr, "apiary tcpflow: %s\n", err.msg);
		rc = 1;
	}
out:
	if (pl != NULL && pipeline_finish(pl, &err) < 0 && rc == 0) {
		fprintf(stderr, "apiary tcpflow: %s\n", err.msg);
		rc = 1;
	}
	if (t != NULL) {
		if (verbose)
			print_stats(t);
		if (tcpflow_close(t, &err) < 0) {
			fprintf(stderr, "apiary tcpflow: %s\n", err.msg);
			if (rc == 0)
				rc = 1;
		}
	}
	/* only now: the writer may have held pointers into the mappings */
	pcap_source_free(src);
	pipeline_free(pl);
	return rc;
}
