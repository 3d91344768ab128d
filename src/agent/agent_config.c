/* summary: apiary-agent's configuration file. */
#include "agent/agent_config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/timefmt.h"
#include "core/units.h"

static int
set_str(char **dst, const char *v, const struct config_stmt *st,
    struct error *err)
{
	free(*dst);
	if ((*dst = strdup(v)) == NULL)
		return config_error(err, st, "out of memory");
	return 0;
}

/* "host:port", "[v6]:port" or "host" (port 6514). */
static int
parse_server(struct agent_config *c, const struct config_stmt *st,
    const char *v, struct error *err)
{
	const char *colon;
	char host[256];
	uint64_t port;

	if (v[0] == '[') {
		const char *end = strchr(v, ']');
		if (end == NULL || (size_t)(end - v - 1) >= sizeof(host))
			return config_error(err, st, "expected [ADDRESS]:PORT");
		memcpy(host, v + 1, (size_t)(end - v - 1));
		host[end - v - 1] = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return config_error(err, st, "expected [ADDRESS]:PORT");
	} else {
		colon = strrchr(v, ':');
		size_t n = colon ? (size_t)(colon - v) : strlen(v);
		if (n == 0 || n >= sizeof(host))
			return config_error(err, st, "expected HOST:PORT");
		memcpy(host, v, n);
		host[n] = '\0';
	}
	if (colon && parse_uint(colon + 1, 1, 65535, &port) == -1)
		return config_error(err, st, "port must be 1-65535, got '%s'",
		    colon + 1);
	if (set_str(&c->server_host, host, st, err) == -1 ||
	    set_str(&c->server_port, colon ? colon + 1 : "6514", st, err) == -1)
		return -1;
	return 0;
}

static int
apply(struct agent_config *c, const struct config_stmt *st, struct error *err)
{
	const char *kw = st->argv[0];

#define NEED(n, usage) do { if (st->argc != (n)) \
	return config_error(err, st, "usage: %s", usage); } while (0)
	if (st->has_block)
		return config_error(err, st, "'%s' takes no { block }", kw);
	if (strcmp(kw, "server") == 0) {
		NEED(2, "server HOST:PORT");
		return parse_server(c, st, st->argv[1], err);
	}
	if (strcmp(kw, "server-name") == 0) {
		NEED(2, "server-name NAME");
		return set_str(&c->server_name, st->argv[1], st, err);
	}
	if (strcmp(kw, "server-fingerprint") == 0) {
		NEED(2, "server-fingerprint SHA256:HEX");
		return set_str(&c->server_fpr, st->argv[1], st, err);
	}
	if (strcmp(kw, "ca") == 0) {
		NEED(2, "ca FILE");
		return set_str(&c->ca, st->argv[1], st, err);
	}
	if (strcmp(kw, "cert") == 0) {
		NEED(2, "cert FILE");
		return set_str(&c->cert, st->argv[1], st, err);
	}
	if (strcmp(kw, "key") == 0) {
		NEED(2, "key FILE");
		return set_str(&c->key, st->argv[1], st, err);
	}
	if (strcmp(kw, "spool") == 0) {
		NEED(2, "spool DIR");
		return set_str(&c->spool, st->argv[1], st, err);
	}
	if (strcmp(kw, "spool-size") == 0) {
		NEED(2, "spool-size SIZE (e.g. 64M)");
		if (parse_size(st->argv[1], &c->spool_size) == -1 ||
		    c->spool_size < (4u << 20))
			return config_error(err, st, "expected a size of at "
			    "least 4M, got '%s'", st->argv[1]);
		return 0;
	}
	if (strcmp(kw, "hostname") == 0) {
		NEED(2, "hostname NAME");
		return set_str(&c->hostname, st->argv[1], st, err);
	}
	if (strcmp(kw, "resend-window") == 0) {
		NEED(2, "resend-window DURATION (e.g. 10s)");
		if (parse_duration(st->argv[1], &c->resend_ns) == -1)
			return config_error(err, st, "expected a duration, got '%s'",
			    st->argv[1]);
		return 0;
	}
	if (strcmp(kw, "tty-output") == 0) {
		NEED(2, "tty-output yes|no");
		if (strcmp(st->argv[1], "yes") && strcmp(st->argv[1], "no"))
			return config_error(err, st, "expected yes or no");
		c->capture_tty_out = strcmp(st->argv[1], "yes") == 0;
		return 0;
	}
	if (strcmp(kw, "scope") == 0) {
		if (st->argc == 2 && strcmp(st->argv[1], "all") == 0) {
			c->scope = SENSOR_SCOPE_ALL;
			return 0;
		}
		if (st->argc == 3 && strcmp(st->argv[1], "netns") == 0)
			c->scope = SENSOR_SCOPE_NETNS;
		else if (st->argc == 3 && strcmp(st->argv[1], "cgroup") == 0)
			c->scope = SENSOR_SCOPE_CGROUP;
		else
			return config_error(err, st, "usage: scope netns PATH | "
			    "scope cgroup PATH | scope all");
		return set_str(&c->scope_path, st->argv[2], st, err);
	}
#undef NEED
	return config_error(err, st, "unknown statement '%s'", kw);
}

int
agent_config_load(const char *path, struct agent_config *c, struct error *err)
{
	struct config *cfg;
	char host[256];

	memset(c, 0, sizeof(*c));
	c->spool_size = 64u << 20;
	c->capture_tty_out = 1;
	c->resend_ns = 10 * NSEC_PER_SEC;
	if (config_load(path, &cfg, err) == -1)
		return -1;
	for (int i = 0; i < cfg->nstmts; i++)
		if (apply(c, &cfg->stmts[i], err) == -1) {
			config_free(cfg);
			agent_config_free(c);
			return -1;
		}
	config_free(cfg);
	if (c->server_host == NULL || c->cert == NULL || c->key == NULL ||
	    (c->ca == NULL && c->server_fpr == NULL) || c->spool == NULL) {
		error_set(err, "%s: needs server, cert, key, spool, and ca or "
		    "server-fingerprint", path);
		agent_config_free(c);
		return -1;
	}
	if (c->hostname == NULL) {
		if (gethostname(host, sizeof(host)) == -1)
			strcpy(host, "-");
		host[sizeof(host) - 1] = '\0';
		if ((c->hostname = strdup(host)) == NULL) {
			agent_config_free(c);
			return error_set(err, "out of memory");
		}
	}
	return 0;
}

void
agent_config_free(struct agent_config *c)
{
	free(c->server_host);
	free(c->server_port);
	free(c->server_name);
	free(c->ca);
	free(c->cert);
	free(c->key);
	free(c->server_fpr);
	free(c->spool);
	free(c->scope_path);
	free(c->hostname);
	memset(c, 0, sizeof(*c));
}
