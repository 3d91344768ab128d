/* summary: unit tests for core/timefmt: EVE, RFC 3339 and epoch forms, parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/timefmt.h"

static void
test_format(void **state)
{
	char out[TIMEFMT_LEN];
	uint64_t ns = 1695017621ull * NSEC_PER_SEC + 532140999ull;

	timefmt_eve(ns, out);
	assert_string_equal(out, "2023-09-18T06:13:41.532140+0000");
	timefmt_rfc3339(ns, out);
	assert_string_equal(out, "2023-09-18T06:13:41.532140Z");
	timefmt_epoch(ns, out);
	assert_string_equal(out, "1695017621.532140");
}

static void
test_parse(void **state)
{
	uint64_t ns;

	assert_int_equal(time_parse("2023-09-18T06:13:41.532140+0000", &ns), 0);
	assert_int_equal(ns, 1695017621ull * NSEC_PER_SEC + 532140000ull);
	assert_int_equal(time_parse("2023-09-18T08:13:41+02:00", &ns), 0);
	assert_int_equal(ns, 1695017621ull * NSEC_PER_SEC);
	assert_int_equal(time_parse("2023-09-18", &ns), 0);
	assert_int_equal(ns, 1694995200ull * NSEC_PER_SEC);
	assert_int_equal(time_parse("1695017621", &ns), 0);
	assert_int_equal(ns, 1695017621ull * NSEC_PER_SEC);
	assert_int_equal(time_parse("2023-13-01", &ns), -1);
	assert_int_equal(time_parse("yesterday", &ns), -1);
	assert_int_equal(time_parse("", &ns), -1);
	/* found by fuzz_agent_record: too large for 64-bit nanoseconds */
	assert_int_equal(time_parse("99999999999999999999", &ns), -1);
	assert_int_equal(time_parse("1.5e99", &ns), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
