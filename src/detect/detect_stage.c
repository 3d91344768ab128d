/* summary: the detect stage of the pipeline: rules in, alerts to EVE and fast.log, verdicts out. */
#include "detect/detect_stage.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "net/packet.h"
#include "stream/stream.h"
#include "output/alert_eve.h"
#include "output/alert_fast.h"

/*
 * With cfg.stream_mode the stage reassembles TCP itself (src/stream) in a
 * second flow storage slot and feeds the in-order chunks of each direction
 * to the engine before the packet is inspected, so a match completed by
 * this packet is reported (and, inline, acted on) with it.  Reassembly is
 * bounded by STREAM_MEMCAP bytes held in all and STREAM_DEPTH bytes
 * inspected per direction (Suricata's default depth).
 */
#define STREAM_MEMCAP (64ull << 20)
#define STREAM_DEPTH (1u << 20)

struct stage_flow {
	struct stream_dir sd[2];
};

struct detect_stage {
	struct pipeline *pl;
	struct stream_ctx *stream;
	int sslot;			/* stream storage slot */
	struct detect_engine *e;
	struct detect_thread *t;
	int slot;			/* flow storage slot, -1 if none */
	struct alert_fast *fast;
	struct alert_eve_options eo;
	int inline_mode;
	struct detect_result res;	/* of the packet being processed */
	const struct packet *res_pkt;	/* stream results pending for it */
	uint64_t *counts;		/* alerts per rule index */
	size_t ncounts;
	uint64_t alerts, lost;
	/* inline reject frames of the last packet */
	uint8_t rej[2][DETECT_REJECT_FRAME_MAX];
	size_t rejlen[2];
	int rej_to_sender[2];
	int nrej;
	/* reload */
	pthread_t reload_thread;
	int reloading;
	atomic_int reload_done;
	struct detect_engine *reload_engine;
	struct error reload_err;
	detect_warn_fn warn;
	void *warn_ctx;
	struct detect_stage_config *reload_cfg;
};

static void
flow_state_free(void *ctx, void *data)
{
	(void)ctx;
	detect_flow_state_free(data);
}

static void
stage_flow_free(void *ctx, void *data)
{
	struct detect_stage *ds = ctx;
	struct stage_flow *sf = data;

	if (sf == NULL)
		return;
	stream_dir_free(ds->stream, &sf->sd[0]);
	stream_dir_free(ds->stream, &sf->sd[1]);
	free(sf);
}

static struct detect_engine *
build_engine(const struct detect_stage_config *cfg, detect_warn_fn warn,
    void *warn_ctx, struct error *err)
{
	struct detect_loader *l;
	struct detect_engine_config ec;
	struct detect_engine *e = NULL;

	if ((l = detect_loader_new(err)) == NULL)
		return NULL;
	detect_loader_set_warn(l, warn, warn_ctx);
	if (cfg->classification != NULL &&
	    detect_loader_load_classification(l, cfg->classification, err) == -1)
		goto fail;
	for (size_t i = 0; i < cfg->nvars; i++) {
		char name[128];
		const char *eq = strchr(cfg->vars[i], '=');

		if (eq == NULL || (size_t)(eq - cfg->vars[i]) >= sizeof(name)) {
			error_set(err, "variable '%s': expected NAME=VALUE", cfg->vars[i]);
			goto fail;
		}
		memcpy(name, cfg->vars[i], (size_t)(eq - cfg->vars[i]));
		name[eq - cfg->vars[i]] = '\0';
		if (detect_loader_set_var(l, name, eq + 1, err) == -1)
			goto fail;
	}
	for (size_t i = 0; i < cfg->nrule_files; i++)
		if (detect_loader_add_file(l, cfg->rule_files[i], err) == -1)
			goto fail;
	memset(&ec, 0, sizeof(ec));
	ec.inline_mode = cfg->inline_mode;
	ec.stream_mode = cfg->stream_mode;
	e = detect_engine_build(l, &ec, err);
fail:
	detect_loader_free(l);
	return e;
}

struct detect_stage *
detect_stage_new(struct pipeline *pl, const struct detect_stage_config *cfg,
    detect_warn_fn warn, void *warn_ctx, struct error *err)
{
	struct detect_stage *ds = calloc(1, sizeof(*ds));

	if (ds == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	ds->pl = pl;
	ds->slot = -1;
	ds->inline_mode = cfg->inline_mode;
	ds->eo.payload = cfg->eve_payload;
	ds->warn = warn;
	ds->warn_ctx = warn_ctx;
	atomic_init(&ds->reload_done, 0);
	if ((ds->e = build_engine(cfg, warn, warn_ctx, err)) == NULL)
		goto fail;
	if ((ds->t = detect_thread_new(ds->e, err)) == NULL)
		goto fail;
	ds->ncounts = detect_engine_rule_count(ds->e);
	ds->counts = calloc(ds->ncounts ? ds->ncounts : 1, sizeof(*ds->counts));
	if (ds->counts == NULL) {
		error_set(err, "out of memory");
		goto fail;
	}
	if (pl != NULL && pipeline_flows(pl) != NULL &&
	    (ds->slot = flow_table_register_storage(pipeline_flows(pl), flow_state_free,
	    ds, err)) < 0)
		goto fail;
	ds->sslot = -1;
	if (cfg->stream_mode && pl != NULL && pipeline_flows(pl) != NULL) {
		struct stream_config sc;

		stream_config_default(&sc);
		sc.memcap = STREAM_MEMCAP;
		sc.depth = STREAM_DEPTH;
		if ((ds->stream = stream_ctx_new(&sc, err)) == NULL)
			goto fail;
		if ((ds->sslot = flow_table_register_storage(pipeline_flows(pl),
		    stage_flow_free, ds, err)) < 0)
			goto fail;
	}
	if (cfg->fast_log != NULL && (ds->fast = alert_fast_open(cfg->fast_log, err)) == NULL)
		goto fail;
	return ds;
fail:
	detect_stage_free(ds);
	return NULL;
}

static void **
slot_of(struct detect_stage *ds, struct packet *p)
{
	if (p->flow == NULL || ds->slot < 0)
		return NULL;
	return &p->flow->storage[ds->slot];
}

static void
report(struct detect_stage *ds, struct packet *p, const struct detect_result *r)
{
	struct eve *e = ds->pl != NULL ? pipeline_eve(ds->pl) : NULL;

	for (unsigned i = 0; i < r->nalerts; i++) {
		const struct detect_alert *a = &r->alerts[i];

		ds->alerts++;
		if (a->rule->index < ds->ncounts &&
		    detect_engine_rule(ds->e, a->rule->index) == a->rule)
			ds->counts[a->rule->index]++;
		if (e != NULL)
			(void)alert_eve_write(e, p, p->flow, a, &ds->eo);
		if (ds->fast != NULL)
			(void)alert_fast_write(ds->fast, p, a);
	}
	ds->lost += r->alerts_lost;
}

void
detect_stage_stream(struct detect_stage *ds, struct packet *p, int dir,
    const uint8_t *data, size_t len)
{
	struct detect_result r;

	memset(&r, 0, sizeof(r));
	detect_stream(ds->t, p, slot_of(ds, p), dir, data, len, &r);
	report(ds, p, &r);
	if (ds->res_pkt != p) {
		memset(&ds->res, 0, sizeof(ds->res));
		ds->res_pkt = p;
	}
	ds->res.flags |= r.flags;
}

/* h10 (issue 6): an app-layer transaction event (detect_app_tx). */
void
detect_stage_app_tx(struct detect_stage *ds, struct packet *p,
    const struct detect_app_view *av)
{
	struct detect_result r;

	if (p == NULL || p->flow == NULL)
		return;		/* flushed at the flow's end: no packet to report */
	memset(&r, 0, sizeof(r));
	detect_app_tx(ds->t, p, slot_of(ds, p), av, &r);
	report(ds, p, &r);
	if (ds->res_pkt != p) {
		memset(&ds->res, 0, sizeof(ds->res));
		ds->res_pkt = p;
	}
	ds->res.flags |= r.flags;
}

void
detect_stage_set_app_proto(struct detect_stage *ds,
    int (*fn)(void *ctx, const struct flow *f), void *ctx)
{
	detect_thread_set_app_proto(ds->t, fn, ctx);
}

static int
push_str(const char ***v, size_t *n, const char *s)
{
	const char **nv;
	char *c;

	if (*n >= 1024)
		return -1;
	nv = realloc((void *)*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	*v = nv;
	if ((c = strdup(s)) == NULL)
		return -1;
	nv[(*n)++] = c;
	return 0;
}

int
detect_config_statement(struct detect_stage_config *dc,
    const struct config_stmt *st, struct error *err)
{
	const char *k = st->argv[0];

	if (strcmp(k, "ids-rules") == 0) {
		if (st->argc < 2)
			return config_error(err, st, "usage: ids-rules FILE...");
		for (int i = 1; i < st->argc; i++)
			if (push_str((const char ***)(void *)&dc->rule_files, &dc->nrule_files, st->argv[i]) == -1)
				return config_error(err, st, "too many rule files");
		return 1;
	}
	if (strcmp(k, "ids-var") == 0) {
		char *nv;
		int rc;

		if (st->argc != 3)
			return config_error(err, st, "usage: ids-var NAME VALUE");
		if (asprintf(&nv, "%s=%s", st->argv[1], st->argv[2]) < 0)
			return config_error(err, st, "out of memory");
		rc = push_str((const char ***)(void *)&dc->vars, &dc->nvars, nv);
		free(nv);
		if (rc == -1)
			return config_error(err, st, "too many variables");
		return 1;
	}
	if (strcmp(k, "ids-classification") == 0) {
		char *c;

		if (st->argc != 2)
			return config_error(err, st, "usage: ids-classification FILE");
		if ((c = strdup(st->argv[1])) == NULL)
			return config_error(err, st, "out of memory");
		free((char *)dc->classification);
		dc->classification = c;
		return 1;
	}
	return 0;
}

void
detect_stage_config_clear(struct detect_stage_config *dc)
{
	for (size_t i = 0; i < dc->nrule_files; i++)
		free((char *)dc->rule_files[i]);
	for (size_t i = 0; i < dc->nvars; i++)
		free((char *)dc->vars[i]);
	free((void *)dc->rule_files);
	free((void *)dc->vars);
	free((char *)dc->classification);
	memset(dc, 0, sizeof(*dc));
}

struct deliver_ctx {
	struct detect_stage *ds;
	struct packet *p;
};

static void
on_chunk(void *user, const struct stream_chunk *c)
{
	struct deliver_ctx *dc = user;

	if (c->data != NULL && c->len > 0)
		detect_stage_stream(dc->ds, dc->p, c->dir, c->data, c->len);
}

/* Reassembles p's segment; the chunks it completes are inspected now. */
static void
reassemble(struct detect_stage *ds, struct packet *p)
{
	struct stage_flow *sf;
	struct stream_segment seg;
	struct deliver_ctx dc = { ds, p };

	if (ds->stream == NULL || p->flow == NULL || !(p->layers & PKT_TCP) ||
	    p->dir > 1)
		return;
	sf = p->flow->storage[ds->sslot];
	if (sf == NULL) {
		if ((sf = calloc(1, sizeof(*sf))) == NULL)
			return;
		stream_dir_init(&sf->sd[0], 0);
		stream_dir_init(&sf->sd[1], 1);
		p->flow->storage[ds->sslot] = sf;
	}
	seg.seq = p->tcp_seq;
	seg.flags = p->tcp_flags & (TCP_SYN | TCP_FIN | TCP_RST);
	seg.data = p->payload;
	seg.len = p->payload_len;
	stream_dir_segment(ds->stream, &sf->sd[p->dir], &seg, on_chunk, &dc);
}

enum pipeline_verdict
detect_stage_run(void *ctx, struct packet *p)
{
	struct detect_stage *ds = ctx;
	uint32_t pending;

	reassemble(ds, p);
	pending = ds->res_pkt == p ? ds->res.flags : 0;

	detect_packet(ds->t, p, slot_of(ds, p), &ds->res);
	ds->res.flags |= pending;
	ds->res_pkt = NULL;
	report(ds, p, &ds->res);
	ds->nrej = 0;
	if (ds->inline_mode && (ds->res.flags & (DETECT_R_REJECT_SRC | DETECT_R_REJECT_DST))) {
		uint32_t which = ds->res.flags;

		ds->nrej = detect_build_reject(p, which, ds->rej, ds->rejlen);
		/* frames come in the order: to the sender, then to the receiver */
		ds->rej_to_sender[0] = (which & DETECT_R_REJECT_SRC) != 0;
		ds->rej_to_sender[1] = 0;
	}
	if (ds->inline_mode && (ds->res.flags & DETECT_R_DROP))
		return PIPELINE_DROP;
	return PIPELINE_PASS;
}

const struct detect_result *
detect_stage_last_result(const struct detect_stage *ds)
{
	return &ds->res;
}

int
detect_stage_rejects(struct detect_stage *ds, const uint8_t *frames[2],
    size_t lens[2], int to_sender[2])
{
	int n = ds->nrej;

	for (int i = 0; i < n; i++) {
		frames[i] = ds->rej[i];
		lens[i] = ds->rejlen[i];
		to_sender[i] = ds->rej_to_sender[i];
	}
	ds->nrej = 0;
	return n;
}

static void
stage_config_free(struct detect_stage_config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nrule_files; i++)
		free((char *)c->rule_files[i]);
	for (size_t i = 0; i < c->nvars; i++)
		free((char *)c->vars[i]);
	free((void *)c->rule_files);
	free((void *)c->vars);
	free((char *)c->classification);
	free(c);
}

static struct detect_stage_config *
stage_config_copy(const struct detect_stage_config *c)
{
	struct detect_stage_config *n = calloc(1, sizeof(*n));
	const char **files, **vars;

	if (n == NULL)
		return NULL;
	*n = *c;
	n->fast_log = NULL;
	n->rule_files = files = calloc(c->nrule_files + 1, sizeof(char *));
	n->vars = vars = calloc(c->nvars + 1, sizeof(char *));
	n->classification = c->classification ? strdup(c->classification) : NULL;
	n->nrule_files = n->nvars = 0;
	if (files == NULL || vars == NULL || (c->classification && !n->classification))
		goto fail;
	for (size_t i = 0; i < c->nrule_files; i++, n->nrule_files++)
		if ((files[i] = strdup(c->rule_files[i])) == NULL)
			goto fail;
	for (size_t i = 0; i < c->nvars; i++, n->nvars++)
		if ((vars[i] = strdup(c->vars[i])) == NULL)
			goto fail;
	return n;
fail:
	stage_config_free(n);
	return NULL;
}

static void *
reload_main(void *arg)
{
	struct detect_stage *ds = arg;

	ds->reload_engine = build_engine(ds->reload_cfg, ds->warn, ds->warn_ctx,
	    &ds->reload_err);
	atomic_store(&ds->reload_done, 1);
	return NULL;
}

int
detect_stage_reload_start(struct detect_stage *ds,
    const struct detect_stage_config *cfg, struct error *err)
{
	if (ds->reloading)
		return error_set(err, "a rule reload is already running");
	if (cfg->inline_mode != ds->inline_mode)
		return error_set(err, "inline mode cannot change on reload");
	if ((ds->reload_cfg = stage_config_copy(cfg)) == NULL)
		return error_set(err, "out of memory");
	atomic_store(&ds->reload_done, 0);
	ds->reload_engine = NULL;
	if (pthread_create(&ds->reload_thread, NULL, reload_main, ds) != 0) {
		stage_config_free(ds->reload_cfg);
		ds->reload_cfg = NULL;
		return error_set(err, "cannot start the reload thread");
	}
	ds->reloading = 1;
	return 0;
}

int
detect_stage_reload_poll(struct detect_stage *ds, struct error *err)
{
	struct detect_engine *e;
	int rc;

	if (!ds->reloading || !atomic_load(&ds->reload_done))
		return 0;
	pthread_join(ds->reload_thread, NULL);
	ds->reloading = 0;
	stage_config_free(ds->reload_cfg);
	ds->reload_cfg = NULL;
	e = ds->reload_engine;
	ds->reload_engine = NULL;
	if (e == NULL) {
		*err = ds->reload_err;
		return -1;
	}
	rc = detect_stage_use_engine(ds, e, err);
	detect_engine_unref(e);
	return rc == 0 ? 1 : -1;
}

int
detect_stage_use_engine(struct detect_stage *ds, struct detect_engine *e,
    struct error *err)
{
	uint64_t *counts;
	size_t n = detect_engine_rule_count(e);

	if (detect_thread_use(ds->t, e, err) == -1)
		return -1;
	counts = calloc(n ? n : 1, sizeof(*counts));
	if (counts == NULL)
		return error_set(err, "out of memory");
	free(ds->counts);
	ds->counts = counts;
	ds->ncounts = n;
	detect_engine_ref(e);
	detect_engine_unref(ds->e);
	ds->e = e;
	return 0;
}

struct detect_engine *
detect_stage_engine(const struct detect_stage *ds)
{
	return ds->e;
}

int
detect_stage_finish(struct detect_stage *ds, struct error *err)
{
	if (ds->fast != NULL)
		return alert_fast_flush(ds->fast, err);
	return 0;
}

uint64_t
detect_stage_alerts(const struct detect_stage *ds)
{
	return ds->alerts;
}


struct sid_count {
	const struct detect_rule_info *r;
	uint64_t n;
};

static int
count_cmp(const void *a, const void *b)
{
	const struct sid_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return x->r->sid < y->r->sid ? -1 : x->r->sid > y->r->sid;
}

void
detect_stage_print_summary(const struct detect_stage *ds, FILE *out)
{
	struct sid_count *v = calloc(ds->ncounts ? ds->ncounts : 1, sizeof(*v));
	size_t n = 0;

	fprintf(out, "alerts     %llu (%zu rules loaded)\n",
	    (unsigned long long)ds->alerts, detect_engine_rule_count(ds->e));
	if (v == NULL)
		return;
	for (size_t i = 0; i < ds->ncounts; i++)
		if (ds->counts[i] > 0) {
			v[n].r = detect_engine_rule(ds->e, i);
			v[n].n = ds->counts[i];
			n++;
		}
	qsort(v, n, sizeof(*v), count_cmp);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %10llu  [%u:%u:%u] %s\n", (unsigned long long)v[i].n,
		    v[i].r->gid, v[i].r->sid, v[i].r->rev, v[i].r->msg);
	if (ds->lost)
		fprintf(out, "  (%llu alerts beyond %d per packet not written)\n",
		    (unsigned long long)ds->lost, DETECT_MAX_ALERTS);
	free(v);
}

void
detect_stage_free(struct detect_stage *ds)
{
	struct error err;

	if (ds == NULL)
		return;
	if (ds->reloading) {
		pthread_join(ds->reload_thread, NULL);
		detect_engine_unref(ds->reload_engine);
		stage_config_free(ds->reload_cfg);
	}
	if (ds->fast != NULL)
		(void)alert_fast_close(ds->fast, &err);
	detect_thread_free(ds->t);
	detect_engine_unref(ds->e);
	stream_ctx_free(ds->stream);
	free(ds->counts);
	free(ds);
}
