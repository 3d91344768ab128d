/* summary: data control: per-honeypot connection limits, bandwidth, lists, anti-spoofing. */
#include "control/control.h"

#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"

/*
 * Design.  One call per frame, no allocation on the forwarding path after
 * control_new(): the connection table and the fragment table are arrays
 * sized once from the policy's bounds.
 *
 * Frames from the honeynet side go through these checks, first match wins
 * (the order of the Honeywall's FORWARD chain, with what it left implicit
 * made explicit):
 *
 *   1. malformed / truncated IP            -> drop (malformed)
 *   2. VLAN tag                            -> drop (vlan)
 *   3. ARP: sender is a honeypot or 0.0.0.0 -> pass (not counted), else spoofed
 *   4. not IPv4/IPv6/ARP ethertype          -> drop (ethertype)
 *   5. IPv6 and no honeypot has IPv6        -> drop (ipv6)
 *   6. source not a honeypot                -> drop (spoofed); except DHCP
 *      requests from 0.0.0.0 and IPv6 neighbour discovery from :: or fe80::
 *      with hop limit 255 (they cannot leave the link)
 *   7. lockdown                            -> drop (lockdown)
 *   8. block list (destination)            -> drop (block)
 *   9. pass list (destination)             -> pass, not counted, no bandwidth cap
 *  10. to a honeypot, or broadcast          -> pass, not counted
 *  11. tunnel (IP-in-IP, GRE, ...)          -> drop (tunnel)
 *  12. later fragment: its first fragment passed within 30 s -> pass, else drop
 *  13. fence list                          -> drop (fence)
 *  14. bandwidth bucket (every frame from here on) -> drop (bandwidth)
 *  15. part of a tracked connection, or an ICMP error about one -> pass
 *  16. allow list                          -> pass, tracked, not counted
 *  17. new connection: the protocol's token bucket -> pass and track, or
 *      drop (limit) and at most one `limit` event per window
 *
 * Frames from the uplink are never limited: block list -> drop; anything
 * else passes, and IP traffic to a honeypot is tracked (so the honeypot's
 * replies are "established", not new) and ends as a flow event with
 * direction "inbound".
 *
 * A TCP segment from the honeypot that matches no tracked connection is a
 * new connection whatever its flags (midstream pickup counts).  Connection
 * table: chained hash over a fixed array with an LRU list; when full, the
 * least recently used entry is evicted (its flow event says "forced").  An
 * evicted outbound connection that goes on is charged again as new, so an
 * attacker filling the table from outside can only cost the honeypot
 * budget, never get traffic past it.
 *
 * Token buckets are kept in doubles: tokens refill at count/window, up to
 * the burst; a connection costs one token.  On reload, what a honeypot has
 * used (burst - tokens) is carried over against its new limit.
 */

#define FRAG_TIMEOUT_NS (30 * NSEC_PER_SEC)
#define NIL UINT32_MAX

struct conn {
	struct addr inside, outside;
	uint16_t in_port, out_port;
	uint8_t proto;
	uint8_t outbound;
	uint8_t flags[2];		/* TCP flags seen: [0] from honeynet */
	uint32_t hp;			/* honeypot state index or NIL */
	uint64_t first_ns, last_ns;
	uint64_t pkts[2], bytes[2];
	uint32_t hnext, prev, next;	/* hash chain, LRU list */
	uint8_t used;
};

struct frag {
	struct addr src, dst;
	uint32_t id;
	uint8_t proto;
	uint8_t used;
	uint64_t ts_ns;
};

struct hp_state {
	struct prefix net;
	double tokens[CONTROL_NPROTO];
	uint64_t refill_ns[CONTROL_NPROTO];
	uint64_t win_start[CONTROL_NPROTO], win_count[CONTROL_NPROTO];
	uint64_t win_dropped[CONTROL_NPROTO];
	uint64_t limit_event_ns[CONTROL_NPROTO];
	int limit_event_sent[CONTROL_NPROTO];
	double bw_tokens;
	uint64_t bw_refill_ns;
	struct control_hp_stats st;
};

struct control {
	struct control_policy pol;
	struct hp_state *hp;
	int any_v6;
	control_emit_fn emit;
	void *emit_arg;

	struct conn *conns;
	uint32_t nconns, maxconns;
	uint32_t *buckets;
	uint32_t nbuckets;		/* power of two */
	uint32_t free_head;
	uint32_t lru_head, lru_tail;	/* head: most recent */

	struct frag *frags;
	uint32_t nfragslots;		/* power of two, 4-way sets */

	double droplog_tokens;
	uint64_t droplog_refill_ns;
	uint64_t droplog_suppressed;

	struct control_stats st;
};

static const char *const reason_names[CONTROL_NREASONS] = {
	"pass", "malformed", "spoofed", "lockdown", "block", "fence", "limit",
	"bandwidth", "fragment", "tunnel", "vlan", "ethertype", "ipv6",
};

const char *
control_reason_name(enum control_reason r)
{
	return (unsigned)r < CONTROL_NREASONS ? reason_names[r] : "unknown";
}

const char *
control_proto_name(enum control_proto p)
{
	static const char *const n[] = { "tcp", "udp", "icmp", "other" };

	return (unsigned)p < CONTROL_NPROTO ? n[p] : "unknown";
}

void
control_honeypot_defaults(struct control_honeypot *hp)
{
	static const uint64_t rate[CONTROL_NPROTO] = { 20, 20, 50, 10 };

	memset(hp, 0, sizeof(*hp));
	for (int i = 0; i < CONTROL_NPROTO; i++) {
		hp->limit[i].count = rate[i];
		hp->limit[i].burst = rate[i];
		hp->limit[i].window_ns = 3600 * NSEC_PER_SEC;
	}
}

void
control_policy_free(struct control_policy *pol)
{
	free(pol->honeypots);
	free(pol->rules);
	pol->honeypots = NULL;
	pol->rules = NULL;
	pol->nhoneypots = pol->nrules = 0;
}

int
control_policy_copy(struct control_policy *dst,
    const struct control_policy *src, struct error *err)
{
	*dst = *src;
	dst->honeypots = NULL;
	dst->rules = NULL;
	if (src->nhoneypots > 0) {
		dst->honeypots = calloc(src->nhoneypots, sizeof(*dst->honeypots));
		if (dst->honeypots == NULL)
			return error_set(err, "out of memory");
		memcpy(dst->honeypots, src->honeypots,
		    src->nhoneypots * sizeof(*dst->honeypots));
	}
	if (src->nrules > 0) {
		dst->rules = calloc(src->nrules, sizeof(*dst->rules));
		if (dst->rules == NULL) {
			control_policy_free(dst);
			return error_set(err, "out of memory");
		}
		memcpy(dst->rules, src->rules, src->nrules * sizeof(*dst->rules));
	}
	return 0;
}

static uint64_t
bw_burst(const struct control_honeypot *h)
{
	uint64_t b;

	if (h->bandwidth_burst)
		return h->bandwidth_burst;
	b = h->bandwidth_bps / 8 / 4;
	return b < 32768 ? 32768 : b;
}

static void
hp_state_init(struct hp_state *s, const struct control_honeypot *h,
    uint64_t now)
{
	memset(s, 0, sizeof(*s));
	s->net = h->net;
	s->st.net = h->net;
	for (int i = 0; i < CONTROL_NPROTO; i++) {
		s->tokens[i] = (double)h->limit[i].burst;
		s->refill_ns[i] = now;
	}
	s->bw_tokens = (double)bw_burst(h);
	s->bw_refill_ns = now;
}

static int
install_policy(struct control *c, const struct control_policy *pol,
    struct error *err)
{
	struct control_policy copy;
	struct hp_state *hp = NULL;
	uint32_t *map = NULL;
	size_t oldn = c->pol.nhoneypots;
	uint64_t now = time_mono_ns();

	if (control_policy_copy(&copy, pol, err) == -1)
		return -1;
	if (copy.nhoneypots > 0) {
		hp = calloc(copy.nhoneypots, sizeof(*hp));
		if (hp == NULL) {
			control_policy_free(&copy);
			return error_set(err, "out of memory");
		}
	}
	if (oldn > 0) {
		map = calloc(oldn, sizeof(*map));
		if (map == NULL) {
			free(hp);
			control_policy_free(&copy);
			return error_set(err, "out of memory");
		}
	}
	for (size_t i = 0; i < oldn; i++)
		map[i] = NIL;
	c->any_v6 = 0;
	for (size_t i = 0; i < copy.nhoneypots; i++) {
		const struct control_honeypot *h = &copy.honeypots[i];
		size_t j;

		if (h->net.addr.family == 6)
			c->any_v6 = 1;
		hp_state_init(&hp[i], h, now);
		for (j = 0; j < oldn; j++)
			if (map[j] == NIL &&
			    c->hp[j].net.len == h->net.len &&
			    addr_cmp(&c->hp[j].net.addr, &h->net.addr) == 0)
				break;
		if (j == oldn)
			continue;
		/* Same honeypot: carry its state, re-based on the new limits. */
		map[j] = (uint32_t)i;
		{
			struct hp_state *o = &c->hp[j];
			const struct control_honeypot *oh = &c->pol.honeypots[j];

			for (int k = 0; k < CONTROL_NPROTO; k++) {
				double used = (double)oh->limit[k].burst - o->tokens[k];
				double t = (double)h->limit[k].burst - used;

				if (t < 0)
					t = 0;
				if (t > (double)h->limit[k].burst)
					t = (double)h->limit[k].burst;
				hp[i].tokens[k] = t;
				hp[i].refill_ns[k] = o->refill_ns[k];
				hp[i].win_start[k] = o->win_start[k];
				hp[i].win_count[k] = o->win_count[k];
				hp[i].win_dropped[k] = o->win_dropped[k];
				hp[i].limit_event_ns[k] = o->limit_event_ns[k];
				hp[i].limit_event_sent[k] = o->limit_event_sent[k];
			}
			hp[i].bw_tokens = o->bw_tokens < (double)bw_burst(h) ?
			    o->bw_tokens : (double)bw_burst(h);
			hp[i].bw_refill_ns = o->bw_refill_ns;
			hp[i].st = o->st;
		}
	}
	for (uint32_t i = 0; c->conns != NULL && i < c->maxconns; i++)
		if (c->conns[i].used && c->conns[i].hp != NIL)
			c->conns[i].hp = c->conns[i].hp < oldn ?
			    map[c->conns[i].hp] : NIL;
	free(map);
	free(c->hp);
	control_policy_free(&c->pol);
	c->pol = copy;
	c->hp = hp;
	if (c->pol.drop_log_count == 0 && c->pol.drop_log_window_ns == 0) {
		c->pol.drop_log_count = 10;
		c->pol.drop_log_window_ns = NSEC_PER_SEC;
	}
	return 0;
}

struct control *
control_new(const struct control_policy *pol, control_emit_fn emit,
    void *emit_arg, struct error *err)
{
	struct control *c;
	size_t maxc = pol->max_conns ? pol->max_conns : 65536;
	size_t maxf = pol->max_frags ? pol->max_frags : 4096;

	if (maxc > (1u << 24) || maxf > (1u << 20)) {
		error_set(err, "table bounds too large");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	c->emit = emit;
	c->emit_arg = emit_arg;
	c->maxconns = (uint32_t)maxc;
	for (c->nbuckets = 1; c->nbuckets < c->maxconns; c->nbuckets <<= 1)
		;
	for (c->nfragslots = 4; c->nfragslots < maxf; c->nfragslots <<= 1)
		;
	c->conns = calloc(c->maxconns, sizeof(*c->conns));
	c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
	c->frags = calloc(c->nfragslots, sizeof(*c->frags));
	if (c->conns == NULL || c->buckets == NULL || c->frags == NULL) {
		error_set(err, "out of memory for %zu connections", maxc);
		control_free(c);
		return NULL;
	}
	for (uint32_t i = 0; i < c->nbuckets; i++)
		c->buckets[i] = NIL;
	for (uint32_t i = 0; i < c->maxconns; i++)
		c->conns[i].hnext = i + 1 < c->maxconns ? i + 1 : NIL;
	c->free_head = 0;
	c->lru_head = c->lru_tail = NIL;
	c->st.conns_max = c->maxconns;
	if (install_policy(c, pol, err) == -1) {
		control_free(c);
		return NULL;
	}
	c->droplog_tokens = (double)c->pol.drop_log_count;
	c->droplog_refill_ns = time_mono_ns();
	return c;
}

void
control_free(struct control *c)
{
	if (c == NULL)
		return;
	control_policy_free(&c->pol);
	free(c->hp);
	free(c->conns);
	free(c->buckets);
	free(c->frags);
	free(c);
}

int
control_reload(struct control *c, const struct control_policy *pol,
    struct error *err)
{
	return install_policy(c, pol, err);
}

/* ---- helpers ----------------------------------------------------------- */

static uint32_t
find_hp(const struct control *c, const struct addr *a)
{
	for (size_t i = 0; i < c->pol.nhoneypots; i++)
		if (prefix_contains(&c->pol.honeypots[i].net, a))
			return (uint32_t)i;
	return NIL;
}

static enum control_proto
proto_class(uint8_t ip_proto)
{
	switch (ip_proto) {
	case 6: return CONTROL_TCP;
	case 17: return CONTROL_UDP;
	case 1: case 58: return CONTROL_ICMP;
	default: return CONTROL_OTHER;
	}
}

static int
rule_match(const struct control_rule *r, const struct packet *p,
    const struct addr *remote, uint16_t rport)
{
	if (r->proto >= 0 && r->proto != p->ip_proto)
		return 0;
	if (r->addr.addr.family != 0 && !prefix_contains(&r->addr, remote))
		return 0;
	if (r->port_hi != 0) {
		if (!(p->layers & (PKT_TCP | PKT_UDP)))
			return 0;
		if (rport < r->port_lo || rport > r->port_hi)
			return 0;
	}
	return 1;
}

static int
list_match(const struct control *c, enum control_rule_kind kind,
    const struct packet *p, const struct addr *remote, uint16_t rport)
{
	for (size_t i = 0; i < c->pol.nrules; i++)
		if (c->pol.rules[i].kind == kind &&
		    rule_match(&c->pol.rules[i], p, remote, rport))
			return 1;
	return 0;
}

static int
is_broadcast(const struct control *c, const struct packet *p)
{
	static const uint8_t bcast[4] = { 255, 255, 255, 255 };

	if (p->ip_version != 4)
		return 0;
	if (memcmp(p->dst.b, bcast, 4) == 0)
		return 1;
	/* The directed broadcast of a honeypot subnet. */
	for (size_t i = 0; i < c->pol.nhoneypots; i++) {
		const struct prefix *n = &c->pol.honeypots[i].net;
		uint32_t net, d, mask;

		if (n->addr.family != 4 || n->len >= 31)
			continue;
		mask = n->len == 0 ? 0 : ~0u << (32 - n->len);
		memcpy(&net, n->addr.b, 4);
		memcpy(&d, p->dst.b, 4);
		net = __builtin_bswap32(net);
		d = __builtin_bswap32(d);
		if ((d & mask) == net && (d | mask) == 0xffffffffu)
			return 1;
	}
	return 0;
}

static int
icmp_is_query(const struct packet *p)
{
	if (p->ip_proto == 1)
		return p->icmp_type == 0 || p->icmp_type == 8 ||
		    p->icmp_type == 13 || p->icmp_type == 14 ||
		    p->icmp_type == 15 || p->icmp_type == 16 ||
		    p->icmp_type == 17 || p->icmp_type == 18;
	return p->icmp_type == 128 || p->icmp_type == 129;
}

static int
icmp_is_error(const struct packet *p)
{
	if (p->ip_proto == 1)
		return p->icmp_type == 3 || p->icmp_type == 4 ||
		    p->icmp_type == 5 || p->icmp_type == 11 ||
		    p->icmp_type == 12;
	return p->icmp_type >= 1 && p->icmp_type <= 4;
}

/* ---- connection table -------------------------------------------------- */

struct conn_key {
	struct addr inside, outside;
	uint16_t in_port, out_port;
	uint8_t proto;
};

static uint32_t
key_hash(const struct conn_key *k, uint32_t nb)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ k->proto;
	uint64_t w[4];

	memcpy(w, k->inside.b, 16);
	memcpy(w + 2, k->outside.b, 16);
	for (int i = 0; i < 4; i++) {
		h ^= w[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 33;
	}
	h ^= ((uint64_t)k->in_port << 16 | k->out_port) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return (uint32_t)h & (nb - 1);
}

static int
key_eq(const struct conn *e, const struct conn_key *k)
{
	return e->proto == k->proto && e->in_port == k->in_port &&
	    e->out_port == k->out_port &&
	    memcmp(e->inside.b, k->inside.b, 16) == 0 &&
	    memcmp(e->outside.b, k->outside.b, 16) == 0 &&
	    e->inside.family == k->inside.family;
}

static void
lru_unlink(struct control *c, uint32_t i)
{
	struct conn *e = &c->conns[i];

	if (e->prev != NIL)
		c->conns[e->prev].next = e->next;
	else
		c->lru_head = e->next;
	if (e->next != NIL)
		c->conns[e->next].prev = e->prev;
	else
		c->lru_tail = e->prev;
}

static void
lru_push_head(struct control *c, uint32_t i)
{
	struct conn *e = &c->conns[i];

	e->prev = NIL;
	e->next = c->lru_head;
	if (c->lru_head != NIL)
		c->conns[c->lru_head].prev = i;
	c->lru_head = i;
	if (c->lru_tail == NIL)
		c->lru_tail = i;
}

static void
emit_flow(struct control *c, const struct conn *e, uint64_t now,
    const char *why)
{
	struct control_event ev;
	int o = e->outbound ? 0 : 1;	/* index of the initiator's side */

	if (c->emit == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = CONTROL_EV_FLOW;
	ev.ts_ns = now;
	ev.outbound = e->outbound;
	ev.ip_proto = e->proto;
	if (e->outbound) {
		ev.src = e->inside;
		ev.dst = e->outside;
		ev.sport = e->in_port;
		ev.dport = e->out_port;
	} else {
		ev.src = e->outside;
		ev.dst = e->inside;
		ev.sport = e->out_port;
		ev.dport = e->in_port;
	}
	ev.start_ns = e->first_ns;
	ev.end_ns = e->last_ns;
	ev.pkts_toserver = e->pkts[o];
	ev.pkts_toclient = e->pkts[!o];
	ev.bytes_toserver = e->bytes[o];
	ev.bytes_toclient = e->bytes[!o];
	ev.flags_toserver = e->flags[o];
	ev.flags_toclient = e->flags[!o];
	ev.end_reason = why;
	c->emit(c->emit_arg, &ev);
}

static void
conn_remove(struct control *c, uint32_t i, uint64_t now, const char *why)
{
	struct conn *e = &c->conns[i];
	struct conn_key k;
	uint32_t *pp;

	emit_flow(c, e, now, why);
	k.inside = e->inside;
	k.outside = e->outside;
	k.in_port = e->in_port;
	k.out_port = e->out_port;
	k.proto = e->proto;
	for (pp = &c->buckets[key_hash(&k, c->nbuckets)]; *pp != NIL;
	    pp = &c->conns[*pp].hnext)
		if (*pp == i) {
			*pp = e->hnext;
			break;
		}
	lru_unlink(c, i);
	e->used = 0;
	e->hnext = c->free_head;
	c->free_head = i;
	c->nconns--;
}

static uint32_t
conn_lookup(struct control *c, const struct conn_key *k)
{
	for (uint32_t i = c->buckets[key_hash(k, c->nbuckets)]; i != NIL;
	    i = c->conns[i].hnext)
		if (key_eq(&c->conns[i], k))
			return i;
	return NIL;
}

static int
conn_closed(const struct conn *e)
{
	return ((e->flags[0] | e->flags[1]) & TCP_RST) ||
	    ((e->flags[0] & TCP_FIN) && (e->flags[1] & TCP_FIN));
}

static uint64_t
conn_timeout(const struct conn *e)
{
	switch (e->proto) {
	case 6:
		if ((e->flags[0] | e->flags[1]) & TCP_RST)
			return 10 * NSEC_PER_SEC;
		if ((e->flags[0] & TCP_FIN) && (e->flags[1] & TCP_FIN))
			return 10 * NSEC_PER_SEC;
		if (e->pkts[0] && e->pkts[1])
			return 7200 * NSEC_PER_SEC;
		return 60 * NSEC_PER_SEC;
	case 17:
		return (e->pkts[0] && e->pkts[1] ? 180 : 60) * NSEC_PER_SEC;
	case 1:
	case 58:
		return 30 * NSEC_PER_SEC;
	default:
		return 120 * NSEC_PER_SEC;
	}
}

static uint32_t
conn_insert(struct control *c, const struct conn_key *k, int outbound,
    uint32_t hp, uint64_t now)
{
	uint32_t i, h;
	struct conn *e;

	if (c->free_head == NIL) {
		c->st.conn_evictions++;
		conn_remove(c, c->lru_tail, now, "forced");
	}
	i = c->free_head;
	e = &c->conns[i];
	c->free_head = e->hnext;
	memset(e, 0, sizeof(*e));
	e->inside = k->inside;
	e->outside = k->outside;
	e->in_port = k->in_port;
	e->out_port = k->out_port;
	e->proto = k->proto;
	e->outbound = (uint8_t)outbound;
	e->hp = hp;
	e->first_ns = e->last_ns = now;
	e->used = 1;
	h = key_hash(k, c->nbuckets);
	e->hnext = c->buckets[h];
	c->buckets[h] = i;
	lru_push_head(c, i);
	c->nconns++;
	return i;
}

static void
conn_touch(struct control *c, uint32_t i, const struct packet *p, int side,
    uint64_t now)
{
	struct conn *e = &c->conns[i];

	e->last_ns = now;
	e->pkts[side]++;
	e->bytes[side] += p->wirelen;
	if (p->layers & PKT_TCP)
		e->flags[side] |= p->tcp_flags;
	if (c->lru_head != i) {
		lru_unlink(c, i);
		lru_push_head(c, i);
	}
}

static void
make_key(struct conn_key *k, const struct packet *p, int side)
{
	memset(k, 0, sizeof(*k));
	k->proto = p->ip_proto;
	if (side == CONTROL_FROM_HONEYNET) {
		k->inside = p->src;
		k->outside = p->dst;
		k->in_port = p->sport;
		k->out_port = p->dport;
	} else {
		k->inside = p->dst;
		k->outside = p->src;
		k->in_port = p->dport;
		k->out_port = p->sport;
	}
	if (p->layers & (PKT_ICMP | PKT_ICMPV6)) {
		k->in_port = k->out_port = icmp_is_query(p) ? p->icmp_id : 0;
	}
}

/*
 * The connection an ICMP error (sent by the honeypot) is about: the quoted
 * header was sent to the honeypot, so its destination is the inside.
 */
static uint32_t
icmp_error_conn(struct control *c, const struct packet *p)
{
	const uint8_t *q = p->payload;
	uint32_t n = p->payload_len, hl;
	struct conn_key k;

	memset(&k, 0, sizeof(k));
	if (p->ip_version == 4) {
		if (n < 20 || (q[0] >> 4) != 4)
			return NIL;
		hl = (q[0] & 0x0fu) * 4u;
		if (hl < 20 || n < hl + 8)
			return NIL;
		k.proto = q[9];
		addr_from_v4(&k.outside, q + 12);
		addr_from_v4(&k.inside, q + 16);
	} else {
		if (n < 48 || (q[0] >> 4) != 6)
			return NIL;
		hl = 40;
		k.proto = q[6];
		addr_from_v6(&k.outside, q + 8);
		addr_from_v6(&k.inside, q + 24);
	}
	if (k.proto == 6 || k.proto == 17) {
		k.out_port = (uint16_t)(q[hl] << 8 | q[hl + 1]);
		k.in_port = (uint16_t)(q[hl + 2] << 8 | q[hl + 3]);
	} else if (k.proto == 1 || k.proto == 58) {
		k.in_port = k.out_port = (uint16_t)(q[hl + 4] << 8 | q[hl + 5]);
	}
	return conn_lookup(c, &k);
}

/* ---- fragments --------------------------------------------------------- */

static uint32_t
frag_set(const struct control *c, const struct packet *p)
{
	uint64_t h = p->ip_frag_id * 0x9e3779b97f4a7c15ull;
	uint64_t a, b;

	memcpy(&a, p->src.b, 8);
	memcpy(&b, p->dst.b, 8);
	h ^= a * 0xff51afd7ed558ccdull ^ b;
	h ^= h >> 31;
	return (uint32_t)(h & ((c->nfragslots >> 2) - 1)) << 2;
}

static int
frag_match(const struct frag *f, const struct packet *p)
{
	return f->used && f->id == p->ip_frag_id && f->proto == p->ip_proto &&
	    addr_cmp(&f->src, &p->src) == 0 && addr_cmp(&f->dst, &p->dst) == 0;
}

static void
frag_remember(struct control *c, const struct packet *p, uint64_t now)
{
	uint32_t s = frag_set(c, p), victim = s;

	for (uint32_t i = s; i < s + 4; i++) {
		if (frag_match(&c->frags[i], p) || !c->frags[i].used ||
		    now - c->frags[i].ts_ns > FRAG_TIMEOUT_NS) {
			victim = i;
			break;
		}
		if (c->frags[i].ts_ns < c->frags[victim].ts_ns)
			victim = i;
	}
	if (c->frags[victim].used && !frag_match(&c->frags[victim], p) &&
	    now - c->frags[victim].ts_ns <= FRAG_TIMEOUT_NS)
		c->st.frag_evictions++;
	c->frags[victim].used = 1;
	c->frags[victim].src = p->src;
	c->frags[victim].dst = p->dst;
	c->frags[victim].id = p->ip_frag_id;
	c->frags[victim].proto = p->ip_proto;
	c->frags[victim].ts_ns = now;
	c->st.frags++;
}

static int
frag_known(struct control *c, const struct packet *p, uint64_t now)
{
	uint32_t s = frag_set(c, p);

	for (uint32_t i = s; i < s + 4; i++)
		if (frag_match(&c->frags[i], p) &&
		    now - c->frags[i].ts_ns <= FRAG_TIMEOUT_NS)
			return 1;
	return 0;
}

/* ---- buckets and events ------------------------------------------------ */

static void
refill(double *tokens, uint64_t *last, uint64_t now, double per_ns,
    double cap)
{
	if (now > *last) {
		*tokens += (double)(now - *last) * per_ns;
		if (*tokens > cap)
			*tokens = cap;
	}
	*last = now;
}

static enum control_reason
drop(struct control *c, const struct packet *p, enum control_reason r,
    uint64_t now)
{
	struct control_event ev;

	c->st.drops[r]++;
	if (c->emit == NULL)
		return r;
	refill(&c->droplog_tokens, &c->droplog_refill_ns, now,
	    (double)c->pol.drop_log_count / (double)c->pol.drop_log_window_ns,
	    (double)c->pol.drop_log_count);
	if (c->droplog_tokens < 1.0) {
		c->droplog_suppressed++;
		c->st.drop_events_suppressed++;
		return r;
	}
	c->droplog_tokens -= 1.0;
	memset(&ev, 0, sizeof(ev));
	ev.type = CONTROL_EV_DROP;
	ev.ts_ns = p->ts_ns ? p->ts_ns : now;
	ev.pkt = p;
	ev.reason = r;
	ev.suppressed = c->droplog_suppressed;
	c->droplog_suppressed = 0;
	c->emit(c->emit_arg, &ev);
	return r;
}

static enum control_reason
hp_drop(struct control *c, uint32_t hp, const struct packet *p,
    enum control_reason r, uint64_t now)
{
	if (hp != NIL)
		c->hp[hp].st.drops++;
	return drop(c, p, r, now);
}

static int
bandwidth_ok(struct control *c, uint32_t hp, const struct packet *p,
    uint64_t now)
{
	const struct control_honeypot *h = &c->pol.honeypots[hp];
	struct hp_state *s = &c->hp[hp];

	if (h->bandwidth_bps == 0)
		return 1;
	refill(&s->bw_tokens, &s->bw_refill_ns, now,
	    (double)h->bandwidth_bps / 8.0 / 1e9, (double)bw_burst(h));
	if (s->bw_tokens < (double)p->wirelen) {
		s->st.bandwidth_drops++;
		return 0;
	}
	s->bw_tokens -= (double)p->wirelen;
	return 1;
}

static int
limit_charge(struct control *c, uint32_t hp, enum control_proto pc,
    const struct packet *p, uint64_t now)
{
	const struct control_limit *l = &c->pol.honeypots[hp].limit[pc];
	struct hp_state *s = &c->hp[hp];
	struct control_event ev;

	if (s->win_start[pc] == 0 || now - s->win_start[pc] >= l->window_ns) {
		s->win_start[pc] = now;
		s->win_count[pc] = 0;
	}
	if (l->unlimited) {
		s->win_count[pc]++;
		return 1;
	}
	if (l->count > 0)
		refill(&s->tokens[pc], &s->refill_ns[pc], now,
		    (double)l->count / (double)l->window_ns, (double)l->burst);
	if (l->count > 0 && s->tokens[pc] >= 1.0) {
		s->tokens[pc] -= 1.0;
		s->win_count[pc]++;
		return 1;
	}
	s->st.limited[pc]++;
	s->win_dropped[pc]++;
	if (c->emit == NULL)
		return 0;
	if (s->limit_event_sent[pc] &&
	    now - s->limit_event_ns[pc] < l->window_ns)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.type = CONTROL_EV_LIMIT;
	ev.ts_ns = p->ts_ns ? p->ts_ns : now;
	ev.pkt = p;
	ev.honeypot = &s->net;
	ev.proto = pc;
	ev.limit = l->count;
	ev.window_ns = l->window_ns;
	ev.count = s->win_count[pc];
	ev.dropped = s->win_dropped[pc];
	s->win_dropped[pc] = 0;
	s->limit_event_sent[pc] = 1;
	s->limit_event_ns[pc] = now;
	c->emit(c->emit_arg, &ev);
	return 0;
}

/* ---- the decision ------------------------------------------------------ */

static int
link_local_nd(const struct packet *p)
{
	static const uint8_t ll[2] = { 0xfe, 0x80 };

	if (p->ip_version != 6 || !(p->layers & PKT_ICMPV6) || p->ttl != 255)
		return 0;
	if (p->icmp_type < 133 || p->icmp_type > 137)
		return 0;
	return addr_is_zero(&p->src) || memcmp(p->src.b, ll, 2) == 0;
}

static int
dhcp_request(const struct packet *p)
{
	static const uint8_t bcast[4] = { 255, 255, 255, 255 };

	return p->ip_version == 4 && (p->layers & PKT_UDP) &&
	    p->sport == 68 && p->dport == 67 && addr_is_zero(&p->src) &&
	    memcmp(p->dst.b, bcast, 4) == 0;
}

static enum control_reason
decide_outbound(struct control *c, const struct packet *p, uint64_t now)
{
	uint32_t hp, ci;
	struct conn_key k;
	enum control_proto pc;

	if (p->layers & (PKT_INVALID | PKT_TRUNCATED))
		return drop(c, p, CONTROL_DROP_MALFORMED, now);
	if (p->layers & PKT_VLAN)
		return drop(c, p, CONTROL_DROP_VLAN, now);
	if (p->layers & PKT_ARP) {
		if (c->pol.lockdown)
			return drop(c, p, CONTROL_DROP_LOCKDOWN, now);
		if (!addr_is_zero(&p->arp_sender) &&
		    find_hp(c, &p->arp_sender) == NIL)
			return drop(c, p, CONTROL_DROP_SPOOFED, now);
		return CONTROL_PASS;
	}
	if (!(p->layers & (PKT_IPV4 | PKT_IPV6)))
		return drop(c, p, CONTROL_DROP_ETHERTYPE, now);
	if (p->ip_version == 6 && !c->any_v6)
		return drop(c, p, CONTROL_DROP_IPV6, now);
	hp = find_hp(c, &p->src);
	if (hp == NIL) {
		if (dhcp_request(p) || link_local_nd(p))
			return c->pol.lockdown ?
			    drop(c, p, CONTROL_DROP_LOCKDOWN, now) : CONTROL_PASS;
		return drop(c, p, CONTROL_DROP_SPOOFED, now);
	}
	if (c->pol.lockdown)
		return hp_drop(c, hp, p, CONTROL_DROP_LOCKDOWN, now);
	if (list_match(c, CONTROL_RULE_BLOCK, p, &p->dst, p->dport))
		return hp_drop(c, hp, p, CONTROL_DROP_BLOCK, now);
	c->hp[hp].st.pkts_out++;
	c->hp[hp].st.bytes_out += p->wirelen;
	if (list_match(c, CONTROL_RULE_PASS, p, &p->dst, p->dport) ||
	    find_hp(c, &p->dst) != NIL || is_broadcast(c, p))
		return CONTROL_PASS;
	if (p->layers & PKT_TUNNEL)
		return hp_drop(c, hp, p, CONTROL_DROP_TUNNEL, now);
	if ((p->layers & PKT_FRAGMENT) && p->frag_offset != 0) {
		if (!frag_known(c, p, now))
			return hp_drop(c, hp, p, CONTROL_DROP_FRAGMENT, now);
		if (!bandwidth_ok(c, hp, p, now))
			return hp_drop(c, hp, p, CONTROL_DROP_BANDWIDTH, now);
		return CONTROL_PASS;
	}
	if (list_match(c, CONTROL_RULE_FENCE, p, &p->dst, p->dport))
		return hp_drop(c, hp, p, CONTROL_DROP_FENCE, now);
	if (!bandwidth_ok(c, hp, p, now))
		return hp_drop(c, hp, p, CONTROL_DROP_BANDWIDTH, now);

	make_key(&k, p, CONTROL_FROM_HONEYNET);
	ci = conn_lookup(c, &k);
	/* A fresh SYN on a closed connection's 4-tuple opens a new one (as
	 * conntrack says NEW): reusing a tuple is no way around the limit. */
	if (ci != NIL && (p->layers & PKT_TCP) &&
	    (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
	    conn_closed(&c->conns[ci])) {
		conn_remove(c, ci, now, "closed");
		ci = NIL;
	}
	if (ci == NIL && (p->layers & (PKT_ICMP | PKT_ICMPV6)) &&
	    icmp_is_error(p))
		ci = icmp_error_conn(c, p);
	if (ci != NIL) {
		conn_touch(c, ci, p, 0, now);
		goto pass;
	}
	pc = proto_class(p->ip_proto);
	if (!list_match(c, CONTROL_RULE_ALLOW, p, &p->dst, p->dport)) {
		if (!limit_charge(c, hp, pc, p, now))
			return hp_drop(c, hp, p, CONTROL_DROP_LIMIT, now);
		c->hp[hp].st.new_out[pc]++;
	}
	ci = conn_insert(c, &k, 1, hp, now);
	conn_touch(c, ci, p, 0, now);
pass:
	if (p->layers & PKT_FRAGMENT)
		frag_remember(c, p, now);
	return CONTROL_PASS;
}

static enum control_reason
decide_inbound(struct control *c, const struct packet *p, uint64_t now)
{
	uint32_t hp, ci;
	struct conn_key k;

	if (!(p->layers & (PKT_IPV4 | PKT_IPV6)) || (p->layers & PKT_INVALID))
		return CONTROL_PASS;
	if (list_match(c, CONTROL_RULE_BLOCK, p, &p->src, p->sport))
		return drop(c, p, CONTROL_DROP_BLOCK, now);
	hp = find_hp(c, &p->dst);
	if (hp == NIL)
		return CONTROL_PASS;
	c->hp[hp].st.pkts_in++;
	c->hp[hp].st.bytes_in += p->wirelen;
	if ((p->layers & PKT_FRAGMENT) && p->frag_offset != 0)
		return CONTROL_PASS;
	if (list_match(c, CONTROL_RULE_PASS, p, &p->src, p->sport) ||
	    find_hp(c, &p->src) != NIL)
		return CONTROL_PASS;
	make_key(&k, p, CONTROL_FROM_UPLINK);
	ci = conn_lookup(c, &k);
	if (ci == NIL) {
		/* ICMP errors about the honeypot's connections: not new flows. */
		if ((p->layers & (PKT_ICMP | PKT_ICMPV6)) && icmp_is_error(p))
			return CONTROL_PASS;
		ci = conn_insert(c, &k, 0, hp, now);
		c->hp[hp].st.new_in++;
	}
	conn_touch(c, ci, p, 1, now);
	return CONTROL_PASS;
}

enum control_reason
control_decide(struct control *c, const struct packet *p,
    enum control_side side, uint64_t now_ns)
{
	enum control_reason r;

	if (side == CONTROL_FROM_HONEYNET)
		r = decide_outbound(c, p, now_ns);
	else
		r = decide_inbound(c, p, now_ns);
	if (r == CONTROL_PASS)
		c->st.passed[side]++;
	return r;
}

void
control_tick(struct control *c, uint64_t now_ns)
{
	/* The LRU tail is the longest idle; stop at the first live one that
	 * has a long timeout, but look a little further for short ones. */
	uint32_t i = c->lru_tail;
	int budget = 4096;

	while (i != NIL && budget-- > 0) {
		uint32_t prev = c->conns[i].prev;

		if (now_ns - c->conns[i].last_ns >= conn_timeout(&c->conns[i]))
			conn_remove(c, i, now_ns, "timeout");
		i = prev;
	}
}

void
control_flush(struct control *c, uint64_t now_ns)
{
	while (c->lru_tail != NIL)
		conn_remove(c, c->lru_tail, now_ns, "shutdown");
}

void
control_get_stats(const struct control *c, struct control_stats *st)
{
	*st = c->st;
	st->conns = c->nconns;
}

size_t
control_honeypot_count(const struct control *c)
{
	return c->pol.nhoneypots;
}

void
control_get_hp_stats(const struct control *c, size_t i,
    struct control_hp_stats *st)
{
	*st = c->hp[i].st;
}
