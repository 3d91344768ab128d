/* summary: unit tests for core/units: sizes, durations, rates, bit rates. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/timefmt.h"
#include "core/units.h"

static void
test_size(void **state)
{
	uint64_t v;

	assert_int_equal(parse_size("100M", &v), 0);
	assert_int_equal(v, 100ull << 20);
	assert_int_equal(parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("2gb", &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(parse_size("12X", &v), -1);
	assert_int_equal(parse_size("", &v), -1);
	assert_int_equal(parse_size("-1", &v), -1);
	assert_int_equal(parse_size("99999999999999999999T", &v), -1);
}

static void
test_rate(void **state)
{
	uint64_t n, w;

	assert_int_equal(parse_rate("20/hour", &n, &w), 0);
	assert_int_equal(n, 20);
	assert_int_equal(w, 3600 * NSEC_PER_SEC);
	assert_int_equal(parse_rate("5/minute", &n, &w), 0);
	assert_int_equal(w, 60 * NSEC_PER_SEC);
	assert_int_equal(parse_rate("5/fortnight", &n, &w), -1);
	assert_int_equal(parse_rate("5", &n, &w), -1);
}

static void
test_bitrate_duration(void **state)
{
	uint64_t v;

	assert_int_equal(parse_bitrate("1mbit", &v), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(parse_bitrate("1mbps", &v), 0);
	assert_int_equal(v, 8000000);
	assert_int_equal(parse_bitrate("fast", &v), -1);
	assert_int_equal(parse_duration("500ms", &v), 0);
	assert_int_equal(v, 500000000);
	assert_int_equal(parse_duration("2h", &v), 0);
	assert_int_equal(v, 7200 * NSEC_PER_SEC);
	assert_int_equal(parse_duration("30", &v), 0);
	assert_int_equal(v, 30 * NSEC_PER_SEC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_bitrate_duration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
