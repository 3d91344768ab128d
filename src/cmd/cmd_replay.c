/* summary: `apiary replay`: an intruder's terminal session, as it happened. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "core/timefmt.h"
#include "sessions/replay.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: apiary replay [--speed X] [--max-idle S] [--cast FILE]\n"
	    "                     [--commands] [--typed] STORE SESSION\n\n"
	    "Replays a terminal session recorded by apiary-agent: what the\n"
	    "intruder saw, with its original timing.  SESSION is an id or a\n"
	    "number from `apiary sessions STORE`.\n\n"
	    "  --speed X      play X times faster (default 1)\n"
	    "  --max-idle S   cut pauses longer than S seconds to S\n"
	    "  --cast FILE    write an asciinema v2 recording instead ('-': stdout)\n"
	    "  --size WxH     terminal size for --cast (default 80x24)\n"
	    "  --commands     print the programs run, with times\n"
	    "  --typed        print the lines typed, with times (passwords too)\n");
}

static void
print_lines(const struct session_line *l, size_t n)
{
	char ts[TIMEFMT_LEN];

	for (size_t i = 0; i < n; i++) {
		timefmt_rfc3339(l[i].ts_ns, ts);
		printf("%s  %s\n", ts, l[i].text);
	}
}

int
cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "max-idle", required_argument, NULL, 'i' },
		{ "cast", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 'z' },
		{ "commands", no_argument, NULL, 'm' },
		{ "typed", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay_opts o = { 1.0, 0, 80, 24 };
	struct session_index *x;
	const struct session *s;
	struct error err;
	const char *cast = NULL;
	int commands = 0, typed = 0, ch, rc;
	char *end;

	while ((ch = getopt_long(argc, argv, "s:i:c:z:mth", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			o.speed = strtod(optarg, &end);
			if (*end != '\0' || o.speed <= 0) {
				fprintf(stderr, "apiary replay: --speed takes a "
				    "positive number\n");
				return 2;
			}
			break;
		case 'i':
			o.max_idle = strtod(optarg, &end);
			if (*end != '\0' || o.max_idle < 0) {
				fprintf(stderr, "apiary replay: --max-idle takes "
				    "seconds\n");
				return 2;
			}
			break;
		case 'c': cast = optarg; break;
		case 'z':
			if (sscanf(optarg, "%dx%d", &o.width, &o.height) != 2 ||
			    o.width <= 0 || o.height <= 0) {
				fprintf(stderr, "apiary replay: --size takes WxH\n");
				return 2;
			}
			break;
		case 'm': commands = 1; break;
		case 't': typed = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 2 != argc) {
		usage(stderr);
		return 2;
	}
	if ((x = session_index_load(argv[optind], NULL, &err)) == NULL) {
		fprintf(stderr, "apiary replay: %s\n", err.msg);
		return 1;
	}
	if ((s = session_index_find(x, argv[optind + 1])) == NULL) {
		fprintf(stderr, "apiary replay: no session '%s' in %s (see "
		    "`apiary sessions %s`)\n", argv[optind + 1], argv[optind],
		    argv[optind]);
		session_index_free(x);
		return 1;
	}
	rc = 0;
	if (commands || typed) {
		if (commands)
			print_lines(s->commands, s->ncommands);
		if (typed)
			print_lines(s->lines, s->nlines);
	} else if (cast != NULL) {
		FILE *f = strcmp(cast, "-") == 0 ? stdout : fopen(cast, "w");
		if (f == NULL) {
			perror(cast);
			rc = 1;
		} else {
			if (replay_cast(argv[optind], s, &o, f, &err) == -1) {
				fprintf(stderr, "apiary replay: %s\n", err.msg);
				rc = 1;
			}
			if (f != stdout && fclose(f) != 0) {
				perror(cast);
				rc = 1;
			}
		}
	} else if (replay_terminal(argv[optind], s, &o, stdout, &err) == -1) {
		fprintf(stderr, "apiary replay: %s\n", err.msg);
		rc = 1;
	}
	session_index_free(x);
	return rc;
}
