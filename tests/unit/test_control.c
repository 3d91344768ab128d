/* summary: unit tests for data control: limits, lists, spoofing, fragments, bounds, reload. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "control/classify.h"
#include "control/control.h"
#include "core/timefmt.h"
#include "pktbuild.h"

#define HP "203.0.113.10"
#define HP2 "203.0.113.11"
#define OUT "198.51.100.7"
#define DNS "192.0.2.53"
#define SEC NSEC_PER_SEC

struct rec {
	int limits, drops, flows;
	struct control_event last_limit;
	uint64_t last_suppressed;
	enum control_reason last_reason;
	int last_flow_outbound;
};

static void
emit(void *arg, const struct control_event *ev)
{
	struct rec *r = arg;

	switch (ev->type) {
	case CONTROL_EV_LIMIT:
		r->limits++;
		r->last_limit = *ev;
		break;
	case CONTROL_EV_DROP:
		r->drops++;
		r->last_suppressed = ev->suppressed;
		r->last_reason = ev->reason;
		break;
	case CONTROL_EV_FLOW:
		r->flows++;
		r->last_flow_outbound = ev->outbound;
		break;
	}
}

struct fx {
	struct control_policy pol;
	struct control_honeypot hp[2];
	struct control_rule rules[8];
	struct control *c;
	struct rec rec;
	uint64_t now;
	uint8_t frame[2048];
	struct packet p;
};

static void
add_rule(struct fx *f, enum control_rule_kind k, int proto, const char *addr,
    uint16_t port)
{
	struct control_rule *r = &f->rules[f->pol.nrules++];

	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->proto = proto;
	if (addr != NULL)
		assert_int_equal(prefix_parse(addr, &r->addr), 0);
	r->port_lo = r->port_hi = port;
}

static void
setup_fx(struct fx *f, const char *hp_prefix)
{
	memset(f, 0, sizeof(*f));
	control_honeypot_defaults(&f->hp[0]);
	assert_int_equal(prefix_parse(hp_prefix, &f->hp[0].net), 0);
	control_honeypot_defaults(&f->hp[1]);
	assert_int_equal(prefix_parse(HP2, &f->hp[1].net), 0);
	f->pol.honeypots = f->hp;
	f->pol.nhoneypots = 2;
	f->pol.rules = f->rules;
	f->pol.max_conns = 1024;
	f->pol.max_frags = 64;
	f->pol.drop_log_count = 10;
	f->pol.drop_log_window_ns = SEC;
	f->now = time_mono_ns();
}

static void
start(struct fx *f)
{
	struct error err;

	f->c = control_new(&f->pol, emit, &f->rec, &err);
	assert_non_null(f->c);
}

static enum control_reason
send_spec(struct fx *f, const struct pb_spec *s, enum control_side side)
{
	size_t n = pb_frame(s, f->frame, sizeof(f->frame));

	assert_true(n > 0);
	classify_frame(&f->p, f->frame, (uint32_t)n, (uint32_t)n, 0);
	return control_decide(f->c, &f->p, side, f->now);
}

static enum control_reason
out_tcp(struct fx *f, const char *dst, uint16_t sport, uint16_t dport,
    uint8_t flags)
{
	struct pb_spec s = { .src = HP, .dst = dst, .proto = PB_TCP,
		.sport = sport, .dport = dport, .flags = flags };

	return send_spec(f, &s, CONTROL_FROM_HONEYNET);
}

static enum control_reason
out_udp(struct fx *f, const char *src, const char *dst, uint16_t sport,
    uint16_t dport)
{
	struct pb_spec s = { .src = src, .dst = dst, .proto = PB_UDP,
		.sport = sport, .dport = dport };

	return send_spec(f, &s, CONTROL_FROM_HONEYNET);
}

static void
test_defaults(void **state)
{
	struct control_honeypot hp;

	control_honeypot_defaults(&hp);
	assert_int_equal(hp.limit[CONTROL_TCP].count, 20);
	assert_int_equal(hp.limit[CONTROL_UDP].count, 20);
	assert_int_equal(hp.limit[CONTROL_ICMP].count, 50);
	assert_int_equal(hp.limit[CONTROL_OTHER].count, 10);
	assert_int_equal(hp.limit[CONTROL_TCP].burst, 20);
	assert_int_equal(hp.limit[CONTROL_TCP].window_ns, 3600 * SEC);
	assert_int_equal(hp.bandwidth_bps, 0);
}

static void
test_tcp_limit_and_event(void **state)
{
	struct fx f;

	setup_fx(&f, HP);
	f.hp[0].limit[CONTROL_TCP].count = 5;
	f.hp[0].limit[CONTROL_TCP].burst = 5;
	f.hp[0].limit[CONTROL_TCP].window_ns = 60 * SEC;
	start(&f);
	for (int i = 0; i < 5; i++)
		assert_int_equal(out_tcp(&f, OUT, 40000 + i, 80, TCP_SYN),
		    CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 40005, 80, TCP_SYN),
	    CONTROL_DROP_LIMIT);
	assert_int_equal(f.rec.limits, 1);
	assert_int_equal(f.rec.last_limit.limit, 5);
	assert_int_equal(f.rec.last_limit.window_ns, 60 * SEC);
	assert_int_equal(f.rec.last_limit.count, 5);
	assert_int_equal(f.rec.last_limit.proto, CONTROL_TCP);
	/* Once per window: more refusals, no more events. */
	assert_int_equal(out_tcp(&f, OUT, 40006, 80, TCP_SYN),
	    CONTROL_DROP_LIMIT);
	assert_int_equal(f.rec.limits, 1);
	/* Established traffic is never limited. */
	assert_int_equal(out_tcp(&f, OUT, 40001, 80, TCP_ACK | TCP_PSH),
	    CONTROL_PASS);
	/* A token comes back after window / count = 12 s. */
	f.now += 12 * SEC + 1;
	assert_int_equal(out_tcp(&f, OUT, 40007, 80, TCP_SYN), CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 40008, 80, TCP_SYN),
	    CONTROL_DROP_LIMIT);
	/* Next window: a new limit event. */
	f.now += 60 * SEC;
	for (int i = 0; i < 5; i++)
		out_tcp(&f, OUT, 41000 + i, 80, TCP_SYN);
	assert_int_equal(out_tcp(&f, OUT, 41010, 80, TCP_SYN),
	    CONTROL_DROP_LIMIT);
	assert_int_equal(f.rec.limits, 2);
	control_free(f.c);
}

static void
test_midstream_counts_as_new(void **state)
{
	struct fx f;

	setup_fx(&f, HP);
	f.hp[0].limit[CONTROL_TCP].count = 1;
	f.hp[0].limit[CONTROL_TCP].burst = 1;
	start(&f);
	assert_int_equal(out_tcp(&f, OUT, 40000, 80, TCP_ACK), CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 40001, 80, TCP_ACK | TCP_PSH),
	    CONTROL_DROP_LIMIT);
	assert_int_equal(out_tcp(&f, OUT, 40002, 80, TCP_RST),
	    CONTROL_DROP_LIMIT);
	control_free(f.c);

	/* Reusing a closed connection's 4-tuple is a new connection. */
	setup_fx(&f, HP);
	f.hp[0].limit[CONTROL_TCP].count = 1;
	f.hp[0].limit[CONTROL_TCP].burst = 1;
	start(&f);
	assert_int_equal(out_tcp(&f, OUT, 40000, 80, TCP_SYN), CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 40000, 80, TCP_SYN), CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 40000, 80, TCP_RST), CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 40000, 80, TCP_SYN),
	    CONTROL_DROP_LIMIT);
	control_free(f.c);
}

static void
test_inbound_free_and_replies_established(void **state)
{
	struct fx f;
	struct pb_spec in = { .src = OUT, .dst = HP, .proto = PB_TCP,
		.sport = 5555, .dport = 22, .flags = TCP_SYN };
	struct control_stats st;

	setup_fx(&f, HP);
	f.hp[0].limit[CONTROL_TCP].count = 0;	/* no new outbound TCP at all */
	start(&f);
	for (int i = 0; i < 100; i++) {
		in.sport = (uint16_t)(5000 + i);
		assert_int_equal(send_spec(&f, &in, CONTROL_FROM_UPLINK),
		    CONTROL_PASS);
	}
	/* The honeypot's answers belong to inbound connections. */
	assert_int_equal(out_tcp(&f, OUT, 22, 5000, TCP_SYN | TCP_ACK),
	    CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 22, 5099, TCP_RST), CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 22, 6000, TCP_SYN | TCP_ACK),
	    CONTROL_DROP_LIMIT);
	control_get_stats(f.c, &st);
	assert_int_equal(st.conns, 100);
	control_flush(f.c, f.now);
	assert_int_equal(f.rec.flows, 100);
	assert_int_equal(f.rec.last_flow_outbound, 0);
	control_free(f.c);
}

static void
test_allow_fence_block_pass(void **state)
{
	struct fx f;

	setup_fx(&f, HP);
	f.hp[0].limit[CONTROL_UDP].count = 1;
	f.hp[0].limit[CONTROL_UDP].burst = 1;
	add_rule(&f, CONTROL_RULE_ALLOW, 17, DNS, 53);
	add_rule(&f, CONTROL_RULE_FENCE, 6, NULL, 25);
	add_rule(&f, CONTROL_RULE_BLOCK, -1, "198.51.100.66", 0);
	add_rule(&f, CONTROL_RULE_PASS, -1, "198.51.100.77", 0);
	start(&f);
	for (int i = 0; i < 10; i++)
		assert_int_equal(out_udp(&f, HP, DNS, 30000 + i, 53),
		    CONTROL_PASS);
	assert_int_equal(out_udp(&f, HP, DNS, 31000, 54), CONTROL_PASS);
	assert_int_equal(out_udp(&f, HP, DNS, 31001, 54), CONTROL_DROP_LIMIT);
	/* Fence: dropped even for a connection the attacker opened. */
	{
		struct pb_spec in = { .src = OUT, .dst = HP, .proto = PB_TCP,
			.sport = 25, .dport = 4444, .flags = TCP_SYN };
		assert_int_equal(send_spec(&f, &in, CONTROL_FROM_UPLINK),
		    CONTROL_PASS);
	}
	assert_int_equal(out_tcp(&f, OUT, 4444, 25, TCP_ACK), CONTROL_DROP_FENCE);
	assert_int_equal(out_tcp(&f, OUT, 4445, 26, TCP_SYN), CONTROL_PASS);
	assert_int_equal(out_tcp(&f, "198.51.100.66", 4446, 80, TCP_SYN),
	    CONTROL_DROP_BLOCK);
	{
		struct pb_spec in = { .src = "198.51.100.66", .dst = HP,
			.proto = PB_UDP, .sport = 1, .dport = 2 };
		assert_int_equal(send_spec(&f, &in, CONTROL_FROM_UPLINK),
		    CONTROL_DROP_BLOCK);
	}
	/* Pass list: not counted (UDP budget is spent). */
	assert_int_equal(out_udp(&f, HP, "198.51.100.77", 1000, 9999),
	    CONTROL_PASS);
	control_free(f.c);
}

static void
test_spoofing_and_link(void **state)
{
	struct fx f;
	uint8_t arp[42];
	struct pb_spec v = { .src = HP, .dst = OUT, .proto = PB_UDP,
		.sport = 1, .dport = 2, .vlan_count = 1, .vlan = { 7 } };
	struct pb_spec six = { .src = "2001:db8::10", .dst = "2001:db8::1",
		.proto = PB_UDP, .sport = 1, .dport = 2 };
	struct pb_spec ipip = { .src = HP, .dst = OUT, .proto = 4,
		.payload = "xxxxxxxxxxxxxxxxxxxxxxxx", .payload_len = 20 };

	setup_fx(&f, HP);
	start(&f);
	assert_int_equal(out_udp(&f, "203.0.113.99", OUT, 1, 2),
	    CONTROL_DROP_SPOOFED);
	assert_int_equal(f.rec.last_reason, CONTROL_DROP_SPOOFED);
	/* DHCP discover from 0.0.0.0 is allowed. */
	assert_int_equal(out_udp(&f, "0.0.0.0", "255.255.255.255", 68, 67),
	    CONTROL_PASS);
	/* ARP: sender must be a honeypot. */
	memset(arp, 0, sizeof(arp));
	memset(arp, 0xff, 6);
	arp[12] = 0x08; arp[13] = 0x06; arp[14] = 0; arp[15] = 1;
	arp[16] = 0x08; arp[17] = 0; arp[18] = 6; arp[19] = 4; arp[21] = 1;
	memcpy(arp + 28, (uint8_t[]){ 203, 0, 113, 10 }, 4);
	classify_frame(&f.p, arp, sizeof(arp), sizeof(arp), 0);
	assert_int_equal(control_decide(f.c, &f.p, CONTROL_FROM_HONEYNET, f.now),
	    CONTROL_PASS);
	arp[31] = 99;
	classify_frame(&f.p, arp, sizeof(arp), sizeof(arp), 0);
	assert_int_equal(control_decide(f.c, &f.p, CONTROL_FROM_HONEYNET, f.now),
	    CONTROL_DROP_SPOOFED);
	/* Unknown ethertype, VLAN, IPv6 without an IPv6 honeypot, tunnels. */
	arp[12] = 0x88; arp[13] = 0xb5;
	classify_frame(&f.p, arp, sizeof(arp), sizeof(arp), 0);
	assert_int_equal(control_decide(f.c, &f.p, CONTROL_FROM_HONEYNET, f.now),
	    CONTROL_DROP_ETHERTYPE);
	assert_int_equal(send_spec(&f, &v, CONTROL_FROM_HONEYNET),
	    CONTROL_DROP_VLAN);
	assert_int_equal(send_spec(&f, &six, CONTROL_FROM_HONEYNET),
	    CONTROL_DROP_IPV6);
	assert_int_equal(send_spec(&f, &ipip, CONTROL_FROM_HONEYNET),
	    CONTROL_DROP_TUNNEL);
	/* Truncated frame. */
	{
		size_t n = pb_frame(&(struct pb_spec){ .src = HP, .dst = OUT,
		    .proto = PB_TCP, .sport = 1, .dport = 2 }, f.frame,
		    sizeof(f.frame));
		classify_frame(&f.p, f.frame, (uint32_t)n - 10, (uint32_t)n, 0);
		assert_int_equal(control_decide(f.c, &f.p,
		    CONTROL_FROM_HONEYNET, f.now), CONTROL_DROP_MALFORMED);
	}
	control_free(f.c);
}

static void
test_ipv6_limited_like_ipv4(void **state)
{
	struct fx f;
	struct pb_spec s = { .src = "2001:db8::10", .dst = "2001:db8::1",
		.proto = PB_TCP, .dport = 80, .flags = TCP_SYN };

	setup_fx(&f, "2001:db8::10");
	f.hp[0].limit[CONTROL_TCP].count = 2;
	f.hp[0].limit[CONTROL_TCP].burst = 2;
	start(&f);
	for (int i = 0; i < 2; i++) {
		s.sport = (uint16_t)(1000 + i);
		assert_int_equal(send_spec(&f, &s, CONTROL_FROM_HONEYNET),
		    CONTROL_PASS);
	}
	s.sport = 1002;
	assert_int_equal(send_spec(&f, &s, CONTROL_FROM_HONEYNET),
	    CONTROL_DROP_LIMIT);
	s.src = "2001:db8::99";
	assert_int_equal(send_spec(&f, &s, CONTROL_FROM_HONEYNET),
	    CONTROL_DROP_SPOOFED);
	control_free(f.c);
}

static void
test_broadcast_and_honeypot_to_honeypot(void **state)
{
	struct fx f;

	setup_fx(&f, "203.0.113.0/28");
	f.hp[1].net.addr.family = 4;	/* HP2 lies inside the /28 anyway */
	f.pol.nhoneypots = 1;
	f.hp[0].limit[CONTROL_UDP].count = 0;
	start(&f);
	assert_int_equal(out_udp(&f, HP, "255.255.255.255", 1, 2), CONTROL_PASS);
	assert_int_equal(out_udp(&f, HP, "203.0.113.15", 1, 2), CONTROL_PASS);
	assert_int_equal(out_udp(&f, HP, "203.0.113.3", 1, 2), CONTROL_PASS);
	assert_int_equal(out_udp(&f, HP, OUT, 1, 2), CONTROL_DROP_LIMIT);
	control_free(f.c);
}

static void
test_fragments(void **state)
{
	struct fx f;
	uint8_t big[600];
	struct pb_spec s = { .src = HP, .dst = OUT, .proto = PB_UDP,
		.sport = 1, .dport = 2, .payload = big, .payload_len = sizeof(big) };
	size_t n;

	memset(big, 'x', sizeof(big));
	setup_fx(&f, HP);
	start(&f);
	/* A later fragment with no first fragment before it: dropped. */
	n = pb_fragment(&s, 77, 200, 200, 1, f.frame, sizeof(f.frame));
	classify_frame(&f.p, f.frame, (uint32_t)n, (uint32_t)n, 0);
	assert_int_equal(control_decide(f.c, &f.p, CONTROL_FROM_HONEYNET, f.now),
	    CONTROL_DROP_FRAGMENT);
	/* First fragment decides (by its UDP header), later ones follow. */
	n = pb_fragment(&s, 78, 0, 200, 1, f.frame, sizeof(f.frame));
	classify_frame(&f.p, f.frame, (uint32_t)n, (uint32_t)n, 0);
	assert_true(f.p.layers & PKT_UDP);
	assert_int_equal(control_decide(f.c, &f.p, CONTROL_FROM_HONEYNET, f.now),
	    CONTROL_PASS);
	n = pb_fragment(&s, 78, 200, 408, 0, f.frame, sizeof(f.frame));
	classify_frame(&f.p, f.frame, (uint32_t)n, (uint32_t)n, 0);
	assert_int_equal(control_decide(f.c, &f.p, CONTROL_FROM_HONEYNET, f.now),
	    CONTROL_PASS);
	/* After 30 s the first fragment is forgotten. */
	f.now += 31 * SEC;
	assert_int_equal(control_decide(f.c, &f.p, CONTROL_FROM_HONEYNET, f.now),
	    CONTROL_DROP_FRAGMENT);
	control_free(f.c);
}

static void
test_bandwidth(void **state)
{
	struct fx f;
	uint8_t data[1000];
	struct pb_spec s = { .src = HP, .dst = OUT, .proto = PB_UDP,
		.sport = 1, .dport = 2, .payload = data, .payload_len = 958 };
	uint64_t passed = 0;

	memset(data, 0, sizeof(data));
	setup_fx(&f, HP);
	f.hp[0].bandwidth_bps = 8000000;	/* 1 MB/s */
	f.hp[0].bandwidth_burst = 100000;
	start(&f);
	/* Frames of 1000 bytes: the burst lets 100 through at once. */
	for (int i = 0; i < 500; i++)
		if (send_spec(&f, &s, CONTROL_FROM_HONEYNET) == CONTROL_PASS)
			passed++;
	assert_int_equal(passed, 100);
	/* 0.5 s later: 500 KB more. */
	f.now += SEC / 2;
	passed = 0;
	for (int i = 0; i < 1000; i++)
		if (send_spec(&f, &s, CONTROL_FROM_HONEYNET) == CONTROL_PASS)
			passed++;
	assert_int_equal(passed, 100);	/* capped by the burst again */
	f.now += SEC / 20;
	passed = 0;
	for (int i = 0; i < 1000; i++)
		if (send_spec(&f, &s, CONTROL_FROM_HONEYNET) == CONTROL_PASS)
			passed++;
	assert_int_equal(passed, 50);
	/* Inbound is never capped. */
	{
		struct pb_spec in = s;
		in.src = OUT;
		in.dst = HP;
		for (int i = 0; i < 100; i++)
			assert_int_equal(send_spec(&f, &in, CONTROL_FROM_UPLINK),
			    CONTROL_PASS);
	}
	control_free(f.c);
}

static void
test_reload_keeps_state(void **state)
{
	struct fx f;
	struct error err;

	setup_fx(&f, HP);
	f.hp[0].limit[CONTROL_TCP].count = 3;
	f.hp[0].limit[CONTROL_TCP].burst = 3;
	start(&f);
	for (int i = 0; i < 3; i++)
		assert_int_equal(out_tcp(&f, OUT, 100 + i, 80, TCP_SYN),
		    CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 110, 80, TCP_SYN), CONTROL_DROP_LIMIT);
	/* New limit 5: 3 used, 2 left; connections survive. */
	f.hp[0].limit[CONTROL_TCP].count = 5;
	f.hp[0].limit[CONTROL_TCP].burst = 5;
	assert_int_equal(control_reload(f.c, &f.pol, &err), 0);
	assert_int_equal(out_tcp(&f, OUT, 100, 80, TCP_ACK), CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 111, 80, TCP_SYN), CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 112, 80, TCP_SYN), CONTROL_PASS);
	assert_int_equal(out_tcp(&f, OUT, 113, 80, TCP_SYN), CONTROL_DROP_LIMIT);
	/* Lockdown: nothing leaves, inbound flows. */
	f.pol.lockdown = 1;
	assert_int_equal(control_reload(f.c, &f.pol, &err), 0);
	assert_int_equal(out_tcp(&f, OUT, 100, 80, TCP_ACK),
	    CONTROL_DROP_LOCKDOWN);
	{
		struct pb_spec in = { .src = OUT, .dst = HP, .proto = PB_TCP,
			.sport = 80, .dport = 100, .flags = TCP_ACK };
		assert_int_equal(send_spec(&f, &in, CONTROL_FROM_UPLINK),
		    CONTROL_PASS);
	}
	control_free(f.c);
}

static void
test_table_bound_and_expiry(void **state)
{
	struct fx f;
	struct control_stats st;
	struct pb_spec in = { .src = OUT, .dst = HP, .proto = PB_UDP,
		.dport = 53 };

	setup_fx(&f, HP);
	f.pol.max_conns = 16;
	start(&f);
	for (int i = 0; i < 100; i++) {
		in.sport = (uint16_t)(1000 + i);
		send_spec(&f, &in, CONTROL_FROM_UPLINK);
	}
	control_get_stats(f.c, &st);
	assert_int_equal(st.conns, 16);
	assert_int_equal(st.conns_max, 16);
	assert_int_equal(st.conn_evictions, 84);
	assert_int_equal(f.rec.flows, 84);
	/* Idle UDP times out after 60 s. */
	f.now += 61 * SEC;
	control_tick(f.c, f.now);
	control_get_stats(f.c, &st);
	assert_int_equal(st.conns, 0);
	assert_int_equal(f.rec.flows, 100);
	control_free(f.c);
}

static void
test_drop_events_rate_limited(void **state)
{
	struct fx f;
	struct control_stats st;

	setup_fx(&f, HP);
	start(&f);
	for (int i = 0; i < 100; i++)
		out_udp(&f, "203.0.113.99", OUT, 1, 2);
	assert_int_equal(f.rec.drops, 10);
	f.now += SEC / 10;
	out_udp(&f, "203.0.113.99", OUT, 1, 2);
	assert_int_equal(f.rec.drops, 11);
	assert_int_equal(f.rec.last_suppressed, 90);
	control_get_stats(f.c, &st);
	assert_int_equal(st.drops[CONTROL_DROP_SPOOFED], 101);
	control_free(f.c);
}

static void
test_icmp_error_related(void **state)
{
	struct fx f;
	uint8_t q[64];
	struct pb_spec in = { .src = OUT, .dst = HP, .proto = PB_UDP,
		.sport = 5000, .dport = 161 };
	struct pb_spec err = { .src = HP, .dst = OUT, .proto = PB_ICMP,
		.icmp_type = 3, .icmp_code = 3, .payload = q, .payload_len = 28 };
	uint8_t frame[128];
	size_t n;

	setup_fx(&f, HP);
	f.hp[0].limit[CONTROL_ICMP].count = 0;
	start(&f);
	assert_int_equal(send_spec(&f, &in, CONTROL_FROM_UPLINK), CONTROL_PASS);
	/* The quoted datagram: what the attacker sent to the honeypot. */
	n = pb_frame(&in, frame, sizeof(frame));
	memcpy(q, frame + 14, 28);
	assert_true(n >= 42);
	assert_int_equal(send_spec(&f, &err, CONTROL_FROM_HONEYNET),
	    CONTROL_PASS);
	/* About nothing known: a new ICMP "connection", over the limit. */
	q[23] ^= 1;
	assert_int_equal(send_spec(&f, &err, CONTROL_FROM_HONEYNET),
	    CONTROL_DROP_LIMIT);
	control_free(f.c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_tcp_limit_and_event),
		cmocka_unit_test(test_midstream_counts_as_new),
		cmocka_unit_test(test_inbound_free_and_replies_established),
		cmocka_unit_test(test_allow_fence_block_pass),
		cmocka_unit_test(test_spoofing_and_link),
		cmocka_unit_test(test_ipv6_limited_like_ipv4),
		cmocka_unit_test(test_broadcast_and_honeypot_to_honeypot),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_bandwidth),
		cmocka_unit_test(test_reload_keeps_state),
		cmocka_unit_test(test_table_bound_and_expiry),
		cmocka_unit_test(test_drop_events_rate_limited),
		cmocka_unit_test(test_icmp_error_related),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
