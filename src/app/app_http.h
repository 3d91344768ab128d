/* summary: HTTP/1.x on libhtp: transactions, normalised buffers, bodies, bounded per flow. */
#ifndef APIARY_APP_APP_HTTP_H
#define APIARY_APP_APP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * One struct http_conn per TCP connection, fed the in-order bytes of each
 * direction.  libhtp (IDS personality) parses requests and responses,
 * pipelined requests, chunked transfer coding and gzip/deflate response
 * bodies, and normalises the URI (percent-decoding, path separators).
 *
 * The caller sees transactions through callbacks with a struct
 * http_txinfo: the detection buffers (Suricata's http.* names) as
 * pointer/length pairs valid during the callback only.
 *
 * Memory bounds (per connection; see docs/app-layer.md):
 *   - header bytes of one request or response: max_header (default 64 KiB;
 *     past it parsing of the connection stops, counted; libhtp may have
 *     buffered up to 4 KiB more, the slice it is fed at a time);
 *   - transactions in flight (requests without a complete response):
 *     max_tx (default 32; past it parsing stops, counted);
 *   - buffered body for inspection: body_limit per direction and
 *     transaction (default 100 KiB, Suricata's request-body-limit), and
 *     engine-wide body_memcap (default 64 MiB) over all connections;
 *   - libhtp's own line limit: 18000 bytes; decompression: 2 layers and a
 *     1 MiB-to-1 GiB bomb limit.
 * A connection therefore holds at most about max_tx * (2 * max_header * 2
 * + 2 * body_limit) bytes (8 MiB with the defaults); in practice a few KiB.
 */

struct app_str {
	const uint8_t *p;
	uint32_t len;
};

#define HTTP_EV_REQUEST_HEADERS 1
#define HTTP_EV_REQUEST_DONE 2
#define HTTP_EV_RESPONSE_HEADERS 3
#define HTTP_EV_RESPONSE_DONE 4
#define HTTP_EV_UNFINISHED 5	/* connection ended before the response */

struct http_txinfo {
	uint64_t tx_id;			/* 0, 1, ... per connection */
	/* request */
	struct app_str method, uri_raw, uri_norm, request_line, protocol;
	struct app_str host, user_agent, cookie, content_type, content_len;
	struct app_str accept, referer, header, header_raw, header_names;
	struct app_str accept_enc, accept_lang, connection, host_raw;
	struct app_str request_body;	/* first body_limit bytes (dechunked) */
	struct app_str filename;	/* Content-Disposition filename, else "" */
	uint64_t request_body_len;	/* all body bytes seen */
	/* response (empty before HTTP_EV_RESPONSE_HEADERS) */
	int status;			/* 0 if none */
	struct app_str stat_code, stat_msg, response_line, res_protocol;
	struct app_str res_header, res_header_raw, res_header_names;
	struct app_str res_content_type, res_content_len, location, res_filename;
	struct app_str server;
	struct app_str response_body;	/* first body_limit bytes (decompressed) */
	uint64_t response_body_len;	/* decompressed body bytes seen */
	uint8_t body_truncated[2];	/* the buffered body stops before the end */
};

struct http_conn;
struct http_engine;

/* Called for each transaction event (HTTP_EV_*). */
typedef void (*http_event_fn)(void *user, int event, const struct http_txinfo *tx);
/* Body bytes of direction dir (0 request, 1 response), decoded; data is
 * never NULL.  The end of a body is the *_DONE (or UNFINISHED) event. */
typedef void (*http_body_fn)(void *user, const struct http_txinfo *tx, int dir,
    const uint8_t *data, size_t len);

struct http_config {
	uint32_t max_header;		/* default 64 KiB */
	uint32_t max_tx;		/* default 32 */
	uint32_t body_limit;		/* default 100 KiB */
	uint64_t body_memcap;		/* default 64 MiB, engine-wide */
};

struct http_stats {
	uint64_t transactions;		/* requests seen */
	uint64_t header_limit;		/* connections stopped at max_header */
	uint64_t tx_limit;		/* connections stopped at max_tx */
	uint64_t parse_errors;		/* libhtp gave up on a direction */
	uint64_t body_memcap_hits;	/* bodies not buffered at body_memcap */
	uint64_t body_mem;		/* bytes buffered now */
};

void http_config_default(struct http_config *cfg);
/* The shared libhtp configuration and accounting. */
struct http_engine *http_engine_new(const struct http_config *cfg, http_event_fn ev,
    http_body_fn body, struct error *err);
void http_engine_free(struct http_engine *he);
void http_engine_stats(const struct http_engine *he, struct http_stats *st);

/* user is passed to the callbacks; time is the packet time in ns. */
struct http_conn *http_conn_new(struct http_engine *he, void *user, uint64_t ts_ns);
/* In-order bytes of dir (0 request, 1 response).  0, or -1 once the
 * direction stopped (error or bound): further data is ignored. */
int http_conn_data(struct http_conn *c, int dir, const uint8_t *data, size_t len,
    uint64_t ts_ns);
/* Bytes missing in dir: parsing of that direction stops. */
void http_conn_gap(struct http_conn *c, int dir);
/* End of the connection: unfinished transactions get HTTP_EV_UNFINISHED;
 * frees c. */
void http_conn_close(struct http_conn *c, uint64_t ts_ns);

/* 1 if data starts like an HTTP request (dir 0) or response (dir 1);
 * 0 if not; -1 if more bytes are needed. */
int http_plausible(int dir, const uint8_t *data, size_t len);

#endif
