/* summary: the pipeline's config statements: flows, timeouts, scan, defrag. */
#include <string.h>
#include <strings.h>

#include "core/units.h"
#include "engine/pipeline.h"

/*
 * Statements (docs/apiary-analyze.md, etc/apiary-analyze.conf):
 *
 *   flows max N
 *   timeout tcp|udp|icmp|other new|established|closed DURATION
 *   community-id seed N
 *   scan off
 *   scan TYPE off | on | N in DURATION      (TYPE: port syn fin null xmas udp ping smurf)
 *   scan sources N | episodes N | targets N | ports-listed N
 *   defrag off | memory SIZE | datagrams N | timeout DURATION
 *   talkers N
 *
 * A program that has statements of its own (apiary-gw) offers each one to
 * pipeline_config_statement() first and handles it when that returns 0.
 */

static int
want_args(const struct config_stmt *st, int n, const char *usage,
    struct error *err)
{
	if (st->argc != n || st->has_block)
		return config_error(err, st, "usage: %s", usage);
	return 0;
}

static int
number(const struct config_stmt *st, const char *s, uint64_t min,
    uint64_t max, uint64_t *v, struct error *err)
{
	if (parse_uint(s, min, max, v) < 0)
		return config_error(err, st, "'%s': expected a number from "
		    "%llu to %llu", s, (unsigned long long)min,
		    (unsigned long long)max);
	return 0;
}

static int
duration(const struct config_stmt *st, const char *s, uint64_t *ns,
    struct error *err)
{
	if (parse_duration(s, ns) < 0 || *ns == 0)
		return config_error(err, st, "'%s': expected a duration "
		    "such as 30s, 5m or 1h", s);
	return 0;
}

static int
timeout_stmt(struct pipeline_config *cfg, const struct config_stmt *st,
    struct error *err)
{
	static const char usage[] = "timeout tcp|udp|icmp|other "
	    "new|established|closed DURATION";
	struct flow_timeouts *t = &cfg->flow.timeouts;
	const char *proto, *state;
	uint32_t *slot = NULL;
	uint64_t ns;

	if (want_args(st, 4, usage, err) < 0)
		return -1;
	proto = st->argv[1];
	state = st->argv[2];
	if (strcmp(proto, "tcp") == 0) {
		if (strcmp(state, "new") == 0) slot = &t->tcp_new;
		else if (strcmp(state, "established") == 0) slot = &t->tcp_established;
		else if (strcmp(state, "closed") == 0) slot = &t->tcp_closed;
	} else if (strcmp(proto, "udp") == 0) {
		if (strcmp(state, "new") == 0) slot = &t->udp_new;
		else if (strcmp(state, "established") == 0) slot = &t->udp_established;
	} else if (strcmp(proto, "icmp") == 0) {
		if (strcmp(state, "new") == 0) slot = &t->icmp_new;
		else if (strcmp(state, "established") == 0) slot = &t->icmp_established;
	} else if (strcmp(proto, "other") == 0) {
		if (strcmp(state, "new") == 0) slot = &t->other_new;
		else if (strcmp(state, "established") == 0) slot = &t->other_established;
	}
	if (slot == NULL)
		return config_error(err, st, "no timeout '%s %s' (%s; "
		    "'closed' is for tcp only)", proto, state, usage);
	if (duration(st, st->argv[3], &ns, err) < 0)
		return -1;
	if (ns < 1000000000ull || ns / 1000000000ull > 30 * 86400)
		return config_error(err, st, "timeout must be from 1s to 30d");
	*slot = (uint32_t)(ns / 1000000000ull);
	return 1;
}

static int
scan_stmt(struct pipeline_config *cfg, const struct config_stmt *st,
    struct error *err)
{
	struct scan_config *sc = &cfg->scan;
	const char *what;
	uint64_t v, ns;
	int t;

	if (st->argc < 2 || st->has_block)
		return config_error(err, st, "usage: scan off | scan TYPE "
		    "N in DURATION | scan TYPE off|on | scan sources|episodes|"
		    "targets|ports-listed N");
	what = st->argv[1];
	if (st->argc == 2 && strcmp(what, "off") == 0) {
		cfg->scan_enabled = 0;
		return 1;
	}
	if (st->argc == 2 && strcmp(what, "on") == 0) {
		cfg->scan_enabled = 1;
		return 1;
	}
	if ((t = scan_type_parse(what)) >= 0) {
		if (st->argc == 3 && strcmp(st->argv[2], "off") == 0) {
			sc->t[t].enabled = 0;
			return 1;
		}
		if (st->argc == 3 && strcmp(st->argv[2], "on") == 0) {
			sc->t[t].enabled = 1;
			return 1;
		}
		if (st->argc != 5 || strcmp(st->argv[3], "in") != 0)
			return config_error(err, st, "usage: scan %s N in "
			    "DURATION | scan %s off", what, what);
		if (number(st, st->argv[2], 1, SCAN_MAX_THRESHOLD, &v, err) < 0 ||
		    duration(st, st->argv[4], &ns, err) < 0)
			return -1;
		sc->t[t].count = (uint32_t)v;
		sc->t[t].window_ns = ns;
		sc->t[t].enabled = 1;
		return 1;
	}
	if (st->argc != 3)
		return config_error(err, st, "unknown scan setting '%s' (types: "
		    "port syn fin null xmas udp ping smurf; bounds: sources "
		    "episodes targets ports-listed)", what);
	if (strcmp(what, "sources") == 0) {
		if (number(st, st->argv[2], 1, 1u << 24, &v, err) < 0)
			return -1;
		sc->max_sources = (uint32_t)v;
	} else if (strcmp(what, "episodes") == 0) {
		if (number(st, st->argv[2], 1, 1u << 20, &v, err) < 0)
			return -1;
		sc->max_episodes = (uint32_t)v;
	} else if (strcmp(what, "targets") == 0) {
		if (number(st, st->argv[2], 1, 65536, &v, err) < 0)
			return -1;
		sc->max_targets = (uint32_t)v;
	} else if (strcmp(what, "ports-listed") == 0) {
		if (number(st, st->argv[2], 0, 65536, &v, err) < 0)
			return -1;
		sc->max_ports_listed = (uint32_t)v;
	} else {
		return config_error(err, st, "unknown scan setting '%s'", what);
	}
	return 1;
}

static int
defrag_stmt(struct pipeline_config *cfg, const struct config_stmt *st,
    struct error *err)
{
	struct decoder_config *d = &cfg->decoder;
	uint64_t v;

	if (st->argc == 2 && strcmp(st->argv[1], "off") == 0) {
		d->defrag_enabled = 0;
		return 1;
	}
	if (st->argc == 2 && strcmp(st->argv[1], "on") == 0) {
		d->defrag_enabled = 1;
		return 1;
	}
	if (want_args(st, 3, "defrag off | defrag memory SIZE | defrag "
	    "datagrams N | defrag timeout DURATION", err) < 0)
		return -1;
	if (strcmp(st->argv[1], "memory") == 0) {
		if (parse_size(st->argv[2], &v) < 0 || v < (256u << 10) ||
		    v > (1ull << 34))
			return config_error(err, st, "'%s': expected a size "
			    "from 256K to 16G", st->argv[2]);
		d->defrag_max_bytes = (size_t)v;
	} else if (strcmp(st->argv[1], "datagrams") == 0) {
		if (number(st, st->argv[2], 1, 1u << 24, &v, err) < 0)
			return -1;
		d->defrag_max_datagrams = (uint32_t)v;
	} else if (strcmp(st->argv[1], "timeout") == 0) {
		if (duration(st, st->argv[2], &v, err) < 0)
			return -1;
		d->defrag_timeout_ns = v;
	} else {
		return config_error(err, st, "unknown defrag setting '%s'",
		    st->argv[1]);
	}
	return 1;
}

int
pipeline_config_statement(struct pipeline_config *cfg,
    const struct config_stmt *st, struct error *err)
{
	const char *kw = st->argc > 0 ? st->argv[0] : "";
	uint64_t v;

	if (strcmp(kw, "flows") == 0) {
		if (want_args(st, 3, "flows max N", err) < 0)
			return -1;
		if (strcmp(st->argv[1], "max") != 0)
			return config_error(err, st, "usage: flows max N");
		if (number(st, st->argv[2], 1, 1u << 26, &v, err) < 0)
			return -1;
		cfg->flow.max_flows = (uint32_t)v;
		return 1;
	}
	if (strcmp(kw, "timeout") == 0)
		return timeout_stmt(cfg, st, err);
	if (strcmp(kw, "community-id") == 0) {
		if (want_args(st, 3, "community-id seed N", err) < 0 ||
		    strcmp(st->argv[1], "seed") != 0)
			return config_error(err, st, "usage: community-id seed N");
		if (number(st, st->argv[2], 0, 65535, &v, err) < 0)
			return -1;
		cfg->flow.community_id_seed = (uint16_t)v;
		return 1;
	}
	if (strcmp(kw, "scan") == 0)
		return scan_stmt(cfg, st, err);
	if (strcmp(kw, "defrag") == 0)
		return defrag_stmt(cfg, st, err);
	if (strcmp(kw, "talkers") == 0) {
		if (want_args(st, 2, "talkers N", err) < 0 ||
		    number(st, st->argv[1], 1, 1u << 24, &v, err) < 0)
			return -1;
		cfg->max_talkers = (uint32_t)v;
		return 1;
	}
	return 0;
}

int
pipeline_config_load(struct pipeline_config *cfg, const char *path,
    struct error *err)
{
	struct config *c;
	int r = 0;

	if (config_load(path, &c, err) < 0)
		return -1;
	for (int i = 0; i < c->nstmts && r == 0; i++) {
		int used = pipeline_config_statement(cfg, &c->stmts[i], err);

		if (used < 0)
			r = -1;
		else if (used == 0)
			r = config_error(err, &c->stmts[i], "unknown statement "
			    "'%s'", c->stmts[i].argv[0]);
	}
	config_free(c);
	return r;
}
