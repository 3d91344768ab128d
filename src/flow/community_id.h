/* summary: Community ID v1 flow hashes (corelight/community-id-spec). */
#ifndef APIARY_FLOW_COMMUNITY_ID_H
#define APIARY_FLOW_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

#include "net/addr.h"

/*
 * "1:" + base64(SHA-1(seed . saddr . daddr . proto . 0 . sport . dport)),
 * endpoints ordered so the smaller (address, port) comes first.  For ICMP
 * and ICMPv6, sport/dport are the message type and code: they are mapped
 * as the spec says (a request and its reply give the same id; one-way
 * types keep code as the port).  For protocols without ports pass 0, 0
 * (the hash then omits the port fields, as the spec says).
 */
#define COMMUNITY_ID_LEN 32	/* 30 chars + NUL, rounded */

/* out gets the NUL-terminated id.  Returns 0, or -1 if the families differ. */
int community_id_v1(uint16_t seed, const struct addr *src, const struct addr *dst,
    uint8_t proto, uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_LEN]);

/*
 * The SHA-1 is computed on the stack (no allocation, no lock), so the
 * hasher holds nothing any more; it is kept for callers written
 * against it.  NULL is accepted wherever a hasher is; results are equal.
 */
struct community_id_hasher;
struct community_id_hasher *community_id_hasher_new(void);
void community_id_hasher_free(struct community_id_hasher *h);
int community_id_v1_with(struct community_id_hasher *h, uint16_t seed,
    const struct addr *src, const struct addr *dst, uint8_t proto,
    uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_LEN]);

/* ICMP counterpart type for keying (echo request <-> reply, ...); sets
 * *one_way when the type has no counterpart. */
uint8_t community_id_icmp_counterpart(int v6, uint8_t type, int *one_way);

#endif
