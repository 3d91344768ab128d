/* summary: `apiary rules check`: load rule files, report what loads and what does not. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "core/timefmt.h"
#include "detect/detect.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: apiary rules check [-q] [-n] [-c classification.config]\n"
	    "           [-V NAME=VALUE]... FILE...\n\n"
	    "Loads Snort/Suricata rule files as the IDS engine would and prints\n"
	    "how many rules loaded, how many were skipped, and how many rules\n"
	    "needed each unsupported keyword.  Each skipped rule is reported on\n"
	    "stderr as file:line (unless -q).  Without -n the engine is also\n"
	    "built (Hyperscan databases), and its size is printed.\n\n"
	    "  -c FILE        classification.config (default: built in)\n"
	    "  -V NAME=VALUE  set an address or port variable (HOME_NET=...)\n"
	    "  -q             no per-rule warnings\n"
	    "  -n             do not build the engine\n");
}

static void
on_warn(void *ctx, const char *file, int line, const char *kw, const char *msg)
{
	int *quiet = ctx;

	if (!*quiet)
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

static int
rules_check(int argc, char **argv)
{
	struct detect_loader *l;
	struct detect_load_stats st;
	struct error err;
	const char *classes = NULL;
	int quiet = 0, nobuild = 0, c, rc = 0;

	optind = 1;
	while ((c = getopt(argc, argv, "c:V:qnh")) != -1) {
		switch (c) {
		case 'c': classes = optarg; break;
		case 'q': quiet = 1; break;
		case 'n': nobuild = 1; break;
		case 'V': break;	/* applied below, once the loader exists */
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if ((l = detect_loader_new(&err)) == NULL) {
		fprintf(stderr, "apiary rules: %s\n", err.msg);
		return 1;
	}
	detect_loader_set_warn(l, on_warn, &quiet);
	if (classes != NULL && detect_loader_load_classification(l, classes, &err) == -1) {
		fprintf(stderr, "apiary rules: %s\n", err.msg);
		detect_loader_free(l);
		return 1;
	}
	optind = 1;
	while ((c = getopt(argc, argv, "c:V:qnh")) != -1) {
		if (c == 'V') {
			char *eq = strchr(optarg, '=');

			if (eq == NULL) {
				fprintf(stderr, "apiary rules: -V needs NAME=VALUE\n");
				detect_loader_free(l);
				return 2;
			}
			*eq = '\0';
			if (detect_loader_set_var(l, optarg, eq + 1, &err) == -1) {
				fprintf(stderr, "apiary rules: %s\n", err.msg);
				detect_loader_free(l);
				return 1;
			}
		}
	}
	for (int i = optind; i < argc; i++) {
		if (detect_loader_add_file(l, argv[i], &err) == -1) {
			fprintf(stderr, "apiary rules: %s\n", err.msg);
			rc = 1;
		}
	}
	detect_loader_stats(l, &st);
	printf("rules: %llu loaded, %llu skipped (%llu unsupported, %llu broken), "
	    "%llu total\n", (unsigned long long)st.rules_loaded,
	    (unsigned long long)st.rules_skipped,
	    (unsigned long long)st.rules_unsupported,
	    (unsigned long long)st.rules_broken, (unsigned long long)st.rules_total);
	if (st.duplicate_sids > 0)
		printf("duplicate sids: %llu\n", (unsigned long long)st.duplicate_sids);
	if (st.nkw > 0) {
		printf("unsupported keywords (rules needing each):\n");
		for (size_t i = 0; i < st.nkw; i++)
			printf("  %8llu  %s\n", (unsigned long long)st.kw[i].count,
			    st.kw[i].name);
	}
	if (!nobuild) {
		struct detect_engine_config cfg;
		struct detect_engine *e;
		struct detect_engine_stats es;

		memset(&cfg, 0, sizeof(cfg));
		e = detect_engine_build(l, &cfg, &err);
		if (e == NULL) {
			fprintf(stderr, "apiary rules: engine: %s\n", err.msg);
			detect_loader_free(l);
			return 1;
		}
		detect_engine_stats(e, &es);
		printf("engine: %llu rules in %llu groups, %llu Hyperscan databases "
		    "(%.1f MiB), %llu fast patterns (%llu of 1-3 bytes), %llu rules "
		    "without fast pattern (%llu found by address), built in %.2f s\n",
		    (unsigned long long)es.rules, (unsigned long long)es.groups,
		    (unsigned long long)es.databases, es.db_bytes / 1048576.0,
		    (unsigned long long)es.patterns,
		    (unsigned long long)es.short_patterns,
		    (unsigned long long)es.rules_without_fast_pattern,
		    (unsigned long long)es.rules_by_address, es.build_ns / 1e9);
		detect_engine_unref(e);
	}
	detect_loader_free(l);
	return rc;
}

int
cmd_rules(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "check") == 0)
		return rules_check(argc - 1, argv + 1);
	fprintf(stderr, "apiary rules: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
