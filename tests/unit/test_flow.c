/* summary: unit tests for flow/flow: keys, TCP states, conn_state, timeouts, bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "flow/flow.h"
#include "net/decode.h"
#include "pktbuild.h"

#if defined(__SANITIZE_ADDRESS__)
/* from <sanitizer/allocator_interface.h>, which gcc does not ship */
size_t __sanitizer_get_current_allocated_bytes(void);
#define HAVE_ASAN_STATS 1
#endif

#define MS (NSEC_PER_SEC / 1000)
#define T0 ((uint64_t)1695017621 * NSEC_PER_SEC)

/* Packets are built by filling struct packet as the decoder would. */
static struct packet
mk(const char *src, uint16_t sp, const char *dst, uint16_t dp, uint8_t proto,
    uint8_t flags, uint32_t seq, uint32_t len, uint64_t ts)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(addr_parse(src, &p.src), 0);
	assert_int_equal(addr_parse(dst, &p.dst), 0);
	p.ip_version = p.src.family;
	p.layers = p.ip_version == 4 ? PKT_IPV4 : PKT_IPV6;
	p.ip_proto = proto;
	p.sport = sp;
	p.dport = dp;
	p.ts_ns = ts;
	switch (proto) {
	case 6:
		p.layers |= PKT_TCP;
		p.tcp_flags = flags;
		p.tcp_seq = seq;
		p.tcp_win = 1000;
		p.l3_len = 40 + len;
		break;
	case 17:
		p.layers |= PKT_UDP;
		p.l3_len = 28 + len;
		break;
	default:
		p.layers |= proto == 58 ? PKT_ICMPV6 : PKT_ICMP;
		p.icmp_type = (uint8_t)sp;
		p.icmp_code = (uint8_t)dp;
		p.sport = p.dport = 0;
		p.l3_len = 28 + len;
		break;
	}
	if (p.ip_version == 6)
		p.l3_len += 20;
	p.payload_len = len;
	p.wirelen = 14 + p.l3_len;
	p.caplen = p.wirelen;
	return p;
}

#define C "192.0.2.1"
#define S "198.51.100.2"
#define CP 40000
#define SP 80

struct ended {
	int n;
	char state[16];
	char history[FLOW_HISTORY_MAX];
	enum flow_end_reason reason;
	uint64_t flow_id;
	uint64_t created_total;
};

static void
on_end(void *ctx, struct flow *f)
{
	struct ended *e = ctx;

	e->n++;
	snprintf(e->state, sizeof(e->state), "%s", flow_conn_state(f));
	snprintf(e->history, sizeof(e->history), "%s", f->history);
	e->reason = f->end_reason;
	e->flow_id = f->flow_id;
}

static struct flow_table *
table(uint32_t max, struct ended *e)
{
	struct flow_config cfg;
	struct error err;
	struct flow_table *ft;

	flow_config_default(&cfg);
	cfg.max_flows = max;
	cfg.deterministic_hash = 1;
	ft = flow_table_new(&cfg, &err);
	assert_non_null(ft);
	if (e != NULL) {
		memset(e, 0, sizeof(*e));
		flow_table_set_end_callback(ft, on_end, e);
	}
	return ft;
}

/* A tiny script language: "c S 0" = client sends flags S, payload 0. */
struct step {
	char who;		/* 'c' client, 's' server */
	uint8_t flags;
	uint32_t len;
};

#define SYN TCP_SYN
#define ACK TCP_ACK
#define FIN TCP_FIN
#define RST TCP_RST
#define PSH TCP_PSH

static uint32_t seq[2];

static void
seq_reset(void)
{
	seq[0] = 1000;
	seq[1] = 5000;
}

static struct flow *
run(struct flow_table *ft, const struct step *st, size_t n, uint64_t *t)
{
	struct flow *f = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		int s = st[i].who == 's';
		struct packet p = s ?
		    mk(S, SP, C, CP, 6, st[i].flags, seq[1], st[i].len, *t) :
		    mk(C, CP, S, SP, 6, st[i].flags, seq[0], st[i].len, *t);

		f = flow_table_lookup(ft, &p);
		assert_non_null(f);
		assert_ptr_equal(p.flow, f);
		seq[s] += st[i].len + !!(st[i].flags & (SYN | FIN));
		*t += MS;
	}
	return f;
}

static void
check_conn(const struct step *st, size_t n, const char *state, const char *history)
{
	struct ended e;
	struct flow_table *ft = table(100, &e);
	uint64_t t = T0;
	struct flow *f;

	seq_reset();
	f = run(ft, st, n, &t);
	assert_string_equal(flow_conn_state(f), state);
	assert_string_equal(f->history, history);
	flow_table_free(ft);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.reason, FLOW_END_SHUTDOWN);
	assert_string_equal(e.state, state);
}

#define CHECK(steps, state, hist) check_conn(steps, sizeof(steps) / sizeof(steps[0]), state, hist)

static void
test_conn_states(void **state)
{
	static const struct step s0[] = { { 'c', SYN, 0 } };
	static const struct step rej[] = { { 'c', SYN, 0 }, { 's', RST | ACK, 0 } };
	static const struct step s1[] = { { 'c', SYN, 0 }, { 's', SYN | ACK, 0 }, { 'c', ACK, 0 } };
	static const struct step sf[] = {
		{ 'c', SYN, 0 }, { 's', SYN | ACK, 0 }, { 'c', ACK, 0 },
		{ 'c', ACK | PSH, 100 }, { 's', ACK, 0 }, { 's', ACK | PSH, 300 },
		{ 'c', FIN | ACK, 0 }, { 's', FIN | ACK, 0 }, { 'c', ACK, 0 } };
	static const struct step s2[] = {
		{ 'c', SYN, 0 }, { 's', SYN | ACK, 0 }, { 'c', ACK, 0 }, { 'c', FIN | ACK, 0 } };
	static const struct step s3[] = {
		{ 'c', SYN, 0 }, { 's', SYN | ACK, 0 }, { 'c', ACK, 0 }, { 's', FIN | ACK, 0 } };
	static const struct step rsto[] = {
		{ 'c', SYN, 0 }, { 's', SYN | ACK, 0 }, { 'c', ACK, 0 }, { 'c', RST, 0 } };
	static const struct step rstr[] = {
		{ 'c', SYN, 0 }, { 's', SYN | ACK, 0 }, { 'c', ACK, 0 }, { 's', RST, 0 } };
	static const struct step rstos0[] = { { 'c', SYN, 0 }, { 'c', RST, 0 } };
	static const struct step rstrh[] = { { 's', SYN | ACK, 0 }, { 's', RST, 0 } };
	static const struct step sh[] = { { 'c', SYN, 0 }, { 'c', FIN, 0 } };
	static const struct step shr[] = { { 's', SYN | ACK, 0 }, { 's', FIN, 0 } };
	static const struct step oth[] = { { 'c', ACK, 10 }, { 's', ACK, 20 } };

	CHECK(s0, "S0", "S");
	CHECK(rej, "REJ", "Sr");
	CHECK(s1, "S1", "ShA");
	CHECK(sf, "SF", "ShADadFf");
	CHECK(s2, "S2", "ShAF");
	CHECK(s3, "S3", "ShAf");
	CHECK(rsto, "RSTO", "ShAR");
	CHECK(rstr, "RSTR", "ShAr");
	CHECK(rstos0, "RSTOS0", "SR");
	CHECK(rstrh, "RSTRH", "^hr");
	CHECK(sh, "SH", "SF");
	CHECK(shr, "SHR", "^hf");
	CHECK(oth, "OTH", "Dd");

	/* a retransmitted SYN (same seq) adds no letter; a new ISN does */
	{
		struct flow_table *ft = table(10, NULL);
		struct packet p = mk(C, CP, S, SP, 6, SYN, 1000, 0, T0);
		struct flow *f = flow_table_lookup(ft, &p);

		p.ts_ns += NSEC_PER_SEC;
		(void)flow_table_lookup(ft, &p);
		assert_string_equal(f->history, "S");
		assert_string_equal(flow_conn_state(f), "S0");
		p.tcp_seq = 2000;
		(void)flow_table_lookup(ft, &p);
		assert_string_equal(f->history, "SS");
		flow_table_free(ft);
	}
}

static void
test_tcp_session(void **state)
{
	static const struct step sf[] = {
		{ 'c', SYN, 0 }, { 's', SYN | ACK, 0 }, { 'c', ACK, 0 },
		{ 'c', ACK | PSH, 100 }, { 's', ACK | PSH, 300 },
		{ 'c', FIN | ACK, 0 }, { 's', FIN | ACK, 0 }, { 'c', ACK, 0 } };
	struct flow_table *ft = table(100, NULL);
	uint64_t t = T0;
	struct flow *f;
	char a[ADDR_STRLEN];

	seq_reset();
	f = run(ft, sf, 1, &t);
	assert_int_equal(f->tcp_state, FLOW_TCP_SYN_SENT);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	f = run(ft, sf + 1, 1, &t);
	assert_int_equal(f->tcp_state, FLOW_TCP_SYN_RECV);
	f = run(ft, sf + 2, 1, &t);
	assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
	f = run(ft, sf + 3, 3, &t);
	assert_int_equal(f->tcp_state, FLOW_TCP_FIN_WAIT1);
	f = run(ft, sf + 6, 1, &t);
	assert_int_equal(f->tcp_state, FLOW_TCP_TIME_WAIT);
	assert_int_equal(f->state, FLOW_STATE_CLOSED);
	f = run(ft, sf + 7, 1, &t);
	assert_int_equal(f->tcp_state, FLOW_TCP_CLOSED);
	assert_string_equal(flow_tcp_state_name(f->tcp_state), "closed");

	/* orientation, counters, payload bytes from sequence numbers */
	assert_string_equal(addr_str(&f->src, a), C);
	assert_int_equal(f->sport, CP);
	assert_int_equal(f->dport, SP);
	assert_int_equal(f->pkts[FLOW_TOSERVER], 5);
	assert_int_equal(f->pkts[FLOW_TOCLIENT], 3);
	assert_int_equal(flow_orig_bytes(f), 100);
	assert_int_equal(flow_resp_bytes(f), 300);
	assert_int_equal(f->payload_bytes[0], 100);
	assert_int_equal(f->ip_bytes[0], 5 * 40 + 100);
	assert_int_equal(f->bytes[1], 3 * 54 + 300);
	assert_int_equal(f->tcp_flags[0], SYN | ACK | PSH | FIN);
	assert_int_equal(f->tcp_flags[1], SYN | ACK | PSH | FIN);
	assert_int_equal(f->first_ns, T0);
	assert_int_equal(f->last_ns, T0 + 7 * MS);
	assert_int_equal(flow_table_count(ft), 1);
	flow_table_free(ft);
}

static void
test_directions(void **state)
{
	struct flow_table *ft = table(100, NULL);
	struct packet p1 = mk(C, CP, S, SP, 17, 0, 0, 10, T0);
	struct packet p2 = mk(S, SP, C, CP, 17, 0, 0, 20, T0 + MS);
	struct packet p3 = mk(C, CP, S, SP + 1, 17, 0, 0, 10, T0);
	struct flow *f1, *f2, *f3;

	f1 = flow_table_lookup(ft, &p1);
	f2 = flow_table_lookup(ft, &p2);
	f3 = flow_table_lookup(ft, &p3);
	assert_ptr_equal(f1, f2);
	assert_ptr_not_equal(f1, f3);
	assert_int_equal(p1.dir, FLOW_TOSERVER);
	assert_int_equal(p2.dir, FLOW_TOCLIENT);
	assert_int_equal(flow_direction(f1, &p1), FLOW_TOSERVER);
	assert_int_equal(flow_direction(f1, &p2), FLOW_TOCLIENT);
	assert_int_equal(f1->state, FLOW_STATE_ESTABLISHED);
	assert_string_equal(flow_conn_state(f1), "SF");
	assert_string_equal(f1->history, "Dd");
	assert_int_equal(f3->state, FLOW_STATE_NEW);
	assert_string_equal(flow_conn_state(f3), "S0");
	{
		/* Zeek records D for an empty datagram too (nmap UDP probes) */
		struct packet p4 = mk(C, CP, S, 161, 17, 0, 0, 0, T0);

		assert_string_equal(flow_table_lookup(ft, &p4)->history, "D");
	}
	assert_int_not_equal(f1->flow_id, f3->flow_id);
	assert_true(f1->flow_id < (UINT64_C(1) << 51));
	assert_true(f1->flow_id != 0);

	/* VLAN ids are part of the key */
	p1.vlan_count = 1;
	p1.vlan_id[0] = 7;
	assert_ptr_not_equal(flow_table_lookup(ft, &p1), f1);
	assert_int_equal(flow_table_count(ft), 4);

	/* no IP, unreassembled fragment, broken transport: no flow */
	p1 = mk(C, CP, S, SP, 17, 0, 0, 10, T0);
	p1.ip_version = 0;
	assert_null(flow_table_lookup(ft, &p1));
	p1 = mk(C, CP, S, SP, 17, 0, 0, 10, T0);
	p1.layers |= PKT_FRAGMENT;
	assert_null(flow_table_lookup(ft, &p1));
	p1 = mk(C, CP, S, SP, 6, ACK, 0, 10, T0);
	p1.layers &= ~PKT_TCP;
	assert_null(flow_table_lookup(ft, &p1));
	flow_table_free(ft);
}

static void
test_icmp_and_midstream(void **state)
{
	struct flow_table *ft = table(100, NULL);
	struct packet req = mk(C, 8, S, 0, 1, 0, 0, 56, T0);
	struct packet rep = mk(S, 0, C, 0, 1, 0, 0, 56, T0 + MS);
	struct packet unr = mk(S, 3, C, 3, 1, 0, 0, 56, T0 + MS);
	struct packet v6req = mk("2001:db8::1", 128, "2001:db8::2", 0, 58, 0, 0, 8, T0);
	struct packet v6rep = mk("2001:db8::2", 129, "2001:db8::1", 0, 58, 0, 0, 8, T0);
	struct packet mid = mk(S, 22, C, 50000, 6, ACK | PSH, 777, 40, T0);
	struct flow *f;
	char a[ADDR_STRLEN];

	f = flow_table_lookup(ft, &req);
	assert_ptr_equal(flow_table_lookup(ft, &rep), f);
	assert_int_equal(rep.dir, FLOW_TOCLIENT);
	assert_int_equal(f->icmp_type, 8);
	assert_int_equal(f->icmp_resp_type, 0);
	assert_true(f->icmp_resp_seen);
	assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
	assert_ptr_not_equal(flow_table_lookup(ft, &unr), f);

	f = flow_table_lookup(ft, &v6req);
	assert_ptr_equal(flow_table_lookup(ft, &v6rep), f);
	assert_int_equal(v6rep.dir, FLOW_TOCLIENT);

	/* midstream from a well-known port: the receiver is the client */
	f = flow_table_lookup(ft, &mid);
	assert_true(f->flags & FLOW_F_MIDSTREAM);
	assert_true(f->flags & FLOW_F_SWAPPED);
	assert_string_equal(addr_str(&f->src, a), C);
	assert_int_equal(f->sport, 50000);
	assert_int_equal(mid.dir, FLOW_TOCLIENT);
	assert_int_equal(f->tcp_state, FLOW_TCP_NONE);
	assert_string_equal(f->history, "^d");
	mid = mk(C, 50000, S, 22, 6, ACK, 100, 0, T0 + MS);
	assert_ptr_equal(flow_table_lookup(ft, &mid), f);
	assert_int_equal(f->tcp_state, FLOW_TCP_ESTABLISHED);
	assert_int_equal(flow_resp_bytes(f), 40);
	flow_table_free(ft);
}

static void
test_timeouts(void **state)
{
	struct ended e;
	struct flow_table *ft = table(100, &e);
	struct packet u = mk(C, CP, S, 53, 17, 0, 0, 30, T0);
	struct packet syn = mk(C, CP, S, SP, 6, SYN, 1, 0, T0);
	struct flow *f;
	uint64_t id;

	f = flow_table_lookup(ft, &u);
	id = f->flow_id;
	(void)flow_table_lookup(ft, &syn);
	/* UDP new: 30 s; TCP new: 60 s */
	assert_int_equal(flow_table_expire(ft, T0 + 29 * NSEC_PER_SEC, 0), 0);
	assert_int_equal(flow_table_expire(ft, T0 + 31 * NSEC_PER_SEC, 0), 1);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.reason, FLOW_END_TIMEOUT);
	assert_int_equal(e.flow_id, id);
	assert_int_equal(flow_table_count(ft), 1);
	assert_int_equal(flow_table_expire(ft, T0 + 61 * NSEC_PER_SEC, 0), 1);
	assert_int_equal(flow_table_count(ft), 0);

	/* a packet past the timeout starts a new flow, ending the old one */
	u.ts_ns = T0 + 100 * NSEC_PER_SEC;
	f = flow_table_lookup(ft, &u);
	u.ts_ns += 31 * NSEC_PER_SEC;
	assert_ptr_not_equal(flow_table_lookup(ft, &u), NULL);
	assert_int_equal(e.n, 3);
	assert_int_equal(e.reason, FLOW_END_TIMEOUT);
	assert_int_equal(flow_table_count(ft), 1);

	/* an answered UDP flow lives 300 s */
	u.ts_ns += MS;
	{
		struct packet r = mk(S, 53, C, CP, 17, 0, 0, 60, u.ts_ns);

		(void)flow_table_lookup(ft, &r);
	}
	assert_int_equal(flow_table_expire(ft, u.ts_ns + 299 * NSEC_PER_SEC, 0), 0);
	assert_int_equal(flow_table_expire(ft, u.ts_ns + 301 * NSEC_PER_SEC, 0), 1);

	/* the max argument bounds the work of one call */
	for (int i = 0; i < 10; i++) {
		struct packet q = mk(C, (uint16_t)(1000 + i), S, 53, 17, 0, 0, 1, T0);

		(void)flow_table_lookup(ft, &q);
	}
	assert_int_equal(flow_table_expire(ft, T0 + 3600 * NSEC_PER_SEC, 4), 4);
	assert_int_equal(flow_table_count(ft), 6);
	flow_table_free(ft);
	assert_int_equal(e.n, 14);
	assert_int_equal(e.reason, FLOW_END_SHUTDOWN);
}

/*
 * The last-flow shortcut of flow_table_lookup: the same flow again, in
 * both directions; another flow in between; the last flow ended by
 * expiry and by the table (its record reused for a different key while
 * the shortcut still points at it): always the table's flow for the key.
 */
static void
test_last_flow_shortcut(void **state)
{
	struct ended e;
	struct flow_table *ft = table(100, &e);
	struct packet a = mk(C, CP, S, SP, 17, 0, 0, 10, T0);
	struct packet ar = mk(S, SP, C, CP, 17, 0, 0, 10, T0 + MS);
	struct packet b = mk(C, CP + 1, S, SP, 17, 0, 0, 10, T0 + 2 * MS);
	struct flow *fa, *fb, *f;
	uint64_t ida;

	fa = flow_table_lookup(ft, &a);
	ida = fa->flow_id;
	assert_ptr_equal(flow_table_lookup(ft, &a), fa);
	f = flow_table_lookup(ft, &ar);
	assert_ptr_equal(f, fa);
	assert_int_equal(ar.dir, FLOW_TOCLIENT);
	assert_int_equal(fa->pkts[FLOW_TOSERVER], 2);
	assert_int_equal(fa->pkts[FLOW_TOCLIENT], 1);
	fb = flow_table_lookup(ft, &b);
	assert_ptr_not_equal(fb, fa);
	assert_ptr_equal(flow_table_lookup(ft, &a), fa);
	assert_ptr_equal(flow_table_lookup(ft, &b), fb);
	/* b, the last flow, expires; a's key, then b's again: new flows */
	assert_int_equal(flow_table_expire(ft, T0 + 400 * NSEC_PER_SEC, 0), 2);
	assert_int_equal(flow_table_count(ft), 0);
	b.ts_ns = a.ts_ns = T0 + 401 * NSEC_PER_SEC;
	f = flow_table_lookup(ft, &a);	/* may reuse b's record */
	assert_non_null(f);
	assert_int_not_equal(f->flow_id, ida);
	assert_int_equal(f->pkts[FLOW_TOSERVER], 1);
	struct flow *f2 = flow_table_lookup(ft, &b);
	assert_ptr_not_equal(f2, f);
	assert_int_equal(f2->pkts[FLOW_TOSERVER], 1);
	assert_int_equal(flow_table_count(ft), 2);
	assert_ptr_equal(flow_table_lookup(ft, &a), f);
	assert_int_equal(f->pkts[FLOW_TOSERVER], 2);
	flow_table_free(ft);
	assert_int_equal(e.n, 4);
}

static void
test_port_reuse(void **state)
{
	static const struct step rsto[] = {
		{ 'c', SYN, 0 }, { 's', SYN | ACK, 0 }, { 'c', ACK, 0 }, { 'c', RST, 0 } };
	struct ended e;
	struct flow_table *ft = table(100, &e);
	uint64_t t = T0;
	struct flow *f;
	uint64_t id;

	seq_reset();
	f = run(ft, rsto, 4, &t);
	id = f->flow_id;
	struct packet syn = mk(C, CP, S, SP, 6, SYN, 99999, 0, t);

	f = flow_table_lookup(ft, &syn);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.reason, FLOW_END_REUSED);
	assert_string_equal(e.state, "RSTO");
	assert_int_not_equal(f->flow_id, id);
	assert_string_equal(f->history, "S");
	flow_table_free(ft);
}

static void
test_eviction(void **state)
{
	static const struct step est[] = { { 'c', SYN, 0 }, { 's', SYN | ACK, 0 }, { 'c', ACK, 0 } };
	struct ended e;
	struct flow_table *ft = table(4, &e);
	struct flow_stats st;
	uint64_t t = T0;
	struct packet p;
	struct flow *f, *keep[3];
	int i;

	/* three established flows (different client ports), one attempt */
	for (i = 0; i < 3; i++) {
		uint32_t sq[2] = { 1, 1 };
		size_t k;

		for (k = 0; k < 3; k++) {
			int s = est[k].who == 's';

			p = s ? mk(S, SP, C, (uint16_t)(CP + i), 6, est[k].flags, sq[1], 0, t) :
			    mk(C, (uint16_t)(CP + i), S, SP, 6, est[k].flags, sq[0], 0, t);
			keep[i] = flow_table_lookup(ft, &p);
			t += MS;
		}
	}
	p = mk("203.0.113.9", 1234, S, SP, 6, SYN, 1, 0, t);
	(void)flow_table_lookup(ft, &p);
	assert_int_equal(flow_table_count(ft), 4);

	/* at the bound: the unanswered attempt goes first */
	p = mk("203.0.113.10", 1234, S, SP, 6, SYN, 1, 0, t + MS);
	f = flow_table_lookup(ft, &p);
	assert_non_null(f);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.reason, FLOW_END_EVICTED);
	assert_string_equal(e.history, "S");
	assert_int_equal(flow_table_count(ft), 4);
	for (i = 0; i < 3; i++)
		assert_int_equal(keep[i]->in_use, 1);

	/* only established ones and the new attempt: the attempt goes again */
	p = mk("203.0.113.11", 1234, S, SP, 6, SYN, 1, 0, t + 2 * MS);
	(void)flow_table_lookup(ft, &p);
	assert_int_equal(e.n, 2);
	for (i = 0; i < 3; i++)
		assert_int_equal(keep[i]->in_use, 1);

	/* an answered UDP flow fills the last slot: the oldest established goes */
	p = mk("203.0.113.12", 5000, S, 53, 17, 0, 0, 10, t + 3 * MS);
	(void)flow_table_lookup(ft, &p);
	p = mk(S, 53, "203.0.113.12", 5000, 17, 0, 0, 10, t + 4 * MS);
	(void)flow_table_lookup(ft, &p);	/* evicts the TCP attempt */
	assert_int_equal(e.n, 3);
	p = mk("203.0.113.13", 1234, S, SP, 6, ACK, 1, 0, t + 5 * MS);
	(void)flow_table_lookup(ft, &p);	/* no new flows left: oldest established */
	assert_int_equal(e.n, 4);
	assert_string_equal(e.state, "S1");
	assert_int_equal(keep[0]->in_use, 1);	/* the record was recycled */
	flow_table_stats(ft, &st);
	assert_int_equal(st.evicted, 4);
	assert_int_equal(st.active, 4);
	assert_int_equal(st.max_active, 4);
	assert_int_equal(st.slabs, 1);
	flow_table_free(ft);
}

static void
test_syn_flood_bounded(void **state)
{
	enum { MAX = 1000, N = 1000000 };
	struct ended e;
	struct flow_table *ft = table(MAX, &e);
	struct flow_stats st, st2;
	struct packet p = mk(C, 1, S, SP, 6, SYN, 1, 0, T0);
	uint32_t i;
#ifdef HAVE_ASAN_STATS
	size_t heap_mid = 0;
#endif

	for (i = 0; i < N; i++) {
		/* distinct sources: 2^16 ports x addresses 10.x.y.z */
		p.src.b[0] = 10;
		p.src.b[1] = (uint8_t)(i >> 16);
		p.src.b[2] = (uint8_t)(i >> 8);
		p.src.b[3] = (uint8_t)i;
		p.sport = (uint16_t)(i * 7919u);
		p.ts_ns = T0 + (uint64_t)i * 1000;	/* 1 us apart */
		assert_non_null(flow_table_lookup(ft, &p));
		if (i == N / 2) {
			flow_table_stats(ft, &st);
#ifdef HAVE_ASAN_STATS
			heap_mid = __sanitizer_get_current_allocated_bytes();
#endif
		}
	}
	flow_table_stats(ft, &st2);
	assert_int_equal(flow_table_count(ft), MAX);
	assert_int_equal(st2.max_active, MAX);
	assert_int_equal(st2.created, N);
	assert_int_equal(st2.evicted, N - MAX);
	assert_int_equal(st2.slabs, 1);
	assert_int_equal(st2.memory, st.memory);	/* no growth in the 2nd half */
#ifdef HAVE_ASAN_STATS
	assert_int_equal(__sanitizer_get_current_allocated_bytes(), heap_mid);
#endif
	flow_table_free(ft);
	assert_int_equal(e.n, N);
}

/*
 * Records are handed out of each slab in order as flows appear (the slab
 * is not walked when allocated), across several slabs (4096 records
 * each): every flow gets its own record, finds it again, and the bound
 * still holds with the free list and eviction after them.
 */
static void
test_slabs_filled_in_order(void **state)
{
	enum { MAX = 10000 };
	struct ended e;
	struct flow_table *ft = table(MAX, &e);
	struct flow **got = calloc(MAX, sizeof(*got));
	struct flow_stats st;
	struct packet p = mk(C, 1, S, 53, 17, 0, 0, 10, T0);
	uint32_t i;

	(void)state;
	assert_non_null(got);
	for (i = 0; i < MAX; i++) {
		p.sport = (uint16_t)(1000 + i);
		got[i] = flow_table_lookup(ft, &p);
		assert_non_null(got[i]);
		assert_int_equal(got[i]->pkts[FLOW_TOSERVER], 1);
		assert_int_equal(flow_table_count(ft), i + 1);
	}
	flow_table_stats(ft, &st);
	assert_int_equal(st.slabs, 3);		/* 4096 + 4096 + 1808 */
	assert_int_equal(st.evicted, 0);
	for (i = 0; i < MAX; i++) {
		p.sport = (uint16_t)(1000 + i);
		assert_ptr_equal(flow_table_lookup(ft, &p), got[i]);
		assert_int_equal(got[i]->pkts[FLOW_TOSERVER], 2);
	}
	/* all expire: their records go to the free list and are reused */
	assert_int_equal(flow_table_expire(ft, T0 + 400 * NSEC_PER_SEC, 0), MAX);
	p.ts_ns = T0 + 401 * NSEC_PER_SEC;
	for (i = 0; i <= MAX; i++) {
		p.sport = (uint16_t)(30000 + i);
		assert_non_null(flow_table_lookup(ft, &p));
	}
	flow_table_stats(ft, &st);
	assert_int_equal(st.slabs, 3);
	assert_int_equal(st.evicted, 1);	/* the bound: one past it */
	assert_int_equal(flow_table_count(ft), MAX);
	flow_table_free(ft);
	assert_int_equal(e.n, 2 * MAX + 1);
	free(got);
}

static int storage_freed;

static void
free_slot(void *ctx, void *data)
{
	assert_ptr_equal(ctx, &storage_freed);
	assert_ptr_equal(data, (void *)0x1234);
	storage_freed++;
}

static void
test_storage(void **state)
{
	struct flow_table *ft = table(10, NULL);
	struct error err;
	struct packet p = mk(C, CP, S, SP, 17, 0, 0, 1, T0);
	struct flow *f;
	int slot, i;

	slot = flow_table_register_storage(ft, free_slot, &storage_freed, &err);
	assert_int_equal(slot, 0);
	for (i = 1; i < FLOW_STORAGE_MAX; i++)
		assert_int_equal(flow_table_register_storage(ft, NULL, NULL, &err), i);
	assert_int_equal(flow_table_register_storage(ft, NULL, NULL, &err), -1);
	f = flow_table_lookup(ft, &p);
	f->storage[slot] = (void *)0x1234;
	flow_table_end(ft, f, FLOW_END_FORCED);
	assert_int_equal(storage_freed, 1);
	assert_int_equal(flow_table_count(ft), 0);
	f = flow_table_lookup(ft, &p);
	assert_null(f->storage[slot]);
	flow_table_free(ft);
	assert_int_equal(storage_freed, 1);
}

static void
test_names(void **state)
{
	assert_string_equal(flow_proto_name(6), "TCP");
	assert_string_equal(flow_proto_name(58), "IPv6-ICMP");
	assert_null(flow_proto_name(253));
	assert_string_equal(flow_end_reason_name(FLOW_END_EVICTED), "forced");
	assert_string_equal(flow_end_reason_name(FLOW_END_SHUTDOWN), "shutdown");
	assert_string_equal(flow_end_reason_name(FLOW_END_TIMEOUT), "timeout");
	assert_string_equal(flow_state_name(FLOW_STATE_ESTABLISHED), "established");
}

/* The same through the real decoder: field conventions agree. */
static void
test_with_decoder(void **state)
{
	struct flow_table *ft = table(100, NULL);
	struct error err;
	struct decoder *d = decoder_new(NULL, &err);
	uint8_t fr[1600], pay[100];
	struct packet p;
	struct flow *f;
	size_t n;
	struct pb_spec req = { .src = C, .dst = S, .proto = PB_ICMP, .icmp_type = 8,
	    .icmp_id = 5, .payload = pay, .payload_len = 56 };
	struct pb_spec rep = { .src = S, .dst = C, .proto = PB_ICMP, .icmp_type = 0,
	    .icmp_id = 5, .payload = pay, .payload_len = 56 };
	struct pb_spec syn = { .src = "2001:db8::1", .dst = "2001:db8::2",
	    .sport = 40000, .dport = 22, .flags = TCP_SYN, .seq = 7 };
	struct pb_spec dat = { .src = "2001:db8::1", .dst = "2001:db8::2",
	    .sport = 40000, .dport = 22, .flags = TCP_ACK | TCP_PSH, .seq = 8,
	    .payload = pay, .payload_len = 100 };

	assert_non_null(d);
	memset(pay, 'x', sizeof(pay));
	n = pb_frame(&req, fr, sizeof(fr));
	assert_true(n > 0);
	decode_frame(d, &p, LINKTYPE_EN10MB, fr, (uint32_t)n, (uint32_t)n, T0);
	f = flow_table_lookup(ft, &p);
	assert_non_null(f);
	n = pb_frame(&rep, fr, sizeof(fr));
	decode_frame(d, &p, LINKTYPE_EN10MB, fr, (uint32_t)n, (uint32_t)n, T0 + MS);
	assert_ptr_equal(flow_table_lookup(ft, &p), f);
	assert_int_equal(p.dir, FLOW_TOCLIENT);
	assert_int_equal(f->ip_bytes[0], 20 + 8 + 56);
	assert_int_equal(f->bytes[1], 14 + 20 + 8 + 56);
	assert_int_equal(f->payload_bytes[0], 56);

	n = pb_frame(&syn, fr, sizeof(fr));
	decode_frame(d, &p, LINKTYPE_EN10MB, fr, (uint32_t)n, (uint32_t)n, T0);
	f = flow_table_lookup(ft, &p);
	assert_non_null(f);
	/* a snaplen of 80 bytes cuts the payload: accounting uses the headers */
	n = pb_frame(&dat, fr, sizeof(fr));
	decode_frame(d, &p, LINKTYPE_EN10MB, fr, 80, (uint32_t)n, T0 + MS);
	assert_ptr_equal(flow_table_lookup(ft, &p), f);
	assert_int_equal(f->ip_bytes[0], 40 + 20 + 40 + 20 + 100);
	assert_int_equal(f->payload_bytes[0], 100);
	assert_int_equal(flow_orig_bytes(f), 100);
	assert_string_equal(f->history, "SD");
	decoder_free(d);
	flow_table_free(ft);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conn_states),
		cmocka_unit_test(test_tcp_session),
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_icmp_and_midstream),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_port_reuse),
		cmocka_unit_test(test_last_flow_shortcut),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_syn_flood_bounded),
		cmocka_unit_test(test_slabs_filled_in_order),
		cmocka_unit_test(test_storage),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_with_decoder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
