/* summary: `apiary`: the analyst's program; dispatches to src/cmd/. */
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "core/version.h"

static const struct command commands[] = {
	{ "version", cmd_version, "print versions" },
};

static void
usage(FILE *out)
{
	fprintf(out, "usage: apiary COMMAND [ARGS...]\n\n"
	    "apiary %s: honeynet analysis and tooling.  Commands:\n",
	    APIARY_VERSION);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(out, "\n'apiary COMMAND --help' describes each command.\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "apiary: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
