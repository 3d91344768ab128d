/* summary: the app-layer detection buffers: keyword names and the bytes of a transaction. */
#include <string.h>

#include "app/app.h"

static const struct {
	const char *name;
	int id;
} names[] = {
	{ "http.uri", APP_BUF_HTTP_URI }, { "http_uri", APP_BUF_HTTP_URI },
	{ "uricontent", APP_BUF_HTTP_URI },
	{ "http.uri.raw", APP_BUF_HTTP_URI_RAW }, { "http_raw_uri", APP_BUF_HTTP_URI_RAW },
	{ "http.method", APP_BUF_HTTP_METHOD }, { "http_method", APP_BUF_HTTP_METHOD },
	{ "http.request_line", APP_BUF_HTTP_REQUEST_LINE },
	{ "http_request_line", APP_BUF_HTTP_REQUEST_LINE },
	{ "http.header", APP_BUF_HTTP_HEADER }, { "http_header", APP_BUF_HTTP_HEADER },
	{ "http.header.raw", APP_BUF_HTTP_HEADER_RAW },
	{ "http_raw_header", APP_BUF_HTTP_HEADER_RAW },
	{ "http.cookie", APP_BUF_HTTP_COOKIE }, { "http_cookie", APP_BUF_HTTP_COOKIE },
	{ "http.user_agent", APP_BUF_HTTP_USER_AGENT },
	{ "http_user_agent", APP_BUF_HTTP_USER_AGENT },
	{ "http.host", APP_BUF_HTTP_HOST }, { "http_host", APP_BUF_HTTP_HOST },
	{ "http.request_body", APP_BUF_HTTP_REQUEST_BODY },
	{ "http_client_body", APP_BUF_HTTP_REQUEST_BODY },
	{ "http.stat_code", APP_BUF_HTTP_STAT_CODE },
	{ "http_stat_code", APP_BUF_HTTP_STAT_CODE },
	{ "http.stat_msg", APP_BUF_HTTP_STAT_MSG }, { "http_stat_msg", APP_BUF_HTTP_STAT_MSG },
	{ "http.response_body", APP_BUF_HTTP_RESPONSE_BODY },
	{ "http_server_body", APP_BUF_HTTP_RESPONSE_BODY },
	{ "file.data", APP_BUF_FILE_DATA }, { "file_data", APP_BUF_FILE_DATA },
	{ "http.content_type", APP_BUF_HTTP_CONTENT_TYPE },
	{ "http.content_len", APP_BUF_HTTP_CONTENT_LEN },
	{ "http.protocol", APP_BUF_HTTP_PROTOCOL },
	{ "http.accept", APP_BUF_HTTP_ACCEPT },
	{ "http.referer", APP_BUF_HTTP_REFERER },
	{ "http.header_names", APP_BUF_HTTP_HEADER_NAMES },
	{ "http.response_line", APP_BUF_HTTP_RESPONSE_LINE },
	{ "http.location", APP_BUF_HTTP_LOCATION },
	{ "dns.query", APP_BUF_DNS_QUERY }, { "dns_query", APP_BUF_DNS_QUERY },
	{ "tls.sni", APP_BUF_TLS_SNI }, { "tls_sni", APP_BUF_TLS_SNI },
	{ "tls.cert_subject", APP_BUF_TLS_CERT_SUBJECT },
	{ "tls_cert_subject", APP_BUF_TLS_CERT_SUBJECT },
	{ "tls.cert_issuer", APP_BUF_TLS_CERT_ISSUER },
	{ "tls_cert_issuer", APP_BUF_TLS_CERT_ISSUER },
	{ "tls.cert_serial", APP_BUF_TLS_CERT_SERIAL },
	{ "tls_cert_serial", APP_BUF_TLS_CERT_SERIAL },
	{ "ja3.hash", APP_BUF_JA3_HASH }, { "ja3_hash", APP_BUF_JA3_HASH },
	{ "ja3.string", APP_BUF_JA3_STRING }, { "ja3s.hash", APP_BUF_JA3S_HASH },
	{ "dns.query+dotprefix", APP_BUF_DNS_QUERY_DOT },
	{ "tls.sni+dotprefix", APP_BUF_TLS_SNI_DOT },
	{ "http.host+dotprefix", APP_BUF_HTTP_HOST_DOT },
	{ "tls.certs", APP_BUF_TLS_CERTS },
	{ "pkt_data+http", APP_BUF_HTTP_STREAM },
	{ "http.start", APP_BUF_HTTP_START }, { "http.server", APP_BUF_HTTP_SERVER },
	{ "http.accept_enc", APP_BUF_HTTP_ACCEPT_ENC },
	{ "http.accept_lang", APP_BUF_HTTP_ACCEPT_LANG },
	{ "http.connection", APP_BUF_HTTP_CONNECTION },
	{ "http.host.raw", APP_BUF_HTTP_HOST_RAW },
};

static const char *const canonical[APP_BUF_COUNT] = {
	"http.uri", "http.uri.raw", "http.method", "http.request_line",
	"http.header", "http.header.raw", "http.cookie", "http.user_agent",
	"http.host", "http.request_body", "http.stat_code", "http.stat_msg",
	"http.response_body", "file.data", "http.content_type",
	"http.content_len", "http.protocol", "http.accept", "http.referer",
	"http.header_names", "http.response_line", "http.location", "dns.query",
	"tls.sni", "tls.cert_subject", "tls.cert_issuer", "tls.cert_serial",
	"ja3.hash", "ja3.string", "ja3s.hash",
	"dns.query+dotprefix", "tls.sni+dotprefix", "http.host+dotprefix",
	"tls.certs", "pkt_data+http", "http.start", "http.server",
	"http.accept_enc", "http.accept_lang", "http.connection", "http.host.raw",
};

int
app_buf_lookup(const char *kw)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, kw) == 0)
			return names[i].id;
	return -1;
}

const char *
app_buf_name(enum app_buf b)
{
	return (unsigned)b < APP_BUF_COUNT ? canonical[b] : "?";
}

enum app_proto
app_buf_proto(enum app_buf b)
{
	if (b == APP_BUF_DNS_QUERY || b == APP_BUF_DNS_QUERY_DOT)
		return APP_PROTO_DNS;
	if ((b >= APP_BUF_TLS_SNI && b <= APP_BUF_JA3S_HASH) || b == APP_BUF_TLS_SNI_DOT ||
	    b == APP_BUF_TLS_CERTS)
		return APP_PROTO_TLS;
	return APP_PROTO_HTTP;
}

int
app_tx_buffer_n(const struct app_tx *tx, enum app_buf b, int idx,
    const uint8_t **d, uint32_t *n)
{
	const struct tls_state *t = tx->tls;

	if (b != APP_BUF_TLS_CERTS)
		return idx == 0 ? app_tx_buffer(tx, b, d, n) : 0;
	if (tx->proto != APP_PROTO_TLS || t == NULL || t->certs == NULL ||
	    idx < 0 || idx >= t->ncerts)
		return 0;
	*d = t->certs + t->cert_off[idx];
	*n = t->cert_len[idx];
	return 1;
}

int
app_buf_dotprefix(enum app_buf b)
{
	switch (b) {
	case APP_BUF_DNS_QUERY: return APP_BUF_DNS_QUERY_DOT;
	case APP_BUF_TLS_SNI: return APP_BUF_TLS_SNI_DOT;
	case APP_BUF_HTTP_HOST: return APP_BUF_HTTP_HOST_DOT;
	default: return -1;
	}
}

/* '.' + the buffer's bytes, in the transaction's scratch. */
static int
dotted(const struct app_tx *tx, enum app_buf plain, const uint8_t **d, uint32_t *n)
{
	const uint8_t *pd;
	uint32_t pn;

	if (tx->scratch == NULL || !app_tx_buffer(tx, plain, &pd, &pn) ||
	    pn + 1 > APP_SCRATCH)
		return 0;
	tx->scratch[0] = '.';
	memcpy(tx->scratch + 1, pd, pn);
	*d = tx->scratch;
	*n = pn + 1;
	return 1;
}

const char *
app_proto_name(enum app_proto p)
{
	switch (p) {
	case APP_PROTO_HTTP: return "http";
	case APP_PROTO_TLS: return "tls";
	case APP_PROTO_DNS: return "dns";
	case APP_PROTO_FAILED: return "failed";
	default: return "unknown";
	}
}

/* The message of the event's direction as sent (de-chunked, decoded). */
static int
http_message(const struct app_tx *tx, const uint8_t **d, uint32_t *n)
{
	const struct http_txinfo *h = tx->http;
	struct buf *m = tx->message;

	if (tx->proto != APP_PROTO_HTTP || h == NULL || m == NULL)
		return 0;
	if (m->len == 0) {
		struct app_str line = tx->dir == 0 ? h->request_line : h->response_line;
		struct app_str hdr = tx->dir == 0 ? h->header_raw : h->res_header_raw;
		struct app_str body = tx->dir == 0 ? h->request_body : h->response_body;

		if (buf_append(m, line.p, line.len) < 0 || buf_append(m, "\r\n", 2) < 0 ||
		    buf_append(m, hdr.p, hdr.len) < 0 || buf_append(m, body.p, body.len) < 0)
			return 0;
	}
	*d = m->data;
	*n = (uint32_t)m->len;
	return 1;
}

/* http.start: the direction's start line, CRLF and raw headers. */
static int
http_start(const struct app_tx *tx, const uint8_t **d, uint32_t *n)
{
	const struct http_txinfo *h = tx->http;
	struct buf *m = tx->start;
	struct app_str line, hdr;

	if (tx->proto != APP_PROTO_HTTP || h == NULL || m == NULL)
		return 0;
	line = tx->dir == 0 ? h->request_line : h->response_line;
	hdr = tx->dir == 0 ? h->header_raw : h->res_header_raw;
	if (line.len == 0)
		return 0;
	if (m->len == 0 && (buf_append(m, line.p, line.len) < 0 ||
	    buf_append(m, "\r\n", 2) < 0 || buf_append(m, hdr.p, hdr.len) < 0))
		return 0;
	*d = m->data;
	*n = (uint32_t)m->len;
	return 1;
}

static int
out(struct app_str s, const uint8_t **data, uint32_t *len)
{
	if (s.p == NULL)
		return 0;
	*data = s.p;
	*len = s.len;
	return 1;
}

static int
http_buffer(const struct app_tx *tx, enum app_buf b, const uint8_t **d,
    uint32_t *n)
{
	const struct http_txinfo *h = tx->http;
	int req = tx->dir == 0;
	int has_res = h->response_line.len > 0;

	switch (b) {
	case APP_BUF_HTTP_URI: return h->uri_norm.len ? out(h->uri_norm, d, n) : 0;
	case APP_BUF_HTTP_URI_RAW: return h->uri_raw.len ? out(h->uri_raw, d, n) : 0;
	case APP_BUF_HTTP_METHOD: return h->method.len ? out(h->method, d, n) : 0;
	case APP_BUF_HTTP_REQUEST_LINE:
		return h->request_line.len ? out(h->request_line, d, n) : 0;
	case APP_BUF_HTTP_HEADER:
		return req ? (h->header.len ? out(h->header, d, n) : 0) :
		    (h->res_header.len ? out(h->res_header, d, n) : 0);
	case APP_BUF_HTTP_HEADER_RAW:
		return req ? (h->header_raw.len ? out(h->header_raw, d, n) : 0) :
		    (h->res_header_raw.len ? out(h->res_header_raw, d, n) : 0);
	case APP_BUF_HTTP_COOKIE: return h->cookie.len ? out(h->cookie, d, n) : 0;
	case APP_BUF_HTTP_USER_AGENT:
		return h->user_agent.len ? out(h->user_agent, d, n) : 0;
	case APP_BUF_HTTP_HOST: return h->host.len ? out(h->host, d, n) : 0;
	case APP_BUF_HTTP_REQUEST_BODY:
		return h->request_body.len ? out(h->request_body, d, n) : 0;
	case APP_BUF_HTTP_STAT_CODE:
		return h->stat_code.len ? out(h->stat_code, d, n) : 0;
	case APP_BUF_HTTP_STAT_MSG:
		return h->stat_msg.len ? out(h->stat_msg, d, n) : 0;
	case APP_BUF_HTTP_RESPONSE_BODY:
		return h->response_body.len ? out(h->response_body, d, n) : 0;
	case APP_BUF_FILE_DATA:
		return req ? (h->request_body.len ? out(h->request_body, d, n) : 0) :
		    (h->response_body.len ? out(h->response_body, d, n) : 0);
	case APP_BUF_HTTP_CONTENT_TYPE:
		return req ? (h->content_type.len ? out(h->content_type, d, n) : 0) :
		    (h->res_content_type.len ? out(h->res_content_type, d, n) : 0);
	case APP_BUF_HTTP_CONTENT_LEN:
		return req ? (h->content_len.len ? out(h->content_len, d, n) : 0) :
		    (h->res_content_len.len ? out(h->res_content_len, d, n) : 0);
	case APP_BUF_HTTP_PROTOCOL:
		return req || !has_res ? (h->protocol.len ? out(h->protocol, d, n) : 0) :
		    (h->res_protocol.len ? out(h->res_protocol, d, n) : 0);
	case APP_BUF_HTTP_ACCEPT: return h->accept.len ? out(h->accept, d, n) : 0;
	case APP_BUF_HTTP_REFERER: return h->referer.len ? out(h->referer, d, n) : 0;
	case APP_BUF_HTTP_HEADER_NAMES:
		return req ? (h->header_names.len ? out(h->header_names, d, n) : 0) :
		    (h->res_header_names.len ? out(h->res_header_names, d, n) : 0);
	case APP_BUF_HTTP_RESPONSE_LINE:
		return h->response_line.len ? out(h->response_line, d, n) : 0;
	case APP_BUF_HTTP_LOCATION:
		return h->location.len ? out(h->location, d, n) : 0;
	case APP_BUF_HTTP_START:
		return http_start(tx, d, n);
	case APP_BUF_HTTP_SERVER: return h->server.len ? out(h->server, d, n) : 0;
	case APP_BUF_HTTP_ACCEPT_ENC:
		return h->accept_enc.len ? out(h->accept_enc, d, n) : 0;
	case APP_BUF_HTTP_ACCEPT_LANG:
		return h->accept_lang.len ? out(h->accept_lang, d, n) : 0;
	case APP_BUF_HTTP_CONNECTION:
		return h->connection.len ? out(h->connection, d, n) : 0;
	case APP_BUF_HTTP_HOST_RAW:
		return h->host_raw.len ? out(h->host_raw, d, n) : 0;
	default:
		return 0;
	}
}

int
app_tx_buffer(const struct app_tx *tx, enum app_buf b, const uint8_t **d,
    uint32_t *n)
{
	const struct tls_state *t = tx->tls;

	if (tx->proto != app_buf_proto(b))
		return 0;
	switch (b) {
	case APP_BUF_HTTP_STREAM: return http_message(tx, d, n);
	case APP_BUF_TLS_CERTS: return app_tx_buffer_n(tx, b, 0, d, n);
	case APP_BUF_DNS_QUERY_DOT: return dotted(tx, APP_BUF_DNS_QUERY, d, n);
	case APP_BUF_TLS_SNI_DOT: return dotted(tx, APP_BUF_TLS_SNI, d, n);
	case APP_BUF_HTTP_HOST_DOT: return dotted(tx, APP_BUF_HTTP_HOST, d, n);
	default: break;
	}
	switch (tx->proto) {
	case APP_PROTO_HTTP:
		return tx->http != NULL && http_buffer(tx, b, d, n);
	case APP_PROTO_DNS:
		if (tx->dns == NULL || tx->dns->nquestions == 0)
			return 0;
		*d = (const uint8_t *)tx->dns->q[0].name;
		*n = tx->dns->q[0].name_len;
		return 1;
	case APP_PROTO_TLS:
		if (t == NULL)
			return 0;
		switch (b) {
		case APP_BUF_TLS_SNI:
			if (t->sni_len == 0)
				return 0;
			*d = (const uint8_t *)t->sni;
			*n = t->sni_len;
			return 1;
		case APP_BUF_TLS_CERT_SUBJECT:
			*d = (const uint8_t *)t->subject;
			break;
		case APP_BUF_TLS_CERT_ISSUER:
			*d = (const uint8_t *)t->issuer;
			break;
		case APP_BUF_TLS_CERT_SERIAL:
			*d = (const uint8_t *)t->serial;
			break;
		case APP_BUF_JA3_HASH:
			*d = (const uint8_t *)t->ja3_hash;
			break;
		case APP_BUF_JA3_STRING:
			*d = (const uint8_t *)t->ja3;
			break;
		case APP_BUF_JA3S_HASH:
			*d = (const uint8_t *)t->ja3s_hash;
			break;
		default:
			return 0;
		}
		*n = (uint32_t)strlen((const char *)*d);
		return *n > 0;
	default:
		return 0;
	}
}
