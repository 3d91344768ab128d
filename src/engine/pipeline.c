/* summary: the packet pipeline: decode -> flow -> scan -> stages -> outputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "engine/pipeline.h"
#include "output/connlog.h"
#include "output/eve.h"

/*
 * Plain function calls over one struct packet that lives in the pipeline
 * and is reused for every frame: no allocation per packet.  The flow end
 * callback is where ended flows become output (EVE flow, conn.log) and are
 * added to the summary; the scan emit callback does the same for scan
 * episodes.
 *
 * The summary counts bytes per address ("top talkers") at flow end, not
 * per packet, so its cost is per flow.  Its memory is bounded: at most
 * max_talkers addresses (default 65536, ~6 MB at the bound); the flows of
 * further addresses are only counted in talkers_untracked.
 */

struct talker_slot {
	struct pipeline_talker t;
	int used;
};

struct stage {
	char name[32];
	pipeline_stage_fn fn;
	void *ctx;
};

struct pipeline {
	struct pipeline_config cfg;
	struct decoder *dec;
	struct flow_table *ft;
	struct scan *scan;
	struct eve *eve;
	struct connlog *cl;
	struct stage stages[PIPELINE_MAX_STAGES];
	int nstages;
	struct packet pkt;
	uint64_t next_tick_ns;
	struct pipeline_summary sum;
	struct talker_slot *talkers;
	size_t talker_slots, ntalkers;
	uint64_t talker_seed;
	struct pipeline_scan scans[PIPELINE_SCANS_KEPT];
	size_t nscans;
	int out_failed;
	char out_err[512];
	struct prefix *honeynet;	/* pipeline_set_honeynet() */
	size_t nhoneynet;
};

void
pipeline_config_default(struct pipeline_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->decoder = decoder_config_default();
	flow_config_default(&cfg->flow);
	scan_config_default(&cfg->scan);
	cfg->scan_enabled = 1;
	cfg->max_talkers = 65536;
}

int
pipeline_linktype_supported(int linktype)
{
	return decode_linktype_supported(linktype);
}

const char *
pipeline_proto_name(enum pipeline_proto p)
{
	static const char *const names[PP_COUNT] = {
		"TCP", "UDP", "ICMP", "IPv6-ICMP", "other",
	};

	return (unsigned)p < PP_COUNT ? names[p] : "?";
}

static void
out_failed(struct pipeline *pl, const char *what, const char *msg)
{
	if (pl->out_failed)
		return;
	pl->out_failed = 1;
	snprintf(pl->out_err, sizeof(pl->out_err), "%s: %s", what,
	    msg ? msg : "write failed");
}

/* ---- top talkers ------------------------------------------------------ */

static size_t
talker_hash(const struct pipeline *pl, const struct addr *a)
{
	uint64_t w[2], h = pl->talker_seed;

	memcpy(w, a->b, sizeof(w));
	h ^= w[0] * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 31)) * 0xbf58476d1ce4e5b9ull;
	h ^= w[1] + a->family;
	h = (h ^ (h >> 29)) * 0x94d049bb133111ebull;
	return (size_t)(h ^ (h >> 32));
}

static int
talkers_grow(struct pipeline *pl)
{
	size_t n = pl->talker_slots ? pl->talker_slots * 2 : 1024;
	struct talker_slot *t = calloc(n, sizeof(*t));

	if (t == NULL)
		return -1;
	for (size_t i = 0; i < pl->talker_slots; i++) {
		size_t j;

		if (!pl->talkers[i].used)
			continue;
		j = talker_hash(pl, &pl->talkers[i].t.addr) & (n - 1);
		while (t[j].used)
			j = (j + 1) & (n - 1);
		t[j] = pl->talkers[i];
	}
	free(pl->talkers);
	pl->talkers = t;
	pl->talker_slots = n;
	return 0;
}

static void
talker_add(struct pipeline *pl, const struct addr *a, uint64_t bytes,
    uint64_t pkts)
{
	size_t i;

	if (pl->talker_slots == 0 ||
	    (pl->ntalkers + 1) * 2 > pl->talker_slots) {
		if (pl->ntalkers >= pl->cfg.max_talkers || talkers_grow(pl) < 0)
			goto lookup_only;
	}
	i = talker_hash(pl, a) & (pl->talker_slots - 1);
	while (pl->talkers[i].used) {
		if (memcmp(&pl->talkers[i].t.addr, a, sizeof(*a)) == 0)
			goto add;
		i = (i + 1) & (pl->talker_slots - 1);
	}
	if (pl->ntalkers >= pl->cfg.max_talkers) {
		pl->sum.talkers_untracked++;
		return;
	}
	pl->talkers[i].used = 1;
	pl->talkers[i].t.addr = *a;
	pl->ntalkers++;
	goto add;
lookup_only:
	if (pl->talker_slots == 0) {
		pl->sum.talkers_untracked++;
		return;
	}
	i = talker_hash(pl, a) & (pl->talker_slots - 1);
	while (pl->talkers[i].used) {
		if (memcmp(&pl->talkers[i].t.addr, a, sizeof(*a)) == 0)
			goto add;
		i = (i + 1) & (pl->talker_slots - 1);
	}
	pl->sum.talkers_untracked++;
	return;
add:
	pl->talkers[i].t.bytes += bytes;
	pl->talkers[i].t.pkts += pkts;
	pl->talkers[i].t.flows++;
}

size_t
pipeline_top_talkers(const struct pipeline *pl, struct pipeline_talker *out,
    size_t n)
{
	size_t got = 0;

	/* Insertion into a sorted array of n: fine for a summary's top 10. */
	for (size_t i = 0; i < pl->talker_slots; i++) {
		const struct pipeline_talker *t = &pl->talkers[i].t;
		size_t j;

		if (!pl->talkers[i].used)
			continue;
		if (got == n && (n == 0 || t->bytes <= out[n - 1].bytes))
			continue;
		j = got < n ? got++ : n - 1;
		while (j > 0 && out[j - 1].bytes < t->bytes) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = *t;
	}
	return got;
}

/* ---- callbacks -------------------------------------------------------- */

static enum pipeline_proto
proto_of(uint8_t proto)
{
	switch (proto) {
	case 6: return PP_TCP;
	case 17: return PP_UDP;
	case 1: return PP_ICMP;
	case 58: return PP_ICMPV6;
	default: return PP_OTHER;
	}
}

static int
in_honeynet(const struct pipeline *pl, const struct addr *a)
{
	for (size_t i = 0; i < pl->nhoneynet; i++)
		if (prefix_contains(&pl->honeynet[i], a))
			return 1;
	return 0;
}

static enum eve_flow_direction
honeynet_direction(const struct pipeline *pl, const struct flow *f)
{
	int src, dst;

	if (pl->nhoneynet == 0)
		return EVE_DIR_NONE;
	src = in_honeynet(pl, &f->src);
	dst = in_honeynet(pl, &f->dst);
	if (src == dst)
		return EVE_DIR_NONE;
	return src ? EVE_DIR_OUTBOUND : EVE_DIR_INBOUND;
}

static void
on_flow_end(void *ctx, struct flow *f)
{
	struct pipeline *pl = ctx;
	enum pipeline_proto pp = proto_of(f->proto);
	uint64_t pkts = f->pkts[0] + f->pkts[1];
	uint64_t bytes = f->bytes[0] + f->bytes[1];

	pl->sum.proto[pp].flows++;
	pl->sum.proto[pp].pkts += pkts;
	pl->sum.proto[pp].bytes += bytes;
	talker_add(pl, &f->src, bytes, pkts);
	talker_add(pl, &f->dst, bytes, pkts);
	if (pl->eve != NULL &&
	    eve_write_flow(pl->eve, f, f->last_ns, honeynet_direction(pl, f)) < 0)
		out_failed(pl, "eve", eve_error(pl->eve));
	if (pl->cl != NULL && connlog_write(pl->cl, f) < 0)
		out_failed(pl, "conn.log", "write failed");
}

static void
on_scan(void *ctx, const struct scan_episode *ep)
{
	struct pipeline *pl = ctx;

	if (pl->nscans < PIPELINE_SCANS_KEPT) {
		struct pipeline_scan *s = &pl->scans[pl->nscans++];

		s->type = ep->type;
		s->src = ep->src;
		s->src_prefix = ep->src_prefix;
		if (ep->ntargets > 0)
			s->target = ep->targets[0];
		s->targets_count = ep->targets_count;
		s->ports_count = ep->ports_count;
		s->packets = ep->packets;
		s->first_ns = ep->first_ns;
		s->last_ns = ep->last_ns;
	}
	if (pl->eve != NULL) {
		struct json *j = eve_begin(pl->eve, "scan", ep->last_ns, NULL,
		    NULL);

		scan_episode_json(ep, j, pl->cfg.scan.max_ports_listed);
		if (eve_end(pl->eve) < 0)
			out_failed(pl, "eve", eve_error(pl->eve));
	}
}

/* ---- life cycle ------------------------------------------------------- */

struct pipeline *
pipeline_new(const struct pipeline_config *cfg, struct error *err)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));

	if (pl == NULL) {
		error_errno(err, "pipeline");
		return NULL;
	}
	pl->cfg = *cfg;
	pl->cfg.eve_path = pl->cfg.connlog_path = NULL;	/* not kept */
	pl->talker_seed = (uint64_t)(uintptr_t)pl * 0x9e3779b97f4a7c15ull;
	if ((pl->dec = decoder_new(&cfg->decoder, err)) == NULL)
		goto fail;
	if ((pl->ft = flow_table_new(&cfg->flow, err)) == NULL)
		goto fail;
	flow_table_set_end_callback(pl->ft, on_flow_end, pl);
	if (cfg->scan_enabled &&
	    (pl->scan = scan_new(&cfg->scan, on_scan, pl, err)) == NULL)
		goto fail;
	if (cfg->eve_path != NULL &&
	    (pl->eve = eve_open(cfg->eve_path, err)) == NULL)
		goto fail;
	if (cfg->connlog_path != NULL &&
	    (pl->cl = (cfg->connlog_append ? connlog_open_append :
	    connlog_open)(cfg->connlog_path, time_now_ns(), err)) == NULL)
		goto fail;
	return pl;
fail:
	pipeline_free(pl);
	return NULL;
}

void
pipeline_free(struct pipeline *pl)
{
	struct error err;

	if (pl == NULL)
		return;
	/* Flows still open are dropped without output: no callback. */
	if (pl->ft != NULL) {
		flow_table_set_end_callback(pl->ft, NULL, NULL);
		flow_table_free(pl->ft);
	}
	scan_free(pl->scan);
	decoder_free(pl->dec);
	if (pl->eve != NULL)
		(void)eve_close(pl->eve, &err);
	if (pl->cl != NULL)
		(void)connlog_close(pl->cl, time_now_ns(), &err);
	free(pl->talkers);
	free(pl->honeynet);
	free(pl);
}

int
pipeline_set_honeynet(struct pipeline *pl, const struct prefix *nets,
    size_t n, struct error *err)
{
	struct prefix *p;

	if (n > PIPELINE_MAX_HONEYNET)
		return error_set(err, "pipeline: more than %d honeynet prefixes",
		    PIPELINE_MAX_HONEYNET);
	if ((p = malloc((n ? n : 1) * sizeof(*p))) == NULL)
		return error_errno(err, "pipeline");
	if (n)
		memcpy(p, nets, n * sizeof(*p));
	/* conn.log's bound is lower: past it, local_* stay "-" */
	if (pl->cl != NULL && n <= 1024 &&
	    connlog_set_local_nets(pl->cl, nets, n, err) < 0) {
		free(p);
		return -1;
	}
	free(pl->honeynet);
	pl->honeynet = p;
	pl->nhoneynet = n;
	return 0;
}

int
pipeline_add_stage(struct pipeline *pl, const char *name,
    pipeline_stage_fn fn, void *ctx, struct error *err)
{
	struct stage *s;

	if (pl->nstages >= PIPELINE_MAX_STAGES)
		return error_set(err, "pipeline: more than %d stages",
		    PIPELINE_MAX_STAGES);
	s = &pl->stages[pl->nstages++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->fn = fn;
	s->ctx = ctx;
	return 0;
}

void
pipeline_tick(struct pipeline *pl, uint64_t now_ns)
{
	flow_table_expire(pl->ft, now_ns, 0);
	if (pl->scan != NULL)
		scan_tick(pl->scan, now_ns);
	pl->next_tick_ns = now_ns + 1000000000ull;
}

enum pipeline_verdict
pipeline_frame(struct pipeline *pl, int linktype, const uint8_t *data,
    uint32_t caplen, uint32_t wirelen, uint64_t ts_ns)
{
	struct packet *p = &pl->pkt;
	enum pipeline_verdict v = PIPELINE_PASS;

	if (ts_ns >= pl->next_tick_ns)
		pipeline_tick(pl, ts_ns);
	decode_frame(pl->dec, p, linktype, data, caplen, wirelen, ts_ns);
	p->frame_no = ++pl->sum.frames;
	pl->sum.bytes += wirelen;
	if (pl->sum.first_ns == 0 || ts_ns < pl->sum.first_ns)
		pl->sum.first_ns = ts_ns;
	if (ts_ns > pl->sum.last_ns)
		pl->sum.last_ns = ts_ns;
	if (p->layers & (PKT_IPV4 | PKT_IPV6))
		flow_table_lookup(pl->ft, p);
	else
		pl->sum.no_flow++;
	if (pl->scan != NULL)
		scan_packet(pl->scan, p);
	for (int i = 0; i < pl->nstages; i++) {
		if (pl->stages[i].fn(pl->stages[i].ctx, p) == PIPELINE_DROP) {
			pl->sum.dropped++;
			v = PIPELINE_DROP;
			break;
		}
	}
	return v;
}

static void
count_anomaly(void *ctx, const char *name, uint64_t n)
{
	*(uint64_t *)ctx += n;
}

/* Suricata nests anomalies under decoder.event so that "decoder.ipv4"
 * (a layer counter) is not also a prefix of "decoder.ipv4.trunc_pkt". */
static int
write_stats(struct pipeline *pl)
{
	struct eve_counter c[ANOM_COUNT + DSTAT_COUNT + 24];
	char names[ANOM_COUNT][96];
	size_t n = 0, na, ns;
	const uint64_t *anom = decoder_counters(pl->dec, &na);
	const uint64_t *st = decoder_stats(pl->dec, &ns);
	struct flow_stats fs;
	struct scan_stats ss = { 0 };

	for (size_t i = 0; i < ns && i < DSTAT_COUNT; i++)
		c[n++] = (struct eve_counter){ decode_stat_name(i), st[i] };
	for (size_t i = 1; i < na && i < ANOM_COUNT; i++) {
		const char *nm = decode_anomaly_name(i);

		if (strncmp(nm, "decoder.", 8) == 0)
			snprintf(names[i], sizeof(names[i]), "decoder.event.%s",
			    nm + 8);
		else
			snprintf(names[i], sizeof(names[i]), "%s", nm);
		c[n++] = (struct eve_counter){ names[i], anom[i] };
	}
	flow_table_stats(pl->ft, &fs);
	c[n++] = (struct eve_counter){ "flow.created", fs.created };
	c[n++] = (struct eve_counter){ "flow.ended", fs.ended };
	c[n++] = (struct eve_counter){ "flow.timed_out", fs.timed_out };
	c[n++] = (struct eve_counter){ "flow.evicted", fs.evicted };
	c[n++] = (struct eve_counter){ "flow.reused", fs.reused };
	c[n++] = (struct eve_counter){ "flow.max_active", fs.max_active };
	c[n++] = (struct eve_counter){ "flow.memory", fs.memory };
	if (pl->scan != NULL)
		scan_get_stats(pl->scan, &ss);
	c[n++] = (struct eve_counter){ "scan.episodes", ss.episodes };
	c[n++] = (struct eve_counter){ "scan.episodes_evicted",
	    ss.episodes_evicted };
	c[n++] = (struct eve_counter){ "scan.sources_evicted",
	    ss.sources_evicted };
	c[n++] = (struct eve_counter){ "pipeline.frames", pl->sum.frames };
	c[n++] = (struct eve_counter){ "pipeline.bytes", pl->sum.bytes };
	c[n++] = (struct eve_counter){ "pipeline.dropped", pl->sum.dropped };
	return eve_write_stats(pl->eve, pl->sum.last_ns, c, n);
}

int
pipeline_finish(struct pipeline *pl, struct error *err)
{
	struct error e2;

	flow_table_shutdown(pl->ft);
	if (pl->scan != NULL)
		scan_finish(pl->scan);
	/* The outputs are closed here, so that their errors are reported. */
	if (pl->eve != NULL) {
		if (write_stats(pl) < 0)
			out_failed(pl, "eve", eve_error(pl->eve));
		if (eve_close(pl->eve, &e2) < 0)
			out_failed(pl, "eve", e2.msg);
		pl->eve = NULL;
	}
	if (pl->cl != NULL) {
		if (connlog_close(pl->cl, time_now_ns(), &e2) < 0)
			out_failed(pl, "conn.log", e2.msg);
		pl->cl = NULL;
	}
	if (pl->out_failed)
		return error_set(err, "%s", pl->out_err);
	return 0;
}

/* ---- accessors -------------------------------------------------------- */

struct eve *
pipeline_eve(struct pipeline *pl)
{
	return pl->eve;
}

struct flow_table *
pipeline_flows(struct pipeline *pl)
{
	return pl->ft;
}

struct decoder *
pipeline_decoder(struct pipeline *pl)
{
	return pl->dec;
}

void
pipeline_get_summary(const struct pipeline *pl, struct pipeline_summary *s)
{
	*s = pl->sum;
	flow_table_stats(pl->ft, &s->flows);
	if (pl->scan != NULL)
		scan_get_stats(pl->scan, &s->scans);
	s->anomalies = 0;
	pipeline_each_anomaly(pl, count_anomaly, &s->anomalies);
}

const struct pipeline_scan *
pipeline_scans(const struct pipeline *pl, size_t *n)
{
	*n = pl->nscans;
	return pl->scans;
}

void
pipeline_each_anomaly(const struct pipeline *pl,
    void (*fn)(void *ctx, const char *name, uint64_t count), void *ctx)
{
	size_t na;
	const uint64_t *anom = decoder_counters(pl->dec, &na);

	for (size_t i = 1; i < na; i++)
		if (anom[i] != 0)
			fn(ctx, decode_anomaly_name(i), anom[i]);
}
