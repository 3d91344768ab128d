/* summary: the flow table: keyed hash, slab of records, timeout lists, eviction. */
#include "flow/flow.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "flow/community_id.h"
#include "flow/flow_tcp.h"
#include "flow/siphash.h"

/*
 * Design.
 *
 * Lookup is one SipHash of a 52-byte canonical key (smaller endpoint
 * first, so both directions find the same record), one bucket, and a
 * chain walk comparing the 64-bit hash first and the key with memcmp.
 * The bucket array doubles (rehash, a rare O(n) step) whenever the flows
 * outnumber the buckets, up to the power of two >= max_flows: chains stay
 * short, and a small capture keeps a small, cache-resident array.  The
 * SipHash key is secret (getrandom), so a sender cannot aim packets at
 * one chain.
 *
 * Records come from slabs of up to FLOW_SLAB flows, allocated on demand
 * until max_flows records exist and handed out of the newest slab in
 * order (its untouched pages cost nothing), then recycled through a free
 * list: the table never allocates per packet and never holds more than
 * max_flows records.  A million-SYN flood costs max_flows records and no
 * more.
 *
 * Expiry: every flow sits on exactly one doubly linked "activity list",
 * one list per timeout class (TCP new/established/closed, UDP new/
 * established, ICMP ..., other ...), all of whose members share one
 * timeout.  A flow is moved to the tail of its list when its class
 * changes or when it has been active more than LIST_LAG after its last
 * move (not on every packet: a move touches two neighbour records, i.e.
 * cache misses, for nothing).  So each list is ordered by list_ns, a
 * lower bound of last activity; the head is the only candidate to
 * expire, and when a head turns out to have been active since, it is
 * moved to the tail then.  flow_table_expire() looks at nine list heads,
 * not at the table.  (Packet times that go backwards only delay expiry.)
 *
 * Eviction at the bound (a new flow needs a record and none is free):
 * take the least recently active flow of the "new" classes (unanswered
 * attempts: what a flood fills the table with), else of the "closed"
 * class, else of the established classes.  A flood therefore pushes out
 * other unanswered attempts before it touches a live connection.
 */

#define FLOW_SLAB 4096
#define LIST_LAG NSEC_PER_SEC
#define FLOW_MIN_BUCKETS 4096
#define FLOW_DEFAULT_MAX 262144u

enum tclass {
	TC_TCP_NEW, TC_TCP_EST, TC_TCP_CLOSED,
	TC_UDP_NEW, TC_UDP_EST,
	TC_ICMP_NEW, TC_ICMP_EST,
	TC_OTHER_NEW, TC_OTHER_EST,
	TC_COUNT
};

static const uint8_t evict_order_new[] = {
	TC_TCP_NEW, TC_UDP_NEW, TC_ICMP_NEW, TC_OTHER_NEW
};
static const uint8_t evict_order_closed[] = { TC_TCP_CLOSED };
static const uint8_t evict_order_est[] = {
	TC_TCP_EST, TC_UDP_EST, TC_ICMP_EST, TC_OTHER_EST
};

struct flow_list {
	struct flow *head, *tail;
};

struct slab {
	struct slab *next;
	size_t n;
	size_t used;			/* flows[0..used) handed out at least once */
	struct flow flows[];
};

struct storage_slot {
	flow_storage_free_fn fn;
	void *ctx;
};

struct flow_table {
	struct flow_config cfg;
	struct siphash_key key;
	struct flow **buckets;
	size_t mask;
	size_t max_buckets;
	struct flow *free_list;
	struct flow *last;		/* the flow of the last lookup (may be released) */
	struct slab *slabs;
	uint64_t records;		/* records allocated in slabs */
	struct flow_list lists[TC_COUNT];
	uint64_t timeout_ns[TC_COUNT];
	uint64_t next_id;
	flow_end_fn end_fn;
	void *end_ctx;
	struct storage_slot storage[FLOW_STORAGE_MAX];
	int nstorage;
	struct flow_stats st;
};

void
flow_config_default(struct flow_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_flows = FLOW_DEFAULT_MAX;
	cfg->timeouts.tcp_new = 60;
	cfg->timeouts.tcp_established = 3600;
	cfg->timeouts.tcp_closed = 10;
	cfg->timeouts.udp_new = 30;
	cfg->timeouts.udp_established = 300;
	cfg->timeouts.icmp_new = 30;
	cfg->timeouts.icmp_established = 300;
	cfg->timeouts.other_new = 30;
	cfg->timeouts.other_established = 300;
}

static uint32_t
or_default(uint32_t v, uint32_t d)
{
	return v ? v : d;
}

struct flow_table *
flow_table_new(const struct flow_config *cfg, struct error *err)
{
	struct flow_table *ft;
	struct flow_config d;
	size_t nb = 1;

	flow_config_default(&d);
	if ((ft = calloc(1, sizeof(*ft))) == NULL) {
		error_errno(err, "flow table");
		return NULL;
	}
	if (cfg != NULL)
		ft->cfg = *cfg;
	ft->cfg.max_flows = or_default(ft->cfg.max_flows, d.max_flows);
#define TO(x) ft->cfg.timeouts.x = or_default(ft->cfg.timeouts.x, d.timeouts.x)
	TO(tcp_new); TO(tcp_established); TO(tcp_closed);
	TO(udp_new); TO(udp_established);
	TO(icmp_new); TO(icmp_established);
	TO(other_new); TO(other_established);
#undef TO
	while (nb < ft->cfg.max_flows)
		nb <<= 1;
	ft->max_buckets = nb;
	if (nb > FLOW_MIN_BUCKETS)
		nb = FLOW_MIN_BUCKETS;
	if ((ft->buckets = calloc(nb, sizeof(*ft->buckets))) == NULL) {
		free(ft);
		error_errno(err, "flow table: %zu buckets", nb);
		return NULL;
	}
	ft->mask = nb - 1;
	ft->st.memory = sizeof(*ft) + nb * sizeof(*ft->buckets);
	if (ft->cfg.deterministic_hash) {
		ft->key.k0 = 0x0706050403020100ULL;
		ft->key.k1 = 0x0f0e0d0c0b0a0908ULL;
	} else {
		(void)siphash_key_random(&ft->key);
	}
	ft->timeout_ns[TC_TCP_NEW] = ft->cfg.timeouts.tcp_new * NSEC_PER_SEC;
	ft->timeout_ns[TC_TCP_EST] = ft->cfg.timeouts.tcp_established * NSEC_PER_SEC;
	ft->timeout_ns[TC_TCP_CLOSED] = ft->cfg.timeouts.tcp_closed * NSEC_PER_SEC;
	ft->timeout_ns[TC_UDP_NEW] = ft->cfg.timeouts.udp_new * NSEC_PER_SEC;
	ft->timeout_ns[TC_UDP_EST] = ft->cfg.timeouts.udp_established * NSEC_PER_SEC;
	ft->timeout_ns[TC_ICMP_NEW] = ft->cfg.timeouts.icmp_new * NSEC_PER_SEC;
	ft->timeout_ns[TC_ICMP_EST] = ft->cfg.timeouts.icmp_established * NSEC_PER_SEC;
	ft->timeout_ns[TC_OTHER_NEW] = ft->cfg.timeouts.other_new * NSEC_PER_SEC;
	ft->timeout_ns[TC_OTHER_EST] = ft->cfg.timeouts.other_established * NSEC_PER_SEC;
	ft->next_id = 1;
	return ft;
}

void
flow_table_set_end_callback(struct flow_table *ft, flow_end_fn fn, void *ctx)
{
	ft->end_fn = fn;
	ft->end_ctx = ctx;
}

int
flow_table_register_storage(struct flow_table *ft, flow_storage_free_fn fn,
    void *ctx, struct error *err)
{
	if (ft->nstorage >= FLOW_STORAGE_MAX)
		return error_set(err, "flow table: all %d storage slots taken",
		    FLOW_STORAGE_MAX);
	ft->storage[ft->nstorage].fn = fn;
	ft->storage[ft->nstorage].ctx = ctx;
	return ft->nstorage++;
}

/* ---- lists ---------------------------------------------------------- */

static void
list_unlink(struct flow_list *l, struct flow *f)
{
	if (f->lprev)
		f->lprev->lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext)
		f->lnext->lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = f->lnext = NULL;
}

static void
list_append(struct flow_list *l, struct flow *f)
{
	f->lnext = NULL;
	f->lprev = l->tail;
	if (l->tail)
		l->tail->lnext = f;
	else
		l->head = f;
	l->tail = f;
}

static uint8_t
flow_tclass(const struct flow *f)
{
	int est = f->state != FLOW_STATE_NEW;

	switch (f->proto) {
	case 6:
		if (f->state == FLOW_STATE_CLOSED)
			return TC_TCP_CLOSED;
		return est ? TC_TCP_EST : TC_TCP_NEW;
	case 17:
		return est ? TC_UDP_EST : TC_UDP_NEW;
	case 1:
	case 58:
		return est ? TC_ICMP_EST : TC_ICMP_NEW;
	default:
		return est ? TC_OTHER_EST : TC_OTHER_NEW;
	}
}

/* ---- flow id -------------------------------------------------------- */

#define ID_MASK ((UINT64_C(1) << 51) - 1)

/*
 * A bijection on 51-bit numbers (odd multiplications and xor-shifts, all
 * invertible mod 2^51): counter 1, 2, 3... gives distinct, non-zero,
 * scattered ids below 2^51 (exact in a JavaScript double, as Suricata's).
 */
static uint64_t
flow_id_mix(uint64_t x)
{
	x &= ID_MASK;
	x = (x * UINT64_C(0x9e3779b97f4a7c15)) & ID_MASK;
	x ^= x >> 25;
	x = (x * UINT64_C(0xbf58476d1ce4e5b9)) & ID_MASK;
	x ^= x >> 22;
	x = (x * UINT64_C(0x94d049bb133111eb)) & ID_MASK;
	x ^= x >> 26;
	return x;
}

/* ---- record life ---------------------------------------------------- */

static void
hash_remove(struct flow_table *ft, struct flow *f)
{
	struct flow **pp = &ft->buckets[f->hash & ft->mask];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	f->hnext = NULL;
}

static void
flow_release(struct flow_table *ft, struct flow *f, enum flow_end_reason why)
{
	int i;

	f->end_reason = why;
	if (ft->end_fn)
		ft->end_fn(ft->end_ctx, f);
	for (i = 0; i < ft->nstorage; i++) {
		if (f->storage[i] != NULL && ft->storage[i].fn != NULL)
			ft->storage[i].fn(ft->storage[i].ctx, f->storage[i]);
		f->storage[i] = NULL;
	}
	hash_remove(ft, f);
	list_unlink(&ft->lists[f->tclass], f);
	f->in_use = 0;
	f->hnext = ft->free_list;
	ft->free_list = f;
	ft->st.active--;
	ft->st.ended++;
	switch (why) {
	case FLOW_END_TIMEOUT: ft->st.timed_out++; break;
	case FLOW_END_EVICTED: ft->st.evicted++; break;
	case FLOW_END_REUSED: ft->st.reused++; break;
	default: break;
	}
}

void
flow_table_end(struct flow_table *ft, struct flow *f, enum flow_end_reason why)
{
	if (f != NULL && f->in_use)
		flow_release(ft, f, why);
}

static struct flow *
evict_from(struct flow_table *ft, const uint8_t *classes, size_t n)
{
	struct flow *best = NULL, *h;
	size_t i;

	for (i = 0; i < n; i++) {
		h = ft->lists[classes[i]].head;
		if (h && (best == NULL || h->last_ns < best->last_ns))
			best = h;
	}
	return best;
}

static struct flow *
flow_alloc(struct flow_table *ft)
{
	struct flow *f;
	struct slab *s;
	size_t n;

	/* Records never used yet are taken from the newest slab in order,
	 * not threaded onto the free list when it is allocated: that touched
	 * the whole slab (4096 records, ~2 MB of page faults and zeroing)
	 * before the first packet, ~1.5 ms of every run of `apiary tcpflow`
	 * or `apiary analyze` however small the capture. */
	if (ft->free_list == NULL && (s = ft->slabs) != NULL && s->used < s->n) {
		f = &s->flows[s->used++];
		f->in_use = 0;
		return f;
	}
	if (ft->free_list == NULL && ft->records < ft->cfg.max_flows) {
		n = ft->cfg.max_flows - ft->records;
		if (n > FLOW_SLAB)
			n = FLOW_SLAB;
		s = malloc(sizeof(*s) + n * sizeof(struct flow));
		if (s != NULL) {
			s->n = n;
			s->used = 1;
			s->next = ft->slabs;
			ft->slabs = s;
			ft->records += n;
			ft->st.slabs++;
			ft->st.memory += sizeof(*s) + n * sizeof(struct flow);
			s->flows[0].in_use = 0;
			return &s->flows[0];
		}
	}
	if (ft->free_list == NULL) {
		/* at the bound (or out of memory): evict the least useful */
		f = evict_from(ft, evict_order_new, 4);
		if (f == NULL)
			f = evict_from(ft, evict_order_closed, 1);
		if (f == NULL)
			f = evict_from(ft, evict_order_est, 4);
		if (f == NULL)
			return NULL;
		flow_release(ft, f, FLOW_END_EVICTED);
	}
	f = ft->free_list;
	ft->free_list = f->hnext;
	return f;
}

/* ---- keys ----------------------------------------------------------- */

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Fills k from p; *side is the key endpoint (0/1) that sent p.  Returns -1
 * when p has no flow (no IP, or a transport header that did not decode).
 */
static int
key_from_packet(const struct packet *p, struct flow_key *k, uint8_t *side)
{
	uint16_t sp = 0, dp = 0;
	int c, one_way;

	if (p->ip_version != 4 && p->ip_version != 6)
		return -1;
	if ((p->layers & PKT_FRAGMENT) && !(p->layers & PKT_REASSEMBLED))
		return -1;
	switch (p->ip_proto) {
	case 6:
		if (!(p->layers & PKT_TCP))
			return -1;
		sp = p->sport;
		dp = p->dport;
		break;
	case 17:
		if (!(p->layers & PKT_UDP))
			return -1;
		sp = p->sport;
		dp = p->dport;
		break;
	case 1:
	case 58:
		if (!(p->layers & (PKT_ICMP | PKT_ICMPV6)))
			return -1;
		sp = p->icmp_type;
		dp = community_id_icmp_counterpart(p->ip_proto == 58,
		    p->icmp_type, &one_way);
		if (one_way)
			dp = p->icmp_code;
		break;
	default:
		break;
	}
	memset(k, 0, sizeof(*k));
	c = memcmp(p->src.b, p->dst.b, sizeof(p->src.b));
	if (c < 0 || (c == 0 && sp <= dp)) {
		k->addr[0] = p->src;
		k->addr[1] = p->dst;
		k->port[0] = sp;
		k->port[1] = dp;
		*side = 0;
	} else {
		k->addr[0] = p->dst;
		k->addr[1] = p->src;
		k->port[0] = dp;
		k->port[1] = sp;
		*side = 1;
	}
	/* struct addr may carry garbage in pad[]: keys compare whole */
	memset(k->addr[0].pad, 0, sizeof(k->addr[0].pad));
	memset(k->addr[1].pad, 0, sizeof(k->addr[1].pad));
	if (p->vlan_count > 0)
		k->vlan[0] = p->vlan_id[0];
	if (p->vlan_count > 1)
		k->vlan[1] = p->vlan_id[1];
	k->proto = p->ip_proto;
	return 0;
}

/* IP datagram length as the header says (Zeek's ip_bytes), or what we have. */
static uint32_t
ip_length(const struct packet *p)
{
	if (p->l3 != NULL && p->ip_version == 4 && p->l3_len >= 4)
		return be16(p->l3 + 2);
	if (p->l3 != NULL && p->ip_version == 6 && p->l3_len >= 6)
		return 40u + be16(p->l3 + 4);
	return p->l3_len;
}

/*
 * Midstream TCP: who started it?  The first packet's sender, unless its
 * source port is a well-known port (< 1024) and its destination port is
 * not: then the sender is the server.  A first packet that is a SYN/ACK
 * always comes from the server.
 */
static int
first_packet_from_server(const struct packet *p)
{
	uint8_t fl = p->tcp_flags;

	if (p->ip_proto != 6)
		return 0;
	if ((fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		return 1;
	if (fl & TCP_SYN)
		return 0;
	return p->sport < 1024 && p->dport >= 1024;
}

/* Doubles the bucket array; on failure keeps the old one (longer chains). */
static void
grow_buckets(struct flow_table *ft)
{
	size_t nb = (ft->mask + 1) * 2, i, b;
	struct flow **nbk, *f, *next;

	if (nb > ft->max_buckets || (nbk = calloc(nb, sizeof(*nbk))) == NULL)
		return;
	for (i = 0; i <= ft->mask; i++) {
		for (f = ft->buckets[i]; f != NULL; f = next) {
			next = f->hnext;
			b = f->hash & (nb - 1);
			f->hnext = nbk[b];
			nbk[b] = f;
		}
	}
	free(ft->buckets);
	ft->st.memory += (nb - (ft->mask + 1)) * sizeof(*nbk);
	ft->buckets = nbk;
	ft->mask = nb - 1;
}

static struct flow *
flow_create(struct flow_table *ft, struct packet *p, const struct flow_key *k,
    uint64_t hash, uint8_t side)
{
	struct flow *f;
	int swap;
	size_t b;

	if ((f = flow_alloc(ft)) == NULL)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->hash = hash;
	f->flow_id = flow_id_mix(ft->next_id++);
	f->cid_seed = ft->cfg.community_id_seed;
	f->proto = p->ip_proto;
	f->vlan_count = p->vlan_count > 2 ? 2 : p->vlan_count;
	f->vlan_id[0] = k->vlan[0];
	f->vlan_id[1] = k->vlan[1];
	swap = first_packet_from_server(p);
	if (swap) {
		f->flags |= FLOW_F_SWAPPED;
		f->src = p->dst;
		f->dst = p->src;
		f->sport = p->dport;
		f->dport = p->sport;
		f->init_side = side ^ 1;
	} else {
		f->src = p->src;
		f->dst = p->dst;
		f->sport = p->sport;
		f->dport = p->dport;
		f->init_side = side;
	}
	if (f->proto == 1 || f->proto == 58) {
		f->sport = p->icmp_type;	/* as Zeek: orig_p = type, resp_p = code */
		f->dport = p->icmp_code;
	}
	f->first_ns = f->last_ns = p->ts_ns;
	f->in_use = 1;
	if (f->proto == 6) {
		if (!(p->tcp_flags & TCP_SYN))
			f->flags |= FLOW_F_MIDSTREAM;
		if (swap)
			flow_history_add(f, '^');
	}
	b = hash & ft->mask;
	f->hnext = ft->buckets[b];
	ft->buckets[b] = f;
	f->tclass = flow_tclass(f);
	f->list_ns = f->last_ns;
	list_append(&ft->lists[f->tclass], f);
	ft->st.created++;
	ft->st.active++;
	if (ft->st.active > ft->mask + 1)
		grow_buckets(ft);
	if (ft->st.active > ft->st.max_active)
		ft->st.max_active = ft->st.active;
	return f;
}

static int
flow_timed_out(const struct flow_table *ft, const struct flow *f, uint64_t now)
{
	return now > f->last_ns && now - f->last_ns > ft->timeout_ns[f->tclass];
}

static int
list_timed_out(const struct flow_table *ft, const struct flow *f, uint64_t now)
{
	return now > f->list_ns && now - f->list_ns > ft->timeout_ns[f->tclass];
}

struct flow *
flow_table_lookup(struct flow_table *ft, struct packet *p)
{
	struct flow_key k;
	struct flow *f;
	uint64_t h;
	uint8_t side, d, tc;

	p->flow = NULL;
	p->dir = 0;
	if (key_from_packet(p, &k, &side) == -1) {
		ft->st.no_flow++;
		return NULL;
	}
	/* Consecutive packets mostly belong to the same flow: a flow in use
	 * with this key is the table's entry for it (one per key), so the
	 * hash and the bucket walk can be skipped. */
	f = ft->last;
	if (f == NULL || !f->in_use || memcmp(&f->key, &k, sizeof(k)) != 0) {
		h = siphash13(&ft->key, &k, sizeof(k));
		for (f = ft->buckets[h & ft->mask]; f != NULL; f = f->hnext)
			if (f->hash == h && memcmp(&f->key, &k, sizeof(k)) == 0)
				break;
	} else {
		h = f->hash;
	}
	if (f != NULL) {
		if (flow_timed_out(ft, f, p->ts_ns)) {
			flow_release(ft, f, FLOW_END_TIMEOUT);
			f = NULL;
		} else if (f->proto == 6 && flow_tcp_is_reuse(f, p)) {
			flow_release(ft, f, FLOW_END_REUSED);
			f = NULL;
		}
	}
	if (f == NULL && (f = flow_create(ft, p, &k, h, side)) == NULL)
		return NULL;
	ft->last = f;

	d = side == f->init_side ? FLOW_TOSERVER : FLOW_TOCLIENT;
	if (p->ts_ns > f->last_ns)
		f->last_ns = p->ts_ns;
	f->pkts[d]++;
	f->bytes[d] += p->wirelen;
	f->ip_bytes[d] += ip_length(p);
	f->payload_bytes[d] += flow_pkt_payload(p);
	switch (f->proto) {
	case 6:
		flow_tcp_update(f, p, d);
		break;
	case 1:
	case 58:
		if (d == FLOW_TOSERVER && f->pkts[d] == 1) {
			f->icmp_type = p->icmp_type;
			f->icmp_code = p->icmp_code;
		} else if (d == FLOW_TOCLIENT && !f->icmp_resp_seen) {
			f->icmp_resp_seen = 1;
			f->icmp_resp_type = p->icmp_type;
			f->icmp_resp_code = p->icmp_code;
		}
		/* fall through */
	default:
		if (f->state == FLOW_STATE_NEW && f->pkts[FLOW_TOCLIENT] > 0)
			f->state = FLOW_STATE_ESTABLISHED;
		if (f->proto == 17)	/* Zeek: every UDP packet, payload or not */
			flow_history_add_once(f, d, 'D');
		break;
	}
	/* to the tail of its class's list on a class change, or lazily */
	tc = flow_tclass(f);
	if (tc != f->tclass || f->last_ns - f->list_ns > LIST_LAG) {
		list_unlink(&ft->lists[f->tclass], f);
		f->tclass = tc;
		f->list_ns = f->last_ns;
		list_append(&ft->lists[tc], f);
	}
	p->flow = f;
	p->dir = d;
	return f;
}

size_t
flow_table_expire(struct flow_table *ft, uint64_t now_ns, size_t max)
{
	size_t n = 0;
	int c;
	struct flow *f;

	size_t work = 0;

	for (c = 0; c < TC_COUNT; c++) {
		while ((f = ft->lists[c].head) != NULL && list_timed_out(ft, f, now_ns)) {
			if (max && (n >= max || work >= 4 * max))
				return n;
			work++;
			if (!flow_timed_out(ft, f, now_ns)) {
				/* active since its last move: requeue it */
				list_unlink(&ft->lists[c], f);
				f->list_ns = f->last_ns;
				list_append(&ft->lists[c], f);
				continue;
			}
			flow_release(ft, f, FLOW_END_TIMEOUT);
			n++;
		}
	}
	return n;
}

void
flow_table_shutdown(struct flow_table *ft)
{
	int c;

	/* oldest first, class by class: a deterministic order */
	for (c = 0; c < TC_COUNT; c++)
		while (ft->lists[c].head != NULL)
			flow_release(ft, ft->lists[c].head, FLOW_END_SHUTDOWN);
}

void
flow_table_free(struct flow_table *ft)
{
	struct slab *s, *next;

	if (ft == NULL)
		return;
	flow_table_shutdown(ft);
	for (s = ft->slabs; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	free(ft->buckets);
	free(ft);
}

void
flow_table_stats(const struct flow_table *ft, struct flow_stats *st)
{
	*st = ft->st;
}

size_t
flow_table_count(const struct flow_table *ft)
{
	return (size_t)ft->st.active;
}

int
flow_direction(const struct flow *f, const struct packet *p)
{
	if (memcmp(p->src.b, f->src.b, sizeof(p->src.b)) != 0)
		return FLOW_TOCLIENT;
	if (memcmp(p->src.b, p->dst.b, sizeof(p->src.b)) != 0)
		return FLOW_TOSERVER;
	/* same address both ways: ports decide */
	if (f->proto == 6 || f->proto == 17)
		return p->sport == f->sport ? FLOW_TOSERVER : FLOW_TOCLIENT;
	return FLOW_TOSERVER;
}

const char *
flow_community_id(struct flow *f)
{
	return flow_community_id_with(f, NULL);
}

const char *
flow_community_id_with(struct flow *f, struct community_id_hasher *h)
{
	if (f->community_id[0] == '\0') {
		int icmp = f->proto == 1 || f->proto == 58;

		(void)community_id_v1_with(h, f->cid_seed, &f->src, &f->dst,
		    f->proto, icmp ? f->icmp_type : f->sport,
		    icmp ? f->icmp_code : f->dport, f->community_id);
	}
	return f->community_id;
}

const char *
flow_proto_name(uint8_t proto)
{
	switch (proto) {
	case 1: return "ICMP";
	case 2: return "IGMP";
	case 4: return "IPv4";
	case 6: return "TCP";
	case 17: return "UDP";
	case 41: return "IPv6";
	case 47: return "GRE";
	case 50: return "ESP";
	case 51: return "AH";
	case 58: return "IPv6-ICMP";
	case 89: return "OSPFIGP";
	case 103: return "PIM";
	case 112: return "VRRP";
	case 132: return "SCTP";
	default: return NULL;
	}
}

const char *
flow_state_name(enum flow_state s)
{
	switch (s) {
	case FLOW_STATE_NEW: return "new";
	case FLOW_STATE_ESTABLISHED: return "established";
	case FLOW_STATE_CLOSED: return "closed";
	}
	return "new";
}

const char *
flow_end_reason_name(enum flow_end_reason r)
{
	switch (r) {
	case FLOW_END_TIMEOUT:
	case FLOW_END_REUSED:
		return "timeout";
	case FLOW_END_EVICTED:
	case FLOW_END_FORCED:
		return "forced";
	case FLOW_END_SHUTDOWN:
		return "shutdown";
	case FLOW_END_NONE:
		break;
	}
	return "unknown";
}
