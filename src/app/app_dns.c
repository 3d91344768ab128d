/* summary: DNS message parser (RFC 1035): header, questions, answers; bounded, no allocation. */
#include "app/app_dns.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Reads the (possibly compressed) name at *pos into out; *pos moves past it
 * in the message (not past the pointer targets).  -1 if malformed.  Names
 * longer than DNS_NAME_MAX - 1 bytes are malformed (RFC 1035: 255).
 */
static int
read_name(const uint8_t *m, size_t len, size_t *pos, char *out, uint16_t *outlen)
{
	size_t p = *pos, end_pos = 0, o = 0;
	int jumps = 0, jumped = 0;
	size_t limit = p;	/* pointers must point before this */

	for (;;) {
		uint8_t l;

		if (p >= len)
			return -1;
		l = m[p];
		if (l == 0) {
			p++;
			break;
		}
		if ((l & 0xc0) == 0xc0) {
			size_t target;

			if (p + 1 >= len || ++jumps > DNS_MAX_JUMPS)
				return -1;
			target = (size_t)((l & 0x3f) << 8 | m[p + 1]);
			if (target >= limit)
				return -1;	/* forward or self pointer: loop risk */
			if (!jumped) {
				end_pos = p + 2;
				jumped = 1;
			}
			limit = target;
			p = target;
			continue;
		}
		if ((l & 0xc0) != 0)
			return -1;	/* extended label types */
		if (p + 1 + l > len)
			return -1;
		if (o + (o > 0) + l >= DNS_NAME_MAX)
			return -1;
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, m + p + 1, l);
		o += l;
		p += 1 + (size_t)l;
	}
	out[o] = '\0';
	*outlen = (uint16_t)o;
	*pos = jumped ? end_pos : p;
	return 0;
}

static void
render_rdata(const uint8_t *m, size_t len, size_t rdpos, uint16_t rdlen,
    struct dns_rr *rr)
{
	size_t p = rdpos;
	uint16_t nl;

	rr->rdata[0] = '\0';
	rr->rdata_len = 0;
	switch (rr->type) {
	case 1:		/* A */
		if (rdlen == 4 && inet_ntop(AF_INET, m + rdpos, rr->rdata,
		    sizeof(rr->rdata)) != NULL)
			rr->rdata_len = (uint16_t)strlen(rr->rdata);
		break;
	case 28:	/* AAAA */
		if (rdlen == 16 && inet_ntop(AF_INET6, m + rdpos, rr->rdata,
		    sizeof(rr->rdata)) != NULL)
			rr->rdata_len = (uint16_t)strlen(rr->rdata);
		break;
	case 2: case 5: case 12:	/* NS, CNAME, PTR */
		if (read_name(m, len, &p, rr->rdata, &nl) == 0 && p <= rdpos + rdlen)
			rr->rdata_len = nl;
		else
			rr->rdata[0] = '\0';
		break;
	case 15:	/* MX: preference, exchange */
		p += 2;
		if (rdlen > 2 && read_name(m, len, &p, rr->rdata, &nl) == 0 &&
		    p <= rdpos + rdlen)
			rr->rdata_len = nl;
		else
			rr->rdata[0] = '\0';
		break;
	case 16: {	/* TXT: character strings, concatenated */
		size_t o = 0, e = rdpos + rdlen;

		while (p < e) {
			uint8_t l = m[p++];

			if (p + l > e)
				break;
			if (o + l >= sizeof(rr->rdata))
				l = (uint8_t)(sizeof(rr->rdata) - 1 - o);
			memcpy(rr->rdata + o, m + p, l);
			o += l;
			p += l;
		}
		rr->rdata[o] = '\0';
		rr->rdata_len = (uint16_t)o;
		break;
	}
	default:
		break;
	}
}

int
dns_parse(const uint8_t *m, size_t len, struct dns_msg *out)
{
	size_t pos = 12;

	memset(out, 0, offsetof(struct dns_msg, q));
	out->nquestions = out->nanswers = 0;
	out->truncated_answers = 0;
	if (len < 12)
		return -1;
	out->id = rd16(m);
	out->flags = rd16(m + 2);
	out->qdcount = rd16(m + 4);
	out->ancount = rd16(m + 6);
	out->nscount = rd16(m + 8);
	out->arcount = rd16(m + 10);
	for (unsigned i = 0; i < out->qdcount; i++) {
		struct dns_rr tmp, *q = i < DNS_MAX_QUESTIONS ? &out->q[i] : &tmp;

		if (read_name(m, len, &pos, q->name, &q->name_len) < 0 ||
		    pos + 4 > len)
			return -1;
		q->type = rd16(m + pos);
		q->class = rd16(m + pos + 2);
		q->ttl = 0;
		q->rdata[0] = '\0';
		q->rdata_len = 0;
		pos += 4;
		if (i < DNS_MAX_QUESTIONS)
			out->nquestions++;
	}
	for (unsigned i = 0; i < out->ancount; i++) {
		struct dns_rr tmp, *rr = i < DNS_MAX_ANSWERS ? &out->an[i] : &tmp;
		uint16_t rdlen;

		if (read_name(m, len, &pos, rr->name, &rr->name_len) < 0 ||
		    pos + 10 > len) {
			out->truncated_answers = 1;
			break;
		}
		rr->type = rd16(m + pos);
		rr->class = rd16(m + pos + 2);
		rr->ttl = (uint32_t)rd16(m + pos + 4) << 16 | rd16(m + pos + 6);
		rdlen = rd16(m + pos + 8);
		pos += 10;
		if (pos + rdlen > len) {
			out->truncated_answers = 1;
			break;
		}
		render_rdata(m, len, pos, rdlen, rr);
		pos += rdlen;
		if (i < DNS_MAX_ANSWERS)
			out->nanswers++;
		else
			out->truncated_answers = 1;
	}
	return 0;
}

int
dns_plausible(const uint8_t *m, size_t len)
{
	struct dns_msg *msg, buf;
	size_t pos = 12;
	char name[DNS_NAME_MAX];
	uint16_t nl;

	msg = &buf;
	if (len < 17 || len > 65535)
		return 0;
	if (rd16(m + 4) != 1 || ((rd16(m + 2) >> 11) & 0xf) > 5)
		return 0;
	if (rd16(m + 6) > 256 || rd16(m + 8) > 256 || rd16(m + 10) > 256)
		return 0;
	if (read_name(m, len, &pos, name, &nl) < 0 || pos + 4 > len)
		return 0;
	if (rd16(m + pos + 2) != 1 && rd16(m + pos + 2) != 255 &&
	    rd16(m + pos + 2) != 3)
		return 0;	/* class IN, ANY, CH */
	return dns_parse(m, len, msg) == 0;
}

const char *
dns_type_name(uint16_t type, char buf[8])
{
	static const struct { uint16_t t; const char *n; } names[] = {
		{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" },
		{ 12, "PTR" }, { 13, "HINFO" }, { 15, "MX" }, { 16, "TXT" },
		{ 28, "AAAA" }, { 33, "SRV" }, { 35, "NAPTR" }, { 41, "OPT" },
		{ 43, "DS" }, { 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" },
		{ 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" }, { 252, "AXFR" },
		{ 255, "ANY" }, { 257, "CAA" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].t == type)
			return names[i].n;
	snprintf(buf, 8, "%u", type);
	return buf;
}

const char *
dns_rcode_name(unsigned rcode, char buf[8])
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, 8, "%u", rcode);
	return buf;
}
