/* summary: test helper: craft Ethernet/VLAN/IPv4/IPv6/TCP/UDP/ICMP frames. */
#ifndef APIARY_TESTS_PKTBUILD_H
#define APIARY_TESTS_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>

/*
 * Describe a packet in a struct pb_spec (designated initializers; zero
 * fields take the defaults below) and build it into a caller buffer with
 * correct lengths and checksums.  Every builder returns the number of
 * bytes written, or 0 if the spec is bad or the buffer too small.
 *
 *   uint8_t f[1600];
 *   struct pb_spec s = { .src = "192.0.2.1", .dst = "192.0.2.2",
 *       .proto = PB_TCP, .sport = 40000, .dport = 80, .flags = 0x02,
 *       .seq = 1000 };
 *   size_t n = pb_frame(&s, f, sizeof(f));    // Ethernet + IPv4 + TCP
 *   decode_frame(d, &p, 1, f, n, n, 0);
 *
 * Fragments: pb_fragment() emits the fragment that carries bytes
 * [off, off + len) of the IP payload pb_frame() would carry (L4 header
 * and payload); pb_fragment_raw() does the same for arbitrary bytes
 * (overlap tests).  IPv4 uses frag_id as the IP id, IPv6 adds a fragment
 * header with it.
 */

enum { PB_TCP = 6, PB_UDP = 17, PB_ICMP = 1, PB_ICMPV6 = 58 };
enum { PB_LINK_ETH = 0, PB_LINK_RAW = 1 };

struct pb_spec {
	/* link: Ethernet II unless link = PB_LINK_RAW (bare IP) */
	int link;
	uint8_t eth_src[6], eth_dst[6];	/* zero: 02:00:00:00:00:01 / :02 */
	uint8_t vlan_count;		/* 0..2 tags, vlan[0] outermost */
	uint16_t vlan[2];
	uint16_t outer_tpid;		/* 0: 0x8100 (0x88a8 for QinQ) */

	/* network: family from the address text ("192.0.2.1", "2001:db8::1") */
	const char *src, *dst;
	uint8_t proto;			/* 0: PB_TCP */
	uint8_t ttl;			/* 0: 64 (hop limit for IPv6) */
	uint8_t tos;
	uint16_t ip_id;
	uint8_t df;
	const uint8_t *ip4_opts;	/* raw IPv4 options, len multiple of 4 */
	size_t ip4_opts_len;
	const uint8_t *ip6_ext;		/* raw IPv6 extension headers; the
					 * last one's next header must be
					 * proto */
	size_t ip6_ext_len;
	uint8_t ip6_ext_nh;		/* type of the first one */

	/* transport */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;			/* TCP flags (packet.h TCP_*) */
	uint16_t win;			/* 0: 65535 */
	const uint8_t *tcp_opts;	/* raw TCP options, len multiple of 4 */
	size_t tcp_opts_len;
	uint8_t icmp_type, icmp_code;	/* 0/0 is echo reply: set it */
	uint16_t icmp_id, icmp_seq;

	const void *payload;
	size_t payload_len;
};

/* The whole frame: link header, IP header, L4 header, payload. */
size_t pb_frame(const struct pb_spec *s, uint8_t *out, size_t cap);
/* The L4 segment alone (header + payload), checksum over s's addresses. */
size_t pb_l4(const struct pb_spec *s, uint8_t *out, size_t cap);
/* One fragment of the datagram pb_frame(s) would carry. */
size_t pb_fragment(const struct pb_spec *s, uint32_t frag_id, uint32_t off,
    uint32_t len, int more, uint8_t *out, size_t cap);
/* One fragment carrying data as bytes [off, off + len) of the IP payload. */
size_t pb_fragment_raw(const struct pb_spec *s, uint32_t frag_id,
    uint32_t off, const uint8_t *data, uint32_t len, int more, uint8_t *out,
    size_t cap);

#endif
