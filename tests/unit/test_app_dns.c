/* summary: unit tests for app/app_dns: queries, answers, compression, malformed and hostile names. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "app/app_dns.h"

/* A query for www.example.com A, id 0x1234, RD. */
static const uint8_t query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0x00, 0x01, 0x00, 0x01,
};

static void
test_query(void **state)
{
	struct dns_msg m;
	char tb[8];

	(void)state;
	assert_int_equal(dns_parse(query, sizeof(query), &m), 0);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(DNS_QR(&m), 0);
	assert_int_equal(m.nquestions, 1);
	assert_string_equal(m.q[0].name, "www.example.com");
	assert_int_equal(m.q[0].name_len, 15);
	assert_string_equal(dns_type_name(m.q[0].type, tb), "A");
	assert_true(dns_plausible(query, sizeof(query)));
}

static void
test_answer_compressed(void **state)
{
	uint8_t r[512];
	size_t n = sizeof(query);
	struct dns_msg m;
	char rb[8];
	static const uint8_t ans[] = {
		/* www.example.com CNAME web.example.com (name pointer to 12) */
		0xc0, 0x0c, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x06,
		3, 'w', 'e', 'b', 0xc0, 0x10,
		/* web.example.com A 192.0.2.7 (pointer to the CNAME's rdata) */
		0xc0, 0x2d, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04,
		192, 0, 2, 7,
	};

	(void)state;
	memcpy(r, query, n);
	r[2] = 0x81;
	r[3] = 0x80;	/* QR RD RA NOERROR */
	r[7] = 2;	/* ancount */
	memcpy(r + n, ans, sizeof(ans));
	n += sizeof(ans);
	assert_int_equal(dns_parse(r, n, &m), 0);
	assert_int_equal(DNS_QR(&m), 1);
	assert_string_equal(dns_rcode_name(DNS_RCODE(&m), rb), "NOERROR");
	assert_int_equal(m.nanswers, 2);
	assert_string_equal(m.an[0].name, "www.example.com");
	assert_int_equal(m.an[0].type, 5);
	assert_string_equal(m.an[0].rdata, "web.example.com");
	assert_int_equal(m.an[0].ttl, 3600);
	assert_string_equal(m.an[1].name, "web.example.com");
	assert_string_equal(m.an[1].rdata, "192.0.2.7");
	assert_int_equal(m.truncated_answers, 0);
}

static void
test_pointer_loop_rejected(void **state)
{
	uint8_t m[64];
	struct dns_msg out;

	(void)state;
	memset(m, 0, sizeof(m));
	m[5] = 1;		/* qdcount 1 */
	m[12] = 0xc0;		/* pointer to itself */
	m[13] = 12;
	assert_int_equal(dns_parse(m, 18, &out), -1);
	/* forward pointer */
	m[13] = 20;
	assert_int_equal(dns_parse(m, 30, &out), -1);
	/* two labels pointing at each other: 12 -> 14, 14 -> 12 */
	m[12] = 1; m[13] = 'a'; m[14] = 0xc0; m[15] = 12;
	assert_int_equal(dns_parse(m, 20, &out), -1);
}

static void
test_truncated_and_long_names(void **state)
{
	uint8_t m[600];
	struct dns_msg out;
	size_t p = 12;

	(void)state;
	for (size_t i = 1; i < sizeof(query); i++)
		assert_int_equal(dns_parse(query, sizeof(query) - i, &out), -1);
	/* a 300-byte name (5 labels of 59) is refused: the bound is 255 */
	memset(m, 0, sizeof(m));
	m[5] = 1;
	for (int l = 0; l < 5; l++) {
		m[p++] = 59;
		memset(m + p, 'a', 59);
		p += 59;
	}
	m[p++] = 0;
	m[p + 1] = 1;
	m[p + 3] = 1;
	p += 4;
	assert_int_equal(dns_parse(m, p, &out), -1);
	assert_false(dns_plausible(m, p));
}

static void
test_answers_bounded(void **state)
{
	static uint8_t r[4096];
	size_t n = sizeof(query);
	struct dns_msg m;

	(void)state;
	memcpy(r, query, n);
	r[2] = 0x81;
	r[6] = 0;
	r[7] = 40;	/* 40 answers: more than DNS_MAX_ANSWERS are counted only */
	for (int i = 0; i < 40; i++) {
		static const uint8_t a[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4,
			198, 51, 100, 1 };
		memcpy(r + n, a, sizeof(a));
		n += sizeof(a);
	}
	assert_int_equal(dns_parse(r, n, &m), 0);
	assert_int_equal(m.ancount, 40);
	assert_int_equal(m.nanswers, DNS_MAX_ANSWERS);
	assert_int_equal(m.truncated_answers, 1);
	assert_string_equal(m.an[DNS_MAX_ANSWERS - 1].rdata, "198.51.100.1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_answer_compressed),
		cmocka_unit_test(test_pointer_loop_rejected),
		cmocka_unit_test(test_truncated_and_long_names),
		cmocka_unit_test(test_answers_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
