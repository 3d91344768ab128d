/* summary: Internet checksums: IPv4 header, TCP/UDP/ICMP(v6), RFC 1624 updates. */
#include "net/checksum.h"

#include <string.h>

/*
 * The one's-complement sum is computed on 16-bit words loaded in host
 * order (memcpy): RFC 1071 shows the result is then the checksum in the
 * same byte order as stored, so no byte swapping is needed anywhere.
 */

static uint32_t
fold32(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

static uint16_t
fold16(uint64_t s)
{
	uint32_t t = fold32(s);
	t = (t & 0xffff) + (t >> 16);
	t = (t & 0xffff) + (t >> 16);
	return (uint16_t)t;
}

uint32_t
csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = sum;
	while (len >= 8) {
		uint32_t a, b;
		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		s += (uint64_t)a + b;
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		s += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t w = 0;
		memcpy(&w, p, 1);
		s += w;
	}
	return fold32(s);
}

uint16_t
csum_fold(uint32_t sum)
{
	return (uint16_t)~fold16(sum);
}

uint16_t
inet_checksum(const void *data, size_t len)
{
	return csum_fold(csum_partial(data, len, 0));
}

uint16_t
ip_checksum(const uint8_t *hdr, size_t hlen)
{
	uint16_t field = 0;
	if (hlen >= 12)
		memcpy(&field, hdr + 10, 2);
	uint64_t s = csum_partial(hdr, hlen, 0);
	s += (uint16_t)~field;		/* subtract the stored field */
	return csum_fold(fold32(s));
}

bool
ip_checksum_ok(const uint8_t *hdr, size_t hlen)
{
	return hlen >= 20 && inet_checksum(hdr, hlen) == 0;
}

static uint32_t
pseudo_sum(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    size_t len)
{
	uint8_t ph[40];
	size_t n;
	if (family == 4) {
		memcpy(ph, src, 4);
		memcpy(ph + 4, dst, 4);
		ph[8] = 0;
		ph[9] = proto;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		n = 12;
	} else {
		memcpy(ph, src, 16);
		memcpy(ph + 16, dst, 16);
		ph[32] = (uint8_t)(len >> 24);
		ph[33] = (uint8_t)(len >> 16);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = proto;
		n = 40;
	}
	return csum_partial(ph, n, 0);
}

static size_t
csum_field_offset(uint8_t proto)
{
	switch (proto) {
	case 6:
		return 16;
	case 17:
		return 6;
	default:
		return 2;	/* ICMPv6, ICMP */
	}
}

uint16_t
l4_checksum(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    const uint8_t *l4, size_t len)
{
	uint64_t s = pseudo_sum(family, src, dst, proto, len);
	s += csum_partial(l4, len, 0);
	size_t off = csum_field_offset(proto);
	if (len >= off + 2) {
		uint16_t field;
		memcpy(&field, l4 + off, 2);
		s += (uint16_t)~field;
	}
	uint16_t c = csum_fold(fold32(s));
	if (proto == 17 && c == 0)
		c = 0xffff;
	return c;
}

bool
l4_checksum_ok(int family, const uint8_t *src, const uint8_t *dst,
    uint8_t proto, const uint8_t *l4, size_t len)
{
	size_t off = csum_field_offset(proto);
	if (len < off + 2)
		return false;
	if (proto == 17 && family == 4 && l4[6] == 0 && l4[7] == 0)
		return true;
	uint64_t s = pseudo_sum(family, src, dst, proto, len);
	s += csum_partial(l4, len, 0);
	return csum_fold(fold32(s)) == 0;
}

uint16_t
csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
	uint64_t s = (uint16_t)~csum;
	s += (uint16_t)~old_word;
	s += new_word;
	return (uint16_t)~fold16(s);
}

/* Sum of bytes placed at stored positions odd, odd + 1, ... */
static uint64_t
sum_at(const uint8_t *b, size_t len, bool odd, bool complement)
{
	uint64_t s = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t pair[2] = { 0, 0 };
		pair[(i + (odd ? 1 : 0)) & 1] = b[i];
		uint16_t w;
		memcpy(&w, pair, 2);
		s += complement ? (uint16_t)~w : w;
	}
	return s;
}

uint16_t
csum_update_bytes(uint16_t csum, const uint8_t *old_bytes,
    const uint8_t *new_bytes, size_t len, bool odd)
{
	uint64_t s = (uint16_t)~csum;
	s += sum_at(old_bytes, len, odd, true);
	s += sum_at(new_bytes, len, odd, false);
	return (uint16_t)~fold16(s);
}
