/* summary: the app-layer stage: protocol detection, HTTP/DNS/TLS parsing, EVE events, files. */
#ifndef APIARY_APP_APP_H
#define APIARY_APP_APP_H

#include <stdint.h>
#include <stdio.h>

#include "app/app_dns.h"
#include "app/app_files.h"
#include "app/app_http.h"
#include "app/app_tls.h"
#include "core/buf.h"
#include "core/error.h"
#include "engine/pipeline.h"
#include "stream/stream.h"

/*
 * A pipeline stage (after the flow table, before detect) that turns flows
 * into application transactions:
 *
 *   a = app_new(pl, &cfg, err);
 *   pipeline_add_stage(pl, "app", app_stage, a, err);
 *   app_set_tx_callback(a, fn, ctx);      // optional: detection on buffers
 *   ... frames ...  pipeline_finish(pl) ... app_free(a) after pipeline_free
 *
 * TCP flows are reassembled per direction by the stream engine
 * (stream/stream.h, its own context and memcap); UDP datagrams are taken
 * one by one.  The protocol is found by content (app_detect.c), whatever
 * the port: HTTP/1.x, TLS, DNS over TCP and UDP (port 53 or a strict
 * message check).  Each flow is then parsed by app_http.c (libhtp),
 * app_tls.c or app_dns.c; their transactions go to EVE (`http`, `dns`,
 * `tls`, joined to the flow by flow_id) and to the tx callback, and HTTP
 * bodies in both directions to the file store (app_files.c) when a folder
 * is configured (EVE `fileinfo`).
 *
 * Memory bounds (see docs/app-layer.md):
 *   - reassembly: cfg.stream (memcap engine-wide, default 64 MiB here);
 *   - protocol detection: APP_DETECT_MAX bytes per direction until decided;
 *   - HTTP: app_http.h (per connection and body_memcap engine-wide);
 *   - TLS: app_tls.h (2 * 64 KiB per connection at most);
 *   - DNS over TCP: one message, at most 65537 bytes per direction;
 *   - files: app_files.h (open files, size on disk);
 *   - flows: as many as the flow table holds (its max_flows bound); the
 *     per-flow record is a few hundred bytes.
 */

#define APP_DETECT_MAX 2048

enum app_proto {
	APP_PROTO_UNKNOWN = 0,		/* not decided yet */
	APP_PROTO_HTTP,
	APP_PROTO_TLS,
	APP_PROTO_DNS,
	APP_PROTO_FAILED,		/* none of ours */
	APP_PROTO_COUNT,
};

/* "http", "tls", "dns", "failed", "unknown" (Suricata app_proto names). */
const char *app_proto_name(enum app_proto p);

/*
 * Detection buffers (Suricata sticky buffer names; the Snort content
 * modifiers map to the same ids).  app_buf_lookup() maps a keyword to its
 * id; app_tx_buffer() hands out the bytes of a transaction.
 */
enum app_buf {
	APP_BUF_HTTP_URI = 0,		/* http.uri, http_uri, uricontent: normalised */
	APP_BUF_HTTP_URI_RAW,		/* http.uri.raw, http_raw_uri */
	APP_BUF_HTTP_METHOD,		/* http.method, http_method */
	APP_BUF_HTTP_REQUEST_LINE,	/* http.request_line */
	APP_BUF_HTTP_HEADER,		/* http.header, http_header (direction's headers, no cookies) */
	APP_BUF_HTTP_HEADER_RAW,	/* http.header.raw, http_raw_header */
	APP_BUF_HTTP_COOKIE,		/* http.cookie, http_cookie */
	APP_BUF_HTTP_USER_AGENT,	/* http.user_agent, http_user_agent */
	APP_BUF_HTTP_HOST,		/* http.host, http_host (lower case) */
	APP_BUF_HTTP_REQUEST_BODY,	/* http.request_body, http_client_body */
	APP_BUF_HTTP_STAT_CODE,		/* http.stat_code, http_stat_code */
	APP_BUF_HTTP_STAT_MSG,		/* http.stat_msg, http_stat_msg */
	APP_BUF_HTTP_RESPONSE_BODY,	/* http.response_body, http_server_body */
	APP_BUF_FILE_DATA,		/* file.data, file_data: the direction's body */
	APP_BUF_HTTP_CONTENT_TYPE,	/* http.content_type (direction's) */
	APP_BUF_HTTP_CONTENT_LEN,	/* http.content_len (direction's) */
	APP_BUF_HTTP_PROTOCOL,		/* http.protocol (direction's) */
	APP_BUF_HTTP_ACCEPT,		/* http.accept */
	APP_BUF_HTTP_REFERER,		/* http.referer */
	APP_BUF_HTTP_HEADER_NAMES,	/* http.header_names (direction's) */
	APP_BUF_HTTP_RESPONSE_LINE,	/* http.response_line */
	APP_BUF_HTTP_LOCATION,		/* http.location */
	APP_BUF_DNS_QUERY,		/* dns.query, dns_query */
	APP_BUF_TLS_SNI,		/* tls.sni, tls_sni */
	APP_BUF_TLS_CERT_SUBJECT,	/* tls.cert_subject */
	APP_BUF_TLS_CERT_ISSUER,	/* tls.cert_issuer */
	APP_BUF_TLS_CERT_SERIAL,	/* tls.cert_serial */
	APP_BUF_JA3_HASH,		/* ja3.hash, ja3_hash */
	APP_BUF_JA3_STRING,		/* ja3.string */
	APP_BUF_JA3S_HASH,		/* ja3s.hash */
	/* dotprefix: the buffer with a '.' in front (dns.query; dotprefix) */
	APP_BUF_DNS_QUERY_DOT,		/* dns.query+dotprefix */
	APP_BUF_TLS_SNI_DOT,		/* tls.sni+dotprefix */
	APP_BUF_HTTP_HOST_DOT,		/* http.host+dotprefix */
	APP_BUF_TLS_CERTS,		/* tls.certs: each certificate (DER), several instances */
	/* stream content (pkt_data) of an HTTP rule that also has app
	 * buffers: the message as sent, de-chunked and decompressed: start
	 * line, CRLF, raw headers, body (first body_limit bytes) */
	APP_BUF_HTTP_STREAM,		/* "pkt_data+http" */
	APP_BUF_HTTP_START,		/* http.start: start line, CRLF, raw headers (direction's) */
	APP_BUF_HTTP_SERVER,		/* http.server */
	APP_BUF_HTTP_ACCEPT_ENC,	/* http.accept_enc */
	APP_BUF_HTTP_ACCEPT_LANG,	/* http.accept_lang */
	APP_BUF_HTTP_CONNECTION,	/* http.connection */
	APP_BUF_HTTP_HOST_RAW,		/* http.host.raw: the Host header as sent */
	APP_BUF_COUNT,
};
/* The dotprefix variant of a buffer, or -1 if it has none. */
int app_buf_dotprefix(enum app_buf b);
#define APP_SCRATCH 1024	/* bytes of struct app_tx.scratch */

/* Buffer id of a sticky buffer or content modifier name, or -1. */
int app_buf_lookup(const char *keyword);
const char *app_buf_name(enum app_buf b);
/* The app protocol a buffer belongs to. */
enum app_proto app_buf_proto(enum app_buf b);

/*
 * Inspection points: when a transaction's buffers are complete enough for
 * a rule (see src/detect/kw_app.c).  Ordered within a protocol; a rule is
 * evaluated at the latest point among its buffers.
 */
enum app_point {
	APP_POINT_NONE = 0,
	APP_POINT_HTTP_REQUEST_HEADERS,	/* request line and headers */
	APP_POINT_HTTP_REQUEST_BODY,	/* request complete */
	APP_POINT_HTTP_RESPONSE_HEADERS,
	APP_POINT_HTTP_RESPONSE_BODY,	/* response complete */
	APP_POINT_DNS_QUERY,
	APP_POINT_DNS_ANSWER,
	APP_POINT_TLS_CLIENT_HELLO,
	APP_POINT_TLS_SERVER_HELLO,
	APP_POINT_TLS_CERT,
};
/* The direction whose data completes a point: 0 to server, 1 to client. */
#define APP_POINT_DIR(p) ((p) == APP_POINT_HTTP_RESPONSE_HEADERS || \
	(p) == APP_POINT_HTTP_RESPONSE_BODY || (p) == APP_POINT_DNS_ANSWER || \
	(p) == APP_POINT_TLS_SERVER_HELLO || (p) == APP_POINT_TLS_CERT)

/* One transaction event, as the tx callback sees it. */
struct app_tx {
	enum app_proto proto;
	enum app_point point;		/* what this event completes */
	int dir;			/* 0 to server, 1 to client: APP_POINT_DIR(point) */
	int event;			/* HTTP_EV_*; DNS: 0; TLS: TLS_EV_* */
	uint64_t tx_id;
	const struct http_txinfo *http;
	const struct dns_msg *dns;
	const struct tls_state *tls;
	uint8_t *scratch;		/* APP_SCRATCH bytes for transformed buffers */
	struct buf *message;		/* APP_BUF_HTTP_STREAM, built on first use */
	struct buf *start;		/* APP_BUF_HTTP_START, built on first use */
};

/* 1 and the bytes if tx has buffer b now, else 0. */
int app_tx_buffer(const struct app_tx *tx, enum app_buf b, const uint8_t **data,
    uint32_t *len);
/* Instance idx of a buffer that may have several (tls.certs: one per
 * certificate); idx 0 of the others is app_tx_buffer(). */
int app_tx_buffer_n(const struct app_tx *tx, enum app_buf b, int idx,
    const uint8_t **data, uint32_t *len);

/* p is the packet that made the transaction complete; NULL when the flow
 * ended (then f is still valid). */
typedef void (*app_tx_fn)(void *ctx, struct packet *p, struct flow *f,
    const struct app_tx *tx);

struct app_config {
	struct stream_config stream;
	struct http_config http;
	struct file_store_config files;	/* files.dir NULL: no extraction */
	int eve_http, eve_dns, eve_tls, eve_files;	/* default 1 */
};

struct app_stats {
	uint64_t flows[APP_PROTO_COUNT];	/* flows by detected protocol */
	uint64_t http_tx, dns_messages, tls_handshakes;
	uint64_t detect_bytes_over;	/* flows given up at APP_DETECT_MAX */
	uint64_t records;		/* per-flow records made (flows with payload) */
	uint64_t dns_malformed;
	struct http_stats http;
	struct file_store_stats files;
	struct stream_stats stream;
};

struct app_layer;

void app_config_default(struct app_config *cfg);
struct app_layer *app_new(struct pipeline *pl, const struct app_config *cfg,
    struct error *err);
void app_set_tx_callback(struct app_layer *a, app_tx_fn fn, void *ctx);
/* The stage (engine/pipeline.h): always PIPELINE_PASS. */
enum pipeline_verdict app_stage(void *ctx, struct packet *p);
/* The protocol detected for f so far. */
enum app_proto app_flow_proto(const struct app_layer *a, const struct flow *f);
void app_get_stats(const struct app_layer *a, struct app_stats *st);
void app_print_summary(const struct app_layer *a, FILE *out);
/* After pipeline_free() (flows gone). */
void app_free(struct app_layer *a);

#endif
