/* summary: unit tests for detect/kw_app + detect_app_tx: app-layer keywords, inspection points, matching a transaction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app/app.h"
#include "detect/detect.h"
#include "flow/flow.h"
#include "net/addr.h"
#include "net/packet.h"

struct fx {
	struct detect_engine *e;
	struct detect_thread *t;
	struct flow f;
	struct packet p;
	void *state;
};

static struct detect_load_stats last;

static void
build(struct fx *x, const char *const *rules, size_t n)
{
	struct error err;
	struct detect_loader *l = detect_loader_new(&err);

	assert_non_null(l);
	for (size_t i = 0; i < n; i++)
		(void)detect_loader_add_rule(l, rules[i], "t.rules", (int)i + 1);
	detect_loader_stats(l, &last);
	x->e = detect_engine_build(l, NULL, &err);
	assert_non_null(x->e);
	detect_loader_free(l);
	x->t = detect_thread_new(x->e, &err);
	assert_non_null(x->t);
	memset(&x->f, 0, sizeof(x->f));
	assert_int_equal(addr_parse("192.0.2.1", &x->f.src), 0);
	assert_int_equal(addr_parse("198.51.100.2", &x->f.dst), 0);
	x->f.sport = 40000;
	x->f.dport = 80;
	x->f.proto = 6;
	x->f.state = FLOW_STATE_ESTABLISHED;
	x->f.tcp_state = FLOW_TCP_ESTABLISHED;
	memset(&x->p, 0, sizeof(x->p));
	x->p.flow = &x->f;
	x->p.ts_ns = 1;
	x->state = NULL;
}

static void
done(struct fx *x)
{
	detect_thread_free(x->t);
	detect_engine_unref(x->e);
	detect_flow_state_free(x->state);
}

static int
get(const void *tx, int b, int idx, const uint8_t **d, uint32_t *n)
{
	return app_tx_buffer_n(tx, (enum app_buf)b, idx, d, n);
}

/* Runs one HTTP event; returns the sids that alerted (bit i for sid i). */
static unsigned
http_event(struct fx *x, enum app_point pt, const struct http_txinfo *h)
{
	static uint8_t scratch[APP_SCRATCH];
	struct buf msg, start;
	struct app_tx tx = { .proto = APP_PROTO_HTTP, .point = pt, .dir = APP_POINT_DIR(pt),
		.http = h, .scratch = scratch, .message = &msg, .start = &start };
	struct detect_app_view av = { APP_PROTO_HTTP, pt, tx.dir, &tx, get };
	struct detect_result res;
	unsigned sids = 0;

	buf_init(&msg, 1 << 20);
	buf_init(&start, 1 << 20);
	memset(&res, 0, sizeof(res));
	detect_app_tx(x->t, &x->p, &x->state, &av, &res);
	for (unsigned i = 0; i < res.nalerts; i++)
		sids |= 1u << res.alerts[i].rule->sid;
	buf_free(&msg);
	buf_free(&start);
	return sids;
}

#define S(lit) ((struct app_str){ (const uint8_t *)(lit), sizeof(lit) - 1 })

static void
test_points_and_matching(void **state)
{
	static const char *const rules[] = {
		/* 1: old modifiers; request headers */
		"alert tcp any any -> any any (msg:\"1\"; content:\"GET\"; http_method; content:\"/a.php\"; http_uri; sid:1;)",
		/* 2: response body, file.data defaults to the response */
		"alert http any any -> any any (msg:\"2\"; file.data; content:\"MZ\"; startswith; sid:2;)",
		/* 3: urilen on the normalised URI */
		"alert http any any -> any any (msg:\"3\"; urilen:6; sid:3;)",
		/* 4: to_server header, request side */
		"alert http any any -> any any (msg:\"4\"; flow:established,to_server; http.header; content:\"X-A|3a 20|1\"; sid:4;)",
		/* 5: stream content next to a buffer: the decoded request */
		"alert http any any -> any any (msg:\"5\"; content:\"GET /a.php\"; http.host; content:\"h\"; sid:5;)",
		/* 6: a ports mismatch */
		"alert http any any -> any 8080 (msg:\"6\"; http.uri; content:\"/a\"; sid:6;)",
		/* 7: http.start of the request: line as sent, CRLF, raw headers */
		"alert http any any -> any any (msg:\"7\"; http.start; content:\"GET /%61.php HTTP/1.1|0d 0a|Host|3a|\"; startswith; sid:7;)",
		/* 8: http.server, a response header */
		"alert http any any -> any any (msg:\"8\"; http.server; content:\"nginx\"; sid:8;)",
	};
	struct fx x;
	struct http_txinfo h;

	(void)state;
	build(&x, rules, 8);
	assert_int_equal(last.rules_loaded, 8);
	memset(&h, 0, sizeof(h));
	h.method = S("GET");
	h.uri_raw = S("/%61.php");
	h.uri_norm = S("/a.php");
	h.host = S("h");
	h.request_line = S("GET /%61.php HTTP/1.1");
	h.header = S("Host: h\r\nX-A: 1\r\n");
	h.header_raw = S("Host: h\r\nX-A: 1\r\n\r\n");
	assert_int_equal(http_event(&x, APP_POINT_HTTP_REQUEST_HEADERS, &h),
	    (1u << 1) | (1u << 3) | (1u << 4) | (1u << 7));
	/* the message holds the request line as sent ("/%61.php"): not 5 */
	assert_int_equal(http_event(&x, APP_POINT_HTTP_REQUEST_BODY, &h), 0);
	h.request_line = S("GET /a.php HTTP/1.1");
	assert_int_equal(http_event(&x, APP_POINT_HTTP_REQUEST_BODY, &h), 1u << 5);
	h.response_line = S("HTTP/1.1 200 OK");
	h.stat_code = S("200");
	h.response_body = S("MZ\x90");
	h.server = S("nginx/1.22");
	assert_int_equal(http_event(&x, APP_POINT_HTTP_RESPONSE_HEADERS, &h), 1u << 8);
	assert_int_equal(http_event(&x, APP_POINT_HTTP_RESPONSE_BODY, &h), 1u << 2);
	done(&x);
}

static void
test_unsupported_and_protocols(void **state)
{
	static const char *const rules[] = {
		"alert dns any any -> any any (msg:\"a\"; dns.query; dotprefix; content:\".x\"; endswith; sid:1;)",
		"alert tls any any -> any any (msg:\"b\"; tls.certs; content:\"|30 82|\"; sid:2;)",
		"alert http any any -> any any (msg:\"c\"; app-layer-protocol:http; content:\"x\"; sid:3;)",
		/* unsupported: */
		"alert dns any any -> any any (msg:\"d\"; dns.query; content:\"x\"; dotprefix; sid:4;)",
		"alert dns any any -> any any (msg:\"e\"; content:\"y\"; dns.query; content:\"x\"; sid:5;)",
		"alert smtp any any -> any any (msg:\"f\"; content:\"x\"; sid:6;)",
		"alert http any any -> any any (msg:\"g\"; http.request_header; content:\"x\"; sid:7;)",
		/* broken: buffers of two protocols */
		"alert tcp any any -> any any (msg:\"h\"; http.uri; content:\"x\"; tls.sni; content:\"y\"; sid:8;)",
	};
	struct fx x;

	(void)state;
	build(&x, rules, 8);
	assert_int_equal(last.rules_loaded, 3);
	assert_int_equal(last.rules_unsupported, 4);
	assert_int_equal(last.rules_broken, 1);
	done(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_points_and_matching),
		cmocka_unit_test(test_unsupported_and_protocols),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
