/* summary: unit tests for scan detection, on synthetic struct packets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/json.h"
#include "scan/scan.h"

/* from <sanitizer/allocator_interface.h>, which gcc does not ship */
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));

#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)

struct sink {
	int n;
	struct scan_episode last;
	struct addr targets[64];
	char json[4096];
	char reasons[16][16];
	int types[16];
};

static void
collect(void *ctx, const struct scan_episode *ep)
{
	struct sink *k = ctx;
	struct buf b;
	struct json j;

	if (k->n < 16) {
		snprintf(k->reasons[k->n], sizeof(k->reasons[0]), "%s", ep->reason);
		k->types[k->n] = ep->type;
	}
	k->n++;
	k->last = *ep;
	memcpy(k->targets, ep->targets,
	    (ep->ntargets < 64 ? ep->ntargets : 64) * sizeof(struct addr));
	k->last.targets = k->targets;
	buf_init(&b, 0);
	json_init(&j, &b);
	json_object_begin(&j);
	scan_episode_json(ep, &j, 4);
	json_object_end(&j);
	snprintf(k->json, sizeof(k->json), "%s", buf_cstr(&b));
	buf_free(&b);
}

/* An IPv4 header: only the flags byte matters to scan detection. */
static uint8_t ip_df[20] = { 0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6 };
static uint8_t ip_nodf[20] = { 0x45, 0, 0, 40, 0, 0, 0x00, 0, 64, 6 };

static void
v4(struct addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	uint8_t b[4] = { x, y, z, w };

	addr_from_v4(a, b);
}

static struct packet
tcp(uint8_t src_last, uint8_t dst_last, uint16_t dport, uint8_t flags,
    int df, uint64_t ts)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = ts;
	p.layers = PKT_ETH | PKT_IPV4 | PKT_TCP;
	p.ip_version = 4;
	p.ip_proto = 6;
	v4(&p.src, 192, 0, 2, src_last);
	v4(&p.dst, 198, 51, 100, dst_last);
	p.l3 = df ? ip_df : ip_nodf;
	p.l3_len = 20;
	p.sport = 40000;
	p.dport = dport;
	p.tcp_flags = flags;
	p.wirelen = 60;
	return p;
}

static struct packet
udp(uint8_t src_last, uint16_t dport, int dir, uint64_t ts)
{
	struct packet p = tcp(src_last, 1, dport, 0, 1, ts);

	p.layers = PKT_ETH | PKT_IPV4 | PKT_UDP;
	p.ip_proto = 17;
	p.dir = (uint8_t)dir;
	p.flow = dir ? (struct flow *)&p : NULL;	/* only tested for NULL */
	return p;
}

static struct packet
icmp(uint8_t src_c, uint8_t src_last, uint8_t type, uint64_t ts)
{
	struct packet p = tcp(src_last, 1, 0, 0, 1, ts);

	p.layers = PKT_ETH | PKT_IPV4 | PKT_ICMP;
	p.ip_proto = 1;
	v4(&p.src, 203, 0, src_c, src_last);
	p.icmp_type = type;
	p.dport = 0;
	return p;
}

static struct scan *
mk(struct sink *k, struct scan_config *cfg)
{
	struct scan_config d;
	struct error err;
	struct scan *s;

	if (cfg == NULL) {
		scan_config_default(&d);
		cfg = &d;
	}
	memset(k, 0, sizeof(*k));
	s = scan_new(cfg, collect, k, &err);
	assert_non_null(s);
	return s;
}

static void
test_syn_scan_episode(void **state)
{
	struct sink k;
	struct scan *s = mk(&k, NULL);
	struct packet p;

	/* 9 probes: below the threshold, nothing even after the window. */
	for (int i = 0; i < 9; i++) {
		p = tcp(7, 1, (uint16_t)(20 + i), TCP_SYN, 0, T0 + i * SEC);
		scan_packet(s, &p);
	}
	scan_tick(s, T0 + 200 * SEC);
	assert_int_equal(k.n, 0);

	/* 10 probes within 50 s: one episode, still open. */
	for (int i = 0; i < 30; i++) {
		p = tcp(7, (uint8_t)(1 + i % 2), (uint16_t)(100 + i), TCP_SYN,
		    0, T0 + 300 * SEC + i * SEC);
		scan_packet(s, &p);
	}
	scan_tick(s, T0 + 340 * SEC);
	assert_int_equal(k.n, 0);
	/* Quiet for the window: the episode ends with all 30 probes. */
	scan_tick(s, T0 + 329 * SEC + 51 * SEC);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.last.type, SCAN_SYN);
	assert_string_equal(k.last.reason, "timeout");
	assert_int_equal(k.last.packets, 30);
	assert_int_equal(k.last.bytes, 30 * 60);
	assert_int_equal(k.last.ports_count, 30);
	assert_int_equal(k.last.targets_count, 2);
	assert_int_equal(k.last.first_ns, T0 + 300 * SEC);
	assert_int_equal(k.last.last_ns, T0 + 329 * SEC);
	assert_non_null(strstr(k.json, "\"type\":\"syn_scan\""));
	assert_non_null(strstr(k.json, "\"src_ip\":\"192.0.2.7\""));
	assert_non_null(strstr(k.json, "\"ports\":[100,101,102,103]"));
	assert_non_null(strstr(k.json,
	    "\"targets\":[\"198.51.100.1\",\"198.51.100.2\"]"));
	assert_null(strstr(k.json, "dest_ip"));	/* two targets */
	scan_free(s);
}

static void
test_sliding_window(void **state)
{
	struct sink k;
	struct scan *s = mk(&k, NULL);
	struct packet p;

	/* 10 FIN probes, 6 s apart: 54 s from first to last, no episode;
	 * an 11th at 55 s makes 10 within 50 s (6..55). */
	for (int i = 0; i < 10; i++) {
		p = tcp(9, 1, 80, TCP_FIN, 1, T0 + (uint64_t)i * 6 * SEC);
		scan_packet(s, &p);
	}
	scan_finish(s);
	assert_int_equal(k.n, 0);
	p = tcp(9, 1, 80, TCP_FIN, 1, T0 + 55 * SEC);
	scan_packet(s, &p);
	scan_finish(s);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.last.type, SCAN_FIN);
	assert_string_equal(k.last.reason, "shutdown");
	assert_int_equal(k.last.packets, 10);
	assert_int_equal(k.last.ports_count, 1);
	assert_non_null(strstr(k.json, "\"dest_ip\":\"198.51.100.1\""));
	scan_free(s);
}

static void
test_port_scan_counts_distinct_ports(void **state)
{
	struct sink k;
	struct scan *s = mk(&k, NULL);
	struct packet p;

	/* 100 connects (DF set) to the same port: a busy client, no scan. */
	for (int i = 0; i < 100; i++) {
		p = tcp(3, 1, 443, TCP_SYN, 1, T0 + i * SEC / 10);
		scan_packet(s, &p);
	}
	scan_finish(s);
	assert_int_equal(k.n, 0);
	/* 13 more distinct ports (14 with 443): still none; the 15th starts
	 * a tcp port scan. */
	for (int i = 0; i < 13; i++) {
		p = tcp(3, 1, (uint16_t)(1000 + i), TCP_SYN, 1, T0 + 20 * SEC);
		scan_packet(s, &p);
	}
	scan_finish(s);
	assert_int_equal(k.n, 0);
	p = tcp(3, 1, 2000, TCP_SYN | TCP_ECE | TCP_CWR, 1, T0 + 21 * SEC);
	scan_packet(s, &p);
	scan_finish(s);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.last.type, SCAN_TCP_PORT);
	assert_int_equal(k.last.ports_count, 15);
	/* SYN/ACKs and plain ACKs never count. */
	for (int i = 0; i < 50; i++) {
		p = tcp(4, 1, (uint16_t)(1000 + i), TCP_SYN | TCP_ACK, 1, T0);
		scan_packet(s, &p);
		p = tcp(4, 1, (uint16_t)(1000 + i), TCP_ACK, 1, T0);
		scan_packet(s, &p);
	}
	scan_finish(s);
	assert_int_equal(k.n, 1);
	scan_free(s);
}

static void
test_stealth_flags(void **state)
{
	struct sink k;
	struct scan *s = mk(&k, NULL);
	struct packet p;
	const uint8_t xmas[] = { TCP_FIN | TCP_URG | TCP_PSH, TCP_URG, TCP_PSH,
	    TCP_FIN | TCP_PSH, TCP_URG | TCP_PSH };

	for (int i = 0; i < 10; i++) {
		p = tcp(10, 1, (uint16_t)i, 0, 1, T0 + i);
		scan_packet(s, &p);
		p = tcp(11, 1, (uint16_t)i, xmas[i % 5], 1, T0 + i);
		scan_packet(s, &p);
		p = tcp(12, 1, (uint16_t)i, TCP_FIN | TCP_ACK, 1, T0 + i);
		scan_packet(s, &p);	/* an ordinary close: nothing */
		p = tcp(13, 1, (uint16_t)i, TCP_RST, 1, T0 + i);
		scan_packet(s, &p);	/* nothing */
	}
	scan_finish(s);
	assert_int_equal(k.n, 2);
	assert_int_equal(k.types[0] + k.types[1], SCAN_NULL + SCAN_XMAS);
	assert_int_not_equal(k.types[0], k.types[1]);
	scan_free(s);
}

static void
test_udp_scan_ignores_replies(void **state)
{
	struct sink k;
	struct scan *s = mk(&k, NULL);
	struct packet p;

	/* A DNS server answering 100 clients: replies (dir 1) never count. */
	for (int i = 0; i < 100; i++) {
		p = udp(53, (uint16_t)(30000 + i), 1, T0 + i * SEC / 10);
		scan_packet(s, &p);
	}
	scan_finish(s);
	assert_int_equal(k.n, 0);
	for (int i = 0; i < 25; i++) {
		p = udp(20, (uint16_t)(1 + i), 0, T0 + i * SEC);
		scan_packet(s, &p);
	}
	scan_finish(s);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.last.type, SCAN_UDP);
	assert_int_equal(k.last.ports_count, 25);
	scan_free(s);
}

static void
test_ping_flood_and_smurf(void **state)
{
	struct sink k;
	struct scan *s = mk(&k, NULL);
	struct packet p;

	for (int i = 0; i < 69; i++) {
		p = icmp(113, 5, 8, T0 + i * SEC / 100);
		scan_packet(s, &p);
	}
	scan_finish(s);
	assert_int_equal(k.n, 0);
	p = icmp(113, 5, 8, T0 + SEC);
	scan_packet(s, &p);
	/* 90 echo replies from 90 hosts of one /24, none asked for. */
	for (int i = 0; i < 90; i++) {
		p = icmp(113, (uint8_t)(10 + i), 0, T0 + 2 * SEC + i * SEC / 10);
		scan_packet(s, &p);
	}
	scan_finish(s);
	assert_int_equal(k.n, 2);
	assert_int_equal(k.types[0], SCAN_PING_FLOOD);
	assert_int_equal(k.types[1], SCAN_SMURF);
	assert_int_equal(k.last.packets, 90);
	assert_int_equal(k.last.src_prefix, 24);
	assert_null(k.last.port_bits);
	assert_non_null(strstr(k.json, "\"src_ip\":\"203.0.113.0\""));
	assert_non_null(strstr(k.json, "\"src_net\":\"203.0.113.0/24\""));
	assert_null(strstr(k.json, "\"ports\""));
	scan_free(s);
}

static void
test_source_bound(void **state)
{
	struct sink k;
	struct scan_config cfg;
	struct scan_stats st;
	struct scan *s;
	struct packet p;

	scan_config_default(&cfg);
	cfg.max_sources = 4;
	s = mk(&k, &cfg);
	/* Source 1 starts an episode, then 4 newer sources push it out. */
	for (int i = 0; i < 10; i++) {
		p = tcp(1, 1, (uint16_t)i, 0, 1, T0 + i);
		scan_packet(s, &p);
	}
	for (int src = 2; src <= 5; src++) {
		p = tcp((uint8_t)src, 1, 80, 0, 1, T0 + 100);
		scan_packet(s, &p);
	}
	scan_get_stats(s, &st);
	assert_int_equal(st.sources, 4);
	assert_int_equal(st.sources_evicted, 1);
	assert_int_equal(st.episodes_evicted, 1);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.reasons[0], "evicted");
	assert_int_equal(k.last.packets, 10);
	/* A flood of 100000 distinct sources stays at the bound. */
	for (uint32_t i = 0; i < 100000; i++) {
		p = tcp(1, 1, 80, TCP_SYN, 1, T0 + 200 + i);
		p.src.b[2] = (uint8_t)(i >> 8);
		p.src.b[3] = (uint8_t)i;
		scan_packet(s, &p);
	}
	scan_get_stats(s, &st);
	assert_int_equal(st.sources, 4);
	assert_true(st.sources_evicted > 99990);
	/* Idle sources are forgotten after the longest window. */
	scan_tick(s, T0 + 1000 * SEC);
	scan_get_stats(s, &st);
	assert_int_equal(st.sources, 0);
	scan_free(s);
}

static void
test_episode_and_target_bounds(void **state)
{
	struct sink k;
	struct scan_config cfg;
	struct scan_stats st;
	struct scan *s;
	struct packet p;

	scan_config_default(&cfg);
	cfg.max_episodes = 2;
	cfg.max_targets = 32;
	cfg.t[SCAN_NULL].count = 1;
	s = mk(&k, &cfg);
	for (int src = 1; src <= 3; src++) {
		p = tcp((uint8_t)src, 1, 80, 0, 1, T0 + (uint64_t)src);
		scan_packet(s, &p);
	}
	scan_get_stats(s, &st);
	assert_int_equal(st.episodes_active, 2);
	assert_int_equal(st.episodes_evicted, 1);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.reasons[0], "evicted");
	assert_int_equal(k.last.src.b[3], 1);	/* the oldest went */
	/* 200 targets: 32 listed, the count estimated near 200. */
	for (int i = 0; i < 200; i++) {
		p = tcp(2, (uint8_t)i, 80, 0, 1, T0 + 10);
		scan_packet(s, &p);
	}
	scan_finish(s);
	assert_int_equal(k.n, 3);
	assert_int_equal(k.types[1], SCAN_NULL);
	/* source 2's episode ended last (most recently active) */
	assert_int_equal(k.last.src.b[3], 2);
	assert_int_equal(k.last.ntargets, 32);
	assert_true(k.last.targets_estimated);
	assert_in_range(k.last.targets_count, 180, 220);
	assert_non_null(strstr(k.json, "\"targets_estimated\":true"));
	scan_free(s);
}

static void
test_config(void **state)
{
	struct scan_config cfg;
	struct error err;
	struct sink k;
	struct scan *s;
	struct packet p;

	assert_int_equal(scan_type_parse("xmas"), SCAN_XMAS);
	assert_int_equal(scan_type_parse("udp_scan"), SCAN_UDP);
	assert_int_equal(scan_type_parse("bogus"), -1);
	assert_string_equal(scan_type_name(SCAN_SMURF), "smurf");
	assert_null(scan_type_name(SCAN_NTYPES));
	scan_config_default(&cfg);
	cfg.t[SCAN_SYN].count = 0;
	assert_null(scan_new(&cfg, collect, &k, &err));
	assert_non_null(strstr(err.msg, "syn_scan"));
	scan_config_default(&cfg);
	cfg.max_sources = 0;
	assert_null(scan_new(&cfg, collect, &k, &err));
	/* A disabled type is never reported. */
	scan_config_default(&cfg);
	cfg.t[SCAN_NULL].enabled = 0;
	s = mk(&k, &cfg);
	for (int i = 0; i < 50; i++) {
		p = tcp(1, 1, (uint16_t)i, 0, 1, T0 + i);
		scan_packet(s, &p);
	}
	scan_finish(s);
	assert_int_equal(k.n, 0);
	scan_free(s);
}

/* Test-only counters for the allocation hook (tests run one at a time). */
static int counting;
static unsigned long mallocs_seen;

static void
count_malloc(const volatile void *ptr, size_t size)
{
	(void)ptr;
	(void)size;
	if (counting)
		mallocs_seen++;
}

static void
count_free(const volatile void *ptr)
{
	(void)ptr;
}

static void
count_episode(void *ctx, const struct scan_episode *ep)
{
	(*(unsigned long *)ctx)++;
	(void)ep;
}

/*
 * A flood of spoofed sources at the bounds: every new source evicts the
 * oldest (with its open episode), every source starts a SYN-scan episode
 * and a FIN track.  Once the bounds are reached nothing is allocated any
 * more: sources, tracks and episodes are reused.
 */
static void
test_flood_allocates_nothing_at_bound(void **state)
{
	struct scan_config cfg;
	struct scan_stats st;
	struct error err;
	struct scan *s;
	struct packet p;
	unsigned long emitted = 0;
	uint64_t ts = T0;

	scan_config_default(&cfg);
	cfg.max_sources = 8;
	cfg.max_episodes = 4;
	s = scan_new(&cfg, count_episode, &emitted, &err);
	assert_non_null(s);
	assert_true(__sanitizer_install_malloc_and_free_hooks(count_malloc,
	    count_free) != 0);
	for (uint32_t i = 0; i < 3000; i++) {
		if (i == 1000) {
			mallocs_seen = 0;
			counting = 1;
		}
		for (int k = 0; k < 10; k++) {
			p = tcp(1, 1, (uint16_t)(1000 + k), TCP_SYN, 0, ts++);
			p.src.b[2] = (uint8_t)(i >> 8);
			p.src.b[3] = (uint8_t)i;
			scan_packet(s, &p);
		}
		p.tcp_flags = TCP_FIN;
		scan_packet(s, &p);
	}
	counting = 0;
	scan_get_stats(s, &st);
	assert_int_equal(st.sources, 8);
	assert_true(st.sources_evicted >= 2990);
	assert_true(emitted >= 2990);	/* each source's episode ended */
	assert_int_equal(mallocs_seen, 0);
	scan_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_scan_episode),
		cmocka_unit_test(test_sliding_window),
		cmocka_unit_test(test_port_scan_counts_distinct_ports),
		cmocka_unit_test(test_stealth_flags),
		cmocka_unit_test(test_udp_scan_ignores_replies),
		cmocka_unit_test(test_ping_flood_and_smurf),
		cmocka_unit_test(test_source_bound),
		cmocka_unit_test(test_episode_and_target_bounds),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_flood_allocates_nothing_at_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
