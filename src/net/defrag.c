/* summary: IPv4 and IPv6 fragment reassembly with bounded memory and time. */
#include "net/defrag.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "net/checksum.h"

/*
 * Design.  Pending datagrams are kept in a hash table (keyed by version,
 * source, destination, id, and for IPv4 the protocol, with a per-context
 * random seed so an attacker cannot aim at one chain) and in a list ordered
 * by arrival of their first fragment, which is what both the timeout and the
 * eviction at a bound walk.  Each datagram keeps its payload as a sorted
 * list of non-overlapping pieces, one allocation per stored piece.
 *
 * Overlap policy: first data wins.  A byte of the datagram, once stored,
 * is never replaced: a later fragment contributes only the bytes that no
 * earlier fragment covered (the same policy as the TCP reassembly), and any
 * overlap -- an exact duplicate included -- is counted as
 * defrag.ipv4.overlap / defrag.ipv6.overlap.  The IP header kept is the one
 * of the first fragment with offset 0 to arrive.  This is what a target
 * that prefers old data sees; the alternative targets (last wins, BSD) are
 * what the overlap counter is there to flag.
 *
 * Checks (each refuses the fragment and names the anomaly): a first
 * fragment too small to hold the TCP (20), UDP (8) or ICMP (8) header while
 * more fragments follow (the RFC 1858 tiny fragment attack), a fragment
 * ending past the end announced by the last fragment or a last fragment
 * contradicting it, more than DEFRAG_MAX_FRAGS stored pieces in one
 * datagram (the whole datagram is dropped: this bounds the CPU spent per
 * fragment on the piece list), and a reassembled datagram past 65535 bytes.
 * Fragments ending past 65535 are refused earlier, by the IP decoders.
 *
 * Bounds.  Memory held -- each datagram's bookkeeping, its saved header,
 * each piece's bookkeeping and data -- never exceeds max_bytes, and at most
 * max_datagrams datagrams are pending; the hash table itself is allocated
 * once (one pointer per bucket, buckets = max_datagrams rounded up to a
 * power of two, at most 2^20).  When a new fragment would cross a bound the
 * oldest other datagrams are dropped (defrag.evicted) until it fits.
 * Timeouts run on packet time: a datagram whose first fragment arrived more
 * than timeout_ns ago is dropped (defrag.timeouts).
 */

struct piece {
	struct piece *next;
	uint32_t off, len;
	uint8_t data[];
};

struct dgram {
	struct dgram *hnext;		/* hash chain */
	struct dgram *older, *newer;	/* arrival list */
	uint64_t first_ts;
	uint64_t hash;
	uint8_t version, proto;
	bool have_end;
	uint32_t id;
	uint8_t src[16], dst[16];
	uint32_t end;			/* payload length, once the last came */
	uint32_t held;			/* payload bytes stored */
	uint32_t npieces;
	size_t mem;
	uint8_t *hdr;			/* from the offset-0 fragment */
	uint32_t hdr_len, nh_off;
	struct piece *pieces;		/* sorted by off, disjoint */
};

struct defrag {
	size_t max_bytes;
	uint32_t max_dgrams;
	uint64_t timeout_ns;
	uint64_t *stats;
	struct dgram **buckets;
	uint64_t mask;
	struct dgram *oldest, *newest;
	size_t mem;
	uint32_t count;
	uint64_t seed;
};

static void
update_gauges(struct defrag *df)
{
	df->stats[DSTAT_DEFRAG_MEMUSE] = df->mem;
	df->stats[DSTAT_DEFRAG_PENDING] = df->count;
}

struct defrag *
defrag_new(size_t max_bytes, uint32_t max_datagrams, uint64_t timeout_ns,
    uint64_t *stats, struct error *err)
{
	struct defrag *df = calloc(1, sizeof(*df));
	if (df == NULL)
		return error_set(err, "defrag: out of memory"), NULL;
	uint64_t nb = 16;
	while (nb < max_datagrams && nb < (1u << 20))
		nb <<= 1;
	df->buckets = calloc(nb, sizeof(*df->buckets));
	if (df->buckets == NULL) {
		free(df);
		return error_set(err, "defrag: out of memory"), NULL;
	}
	df->mask = nb - 1;
	df->max_bytes = max_bytes;
	df->max_dgrams = max_datagrams;
	df->timeout_ns = timeout_ns;
	df->stats = stats;
	if (getrandom(&df->seed, sizeof(df->seed), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(df->seed))
		df->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)df;
	return df;
}

static void
dgram_destroy(struct dgram *dg)
{
	struct piece *q = dg->pieces;
	while (q != NULL) {
		struct piece *next = q->next;
		free(q);
		q = next;
	}
	free(dg->hdr);
	free(dg);
}

/* Unlinks dg from the table and the arrival list and frees it. */
static void
dgram_drop(struct defrag *df, struct dgram *dg)
{
	struct dgram **pp = &df->buckets[dg->hash & df->mask];
	while (*pp != dg)
		pp = &(*pp)->hnext;
	*pp = dg->hnext;
	if (dg->older)
		dg->older->newer = dg->newer;
	else
		df->oldest = dg->newer;
	if (dg->newer)
		dg->newer->older = dg->older;
	else
		df->newest = dg->older;
	df->mem -= dg->mem;
	df->count--;
	dgram_destroy(dg);
	update_gauges(df);
}

void
defrag_free(struct defrag *df)
{
	if (df == NULL)
		return;
	while (df->oldest != NULL)
		dgram_drop(df, df->oldest);
	free(df->buckets);
	free(df);
}

void
defrag_expire(struct defrag *df, uint64_t now_ns)
{
	while (df->oldest != NULL && now_ns > df->oldest->first_ts &&
	    now_ns - df->oldest->first_ts >= df->timeout_ns) {
		dgram_drop(df, df->oldest);
		df->stats[DSTAT_DEFRAG_TIMEOUTS]++;
	}
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

static uint64_t
load64(const uint8_t *b)
{
	uint64_t v;
	memcpy(&v, b, 8);
	return v;
}

static uint64_t
key_hash(const struct defrag *df, const struct defrag_frag *f)
{
	uint64_t h = mix(df->seed, (uint64_t)f->version << 40 |
	    (uint64_t)(f->version == 4 ? f->proto : 0) << 32 | f->id);
	if (f->version == 4) {
		uint32_t s, d;
		memcpy(&s, f->src, 4);
		memcpy(&d, f->dst, 4);
		h = mix(h, (uint64_t)s << 32 | d);
	} else {
		h = mix(h, load64(f->src));
		h = mix(h, load64(f->src + 8));
		h = mix(h, load64(f->dst));
		h = mix(h, load64(f->dst + 8));
	}
	return mix(h, 0);
}

static bool
key_match(const struct dgram *dg, const struct defrag_frag *f, uint64_t h)
{
	size_t alen = f->version == 4 ? 4 : 16;
	return dg->hash == h && dg->version == f->version && dg->id == f->id &&
	    (f->version == 6 || dg->proto == f->proto) &&
	    memcmp(dg->src, f->src, alen) == 0 &&
	    memcmp(dg->dst, f->dst, alen) == 0;
}

static uint32_t
min_l4_header(const struct defrag_frag *f)
{
	switch (f->proto) {
	case 6:
		return 20;
	case 17:
		return 8;
	case 1:
		return f->version == 4 ? 8 : 0;
	case 58:
		return f->version == 6 ? 8 : 0;
	default:
		return 0;
	}
}

/* Drops the oldest datagrams other than keep until `need` more bytes fit.
 * Returns false if they cannot fit even then. */
static bool
make_room(struct defrag *df, const struct dgram *keep, size_t need)
{
	struct dgram *v = df->oldest;
	while (df->mem + need > df->max_bytes && v != NULL) {
		struct dgram *next = v->newer;
		if (v != keep) {
			dgram_drop(df, v);
			df->stats[DSTAT_DEFRAG_EVICTED]++;
		}
		v = next;
	}
	return df->mem + need <= df->max_bytes;
}

static struct dgram *
dgram_create(struct defrag *df, const struct defrag_frag *f, uint64_t h)
{
	if (df->count >= df->max_dgrams && df->oldest != NULL) {
		dgram_drop(df, df->oldest);
		df->stats[DSTAT_DEFRAG_EVICTED]++;
	}
	if (!make_room(df, NULL, sizeof(struct dgram)))
		return NULL;
	struct dgram *dg = calloc(1, sizeof(*dg));
	if (dg == NULL)
		return NULL;
	size_t alen = f->version == 4 ? 4 : 16;
	dg->hash = h;
	dg->version = f->version;
	dg->proto = f->proto;
	dg->id = f->id;
	memcpy(dg->src, f->src, alen);
	memcpy(dg->dst, f->dst, alen);
	dg->first_ts = f->ts_ns;
	dg->mem = sizeof(*dg);
	struct dgram **bucket = &df->buckets[h & df->mask];
	dg->hnext = *bucket;
	*bucket = dg;
	dg->older = df->newest;
	if (df->newest)
		df->newest->newer = dg;
	else
		df->oldest = dg;
	df->newest = dg;
	df->mem += dg->mem;
	df->count++;
	update_gauges(df);
	return dg;
}

static uint32_t
stored_end(const struct dgram *dg)
{
	uint32_t e = 0;
	for (const struct piece *q = dg->pieces; q != NULL; q = q->next)
		e = q->off + q->len;	/* sorted: the last one ends last */
	return e;
}

/* Walks the gaps of dg inside [off, fend): calls back for each (when
 * insert is true, inserting a piece), returns the bytes needed and whether
 * an overlap was seen.  Returns -1 if an allocation failed. */
static int
fill_gaps(struct dgram *dg, const struct defrag_frag *f, bool insert,
    size_t *need, uint32_t *npieces, bool *overlap)
{
	uint32_t cur = f->offset, fend = f->offset + f->len;
	struct piece **pp = &dg->pieces;

	*need = 0;
	*npieces = 0;
	*overlap = false;
	while (cur < fend) {
		struct piece *q = *pp;
		uint32_t gap_end;
		if (q == NULL || q->off >= fend) {
			gap_end = fend;
		} else if (q->off + q->len <= cur) {
			pp = &q->next;
			continue;
		} else {
			gap_end = q->off > cur ? q->off : cur;
		}
		if (gap_end > cur) {
			uint32_t n = gap_end - cur;
			*need += sizeof(struct piece) + n;
			(*npieces)++;
			if (insert) {
				struct piece *np = malloc(sizeof(*np) + n);
				if (np == NULL)
					return -1;
				np->off = cur;
				np->len = n;
				memcpy(np->data, f->data + (cur - f->offset), n);
				np->next = q;
				*pp = np;
				pp = &np->next;
				dg->held += n;
				dg->npieces++;
				dg->mem += sizeof(*np) + n;
			}
			cur = gap_end;
		}
		if (q != NULL && q->off < fend) {
			*overlap = true;
			cur = q->off + q->len;
			pp = &q->next;
		}
	}
	return 0;
}

static enum decode_anomaly
anomaly_for(const struct defrag_frag *f, enum decode_anomaly v4,
    enum decode_anomaly v6)
{
	return f->version == 4 ? v4 : v6;
}

/* Writes the complete datagram to out; false if it is too large. */
static bool
assemble(const struct dgram *dg, uint8_t *out, uint32_t *out_len)
{
	uint32_t total = dg->hdr_len + dg->end;
	if (total > DEFRAG_OUT_MAX)
		return false;
	if (dg->version == 4 && total > 65535)
		return false;
	if (dg->version == 6 && total - 40 > 65535)
		return false;
	memcpy(out, dg->hdr, dg->hdr_len);
	for (const struct piece *q = dg->pieces; q != NULL; q = q->next)
		memcpy(out + dg->hdr_len + q->off, q->data, q->len);
	if (dg->version == 4) {
		out[2] = (uint8_t)(total >> 8);
		out[3] = (uint8_t)total;
		out[6] &= 0x40;		/* keep DF, clear MF and the offset */
		out[7] = 0;
		out[10] = out[11] = 0;
		uint16_t sum = ip_checksum(out, dg->hdr_len);
		memcpy(out + 10, &sum, 2);
	} else {
		uint32_t plen = total - 40;
		out[4] = (uint8_t)(plen >> 8);
		out[5] = (uint8_t)plen;
		out[dg->nh_off] = dg->proto;
	}
	*out_len = total;
	return true;
}

enum defrag_result
defrag_add(struct defrag *df, const struct defrag_frag *f, uint8_t *out,
    uint32_t *out_len, enum decode_anomaly *anomaly)
{
	*anomaly = ANOM_NONE;
	*out_len = 0;
	df->stats[f->version == 4 ? DSTAT_DEFRAG_IPV4_FRAGMENTS :
	    DSTAT_DEFRAG_IPV6_FRAGMENTS]++;

	uint32_t fend = f->offset + f->len;
	if (fend > 65535 || fend < f->offset) {
		*anomaly = anomaly_for(f, ANOM_IPV4_FRAG_PKT_TOO_LARGE,
		    ANOM_IPV6_FRAG_PKT_TOO_LARGE);
		return DEFRAG_DROPPED;
	}
	if (f->offset == 0 && f->more && f->len < min_l4_header(f)) {
		*anomaly = anomaly_for(f, ANOM_DEFRAG_IPV4_TINY_FIRST,
		    ANOM_DEFRAG_IPV6_TINY_FIRST);
		return DEFRAG_DROPPED;
	}
	uint64_t h = key_hash(df, f);
	struct dgram *dg = df->buckets[h & df->mask];
	while (dg != NULL && !key_match(dg, f, h))
		dg = dg->hnext;

	if (dg != NULL) {
		bool bad = false;
		if (!f->more)
			bad = dg->have_end ? fend != dg->end :
			    stored_end(dg) > fend;
		else
			bad = dg->have_end && fend > dg->end;
		if (bad) {
			*anomaly = anomaly_for(f, ANOM_DEFRAG_IPV4_BAD_END,
			    ANOM_DEFRAG_IPV6_BAD_END);
			return DEFRAG_DROPPED;
		}
	} else {
		dg = dgram_create(df, f, h);
		if (dg == NULL) {
			df->stats[DSTAT_DEFRAG_EVICTED]++;
			return DEFRAG_DROPPED;
		}
	}

	size_t need;
	uint32_t npieces;
	bool overlap;
	fill_gaps(dg, f, false, &need, &npieces, &overlap);
	if (overlap)
		*anomaly = anomaly_for(f, ANOM_DEFRAG_IPV4_OVERLAP,
		    ANOM_DEFRAG_IPV6_OVERLAP);
	if (dg->npieces + npieces > DEFRAG_MAX_FRAGS) {
		*anomaly = ANOM_DEFRAG_MAX_FRAGS;
		dgram_drop(df, dg);
		return DEFRAG_DROPPED;
	}
	bool want_hdr = f->offset == 0 && dg->hdr == NULL;
	if (want_hdr)
		need += f->hdr_len;
	if (!make_room(df, dg, need)) {
		dgram_drop(df, dg);
		df->stats[DSTAT_DEFRAG_EVICTED]++;
		return DEFRAG_DROPPED;
	}
	if (want_hdr) {
		dg->hdr = malloc(f->hdr_len ? f->hdr_len : 1);
		if (dg->hdr == NULL) {
			dgram_drop(df, dg);
			return DEFRAG_DROPPED;
		}
		memcpy(dg->hdr, f->hdr, f->hdr_len);
		dg->hdr_len = f->hdr_len;
		dg->nh_off = f->nh_off;
		dg->mem += f->hdr_len;
		df->mem += f->hdr_len;
	}
	size_t before = dg->mem;
	if (fill_gaps(dg, f, true, &need, &npieces, &overlap) < 0) {
		df->mem += dg->mem - before;
		dgram_drop(df, dg);
		return DEFRAG_DROPPED;
	}
	df->mem += dg->mem - before;
	if (!f->more) {
		dg->have_end = true;
		dg->end = fend;
	}
	update_gauges(df);

	if (!dg->have_end || dg->hdr == NULL || dg->held != dg->end)
		return DEFRAG_HELD;
	bool ok = assemble(dg, out, out_len);
	uint8_t version = dg->version;
	dgram_drop(df, dg);
	if (!ok) {
		*out_len = 0;
		*anomaly = version == 4 ? ANOM_IPV4_FRAG_PKT_TOO_LARGE :
		    ANOM_IPV6_FRAG_PKT_TOO_LARGE;
		return DEFRAG_DROPPED;
	}
	df->stats[version == 4 ? DSTAT_DEFRAG_IPV4_REASSEMBLED :
	    DSTAT_DEFRAG_IPV6_REASSEMBLED]++;
	return DEFRAG_DONE;
}
