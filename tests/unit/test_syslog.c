/* summary: unit tests for syslog: RFC 5424/3164 parsing, SD, formatting, framing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "syslog/syslog_frame.h"
#include "syslog/syslog_msg.h"

static int
span_eq(const struct syslog_span *s, const char *want)
{
	if (want == NULL)
		return s->ptr == NULL;
	return s->ptr != NULL && s->len == strlen(want) &&
	    memcmp(s->ptr, want, s->len) == 0;
}

static void
test_parse_5424(void **state)
{
	const char *t = "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su "
	    "- ID47 - 'su root' failed for lonvick on /dev/pts/8";
	struct syslog_msg m;

	syslog_parse(t, strlen(t), &m);
	assert_int_equal(m.format, SYSLOG_FMT_5424);
	assert_int_equal(m.pri, 34);
	assert_int_equal(m.version, 1);
	assert_true(span_eq(&m.timestamp, "2003-10-11T22:14:15.003Z"));
	assert_true(span_eq(&m.hostname, "mymachine.example.com"));
	assert_true(span_eq(&m.app_name, "su"));
	assert_true(span_eq(&m.procid, NULL));
	assert_true(span_eq(&m.msgid, "ID47"));
	assert_true(span_eq(&m.sd, NULL));
	assert_true(span_eq(&m.msg, "'su root' failed for lonvick on /dev/pts/8"));
	assert_int_equal(syslog_sequence_id(&m), 0);
}

static void
test_parse_sd(void **state)
{
	const char *t = "<165>1 2003-10-11T22:14:15.003Z host evntslog - ID47 "
	    "[exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"li\\]c\"]"
	    "[meta sequenceId=\"42\"] \xEF\xBB\xBF" "An event";
	struct syslog_msg m;
	struct syslog_span id, params, name, value;
	struct buf b;
	size_t pos = 0, ppos = 0;

	syslog_parse(t, strlen(t), &m);
	assert_int_equal(m.pri, 165);
	assert_true(span_eq(&m.msg, "An event"));
	assert_int_equal(syslog_sequence_id(&m), 42);
	assert_int_equal(syslog_sd_next(&m.sd, &pos, &id, &params), 1);
	assert_true(span_eq(&id, "exampleSDID@32473"));
	assert_int_equal(syslog_sd_param_next(&params, &ppos, &name, &value), 1);
	assert_true(span_eq(&name, "iut"));
	assert_true(span_eq(&value, "3"));
	assert_int_equal(syslog_sd_param_next(&params, &ppos, &name, &value), 1);
	assert_true(span_eq(&name, "eventSource"));
	buf_init(&b, 0);
	assert_int_equal(syslog_sd_unescape(&b, &value), 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, "App\"li]c", 8);
	buf_free(&b);
	assert_int_equal(syslog_sd_param_next(&params, &ppos, &name, &value), 0);
	assert_int_equal(syslog_sd_next(&m.sd, &pos, &id, &params), 1);
	assert_true(span_eq(&id, "meta"));
	assert_int_equal(syslog_sd_next(&m.sd, &pos, &id, &params), 0);
}

static void
test_parse_3164(void **state)
{
	const char *t = "<133>Feb  5 14:09:07 webserver syslogd[42]: restart";
	const char *u = "<13>myprog: no header";
	const char *v = "garbage without pri";
	const char *w = "<999>1 x";
	struct syslog_msg m;

	syslog_parse(t, strlen(t), &m);
	assert_int_equal(m.format, SYSLOG_FMT_3164);
	assert_int_equal(m.pri, 133);
	assert_true(span_eq(&m.timestamp, "Feb  5 14:09:07"));
	assert_true(span_eq(&m.hostname, "webserver"));
	assert_true(span_eq(&m.app_name, "syslogd"));
	assert_true(span_eq(&m.procid, "42"));
	assert_true(span_eq(&m.msg, "restart"));
	syslog_parse(u, strlen(u), &m);
	assert_true(span_eq(&m.app_name, "myprog"));
	assert_true(span_eq(&m.hostname, NULL));
	assert_true(span_eq(&m.msg, "no header"));
	syslog_parse(v, strlen(v), &m);
	assert_int_equal(m.pri, -1);
	assert_true(span_eq(&m.msg, v));
	syslog_parse(w, strlen(w), &m);	/* PRI out of range: all is msg */
	assert_int_equal(m.pri, -1);
	assert_true(span_eq(&m.msg, w));
	/* truncated headers never read past the end */
	for (size_t n = 0; n <= strlen(t); n++) {
		char *copy = malloc(n + 1);

		memcpy(copy, t, n);
		syslog_parse(copy, n, &m);
		assert_true(m.msg.ptr + m.msg.len <= copy + n);
		free(copy);
	}
}

static void
test_format(void **state)
{
	struct syslog_fields f = { .pri = 86, .time_ns = 1700000000123456000ull,
	    .hostname = "hp-a", .app_name = "apiary-agent", .procid = "77",
	    .msgid = "tty", .sd = "[apiary@32473 sess=\"1\"]", .sequence_id = 9,
	    .msg = "ls -la", .msg_len = 6 };
	struct syslog_msg m;
	struct buf b, esc;

	buf_init(&b, 0);
	assert_int_equal(syslog_format_5424(&b, &f), 0);
	assert_string_equal(buf_cstr(&b), "<86>1 2023-11-14T22:13:20.123456Z "
	    "hp-a apiary-agent 77 tty [meta sequenceId=\"9\"][apiary@32473 "
	    "sess=\"1\"] ls -la");
	syslog_parse(b.data, b.len, &m);
	assert_int_equal(syslog_sequence_id(&m), 9);
	assert_true(span_eq(&m.msg, "ls -la"));
	buf_init(&esc, 0);
	assert_int_equal(syslog_sd_escape(&esc, "a\"b]c\\", 6), 0);
	assert_string_equal(buf_cstr(&esc), "a\\\"b\\]c\\\\");
	buf_free(&esc);
	buf_free(&b);
}

struct frames {
	int n;
	char msg[8][128];
	size_t len[8];
	uint64_t orig[8];
	unsigned flags[8];
};

static int
collect(void *arg, const uint8_t *msg, size_t len, uint64_t orig, unsigned fl)
{
	struct frames *f = arg;

	if (f->n < 8) {
		memcpy(f->msg[f->n], msg, len < 127 ? len : 127);
		f->msg[f->n][len < 127 ? len : 127] = '\0';
		f->len[f->n] = len;
		f->orig[f->n] = orig;
		f->flags[f->n] = fl;
	}
	f->n++;
	return 0;
}

static void
test_framing(void **state)
{
	const char *in = "11 <13>1 - - x12 <13>1 - - yy\n<13>lf one\r\n"
	    "<13>lf two\n5 hello\n";
	struct syslog_frame_decoder *d = syslog_frame_decoder_new(64);
	struct frames f = { 0 };

	/* byte by byte: the framing must not depend on read boundaries */
	for (size_t i = 0; i < strlen(in); i++)
		assert_int_equal(syslog_frame_feed(d, in + i, 1, collect, &f), 0);
	assert_int_equal(f.n, 5);
	assert_string_equal(f.msg[0], "<13>1 - - x");
	assert_true(f.flags[0] & SYSLOG_FRAME_OCTET);
	assert_string_equal(f.msg[1], "<13>1 - - yy");
	assert_string_equal(f.msg[2], "<13>lf one");
	assert_int_equal(f.flags[2], 0);
	assert_string_equal(f.msg[3], "<13>lf two");
	assert_string_equal(f.msg[4], "hello");
	syslog_frame_decoder_free(d);
}

static void
test_framing_bounds(void **state)
{
	struct syslog_frame_decoder *d = syslog_frame_decoder_new(16);
	struct frames f = { 0 };
	char big[200];

	/* octet-counted, longer than the bound: cut, flagged, rest skipped */
	memset(big, 'A', sizeof(big));
	assert_int_equal(syslog_frame_feed(d, "100 ", 4, collect, &f), 0);
	assert_int_equal(syslog_frame_feed(d, big, 100, collect, &f), 0);
	assert_true(syslog_frame_buffered(d) <= 16);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.len[0], 16);
	assert_int_equal(f.orig[0], 100);
	assert_true(f.flags[0] & SYSLOG_FRAME_TRUNCATED);
	/* exactly at the bound: not truncated */
	assert_int_equal(syslog_frame_feed(d, "16 ", 3, collect, &f), 0);
	assert_int_equal(syslog_frame_feed(d, big, 16, collect, &f), 0);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.len[1], 16);
	assert_false(f.flags[1] & SYSLOG_FRAME_TRUNCATED);
	/* LF frame over the bound, then a normal one */
	assert_int_equal(syslog_frame_feed(d, "<1>", 3, collect, &f), 0);
	assert_int_equal(syslog_frame_feed(d, big, 150, collect, &f), 0);
	assert_true(syslog_frame_buffered(d) <= 16);
	assert_int_equal(syslog_frame_feed(d, "\n<2>ok\n", 7, collect, &f), 0);
	assert_int_equal(f.n, 4);
	assert_int_equal(f.len[2], 16);
	assert_int_equal(f.orig[2], 153);
	assert_true(f.flags[2] & SYSLOG_FRAME_TRUNCATED);
	assert_string_equal(f.msg[3], "<2>ok");
	/* a bad length (11 digits) falls back to LF framing */
	assert_int_equal(syslog_frame_feed(d, "12345678901 x\n", 14, collect, &f), 0);
	assert_int_equal(f.n, 5);
	assert_false(f.flags[4] & SYSLOG_FRAME_OCTET);
	assert_string_equal(f.msg[4], "12345678901 x");
	syslog_frame_decoder_free(d);
}

static void
test_framing_partial(void **state)
{
	struct syslog_frame_decoder *d = syslog_frame_decoder_new(64);
	struct frames f = { 0 };
	struct buf b;

	assert_int_equal(syslog_frame_feed(d, "20 <13>1 cut", 12, collect, &f), 0);
	assert_int_equal(f.n, 0);
	assert_int_equal(syslog_frame_finish(d, collect, &f), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.msg[0], "<13>1 cut");
	assert_true(f.flags[0] & SYSLOG_FRAME_PARTIAL);
	assert_int_equal(syslog_frame_finish(d, collect, &f), 0);
	assert_int_equal(f.n, 1);
	buf_init(&b, 0);
	assert_int_equal(syslog_frame_octet(&b, "abc", 3), 0);
	assert_string_equal(buf_cstr(&b), "3 abc");
	buf_free(&b);
	syslog_frame_decoder_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_5424),
		cmocka_unit_test(test_parse_sd),
		cmocka_unit_test(test_parse_3164),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_framing_bounds),
		cmocka_unit_test(test_framing_partial),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
