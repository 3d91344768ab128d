/* summary: unit tests for Internet checksums and RFC 1624 incremental updates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "net/checksum.h"
#include "pktbuild.h"
#include "test_decode_frames.h"

/* The checksum as it reads on the wire (big-endian). */
static unsigned
wire(uint16_t c)
{
	uint8_t b[2];
	memcpy(b, &c, 2);
	return (unsigned)b[0] << 8 | b[1];
}

/* RFC 1071 section 3 example: the sum of 00 01 f2 03 f4 f5 f6 f7 is ddf2. */
static void
test_rfc1071_example(void **state)
{
	(void)state;
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5,
		0xf6, 0xf7 };
	assert_int_equal(wire(inet_checksum(b, sizeof(b))), 0xffff - 0xddf2);
	/* odd length: the last byte is padded with zero */
	static const uint8_t odd[] = { 0x00, 0x01, 0xf2 };
	assert_int_equal(wire(inet_checksum(odd, sizeof(odd))),
	    0xffff - 0xf201);
	/* chaining partial sums over even pieces gives the same result */
	uint32_t s = csum_partial(b, 4, 0);
	s = csum_partial(b + 4, 4, s);
	assert_int_equal(csum_fold(s), inet_checksum(b, sizeof(b)));
}

/* The IPv4 header example used everywhere (checksum b861). */
static void
test_ipv4_header(void **state)
{
	(void)state;
	uint8_t h[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40,
		0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00,
		0xc7 };
	assert_int_equal(wire(ip_checksum(h, sizeof(h))), 0xb861);
	assert_true(ip_checksum_ok(h, sizeof(h)));
	h[8] = 0x3f;
	assert_false(ip_checksum_ok(h, sizeof(h)));
	/* the stored field is ignored when computing */
	h[8] = 0x40;
	h[10] = h[11] = 0xee;
	assert_int_equal(wire(ip_checksum(h, sizeof(h))), 0xb861);
	/* scapy's value for the embedded SYN */
	assert_int_equal(wire(ip_checksum(real_tcp_syn + 14, 20)), 0xa484);
}

/* Values scapy computed for the embedded frames. */
static void
test_l4_known_values(void **state)
{
	(void)state;
	const uint8_t *ip = real_tcp_syn + 14;
	assert_int_equal(wire(l4_checksum(4, ip + 12, ip + 16, 6, ip + 20, 40)),
	    0x5422);
	assert_true(l4_checksum_ok(4, ip + 12, ip + 16, 6, ip + 20, 40));

	ip = real_udp_dns + 14;
	size_t ulen = sizeof(real_udp_dns) - 34;
	assert_int_equal(wire(l4_checksum(4, ip + 12, ip + 16, 17, ip + 20,
	    ulen)), 0x96e1);
	assert_true(l4_checksum_ok(4, ip + 12, ip + 16, 17, ip + 20, ulen));

	ip = real_icmp6_echo + 14;
	size_t ilen = sizeof(real_icmp6_echo) - 54;
	assert_int_equal(wire(l4_checksum(6, ip + 8, ip + 24, 58, ip + 40,
	    ilen)), 0x9230);
	assert_true(l4_checksum_ok(6, ip + 8, ip + 24, 58, ip + 40, ilen));
	/* wrong pseudo-header: swapped protocol */
	assert_false(l4_checksum_ok(6, ip + 8, ip + 24, 17, ip + 40, ilen));

	/* a corrupted byte is caught */
	uint8_t g[sizeof(real_udp_dns)];
	memcpy(g, real_udp_dns, sizeof(g));
	g[sizeof(g) - 1] ^= 0x10;
	assert_false(l4_checksum_ok(4, g + 26, g + 30, 17, g + 34, ulen));
	/* UDP over IPv4 without a checksum is fine; over IPv6 it is not */
	g[34 + 6] = g[34 + 7] = 0;
	assert_true(l4_checksum_ok(4, g + 26, g + 30, 17, g + 34, ulen));
	assert_false(l4_checksum_ok(6, real_icmp6_echo + 22,
	    real_icmp6_echo + 38, 17, g + 34, ulen));
	assert_false(l4_checksum_ok(4, g + 26, g + 30, 6, g + 34, 10));
}

/* RFC 1624: rewriting words and bytes, incrementally, gives the same
 * checksum as computing it again. */
static void
test_incremental(void **state)
{
	(void)state;
	uint8_t g[sizeof(real_tcp_syn)];
	memcpy(g, real_tcp_syn, sizeof(g));
	uint8_t *ip = g + 14, *tcp = g + 34;
	uint16_t c;
	memcpy(&c, tcp + 16, 2);

	/* change the window (a word at an even offset) */
	uint16_t oldw, neww;
	memcpy(&oldw, tcp + 14, 2);
	tcp[14] = 0x12;
	tcp[15] = 0x34;
	memcpy(&neww, tcp + 14, 2);
	c = csum_update16(c, oldw, neww);
	memcpy(tcp + 16, &c, 2);
	assert_int_equal(c, l4_checksum(4, ip + 12, ip + 16, 6, tcp, 40));
	assert_true(l4_checksum_ok(4, ip + 12, ip + 16, 6, tcp, 40));

	/* change the TTL in the IP header (byte 8, even) */
	uint16_t ic;
	memcpy(&ic, ip + 10, 2);
	uint8_t old_ttl = ip[8], new_ttl = 17;
	ip[8] = new_ttl;
	ic = csum_update_bytes(ic, &old_ttl, &new_ttl, 1, false);
	memcpy(ip + 10, &ic, 2);
	assert_true(ip_checksum_ok(ip, 20));

	/* rewrite 5 payload bytes at an odd offset of a UDP datagram */
	uint8_t u[200];
	struct pb_spec s = { .src = "192.0.2.1", .dst = "192.0.2.2",
		.proto = PB_UDP, .sport = 1, .dport = 2,
		.payload = "GET /etc/passwd HTTP/1.0", .payload_len = 24 };
	size_t n = pb_frame(&s, u, sizeof(u));
	uint8_t *udp = u + 34;
	size_t ulen = n - 34;
	assert_true(l4_checksum_ok(4, u + 26, u + 30, 17, udp, ulen));
	for (int odd = 0; odd <= 1; odd++) {
		size_t off = 8 + 5 + (size_t)odd;	/* in the UDP segment */
		uint8_t old[5];
		memcpy(old, udp + off, 5);
		memcpy(udp + off, "XXXXX", 5);
		memcpy(&c, udp + 6, 2);
		c = csum_update_bytes(c, old, udp + off, 5, off % 2 == 1);
		memcpy(udp + 6, &c, 2);
		assert_true(l4_checksum_ok(4, u + 26, u + 30, 17, udp, ulen));
	}
	/* RFC 1624 section 3 corner: a sum that ends at 0xffff/0x0000 */
	uint8_t z[4] = { 0xff, 0xff, 0x00, 0x00 };
	uint16_t zc = inet_checksum(z, 4);
	assert_int_equal(wire(zc), 0x0000);
	uint16_t ow, nw;
	memcpy(&ow, z + 2, 2);
	z[2] = 0x00;
	z[3] = 0x01;
	memcpy(&nw, z + 2, 2);
	zc = csum_update16(zc, ow, nw);
	assert_int_equal(zc, inet_checksum(z, 4));
}

/* The builder writes correct checksums for every protocol. */
static void
test_pktbuild_checksums(void **state)
{
	(void)state;
	static const uint8_t opts[4] = { 2, 4, 5, 0xb4 };
	const char *addrs[2][2] = { { "192.0.2.1", "192.0.2.2" },
		{ "2001:db8::1", "2001:db8::2" } };
	const uint8_t protos[] = { PB_TCP, PB_UDP, PB_ICMP, PB_ICMPV6 };
	for (int v6 = 0; v6 <= 1; v6++) {
		for (size_t i = 0; i < sizeof(protos); i++) {
			if ((protos[i] == PB_ICMP) == (v6 == 1) &&
			    (protos[i] == PB_ICMP || protos[i] == PB_ICMPV6))
				continue;
			uint8_t f[200];
			struct pb_spec s = { .link = PB_LINK_RAW,
				.src = addrs[v6][0], .dst = addrs[v6][1],
				.proto = protos[i], .sport = 9, .dport = 10,
				.tcp_opts = opts, .tcp_opts_len = 4,
				.icmp_type = v6 ? 128 : 8,
				.payload = "abc", .payload_len = 3 };
			size_t n = pb_frame(&s, f, sizeof(f));
			assert_true(n > 0);
			size_t h = v6 ? 40 : 20;
			const uint8_t *src = f + (v6 ? 8 : 12);
			const uint8_t *dst = f + (v6 ? 24 : 16);
			if (protos[i] == PB_ICMP)
				assert_int_equal(inet_checksum(f + h, n - h), 0);
			else
				assert_true(l4_checksum_ok(v6 ? 6 : 4, src, dst,
				    protos[i], f + h, n - h));
			if (!v6)
				assert_true(ip_checksum_ok(f, 20));
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_l4_known_values),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_pktbuild_checksums),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
