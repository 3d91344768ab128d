/* summary: `apiary-gw`: the honeynet gateway (transparent bridge, data control, capture). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "core/version.h"
#include "gw/gw.h"
#include "gw/gwconf.h"

static void
usage(FILE *out)
{
	fprintf(out, "usage: apiary-gw [-nv] -c FILE\n"
	    "  -c FILE  configuration (see apiary-gw(8), etc/apiary-gw.conf)\n"
	    "  -n       check the configuration and exit\n"
	    "  -v       more log output (debug)\n"
	    "apiary-gw %s: bridges the honeynet and uplink interfaces, limits "
	    "what leaves the honeynet, captures every frame.\n", APIARY_VERSION);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	struct gw_config gc;
	struct logger lg;
	struct error err;
	struct gw *g;
	int check = 0, verbose = 0, c, rc;

	while ((c = getopt(argc, argv, "c:nvh")) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(&lg, "apiary-gw", verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (gwconf_load(path, &gc, &err) == -1) {
		log_error(&lg, "%s", err.msg);
		return 1;
	}
	if (check) {
		printf("%s: configuration OK (%zu honeypots, %zu list entries)\n",
		    path, gc.policy.nhoneypots, gc.policy.nrules);
		gwconf_free(&gc);
		return 0;
	}
	g = gw_new(&gc, path, &lg, &err);
	gwconf_free(&gc);
	if (g == NULL) {
		log_error(&lg, "%s", err.msg);
		return 1;
	}
	if (gw_drop_privileges(g, &err) == -1) {
		log_error(&lg, "%s", err.msg);
		gw_free(g);
		return 1;
	}
	rc = gw_run(g, &err);
	if (rc == -1)
		log_error(&lg, "%s", err.msg);
	gw_free(g);
	return rc == -1 ? 1 : 0;
}
