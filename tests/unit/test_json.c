/* summary: unit tests for core/json: nesting, commas, escaping, bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/json.h"

static void
test_nesting(void **state)
{
	struct buf b;
	struct json j;

	buf_init(&b, 0);
	json_init(&j, &b);
	json_object_begin(&j);
	json_kv_str(&j, "event_type", "flow");
	json_kv_uint(&j, "src_port", 1234);
	json_key(&j, "list");
	json_array_begin(&j);
	json_uint(&j, 1);
	json_str(&j, "two");
	json_object_begin(&j);
	json_object_end(&j);
	json_array_end(&j);
	json_key(&j, "flow");
	json_object_begin(&j);
	json_kv_int(&j, "age", -3);
	json_kv_bool(&j, "alerted", 0);
	json_object_end(&j);
	json_object_end(&j);
	assert_false(json_failed(&j));
	assert_string_equal(buf_cstr(&b),
	    "{\"event_type\":\"flow\",\"src_port\":1234,\"list\":[1,\"two\",{}],"
	    "\"flow\":{\"age\":-3,\"alerted\":false}}");
	buf_free(&b);
}

static void
test_escaping(void **state)
{
	struct buf b;
	/* quote, backslash, control, valid UTF-8 (é), invalid byte, overlong */
	const char in[] = "a\"b\\c\n\x01\xc3\xa9\xff\xc0\xaf";

	buf_init(&b, 0);
	assert_int_equal(json_escape(&b, in, sizeof(in) - 1), 0);
	assert_string_equal(buf_cstr(&b),
	    "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\u00ff\\u00c0\\u00af\"");
	buf_free(&b);
}

static void
test_bound(void **state)
{
	struct buf b;
	struct json j;
	char big[200];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 64);
	json_init(&j, &b);
	json_object_begin(&j);
	json_kv_str(&j, "k", big);
	json_object_end(&j);
	assert_true(json_failed(&j));
	assert_true(b.len <= 64);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
