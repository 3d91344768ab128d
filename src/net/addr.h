/* summary: IPv4/IPv6 addresses, CIDR prefixes and their text forms. */
#ifndef APIARY_NET_ADDR_H
#define APIARY_NET_ADDR_H

#include <stddef.h>
#include <stdint.h>

/*
 * One type for both families.  IPv4 is stored in the first four bytes of
 * `b` (network order) with the rest zero, so two addresses compare with
 * memcmp over the whole struct.
 */
struct addr {
	uint8_t family;		/* 4 or 6; 0 = none */
	uint8_t pad[3];
	uint8_t b[16];
};

struct prefix {
	struct addr addr;	/* host bits cleared */
	uint8_t len;		/* 0..32 or 0..128 */
};

#define ADDR_STRLEN 48

void addr_from_v4(struct addr *a, const uint8_t b[4]);
void addr_from_v6(struct addr *a, const uint8_t b[16]);
int addr_cmp(const struct addr *x, const struct addr *y);
int addr_is_zero(const struct addr *a);
/* Text form as inet_ntop writes it. */
const char *addr_str(const struct addr *a, char out[ADDR_STRLEN]);
int addr_parse(const char *s, struct addr *a);
/* "192.0.2.0/24", "2001:db8::/32", or an address (full length). */
int prefix_parse(const char *s, struct prefix *p);
int prefix_contains(const struct prefix *p, const struct addr *a);
const char *prefix_str(const struct prefix *p, char out[ADDR_STRLEN + 4]);

#endif
