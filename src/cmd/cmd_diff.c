/* summary: `apiary diff`: what changed between two snapshots, most severe first. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "core/error.h"
#include "forensics/diff.h"

/* Exit statuses: AIDE's 1 added + 2 removed + 4 changed, errors above. */
#define EXIT_USAGE 16
#define EXIT_DATABASE 17
#define EXIT_OUTPUT 18

static void
usage(FILE *out)
{
	fprintf(out, "usage: apiary diff OLD NEW [--json] [--bodyfile FILE] "
	    "[--eve FILE] [-o FILE]\n\n"
	    "Compares two snapshots (apiary snapshot) and lists what was "
	    "added, removed\nand changed, most severe first.\n"
	    "  --json           JSON instead of text\n"
	    "  --bodyfile FILE  Sleuth Kit body file of the files that changed "
	    "(mactime -b)\n"
	    "  --eve FILE       append one EVE event_type \"snapshot\" line "
	    "per finding\n"
	    "  -o FILE          write the report to FILE instead of stdout\n"
	    "Exit status: 0 no difference, else 1 (added) + 2 (removed) + 4 "
	    "(changed);\n16 usage, 17 unreadable or foreign database, 18 "
	    "output error.\n");
}

static int
write_to(const char *path, const char *mode,
    int (*fn)(const struct diff_result *, FILE *, struct error *),
    const struct diff_result *r, struct error *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, mode);
	int rc;

	if (f == NULL)
		return error_errno(err, "%s", path);
	rc = fn(r, f, err);
	if (f != stdout) {
		if (fclose(f) != 0 && rc == 0)
			rc = error_errno(err, "%s", path);
	} else if (fflush(f) != 0 && rc == 0) {
		rc = error_errno(err, "stdout");
	}
	if (rc < 0)
		error_prefix(err, "%s: ", path);
	return rc;
}

int
cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "bodyfile", required_argument, NULL, 'b' },
		{ "eve", required_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *body = NULL, *eve = NULL, *out = "-";
	struct diff_result *r;
	struct error err;
	int json = 0, ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jb:e:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = 1; break;
		case 'b': body = optarg; break;
		case 'e': eve = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (diff_run(argv[optind], argv[optind + 1], &r, &err) < 0) {
		fprintf(stderr, "apiary diff: %s\n", err.msg);
		return EXIT_DATABASE;
	}
	if (write_to(out, "w", json ? diff_write_json : diff_write_text, r,
	    &err) < 0 ||
	    (body != NULL && write_to(body, "w", diff_write_bodyfile, r,
	    &err) < 0) ||
	    (eve != NULL && write_to(eve, "a", diff_write_eve, r, &err) < 0)) {
		fprintf(stderr, "apiary diff: %s\n", err.msg);
		diff_result_free(r);
		return EXIT_OUTPUT;
	}
	ch = diff_exit_status(r);
	diff_result_free(r);
	return ch;
}
