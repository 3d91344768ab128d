/* summary: apiary-logd's configuration: the file, its defaults and its checks. */
#include "logd/logd_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/timefmt.h"
#include "core/units.h"

int
logd_endpoint_parse(const char *s, struct logd_endpoint *ep)
{
	char host[64];
	const char *colon;
	uint64_t port;
	size_t hl;

	memset(ep, 0, sizeof(*ep));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':')
			return -1;
		hl = (size_t)(end - s - 1);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
		host[hl] = '\0';
	}
	if (parse_uint(colon + 1, 1, 65535, &port) < 0)
		return -1;
	if (strcmp(host, "*") == 0 || host[0] == '\0') {
		struct sockaddr_in *in = (struct sockaddr_in *)&ep->sa;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		in->sin_addr.s_addr = htonl(INADDR_ANY);
		ep->salen = sizeof(*in);
	} else if (strchr(host, ':') == NULL) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ep->sa;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -1;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		ep->salen = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ep->sa;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return -1;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		ep->salen = sizeof(*in6);
	}
	snprintf(ep->text, sizeof(ep->text), "%s", s);
	return 0;
}

static int
set_str(char **dst, const struct config_stmt *st, struct error *err)
{
	if (st->argc != 2)
		return config_error(err, st, "'%s' takes one argument",
		    st->argv[0]);
	free(*dst);
	*dst = strdup(st->argv[1]);
	if (*dst == NULL)
		return error_set(err, "out of memory");
	return 0;
}

static int
one_arg(const struct config_stmt *st, struct error *err)
{
	if (st->argc != 2)
		return config_error(err, st, "'%s' takes one argument",
		    st->argv[0]);
	return 0;
}

static int
set_uint(uint64_t *v, uint64_t min, uint64_t max, const struct config_stmt *st,
    struct error *err)
{
	if (one_arg(st, err) < 0)
		return -1;
	if (parse_uint(st->argv[1], min, max, v) < 0)
		return config_error(err, st, "'%s': a number from %llu to %llu",
		    st->argv[1], (unsigned long long)min,
		    (unsigned long long)max);
	return 0;
}

static int
set_size(uint64_t *v, uint64_t min, uint64_t max, const struct config_stmt *st,
    struct error *err)
{
	if (one_arg(st, err) < 0)
		return -1;
	if (parse_size(st->argv[1], v) < 0 || *v < min || *v > max)
		return config_error(err, st, "'%s': a size from %llu to %llu "
		    "bytes (K, M, G allowed)", st->argv[1],
		    (unsigned long long)min, (unsigned long long)max);
	return 0;
}

static int
set_duration(uint64_t *v, const struct config_stmt *st, struct error *err)
{
	if (one_arg(st, err) < 0)
		return -1;
	if (parse_duration(st->argv[1], v) < 0 || *v == 0)
		return config_error(err, st, "'%s': a duration such as 500ms, "
		    "10s, 5m, 1h", st->argv[1]);
	return 0;
}

static int
statement(struct logd_config *c, const struct config_stmt *st,
    struct error *err)
{
	const char *k = st->argv[0];

	if (st->has_block)
		return config_error(err, st, "'%s' takes no block", k);
	if (strcmp(k, "listen") == 0) {
		if (one_arg(st, err) < 0)
			return -1;
		if (c->nlisten >= LOGD_MAX_LISTEN)
			return config_error(err, st, "at most %d listen lines",
			    LOGD_MAX_LISTEN);
		if (logd_endpoint_parse(st->argv[1], &c->listen[c->nlisten]) < 0)
			return config_error(err, st, "'%s': expected ADDRESS:PORT "
			    "(e.g. 127.0.0.1:6514, [::1]:6514, *:6514)",
			    st->argv[1]);
		c->nlisten++;
		return 0;
	}
	if (strcmp(k, "ca") == 0)
		return set_str(&c->ca, st, err);
	if (strcmp(k, "cert") == 0)
		return set_str(&c->cert, st, err);
	if (strcmp(k, "key") == 0)
		return set_str(&c->key, st, err);
	if (strcmp(k, "store") == 0)
		return set_str(&c->store, st, err);
	if (strcmp(k, "signing-key") == 0)
		return set_str(&c->signing_key, st, err);
	if (strcmp(k, "user") == 0)
		return set_str(&c->user, st, err);
	if (strcmp(k, "fingerprint") == 0) {
		if (st->argc < 2)
			return config_error(err, st, "fingerprint needs a "
			    "SHA256:... value");
		for (int i = 1; i < st->argc; i++) {
			if (c->nfpr >= LOGD_MAX_FPR)
				return config_error(err, st, "at most %d "
				    "fingerprints", LOGD_MAX_FPR);
			if (syslog_tls_fingerprint_parse(st->argv[i],
			    c->fpr[c->nfpr]) < 0)
				return config_error(err, st, "'%s': expected a "
				    "SHA-256 fingerprint (SHA256:AB:CD:...)",
				    st->argv[i]);
			c->nfpr++;
		}
		return 0;
	}
	if (strcmp(k, "max-message") == 0)
		return set_size(&c->max_message, 480, 16u << 20, st, err);
	if (strcmp(k, "max-connections") == 0)
		return set_uint(&c->max_connections, 1, 100000, st, err);
	if (strcmp(k, "max-senders") == 0) {
		uint64_t v;

		if (set_uint(&v, 1, 100000, st, err) < 0)
			return -1;
		c->store_opts.max_senders = (size_t)v;
		return 0;
	}
	if (strcmp(k, "handshake-timeout") == 0)
		return set_duration(&c->handshake_ns, st, err);
	if (strcmp(k, "idle-timeout") == 0)
		return set_duration(&c->idle_ns, st, err);
	if (strcmp(k, "checkpoint-records") == 0)
		return set_uint(&c->store_opts.checkpoint_records, 1, 100000000,
		    st, err);
	if (strcmp(k, "checkpoint-interval") == 0)
		return set_duration(&c->store_opts.checkpoint_ns, st, err);
	if (strcmp(k, "segment-size") == 0)
		return set_size(&c->store_opts.segment_size, 4096, 1ull << 40,
		    st, err);
	if (strcmp(k, "segment-age") == 0)
		return set_duration(&c->store_opts.segment_ns, st, err);
	if (strcmp(k, "fsync-interval") == 0)
		return set_duration(&c->store_opts.fsync_ns, st, err);
	if (strcmp(k, "fsync") == 0) {
		if (one_arg(st, err) < 0)
			return -1;
		if (strcmp(st->argv[1], "checkpoint") == 0)
			c->store_opts.fsync = STORE_FSYNC_CHECKPOINT;
		else if (strcmp(st->argv[1], "always") == 0)
			c->store_opts.fsync = STORE_FSYNC_ALWAYS;
		else if (strcmp(st->argv[1], "none") == 0)
			c->store_opts.fsync = STORE_FSYNC_NONE;
		else
			return config_error(err, st, "fsync: checkpoint, "
			    "always or none");
		return 0;
	}
	if (strcmp(k, "chroot") == 0) {
		if (one_arg(st, err) < 0)
			return -1;
		if (strcmp(st->argv[1], "yes") != 0 && strcmp(st->argv[1], "no") != 0)
			return config_error(err, st, "chroot: yes or no");
		c->chroot = strcmp(st->argv[1], "yes") == 0;
		return 0;
	}
	if (strcmp(k, "legacy") == 0) {
		struct logd_endpoint *ep;

		if (st->argc != 3 || (strcmp(st->argv[1], "udp") != 0 &&
		    strcmp(st->argv[1], "tcp") != 0))
			return config_error(err, st, "usage: legacy udp|tcp "
			    "ADDRESS:PORT");
		if (strcmp(st->argv[1], "udp") == 0) {
			ep = &c->legacy_udp;
			c->has_legacy_udp = 1;
		} else {
			ep = &c->legacy_tcp;
			c->has_legacy_tcp = 1;
		}
		if (logd_endpoint_parse(st->argv[2], ep) < 0)
			return config_error(err, st, "'%s': expected "
			    "ADDRESS:PORT", st->argv[2]);
		return 0;
	}
	if (strcmp(k, "legacy-allow") == 0) {
		if (st->argc < 2)
			return config_error(err, st, "legacy-allow needs "
			    "addresses or prefixes");
		for (int i = 1; i < st->argc; i++) {
			if (c->nallow >= LOGD_MAX_ALLOW)
				return config_error(err, st, "at most %d "
				    "legacy-allow entries", LOGD_MAX_ALLOW);
			if (prefix_parse(st->argv[i], &c->allow[c->nallow]) < 0)
				return config_error(err, st, "'%s': expected an "
				    "address or ADDRESS/LEN", st->argv[i]);
			c->nallow++;
		}
		return 0;
	}
	return config_error(err, st, "unknown statement '%s'", k);
}

int
logd_config_load(const char *path, struct logd_config *c, struct error *err)
{
	struct config *cfg;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->max_message = 64 * 1024;
	c->max_connections = 256;
	c->handshake_ns = 10 * NSEC_PER_SEC;
	c->idle_ns = 300 * NSEC_PER_SEC;
	c->chroot = 1;
	if (config_load(path, &cfg, err) < 0)
		return -1;
	for (int i = 0; i < cfg->nstmts && rc == 0; i++)
		rc = statement(c, &cfg->stmts[i], err);
	if (rc == 0) {
		/* whole-file checks name the file and its last line */
		struct config_stmt at = { .file = cfg->path, .line =
		    cfg->nstmts > 0 ? cfg->stmts[cfg->nstmts - 1].line : 1 };

		if (c->nlisten == 0)
			rc = config_error(err, &at, "no 'listen' line");
		else if (c->cert == NULL || c->key == NULL)
			rc = config_error(err, &at, "'cert' and 'key' are required");
		else if (c->ca == NULL && c->nfpr == 0)
			rc = config_error(err, &at, "clients must be checked: "
			    "give 'ca' and/or 'fingerprint' lines");
		else if (c->store == NULL)
			rc = config_error(err, &at, "no 'store' line");
		else if ((c->has_legacy_udp || c->has_legacy_tcp) &&
		    c->nallow == 0)
			rc = config_error(err, &at, "a legacy listener needs a "
			    "'legacy-allow' list");
	}
	if (rc == 0 && c->signing_key == NULL) {
		size_t n = strlen(c->store) + 32;

		/* default: beside the store, not in it (the key never
		 * lands where the network-facing process may write) */
		c->signing_key = malloc(n);
		if (c->signing_key == NULL)
			rc = error_set(err, "out of memory");
		else
			snprintf(c->signing_key, n, "%s.sign.key", c->store);
	}
	config_free(cfg);
	if (rc < 0)
		logd_config_free(c);
	return rc;
}

void
logd_config_free(struct logd_config *c)
{
	free(c->ca);
	free(c->cert);
	free(c->key);
	free(c->store);
	free(c->signing_key);
	free(c->user);
	memset(c, 0, sizeof(*c));
}
