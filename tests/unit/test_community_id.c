/* summary: unit tests for flow/community_id against the spec's published baselines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "flow/community_id.h"

/* from <sanitizer/allocator_interface.h>, which gcc does not ship */
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *));

/*
 * corelight/community-id-spec baseline/baseline_deflt.json (seed 0) and
 * baseline_seed1.json (seed 1).  For ICMP the sport/dport columns are the
 * message type and code.
 */
struct vec {
	uint8_t proto;
	const char *saddr, *daddr;
	uint16_t sport, dport;
	const char *seed0, *seed1;
};

static const struct vec vecs[] = {
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
	  "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135,
	  "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
	  "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=" },
	{ 58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 136, 135,
	  "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=" },
	{ 58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
	  "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4=" },
	{ 58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
	  "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=" },
	{ 58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
	  "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=" },
	{ 58, "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 129, 128,
	  "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=" },
	{ 58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134,
	  "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8=" },
	{ 58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133,
	  "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc=" },
	{ 1, "192.168.0.89", "192.168.0.1", 8, 0,
	  "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ 1, "192.168.0.1", "192.168.0.89", 0, 8,
	  "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
	{ 1, "10.0.0.1", "10.0.0.2", 11, 0,
	  "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20=" },
	{ 6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
	  "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
	{ 6, "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 25, 63943,
	  "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw=" },
	{ 132, "192.168.170.8", "192.168.170.56", 7, 7,
	  "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=" },
	{ 132, "192.168.170.56", "192.168.170.8", 7, 7,
	  "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=" },
	{ 6, "128.232.110.120", "66.35.250.204", 34855, 80,
	  "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ 6, "66.35.250.204", "128.232.110.120", 80, 34855,
	  "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
	{ 17, "192.168.1.52", "8.8.8.8", 54585, 53,
	  "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	{ 17, "8.8.8.8", "192.168.1.52", 53, 54585,
	  "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
	{ 46, "10.1.12.1", "10.1.12.2", 0, 0,
	  "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=" },
	{ 46, "10.1.12.2", "10.1.12.1", 0, 0,
	  "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI=" },
};

static void
test_baseline(void **state)
{
	struct addr s, d;
	char out[COMMUNITY_ID_LEN];
	struct community_id_hasher *h = community_id_hasher_new();
	size_t i;

	assert_non_null(h);
	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		assert_int_equal(addr_parse(vecs[i].saddr, &s), 0);
		assert_int_equal(addr_parse(vecs[i].daddr, &d), 0);
		assert_int_equal(community_id_v1(0, &s, &d, vecs[i].proto,
		    vecs[i].sport, vecs[i].dport, out), 0);
		assert_string_equal(out, vecs[i].seed0);
		assert_int_equal(community_id_v1(1, &s, &d, vecs[i].proto,
		    vecs[i].sport, vecs[i].dport, out), 0);
		assert_string_equal(out, vecs[i].seed1);
		/* the reusable hasher gives the same, call after call */
		assert_int_equal(community_id_v1_with(h, 0, &s, &d, vecs[i].proto,
		    vecs[i].sport, vecs[i].dport, out), 0);
		assert_string_equal(out, vecs[i].seed0);
		assert_int_equal(community_id_v1_with(h, 1, &s, &d, vecs[i].proto,
		    vecs[i].sport, vecs[i].dport, out), 0);
		assert_string_equal(out, vecs[i].seed1);
	}
	community_id_hasher_free(h);
}

static void
test_errors(void **state)
{
	struct addr s, d;
	char out[COMMUNITY_ID_LEN];
	int one_way;

	assert_int_equal(addr_parse("192.0.2.1", &s), 0);
	assert_int_equal(addr_parse("2001:db8::1", &d), 0);
	assert_int_equal(community_id_v1(0, &s, &d, 6, 1, 2, out), -1);
	assert_string_equal(out, "");
	assert_int_equal(community_id_icmp_counterpart(0, 8, &one_way), 0);
	assert_false(one_way);
	(void)community_id_icmp_counterpart(0, 3, &one_way);
	assert_true(one_way);
	assert_int_equal(community_id_icmp_counterpart(1, 135, &one_way), 136);
}

static int counting;
static unsigned long mallocs_seen;

static void
count_malloc(const volatile void *ptr, size_t size)
{
	(void)ptr;
	(void)size;
	if (counting)
		mallocs_seen++;
}

static void
count_free(const volatile void *ptr)
{
	(void)ptr;
}

/* One id per written flow: a SYN flood is one per packet, so no malloc. */
static void
test_no_allocation(void **state)
{
	struct addr s, d;
	char out[COMMUNITY_ID_LEN];

	assert_int_equal(addr_parse("192.0.2.1", &s), 0);
	assert_int_equal(addr_parse("198.51.100.2", &d), 0);
	assert_true(__sanitizer_install_malloc_and_free_hooks(count_malloc,
	    count_free) != 0);
	(void)community_id_v1(0, &s, &d, 6, 1, 2, out);	/* any lazy init */
	counting = 1;
	for (uint16_t port = 1; port <= 1000; port++)
		assert_int_equal(community_id_v1(0, &s, &d, 6, port, 80, out), 0);
	counting = 0;
	assert_int_equal(mallocs_seen, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_no_allocation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
