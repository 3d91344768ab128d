/* summary: `apiary`: the analyst's program; dispatches to src/cmd/. */
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "core/version.h"

static const struct command commands[] = {
	{ "sessions", cmd_sessions, "list terminal sessions recorded by the agents" },
	{ "replay", cmd_replay, "replay a recorded terminal session" },
	{ "report", cmd_report, "one HTML report of everything recorded" },
	{ "version", cmd_version, "print versions" },
	{ "pki", cmd_pki, "honeynet CA and certificates for apiary-logd" },
	{ "log", cmd_log, "verify or print an apiary-logd store" },
	{ "tcpflow", cmd_tcpflow, "TCP sessions to files, as tcpflow" },
	{ "extract", cmd_extract, "the packets of one flow to a new capture" },
	{ "analyze", cmd_analyze, "run the pipeline over capture files" },
	{ "snapshot", cmd_snapshot, "record a host's state (forensics)" },
	{ "diff", cmd_diff, "compare two snapshots" },
	{ "rules", cmd_rules, "check Snort/Suricata rule files" },
	{ "lab", cmd_lab, "the honeynet lab: up, attack, report, down" },
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
