/* summary: Community ID v1 flow hashes (corelight/community-id-spec). */
#include "flow/community_id.h"

#include <stdlib.h>
#include <string.h>

/* SHA1_Init & co. are deprecated in OpenSSL 3; see sha1() for why. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

/*
 * The ICMP "ports" follow the spec's reference implementation (itself
 * Zeek's ICMP4_counterpart/ICMP6_counterpart): a request type and its
 * reply type form the port pair, so both directions hash alike; a type
 * with no counterpart is one-way, keeps (type, code) and is not reordered.
 */
uint8_t
community_id_icmp_counterpart(int v6, uint8_t type, int *one_way)
{
	int r = -1;

	if (!v6) {
		switch (type) {
		case 8: r = 0; break;	/* echo -> echo reply */
		case 0: r = 8; break;
		case 13: r = 14; break;	/* timestamp */
		case 14: r = 13; break;
		case 15: r = 16; break;	/* information */
		case 16: r = 15; break;
		case 10: r = 9; break;	/* router solicitation -> advert */
		case 17: r = 18; break;	/* address mask */
		case 18: r = 17; break;
		}
	} else {
		switch (type) {
		case 128: r = 129; break;	/* echo */
		case 129: r = 128; break;
		case 133: r = 134; break;	/* router solicitation */
		case 134: r = 133; break;
		case 135: r = 136; break;	/* neighbor solicitation */
		case 136: r = 135; break;
		case 130: r = 131; break;	/* MLD query / report */
		case 131: r = 130; break;
		case 139: r = 140; break;	/* node information */
		case 140: r = 139; break;
		case 144: r = 145; break;	/* home agent address discovery */
		case 145: r = 144; break;
		}
	}
	*one_way = r < 0;
	return r < 0 ? 0 : (uint8_t)r;
}

static int
endpoint_less(const uint8_t *a1, const uint8_t *a2, size_t alen, uint16_t p1,
    uint16_t p2)
{
	int c = memcmp(a1, a2, alen);

	return c < 0 || (c == 0 && p1 < p2);
}

static void
base64(const uint8_t *in, size_t len, char *out)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	char *o = out;

	for (i = 0; i + 2 < len; i += 3) {
		*o++ = tbl[in[i] >> 2];
		*o++ = tbl[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*o++ = tbl[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*o++ = tbl[in[i + 2] & 63];
	}
	if (len - i == 1) {
		*o++ = tbl[in[i] >> 2];
		*o++ = tbl[(in[i] & 3) << 4];
		*o++ = '=';
		*o++ = '=';
	} else if (len - i == 2) {
		*o++ = tbl[in[i] >> 2];
		*o++ = tbl[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*o++ = tbl[(in[i + 1] & 15) << 2];
		*o++ = '=';
	}
	*o = '\0';
}

/*
 * Why OpenSSL's low-level SHA1_Init/Update/Final (deprecated in OpenSSL 3,
 * still shipped by every 3.x): the EVP path allocates.  OpenSSL 3's SHA1()
 * fetches the algorithm under a lock and allocates a context (~470 ns per
 * id here), and even a kept EVP_MD + EVP_MD_CTX allocates a new provider
 * context on every EVP_DigestInit_ex (~150 ns and one malloc per id: one
 * malloc per flow written, i.e. per packet in a SYN flood).  The
 * low-level calls work on a stack SHA_CTX with the same assembly (SHA-NI
 * where the CPU has it): ~75 ns, no allocation, no lock.  A portable C
 * SHA-1 was tried and measured at ~600 ns.  Should a future OpenSSL drop
 * these calls, the build fails here rather than silently slowing down.
 */
static void
sha1(const uint8_t *in, size_t n, uint8_t md[SHA_DIGEST_LENGTH])
{
	SHA_CTX c;

	SHA1_Init(&c);
	SHA1_Update(&c, in, n);
	SHA1_Final(md, &c);
}

/*
 * The hasher once kept OpenSSL's fetched EVP_MD and context; with the
 * allocation-free SHA-1 above it holds nothing, and is kept so callers
 * need not change (NULL and a hasher give the same result).
 */
struct community_id_hasher {
	int unused;
};

struct community_id_hasher *
community_id_hasher_new(void)
{
	return calloc(1, sizeof(struct community_id_hasher));
}

void
community_id_hasher_free(struct community_id_hasher *h)
{
	free(h);
}

int
community_id_v1(uint16_t seed, const struct addr *src, const struct addr *dst,
    uint8_t proto, uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_LEN])
{
	return community_id_v1_with(NULL, seed, src, dst, proto, sport, dport, out);
}

int
community_id_v1_with(struct community_id_hasher *h, uint16_t seed,
    const struct addr *src, const struct addr *dst,
    uint8_t proto, uint16_t sport, uint16_t dport, char out[COMMUNITY_ID_LEN])
{
	uint8_t in[2 + 16 + 16 + 1 + 1 + 2 + 2], md[SHA_DIGEST_LENGTH];
	size_t alen, n = 0;
	const uint8_t *a1 = src->b, *a2 = dst->b;
	uint16_t p1 = sport, p2 = dport;
	int one_way = 0, has_ports;

	out[0] = '\0';
	if (src->family != dst->family || (src->family != 4 && src->family != 6))
		return -1;
	alen = src->family == 4 ? 4 : 16;
	has_ports = proto == 6 || proto == 17 || proto == 132 || proto == 1 ||
	    proto == 58;
	if (proto == 1 || proto == 58)
		p2 = community_id_icmp_counterpart(proto == 58, (uint8_t)sport,
		    &one_way);
	if (one_way)
		p2 = dport;
	if (!one_way && !endpoint_less(a1, a2, alen, p1, p2)) {
		const uint8_t *ta = a1;
		uint16_t tp = p1;

		/* equal endpoints keep their order, as in the reference */
		if (memcmp(a1, a2, alen) != 0 || p1 != p2) {
			a1 = a2;
			a2 = ta;
			p1 = p2;
			p2 = tp;
		}
	}
	in[n++] = (uint8_t)(seed >> 8);
	in[n++] = (uint8_t)seed;
	memcpy(in + n, a1, alen);
	n += alen;
	memcpy(in + n, a2, alen);
	n += alen;
	in[n++] = proto;
	in[n++] = 0;
	if (has_ports) {
		in[n++] = (uint8_t)(p1 >> 8);
		in[n++] = (uint8_t)p1;
		in[n++] = (uint8_t)(p2 >> 8);
		in[n++] = (uint8_t)p2;
	}
	(void)h;
	sha1(in, n, md);
	out[0] = '1';
	out[1] = ':';
	base64(md, sizeof(md), out + 2);
	return 0;
}
