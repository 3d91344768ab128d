/* summary: apiary-agent: the honeypot sensor; records ttys, execs, connections. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/agent_config.h"
#include "core/log.h"
#include "core/version.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: apiary-agent [-n] [-v] -c FILE\n\n"
	    "Records what happens on this honeypot -- terminal input and output,\n"
	    "program executions, connections -- with eBPF, and ships it at once\n"
	    "over mutual TLS to apiary-logd, spooling to disk while it is\n"
	    "unreachable.\n\n"
	    "  -c FILE  configuration (see etc/apiary-agent.conf)\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       verbose\n");
}

int
main(int argc, char **argv)
{
	struct agent_config cfg;
	struct logger lg;
	struct error err;
	const char *path = NULL;
	int check = 0, verbose = 0, ch, rc;

	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	while ((ch = getopt_long(argc, argv, "c:nvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("apiary-agent %s\n", APIARY_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(&lg, "apiary-agent", verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (agent_config_load(path, &cfg, &err) == -1) {
		log_error(&lg, "%s", err.msg);
		return 1;
	}
	if (check) {
		printf("%s: configuration OK\n", path);
		agent_config_free(&cfg);
		return 0;
	}
	rc = agent_run(&cfg, &lg, &err);
	if (rc == -1)
		log_error(&lg, "%s", err.msg);
	agent_config_free(&cfg);
	return rc == -1 ? 1 : 0;
}
