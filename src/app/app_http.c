/* summary: HTTP/1.x on libhtp: transactions, normalised buffers, bodies, bounded per flow. */
#include "app/app_http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <htp/htp.h>

#include "core/buf.h"

/*
 * libhtp does the parsing; this file keeps, per transaction, what libhtp
 * does not: the raw header bytes (http.header.raw, and the header bound),
 * the first body_limit bytes of each body, and the buffers built from the
 * parsed transaction (normalised URI with the query decoded, http.header
 * without Cookie as Suricata, http.header_names).  libhtp destroys a
 * transaction after its response completes (tx_auto_destroy), right after
 * our HTTP_EV_RESPONSE_DONE callback, where our part is freed as well.
 */

/* Bytes given to libhtp at a time, so the header bound is checked often. */
#define FEED_SLICE 4096

struct http_engine {
	struct http_config cfg;
	htp_cfg_t *htp;
	http_event_fn ev;
	http_body_fn body;
	struct http_stats st;
};

struct http_conn {
	struct http_engine *he;
	htp_connp_t *connp;
	void *user;
	uint64_t started, finished;	/* transactions */
	uint8_t stopped[2];
	uint8_t over_tx;		/* max_tx reached */
	uint8_t over_header;		/* max_header reached */
	struct txd *txds;		/* every txd alive, freed at close */
};

struct txd {
	struct txd *prev, *next;	/* the connection's list (see txd_get) */
	struct buf hdr_raw[2];
	struct buf body[2];
	struct buf uri_norm, header[2], names[2], filename[2];
	uint64_t body_len[2];
	uint8_t body_trunc[2];
	uint8_t done;			/* response done or reported unfinished */
};

void
http_config_default(struct http_config *cfg)
{
	cfg->max_header = 64 * 1024;
	cfg->max_tx = 32;
	cfg->body_limit = 100 * 1024;
	cfg->body_memcap = 64ull << 20;
}

static struct http_conn *
conn_of(htp_tx_t *tx)
{
	return htp_connp_get_user_data(tx->connp);
}

static struct txd *
txd_get(htp_tx_t *tx)
{
	struct txd *d = htp_tx_get_user_data(tx);

	if (d == NULL) {
		struct http_conn *c = conn_of(tx);

		if ((d = calloc(1, sizeof(*d))) == NULL)
			return NULL;
		for (int i = 0; i < 2; i++) {
			buf_init(&d->hdr_raw[i], c->he->cfg.max_header);
			buf_init(&d->body[i], c->he->cfg.body_limit);
			buf_init(&d->header[i], 2 * (size_t)c->he->cfg.max_header + 4096);
			buf_init(&d->names[i], (size_t)c->he->cfg.max_header + 8);
			buf_init(&d->filename[i], 1024);
		}
		buf_init(&d->uri_norm, 64 * 1024);
		/* libhtp can destroy a transaction without a hook of ours (a
		 * response without request, 100 Continue): the list lets
		 * http_conn_close() free what is left */
		d->next = c->txds;
		if (c->txds != NULL)
			c->txds->prev = d;
		c->txds = d;
		htp_tx_set_user_data(tx, d);
	}
	return d;
}

static void
txd_release(struct http_conn *c, struct txd *d)
{
	struct http_engine *he = c->he;

	if (d->prev != NULL)
		d->prev->next = d->next;
	else
		c->txds = d->next;
	if (d->next != NULL)
		d->next->prev = d->prev;
	for (int i = 0; i < 2; i++) {
		he->st.body_mem -= d->body[i].len;
		buf_free(&d->hdr_raw[i]);
		buf_free(&d->body[i]);
		buf_free(&d->header[i]);
		buf_free(&d->names[i]);
		buf_free(&d->filename[i]);
	}
	buf_free(&d->uri_norm);
	free(d);
}

static void
txd_free(struct http_conn *c, htp_tx_t *tx)
{
	struct txd *d = htp_tx_get_user_data(tx);

	if (d == NULL)
		return;
	txd_release(c, d);
	htp_tx_set_user_data(tx, NULL);
}

static struct app_str
bs(const bstr *b)
{
	struct app_str s = { (const uint8_t *)"", 0 };

	if (b != NULL) {
		s.p = bstr_ptr(b);
		s.len = (uint32_t)bstr_len(b);
	}
	return s;
}

static struct app_str
bufs(const struct buf *b)
{
	struct app_str s = { (const uint8_t *)"", 0 };

	if (b->len > 0) {
		s.p = b->data;
		s.len = (uint32_t)b->len;
	}
	return s;
}

static struct app_str
header_value(htp_table_t *t, const char *name)
{
	htp_header_t *h;

	if (t == NULL || (h = htp_table_get_c(t, name)) == NULL)
		return bs(NULL);
	return bs(h->value);
}

/* Content-Disposition: ...; filename="x" (or filename=x). */
static void
disposition_filename(htp_table_t *t, struct buf *out)
{
	struct app_str v = header_value(t, "Content-Disposition");
	const uint8_t *p = v.p, *e = v.p + v.len, *s;

	buf_reset(out);
	while (p + 9 <= e) {
		if (strncasecmp((const char *)p, "filename=", 9) == 0 &&
		    (p == v.p || p[-1] == ' ' || p[-1] == ';')) {
			p += 9;
			if (p < e && *p == '"') {
				s = ++p;
				while (p < e && *p != '"')
					p++;
			} else {
				s = p;
				while (p < e && *p != ';' && *p != ' ')
					p++;
			}
			(void)buf_append(out, s, (size_t)(p - s));
			return;
		}
		p++;
	}
}

/* "Name: Value\r\n" per header (not Cookie/Set-Cookie) and "\r\nName...\r\n\r\n". */
static void
build_headers(htp_table_t *t, struct buf *hdr, struct buf *names, const char *skip)
{
	size_t n = t != NULL ? htp_table_size(t) : 0;

	buf_reset(hdr);
	buf_reset(names);
	(void)buf_append(names, "\r\n", 2);
	for (size_t i = 0; i < n; i++) {
		htp_header_t *h = htp_table_get_index(t, i, NULL);

		if (h == NULL || h->name == NULL)
			continue;
		(void)buf_append(names, bstr_ptr(h->name), bstr_len(h->name));
		(void)buf_append(names, "\r\n", 2);
		if (bstr_len(h->name) == strlen(skip) &&
		    strncasecmp((const char *)bstr_ptr(h->name), skip, strlen(skip)) == 0)
			continue;
		(void)buf_append(hdr, bstr_ptr(h->name), bstr_len(h->name));
		(void)buf_append(hdr, ": ", 2);
		if (h->value != NULL)
			(void)buf_append(hdr, bstr_ptr(h->value), bstr_len(h->value));
		(void)buf_append(hdr, "\r\n", 2);
	}
	(void)buf_append(names, "\r\n", 2);
}

/* Decoded path (libhtp), then '?' and the percent-decoded query. */
static void
build_uri(htp_tx_t *tx, struct buf *out)
{
	htp_uri_t *u = tx->parsed_uri;

	buf_reset(out);
	if (u == NULL || u->path == NULL) {
		if (tx->request_uri != NULL)
			(void)buf_append(out, bstr_ptr(tx->request_uri),
			    bstr_len(tx->request_uri));
		return;
	}
	(void)buf_append(out, bstr_ptr(u->path), bstr_len(u->path));
	if (u->query != NULL) {
		bstr *q = bstr_dup(u->query);
		uint64_t flags = 0;

		(void)buf_append(out, "?", 1);
		if (q != NULL) {
			htp_urldecode_inplace(tx->cfg, HTP_DECODER_URLENCODED, q, &flags);
			(void)buf_append(out, bstr_ptr(q), bstr_len(q));
			bstr_free(q);
		}
	}
}

static void
fill(htp_tx_t *tx, struct txd *d, struct http_txinfo *x)
{
	memset(x, 0, sizeof(*x));
	x->tx_id = tx->index;
	x->method = bs(tx->request_method);
	x->uri_raw = bs(tx->request_uri);
	x->uri_norm = bufs(&d->uri_norm);
	x->request_line = bs(tx->request_line);
	x->protocol = bs(tx->request_protocol);
	x->host = bs(tx->request_hostname);
	x->user_agent = header_value(tx->request_headers, "User-Agent");
	x->cookie = header_value(tx->request_headers, "Cookie");
	x->content_type = header_value(tx->request_headers, "Content-Type");
	x->content_len = header_value(tx->request_headers, "Content-Length");
	x->accept = header_value(tx->request_headers, "Accept");
	x->referer = header_value(tx->request_headers, "Referer");
	x->accept_enc = header_value(tx->request_headers, "Accept-Encoding");
	x->accept_lang = header_value(tx->request_headers, "Accept-Language");
	x->connection = header_value(tx->request_headers, "Connection");
	x->host_raw = header_value(tx->request_headers, "Host");
	x->header = bufs(&d->header[0]);
	x->header_raw = bufs(&d->hdr_raw[0]);
	x->header_names = bufs(&d->names[0]);
	x->request_body = bufs(&d->body[0]);
	x->filename = bufs(&d->filename[0]);
	x->request_body_len = d->body_len[0];
	x->status = tx->response_status_number > 0 ? tx->response_status_number : 0;
	x->stat_code = bs(tx->response_status);
	x->stat_msg = bs(tx->response_message);
	x->response_line = bs(tx->response_line);
	x->res_protocol = bs(tx->response_protocol);
	x->res_header = bufs(&d->header[1]);
	x->res_header_raw = bufs(&d->hdr_raw[1]);
	x->res_header_names = bufs(&d->names[1]);
	x->res_content_type = header_value(tx->response_headers, "Content-Type");
	x->res_content_len = header_value(tx->response_headers, "Content-Length");
	x->location = header_value(tx->response_headers, "Location");
	x->server = header_value(tx->response_headers, "Server");
	x->res_filename = bufs(&d->filename[1]);
	x->response_body = bufs(&d->body[1]);
	x->response_body_len = d->body_len[1];
	x->body_truncated[0] = d->body_trunc[0];
	x->body_truncated[1] = d->body_trunc[1];
}

static void
emit(htp_tx_t *tx, int event)
{
	struct http_conn *c = conn_of(tx);
	struct txd *d = txd_get(tx);
	struct http_txinfo x;

	if (d == NULL)
		return;
	fill(tx, d, &x);
	c->he->ev(c->user, event, &x);
}

static int
on_request_start(htp_tx_t *tx)
{
	struct http_conn *c = conn_of(tx);

	/*
	 * Past max_tx the connection stops at this request's line: libhtp
	 * 0.5.42 loops forever when the request_start hook itself fails.
	 */
	if (c->started - c->finished >= c->he->cfg.max_tx) {
		if (!c->over_tx)
			c->he->st.tx_limit++;
		c->over_tx = 1;
		return HTP_OK;
	}
	c->started++;
	c->he->st.transactions++;
	return HTP_OK;
}

static int
header_data(htp_tx_data_t *td, int dir)
{
	struct http_conn *c = conn_of(td->tx);
	struct txd *d = txd_get(td->tx);

	if (d == NULL)
		return HTP_ERROR;
	/* libhtp ignores this hook's result: http_conn_data() stops the
	 * direction once the flag is up (checked every FEED_SLICE bytes) */
	if (td->data != NULL && buf_append(&d->hdr_raw[dir], td->data, td->len) < 0) {
		if (!c->over_header)
			c->he->st.header_limit++;
		c->over_header = 1;
		return HTP_ERROR;
	}
	return HTP_OK;
}

static int on_req_header_data(htp_tx_data_t *td) { return header_data(td, 0); }
static int on_res_header_data(htp_tx_data_t *td) { return header_data(td, 1); }

static int
on_request_line(htp_tx_t *tx)
{
	return conn_of(tx)->over_tx ? HTP_ERROR : HTP_OK;
}

static int
on_request_headers(htp_tx_t *tx)
{
	struct txd *d = txd_get(tx);

	if (d == NULL)
		return HTP_ERROR;
	build_uri(tx, &d->uri_norm);
	build_headers(tx->request_headers, &d->header[0], &d->names[0], "Cookie");
	disposition_filename(tx->request_headers, &d->filename[0]);
	emit(tx, HTTP_EV_REQUEST_HEADERS);
	return HTP_OK;
}

static int
on_response_headers(htp_tx_t *tx)
{
	struct txd *d = txd_get(tx);

	if (d == NULL)
		return HTP_ERROR;
	build_headers(tx->response_headers, &d->header[1], &d->names[1], "Set-Cookie");
	disposition_filename(tx->response_headers, &d->filename[1]);
	emit(tx, HTTP_EV_RESPONSE_HEADERS);
	return HTP_OK;
}

static int
body_data(htp_tx_data_t *td, int dir)
{
	struct http_conn *c = conn_of(td->tx);
	struct http_engine *he = c->he;
	struct txd *d = txd_get(td->tx);
	struct http_txinfo x;
	size_t room, take;

	if (d == NULL)
		return HTP_ERROR;
	if (td->data == NULL || td->len == 0)
		return HTP_OK;
	d->body_len[dir] += td->len;
	room = he->cfg.body_limit - d->body[dir].len;
	take = td->len < room ? td->len : room;
	if (take > 0 && he->st.body_mem + take > he->cfg.body_memcap) {
		he->st.body_memcap_hits++;
		take = 0;
	}
	if (take > 0 && buf_append(&d->body[dir], td->data, take) == 0)
		he->st.body_mem += take;
	else
		take = 0;
	if (take < td->len)
		d->body_trunc[dir] = 1;
	fill(td->tx, d, &x);
	he->body(c->user, &x, dir, td->data, td->len);
	return HTP_OK;
}

static int on_req_body(htp_tx_data_t *td) { return body_data(td, 0); }
static int on_res_body(htp_tx_data_t *td) { return body_data(td, 1); }

static int
on_request_complete(htp_tx_t *tx)
{
	/* A response seen before its request (or without one) completed
	 * first: our part is gone and libhtp destroys tx after this hook. */
	if (tx->response_progress >= HTP_RESPONSE_COMPLETE &&
	    htp_tx_get_user_data(tx) == NULL)
		return HTP_OK;
	emit(tx, HTTP_EV_REQUEST_DONE);
	return HTP_OK;
}

static int
on_response_complete(htp_tx_t *tx)
{
	struct http_conn *c = conn_of(tx);
	struct txd *d = txd_get(tx);

	if (d != NULL && !d->done) {
		d->done = 1;
		emit(tx, HTTP_EV_RESPONSE_DONE);
	}
	c->finished++;
	txd_free(c, tx);	/* libhtp destroys tx next (auto destroy) */
	return HTP_OK;
}

struct http_engine *
http_engine_new(const struct http_config *cfg, http_event_fn ev, http_body_fn body,
    struct error *err)
{
	struct http_engine *he = calloc(1, sizeof(*he));
	htp_cfg_t *h;

	if (he == NULL) {
		error_set(err, "http: out of memory");
		return NULL;
	}
	he->cfg = *cfg;
	he->ev = ev;
	he->body = body;
	if ((h = he->htp = htp_config_create()) == NULL) {
		free(he);
		error_set(err, "http: libhtp configuration failed");
		return NULL;
	}
	htp_config_set_server_personality(h, HTP_SERVER_IDS);
	htp_config_set_tx_auto_destroy(h, 1);
	htp_config_set_response_decompression(h, 1);
	htp_config_set_response_decompression_layer_limit(h, 2);
	htp_config_set_compression_bomb_limit(h, 1 << 20);
	htp_config_set_lzma_memlimit(h, 1 << 20);
	htp_config_set_field_limits(h, 9000, 18000);
	htp_config_set_parse_request_cookies(h, 0);
	htp_config_register_request_start(h, on_request_start);
	htp_config_register_request_line(h, on_request_line);
	htp_config_register_request_header_data(h, on_req_header_data);
	htp_config_register_response_header_data(h, on_res_header_data);
	htp_config_register_request_headers(h, on_request_headers);
	htp_config_register_response_headers(h, on_response_headers);
	htp_config_register_request_body_data(h, on_req_body);
	htp_config_register_response_body_data(h, on_res_body);
	htp_config_register_request_complete(h, on_request_complete);
	htp_config_register_response_complete(h, on_response_complete);
	return he;
}

void
http_engine_free(struct http_engine *he)
{
	if (he == NULL)
		return;
	htp_config_destroy(he->htp);
	free(he);
}

void
http_engine_stats(const struct http_engine *he, struct http_stats *st)
{
	*st = he->st;
}

static void
to_tv(uint64_t ns, struct timeval *tv)
{
	tv->tv_sec = (time_t)(ns / 1000000000ull);
	tv->tv_usec = (suseconds_t)(ns % 1000000000ull / 1000);
}

struct http_conn *
http_conn_new(struct http_engine *he, void *user, uint64_t ts_ns)
{
	struct http_conn *c = calloc(1, sizeof(*c));
	struct timeval tv;

	if (c == NULL)
		return NULL;
	c->he = he;
	c->user = user;
	if ((c->connp = htp_connp_create(he->htp)) == NULL) {
		free(c);
		return NULL;
	}
	htp_connp_set_user_data(c->connp, c);
	to_tv(ts_ns, &tv);
	htp_connp_open(c->connp, NULL, 0, NULL, 0, &tv);
	return c;
}

int
http_conn_data(struct http_conn *c, int dir, const uint8_t *data, size_t len,
    uint64_t ts_ns)
{
	struct timeval tv;
	int r;

	dir &= 1;
	if (c->stopped[dir])
		return -1;
	if (len == 0)
		return 0;
	to_tv(ts_ns, &tv);
	while (len > 0) {
		size_t n = len < FEED_SLICE ? len : FEED_SLICE;

		r = dir == 0 ? htp_connp_req_data(c->connp, &tv, data, n) :
		    htp_connp_res_data(c->connp, &tv, data, n);
		data += n;
		len -= n;
		if (c->over_header) {
			c->stopped[0] = c->stopped[1] = 1;
			return -1;
		}
		if (r == HTP_STREAM_ERROR) {
			c->stopped[dir] = 1;
			if (!c->over_tx)
				c->he->st.parse_errors++;
			return -1;
		}
		/* HTP_STREAM_DATA_OTHER: a CONNECT tunnel or a protocol switch;
		 * the rest is not HTTP (libhtp says so): nothing more is parsed. */
		if (r == HTP_STREAM_DATA_OTHER || r == HTP_STREAM_TUNNEL) {
			c->stopped[dir] = 1;
			return -1;
		}
	}
	return 0;
}

void
http_conn_gap(struct http_conn *c, int dir)
{
	c->stopped[dir & 1] = 1;
}

void
http_conn_close(struct http_conn *c, uint64_t ts_ns)
{
	struct timeval tv;
	htp_conn_t *conn;

	if (c == NULL)
		return;
	to_tv(ts_ns, &tv);
	htp_connp_close(c->connp, &tv);
	conn = htp_connp_get_connection(c->connp);
	if (conn != NULL && conn->transactions != NULL) {
		for (size_t i = 0; i < htp_list_size(conn->transactions); i++) {
			htp_tx_t *tx = htp_list_get(conn->transactions, i);
			struct txd *d;

			if (tx == NULL || (d = htp_tx_get_user_data(tx)) == NULL)
				continue;
			if (!d->done && tx->request_method != NULL) {
				d->done = 1;
				emit(tx, HTTP_EV_UNFINISHED);
			}
			txd_free(c, tx);
		}
	}
	while (c->txds != NULL)
		txd_release(c, c->txds);
	htp_connp_destroy_all(c->connp);
	free(c);
}

int
http_plausible(int dir, const uint8_t *d, size_t len)
{
	static const char *const methods[] = {
		"GET ", "POST ", "HEAD ", "PUT ", "DELETE ", "OPTIONS ",
		"CONNECT ", "TRACE ", "PATCH ", "PROPFIND ", "MKCOL ",
		"PROPPATCH ", "COPY ", "MOVE ", "LOCK ", "UNLOCK ", "SEARCH ",
	};
	const char *resp = "HTTP/";

	if (dir == 1) {
		size_t n = len < 5 ? len : 5;
		if (memcmp(d, resp, n) != 0)
			return 0;
		return len >= 5 ? 1 : -1;
	}
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t ml = strlen(methods[i]), n = len < ml ? len : ml;

		if (memcmp(d, methods[i], n) == 0)
			return len >= ml ? 1 : -1;
	}
	return 0;
}
