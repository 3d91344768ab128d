/* summary: libFuzzer target: HTTP on libhtp, both directions, with small bounds; EVE http events. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_http.h"
#include "core/buf.h"
#include "output/eve.h"
#include "output/eve_app.h"

/*
 * Input: records of [dir:1 bit | length:7 bits] [length bytes] (0x7f: the
 * rest), fed to one connection; then the connection is closed so pending
 * transactions are reported.  Small bounds (2 KiB of headers, 3
 * transactions, 64 bytes of body) so the fuzzer reaches them.  Every
 * transaction is written as an EVE http event into a buffer; the body
 * buffers must stay within body_limit.
 */

static struct buf evbuf;
static struct eve *ev;

static void
on_event(void *user, int event, const struct http_txinfo *tx)
{
	(void)user;
	(void)event;
	if (tx->request_body.len > 64 || tx->response_body.len > 64)
		abort();
	if (tx->header_raw.len > 2048 || tx->res_header_raw.len > 2048)
		abort();
	buf_reset(&evbuf);
	(void)eve_app_http(ev, 1, NULL, tx);
}

static void
on_body(void *user, const struct http_txinfo *tx, int dir, const uint8_t *d, size_t n)
{
	(void)user;
	(void)tx;
	(void)dir;
	if (d == NULL && n > 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_engine *he;
	struct http_conn *c;
	struct http_stats st;
	size_t p = 0;

	if (he == NULL) {
		struct http_config cfg;
		struct error err;

		http_config_default(&cfg);
		cfg.max_header = 2048;
		cfg.max_tx = 3;
		cfg.body_limit = 64;
		he = http_engine_new(&cfg, on_event, on_body, &err);
		buf_init(&evbuf, 0);
		ev = eve_new_buf(&evbuf);
		if (he == NULL || ev == NULL)
			abort();
	}
	if ((c = http_conn_new(he, NULL, 0)) == NULL)
		return 0;
	while (p < size) {
		int dir = data[p] >> 7;
		size_t n = data[p] & 0x7f;

		p++;
		if (n == 0x7f || n > size - p)
			n = size - p;
		(void)http_conn_data(c, dir, data + p, n, 0);
		p += n;
	}
	http_conn_close(c, 0);
	http_engine_stats(he, &st);
	if (st.body_mem != 0)
		abort();
	return 0;
}
