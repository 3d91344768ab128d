/* summary: DNS message parser (RFC 1035): header, questions, answers; bounded, no allocation. */
#ifndef APIARY_APP_APP_DNS_H
#define APIARY_APP_APP_DNS_H

#include <stddef.h>
#include <stdint.h>

/*
 * dns_parse() reads one DNS message (UDP payload, or a TCP message without
 * its 2-byte length) into a fixed-size struct: no allocation, so its memory
 * is bounded by sizeof(struct dns_msg) (about 13 KiB) whatever the input.
 * Names are decompressed with loop protection (a pointer must point before
 * the label that holds it; at most DNS_MAX_JUMPS jumps) and kept as raw
 * dotted bytes (no escaping; outputs escape them).  At most DNS_MAX_QUESTIONS
 * questions and DNS_MAX_ANSWERS answers are kept; the counts say how many
 * the message declared.
 */
#define DNS_NAME_MAX 256	/* dotted name, NUL included */
#define DNS_RDATA_MAX 256	/* rdata as text */
#define DNS_MAX_QUESTIONS 4
#define DNS_MAX_ANSWERS 24
#define DNS_MAX_JUMPS 32

struct dns_rr {
	char name[DNS_NAME_MAX];
	uint16_t name_len;
	uint16_t type, class;
	uint32_t ttl;
	char rdata[DNS_RDATA_MAX];	/* "" when the type is not rendered */
	uint16_t rdata_len;
};

struct dns_msg {
	uint16_t id;
	uint16_t flags;			/* QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode */
	uint16_t qdcount, ancount, nscount, arcount;
	uint16_t nquestions, nanswers;	/* kept */
	struct dns_rr q[DNS_MAX_QUESTIONS];
	struct dns_rr an[DNS_MAX_ANSWERS];
	uint8_t truncated_answers;	/* answers past the array or unparsable */
};

#define DNS_QR(m) (((m)->flags >> 15) & 1)
#define DNS_OPCODE(m) (((m)->flags >> 11) & 0xf)
#define DNS_RCODE(m) ((m)->flags & 0xf)

/* 0 if the header and every question parse (answers as far as they do), else -1. */
int dns_parse(const uint8_t *msg, size_t len, struct dns_msg *out);
/* "A", "AAAA", ... or the number as text in buf. */
const char *dns_type_name(uint16_t type, char buf[8]);
/* "NOERROR", "NXDOMAIN", ... or the number as text in buf. */
const char *dns_rcode_name(unsigned rcode, char buf[8]);
/* Strict check used by protocol detection: a plausible standard query or response. */
int dns_plausible(const uint8_t *msg, size_t len);

#endif
