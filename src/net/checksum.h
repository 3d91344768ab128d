/* summary: Internet checksums: IPv4 header, TCP/UDP/ICMP(v6), RFC 1624 updates. */
#ifndef APIARY_NET_CHECKSUM_H
#define APIARY_NET_CHECKSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * All results are in network byte order *as stored*: memcpy the uint16_t
 * returned into the header field (no htons).  This is the natural form of
 * the one's-complement sum, which is byte-order independent (RFC 1071).
 *
 *   uint16_t c = ip_checksum(hdr, hlen);   memcpy(hdr + 10, &c, 2);
 *
 * The verify helpers return true when the stored checksum is right.
 */

/* 32-bit accumulator of 16-bit words (RFC 1071); chain calls, then fold. */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum);
/* Folds and complements an accumulator into the final checksum. */
uint16_t csum_fold(uint32_t sum);

/* Internet checksum of a buffer (the checksum field must be zero or is
 * included: a buffer with a correct checksum sums to 0). */
uint16_t inet_checksum(const void *data, size_t len);

/* IPv4 header checksum over hlen bytes, with the field (bytes 10-11)
 * taken as zero whatever it holds. */
uint16_t ip_checksum(const uint8_t *hdr, size_t hlen);
bool ip_checksum_ok(const uint8_t *hdr, size_t hlen);

/*
 * TCP, UDP or ICMPv6 checksum of segment [l4, l4 + len) under the
 * pseudo-header of the given addresses (4 or 16 bytes, as `family` 4/6)
 * and protocol; the checksum field inside the segment is taken as zero
 * (TCP offset 16, UDP 6, ICMPv6 2).  For UDP a computed 0 is returned as
 * 0xffff (RFC 768).  ICMP over IPv4 has no pseudo-header: use
 * inet_checksum over the message.
 */
uint16_t l4_checksum(int family, const uint8_t *src, const uint8_t *dst,
    uint8_t proto, const uint8_t *l4, size_t len);
/* True if the stored checksum is right (UDP over IPv4: 0 means none, ok). */
bool l4_checksum_ok(int family, const uint8_t *src, const uint8_t *dst,
    uint8_t proto, const uint8_t *l4, size_t len);

/*
 * RFC 1624 incremental update (eqn. 3: HC' = ~(~HC + ~m + m')): the new
 * checksum after a 16-bit word of the covered data changes from old_word
 * to new_word (both as stored, i.e. read with memcpy).  csum_update_bytes
 * does the same for a changed run of bytes starting at an even or odd
 * offset of the covered data (pass the offset parity as `odd`).
 */
uint16_t csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);
uint16_t csum_update_bytes(uint16_t csum, const uint8_t *old_bytes,
    const uint8_t *new_bytes, size_t len, bool odd);

#endif
