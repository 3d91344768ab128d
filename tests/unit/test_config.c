/* summary: unit tests for core/config: statements, blocks, quoting, errors with file:line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"

static struct config *
parse_ok(const char *text)
{
	struct config *cfg = NULL;
	struct error err;

	error_clear(&err);
	if (config_parse("t.conf", text, strlen(text), &cfg, &err) != 0)
		fail_msg("unexpected error: %s", err.msg);
	return cfg;
}

static void
parse_bad(const char *text, const char *expect)
{
	struct config *cfg = NULL;
	struct error err;

	error_clear(&err);
	assert_int_equal(config_parse("t.conf", text, strlen(text), &cfg, &err), -1);
	assert_null(cfg);
	if (strstr(err.msg, expect) == NULL)
		fail_msg("error '%s' lacks '%s'", err.msg, expect);
}

static void
test_issue_example(void **state)
{
	struct config *cfg = parse_ok(
	    "honeynet-interface hn0\n"
	    "uplink-interface   up0\n"
	    "honeypot 203.0.113.10 { limit tcp 20/hour; limit udp 20/hour; "
	    "limit icmp 50/hour; limit other 10/hour; bandwidth 1mbit }\n"
	    "allow out udp to 192.0.2.53 port 53      # legal DNS, not counted\n"
	    "\n# a comment line\n"
	    "fence out tcp port 25\n");

	assert_int_equal(cfg->nstmts, 5);
	assert_int_equal(cfg->stmts[0].argc, 2);
	assert_string_equal(cfg->stmts[0].argv[1], "hn0");
	assert_int_equal(cfg->stmts[2].line, 3);
	assert_true(cfg->stmts[2].has_block);
	assert_int_equal(cfg->stmts[2].nchildren, 5);
	assert_string_equal(cfg->stmts[2].children[4].argv[0], "bandwidth");
	assert_int_equal(cfg->stmts[3].argc, 7);
	assert_string_equal(cfg->stmts[3].argv[6], "53");
	assert_int_equal(cfg->stmts[4].line, 7);
	config_free(cfg);
}

static void
test_quotes_and_continuation(void **state)
{
	struct config *cfg = parse_ok(
	    "msg \"a b; {c} # d \\\"e\\\"\" tail\n"
	    "long one \\\n  two\n"
	    "multi {\n  a 1\n  b 2\n}\n");

	assert_int_equal(cfg->nstmts, 3);
	assert_string_equal(cfg->stmts[0].argv[1], "a b; {c} # d \"e\"");
	assert_string_equal(cfg->stmts[0].argv[2], "tail");
	assert_int_equal(cfg->stmts[1].argc, 3);
	assert_int_equal(cfg->stmts[2].nchildren, 2);
	assert_int_equal(cfg->stmts[2].children[1].line, 6);
	config_free(cfg);
}

static void
test_errors(void **state)
{
	parse_bad("a {\n b\n", "t.conf:3: missing '}'");
	parse_bad("a\n}\n", "t.conf:2: '}' without");
	parse_bad("a \"open\n", "t.conf:1: unterminated");
	parse_bad("{ a }\n", "t.conf:1: '{' must follow");
	parse_bad("a { b } c\n", "t.conf:1: expected ';'");
	parse_bad("a { b { c { d { e { f { g { h { i { j } } } } } } } } } }\n", "nested deeper");
}

static void
test_error_helper(void **state)
{
	struct config *cfg = parse_ok("\n\nlimit tcp lots\n");
	struct error err;

	assert_int_equal(config_error(&err, &cfg->stmts[0],
	    "expected a rate such as 20/hour, got '%s'", cfg->stmts[0].argv[2]), -1);
	assert_string_equal(err.msg,
	    "t.conf:3: expected a rate such as 20/hour, got 'lots'");
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_example),
		cmocka_unit_test(test_quotes_and_continuation),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_helper),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
