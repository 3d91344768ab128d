/* summary: apiary-gw's configuration: parse and check the gateway config file. */
#include "gw/gwconf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "core/cpuset.h"
#include "core/timefmt.h"
#include "core/units.h"

/* Bounds on what one config may declare (the policy is scanned per frame). */
#define GW_MAX_HONEYPOTS 4096
#define GW_MAX_RULES 4096

#define EXPECTED_STMTS "honeynet-interface, uplink-interface, " \
	"management-interface, honeypot, allow, fence, block, pass, mode, " \
	"user, capture, eve-log, conn-log, stats, flow-table, fragment-table, " \
	"drop-log, ring-frames, tx-thread, cpu-affinity, offloads, inspect, " \
	"sessions or ids-rules, ids-var, ids-classification"

static int
want_args(const struct config_stmt *st, int min, int max, const char *usage,
    struct error *err)
{
	if (st->argc < min || st->argc > max)
		return config_error(err, st, "expected '%s'", usage);
	if (st->has_block)
		return config_error(err, st, "'%s' takes no { block }",
		    st->argv[0]);
	return 0;
}

/* "KEY YES|NO": *out = 1 or 0. */
static int
choice(const struct config_stmt *st, const char *yes, const char *no, int *out,
    struct error *err)
{
	char usage[64];

	snprintf(usage, sizeof(usage), "%s %s|%s", st->argv[0], yes, no);
	if (want_args(st, 2, 2, usage, err) == -1)
		return -1;
	if (strcmp(st->argv[1], yes) == 0)
		*out = 1;
	else if (strcmp(st->argv[1], no) == 0)
		*out = 0;
	else
		return config_error(err, st, "expected '%s' or '%s'", yes, no);
	return 0;
}

static int
set_ifname(const struct config_stmt *st, char *dst, struct error *err)
{
	const char *name;

	if (want_args(st, 2, 2, "honeynet-interface|uplink-interface|"
	    "management-interface NAME", err) == -1)
		return -1;
	name = st->argv[1];
	if (strlen(name) == 0 || strlen(name) >= IF_NAMESIZE ||
	    strchr(name, '/') != NULL)
		return config_error(err, st, "interface name '%s': expected "
		    "1 to %d characters", name, IF_NAMESIZE - 1);
	if (dst[0] != '\0')
		return config_error(err, st, "'%s' given twice", st->argv[0]);
	strcpy(dst, name);
	return 0;
}

static int
set_string(const struct config_stmt *st, char **dst, const char *usage,
    struct error *err)
{
	if (want_args(st, 2, 2, usage, err) == -1)
		return -1;
	if (*dst != NULL)
		return config_error(err, st, "'%s' given twice", st->argv[0]);
	if ((*dst = strdup(st->argv[1])) == NULL)
		return config_error(err, st, "out of memory");
	return 0;
}

static int
parse_proto_word(const char *w, int *proto)
{
	uint64_t v;

	if (strcasecmp(w, "tcp") == 0)
		*proto = 6;
	else if (strcasecmp(w, "udp") == 0)
		*proto = 17;
	else if (strcasecmp(w, "icmp") == 0)
		*proto = 1;
	else if (strcasecmp(w, "icmp6") == 0 || strcasecmp(w, "ipv6-icmp") == 0)
		*proto = 58;
	else if (strcasecmp(w, "gre") == 0)
		*proto = 47;
	else if (strcasecmp(w, "any") == 0)
		*proto = -1;
	else if (parse_uint(w, 0, 255, &v) == 0)
		*proto = (int)v;
	else
		return -1;
	return 0;
}

static int
parse_ports(const char *w, uint16_t *lo, uint16_t *hi)
{
	char tmp[32], *dash;
	uint64_t a, b;

	if (strlen(w) >= sizeof(tmp))
		return -1;
	strcpy(tmp, w);
	dash = strchr(tmp, '-');
	if (dash != NULL)
		*dash++ = '\0';
	if (parse_uint(tmp, 1, 65535, &a) == -1)
		return -1;
	b = a;
	if (dash != NULL && parse_uint(dash, a, 65535, &b) == -1)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int
parse_addr_word(const char *w, struct prefix *p)
{
	if (strcasecmp(w, "any") == 0) {
		memset(p, 0, sizeof(*p));
		return 0;
	}
	return prefix_parse(w, p);
}

static int
add_rule(struct control_policy *pol, const struct control_rule *r,
    const struct config_stmt *st, struct error *err)
{
	struct control_rule *n;

	if (pol->nrules == GW_MAX_RULES)
		return config_error(err, st, "more than %d list entries",
		    GW_MAX_RULES);
	n = realloc(pol->rules, (pol->nrules + 1) * sizeof(*n));
	if (n == NULL)
		return config_error(err, st, "out of memory");
	pol->rules = n;
	pol->rules[pol->nrules++] = *r;
	return 0;
}

/* allow|fence out [PROTO] [to ADDR|CIDR|any] [port N[-M]] */
static int
parse_out_rule(const struct config_stmt *st, struct control_policy *pol,
    enum control_rule_kind kind, struct error *err)
{
	const char *usage = kind == CONTROL_RULE_ALLOW ?
	    "allow out [PROTO] [to ADDR|CIDR|any] [port N[-M]]" :
	    "fence out [PROTO] [to ADDR|CIDR|any] [port N[-M]]";
	struct control_rule r;
	int i = 2;

	if (want_args(st, 3, 7, usage, err) == -1)
		return -1;
	if (strcmp(st->argv[1], "out") != 0)
		return config_error(err, st, "expected 'out' after '%s', got "
		    "'%s' (inbound is never limited)", st->argv[0], st->argv[1]);
	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.proto = -1;
	if (i < st->argc && strcmp(st->argv[i], "to") != 0 &&
	    strcmp(st->argv[i], "port") != 0) {
		if (parse_proto_word(st->argv[i], &r.proto) == -1)
			return config_error(err, st, "protocol '%s': expected "
			    "tcp, udp, icmp, icmp6, any or a number",
			    st->argv[i]);
		i++;
	}
	if (i < st->argc && strcmp(st->argv[i], "to") == 0) {
		if (i + 1 >= st->argc)
			return config_error(err, st, "expected an address, "
			    "CIDR or 'any' after 'to'");
		if (parse_addr_word(st->argv[i + 1], &r.addr) == -1)
			return config_error(err, st, "address '%s': expected "
			    "an IPv4/IPv6 address, CIDR or 'any'",
			    st->argv[i + 1]);
		i += 2;
	}
	if (i < st->argc && strcmp(st->argv[i], "port") == 0) {
		if (i + 1 >= st->argc)
			return config_error(err, st, "expected a port after "
			    "'port'");
		if (r.proto != 6 && r.proto != 17)
			return config_error(err, st, "'port' needs protocol "
			    "tcp or udp");
		if (parse_ports(st->argv[i + 1], &r.port_lo, &r.port_hi) == -1)
			return config_error(err, st, "port '%s': expected "
			    "N or N-M in 1..65535", st->argv[i + 1]);
		i += 2;
	}
	if (i != st->argc)
		return config_error(err, st, "unexpected '%s': expected '%s'",
		    st->argv[i], usage);
	if (r.addr.addr.family == 0 && r.proto == -1 && r.port_hi == 0 &&
	    kind == CONTROL_RULE_ALLOW)
		return config_error(err, st, "'allow out' with nothing to "
		    "match would lift every limit; name a protocol, address "
		    "or port");
	return add_rule(pol, &r, st, err);
}

/* block|pass ADDR|CIDR */
static int
parse_list_rule(const struct config_stmt *st, struct control_policy *pol,
    enum control_rule_kind kind, struct error *err)
{
	struct control_rule r;

	if (want_args(st, 2, 2, kind == CONTROL_RULE_BLOCK ?
	    "block ADDR|CIDR" : "pass ADDR|CIDR", err) == -1)
		return -1;
	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.proto = -1;
	if (prefix_parse(st->argv[1], &r.addr) == -1)
		return config_error(err, st, "address '%s': expected an "
		    "IPv4/IPv6 address or CIDR", st->argv[1]);
	return add_rule(pol, &r, st, err);
}

static int
parse_limit(const struct config_stmt *st, struct control_honeypot *hp,
    struct error *err)
{
	static const char *const names[CONTROL_NPROTO] = { "tcp", "udp",
		"icmp", "other" };
	const char *usage = "limit tcp|udp|icmp|other RATE|none [burst N]";
	struct control_limit *l;
	int p;

	if (st->argc != 3 && st->argc != 5)
		return config_error(err, st, "expected '%s'", usage);
	for (p = 0; p < CONTROL_NPROTO; p++)
		if (strcasecmp(st->argv[1], names[p]) == 0)
			break;
	if (p == CONTROL_NPROTO)
		return config_error(err, st, "protocol '%s': expected tcp, "
		    "udp, icmp or other", st->argv[1]);
	l = &hp->limit[p];
	memset(l, 0, sizeof(*l));
	if (strcasecmp(st->argv[2], "none") == 0) {
		l->unlimited = 1;
		l->window_ns = 3600 * NSEC_PER_SEC;
	} else if (parse_rate(st->argv[2], &l->count, &l->window_ns) == -1 ||
	    l->count > 1000000) {
		return config_error(err, st, "rate '%s': expected N/second, "
		    "N/minute, N/hour or N/day (N <= 1000000) or 'none'",
		    st->argv[2]);
	}
	l->burst = l->count;
	if (st->argc == 5) {
		if (strcmp(st->argv[3], "burst") != 0 ||
		    parse_uint(st->argv[4], 1, 1000000, &l->burst) == -1)
			return config_error(err, st, "expected 'burst N' "
			    "(1..1000000) after the rate");
	}
	return 0;
}

static int
parse_honeypot(const struct config_stmt *st, struct control_policy *pol,
    struct error *err)
{
	struct control_honeypot hp, *n;

	if (st->argc != 2)
		return config_error(err, st, "expected 'honeypot ADDR|CIDR "
		    "[{ limit ...; bandwidth ... }]'");
	control_honeypot_defaults(&hp);
	if (prefix_parse(st->argv[1], &hp.net) == -1)
		return config_error(err, st, "honeypot '%s': expected an "
		    "IPv4/IPv6 address or CIDR", st->argv[1]);
	for (size_t i = 0; i < pol->nhoneypots; i++) {
		const struct prefix *o = &pol->honeypots[i].net;

		if (prefix_contains(o, &hp.net.addr) ||
		    prefix_contains(&hp.net, &o->addr))
			return config_error(err, st, "honeypot '%s' overlaps "
			    "an earlier honeypot", st->argv[1]);
	}
	for (int i = 0; i < st->nchildren; i++) {
		const struct config_stmt *c = &st->children[i];

		if (c->has_block)
			return config_error(err, c, "'%s' takes no { block }",
			    c->argv[0]);
		if (strcmp(c->argv[0], "limit") == 0) {
			if (parse_limit(c, &hp, err) == -1)
				return -1;
		} else if (strcmp(c->argv[0], "bandwidth") == 0) {
			if ((c->argc != 2 && c->argc != 4) ||
			    parse_bitrate(c->argv[1], &hp.bandwidth_bps) == -1 ||
			    hp.bandwidth_bps == 0)
				return config_error(err, c, "expected 'bandwidth "
				    "RATE [burst SIZE]' with RATE like 1mbit, "
				    "500kbit");
			if (c->argc == 4 && (strcmp(c->argv[2], "burst") != 0 ||
			    parse_size(c->argv[3], &hp.bandwidth_burst) == -1 ||
			    hp.bandwidth_burst < 2048))
				return config_error(err, c, "expected 'burst "
				    "SIZE' (at least 2K) after the rate");
		} else {
			return config_error(err, c, "unknown honeypot setting "
			    "'%s': expected 'limit' or 'bandwidth'", c->argv[0]);
		}
	}
	if (pol->nhoneypots == GW_MAX_HONEYPOTS)
		return config_error(err, st, "more than %d honeypots",
		    GW_MAX_HONEYPOTS);
	n = realloc(pol->honeypots, (pol->nhoneypots + 1) * sizeof(*n));
	if (n == NULL)
		return config_error(err, st, "out of memory");
	pol->honeypots = n;
	pol->honeypots[pol->nhoneypots++] = hp;
	return 0;
}

/* capture DIR [rotate SIZE] [every DURATION] [keep N] [keep-size SIZE]
 *             [snaplen N] [buffer SIZE] */
static int
parse_capture(const struct config_stmt *st, struct gw_config *gc,
    struct error *err)
{
	const char *usage = "capture DIR [rotate SIZE] [every DURATION] "
	    "[keep N] [keep-size SIZE] [snaplen N] [buffer SIZE]";

	if (st->argc < 2 || st->argc % 2 != 0 || st->has_block)
		return config_error(err, st, "expected '%s'", usage);
	if (gc->capture_dir != NULL)
		return config_error(err, st, "'capture' given twice");
	if ((gc->capture_dir = strdup(st->argv[1])) == NULL)
		return config_error(err, st, "out of memory");
	for (int i = 2; i < st->argc; i += 2) {
		const char *k = st->argv[i], *v = st->argv[i + 1];

		if (strcmp(k, "rotate") == 0) {
			if (parse_size(v, &gc->capture_rotate_bytes) == -1 ||
			    gc->capture_rotate_bytes < 4096)
				return config_error(err, st, "rotate '%s': "
				    "expected a size of at least 4K like 100M", v);
		} else if (strcmp(k, "every") == 0) {
			if (parse_duration(v, &gc->capture_rotate_ns) == -1 ||
			    gc->capture_rotate_ns < NSEC_PER_SEC)
				return config_error(err, st, "every '%s': "
				    "expected a duration of at least 1s like 1h", v);
		} else if (strcmp(k, "keep") == 0) {
			if (parse_uint(v, 1, 1000000, &gc->capture_keep_files) == -1)
				return config_error(err, st, "keep '%s': "
				    "expected a number of files 1..1000000", v);
		} else if (strcmp(k, "keep-size") == 0) {
			if (parse_size(v, &gc->capture_keep_bytes) == -1 ||
			    gc->capture_keep_bytes < 4096)
				return config_error(err, st, "keep-size '%s': "
				    "expected a size like 20G", v);
		} else if (strcmp(k, "snaplen") == 0) {
			if (parse_uint(v, 64, 262144, &gc->capture_snaplen) == -1)
				return config_error(err, st, "snaplen '%s': "
				    "expected 64..262144", v);
		} else if (strcmp(k, "buffer") == 0) {
			if (parse_size(v, &gc->capture_buffer) == -1 ||
			    gc->capture_buffer < (1u << 20) ||
			    gc->capture_buffer > (1ull << 32))
				return config_error(err, st, "buffer '%s': "
				    "expected a size from 1M to 4G", v);
		} else {
			return config_error(err, st, "unknown capture option "
			    "'%s': expected '%s'", k, usage);
		}
	}
	return 0;
}

static const char *const thread_names[GW_NTHREADS] = {
	"forward", "tx-honeynet", "tx-uplink", "capture"
};

const char *
gwconf_thread_name(enum gw_thread t)
{
	return (unsigned)t < GW_NTHREADS ? thread_names[t] : "?";
}

/* cpu-affinity forward|tx-honeynet|tx-uplink|capture LIST */
static int
cpu_affinity(const struct config_stmt *st, struct gw_config *gc,
    struct error *err)
{
	struct error e;
	int t;

	if (want_args(st, 3, 3, "cpu-affinity forward|tx-honeynet|tx-uplink|"
	    "capture CPU-LIST", err) == -1)
		return -1;
	for (t = 0; t < GW_NTHREADS; t++)
		if (strcmp(st->argv[1], thread_names[t]) == 0)
			break;
	if (t == GW_NTHREADS)
		return config_error(err, st, "thread '%s': expected forward, "
		    "tx-honeynet, tx-uplink or capture", st->argv[1]);
	if (cpuset_parse(st->argv[2], &gc->cpu[t].cpus, &e) == -1)
		return config_error(err, st, "%s", e.msg);
	gc->cpu[t].set = 1;
	return 0;
}

static int
parse_stmt(const struct config_stmt *st, struct gw_config *gc,
    struct error *err)
{
	struct control_policy *pol = &gc->policy;
	const char *k;

	if (st->argc == 0)
		return config_error(err, st, "expected a statement");
	k = st->argv[0];
	if (strcmp(k, "honeynet-interface") == 0)
		return set_ifname(st, gc->honeynet_if, err);
	if (strcmp(k, "uplink-interface") == 0)
		return set_ifname(st, gc->uplink_if, err);
	if (strcmp(k, "management-interface") == 0)
		return set_ifname(st, gc->management_if, err);
	if (strcmp(k, "honeypot") == 0)
		return parse_honeypot(st, pol, err);
	if (strcmp(k, "allow") == 0)
		return parse_out_rule(st, pol, CONTROL_RULE_ALLOW, err);
	if (strcmp(k, "fence") == 0)
		return parse_out_rule(st, pol, CONTROL_RULE_FENCE, err);
	if (strcmp(k, "block") == 0)
		return parse_list_rule(st, pol, CONTROL_RULE_BLOCK, err);
	if (strcmp(k, "pass") == 0)
		return parse_list_rule(st, pol, CONTROL_RULE_PASS, err);
	if (strcmp(k, "mode") == 0) {
		if (want_args(st, 2, 2, "mode normal|lockdown", err) == -1)
			return -1;
		if (strcmp(st->argv[1], "normal") == 0)
			pol->lockdown = 0;
		else if (strcmp(st->argv[1], "lockdown") == 0)
			pol->lockdown = 1;
		else
			return config_error(err, st, "mode '%s': expected "
			    "normal or lockdown", st->argv[1]);
		return 0;
	}
	if (strcmp(k, "user") == 0)
		return set_string(st, &gc->user, "user NAME", err);
	if (strcmp(k, "capture") == 0)
		return parse_capture(st, gc, err);
	if (strcmp(k, "eve-log") == 0)
		return set_string(st, &gc->eve_log, "eve-log FILE", err);
	if (strcmp(k, "conn-log") == 0)
		return set_string(st, &gc->conn_log, "conn-log FILE", err);
	if (strcmp(k, "stats") == 0) {
		if (want_args(st, 3, 3, "stats interval DURATION|off", err) == -1)
			return -1;
		if (strcmp(st->argv[1], "interval") != 0)
			return config_error(err, st, "expected 'interval' after "
			    "'stats'");
		if (strcmp(st->argv[2], "off") == 0) {
			gc->stats_interval_ns = 0;
			return 0;
		}
		if (parse_duration(st->argv[2], &gc->stats_interval_ns) == -1 ||
		    gc->stats_interval_ns < NSEC_PER_SEC)
			return config_error(err, st, "interval '%s': expected "
			    "a duration of at least 1s, or 'off'", st->argv[2]);
		return 0;
	}
	if (strcmp(k, "flow-table") == 0 || strcmp(k, "fragment-table") == 0) {
		uint64_t v;
		int flow = k[1] == 'l';

		if (want_args(st, 3, 3, flow ? "flow-table max N" :
		    "fragment-table max N", err) == -1)
			return -1;
		if (strcmp(st->argv[1], "max") != 0 ||
		    parse_uint(st->argv[2], 16, flow ? (1u << 24) : (1u << 20),
		    &v) == -1)
			return config_error(err, st, "expected '%s max N' with "
			    "N in 16..%u", k, flow ? (1u << 24) : (1u << 20));
		if (flow)
			pol->max_conns = (size_t)v;
		else
			pol->max_frags = (size_t)v;
		return 0;
	}
	if (strcmp(k, "drop-log") == 0) {
		if (want_args(st, 2, 2, "drop-log RATE", err) == -1)
			return -1;
		if (parse_rate(st->argv[1], &pol->drop_log_count,
		    &pol->drop_log_window_ns) == -1 || pol->drop_log_count == 0 ||
		    pol->drop_log_count > 100000)
			return config_error(err, st, "rate '%s': expected N/second "
			    "etc. with N in 1..100000", st->argv[1]);
		return 0;
	}
	if (strcmp(k, "ring-frames") == 0) {
		if (want_args(st, 2, 2, "ring-frames N", err) == -1)
			return -1;
		if (parse_uint(st->argv[1], 64, 1u << 18, &gc->ring_frames) == -1)
			return config_error(err, st, "ring-frames '%s': expected "
			    "64..262144", st->argv[1]);
		return 0;
	}
	if (strcmp(k, "tx-thread") == 0)
		return choice(st, "on", "off", &gc->tx_thread, err);
	if (strcmp(k, "cpu-affinity") == 0)
		return cpu_affinity(st, gc, err);
	if (strcmp(k, "offloads") == 0)
		return choice(st, "keep", "off", &gc->offloads_keep, err);
	if (strcmp(k, "sessions") == 0)
		return set_string(st, &gc->sessions_dir, "sessions DIR", err);
	if (strcmp(k, "inspect") == 0)
		return choice(st, "on", "off", &gc->inspect, err);
	{
		int r = detect_config_statement(&gc->ids, st, err);

		if (r != 0)
			return r < 0 ? -1 : 0;
	}
	return config_error(err, st, "unknown statement '%s': expected %s", k,
	    EXPECTED_STMTS);
}

void
gwconf_free(struct gw_config *gc)
{
	control_policy_free(&gc->policy);
	free(gc->user);
	free(gc->capture_dir);
	free(gc->eve_log);
	free(gc->conn_log);
	free(gc->sessions_dir);
	detect_stage_config_clear(&gc->ids);
	memset(gc, 0, sizeof(*gc));
}

int
gwconf_from_config(const struct config *cfg, struct gw_config *gc,
    struct error *err)
{
	memset(gc, 0, sizeof(*gc));
	gc->policy.max_conns = 65536;
	gc->policy.max_frags = 4096;
	gc->policy.drop_log_count = 10;
	gc->policy.drop_log_window_ns = NSEC_PER_SEC;
	gc->capture_buffer = 64u << 20;
	gc->capture_snaplen = 65535;
	gc->stats_interval_ns = 60 * NSEC_PER_SEC;
	gc->ring_frames = 4096;
	/* a second CPU takes the send(2) calls (src/io/afpacket_tx.h) */
	gc->tx_thread = sysconf(_SC_NPROCESSORS_ONLN) > 1;
	for (int i = 0; i < cfg->nstmts; i++)
		if (parse_stmt(&cfg->stmts[i], gc, err) == -1)
			goto fail;
	if (gc->honeynet_if[0] == '\0' || gc->uplink_if[0] == '\0') {
		error_set(err, "%s: expected both 'honeynet-interface' and "
		    "'uplink-interface'", cfg->path);
		goto fail;
	}
	if (strcmp(gc->honeynet_if, gc->uplink_if) == 0) {
		error_set(err, "%s: honeynet-interface and uplink-interface are "
		    "both '%s'", cfg->path, gc->honeynet_if);
		goto fail;
	}
	if (gc->management_if[0] != '\0' &&
	    (strcmp(gc->management_if, gc->honeynet_if) == 0 ||
	    strcmp(gc->management_if, gc->uplink_if) == 0)) {
		error_set(err, "%s: management-interface '%s' must not be a "
		    "bridged interface", cfg->path, gc->management_if);
		goto fail;
	}
	if (gc->policy.nhoneypots == 0) {
		error_set(err, "%s: expected at least one 'honeypot' statement",
		    cfg->path);
		goto fail;
	}
	return 0;
fail:
	gwconf_free(gc);
	return -1;
}

int
gwconf_load(const char *path, struct gw_config *gc, struct error *err)
{
	struct config *cfg;
	int rc;

	memset(gc, 0, sizeof(*gc));
	if (config_load(path, &cfg, err) == -1)
		return -1;
	rc = gwconf_from_config(cfg, gc, err);
	config_free(cfg);
	return rc;
}
