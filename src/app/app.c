/* summary: the app-layer stage: protocol detection, HTTP/DNS/TLS parsing, EVE events, files. */
#include "app/app.h"

#include <stdlib.h>
#include <string.h>

#include "app/app_detect.h"
#include "core/buf.h"
#include "flow/flow.h"
#include "net/packet.h"
#include "output/eve.h"
#include "output/eve_app.h"

/*
 * Per flow (a flow storage slot) we keep the detected protocol, the two
 * reassembly directions (TCP), the first bytes of each direction until
 * the protocol is known, and the parser.  Reassembly is our own: the
 * stream engine delivers in-order chunks to deliver(), which detects the
 * protocol on the first bytes and then feeds the parser.  A flow that is
 * none of ours (APP_PROTO_FAILED) gives all its memory back at once (its
 * slot keeps a marker, the address of app_layer.failed_flow) and costs one
 * comparison per packet afterwards.
 *
 * Events are written when a transaction completes (HTTP response done,
 * each DNS message, the TLS handshake visible) and, for what is pending,
 * when the flow ends: the slot's free callback flushes reassembly, closes
 * the parser and the files.  It runs inside the flow table's end of flow,
 * when the EVE writer is still open.
 */

#define DNS_TCP_MAX (65535 + 2)
#define DNS_IDS 8

struct app_layer {
	struct pipeline *pl;
	struct app_config cfg;
	struct stream_ctx *stream;
	struct http_engine *http;
	struct file_store *files;	/* NULL: no file tracking */
	int slot;
	app_tx_fn txfn;
	void *txctx;
	struct dns_msg dnsmsg;		/* scratch: one message at a time */
	uint8_t scratch[APP_SCRATCH];	/* app_tx.scratch */
	struct buf message;		/* app_tx.message (bounded, see app_new) */
	struct buf start;		/* app_tx.start (the same bound) */
	char failed_flow;		/* its address marks a flow given up (no record) */
	struct app_stats st;
};

struct app_flow {
	struct app_layer *a;
	struct flow *f;
	struct packet *cur;		/* packet being processed, or NULL */
	uint64_t ts_ns;
	uint8_t proto;
	uint8_t sd_on[2];		/* 1 reassembling, 2 released */
	uint8_t tls_logged;
	struct buf pend[2];		/* first bytes until the protocol is known */
	struct stream_dir sd[2];
	struct http_conn *http;
	struct tls_state *tls;
	struct buf dns[2];		/* DNS over TCP: one message */
	uint64_t dns_tx;
	uint16_t dns_id[DNS_IDS];
	uint64_t dns_txid[DNS_IDS];
	uint8_t dns_n;
	struct file_track *file[2];
	uint64_t file_tx[2];
};

void
app_config_default(struct app_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	stream_config_default(&cfg->stream);
	cfg->stream.memcap = 64ull << 20;
	cfg->stream.max_held = 1u << 20;
	cfg->stream.window = 16u << 20;
	cfg->stream.retain = 0;
	http_config_default(&cfg->http);
	file_store_config_default(&cfg->files);
	cfg->eve_http = cfg->eve_dns = cfg->eve_tls = cfg->eve_files = 1;
}

static struct eve *
eve_of(struct app_flow *af)
{
	return pipeline_eve(af->a->pl);
}

static void
tx_hook(struct app_flow *af, struct app_tx *tx)
{
	tx->scratch = af->a->scratch;
	buf_reset(&af->a->message);
	tx->message = &af->a->message;
	buf_reset(&af->a->start);
	tx->start = &af->a->start;
	if (af->a->txfn != NULL)
		af->a->txfn(af->a->txctx, af->cur, af->f, tx);
}

/* ---- files ------------------------------------------------------------ */

static void
file_finish(struct app_flow *af, const struct http_txinfo *tx, int dir, int complete)
{
	struct app_layer *a = af->a;
	struct file_result r;
	struct eve *e = eve_of(af);

	if (af->file[dir] == NULL)
		return;
	file_close(a->files, af->file[dir], complete, &r);
	af->file[dir] = NULL;
	if (e != NULL && a->cfg.eve_files && tx != NULL)
		(void)eve_app_fileinfo(e, af->ts_ns, af->f, tx, dir, &r);
}

/* ---- HTTP ---------------------------------------------------------- */

static void
http_event(void *user, int ev, const struct http_txinfo *tx)
{
	struct app_flow *af = user;
	struct app_layer *a = af->a;
	struct eve *e = eve_of(af);
	struct app_tx t = { .proto = APP_PROTO_HTTP, .event = ev, .tx_id = tx->tx_id,
		.http = tx };

	switch (ev) {
	case HTTP_EV_REQUEST_HEADERS:
	case HTTP_EV_REQUEST_DONE:
		t.dir = 0;
		t.point = ev == HTTP_EV_REQUEST_HEADERS ? APP_POINT_HTTP_REQUEST_HEADERS :
		    APP_POINT_HTTP_REQUEST_BODY;
		if (ev == HTTP_EV_REQUEST_DONE && af->file_tx[0] == tx->tx_id)
			file_finish(af, tx, 0, 1);
		tx_hook(af, &t);
		break;
	case HTTP_EV_RESPONSE_HEADERS:
		t.dir = 1;
		t.point = APP_POINT_HTTP_RESPONSE_HEADERS;
		tx_hook(af, &t);
		break;
	case HTTP_EV_RESPONSE_DONE:
	case HTTP_EV_UNFINISHED:
		t.dir = 1;
		t.point = APP_POINT_HTTP_RESPONSE_BODY;
		if (ev == HTTP_EV_RESPONSE_DONE)
			tx_hook(af, &t);
		for (int d = 0; d < 2; d++)
			if (af->file_tx[d] == tx->tx_id)
				file_finish(af, tx, d, ev == HTTP_EV_RESPONSE_DONE);
		a->st.http_tx++;
		if (e != NULL && a->cfg.eve_http)
			(void)eve_app_http(e, af->ts_ns, af->f, tx);
		break;
	}
}

static void
http_body(void *user, const struct http_txinfo *tx, int dir, const uint8_t *data,
    size_t len)
{
	struct app_flow *af = user;
	struct app_layer *a = af->a;

	if (a->files == NULL)
		return;
	if (af->file[dir] != NULL && af->file_tx[dir] != tx->tx_id)
		file_finish(af, NULL, dir, 0);	/* not reached: bodies are sequential */
	if (af->file[dir] == NULL) {
		if ((af->file[dir] = file_open(a->files)) == NULL)
			return;
		af->file_tx[dir] = tx->tx_id;
	}
	file_write(a->files, af->file[dir], data, len);
}

/* ---- DNS ------------------------------------------------------------- */

static void
dns_message(struct app_flow *af, int dir, const uint8_t *m, size_t len)
{
	struct app_layer *a = af->a;
	struct dns_msg *msg = &a->dnsmsg;
	struct eve *e = eve_of(af);
	uint64_t txid;
	struct app_tx t = { .proto = APP_PROTO_DNS, .dir = dir };

	if (dns_parse(m, len, msg) < 0) {
		a->st.dns_malformed++;
		return;
	}
	a->st.dns_messages++;
	if (!DNS_QR(msg)) {
		txid = af->dns_tx++;
		af->dns_id[af->dns_n % DNS_IDS] = msg->id;
		af->dns_txid[af->dns_n % DNS_IDS] = txid;
		af->dns_n++;
	} else {
		txid = af->dns_tx;	/* an answer without its query: a new tx */
		for (unsigned i = 0; i < DNS_IDS && i < af->dns_n; i++)
			if (af->dns_id[i] == msg->id) {
				txid = af->dns_txid[i];
				break;
			}
		if (txid == af->dns_tx)
			af->dns_tx++;
	}
	t.tx_id = txid;
	t.dns = msg;
	t.dir = DNS_QR(msg);
	t.point = DNS_QR(msg) ? APP_POINT_DNS_ANSWER : APP_POINT_DNS_QUERY;
	tx_hook(af, &t);
	if (e != NULL && a->cfg.eve_dns)
		(void)eve_app_dns(e, af->ts_ns, af->f, af->cur, txid, msg);
}

static void
dns_tcp_data(struct app_flow *af, int dir, const uint8_t *d, size_t n)
{
	struct buf *b = &af->dns[dir];

	while (n > 0) {
		size_t need, take;

		if (b->len < 2)
			need = 2 - b->len;
		else
			need = 2 + (size_t)(b->data[0] << 8 | b->data[1]) - b->len;
		take = n < need ? n : need;
		if (buf_append(b, d, take) < 0)
			return;
		d += take;
		n -= take;
		if (b->len >= 2 && b->len == 2 + (size_t)(b->data[0] << 8 | b->data[1])) {
			dns_message(af, dir, b->data + 2, b->len - 2);
			buf_reset(b);
		}
	}
}

/* ---- TLS ------------------------------------------------------------- */

static void
tls_log(struct app_flow *af)
{
	struct eve *e = eve_of(af);

	if (af->tls_logged || af->tls == NULL || !af->tls->have_client_hello)
		return;
	af->tls_logged = 1;
	af->a->st.tls_handshakes++;
	if (e != NULL && af->a->cfg.eve_tls)
		(void)eve_app_tls(e, af->ts_ns, af->f, af->tls);
}

static void
tls_data(struct app_flow *af, int dir, const uint8_t *d, size_t n)
{
	int ev = tls_feed(af->tls, dir, d, n);
	struct app_tx t = { .proto = APP_PROTO_TLS, .tls = af->tls };

	if (ev <= 0)
		return;
	if (ev & TLS_EV_CLIENT_HELLO) {
		t.dir = 0;
		t.event = TLS_EV_CLIENT_HELLO;
		t.point = APP_POINT_TLS_CLIENT_HELLO;
		tx_hook(af, &t);
	}
	if (ev & TLS_EV_SERVER_HELLO) {
		t.dir = 1;
		t.event = TLS_EV_SERVER_HELLO;
		t.point = APP_POINT_TLS_SERVER_HELLO;
		tx_hook(af, &t);
	}
	if (ev & TLS_EV_CERT) {
		t.dir = 1;
		t.event = TLS_EV_CERT;
		t.point = APP_POINT_TLS_CERT;
		tx_hook(af, &t);
	}
	if (ev & TLS_EV_DONE)
		tls_log(af);
}

/* ---- dispatch ----------------------------------------------------------- */

static void
parse(struct app_flow *af, int dir, const uint8_t *d, size_t n)
{
	switch (af->proto) {
	case APP_PROTO_HTTP:
		if (af->http != NULL)
			(void)http_conn_data(af->http, dir, d, n, af->ts_ns);
		break;
	case APP_PROTO_TLS:
		if (af->tls != NULL)
			tls_data(af, dir, d, n);
		break;
	case APP_PROTO_DNS:
		dns_tcp_data(af, dir, d, n);
		break;
	default:
		break;
	}
}

static void
release_pending(struct app_flow *af)
{
	buf_free(&af->pend[0]);
	buf_free(&af->pend[1]);
}

/* The protocol is known: start its parser and give it the bytes held. */
static void
start(struct app_flow *af, enum app_proto p)
{
	struct app_layer *a = af->a;

	af->proto = (uint8_t)p;
	a->st.flows[p]++;
	switch (p) {
	case APP_PROTO_HTTP:
		af->http = http_conn_new(a->http, af, af->ts_ns);
		break;
	case APP_PROTO_TLS:
		if ((af->tls = malloc(sizeof(*af->tls))) != NULL)
			tls_state_init(af->tls);
		break;
	case APP_PROTO_DNS:
		buf_init(&af->dns[0], DNS_TCP_MAX);
		buf_init(&af->dns[1], DNS_TCP_MAX);
		break;
	default:
		break;
	}
	for (int d = 0; d < 2; d++)
		if (af->pend[d].len > 0)
			parse(af, d, af->pend[d].data, af->pend[d].len);
	release_pending(af);
}

static void
deliver(void *user, const struct stream_chunk *c)
{
	struct app_flow *af = user;
	int dir = c->dir & 1;

	if (c->flags & STREAM_CHUNK_END)
		return;
	if (c->flags & STREAM_CHUNK_GAP) {
		if (af->proto == APP_PROTO_UNKNOWN) {
			af->proto = APP_PROTO_FAILED;
			af->a->st.flows[APP_PROTO_FAILED]++;
			release_pending(af);
		} else if (af->proto == APP_PROTO_HTTP && af->http != NULL) {
			http_conn_gap(af->http, dir);
			if (af->file[dir] != NULL)
				file_gap(af->a->files, af->file[dir]);
		} else if (af->proto == APP_PROTO_TLS && af->tls != NULL) {
			af->tls->d[dir].stopped = 1;
		} else if (af->proto == APP_PROTO_DNS) {
			buf_reset(&af->dns[dir]);	/* resync is not attempted */
			af->dns[dir].max = 1;
		}
		return;
	}
	if (af->proto == APP_PROTO_UNKNOWN) {
		const uint8_t *dd[2];
		size_t nn[2], room = APP_DETECT_MAX - af->pend[dir].len;
		enum app_proto p;

		(void)buf_append(&af->pend[dir], c->data, c->len < room ? c->len : room);
		for (int i = 0; i < 2; i++) {
			dd[i] = af->pend[i].data;
			nn[i] = af->pend[i].len;
		}
		p = app_detect_tcp(dd, nn, af->f->sport, af->f->dport);
		if (p == APP_PROTO_UNKNOWN)
			return;
		if (p == APP_PROTO_FAILED) {
			af->proto = APP_PROTO_FAILED;
			af->a->st.flows[APP_PROTO_FAILED]++;
			if (af->pend[dir].len >= APP_DETECT_MAX)
				af->a->st.detect_bytes_over++;
			release_pending(af);
			return;
		}
		/* the bytes of this chunk past the pending bound go after them */
		start(af, p);
		if (c->len > room)
			parse(af, dir, c->data + room, c->len - room);
		return;
	}
	parse(af, dir, c->data, c->len);
}

/* ---- the slot -------------------------------------------------------- */

static void
flow_end(void *ctx, void *data)
{
	struct app_layer *a = ctx;
	struct app_flow *af = data;

	if (data == &a->failed_flow)
		return;
	af->cur = NULL;
	if (af->f->last_ns > af->ts_ns)
		af->ts_ns = af->f->last_ns;
	for (int d = 0; d < 2; d++) {
		if (af->sd_on[d] == 1 && af->proto != APP_PROTO_FAILED)
			stream_dir_flush(a->stream, &af->sd[d], deliver, af);
		if (af->sd_on[d] == 1)
			stream_dir_free(a->stream, &af->sd[d]);
	}
	if (af->http != NULL)
		http_conn_close(af->http, af->ts_ns);	/* unfinished: events, files */
	for (int d = 0; d < 2; d++)
		if (af->file[d] != NULL) {
			struct file_result r;
			file_close(a->files, af->file[d], 0, &r);
		}
	if (af->tls != NULL) {
		tls_log(af);
		tls_state_free(af->tls);
		free(af->tls);
	}
	buf_free(&af->dns[0]);
	buf_free(&af->dns[1]);
	release_pending(af);
	free(af);
}

struct app_layer *
app_new(struct pipeline *pl, const struct app_config *cfg, struct error *err)
{
	struct app_layer *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		error_set(err, "app layer: out of memory");
		return NULL;
	}
	a->pl = pl;
	a->cfg = *cfg;
	/* a start line (18000), raw headers and a buffered body */
	buf_init(&a->message, 18000 + 2 + (size_t)cfg->http.max_header + 4096 +
	    cfg->http.body_limit);
	buf_init(&a->start, 18000 + 2 + (size_t)cfg->http.max_header + 4096);
	if ((a->stream = stream_ctx_new(&cfg->stream, err)) == NULL)
		goto fail;
	if ((a->http = http_engine_new(&cfg->http, http_event, http_body, err)) == NULL)
		goto fail;
	if (cfg->files.dir != NULL &&
	    (a->files = file_store_new(&cfg->files, err)) == NULL)
		goto fail;
	if ((a->slot = flow_table_register_storage(pipeline_flows(pl), flow_end, a,
	    err)) < 0)
		goto fail;
	return a;
fail:
	app_free(a);
	return NULL;
}

void
app_set_tx_callback(struct app_layer *a, app_tx_fn fn, void *ctx)
{
	a->txfn = fn;
	a->txctx = ctx;
}

static struct app_flow *
flow_get(struct app_layer *a, struct flow *f)
{
	struct app_flow *af = f->storage[a->slot];

	if (af == NULL) {
		if ((af = calloc(1, sizeof(*af))) == NULL)
			return NULL;
		af->a = a;
		af->f = f;
		a->st.records++;
		buf_init(&af->pend[0], APP_DETECT_MAX);
		buf_init(&af->pend[1], APP_DETECT_MAX);
		f->storage[a->slot] = af;
	}
	return af;
}

/*
 * Starts reassembly of direction d.  The record is made at the first
 * payload, so the SYN has gone by: the flow table's ISN of the direction
 * (the SYN's, or one before the first byte seen midstream) is given to
 * the stream engine as a SYN, so bytes are numbered from there.
 */
static void
dir_start(struct app_layer *a, struct app_flow *af, const struct flow *f, int d)
{
	uint32_t flag = d == FLOW_TOSERVER ? FLOW_F_ISN_TS : FLOW_F_ISN_TC;
	struct stream_segment syn = { .flags = TCP_SYN };

	if (!(f->flags & flag))
		return;		/* nothing seen that way yet */
	stream_dir_init(&af->sd[d], (uint8_t)d);
	af->sd_on[d] = 1;
	syn.seq = f->isn[d];
	stream_dir_segment(a->stream, &af->sd[d], &syn, deliver, af);
}

enum pipeline_verdict
app_stage(void *ctx, struct packet *p)
{
	struct app_layer *a = ctx;
	struct app_flow *af;
	int dir;

	if (p->flow == NULL || !(p->layers & (PKT_TCP | PKT_UDP)))
		return PIPELINE_PASS;
	if (p->flow->storage[a->slot] == &a->failed_flow)
		return PIPELINE_PASS;
	af = p->flow->storage[a->slot];
	/* no record before the first payload: a SYN scan costs nothing here
	 * (the stream base comes from the flow table's ISN, see dir_start) */
	if (af == NULL && p->payload_len == 0)
		return PIPELINE_PASS;
	if (af == NULL && (af = flow_get(a, p->flow)) == NULL)
		return PIPELINE_PASS;
	dir = p->dir & 1;
	af->cur = p;
	af->ts_ns = p->ts_ns;
	if (p->layers & PKT_UDP) {
		if (af->proto == APP_PROTO_UNKNOWN) {
			af->proto = (uint8_t)app_detect_udp(p->payload, p->payload_len,
			    p->sport, p->dport);
			a->st.flows[af->proto]++;
		}
		if (af->proto == APP_PROTO_DNS)
			dns_message(af, dir, p->payload, p->payload_len);
	} else {
		struct stream_segment s = {
			.seq = p->tcp_seq,
			.flags = p->tcp_flags & (TCP_SYN | TCP_FIN | TCP_RST),
			.data = p->payload,
			.len = p->payload_len,
		};

		for (int d = 0; d < 2; d++)
			if (af->sd_on[d] == 0)
				dir_start(a, af, p->flow, d);
		if (af->sd_on[dir] == 1)
			stream_dir_segment(a->stream, &af->sd[dir], &s, deliver, af);
	}
	af->cur = NULL;
	if (af->proto == APP_PROTO_FAILED) {
		/* none of ours: no parser was started; the flow keeps only a
		 * marker, so flows of other protocols cost no memory here */
		for (int d = 0; d < 2; d++)
			if (af->sd_on[d] == 1)
				stream_dir_free(a->stream, &af->sd[d]);
		release_pending(af);
		free(af);
		p->flow->storage[a->slot] = &a->failed_flow;
	}
	return PIPELINE_PASS;
}

enum app_proto
app_flow_proto(const struct app_layer *a, const struct flow *f)
{
	const struct app_flow *af = f->storage[a->slot];

	if ((const void *)af == &a->failed_flow)
		return APP_PROTO_FAILED;
	return af != NULL ? (enum app_proto)af->proto : APP_PROTO_UNKNOWN;
}

void
app_get_stats(const struct app_layer *a, struct app_stats *st)
{
	*st = a->st;
	http_engine_stats(a->http, &st->http);
	if (a->files != NULL)
		file_store_stats(a->files, &st->files);
	st->stream = *stream_ctx_stats(a->stream);
}

void
app_print_summary(const struct app_layer *a, FILE *out)
{
	struct app_stats st;

	app_get_stats(a, &st);
	fprintf(out, "app layer  http %llu flows (%llu transactions), tls %llu "
	    "flows (%llu handshakes), dns %llu flows (%llu messages), "
	    "other %llu flows\n",
	    (unsigned long long)st.flows[APP_PROTO_HTTP],
	    (unsigned long long)st.http_tx,
	    (unsigned long long)st.flows[APP_PROTO_TLS],
	    (unsigned long long)st.tls_handshakes,
	    (unsigned long long)st.flows[APP_PROTO_DNS],
	    (unsigned long long)st.dns_messages,
	    (unsigned long long)st.flows[APP_PROTO_FAILED]);
	if (a->files != NULL)
		fprintf(out, "files      %llu seen, %llu stored, %llu already "
		    "stored, %llu not stored, %llu truncated (%llu bytes in store)\n",
		    (unsigned long long)st.files.opened,
		    (unsigned long long)st.files.stored,
		    (unsigned long long)st.files.duplicates,
		    (unsigned long long)st.files.not_stored,
		    (unsigned long long)st.files.truncated,
		    (unsigned long long)st.files.bytes_stored);
}

void
app_free(struct app_layer *a)
{
	if (a == NULL)
		return;
	stream_ctx_free(a->stream);
	buf_free(&a->message);
	buf_free(&a->start);
	http_engine_free(a->http);
	file_store_free(a->files);
	free(a);
}
