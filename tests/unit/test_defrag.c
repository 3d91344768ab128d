/* summary: unit tests for IPv4/IPv6 fragment reassembly: order, overlap, bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "net/checksum.h"
#include "net/decode.h"
#include "pktbuild.h"
#include "test_decode_frames.h"

#define SEC 1000000000ull

static struct decoder *
new_decoder(size_t max_bytes, uint32_t max_dgrams)
{
	struct error err;
	struct decoder_config c = decoder_config_default();
	if (max_bytes)
		c.defrag_max_bytes = max_bytes;
	if (max_dgrams)
		c.defrag_max_datagrams = max_dgrams;
	struct decoder *d = decoder_new(&c, &err);
	assert_non_null(d);
	return d;
}

static int
setup(void **state)
{
	*state = new_decoder(0, 0);
	return 0;
}

static int
teardown(void **state)
{
	decoder_free(*state);
	return 0;
}

static uint64_t
stat(struct decoder *d, enum decode_stat s)
{
	size_t n;
	return decoder_stats(d, &n)[s];
}

static uint64_t
anomaly_count(struct decoder *d, enum decode_anomaly a)
{
	size_t n;
	return decoder_counters(d, &n)[a];
}

static void
dec(struct decoder *d, struct packet *p, const uint8_t *f, size_t n,
    uint64_t ts)
{
	decode_frame(d, p, LINKTYPE_EN10MB, f, (uint32_t)n, (uint32_t)n, ts);
}

/* A UDP datagram of 8 + 1000 bytes, payload bytes i % 251. */
static uint8_t big_payload[1000];

static struct pb_spec
udp_spec(int v6)
{
	for (size_t i = 0; i < sizeof(big_payload); i++)
		big_payload[i] = (uint8_t)(i % 251);
	struct pb_spec s = { .src = v6 ? "2001:db8::1" : "192.0.2.1",
		.dst = v6 ? "2001:db8::2" : "192.0.2.2", .proto = PB_UDP,
		.sport = 4444, .dport = 5555, .payload = big_payload,
		.payload_len = sizeof(big_payload) };
	return s;
}

static void
check_reassembled_udp(const struct packet *p, int v6)
{
	assert_int_equal(p->anomaly, ANOM_NONE);
	assert_int_equal(p->layers, PKT_ETH | PKT_FRAGMENT | PKT_REASSEMBLED |
	    (v6 ? PKT_IPV6 : PKT_IPV4) | PKT_UDP);
	assert_int_equal(p->sport, 4444);
	assert_int_equal(p->dport, 5555);
	assert_int_equal(p->payload_len, sizeof(big_payload));
	assert_memory_equal(p->payload, big_payload, sizeof(big_payload));
	assert_true(l4_checksum_ok(v6 ? 6 : 4, p->src.b, p->dst.b, 17, p->l4,
	    p->l4_len));
	if (!v6) {
		assert_true(ip_checksum_ok(p->l3, p->l3_hlen));
		assert_int_equal(p->l3_len, 20 + 1008);
		assert_int_equal(p->frag_offset, 0);
		assert_int_equal(p->frag_more, 0);
	} else {
		assert_int_equal(p->l3_len, 40 + 1008);
		assert_int_equal(p->l3[6], 17);	/* fragment header removed */
	}
}

/* Sends [off, off + len) of the datagram as a fragment. */
static void
send_frag(struct decoder *d, struct packet *p, const struct pb_spec *s,
    uint32_t id, uint32_t off, uint32_t len, int more, uint64_t ts)
{
	uint8_t f[2000];
	size_t n = pb_fragment(s, id, off, len, more, f, sizeof(f));
	assert_true(n > 0);
	dec(d, p, f, n, ts);
}

static void
test_in_order(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pb_spec s = udp_spec(v6);
		send_frag(d, &p, &s, 77, 0, 400, 1, 1);
		assert_int_equal(p.layers & ~PKT_ETH, PKT_FRAGMENT |
		    (v6 ? PKT_IPV6 : PKT_IPV4));
		assert_null(p.l4);
		assert_int_equal(p.frag_offset, 0);
		assert_int_equal(p.frag_more, 1);
		assert_int_equal(p.ip_frag_id, 77);
		assert_int_equal(p.ip_proto, 17);
		send_frag(d, &p, &s, 77, 400, 400, 1, 2);
		assert_int_equal(p.frag_offset, 400);
		assert_false(p.layers & PKT_UDP);
		send_frag(d, &p, &s, 77, 800, 208, 0, 3);
		check_reassembled_udp(&p, v6);
	}
	assert_int_equal(stat(d, DSTAT_DEFRAG_IPV4_FRAGMENTS), 3);
	assert_int_equal(stat(d, DSTAT_DEFRAG_IPV4_REASSEMBLED), 1);
	assert_int_equal(stat(d, DSTAT_DEFRAG_IPV6_FRAGMENTS), 3);
	assert_int_equal(stat(d, DSTAT_DEFRAG_IPV6_REASSEMBLED), 1);
	assert_int_equal(stat(d, DSTAT_IPV4), 3);	/* once per frame */
	assert_int_equal(stat(d, DSTAT_UDP), 2);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 0);
	assert_int_equal(stat(d, DSTAT_DEFRAG_MEMUSE), 0);
}

static void
test_out_of_order(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	for (int v6 = 0; v6 <= 1; v6++) {
		struct pb_spec s = udp_spec(v6);
		send_frag(d, &p, &s, 9, 800, 208, 0, 1);
		send_frag(d, &p, &s, 9, 0, 400, 1, 2);
		assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 1);
		send_frag(d, &p, &s, 9, 400, 400, 1, 3);
		check_reassembled_udp(&p, v6);
	}
	/* interleaved datagrams with different ids */
	struct pb_spec s = udp_spec(0);
	send_frag(d, &p, &s, 1, 0, 504, 1, 1);
	send_frag(d, &p, &s, 2, 504, 504, 0, 1);
	send_frag(d, &p, &s, 2, 0, 504, 1, 1);
	check_reassembled_udp(&p, 0);
	send_frag(d, &p, &s, 1, 504, 504, 0, 1);
	check_reassembled_udp(&p, 0);
}

static void
test_real_fragments(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	const uint8_t *f[3] = { real_frag2, real_frag0, real_frag1 };
	const size_t n[3] = { sizeof(real_frag2), sizeof(real_frag0),
		sizeof(real_frag1) };
	for (int i = 0; i < 3; i++)
		decode_frame(d, &p, LINKTYPE_RAW, f[i], (uint32_t)n[i],
		    (uint32_t)n[i], 5);
	assert_int_equal(p.layers, PKT_IPV4 | PKT_ICMP | PKT_FRAGMENT |
	    PKT_REASSEMBLED);
	assert_int_equal(p.ip_id, 0xbeef);
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_id, 5);
	assert_int_equal(p.icmp_seq, 7);
	assert_int_equal(p.payload_len, 60);
	for (int i = 0; i < 60; i++)
		assert_int_equal(p.payload[i], 'A');
	assert_int_equal(inet_checksum(p.l4, p.l4_len), 0);
}

static void
test_ipv6_with_ext_before_fragment(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	struct pb_spec s = udp_spec(1);
	static const uint8_t hbh[8] = { 17, 0, 1, 4, 0, 0, 0, 0 };
	s.ip6_ext = hbh;
	s.ip6_ext_len = sizeof(hbh);
	s.ip6_ext_nh = 0;
	send_frag(d, &p, &s, 5, 504, 504, 0, 1);
	assert_int_equal(p.l3_hlen, 40 + 8 + 8);
	send_frag(d, &p, &s, 5, 0, 504, 1, 1);
	assert_int_equal(p.anomaly, ANOM_NONE);
	assert_true(p.layers & PKT_REASSEMBLED);
	assert_true(p.layers & PKT_UDP);
	assert_int_equal(p.l3_hlen, 48);
	assert_int_equal(p.l3[6], 0);		/* still hop-by-hop first */
	assert_int_equal(p.l3[40], 17);		/* which now names UDP */
	assert_int_equal(p.payload_len, 1000);
	assert_memory_equal(p.payload, big_payload, 1000);
	assert_true(l4_checksum_ok(6, p.src.b, p.dst.b, 17, p.l4, p.l4_len));
}

/* First data wins: the second copy of bytes 16..23 is ignored. */
static void
test_overlap_first_wins(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200], a[32], b[32];
	struct pb_spec s = { .src = "192.0.2.1", .dst = "192.0.2.2",
		.proto = 200 };
	memset(a, 'A', sizeof(a));
	memset(b, 'B', sizeof(b));
	size_t n = pb_fragment_raw(&s, 3, 0, a, 24, 1, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_NONE);
	n = pb_fragment_raw(&s, 3, 16, b, 32, 0, f, sizeof(f));
	dec(d, &p, f, n, 2);
	assert_int_equal(p.anomaly, ANOM_DEFRAG_IPV4_OVERLAP);
	assert_false(p.layers & PKT_INVALID);
	assert_true(p.layers & PKT_REASSEMBLED);
	assert_int_equal(p.l3_len, 20 + 48);
	const uint8_t *pl = p.l3 + 20;
	for (int i = 0; i < 24; i++)
		assert_int_equal(pl[i], 'A');
	for (int i = 24; i < 48; i++)
		assert_int_equal(pl[i], 'B');
	assert_int_equal(anomaly_count(d, ANOM_DEFRAG_IPV4_OVERLAP), 1);

	/* a later fragment covering holes and old data on both sides */
	n = pb_fragment_raw(&s, 4, 8, a, 8, 1, f, sizeof(f));
	dec(d, &p, f, n, 3);
	n = pb_fragment_raw(&s, 4, 24, a, 8, 1, f, sizeof(f));
	dec(d, &p, f, n, 3);
	n = pb_fragment_raw(&s, 4, 0, b, 32, 1, f, sizeof(f));
	dec(d, &p, f, n, 3);
	assert_int_equal(p.anomaly, ANOM_DEFRAG_IPV4_OVERLAP);
	n = pb_fragment_raw(&s, 4, 32, b, 8, 0, f, sizeof(f));
	dec(d, &p, f, n, 3);
	assert_true(p.layers & PKT_REASSEMBLED);
	static const char want[] = "BBBBBBBBAAAAAAAABBBBBBBBAAAAAAAABBBBBBBB";
	assert_memory_equal(p.l3 + 20, want, 40);

	/* an exact duplicate counts as overlap too (IPv6) */
	s.src = "2001:db8::1";
	s.dst = "2001:db8::2";
	n = pb_fragment_raw(&s, 5, 0, a, 16, 1, f, sizeof(f));
	dec(d, &p, f, n, 4);
	dec(d, &p, f, n, 4);
	assert_int_equal(p.anomaly, ANOM_DEFRAG_IPV6_OVERLAP);
	assert_int_equal(anomaly_count(d, ANOM_DEFRAG_IPV6_OVERLAP), 1);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 1);
}

static void
test_timeout(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	struct pb_spec s = udp_spec(0);
	send_frag(d, &p, &s, 1, 0, 504, 1, 100 * SEC);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 1);
	assert_true(stat(d, DSTAT_DEFRAG_MEMUSE) > 504);
	/* 59.9 s later: still there */
	uint8_t f[60] = { 0 };
	dec(d, &p, f, sizeof(f), 159 * SEC + SEC / 10 * 9);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 1);
	/* the rest 60 s after the first: too late, the datagram is gone */
	send_frag(d, &p, &s, 1, 504, 504, 0, 160 * SEC);
	assert_int_equal(stat(d, DSTAT_DEFRAG_TIMEOUTS), 1);
	assert_false(p.layers & PKT_REASSEMBLED);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 1);	/* the new one */
	decoder_expire(d, 221 * SEC);
	assert_int_equal(stat(d, DSTAT_DEFRAG_TIMEOUTS), 2);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 0);
	assert_int_equal(stat(d, DSTAT_DEFRAG_MEMUSE), 0);
}

static void
test_bound_datagrams(void **state)
{
	(void)state;
	struct decoder *d = new_decoder(0, 4);
	struct packet p;
	struct pb_spec s = udp_spec(0);
	for (uint32_t id = 1; id <= 5; id++)
		send_frag(d, &p, &s, id, 0, 504, 1, id);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 4);
	assert_int_equal(stat(d, DSTAT_DEFRAG_EVICTED), 1);
	/* id 1, the oldest, was dropped; id 2 still completes */
	send_frag(d, &p, &s, 1, 504, 504, 0, 6);
	assert_false(p.layers & PKT_REASSEMBLED);
	assert_int_equal(stat(d, DSTAT_DEFRAG_EVICTED), 2);	/* id 2 now */
	send_frag(d, &p, &s, 3, 504, 504, 0, 7);
	check_reassembled_udp(&p, 0);
	decoder_free(d);
}

static void
test_bound_bytes(void **state)
{
	(void)state;
	size_t max = 256 * 1024;
	struct decoder *d = new_decoder(max, 0);
	struct packet p;
	static uint8_t data[60000], f[60100];
	struct pb_spec s = { .link = PB_LINK_RAW, .src = "192.0.2.1",
		.dst = "192.0.2.2", .proto = 200 };
	for (uint32_t id = 1; id <= 6; id++) {
		memset(data, (int)id, sizeof(data));
		size_t n = pb_fragment_raw(&s, id, 0, data, 60000, 1, f,
		    sizeof(f));
		assert_true(n > 0);
		decode_frame(d, &p, LINKTYPE_RAW, f, (uint32_t)n, (uint32_t)n,
		    id);
		assert_true(stat(d, DSTAT_DEFRAG_MEMUSE) <= max);
	}
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 4);
	assert_int_equal(stat(d, DSTAT_DEFRAG_EVICTED), 2);
	/* the newest completes, with its own data */
	memset(data, 6, 8);
	size_t n = pb_fragment_raw(&s, 6, 60000, data, 8, 0, f, sizeof(f));
	decode_frame(d, &p, LINKTYPE_RAW, f, (uint32_t)n, (uint32_t)n, 7);
	assert_true(p.layers & PKT_REASSEMBLED);
	assert_int_equal(p.l3_len, 20 + 60008);
	assert_int_equal(p.l3[20 + 59999], 6);
	decoder_free(d);
}

static void
test_attacks(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200], a[64];
	memset(a, 'x', sizeof(a));
	struct pb_spec s = { .src = "192.0.2.1", .dst = "192.0.2.2",
		.proto = PB_TCP };

	/* tiny first fragment: 8 bytes of TCP header, more to come */
	size_t n = pb_fragment_raw(&s, 1, 0, a, 8, 1, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_DEFRAG_IPV4_TINY_FIRST);
	assert_true(p.layers & PKT_INVALID);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 0);

	/* past 65535 */
	n = pb_fragment_raw(&s, 2, 65528, a, 16, 0, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_IPV4_FRAG_PKT_TOO_LARGE);
	assert_true(p.layers & PKT_INVALID);
	s.src = "2001:db8::1";
	s.dst = "2001:db8::2";
	n = pb_fragment_raw(&s, 2, 65528, a, 16, 0, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_IPV6_FRAG_PKT_TOO_LARGE);

	/* tiny first fragment over IPv6, and an inconsistent end */
	n = pb_fragment_raw(&s, 7, 0, a, 16, 1, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_DEFRAG_IPV6_TINY_FIRST);
	n = pb_fragment_raw(&s, 8, 16, a, 16, 0, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_NONE);
	n = pb_fragment_raw(&s, 8, 16, a, 24, 1, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_DEFRAG_IPV6_BAD_END);

	/* a non-final fragment whose length is not a multiple of 8 */
	n = pb_fragment_raw(&s, 3, 0, a, 30, 1, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_IPV6_FRAG_INVALID_LENGTH);
	s.src = "192.0.2.1";
	s.dst = "192.0.2.2";
	n = pb_fragment_raw(&s, 3, 0, a, 30, 1, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_IPV4_FRAG_INVALID_LENGTH);

	/* two different ends */
	n = pb_fragment_raw(&s, 4, 32, a, 16, 0, f, sizeof(f));
	dec(d, &p, f, n, 1);
	n = pb_fragment_raw(&s, 4, 40, a, 16, 0, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_DEFRAG_IPV4_BAD_END);
	n = pb_fragment_raw(&s, 4, 40, a, 16, 1, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_int_equal(p.anomaly, ANOM_DEFRAG_IPV4_BAD_END);
	assert_int_equal(anomaly_count(d, ANOM_DEFRAG_IPV4_BAD_END), 2);
	/* the datagram is still good */
	n = pb_fragment_raw(&s, 4, 0, a, 32, 1, f, sizeof(f));
	dec(d, &p, f, n, 1);
	assert_true(p.layers & PKT_REASSEMBLED);
	assert_true(p.layers & PKT_TCP);
}

static void
test_max_frags(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200], a[8] = { 0 };
	struct pb_spec s = { .src = "192.0.2.1", .dst = "192.0.2.2",
		.proto = 200 };
	/* every other 8-byte slot, so no two pieces merge */
	int i;
	for (i = 0; i < 300; i++) {
		size_t n = pb_fragment_raw(&s, 9, (uint32_t)(16 * i), a, 8, 1,
		    f, sizeof(f));
		dec(d, &p, f, n, 1);
		if (p.anomaly == ANOM_DEFRAG_MAX_FRAGS)
			break;
	}
	assert_int_equal(i, 256);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 0);
}

static void
test_snaplen_fragment_not_stored(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[2000];
	struct pb_spec s = udp_spec(0);
	size_t n = pb_fragment(&s, 1, 0, 504, 1, f, sizeof(f));
	decode_frame(d, &p, LINKTYPE_EN10MB, f, 100, (uint32_t)n, 1);
	assert_int_equal(p.anomaly, ANOM_NONE);
	assert_true(p.layers & PKT_FRAGMENT);
	assert_true(p.layers & PKT_TRUNCATED);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 0);
}

static void
test_defrag_disabled(void **state)
{
	(void)state;
	struct error err;
	struct decoder_config c = decoder_config_default();
	c.defrag_enabled = 0;
	struct decoder *d = decoder_new(&c, &err);
	assert_non_null(d);
	struct packet p;
	struct pb_spec s = udp_spec(1);
	send_frag(d, &p, &s, 1, 0, 504, 1, 1);
	send_frag(d, &p, &s, 1, 504, 504, 0, 1);
	assert_int_equal(p.layers, PKT_ETH | PKT_IPV6 | PKT_FRAGMENT);
	assert_int_equal(p.anomaly, ANOM_NONE);
	decoder_free(d);
}

/* Datagrams left pending when the decoder is freed: ASan checks leaks. */
static void
test_free_with_pending(void **state)
{
	(void)state;
	struct decoder *d = new_decoder(0, 0);
	struct packet p;
	struct pb_spec s = udp_spec(0);
	for (uint32_t id = 0; id < 50; id++)
		send_frag(d, &p, &s, id, 0, 504, 1, 1);
	assert_int_equal(stat(d, DSTAT_DEFRAG_PENDING), 50);
	decoder_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_in_order),
		T(test_out_of_order),
		T(test_real_fragments),
		T(test_ipv6_with_ext_before_fragment),
		T(test_overlap_first_wins),
		T(test_timeout),
		T(test_bound_datagrams),
		T(test_bound_bytes),
		T(test_attacks),
		T(test_max_frags),
		T(test_snaplen_fragment_not_stored),
		T(test_defrag_disabled),
		T(test_free_with_pending),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
