/* summary: unit tests for CPU lists: parse, format, availability, pinning a thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/cpuset.h"

static void
test_parse_format_roundtrip(void **state)
{
	static const struct { const char *in, *out; int count; } ok[] = {
		{ "0", "0", 1 },
		{ "3", "3", 1 },
		{ "0-3", "0-3", 4 },
		{ "0,2,4-6", "0,2,4-6", 5 },
		{ "5,1-2,3", "1-3,5", 4 },	/* sorted and merged */
		{ "7-7", "7", 1 },
	};
	cpu_set_t set;
	struct error err;
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (cpuset_parse(ok[i].in, &set, &err) != 0)
			fail_msg("'%s' rejected: %s", ok[i].in, err.msg);
		assert_int_equal(CPU_COUNT(&set), ok[i].count);
		cpuset_format(&set, out, sizeof(out));
		assert_string_equal(out, ok[i].out);
	}
	/* a short buffer truncates, never overflows */
	assert_int_equal(cpuset_parse("0,2,4,6,8,10,12", &set, &err), 0);
	cpuset_format(&set, out, 6);
	assert_string_equal(out, "0,2,4");
}

static void
test_parse_errors(void **state)
{
	static const char *bad[] = {
		"", ",", "0,", ",0", "a", "0-", "-1", "2-1", "0,,1", "1 2",
		"0x1", "99999", "1023-1024", "18446744073709551616",
	};
	cpu_set_t set;
	struct error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		error_clear(&err);
		if (cpuset_parse(bad[i], &set, &err) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err.msg, "CPU list"));
	}
}

static void
test_allowed_and_apply(void **state)
{
	cpu_set_t mine, set, got;
	struct error err;
	int first = -1;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(mine), &mine), 0);
	for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
		if (CPU_ISSET(c, &mine))
			first = c;
	assert_true(first >= 0);
	/* the last possible CPU is not on this machine */
	CPU_ZERO(&set);
	CPU_SET(CPU_SETSIZE - 1, &set);
	assert_int_equal(cpuset_check_allowed(&set, &err), -1);
	assert_non_null(strstr(err.msg, "CPU 1023 is not available"));
	/* one that is: this thread moves there, and back */
	CPU_ZERO(&set);
	CPU_SET(first, &set);
	assert_int_equal(cpuset_check_allowed(&set, &err), 0);
	assert_int_equal(cpuset_apply(pthread_self(), &set, &err), 0);
	assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof(got),
	    &got), 0);
	assert_true(CPU_EQUAL(&got, &set));
	assert_int_equal(cpuset_apply(pthread_self(), &mine, &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format_roundtrip),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_allowed_and_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
