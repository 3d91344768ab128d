/* summary: IPv4/IPv6 addresses, CIDR prefixes and their text forms. */
#include "net/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
addr_from_v4(struct addr *a, const uint8_t b[4])
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	memcpy(a->b, b, 4);
}

void
addr_from_v6(struct addr *a, const uint8_t b[16])
{
	memset(a, 0, sizeof(*a));
	a->family = 6;
	memcpy(a->b, b, 16);
}

int
addr_cmp(const struct addr *x, const struct addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->b, y->b, 16);
}

int
addr_is_zero(const struct addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->b, zero, 16) == 0;
}

const char *
addr_str(const struct addr *a, char out[ADDR_STRLEN])
{
	if (a->family == 4)
		inet_ntop(AF_INET, a->b, out, ADDR_STRLEN);
	else if (a->family == 6)
		inet_ntop(AF_INET6, a->b, out, ADDR_STRLEN);
	else
		snprintf(out, ADDR_STRLEN, "-");
	return out;
}

int
addr_parse(const char *s, struct addr *a)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, s, b) == 1) {
		addr_from_v4(a, b);
		return 0;
	}
	if (inet_pton(AF_INET6, s, b) == 1) {
		addr_from_v6(a, b);
		return 0;
	}
	return -1;
}

static void
mask(struct addr *a, unsigned len)
{
	unsigned total = a->family == 4 ? 32 : 128;

	for (unsigned bit = len; bit < total; bit++)
		a->b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

int
prefix_parse(const char *s, struct prefix *p)
{
	char tmp[ADDR_STRLEN + 8], *slash, *end;
	unsigned long len;

	if (strlen(s) >= sizeof(tmp))
		return -1;
	strcpy(tmp, s);
	slash = strchr(tmp, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (addr_parse(tmp, &p->addr) == -1)
		return -1;
	if (slash == NULL) {
		p->len = p->addr.family == 4 ? 32 : 128;
		return 0;
	}
	if (*slash < '0' || *slash > '9')
		return -1;
	len = strtoul(slash, &end, 10);
	if (*end != '\0' || len > (p->addr.family == 4 ? 32u : 128u))
		return -1;
	p->len = (uint8_t)len;
	mask(&p->addr, p->len);
	return 0;
}

int
prefix_contains(const struct prefix *p, const struct addr *a)
{
	unsigned full, rem;

	if (p->addr.family != a->family)
		return 0;
	full = p->len / 8;
	rem = p->len % 8;
	if (memcmp(p->addr.b, a->b, full) != 0)
		return 0;
	if (rem == 0)
		return 1;
	return ((p->addr.b[full] ^ a->b[full]) & (uint8_t)(0xff00u >> rem)) == 0;
}

const char *
prefix_str(const struct prefix *p, char out[ADDR_STRLEN + 4])
{
	char a[ADDR_STRLEN];

	snprintf(out, ADDR_STRLEN + 4, "%s/%u", addr_str(&p->addr, a), p->len);
	return out;
}
