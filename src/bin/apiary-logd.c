/* summary: `apiary-logd`: the hardened log server (RFC 5425 syslog over mutual TLS). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "core/version.h"
#include "logd/logd.h"
#include "logd/logd_config.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: apiary-logd -c FILE [-n] [-d]\n"
	    "  -c FILE  configuration (see etc/apiary-logd.conf)\n"
	    "  -n       stay in the foreground, log to stderr\n"
	    "  -d       debug: log every connection (implies -n)\n"
	    "  -t       check the configuration and exit\n");
}

int
main(int argc, char **argv)
{
	const char *conf = NULL;
	int foreground = 0, debug = 0, test = 0, opt;
	struct logd_config c;
	struct logger lg;
	struct error err;
	struct logd *d;
	struct sigaction sa;
	int rc = 0;

	while ((opt = getopt(argc, argv, "c:ndth")) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 'n': foreground = 1; break;
		case 'd': debug = foreground = 1; break;
		case 't': test = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (conf == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(&lg, "apiary-logd", debug ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	if (logd_config_load(conf, &c, &err) < 0) {
		log_error(&lg, "%s", err.msg);
		return 1;
	}
	if (test) {
		printf("%s: configuration OK\n", conf);
		logd_config_free(&c);
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (!foreground)
		log_to_syslog(&lg, LOG_DAEMON);	/* socket opened before chroot */
	d = logd_new(&c, &lg, &err);
	if (d == NULL) {
		log_error(&lg, "%s", err.msg);
		logd_config_free(&c);
		return 1;
	}
	if (!foreground && daemon(0, 0) < 0) {
		log_error(&lg, "daemon: failed");
		rc = 1;
		goto out;
	}
	if (logd_drop_privileges(d, &err) < 0) {
		log_error(&lg, "privileges: %s", err.msg);
		rc = 1;
		goto out;
	}
	log_info(&lg, "apiary-logd %s: listening on %s%s, store %s, uid %d",
	    APIARY_VERSION, c.listen[0].text, c.nlisten > 1 ? " (and more)" : "",
	    c.store, (int)getuid());
	if (logd_run(d, &stop, &err) < 0) {
		log_error(&lg, "%s", err.msg);
		rc = 1;
	}
	log_info(&lg, "stopping");
out:
	logd_free(d);
	logd_config_free(&c);
	return rc;
}
