/* summary: unit tests for the decoders: protocols, link types, anomalies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "net/checksum.h"
#include "net/decode.h"
#include "pktbuild.h"
#include "test_decode_frames.h"

static struct decoder *
new_decoder(void)
{
	struct error err;
	struct decoder *d = decoder_new(NULL, &err);
	assert_non_null(d);
	return d;
}

static int
setup(void **state)
{
	*state = new_decoder();
	return 0;
}

static int
teardown(void **state)
{
	decoder_free(*state);
	return 0;
}

static void
dec(struct decoder *d, struct packet *p, int lt, const uint8_t *f, size_t n)
{
	assert_int_equal(decode_frame(d, p, lt, f, (uint32_t)n, (uint32_t)n,
	    1000), 0);
}

static uint64_t
anomaly_count(struct decoder *d, enum decode_anomaly a)
{
	size_t n;
	const uint64_t *c = decoder_counters(d, &n);
	assert_int_equal(n, ANOM_COUNT);
	return c[a];
}

static uint64_t
stat(struct decoder *d, enum decode_stat s)
{
	size_t n;
	const uint64_t *c = decoder_stats(d, &n);
	assert_int_equal(n, DSTAT_COUNT);
	return c[s];
}

static void
assert_addr(const struct addr *a, const char *text)
{
	char buf[ADDR_STRLEN];
	assert_string_equal(addr_str(a, buf), text);
}

/* Expects decoding to have stopped at anomaly a, counted once. */
static void
expect_anomaly(struct decoder *d, const struct packet *p,
    enum decode_anomaly a)
{
	assert_int_equal(p->anomaly, a);
	assert_true(p->layers & PKT_INVALID);
	assert_int_equal(anomaly_count(d, a), 1);
}

/* ---- real frames ------------------------------------------------------ */

static void
test_real_tcp_syn(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	dec(d, &p, LINKTYPE_EN10MB, real_tcp_syn, sizeof(real_tcp_syn));
	assert_int_equal(p.layers, PKT_ETH | PKT_IPV4 | PKT_TCP);
	assert_int_equal(p.anomaly, ANOM_NONE);
	assert_int_equal(p.ethertype, 0x0800);
	assert_int_equal(p.eth_src[5], 0x01);
	assert_int_equal(p.eth_dst[5], 0x02);
	assert_int_equal(p.ip_version, 4);
	assert_addr(&p.src, "192.0.2.1");
	assert_addr(&p.dst, "192.0.2.2");
	assert_int_equal(p.ip_proto, 6);
	assert_int_equal(p.ip_id, 0x1234);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.l3_hlen, 20);
	assert_int_equal(p.l3_len, 60);
	assert_ptr_equal(p.l3, real_tcp_syn + 14);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.tcp_seq, 123456789);
	assert_int_equal(p.tcp_ack, 0);
	assert_int_equal(p.tcp_flags, TCP_SYN);
	assert_int_equal(p.tcp_win, 64240);
	assert_int_equal(p.tcp_hlen, 40);
	assert_int_equal(p.tcp_mss, 1460);
	assert_int_equal(p.tcp_wscale, 7);
	assert_int_equal(p.tcp_sack_ok, 1);
	assert_int_equal(p.tcp_has_ts, 1);
	assert_int_equal(p.tcp_tsval, 1000);
	assert_int_equal(p.tcp_tsecr, 0);
	assert_int_equal(p.l4_len, 40);
	assert_int_equal(p.payload_len, 0);
	assert_int_equal(p.payload_wirelen, 0);
	assert_true(ip_checksum_ok(p.l3, p.l3_hlen));
	assert_true(l4_checksum_ok(4, p.src.b, p.dst.b, 6, p.l4, p.l4_len));
	assert_int_equal(stat(d, DSTAT_PKTS), 1);
	assert_int_equal(stat(d, DSTAT_BYTES), sizeof(real_tcp_syn));
	assert_int_equal(stat(d, DSTAT_ETHERNET), 1);
	assert_int_equal(stat(d, DSTAT_IPV4), 1);
	assert_int_equal(stat(d, DSTAT_TCP), 1);
}

static void
test_real_udp_dns(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	dec(d, &p, LINKTYPE_EN10MB, real_udp_dns, sizeof(real_udp_dns));
	assert_int_equal(p.layers, PKT_ETH | PKT_IPV4 | PKT_UDP);
	assert_addr(&p.dst, "192.0.2.53");
	assert_int_equal(p.sport, 5353);
	assert_int_equal(p.dport, 53);
	assert_int_equal(p.payload_len, sizeof(real_udp_dns) - 14 - 20 - 8);
	assert_int_equal(p.payload_wirelen, p.payload_len);
	assert_int_equal(p.tcp_wscale, 0xff);
	/* DNS header: rd set, one question */
	assert_int_equal(p.payload[2], 0x01);
	assert_int_equal(p.payload[5], 1);
	assert_true(l4_checksum_ok(4, p.src.b, p.dst.b, 17, p.l4, p.l4_len));
	assert_int_equal(stat(d, DSTAT_UDP), 1);
}

static void
test_real_icmp6_echo(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	dec(d, &p, LINKTYPE_EN10MB, real_icmp6_echo, sizeof(real_icmp6_echo));
	assert_int_equal(p.layers, PKT_ETH | PKT_IPV6 | PKT_ICMPV6);
	assert_int_equal(p.ip_version, 6);
	assert_addr(&p.src, "2001:db8::1");
	assert_addr(&p.dst, "2001:db8::2");
	assert_int_equal(p.ip_proto, 58);
	assert_int_equal(p.l3_hlen, 40);
	assert_int_equal(p.icmp_type, 128);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.icmp_id, 0x77);
	assert_int_equal(p.icmp_seq, 3);
	assert_int_equal(p.sport, 0);
	assert_int_equal(p.payload_len, 8);
	assert_memory_equal(p.payload, "abcdefgh", 8);
	assert_true(l4_checksum_ok(6, p.src.b, p.dst.b, 58, p.l4, p.l4_len));
	assert_int_equal(stat(d, DSTAT_IPV6), 1);
	assert_int_equal(stat(d, DSTAT_ICMPV6), 1);
}

static void
test_real_arp(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	dec(d, &p, LINKTYPE_EN10MB, real_arp, sizeof(real_arp));
	assert_int_equal(p.layers, PKT_ETH | PKT_ARP);
	assert_int_equal(p.ethertype, 0x0806);
	assert_int_equal(p.arp_op, 1);
	assert_addr(&p.arp_sender, "192.0.2.1");
	assert_addr(&p.arp_target, "192.0.2.2");
	assert_int_equal(p.ip_version, 0);
	assert_int_equal(stat(d, DSTAT_ARP), 1);
}

static void
test_real_qinq(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	dec(d, &p, LINKTYPE_EN10MB, real_qinq_icmp, sizeof(real_qinq_icmp));
	assert_int_equal(p.layers, PKT_ETH | PKT_VLAN | PKT_IPV4 | PKT_ICMP);
	assert_int_equal(p.vlan_count, 2);
	assert_int_equal(p.vlan_id[0], 100);
	assert_int_equal(p.vlan_id[1], 200);
	assert_int_equal(p.ethertype, 0x0800);
	assert_addr(&p.src, "198.51.100.1");
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.icmp_id, 9);
	assert_int_equal(p.icmp_seq, 1);
	assert_int_equal(p.payload_len, 4);
	assert_memory_equal(p.payload, "ping", 4);
	assert_int_equal(inet_checksum(p.l4, p.l4_len), 0);
	assert_int_equal(stat(d, DSTAT_VLAN), 1);
	assert_int_equal(stat(d, DSTAT_VLAN_QINQ), 1);
	assert_int_equal(stat(d, DSTAT_ICMPV4), 1);
}

static void
test_real_sll2(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	dec(d, &p, LINKTYPE_LINUX_SLL2, real_sll2_icmp, sizeof(real_sll2_icmp));
	assert_int_equal(p.layers, PKT_IPV4 | PKT_ICMP);
	assert_null(p.eth_src);
	assert_addr(&p.src, "127.0.0.1");
	assert_addr(&p.dst, "192.0.2.10");
	assert_int_equal(p.icmp_type, 8);
	assert_int_equal(p.payload_len, 16);
	assert_int_equal(stat(d, DSTAT_SLL), 1);
}

/* ---- link types ------------------------------------------------------- */

static size_t
raw_tcp(uint8_t *out, size_t cap, int v6)
{
	struct pb_spec s = { .link = PB_LINK_RAW,
		.src = v6 ? "2001:db8::a" : "203.0.113.5",
		.dst = v6 ? "2001:db8::b" : "203.0.113.6",
		.sport = 1234, .dport = 22, .flags = TCP_SYN | TCP_ACK,
		.payload = "hello", .payload_len = 5 };
	size_t n = pb_frame(&s, out, cap);
	assert_true(n > 0);
	return n;
}

static void
check_tcp(const struct packet *p, int v6)
{
	assert_int_equal(p->anomaly, ANOM_NONE);
	assert_true(p->layers & PKT_TCP);
	assert_true(p->layers & (v6 ? PKT_IPV6 : PKT_IPV4));
	assert_false(p->layers & PKT_ETH);
	assert_int_equal(p->sport, 1234);
	assert_int_equal(p->dport, 22);
	assert_int_equal(p->tcp_flags, TCP_SYN | TCP_ACK);
	assert_int_equal(p->payload_len, 5);
	assert_memory_equal(p->payload, "hello", 5);
}

static void
test_linktypes(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t ip[200], f[256];
	for (int v6 = 0; v6 <= 1; v6++) {
		size_t n = raw_tcp(ip, sizeof(ip), v6);
		static const int raws[] = { LINKTYPE_RAW, LINKTYPE_RAW_12,
			LINKTYPE_RAW_14 };
		for (size_t i = 0; i < 3; i++) {
			dec(d, &p, raws[i], ip, n);
			check_tcp(&p, v6);
		}
		dec(d, &p, v6 ? LINKTYPE_IPV6 : LINKTYPE_IPV4, ip, n);
		check_tcp(&p, v6);

		/* DLT_NULL: host order family, either byte order */
		uint32_t fam = v6 ? 24 : 2;
		memcpy(f, &fam, 4);
		memcpy(f + 4, ip, n);
		dec(d, &p, LINKTYPE_NULL, f, n + 4);
		check_tcp(&p, v6);
		fam = __builtin_bswap32(fam);
		memcpy(f, &fam, 4);
		dec(d, &p, LINKTYPE_NULL, f, n + 4);
		check_tcp(&p, v6);
		/* DLT_LOOP: network order */
		f[0] = f[1] = f[2] = 0;
		f[3] = v6 ? 30 : 2;
		dec(d, &p, LINKTYPE_LOOP, f, n + 4);
		check_tcp(&p, v6);

		/* SLL: 16 bytes, protocol last */
		memset(f, 0, 16);
		f[1] = 4;	/* sent by us */
		f[3] = 1;	/* ARPHRD_ETHER */
		f[5] = 6;
		f[14] = v6 ? 0x86 : 0x08;
		f[15] = v6 ? 0xdd : 0x00;
		memcpy(f + 16, ip, n);
		dec(d, &p, LINKTYPE_LINUX_SLL, f, n + 16);
		check_tcp(&p, v6);
		/* SLL2: 20 bytes, protocol first */
		memset(f, 0, 20);
		f[0] = v6 ? 0x86 : 0x08;
		f[1] = v6 ? 0xdd : 0x00;
		f[9] = 1;
		f[11] = 6;
		memcpy(f + 20, ip, n);
		dec(d, &p, LINKTYPE_LINUX_SLL2, f, n + 20);
		check_tcp(&p, v6);
	}
	assert_int_equal(stat(d, DSTAT_RAW), 8);
	assert_int_equal(stat(d, DSTAT_NULL), 6);
	assert_int_equal(stat(d, DSTAT_SLL), 4);
	assert_int_equal(stat(d, DSTAT_TCP), 18);
	assert_int_equal(stat(d, DSTAT_INVALID), 0);
	assert_true(decode_linktype_supported(LINKTYPE_LINUX_SLL2));
	assert_false(decode_linktype_supported(105));
}

static void
test_linktype_anomalies(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[64] = { 0 };

	dec(d, &p, 105, f, 40);		/* 802.11 */
	expect_anomaly(d, &p, ANOM_LINKTYPE_UNSUPPORTED);
	f[0] = 0x50;
	dec(d, &p, LINKTYPE_RAW, f, 40);
	expect_anomaly(d, &p, ANOM_RAW_INVALID_IP_VERSION);
	dec(d, &p, LINKTYPE_NULL, f, 3);
	expect_anomaly(d, &p, ANOM_NULL_PKT_TOO_SMALL);
	f[0] = 7;
	dec(d, &p, LINKTYPE_NULL, f, 40);
	expect_anomaly(d, &p, ANOM_NULL_UNSUPPORTED_TYPE);
	dec(d, &p, LINKTYPE_LINUX_SLL, f, 15);
	expect_anomaly(d, &p, ANOM_SLL_PKT_TOO_SMALL);
	dec(d, &p, LINKTYPE_LINUX_SLL2, f, 19);
	expect_anomaly(d, &p, ANOM_SLL2_PKT_TOO_SMALL);
	dec(d, &p, LINKTYPE_EN10MB, f, 13);
	expect_anomaly(d, &p, ANOM_ETH_PKT_TOO_SMALL);
	assert_int_equal(stat(d, DSTAT_INVALID), 7);
}

/* ---- Ethernet, VLAN, ARP ---------------------------------------------- */

static void
test_vlan(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200];
	struct pb_spec s = { .src = "192.0.2.1", .dst = "192.0.2.2",
		.proto = PB_UDP, .sport = 1, .dport = 2, .vlan_count = 1,
		.vlan = { 0x2abc } };
	size_t n = pb_frame(&s, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.layers, PKT_ETH | PKT_VLAN | PKT_IPV4 | PKT_UDP);
	assert_int_equal(p.vlan_count, 1);
	assert_int_equal(p.vlan_id[0], 0xabc);	/* priority bits dropped */

	/* old QinQ TPID 0x9100 */
	s.vlan_count = 2;
	s.vlan[1] = 7;
	s.outer_tpid = 0x9100;
	n = pb_frame(&s, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.vlan_count, 2);
	assert_int_equal(p.vlan_id[1], 7);
	assert_true(p.layers & PKT_UDP);

	/* a third tag */
	memmove(f + 16, f + 12, n - 12);
	f[12] = 0x81; f[13] = 0x00; f[14] = 0; f[15] = 9;
	dec(d, &p, LINKTYPE_EN10MB, f, n + 4);
	expect_anomaly(d, &p, ANOM_VLAN_TOO_MANY_LAYERS);

	/* a tag cut short */
	dec(d, &p, LINKTYPE_EN10MB, f, 16);
	expect_anomaly(d, &p, ANOM_VLAN_HEADER_TOO_SMALL);
}

static void
test_ethertype_other(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[60] = { 0 };
	f[12] = 0x88; f[13] = 0xcc;	/* LLDP */
	dec(d, &p, LINKTYPE_EN10MB, f, sizeof(f));
	assert_int_equal(p.layers, PKT_ETH);
	assert_int_equal(p.ethertype, 0x88cc);
	assert_int_equal(p.anomaly, ANOM_NONE);
	f[12] = 0x00; f[13] = 0x2e;	/* 802.3 length */
	dec(d, &p, LINKTYPE_EN10MB, f, sizeof(f));
	assert_int_equal(p.layers, PKT_ETH);
	assert_int_equal(stat(d, DSTAT_OTHER), 2);
}

static void
test_arp_anomalies(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[64];
	memcpy(f, real_arp, 42);
	dec(d, &p, LINKTYPE_EN10MB, f, 20);
	expect_anomaly(d, &p, ANOM_ARP_PKT_TOO_SMALL);
	f[14 + 4] = 8;		/* hardware size 8: still fits in 64 bytes */
	memset(f + 42, 0, 22);
	dec(d, &p, LINKTYPE_EN10MB, f, 64);
	expect_anomaly(d, &p, ANOM_ARP_INVALID_SIZES);
}

/* ---- IPv4 ------------------------------------------------------------- */

static size_t
eth_tcp4(uint8_t *f, size_t cap, const uint8_t *opts, size_t optlen,
    const char *payload)
{
	struct pb_spec s = { .src = "192.0.2.1", .dst = "192.0.2.2",
		.sport = 5000, .dport = 80, .flags = TCP_ACK, .seq = 7,
		.ack = 9, .tcp_opts = opts, .tcp_opts_len = optlen,
		.payload = payload, .payload_len = payload ? strlen(payload) : 0 };
	size_t n = pb_frame(&s, f, cap);
	assert_true(n > 0);
	return n;
}

static void
set_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
test_ipv4_anomalies(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200], g[200];
	size_t n = eth_tcp4(f, sizeof(f), NULL, 0, "data");

	dec(d, &p, LINKTYPE_EN10MB, f, 14 + 19);
	expect_anomaly(d, &p, ANOM_IPV4_PKT_TOO_SMALL);

	memcpy(g, f, n);
	g[14] = 0x55;
	dec(d, &p, LINKTYPE_EN10MB, g, n);
	expect_anomaly(d, &p, ANOM_IPV4_WRONG_IP_VERSION);

	memcpy(g, f, n);
	g[14] = 0x44;
	dec(d, &p, LINKTYPE_EN10MB, g, n);
	expect_anomaly(d, &p, ANOM_IPV4_HLEN_TOO_SMALL);

	memcpy(g, f, n);
	set_be16(g + 16, 19);
	dec(d, &p, LINKTYPE_EN10MB, g, n);
	expect_anomaly(d, &p, ANOM_IPV4_IPLEN_SMALLER_THAN_HLEN);

	dec(d, &p, LINKTYPE_EN10MB, f, n - 1);	/* total length > captured */
	expect_anomaly(d, &p, ANOM_IPV4_TRUNC_PKT);

	/* IHL beyond the total length: options run off the datagram */
	memcpy(g, f, n);
	g[14] = 0x4f;
	set_be16(g + 16, 40);
	dec(d, &p, LINKTYPE_EN10MB, g, n);
	assert_true(p.layers & PKT_INVALID);
	assert_int_equal(p.anomaly, ANOM_IPV4_IPLEN_SMALLER_THAN_HLEN);
}

static void
test_ipv4_options(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200];
	/* NOP, NOP, router alert (RFC 2113), EOL padding */
	static const uint8_t ok[8] = { 1, 1, 0x94, 4, 0, 0, 0, 0 };
	static const uint8_t badlen[4] = { 0x07, 1, 0, 0 };
	static const uint8_t past[4] = { 1, 0x07, 11, 0 };
	static const uint8_t nolen[4] = { 1, 1, 1, 0x44 };
	struct pb_spec s = { .src = "192.0.2.1", .dst = "192.0.2.2",
		.proto = PB_UDP, .sport = 7, .dport = 7, .ip4_opts = ok,
		.ip4_opts_len = sizeof(ok) };
	size_t n = pb_frame(&s, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_NONE);
	assert_int_equal(p.l3_hlen, 28);
	assert_true(p.layers & PKT_UDP);
	assert_int_equal(p.sport, 7);

	s.ip4_opts = badlen;
	s.ip4_opts_len = 4;
	n = pb_frame(&s, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	expect_anomaly(d, &p, ANOM_IPV4_OPT_INVALID_LEN);
	assert_false(p.layers & PKT_UDP);

	s.ip4_opts = past;
	n = pb_frame(&s, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	expect_anomaly(d, &p, ANOM_IPV4_OPT_MALFORMED);

	s.ip4_opts = nolen;
	n = pb_frame(&s, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_IPV4_OPT_MALFORMED);
	assert_int_equal(anomaly_count(d, ANOM_IPV4_OPT_MALFORMED), 2);
}

static void
test_ethernet_padding(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[60] = { 0 };
	struct pb_spec s = { .src = "192.0.2.1", .dst = "192.0.2.2",
		.proto = PB_UDP, .sport = 1, .dport = 2, .payload = "x",
		.payload_len = 1 };
	size_t n = pb_frame(&s, f, sizeof(f));
	assert_int_equal(n, 43);
	memset(f + n, 0xee, sizeof(f) - n);	/* padding to 60 bytes */
	dec(d, &p, LINKTYPE_EN10MB, f, sizeof(f));
	assert_int_equal(p.anomaly, ANOM_NONE);
	assert_int_equal(p.l3_len, 29);
	assert_int_equal(p.l4_len, 9);
	assert_int_equal(p.payload_len, 1);
}

static void
test_tunnels_and_other(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200];
	static const uint8_t protos[] = { 4, 41, 47 };
	for (size_t i = 0; i < sizeof(protos); i++) {
		struct pb_spec s = { .src = "192.0.2.1", .dst = "192.0.2.2",
			.proto = protos[i], .payload = "0123456789012345678901234567890123456789",
			.payload_len = 40 };
		size_t n = pb_frame(&s, f, sizeof(f));
		dec(d, &p, LINKTYPE_EN10MB, f, n);
		assert_int_equal(p.layers, PKT_ETH | PKT_IPV4 | PKT_TUNNEL);
		assert_int_equal(p.ip_proto, protos[i]);
		assert_null(p.l4);
	}
	assert_int_equal(stat(d, DSTAT_TUNNEL), 3);

	struct pb_spec sctp = { .src = "2001:db8::1", .dst = "2001:db8::2",
		.proto = 132, .payload = "abcd", .payload_len = 4 };
	size_t n = pb_frame(&sctp, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.layers, PKT_ETH | PKT_IPV6);
	assert_int_equal(p.ip_proto, 132);
	assert_int_equal(stat(d, DSTAT_OTHER), 1);

	/* ICMPv6 over IPv4 and ICMP over IPv6: counted, not decoded */
	struct pb_spec odd = { .src = "192.0.2.1", .dst = "192.0.2.2",
		.proto = 58, .payload = "abcdefgh", .payload_len = 8 };
	n = pb_frame(&odd, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_IPV4_ICMPV6);
	assert_false(p.layers & (PKT_INVALID | PKT_ICMPV6));
	odd.src = "2001:db8::1";
	odd.dst = "2001:db8::2";
	odd.proto = 1;
	n = pb_frame(&odd, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_IPV6_ICMPV4);
}

/* ---- TCP, UDP, ICMP ----------------------------------------------------- */

static void
test_tcp_anomalies(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200], g[200];
	size_t n = eth_tcp4(f, sizeof(f), NULL, 0, NULL);

	/* 10 bytes of TCP, IP length consistent */
	memcpy(g, f, n);
	set_be16(g + 16, 30);
	dec(d, &p, LINKTYPE_EN10MB, g, 44);
	expect_anomaly(d, &p, ANOM_TCP_PKT_TOO_SMALL);
	assert_true(p.layers & PKT_IPV4);

	memcpy(g, f, n);
	g[34 + 12] = 0x40;
	dec(d, &p, LINKTYPE_EN10MB, g, n);
	expect_anomaly(d, &p, ANOM_TCP_HLEN_TOO_SMALL);

	memcpy(g, f, n);
	g[34 + 12] = 0xf0;
	dec(d, &p, LINKTYPE_EN10MB, g, n);
	expect_anomaly(d, &p, ANOM_TCP_INVALID_OPTLEN);
	assert_false(p.layers & PKT_TCP);
}

static void
test_tcp_options(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200];
	/* MSS with length 3: bad length, not fatal */
	static const uint8_t badmss[8] = { 2, 3, 5, 1, 1, 1, 1, 0 };
	static const uint8_t zero[4] = { 1, 8, 0, 0 };
	static const uint8_t dup[8] = { 2, 4, 5, 0xb4, 2, 4, 5, 0x78 };
	static const uint8_t sack[12] = { 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2 };
	static const uint8_t badsack[8] = { 1, 1, 5, 6, 0, 0, 0, 1 };
	static const uint8_t unknown[8] = { 30, 6, 1, 2, 3, 4, 0, 0 };

	size_t n = eth_tcp4(f, sizeof(f), badmss, sizeof(badmss), "x");
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_TCP_OPT_INVALID_LEN);
	assert_false(p.layers & PKT_INVALID);
	assert_true(p.layers & PKT_TCP);
	assert_int_equal(p.tcp_mss, 0);
	assert_int_equal(p.payload_len, 1);

	n = eth_tcp4(f, sizeof(f), zero, sizeof(zero), NULL);
	dec(d, &p, LINKTYPE_EN10MB, f, n);	/* kind 1 NOP, then kind 8 len 0 */
	assert_int_equal(p.anomaly, ANOM_TCP_OPT_INVALID_LEN);
	assert_int_equal(p.tcp_has_ts, 0);

	n = eth_tcp4(f, sizeof(f), dup, sizeof(dup), NULL);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_TCP_OPT_DUPLICATE);
	assert_int_equal(p.tcp_mss, 1400);	/* the last one */
	assert_int_equal(anomaly_count(d, ANOM_TCP_OPT_DUPLICATE), 1);

	n = eth_tcp4(f, sizeof(f), sack, sizeof(sack), NULL);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_NONE);
	n = eth_tcp4(f, sizeof(f), badsack, sizeof(badsack), NULL);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_TCP_OPT_INVALID_LEN);
	n = eth_tcp4(f, sizeof(f), unknown, sizeof(unknown), NULL);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_NONE);
	assert_int_equal(anomaly_count(d, ANOM_TCP_OPT_INVALID_LEN), 3);
	assert_int_equal(stat(d, DSTAT_INVALID), 0);
}

static void
test_udp_anomalies(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200], g[200];
	struct pb_spec s = { .src = "2001:db8::1", .dst = "2001:db8::2",
		.proto = PB_UDP, .sport = 53, .dport = 53, .payload = "abcdef",
		.payload_len = 6 };
	size_t n = pb_frame(&s, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_true(p.layers & PKT_UDP);
	assert_int_equal(p.payload_len, 6);

	memcpy(g, f, n);
	set_be16(g + 18, 4);		/* IPv6 payload length: 4 */
	dec(d, &p, LINKTYPE_EN10MB, g, 14 + 44);
	expect_anomaly(d, &p, ANOM_UDP_PKT_TOO_SMALL);

	memcpy(g, f, n);
	set_be16(g + 54 + 4, 7);
	dec(d, &p, LINKTYPE_EN10MB, g, n);
	expect_anomaly(d, &p, ANOM_UDP_HLEN_TOO_SMALL);

	memcpy(g, f, n);
	set_be16(g + 54 + 4, 15);
	dec(d, &p, LINKTYPE_EN10MB, g, n);
	expect_anomaly(d, &p, ANOM_UDP_HLEN_INVALID);

	/* UDP length shorter than the IP payload: the UDP length wins */
	memcpy(g, f, n);
	set_be16(g + 54 + 4, 10);
	dec(d, &p, LINKTYPE_EN10MB, g, n);
	assert_int_equal(p.anomaly, ANOM_NONE);
	assert_int_equal(p.payload_len, 2);
}

static void
test_icmp_anomalies(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[200];
	struct pb_spec s = { .link = PB_LINK_RAW, .src = "192.0.2.1",
		.dst = "192.0.2.2", .proto = 1, .payload = "abcd",
		.payload_len = 4 };
	size_t n = pb_l4(&s, f, sizeof(f));
	assert_int_equal(n, 12);
	/* a 4-byte ICMP message: build it as "other" protocol bytes */
	struct pb_spec t = { .link = PB_LINK_RAW, .src = "192.0.2.1",
		.dst = "192.0.2.2", .proto = 200, .payload = f,
		.payload_len = 4 };
	uint8_t g[200];
	n = pb_frame(&t, g, sizeof(g));
	g[9] = 1;			/* now call it ICMP */
	dec(d, &p, LINKTYPE_RAW, g, n);
	expect_anomaly(d, &p, ANOM_ICMPV4_PKT_TOO_SMALL);
	t.src = "2001:db8::1";
	t.dst = "2001:db8::2";
	n = pb_frame(&t, g, sizeof(g));
	g[6] = 58;
	dec(d, &p, LINKTYPE_RAW, g, n);
	expect_anomaly(d, &p, ANOM_ICMPV6_PKT_TOO_SMALL);

	/* an ICMP error: type and code, no id/seq */
	s.icmp_type = 3;
	s.icmp_code = 3;
	s.icmp_id = 77;
	n = pb_frame(&s, g, sizeof(g));
	dec(d, &p, LINKTYPE_RAW, g, n);
	assert_int_equal(p.layers, PKT_IPV4 | PKT_ICMP);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 3);
	assert_int_equal(p.icmp_id, 0);
}

/* ---- IPv6 extension headers --------------------------------------------- */

static size_t
v6_with_ext(uint8_t *f, size_t cap, const uint8_t *ext, size_t len,
    uint8_t first)
{
	struct pb_spec s = { .src = "2001:db8::1", .dst = "2001:db8::2",
		.sport = 1000, .dport = 443, .flags = TCP_SYN, .ip6_ext = ext,
		.ip6_ext_len = len, .ip6_ext_nh = first };
	size_t n = pb_frame(&s, f, cap);
	assert_true(n > 0);
	return n;
}

static void
test_ipv6_ext_chain(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[400];
	/* hop-by-hop (PadN 4), destination options (Pad1 x6), routing
	 * type 2, AH (len 4 = 24 bytes), then TCP */
	static const uint8_t chain[] = {
		60, 0, 1, 4, 0, 0, 0, 0,		/* HBH -> DST */
		43, 0, 0, 0, 0, 0, 0, 0,		/* DST -> RT */
		51, 2, 2, 1, 0, 0, 0, 0,		/* RT type 2 -> AH */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		6, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,	/* AH -> TCP */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	size_t n = v6_with_ext(f, sizeof(f), chain, sizeof(chain), 0);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_NONE);
	assert_int_equal(p.layers, PKT_ETH | PKT_IPV6 | PKT_TCP);
	assert_int_equal(p.ip_proto, 6);
	assert_int_equal(p.l3_hlen, 40 + sizeof(chain));
	assert_int_equal(p.dport, 443);
	assert_true(l4_checksum_ok(6, p.src.b, p.dst.b, 6, p.l4, p.l4_len));

	/* routing type 0: counted, not fatal */
	static const uint8_t rh0[] = { 6, 0, 0, 0, 0, 0, 0, 0 };
	n = v6_with_ext(f, sizeof(f), rh0, sizeof(rh0), 43);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_IPV6_RH_TYPE_0);
	assert_true(p.layers & PKT_TCP);

	/* option length past the header */
	static const uint8_t badopt[] = { 6, 0, 1, 9, 0, 0, 0, 0 };
	n = v6_with_ext(f, sizeof(f), badopt, sizeof(badopt), 0);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	expect_anomaly(d, &p, ANOM_IPV6_EXTHDR_INVALID_OPTLEN);

	/* two hop-by-hop headers, three destination options */
	static const uint8_t dupl[] = { 0, 0, 1, 4, 0, 0, 0, 0,
		6, 0, 1, 4, 0, 0, 0, 0 };
	n = v6_with_ext(f, sizeof(f), dupl, sizeof(dupl), 0);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_IPV6_EXTHDR_DUPL_HH);
	assert_true(p.layers & PKT_TCP);
	static const uint8_t dst3[] = { 60, 0, 1, 4, 0, 0, 0, 0,
		60, 0, 1, 4, 0, 0, 0, 0, 6, 0, 1, 4, 0, 0, 0, 0 };
	n = v6_with_ext(f, sizeof(f), dst3, sizeof(dst3), 60);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_IPV6_EXTHDR_DUPL_DH);

	/* nine headers: over the bound */
	uint8_t many[72];
	for (int i = 0; i < 9; i++) {
		memset(many + 8 * i, 0, 8);
		many[8 * i] = i == 8 ? 6 : 51;	/* AH, 8 bytes each */
	}
	n = v6_with_ext(f, sizeof(f), many, sizeof(many), 51);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	expect_anomaly(d, &p, ANOM_IPV6_EXTHDR_TOO_MANY);

	/* atomic fragment (offset 0, M clear): decoded as a whole packet */
	static const uint8_t atomic[] = { 6, 0, 0, 0, 0, 0, 0, 42 };
	n = v6_with_ext(f, sizeof(f), atomic, sizeof(atomic), 44);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_NONE);
	assert_int_equal(p.layers, PKT_ETH | PKT_IPV6 | PKT_TCP);

	/* reserved byte of the fragment header set */
	static const uint8_t fhres[] = { 6, 1, 0, 0, 0, 0, 0, 42 };
	n = v6_with_ext(f, sizeof(f), fhres, sizeof(fhres), 44);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_IPV6_FH_NON_ZERO_RESERVED);
	assert_true(p.layers & PKT_TCP);

	/* two routing headers (type 2): counted, not fatal */
	static const uint8_t rh2[] = { 43, 0, 2, 0, 0, 0, 0, 0,
		6, 0, 2, 0, 0, 0, 0, 0 };
	n = v6_with_ext(f, sizeof(f), rh2, sizeof(rh2), 43);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	assert_int_equal(p.anomaly, ANOM_IPV6_EXTHDR_DUPL_RH);
	assert_true(p.layers & PKT_TCP);

	/* two fragment headers (both atomic): fatal */
	static const uint8_t fh2[] = { 44, 0, 0, 0, 0, 0, 0, 1,
		6, 0, 0, 0, 0, 0, 0, 2 };
	n = v6_with_ext(f, sizeof(f), fh2, sizeof(fh2), 44);
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	expect_anomaly(d, &p, ANOM_IPV6_EXTHDR_DUPL_FH);

	/* the chain cut by the snaplen at every byte: never an anomaly */
	n = v6_with_ext(f, sizeof(f), chain, sizeof(chain), 0);
	for (uint32_t cut = 14; cut < n; cut++) {
		decode_frame(d, &p, LINKTYPE_EN10MB, f, cut, (uint32_t)n, 1);
		assert_int_equal(p.anomaly, ANOM_NONE);
		assert_false(p.layers & PKT_INVALID);
		/* and cut on the wire: always one */
		decode_frame(d, &p, LINKTYPE_EN10MB, f, cut, cut, 1);
		assert_true(p.layers & PKT_INVALID);
	}

	/* extension header cut: HBH says 16 bytes, datagram ends after 8 */
	static const uint8_t cut[] = { 6, 1, 1, 4, 0, 0, 0, 0 };
	struct pb_spec s = { .src = "2001:db8::1", .dst = "2001:db8::2",
		.proto = 59, .ip6_ext = cut, .ip6_ext_len = sizeof(cut),
		.ip6_ext_nh = 0 };
	n = pb_frame(&s, f, sizeof(f));
	dec(d, &p, LINKTYPE_EN10MB, f, n);
	expect_anomaly(d, &p, ANOM_IPV6_TRUNC_EXTHDR);
}

static void
test_ipv6_anomalies(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t g[200];
	memcpy(g, real_icmp6_echo, sizeof(real_icmp6_echo));
	dec(d, &p, LINKTYPE_EN10MB, g, 14 + 39);
	expect_anomaly(d, &p, ANOM_IPV6_PKT_TOO_SMALL);
	dec(d, &p, LINKTYPE_EN10MB, g, sizeof(real_icmp6_echo) - 1);
	expect_anomaly(d, &p, ANOM_IPV6_TRUNC_PKT);
	g[14] = 0x40;
	dec(d, &p, LINKTYPE_EN10MB, g, sizeof(real_icmp6_echo));
	expect_anomaly(d, &p, ANOM_IPV6_WRONG_IP_VERSION);
	/* IPv6 under the IPv4 ethertype */
	memcpy(g, real_icmp6_echo, sizeof(real_icmp6_echo));
	g[12] = 0x08; g[13] = 0x00;
	dec(d, &p, LINKTYPE_EN10MB, g, sizeof(real_icmp6_echo));
	assert_int_equal(p.anomaly, ANOM_IPV4_WRONG_IP_VERSION);
}

/* ---- truncation: every cut of every real frame -------------------------- */

struct real {
	int lt;
	const uint8_t *f;
	size_t n;
};

static const struct real reals[] = {
	{ LINKTYPE_EN10MB, real_tcp_syn, sizeof(real_tcp_syn) },
	{ LINKTYPE_EN10MB, real_udp_dns, sizeof(real_udp_dns) },
	{ LINKTYPE_EN10MB, real_icmp6_echo, sizeof(real_icmp6_echo) },
	{ LINKTYPE_EN10MB, real_arp, sizeof(real_arp) },
	{ LINKTYPE_EN10MB, real_qinq_icmp, sizeof(real_qinq_icmp) },
	{ LINKTYPE_LINUX_SLL2, real_sll2_icmp, sizeof(real_sll2_icmp) },
};

/* A frame cut short on the wire is an anomaly at the layer of the cut; a
 * frame cut by the snaplen (caplen < wirelen) is not. */
static void
test_truncation_every_byte(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	for (size_t r = 0; r < sizeof(reals) / sizeof(reals[0]); r++) {
		for (size_t cut = 0; cut < reals[r].n; cut++) {
			/* copy so ASan catches a read past the cut */
			uint8_t *g = malloc(cut ? cut : 1);
			assert_non_null(g);
			memcpy(g, reals[r].f, cut);
			decode_frame(d, &p, reals[r].lt, g, (uint32_t)cut,
			    (uint32_t)reals[r].n, 1);
			assert_int_equal(p.anomaly, ANOM_NONE);
			assert_true(p.layers & PKT_TRUNCATED);
			assert_false(p.layers & PKT_INVALID);
			assert_true(p.payload_len <= p.payload_wirelen);
			if (p.l4 != NULL)
				assert_true(p.l4 + p.l4_len <= g + cut);
			decode_frame(d, &p, reals[r].lt, g, (uint32_t)cut,
			    (uint32_t)cut, 1);
			/* the same cut with caplen == wirelen: malformed */
			assert_true(p.layers & PKT_INVALID);
			assert_int_not_equal(p.anomaly, ANOM_NONE);
			free(g);
		}
	}
	assert_int_equal(stat(d, DSTAT_TRUNCATED), stat(d, DSTAT_INVALID));
}

static void
test_snaplen_tcp_payload(void **state)
{
	struct decoder *d = *state;
	struct packet p;
	uint8_t f[400];
	char payload[201];
	memset(payload, 'z', 200);
	payload[200] = 0;
	size_t n = eth_tcp4(f, sizeof(f), NULL, 0, payload);
	decode_frame(d, &p, LINKTYPE_EN10MB, f, 96, (uint32_t)n, 5);
	assert_int_equal(p.anomaly, ANOM_NONE);
	assert_true(p.layers & PKT_TCP);
	assert_true(p.layers & PKT_TRUNCATED);
	assert_int_equal(p.payload_len, 96 - 54);
	assert_int_equal(p.payload_wirelen, 200);
	assert_int_equal(p.l3_len, 96 - 14);
	assert_int_equal(stat(d, DSTAT_BYTES), n);
}

/* ---- names and config ---------------------------------------------------- */

static void
test_names(void **state)
{
	(void)state;
	for (int i = 1; i < ANOM_COUNT; i++) {
		const char *n = decode_anomaly_name((enum decode_anomaly)i);
		assert_true(strncmp(n, "decoder.", 8) == 0 ||
		    strncmp(n, "defrag.", 7) == 0);
		for (int j = 1; j < i; j++)
			assert_string_not_equal(n,
			    decode_anomaly_name((enum decode_anomaly)j));
	}
	assert_string_equal(decode_anomaly_name(ANOM_IPV4_TRUNC_PKT),
	    "decoder.ipv4.trunc_pkt");
	assert_string_equal(decode_anomaly_name(ANOM_TCP_OPT_INVALID_LEN),
	    "decoder.tcp.opt_invalid_len");
	assert_string_equal(decode_anomaly_name(ANOM_DEFRAG_IPV4_OVERLAP),
	    "defrag.ipv4.overlap");
	assert_string_equal(decode_anomaly_name(ANOM_COUNT), "unknown");
	for (int i = 0; i < DSTAT_COUNT; i++)
		assert_string_not_equal(decode_stat_name((enum decode_stat)i),
		    "unknown");
	assert_string_equal(decode_stat_name(DSTAT_PKTS), "decoder.pkts");
	assert_string_equal(decode_stat_name(DSTAT_COUNT), "unknown");
}

static void
test_config(void **state)
{
	(void)state;
	struct error err;
	struct decoder_config c = decoder_config_default();
	assert_int_equal(c.defrag_timeout_ns, 60000000000ull);
	c.defrag_max_bytes = 1000;
	assert_null(decoder_new(&c, &err));
	assert_non_null(strstr(err.msg, "minimum"));
	c = decoder_config_default();
	c.defrag_max_datagrams = 0;
	assert_null(decoder_new(&c, &err));
	c.defrag_enabled = 0;
	struct decoder *d = decoder_new(&c, &err);
	assert_non_null(d);
	decoder_free(d);
	decoder_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_real_tcp_syn),
		T(test_real_udp_dns),
		T(test_real_icmp6_echo),
		T(test_real_arp),
		T(test_real_qinq),
		T(test_real_sll2),
		T(test_linktypes),
		T(test_linktype_anomalies),
		T(test_vlan),
		T(test_ethertype_other),
		T(test_arp_anomalies),
		T(test_ipv4_anomalies),
		T(test_ipv4_options),
		T(test_ethernet_padding),
		T(test_tunnels_and_other),
		T(test_tcp_anomalies),
		T(test_tcp_options),
		T(test_udp_anomalies),
		T(test_icmp_anomalies),
		T(test_ipv6_ext_chain),
		T(test_ipv6_anomalies),
		T(test_truncation_every_byte),
		T(test_snaplen_tcp_payload),
		T(test_names),
		T(test_config),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
