/* summary: `apiary report DIR... -o report.html`: one report of everything recorded. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "report/report.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: apiary report [-o FILE] [--title TEXT] [--transcript-max BYTES] PATH...\n\n"
	    "Reads what a honeynet recorded -- the gateway's EVE JSON and\n"
	    "conn.log, its pcap captures, an apiary-logd store (terminal\n"
	    "sessions, commands, connections), snapshot diffs (EVE `snapshot`\n"
	    "events) -- from the given files and directories, and writes one\n"
	    "self-contained HTML report: an overview, a timeline per attacker,\n"
	    "charts, session transcripts and the host changes by severity.\n"
	    "A plain-text summary goes to stdout.\n\n"
	    "  -o FILE            the HTML report (default report.html)\n"
	    "  --title TEXT       its title\n"
	    "  --transcript-max N bytes of terminal output kept per session (64k)\n");
}

int
cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "title", required_argument, NULL, 't' },
		{ "transcript-max", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts o = { NULL, 64 << 10 };
	const char *outpath = "report.html";
	struct report *r;
	struct error err;
	FILE *out;
	int ch, rc = 0;
	char *end;

	while ((ch = getopt_long(argc, argv, "o:t:m:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': outpath = optarg; break;
		case 't': o.title = optarg; break;
		case 'm':
			o.transcript_max = strtoul(optarg, &end, 10);
			if (*end != '\0' || o.transcript_max == 0 ||
			    o.transcript_max > (64u << 20)) {
				fprintf(stderr, "apiary report: --transcript-max takes "
				    "1 to 67108864 bytes\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if ((r = report_new(&o, &err)) == NULL) {
		fprintf(stderr, "apiary report: %s\n", err.msg);
		return 1;
	}
	for (int i = optind; i < argc; i++)
		if (report_add_path(r, argv[i], &err) == -1) {
			fprintf(stderr, "apiary report: %s\n", err.msg);
			rc = 1;
		}
	report_finish(r);
	if ((out = fopen(outpath, "w")) == NULL) {
		perror(outpath);
		report_free(r);
		return 1;
	}
	if (report_write_html(r, out, &err) == -1) {
		fprintf(stderr, "apiary report: %s\n", err.msg);
		rc = 1;
	}
	if (fclose(out) != 0) {
		perror(outpath);
		rc = 1;
	}
	report_write_text(r, stdout);
	printf("report: %s\n", outpath);
	report_free(r);
	return rc;
}
