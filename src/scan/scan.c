/* summary: scan and flood detection per source, after iplog. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "scan/scan.h"

/*
 * Design.  iplog keeps a packet counter per (source, destination) whose
 * expiry each packet pushes forward; we keep, per source and per scan type,
 * the last `count` probes (time, target, port, bytes) in a small array and
 * start an episode when all of them fall within the window: an exact
 * sliding window ("15 ports in 50 s") rather than iplog's ever-extending
 * one.  For the two port-counting types (TCP port scan, UDP scan) a probe
 * to a port already in the array only refreshes that entry, so the array
 * holds distinct ports and the test reads "15 distinct ports, each seen in
 * the last 50 s".  Once an episode runs, probes are only added to it (a
 * 65536-bit port set, a bounded target list); it ends after a quiet window.
 *
 * Why per source and not per (source, destination) as iplog: a scan of a
 * whole honeynet from one address is one episode with many targets, which
 * is what an analyst wants to read.  Smurf is the exception: the replies
 * come from many amplifiers of one network, so its "source" is the /24
 * (IPv6 /64) of the replies, as in iplog.
 *
 * Memory bound, all attacker-controlled state:
 *   sources  <= max_sources (default 4096); at the bound the least recently
 *              active source is dropped (its episodes end, "evicted") and
 *              counted.  A source costs ~200 bytes plus, for each type it
 *              used, count * 40 bytes (defaults: at most 240 entries, 9.6 KB).
 *   episodes <= max_episodes (default 1024); at the bound the least
 *              recently active episode ends early ("evicted").  An episode
 *              costs 8 KiB (port set; none for ICMP types) + max_targets * 20
 *              bytes.
 * With the defaults the worst case is about 4096 * 9.8 KB + 1024 * 9 KB
 * = 49 MB; ordinary traffic uses a few hundred bytes per active source.
 * Hash chains are keyed with a random seed so an attacker cannot aim
 * addresses at one chain; idle sources are forgotten by scan_tick.
 *
 * No allocation per packet: a dropped source, its tracks and an ended
 * episode go to free lists and are reused, so a flood of spoofed sources
 * (each packet a new source evicting the oldest) allocates nothing once
 * the bounds are reached.  The free lists only hold what was once live, so
 * the bounds above still hold; the memory is returned by scan_free.
 */

#define PORT_BITS_BYTES 8192
#define SKETCH_BITS 1024

struct ring_ent {
	uint64_t ts;
	struct addr target;
	uint16_t port;
	uint32_t bytes;
};

struct track {
	uint32_t n;
	struct track *free_next;	/* on the free list of its type */
	struct ring_ent ent[];	/* cfg.t[type].count entries */
};

struct scan_src;

struct episode {
	struct scan_src *src;
	enum scan_type type;
	struct episode *prev, *next;	/* active list, most recent first */
	uint64_t first_ns, last_ns;
	uint64_t packets, bytes;
	uint8_t *ports;			/* port_buf for port types, else NULL */
	uint8_t *port_buf;		/* PORT_BITS_BYTES, owned, kept on reuse */
	uint32_t ports_count;
	uint32_t ntargets;
	int targets_overflow;
	uint8_t sketch[SKETCH_BITS / 8];	/* linear counting of targets */
	struct addr targets[];		/* cfg.max_targets */
};

struct scan_src {
	struct addr addr;
	uint8_t prefix;			/* 0: host; smurf: network length */
	struct scan_src *hnext;
	struct scan_src *prev, *next;	/* LRU, most recent first */
	uint64_t last_ns;
	struct track *track[SCAN_NTYPES];
	struct episode *ep[SCAN_NTYPES];
};

struct scan {
	struct scan_config cfg;
	scan_emit_fn emit;
	void *ctx;
	struct scan_src **buckets;
	size_t mask;
	struct scan_src *lru_head, *lru_tail;
	struct episode *ep_head, *ep_tail;
	struct scan_src *free_src;		/* linked by hnext */
	struct track *free_track[SCAN_NTYPES];	/* tracks differ in size by type */
	struct episode *free_ep;		/* linked by next */
	uint64_t seed;
	uint64_t max_window;
	struct scan_stats st;
};

static const char *const type_names[SCAN_NTYPES] = {
	"tcp_port_scan", "syn_scan", "fin_scan", "null_scan", "xmas_scan",
	"udp_scan", "ping_flood", "smurf",
};
static const char *const type_short[SCAN_NTYPES] = {
	"port", "syn", "fin", "null", "xmas", "udp", "ping", "smurf",
};

const char *
scan_type_name(enum scan_type t)
{
	if ((unsigned)t >= SCAN_NTYPES)
		return NULL;
	return type_names[t];
}

int
scan_type_parse(const char *s)
{
	for (int i = 0; i < SCAN_NTYPES; i++)
		if (strcmp(s, type_names[i]) == 0 ||
		    strcmp(s, type_short[i]) == 0)
			return i;
	return -1;
}

void
scan_config_default(struct scan_config *cfg)
{
	static const struct { uint32_t count, secs; } d[SCAN_NTYPES] = {
		[SCAN_TCP_PORT] = { 15, 50 },
		[SCAN_SYN] = { 10, 50 },
		[SCAN_FIN] = { 10, 50 },
		[SCAN_NULL] = { 10, 50 },
		[SCAN_XMAS] = { 10, 50 },
		[SCAN_UDP] = { 25, 50 },
		[SCAN_PING_FLOOD] = { 70, 60 },
		[SCAN_SMURF] = { 90, 30 },
	};

	memset(cfg, 0, sizeof(*cfg));
	for (int i = 0; i < SCAN_NTYPES; i++) {
		cfg->t[i].count = d[i].count;
		cfg->t[i].window_ns = (uint64_t)d[i].secs * 1000000000ull;
		cfg->t[i].enabled = 1;
	}
	cfg->max_sources = 4096;
	cfg->max_episodes = 1024;
	cfg->max_targets = 32;
	cfg->max_ports_listed = 64;
}

static int
counts_ports(enum scan_type t)
{
	return t == SCAN_TCP_PORT || t == SCAN_UDP;
}

static int
has_ports(enum scan_type t)
{
	return t != SCAN_PING_FLOOD && t != SCAN_SMURF;
}

struct scan *
scan_new(const struct scan_config *cfg, scan_emit_fn emit, void *ctx,
    struct error *err)
{
	struct scan *s;
	size_t nb = 16;

	if (cfg->max_sources < 1 || cfg->max_sources > (1u << 24) ||
	    cfg->max_episodes < 1 || cfg->max_episodes > (1u << 20) ||
	    cfg->max_targets < 1 || cfg->max_targets > 65536) {
		error_set(err, "scan: bounds out of range (sources 1..16777216, "
		    "episodes 1..1048576, targets 1..65536)");
		return NULL;
	}
	for (int i = 0; i < SCAN_NTYPES; i++) {
		if (cfg->t[i].enabled && (cfg->t[i].count < 1 ||
		    cfg->t[i].count > SCAN_MAX_THRESHOLD ||
		    cfg->t[i].window_ns == 0)) {
			error_set(err, "scan: %s: threshold must be 1..%d "
			    "packets in a window > 0", type_names[i],
			    SCAN_MAX_THRESHOLD);
			return NULL;
		}
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		error_errno(err, "scan");
		return NULL;
	}
	s->cfg = *cfg;
	s->emit = emit;
	s->ctx = ctx;
	while (nb < cfg->max_sources)
		nb <<= 1;
	s->buckets = calloc(nb, sizeof(*s->buckets));
	if (s->buckets == NULL) {
		error_errno(err, "scan");
		free(s);
		return NULL;
	}
	s->mask = nb - 1;
	if (getrandom(&s->seed, sizeof(s->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(s->seed))
		s->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < SCAN_NTYPES; i++)
		if (cfg->t[i].enabled && cfg->t[i].window_ns > s->max_window)
			s->max_window = cfg->t[i].window_ns;
	return s;
}

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static size_t
hash_key(const struct scan *s, const struct addr *a, uint8_t prefix)
{
	uint64_t w[2];
	uint64_t h = s->seed ^ ((uint64_t)a->family << 8 | prefix);

	memcpy(w, a->b, sizeof(w));
	h = mix(h ^ w[0]);
	h = mix(h ^ w[1]);
	return (size_t)h & s->mask;
}

static void
lru_unlink(struct scan *s, struct scan_src *src)
{
	if (src->prev != NULL)
		src->prev->next = src->next;
	else
		s->lru_head = src->next;
	if (src->next != NULL)
		src->next->prev = src->prev;
	else
		s->lru_tail = src->prev;
	src->prev = src->next = NULL;
}

static void
lru_push(struct scan *s, struct scan_src *src)
{
	src->prev = NULL;
	src->next = s->lru_head;
	if (s->lru_head != NULL)
		s->lru_head->prev = src;
	s->lru_head = src;
	if (s->lru_tail == NULL)
		s->lru_tail = src;
}

static void
ep_unlink(struct scan *s, struct episode *ep)
{
	if (ep->prev != NULL)
		ep->prev->next = ep->next;
	else
		s->ep_head = ep->next;
	if (ep->next != NULL)
		ep->next->prev = ep->prev;
	else
		s->ep_tail = ep->prev;
	ep->prev = ep->next = NULL;
}

static void
ep_push(struct scan *s, struct episode *ep)
{
	ep->prev = NULL;
	ep->next = s->ep_head;
	if (s->ep_head != NULL)
		s->ep_head->prev = ep;
	s->ep_head = ep;
	if (s->ep_tail == NULL)
		s->ep_tail = ep;
}

static uint64_t
targets_count(const struct episode *ep)
{
	unsigned zeros = 0;
	double est;

	if (!ep->targets_overflow)
		return ep->ntargets;
	for (unsigned i = 0; i < SKETCH_BITS; i++)
		if (!(ep->sketch[i / 8] & (1u << (i % 8))))
			zeros++;
	if (zeros == 0)
		zeros = 1;	/* saturated: a lower bound */
	est = -(double)SKETCH_BITS * log((double)zeros / SKETCH_BITS);
	if (est < ep->ntargets + 1)
		return ep->ntargets + 1;
	return (uint64_t)(est + 0.5);
}

static void
episode_end(struct scan *s, struct episode *ep, const char *reason)
{
	struct scan_episode v = {
		.type = ep->type,
		.src = ep->src->addr,
		.src_prefix = ep->src->prefix,
		.first_ns = ep->first_ns,
		.last_ns = ep->last_ns,
		.packets = ep->packets,
		.bytes = ep->bytes,
		.targets = ep->targets,
		.ntargets = ep->ntargets,
		.targets_count = targets_count(ep),
		.targets_estimated = ep->targets_overflow,
		.port_bits = ep->ports,
		.ports_count = ep->ports_count,
		.reason = reason,
	};

	if (s->emit != NULL)
		s->emit(s->ctx, &v);
	s->st.episodes++;
	s->st.by_type[ep->type]++;
	s->st.episodes_active--;
	ep_unlink(s, ep);
	ep->src->ep[ep->type] = NULL;
	ep->next = s->free_ep;
	s->free_ep = ep;
}

static void
episode_add(struct scan *s, struct episode *ep, uint64_t ts,
    const struct addr *target, uint16_t port, uint32_t bytes)
{
	size_t h;
	uint32_t i;

	ep->packets++;
	ep->bytes += bytes;
	if (ts > ep->last_ns)
		ep->last_ns = ts;
	if (ts < ep->first_ns)
		ep->first_ns = ts;
	if (ep->ports != NULL &&
	    !(ep->ports[port >> 3] & (1u << (port & 7)))) {
		ep->ports[port >> 3] |= (uint8_t)(1u << (port & 7));
		ep->ports_count++;
	}
	h = hash_key(s, target, 0) % SKETCH_BITS;
	ep->sketch[h / 8] |= (uint8_t)(1u << (h % 8));
	/* Most probes go to the target of the one before. */
	if (ep->ntargets > 0 &&
	    memcmp(&ep->targets[ep->ntargets - 1], target, sizeof(*target)) == 0)
		return;
	for (i = 0; i < ep->ntargets; i++)
		if (memcmp(&ep->targets[i], target, sizeof(*target)) == 0)
			return;
	if (ep->ntargets < s->cfg.max_targets)
		ep->targets[ep->ntargets++] = *target;
	else
		ep->targets_overflow = 1;
}

static void
source_free(struct scan *s, struct scan_src *src, const char *reason)
{
	struct scan_src **pp = &s->buckets[hash_key(s, &src->addr, src->prefix)];

	for (int t = 0; t < SCAN_NTYPES; t++) {
		if (src->ep[t] != NULL) {
			if (strcmp(reason, "evicted") == 0)
				s->st.episodes_evicted++;
			episode_end(s, src->ep[t], reason);
		}
		if (src->track[t] != NULL) {
			src->track[t]->free_next = s->free_track[t];
			s->free_track[t] = src->track[t];
		}
	}
	while (*pp != NULL && *pp != src)
		pp = &(*pp)->hnext;
	if (*pp == src)
		*pp = src->hnext;
	lru_unlink(s, src);
	s->st.sources--;
	src->hnext = s->free_src;
	s->free_src = src;
}

static struct scan_src *
source_get(struct scan *s, const struct addr *a, uint8_t prefix, uint64_t ts)
{
	size_t h = hash_key(s, a, prefix);
	struct scan_src *src;

	for (src = s->buckets[h]; src != NULL; src = src->hnext)
		if (src->prefix == prefix &&
		    memcmp(&src->addr, a, sizeof(*a)) == 0)
			break;
	if (src != NULL) {
		if (s->lru_head != src) {
			lru_unlink(s, src);
			lru_push(s, src);
		}
	} else {
		if (s->st.sources >= s->cfg.max_sources) {
			s->st.sources_evicted++;
			source_free(s, s->lru_tail, "evicted");
		}
		if ((src = s->free_src) != NULL) {
			s->free_src = src->hnext;
			memset(src, 0, sizeof(*src));
		} else if ((src = calloc(1, sizeof(*src))) == NULL) {
			return NULL;	/* no memory: this packet is not counted */
		}
		src->addr = *a;
		src->prefix = prefix;
		src->hnext = s->buckets[h];
		s->buckets[h] = src;
		lru_push(s, src);
		s->st.sources++;
	}
	if (ts > src->last_ns)
		src->last_ns = ts;
	return src;
}

static void
episode_start(struct scan *s, struct scan_src *src, enum scan_type t,
    uint64_t now)
{
	struct track *tr = src->track[t];
	uint64_t win = s->cfg.t[t].window_ns;
	struct episode *ep;

	if (s->st.episodes_active >= s->cfg.max_episodes) {
		s->st.episodes_evicted++;
		episode_end(s, s->ep_tail, "evicted");
	}
	if ((ep = s->free_ep) != NULL) {
		uint8_t *buf = ep->port_buf;

		s->free_ep = ep->next;
		/* the targets beyond ntargets are never read: header only */
		memset(ep, 0, sizeof(*ep));
		ep->port_buf = buf;
	} else {
		ep = calloc(1, sizeof(*ep) +
		    s->cfg.max_targets * sizeof(struct addr));
		if (ep == NULL)
			return;
	}
	if (has_ports(t)) {
		if (ep->port_buf == NULL)
			ep->port_buf = malloc(PORT_BITS_BYTES);
		if (ep->port_buf == NULL) {
			ep->next = s->free_ep;
			s->free_ep = ep;
			return;
		}
		memset(ep->port_buf, 0, PORT_BITS_BYTES);
		ep->ports = ep->port_buf;
	}
	ep->src = src;
	ep->type = t;
	ep->first_ns = UINT64_MAX;
	for (uint32_t i = 0; i < tr->n; i++)
		if (tr->ent[i].ts + win >= now)
			episode_add(s, ep, tr->ent[i].ts, &tr->ent[i].target,
			    tr->ent[i].port, tr->ent[i].bytes);
	tr->n = 0;
	src->ep[t] = ep;
	ep_push(s, ep);
	s->st.episodes_active++;
}

/* Which type a packet counts for; -1 for none. */
static int
classify(const struct packet *p, uint16_t *port)
{
	int initiator = p->flow == NULL || p->dir == 0;

	*port = 0;
	if (p->layers & PKT_TCP) {
		uint8_t f = p->tcp_flags & 0x3f;	/* without ECE/CWR */

		*port = p->dport;
		if ((f & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN) {
			/* iplog: a SYN without DF is a crafted (raw) probe. */
			if ((p->layers & PKT_IPV4) && p->l3 != NULL &&
			    p->l3_len >= 20 && !(p->l3[6] & 0x40))
				return SCAN_SYN;
			return SCAN_TCP_PORT;
		}
		if (f == 0)
			return SCAN_NULL;
		if (f == TCP_FIN)
			return SCAN_FIN;
		if ((f & ~(TCP_FIN | TCP_URG | TCP_PSH)) == 0)
			return SCAN_XMAS;
		return -1;
	}
	if (p->layers & PKT_UDP) {
		*port = p->dport;
		return initiator ? SCAN_UDP : -1;
	}
	if (p->layers & PKT_ICMP) {
		if (p->icmp_type == 8)
			return SCAN_PING_FLOOD;
		if (p->icmp_type == 0 && initiator)
			return SCAN_SMURF;
		return -1;
	}
	if (p->layers & PKT_ICMPV6) {
		if (p->icmp_type == 128)
			return SCAN_PING_FLOOD;
		if (p->icmp_type == 129 && initiator)
			return SCAN_SMURF;
	}
	return -1;
}

void
scan_packet(struct scan *s, const struct packet *p)
{
	struct addr key;
	uint8_t prefix = 0;
	struct scan_src *src;
	struct track *tr;
	uint16_t port;
	uint64_t now = p->ts_ns, win;
	uint32_t cap, i, in_window;
	int t;

	if (!(p->layers & (PKT_IPV4 | PKT_IPV6)))
		return;
	t = classify(p, &port);
	if (t < 0 || !s->cfg.t[t].enabled)
		return;
	key = p->src;
	if (t == SCAN_SMURF) {
		prefix = key.family == 4 ? 24 : 64;
		memset(key.b + prefix / 8, 0, sizeof(key.b) - prefix / 8);
	}
	src = source_get(s, &key, prefix, now);
	if (src == NULL)
		return;
	if (src->ep[t] != NULL) {
		struct episode *ep = src->ep[t];

		episode_add(s, ep, now, &p->dst, port, p->wirelen);
		if (s->ep_head != ep) {
			ep_unlink(s, ep);
			ep_push(s, ep);
		}
		return;
	}
	cap = s->cfg.t[t].count;
	win = s->cfg.t[t].window_ns;
	tr = src->track[t];
	if (tr == NULL) {
		if ((tr = s->free_track[t]) != NULL) {
			s->free_track[t] = tr->free_next;
			tr->n = 0;	/* entries beyond n are never read */
		} else if ((tr = calloc(1, sizeof(*tr) +
		    cap * sizeof(tr->ent[0]))) == NULL) {
			return;
		}
		src->track[t] = tr;
	}
	if (counts_ports(t)) {
		for (i = 0; i < tr->n; i++) {
			if (tr->ent[i].port == port) {
				if (now > tr->ent[i].ts)
					tr->ent[i].ts = now;
				return;
			}
		}
	}
	if (tr->n < cap) {
		i = tr->n++;
	} else {
		uint32_t oldest = 0;

		for (i = 1; i < tr->n; i++)
			if (tr->ent[i].ts < tr->ent[oldest].ts)
				oldest = i;
		i = oldest;
	}
	tr->ent[i].ts = now;
	tr->ent[i].target = p->dst;
	tr->ent[i].port = port;
	tr->ent[i].bytes = p->wirelen;
	if (tr->n < cap)
		return;
	in_window = 0;
	for (i = 0; i < tr->n; i++)
		if (tr->ent[i].ts + win >= now)
			in_window++;
	if (in_window >= cap)
		episode_start(s, src, (enum scan_type)t, now);
}

void
scan_tick(struct scan *s, uint64_t now)
{
	struct episode *ep, *next;

	for (ep = s->ep_head; ep != NULL; ep = next) {
		next = ep->next;
		if (ep->last_ns + s->cfg.t[ep->type].window_ns < now)
			episode_end(s, ep, "timeout");
	}
	while (s->lru_tail != NULL &&
	    s->lru_tail->last_ns + s->max_window < now)
		source_free(s, s->lru_tail, "timeout");
}

void
scan_finish(struct scan *s)
{
	/* Oldest first, so events come out in the order episodes went quiet. */
	while (s->ep_tail != NULL)
		episode_end(s, s->ep_tail, "shutdown");
}

void
scan_free(struct scan *s)
{
	if (s == NULL)
		return;
	s->emit = NULL;
	while (s->lru_head != NULL)
		source_free(s, s->lru_head, "shutdown");
	while (s->free_src != NULL) {
		struct scan_src *src = s->free_src;

		s->free_src = src->hnext;
		free(src);
	}
	for (int t = 0; t < SCAN_NTYPES; t++) {
		while (s->free_track[t] != NULL) {
			struct track *tr = s->free_track[t];

			s->free_track[t] = tr->free_next;
			free(tr);
		}
	}
	while (s->free_ep != NULL) {
		struct episode *ep = s->free_ep;

		s->free_ep = ep->next;
		free(ep->port_buf);
		free(ep);
	}
	free(s->buckets);
	free(s);
}

void
scan_get_stats(const struct scan *s, struct scan_stats *st)
{
	*st = s->st;
}
