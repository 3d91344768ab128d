/* summary: per-packet and per-stream-chunk detection: prefilter, rule evaluation, verdict. */
#include <stdlib.h>
#include <string.h>

#include "detect/engine_int.h"
#include "flow/flow.h"
#include "net/packet.h"

/*
 * For a packet: find its groups (engine.c), scan its payload once per
 * group with Hyperscan, collect the rules whose fast pattern hit plus the
 * group's rules without one, sort them into evaluation order and evaluate
 * each fully: header, packet keywords, flow, flowbits, payload lists,
 * then thresholds and the action.
 *
 * TCP and the stream (as Suricata): when the caller feeds reassembled data
 * (cfg.stream_mode), TCP rules with payload keywords are evaluated on the
 * stream chunks, in the flow's direction, except those that need packets
 * (dsize, replace, flow:no_stream, tcp-pkt); the others run on packets.
 * A chunk is inspected together with the last STREAM_TAIL bytes before it
 * so patterns that straddle two chunks are found; a match that lies wholly
 * in those old bytes is not reported again.
 *
 * Memory: the per-flow state is a fixed header, one bit per flowbit name,
 * and, for TCP flows with stream data, 2 * STREAM_TAIL bytes.  Stream
 * chunks are inspected in pieces of at most STREAM_PIECE bytes.
 */
#define STREAM_PIECE (64 * 1024)
#define INSPECT_BUDGET 3000
#define PCRE_MATCH_LIMIT 3500
#define PCRE_DEPTH_LIMIT 1500

struct view {
	const struct addr *src, *dst;
	uint16_t sp, dp;
	int dir;		/* FLOW_TOSERVER / FLOW_TOCLIENT, -1 without flow */
	int gp;			/* GP_TCP, GP_UDP or -1 */
	int proto;		/* RP_TCP/UDP/ICMP or RP_IP for others */
};

/* ---- threads ------------------------------------------------------------ */

struct detect_thread *
detect_thread_new(struct detect_engine *e, struct error *err)
{
	struct detect_thread *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	t->md = pcre2_match_data_create(32, NULL);
	t->mctx = pcre2_match_context_create(NULL);
	if (t->md == NULL || t->mctx == NULL)
		goto nomem;
	pcre2_set_match_limit(t->mctx, PCRE_MATCH_LIMIT);
	pcre2_set_depth_limit(t->mctx, PCRE_DEPTH_LIMIT);
	t->thr = thresholds_new(e->cfg.threshold_entries);
	if (t->thr == NULL)
		goto nomem;
	if (detect_thread_use(t, e, err) == -1) {
		detect_thread_free(t);
		return NULL;
	}
	return t;
nomem:
	detect_thread_free(t);
	error_set(err, "out of memory");
	return NULL;
}

void
detect_thread_free(struct detect_thread *t)
{
	if (t == NULL)
		return;
	if (t->scratch != NULL)
		hs_free_scratch(t->scratch);
	detect_engine_unref(t->e);
	free(t->cand);
	pcre2_match_data_free(t->md);
	pcre2_match_context_free(t->mctx);
	thresholds_free(t->thr);
	free(t->sbuf);
	free(t);
}

int
detect_thread_use(struct detect_thread *t, struct detect_engine *e,
    struct error *err)
{
	hs_scratch_t *s = NULL;
	uint32_t *cand;

	if (t->e == e)
		return 0;
	if (e->scratch != NULL && hs_clone_scratch(e->scratch, &s) != HS_SUCCESS)
		return error_set(err, "hyperscan: cannot clone scratch");
	cand = malloc((e->nrules ? e->nrules : 1) * sizeof(*cand));
	if (cand == NULL) {
		if (s != NULL)
			hs_free_scratch(s);
		return error_set(err, "out of memory");
	}
	if (t->scratch != NULL)
		hs_free_scratch(t->scratch);
	t->scratch = s;
	free(t->cand);
	t->cand = cand;
	t->capcand = e->nrules;
	detect_engine_ref(e);
	detect_engine_unref(t->e);
	t->e = e;
	return 0;
}

struct detect_engine *
detect_thread_engine(const struct detect_thread *t)
{
	return t->e;
}

void
detect_thread_stats(const struct detect_thread *t, struct detect_thread_stats *st)
{
	*st = t->st;
	st->threshold_evictions = thresholds_evictions(t->thr);
}

/* ---- flow state ----------------------------------------------------------- */

void
detect_flow_state_free(void *state)
{
	struct detect_flow_state *fs = state;

	if (fs == NULL)
		return;
	free(fs->tail);
	free(fs);
}

/* The flow's state for engine e, created or reset (after a reload) as needed. */
static struct detect_flow_state *
flow_state(struct detect_engine *e, void **slot)
{
	struct detect_flow_state *fs;
	uint32_t nbits = (uint32_t)e->flowbits.n;

	if (slot == NULL)
		return NULL;
	fs = *slot;
	if (fs != NULL && fs->engine_id == e->id)
		return fs;
	if (fs != NULL && fs->nbits >= nbits) {
		/* new engine: flowbit ids changed meaning; start over */
		memset(fs->bits, 0, (fs->nbits + 7) / 8);
		fs->engine_id = e->id;
		return fs;
	}
	{
		struct detect_flow_state *n = calloc(1, sizeof(*n) + (nbits + 7) / 8);

		if (n == NULL)
			return fs;	/* keep what we have; flowbits may miss */
		n->engine_id = e->id;
		n->nbits = nbits;
		if (fs != NULL) {
			n->dropped = fs->dropped;
			n->tail = fs->tail;
			n->tail_len[0] = fs->tail_len[0];
			n->tail_len[1] = fs->tail_len[1];
			free(fs);
		}
		*slot = n;
		return n;
	}
}

static int
bit_get(const struct detect_flow_state *fs, uint32_t id)
{
	return fs != NULL && id < fs->nbits && (fs->bits[id >> 3] >> (id & 7)) & 1;
}

static void
bit_set(struct detect_flow_state *fs, uint32_t id, int v)
{
	if (fs == NULL || id >= fs->nbits)
		return;
	if (v)
		fs->bits[id >> 3] |= (uint8_t)(1u << (id & 7));
	else
		fs->bits[id >> 3] &= (uint8_t)~(1u << (id & 7));
}

/* ---- rule evaluation ------------------------------------------------------ */

static int
flow_established(const struct flow *f)
{
	if (f->proto != 6)
		return f->state != FLOW_STATE_NEW;
	switch (f->tcp_state) {
	case FLOW_TCP_NONE: case FLOW_TCP_SYN_SENT: case FLOW_TCP_SYN_RECV:
		return (f->flags & FLOW_F_MIDSTREAM) && f->state != FLOW_STATE_NEW;
	case FLOW_TCP_CLOSED:
		return f->state == FLOW_STATE_CLOSED && (f->flags & FLOW_F_SYNACK_SEEN);
	default:
		return 1;
	}
}

static int
header_match(const struct rule *r, const struct view *v)
{
	int ports = r->proto == RP_TCP || r->proto == RP_UDP;

	if (r->proto != RP_IP && r->proto != v->proto)
		return 0;
	if (addrset_contains(&r->src, v->src) && addrset_contains(&r->dst, v->dst) &&
	    (!ports || (portset_contains(&r->sp, v->sp) && portset_contains(&r->dp, v->dp))))
		return 1;
	if (!(r->flags & RULE_F_BIDIR))
		return 0;
	return addrset_contains(&r->src, v->dst) && addrset_contains(&r->dst, v->src) &&
	    (!ports || (portset_contains(&r->sp, v->dp) && portset_contains(&r->dp, v->sp)));
}

static int
packet_keywords_match(const struct rule *r, const struct packet *p, int from_stream)
{
	if ((r->flags & RULE_F_ICMP6_OK) == 0 && r->proto == RP_ICMP &&
	    (p->layers & PKT_ICMPV6))
		return 0;
	if ((r->flags & RULE_F_SAMEIP) && addr_cmp(&p->src, &p->dst) != 0)
		return 0;
	if (from_stream)	/* header keywords describe one packet only */
		return r->ttl == NULL && r->tos == NULL && r->ip_id == NULL &&
		    r->tcp_flags == NULL && r->seq == NULL && r->ack == NULL &&
		    r->window == NULL && r->ip_proto == NULL;
	if (r->dsize != NULL && !urange_match(r->dsize, p->payload_len))
		return 0;
	if (r->ttl != NULL && !urange_match(r->ttl, p->ttl))
		return 0;
	if (r->tos != NULL && !urange_match(r->tos, p->tos))
		return 0;
	if (r->ip_id != NULL && (p->ip_version != 4 || !urange_match(r->ip_id, p->ip_id)))
		return 0;
	if (r->ip_proto != NULL && !urange_match(r->ip_proto, p->ip_proto))
		return 0;
	if (r->tcp_flags != NULL || r->seq != NULL || r->ack != NULL || r->window != NULL) {
		if (!(p->layers & PKT_TCP))
			return 0;
		if (r->tcp_flags != NULL && !flags_match(r->tcp_flags, p->tcp_flags))
			return 0;
		if (r->seq != NULL && !urange_match(r->seq, p->tcp_seq))
			return 0;
		if (r->ack != NULL && !urange_match(r->ack, p->tcp_ack))
			return 0;
		if (r->window != NULL && !urange_match(r->window, p->tcp_win))
			return 0;
	}
	if (r->itype != NULL || r->icode != NULL || r->icmp_id != NULL || r->icmp_seq != NULL) {
		if (!(p->layers & (PKT_ICMP | PKT_ICMPV6)))
			return 0;
		if (r->itype != NULL && !urange_match(r->itype, p->icmp_type))
			return 0;
		if (r->icode != NULL && !urange_match(r->icode, p->icmp_code))
			return 0;
		if (r->icmp_id != NULL || r->icmp_seq != NULL) {
			int echo = (p->layers & PKT_ICMP) ? (p->icmp_type == 0 || p->icmp_type == 8) :
			    (p->icmp_type == 128 || p->icmp_type == 129);

			if (!echo)
				return 0;
			if (r->icmp_id != NULL && !urange_match(r->icmp_id, p->icmp_id))
				return 0;
			if (r->icmp_seq != NULL && !urange_match(r->icmp_seq, p->icmp_seq))
				return 0;
		}
	}
	return 1;
}

static int
flow_keywords_match(const struct rule *r, const struct packet *p, const struct view *v)
{
	uint32_t ff = r->flow_flags;
	const struct flow *f = p->flow;

	if (ff == 0)
		return 1;
	if (ff & (FLOWF_ESTABLISHED | FLOWF_TOSERVER | FLOWF_TOCLIENT)) {
		if (f == NULL || v->dir < 0)
			return 0;
	}
	if ((ff & FLOWF_ESTABLISHED) && !flow_established(f))
		return 0;
	if ((ff & FLOWF_NOT_ESTABLISHED) && f != NULL && flow_established(f))
		return 0;
	if ((ff & FLOWF_TOSERVER) && v->dir != FLOW_TOSERVER)
		return 0;
	if ((ff & FLOWF_TOCLIENT) && v->dir != FLOW_TOCLIENT)
		return 0;
	if ((ff & FLOWF_ONLY_FRAG) && !(p->layers & PKT_REASSEMBLED))
		return 0;
	if ((ff & FLOWF_NO_FRAG) && (p->layers & PKT_REASSEMBLED))
		return 0;
	return 1;
}

static int
flowbits_check(const struct rule *r, const struct detect_flow_state *fs)
{
	for (size_t i = 0; i < r->nflowbits; i++) {
		const struct flowbit_kw *fb = &r->flowbits[i];
		int want, hits = 0;

		if (fb->op != FB_ISSET && fb->op != FB_ISNOTSET)
			continue;
		want = fb->op == FB_ISSET;
		for (uint16_t k = 0; k < fb->n; k++)
			if (bit_get(fs, fb->ids[k]) == want)
				hits++;
		if (fb->and_mode || fb->n == 1 ? hits != fb->n : hits == 0)
			return 0;
	}
	return 1;
}

static void
flowbits_apply(const struct rule *r, struct detect_flow_state *fs)
{
	for (size_t i = 0; i < r->nflowbits; i++) {
		const struct flowbit_kw *fb = &r->flowbits[i];

		for (uint16_t k = 0; k < fb->n; k++) {
			switch (fb->op) {
			case FB_SET: bit_set(fs, fb->ids[k], 1); break;
			case FB_UNSET: bit_set(fs, fb->ids[k], 0); break;
			case FB_TOGGLE: bit_set(fs, fb->ids[k], !bit_get(fs, fb->ids[k])); break;
			default: break;
			}
		}
	}
}

static void
apply_replace(const struct rule *r, struct detect_thread *t, struct packet *p)
{
	const struct sm_list *l = &r->lists[DBUF_PAYLOAD];
	uint8_t *pl = (uint8_t *)(uintptr_t)p->payload;	/* writable frame (inline) */

	for (uint16_t i = 0; i < l->n; i++) {
		const struct content *c;

		if (l->v[i].type != SM_CONTENT)
			continue;
		c = l->v[i].u.content;
		if (!(c->flags & CF_REPLACE) || t->match_pos[i] + c->len > p->payload_len)
			continue;
		detect_replace_bytes(p, pl + t->match_pos[i], c->replace, c->len);
	}
}

static void
add_alert(struct detect_result *res, const struct rule *r, int blocked,
    int from_stream, const uint8_t *buf, uint32_t len)
{
	struct detect_alert *a;

	res->flags |= DETECT_R_ALERT;
	if (res->nalerts >= DETECT_MAX_ALERTS) {
		res->alerts_lost++;
		return;
	}
	a = &res->alerts[res->nalerts++];
	a->rule = &r->info;
	a->blocked = (uint8_t)blocked;
	a->from_stream = (uint8_t)from_stream;
	a->payload = buf;
	a->payload_len = len;
}

static int
u32cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct scan_ctx {
	struct detect_thread *t;
	const struct group_buf *gb;
};

static int
on_hs_match(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *ctx)
{
	struct scan_ctx *sc = ctx;
	struct detect_thread *t = sc->t;

	(void)from; (void)to; (void)flags;
	for (uint32_t k = sc->gb->pat_start[id]; k < sc->gb->pat_start[id + 1]; k++)
		if (t->ncand < t->capcand)
			t->cand[t->ncand++] = sc->gb->pat_rule[k];
	return 0;
}

static u128
addr_u128(const struct addr *a)
{
	u128 v = 0;
	int n = a->family == 4 ? 4 : 16;

	for (int i = 0; i < n; i++)
		v = (v << 8) | a->b[i];
	return v;
}

/* Rules of the index whose interval holds x (interval stabbing). */
static void
stab(struct detect_thread *t, const struct ip_index *ix, const struct addr *a)
{
	size_t lo = 0, hi = ix->n;
	u128 x;

	if (ix->n == 0)
		return;
	x = addr_u128(a);
	while (lo < hi) {	/* first interval with lo > x */
		size_t mid = lo + (hi - lo) / 2;

		if (ix->v[mid].lo <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0 && ix->maxhi[lo - 1] >= x) {
		lo--;
		if (ix->v[lo].hi >= x && t->ncand < t->capcand)
			t->cand[t->ncand++] = ix->v[lo].rule;
	}
}

/*
 * skip_stream_owned: a TCP packet whose payload the stream inspects; only
 * the rules that need packets are evaluated on it, so a group without such
 * rules is not scanned at all (the bytes are scanned once, in the stream).
 */
static void
collect(struct detect_thread *t, const struct group *g, const struct view *v,
    const uint8_t *buf, uint32_t len, int stream_owned)
{
	int f = v->src->family == 6;

	for (uint32_t i = 0; i < g->nalways && t->ncand < t->capcand; i++)
		t->cand[t->ncand++] = g->always[i];
	stab(t, &g->by_src[f], v->src);
	stab(t, &g->by_dst[f], v->dst);
	if (len > 0 && g->b[DBUF_PAYLOAD].db != NULL &&
	    (!stream_owned || g->b[DBUF_PAYLOAD].npkt_tcp > 0)) {
		struct scan_ctx sc = { t, &g->b[DBUF_PAYLOAD] };

		hs_scan(g->b[DBUF_PAYLOAD].db, (const char *)buf, len, 0, t->scratch,
		    on_hs_match, &sc);
	}
}

static void
gather_candidates(struct detect_thread *t, const struct view *v,
    const uint8_t *buf, uint32_t len, int so)
{
	struct detect_engine *e = t->e;

	t->ncand = 0;
	if (e->any_group[RP_IP] >= 0)
		collect(t, &e->groups[e->any_group[RP_IP]], v, buf, len, so);
	if (v->proto != RP_IP && e->any_group[v->proto] >= 0)
		collect(t, &e->groups[e->any_group[v->proto]], v, buf, len, so);
	if (v->gp >= 0) {
		uint16_t gd = e->dport_map[v->gp][v->dp], gs = e->sport_map[v->gp][v->sp];

		if (gd != 0)
			collect(t, &e->groups[gd - 1], v, buf, len, so);
		if (gs != 0)
			collect(t, &e->groups[gs - 1], v, buf, len, so);
	}
	if (t->ncand > 1)
		qsort(t->cand, t->ncand, sizeof(*t->cand), u32cmp);
}

/* Evaluates the candidates; buf is the packet payload or a stream piece. */
static void
evaluate(struct detect_thread *t, struct packet *p, void **slot,
    const struct view *v, const uint8_t *buf, uint32_t len, uint32_t new_from,
    int from_stream, struct detect_result *res)
{
	struct detect_engine *e = t->e;
	struct detect_flow_state *fs = NULL;
	int inl = e->cfg.inline_mode;
	int stream_owned = !from_stream && e->cfg.stream_mode && v->proto == RP_TCP &&
	    p->flow != NULL;

	for (size_t ci = 0; ci < t->ncand; ci++) {
		const struct rule *r = e->rules[t->cand[ci]];
		struct inspect_ctx ic;
		int alert;

		if (r->app_point != 0)	/* h10: inspected per transaction */
			continue;
		if (r->app_proto != 0 && (p->flow == NULL || t->app_proto_of == NULL ||
		    t->app_proto_of(t->app_proto_ctx, p->flow) != r->app_proto))
			continue;	/* h10: only on flows of its app protocol */
		if (from_stream) {
			if ((r->flags & RULE_F_PKT_ONLY) || !(r->flags & RULE_F_HAS_PAYLOAD))
				continue;
		} else if ((r->flags & RULE_F_HAS_PAYLOAD) && !(r->flags & RULE_F_PKT_ONLY) &&
		    (stream_owned || ((r->flags & RULE_F_STREAM_ONLY) && e->cfg.stream_mode))) {
			continue;
		}
		t->st.candidates++;
		if (!header_match(r, v) || !packet_keywords_match(r, p, from_stream) ||
		    !flow_keywords_match(r, p, v))
			continue;
		if (r->nflowbits > 0) {
			if (fs == NULL)
				fs = flow_state(e, slot);
			if (!flowbits_check(r, fs))
				continue;
		}
		if (r->flags & RULE_F_HAS_PAYLOAD) {
			if (len == 0)
				continue;
			memset(&ic, 0, sizeof(ic));
			ic.buf = buf;
			ic.len = len;
			ic.new_from = new_from;
			ic.match_pos = t->match_pos;
			ic.budget = INSPECT_BUDGET;
			ic.md = t->md;
			ic.mctx = t->mctx;
			if (!inspect_list(&ic, &r->lists[DBUF_PAYLOAD]))
				continue;
		}
		/* matched */
		t->st.matches++;
		if (r->nflowbits > 0)
			flowbits_apply(r, fs);
		if (r->info.action == DETECT_ACTION_PASS) {
			res->flags |= DETECT_R_PASS;
			return;
		}
		alert = !(r->flags & RULE_F_NOALERT) && r->info.action != DETECT_ACTION_SDROP;
		/* detection_filter counts every match; threshold only what passed it */
		if (r->detection_filter != NULL &&
		    !thresholds_check(t->thr, r->detection_filter, r->info.gid,
		    r->info.sid, v->src, v->dst, (uint64_t)(uintptr_t)p->flow, p->ts_ns))
			alert = 0;
		if (alert && r->threshold != NULL)
			alert = thresholds_check(t->thr, r->threshold, r->info.gid,
			    r->info.sid, v->src, v->dst, (uint64_t)(uintptr_t)p->flow,
			    p->ts_ns);
		switch (r->info.action) {
		case DETECT_ACTION_DROP:
		case DETECT_ACTION_SDROP:
			if (inl) {
				res->flags |= DETECT_R_DROP | DETECT_R_DROP_FLOW;
				if (fs == NULL)
					fs = flow_state(e, slot);
				if (fs != NULL)
					fs->dropped = 1;
			}
			break;
		case DETECT_ACTION_REJECT:
		case DETECT_ACTION_REJECTDST:
		case DETECT_ACTION_REJECTBOTH:
			/* inline, a reject drops like drop (the flow too, so a
			 * retransmission of the payload cannot slip through) */
			if (inl) {
				res->flags |= DETECT_R_DROP | DETECT_R_DROP_FLOW;
				if (fs == NULL)
					fs = flow_state(e, slot);
				if (fs != NULL)
					fs->dropped = 1;
			}
			if (r->info.action != DETECT_ACTION_REJECTDST)
				res->flags |= DETECT_R_REJECT_SRC;
			if (r->info.action != DETECT_ACTION_REJECT)
				res->flags |= DETECT_R_REJECT_DST;
			break;
		default:
			break;
		}
		if (inl && !from_stream && (r->flags & RULE_F_REPLACE) && p->payload != NULL) {
			apply_replace(r, t, p);
			res->flags |= DETECT_R_REPLACED;
		}
		if (alert) {
			t->st.alerts++;
			add_alert(res, r, inl && r->info.action != DETECT_ACTION_ALERT,
			    from_stream, buf, len);
			if (p->flow != NULL)
				p->flow->flags |= FLOW_F_ALERTED;
		}
	}
}

static void
view_from_packet(struct view *v, const struct packet *p)
{
	v->src = &p->src;
	v->dst = &p->dst;
	v->sp = p->sport;
	v->dp = p->dport;
	v->dir = p->flow != NULL ? p->dir : -1;
	if (p->layers & PKT_TCP) {
		v->proto = RP_TCP;
		v->gp = GP_TCP;
	} else if (p->layers & PKT_UDP) {
		v->proto = RP_UDP;
		v->gp = GP_UDP;
	} else {
		v->proto = (p->layers & (PKT_ICMP | PKT_ICMPV6)) ? RP_ICMP : RP_IP;
		v->gp = -1;
	}
}

void
detect_packet(struct detect_thread *t, struct packet *p, void **flow_state_slot,
    struct detect_result *res)
{
	struct view v;
	void **slot = p->flow != NULL ? flow_state_slot : NULL;

	res->flags = 0;
	res->nalerts = 0;
	res->alerts_lost = 0;
	if (p->ip_version != 4 && p->ip_version != 6)
		return;		/* no IP layer: nothing a rule can match */
	t->st.packets++;
	t->st.bytes += p->payload_len;
	if (slot != NULL && *slot != NULL &&
	    ((struct detect_flow_state *)*slot)->dropped && t->e->cfg.inline_mode) {
		res->flags |= DETECT_R_DROP | DETECT_R_DROP_FLOW;
		return;
	}
	view_from_packet(&v, p);
	gather_candidates(t, &v, p->payload, p->payload_len,
	    t->e->cfg.stream_mode && v.proto == RP_TCP && p->flow != NULL);
	evaluate(t, p, slot, &v, p->payload, p->payload_len, 0, 0, res);
}

void
detect_stream(struct detect_thread *t, struct packet *p, void **flow_state_slot,
    int dir, const uint8_t *data, size_t len, struct detect_result *res)
{
	struct detect_engine *e = t->e;
	struct flow *f = p->flow;
	struct detect_flow_state *fs;
	void **slot = f != NULL ? flow_state_slot : NULL;
	struct view v;

	if (len == 0 || !(p->layers & PKT_TCP) || (dir != 0 && dir != 1))
		return;
	t->st.stream_chunks++;
	view_from_packet(&v, p);
	if (f != NULL) {
		int same = p->dir == dir;

		v.dir = dir;
		v.src = same ? &p->src : &p->dst;
		v.dst = same ? &p->dst : &p->src;
		v.sp = same ? p->sport : p->dport;
		v.dp = same ? p->dport : p->sport;
	}
	fs = flow_state(e, slot);
	if (fs != NULL && fs->tail == NULL)
		fs->tail = malloc(2 * STREAM_TAIL);
	if (t->sbuf == NULL) {
		t->sbuf = malloc(STREAM_TAIL + STREAM_PIECE);
		if (t->sbuf == NULL)
			return;
		t->sbuf_cap = STREAM_TAIL + STREAM_PIECE;
	}
	while (len > 0) {
		size_t piece = len < STREAM_PIECE ? len : STREAM_PIECE;
		uint32_t tl = 0, total;

		if (fs != NULL && fs->tail != NULL) {
			tl = fs->tail_len[dir];
			memcpy(t->sbuf, fs->tail + dir * STREAM_TAIL, tl);
		}
		memcpy(t->sbuf + tl, data, piece);
		total = tl + (uint32_t)piece;
		t->st.bytes += piece;
		gather_candidates(t, &v, t->sbuf, total, 0);
		evaluate(t, p, slot, &v, t->sbuf, total, tl, 1, res);
		if (fs != NULL && fs->tail != NULL) {
			uint32_t keep = total < STREAM_TAIL ? total : STREAM_TAIL;

			memcpy(fs->tail + dir * STREAM_TAIL, t->sbuf + total - keep, keep);
			fs->tail_len[dir] = (uint16_t)keep;
		}
		data += piece;
		len -= piece;
	}
}

/* ---- app-layer transactions (h10, issue 6) ----------------------------- */

void
detect_thread_set_app_proto(struct detect_thread *t,
    int (*fn)(void *ctx, const struct flow *f), void *ctx)
{
	t->app_proto_of = fn;
	t->app_proto_ctx = ctx;
}

/*
 * The rules with app buffers of av's protocol whose inspection point is
 * av->point (kw_app.c): prefilter on each buffer of the transaction with
 * the app group's database for that buffer, then full evaluation of the
 * candidates on the transaction's buffers.  Alerts and verdicts as for
 * packets; the addresses are the flow's, oriented by av->dir.
 */
void
detect_app_tx(struct detect_thread *t, struct packet *p, void **flow_state_slot,
    const struct detect_app_view *av, struct detect_result *res)
{
	struct detect_engine *e = t->e;
	struct flow *f = p != NULL ? p->flow : NULL;
	struct detect_flow_state *fs = NULL;
	const struct group *g;
	struct view v;
	int32_t gi;
	int inl = e->cfg.inline_mode;
	size_t nc = 0;

	if (f == NULL || av->app_proto < 0 || av->app_proto >= 8 ||
	    (gi = e->app_group[av->app_proto]) < 0)
		return;
	g = &e->groups[gi];
	v.dir = av->dir;
	v.src = av->dir == 0 ? &f->src : &f->dst;
	v.dst = av->dir == 0 ? &f->dst : &f->src;
	v.sp = av->dir == 0 ? f->sport : f->dport;
	v.dp = av->dir == 0 ? f->dport : f->sport;
	v.proto = f->proto == 6 ? RP_TCP : f->proto == 17 ? RP_UDP : RP_IP;
	v.gp = f->proto == 6 ? GP_TCP : f->proto == 17 ? GP_UDP : -1;
	t->ncand = 0;
	for (uint32_t i = 0; i < g->nalways && t->ncand < t->capcand; i++)
		t->cand[t->ncand++] = g->always[i];
	stab(t, &g->by_src[v.src->family == 6], v.src);
	stab(t, &g->by_dst[v.src->family == 6], v.dst);
	for (int b = 0; b < DETECT_APP_BUFS; b++) {
		const struct group_buf *gb = &g->b[DBUF_APP + b];
		const uint8_t *d;
		uint32_t n;

		if (gb->db == NULL)
			continue;
		for (int k = 0; k < 16 && av->buffer(av->tx, b, k, &d, &n); k++) {
			struct scan_ctx sc = { t, gb };

			if (n > 0)
				hs_scan(gb->db, (const char *)d, n, 0, t->scratch,
				    on_hs_match, &sc);
		}
	}
	if (t->ncand > 1)
		qsort(t->cand, t->ncand, sizeof(*t->cand), u32cmp);
	for (size_t i = 0; i < t->ncand; i++)	/* unique */
		if (nc == 0 || t->cand[nc - 1] != t->cand[i])
			t->cand[nc++] = t->cand[i];
	t->ncand = nc;
	for (size_t ci = 0; ci < t->ncand; ci++) {
		const struct rule *r = e->rules[t->cand[ci]];
		struct inspect_ctx ic;
		int alert, ok = 1;

		if (r->app_point != av->point)
			continue;
		t->st.candidates++;
		if (!header_match(r, &v) || !flow_keywords_match(r, p, &v))
			continue;
		if (r->nflowbits > 0) {
			if (fs == NULL)
				fs = flow_state(e, flow_state_slot);
			if (!flowbits_check(r, fs))
				continue;
		}
		if (r->urilen != NULL) {
			const uint8_t *d;
			uint32_t n;

			if (!av->buffer(av->tx, r->urilen_raw ? 1 : 0, 0, &d, &n) ||
			    !urange_match(r->urilen, n))
				continue;
		}
		for (int b = 0; b < DETECT_APP_BUFS && ok; b++) {
			const struct sm_list *l = &r->lists[DBUF_APP + b];
			const uint8_t *d;
			uint32_t n;

			if (l->n == 0)
				continue;
			/* a buffer with several instances matches if one does */
			ok = 0;
			for (int k = 0; k < 16 && !ok && av->buffer(av->tx, b, k, &d, &n); k++) {
				memset(&ic, 0, sizeof(ic));
				ic.buf = d;
				ic.len = n;
				ic.match_pos = t->match_pos;
				ic.budget = INSPECT_BUDGET;
				ic.md = t->md;
				ic.mctx = t->mctx;
				ok = inspect_list(&ic, l);
			}
		}
		if (!ok)
			continue;
		t->st.matches++;
		if (r->nflowbits > 0)
			flowbits_apply(r, fs);
		if (r->info.action == DETECT_ACTION_PASS) {
			res->flags |= DETECT_R_PASS;
			return;
		}
		alert = !(r->flags & RULE_F_NOALERT) && r->info.action != DETECT_ACTION_SDROP;
		if (r->detection_filter != NULL &&
		    !thresholds_check(t->thr, r->detection_filter, r->info.gid,
		    r->info.sid, v.src, v.dst, (uint64_t)(uintptr_t)f, p->ts_ns))
			alert = 0;
		if (alert && r->threshold != NULL)
			alert = thresholds_check(t->thr, r->threshold, r->info.gid,
			    r->info.sid, v.src, v.dst, (uint64_t)(uintptr_t)f, p->ts_ns);
		if (inl && r->info.action != DETECT_ACTION_ALERT) {
			res->flags |= DETECT_R_DROP | DETECT_R_DROP_FLOW;
			if (fs == NULL)
				fs = flow_state(e, flow_state_slot);
			if (fs != NULL)
				fs->dropped = 1;
		}
		if (alert) {
			t->st.alerts++;
			add_alert(res, r, inl && r->info.action != DETECT_ACTION_ALERT,
			    1, NULL, 0);
			f->flags |= FLOW_F_ALERTED;
		}
	}
}
