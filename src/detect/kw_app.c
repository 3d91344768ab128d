/* summary: app-layer rule keywords: content modifiers, uricontent, urilen, app-layer-protocol, inspection point. */
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "detect/detect_int.h"

/*
 * Sticky buffers (http.uri, dns.query, tls.sni, ...) are buffer ids in
 * keywords.c: DBUF_APP + enum app_buf.  This file adds what is not a
 * plain sticky buffer (issue 6, engineer h10):
 *
 *   - the Snort content modifiers (http_uri, http_header, ...): they move
 *     the content just parsed into their buffer;
 *   - uricontent (a content in http.uri), urilen (length of http.uri,
 *     normalised or raw), app-layer-protocol;
 *   - kw_app_finish(): the rule's app protocol (from its header or its
 *     buffers) and its inspection point.  A rule with app buffers is
 *     evaluated once per transaction, at the first point where all its
 *     buffers exist (request headers, request body, response headers,
 *     response body; DNS query or answer; TLS ClientHello, ServerHello or
 *     Certificate), in the direction its flow keyword says (file.data
 *     defaults to the response, as Suricata).  A rule with only an app
 *     protocol (`alert http ... content:"x";`) is evaluated on the
 *     packets and stream of flows of that protocol.
 */

_Static_assert(DETECT_APP_BUFS == APP_BUF_COUNT, "DETECT_APP_BUFS must equal APP_BUF_COUNT");
/* keywords.c names the buffers by number (DBUF_APP + n): keep them in step */
_Static_assert(APP_BUF_HTTP_URI == 0 && APP_BUF_HTTP_REQUEST_BODY == 9 &&
    APP_BUF_FILE_DATA == 13 && APP_BUF_HTTP_HEADER_NAMES == 19 &&
    APP_BUF_HTTP_LOCATION == 21 && APP_BUF_DNS_QUERY == 22 && APP_BUF_TLS_SNI == 23 &&
    APP_BUF_TLS_CERT_SERIAL == 26 && APP_BUF_JA3S_HASH == 29 &&
    APP_BUF_TLS_CERTS == 33 && APP_BUF_HTTP_START == 35 && APP_BUF_HTTP_HOST_RAW == 40,
    "enum app_buf changed: update the buffer table in keywords.c");

/*
 * The app layer's own app_buf_proto() and app_buf_dotprefix() say the
 * same; they are repeated here so that the detect module links without
 * the app module (builds restricted with MODULES=...): only app/app.h's
 * constants are shared.
 */
static int
buf_proto(int b)
{
	if (b == APP_BUF_DNS_QUERY || b == APP_BUF_DNS_QUERY_DOT)
		return APP_PROTO_DNS;
	if ((b >= APP_BUF_TLS_SNI && b <= APP_BUF_JA3S_HASH) || b == APP_BUF_TLS_SNI_DOT ||
	    b == APP_BUF_TLS_CERTS)
		return APP_PROTO_TLS;
	return APP_PROTO_HTTP;
}

static int
buf_dotprefix(int b)
{
	return b == APP_BUF_DNS_QUERY ? APP_BUF_DNS_QUERY_DOT :
	    b == APP_BUF_TLS_SNI ? APP_BUF_TLS_SNI_DOT :
	    b == APP_BUF_HTTP_HOST ? APP_BUF_HTTP_HOST_DOT : -1;
}

static int
set_proto(struct parse_ctx *ctx, int p)
{
	struct rule *r = ctx->r;

	if (r->app_proto != 0 && r->app_proto != p)
		return error_set(ctx->err, "buffers or protocols of two app layers");
	r->app_proto = (uint8_t)p;
	return 0;
}

/* http_uri, http_header, ...: the previous content goes to the buffer. */
int
kw_app_modifier_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	static const struct { const char *name; int buf; } mods[] = {
		{ "http_uri", APP_BUF_HTTP_URI }, { "http_raw_uri", APP_BUF_HTTP_URI_RAW },
		{ "http_header", APP_BUF_HTTP_HEADER },
		{ "http_raw_header", APP_BUF_HTTP_HEADER_RAW },
		{ "http_cookie", APP_BUF_HTTP_COOKIE }, { "http_method", APP_BUF_HTTP_METHOD },
		{ "http_client_body", APP_BUF_HTTP_REQUEST_BODY },
		{ "http_server_body", APP_BUF_HTTP_RESPONSE_BODY },
		{ "http_stat_code", APP_BUF_HTTP_STAT_CODE },
		{ "http_stat_msg", APP_BUF_HTTP_STAT_MSG },
		{ "http_user_agent", APP_BUF_HTTP_USER_AGENT }, { "http_host", APP_BUF_HTTP_HOST },
	};
	struct sm_list *from;
	int buf = -1;

	(void)value;
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		if (strcmp(mods[i].name, kw) == 0)
			buf = DBUF_APP + mods[i].buf;
	if (buf < 0)
		return kw_unsupported(ctx, kw);
	if (ctx->last_content_buf < 0 || ctx->last_content_idx < 0)
		return error_set(ctx->err, "no content before it");
	if (ctx->last_content_buf == buf)
		return 0;	/* given twice */
	if (ctx->last_content_buf != DBUF_PAYLOAD)
		return error_set(ctx->err, "the content already has a buffer");
	from = &ctx->r->lists[ctx->last_content_buf];
	if (ctx->last_content_idx != from->n - 1)
		return error_set(ctx->err, "keywords between the content and its modifier");
	{
		struct sm moved = from->v[from->n - 1];
		struct sm *sm;

		from->n--;
		if ((sm = sm_append(ctx, buf, SM_CONTENT)) == NULL)
			return -1;
		*sm = moved;
	}
	return set_proto(ctx, APP_PROTO_HTTP);
}

/* uricontent:"x" = content:"x"; http_uri; */
int
kw_uricontent_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	int saved = ctx->cur_buf, rc;

	(void)kw;
	ctx->cur_buf = DBUF_APP + APP_BUF_HTTP_URI;
	rc = kw_content_setup(ctx, "content", value);
	ctx->cur_buf = saved;
	return rc == -1 ? -1 : set_proto(ctx, APP_PROTO_HTTP);
}

/* urilen:N | <N | >N | a<>b [,norm|,raw] */
int
kw_urilen_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	char *parts[3];
	int n;
	struct urange r;

	(void)kw;
	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	n = kw_split(value, parts, 3);
	if (n < 1 || n > 2 || urange_parse(parts[0], UINT32_MAX, &r) == -1)
		return error_set(ctx->err, "expected n, <n, >n or a<>b[,norm|raw]");
	if (n == 2) {
		char *opt = kw_trim(parts[1]);

		if (strcmp(opt, "raw") == 0)
			ctx->r->urilen_raw = 1;
		else if (strcmp(opt, "norm") != 0)
			return error_set(ctx->err, "expected norm or raw");
	}
	free(ctx->r->urilen);
	if ((ctx->r->urilen = malloc(sizeof(r))) == NULL)
		return error_set(ctx->err, "out of memory");
	*ctx->r->urilen = r;
	return set_proto(ctx, APP_PROTO_HTTP);
}

/* app-layer-protocol:http|http1|tls|dns */
int
kw_app_layer_protocol_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	char *v = value != NULL ? kw_trim(value) : NULL;
	char nm[48];

	if (v == NULL || *v == '\0')
		return error_set(ctx->err, "needs a protocol");
	if (strcmp(v, "http") == 0 || strcmp(v, "http1") == 0)
		return set_proto(ctx, APP_PROTO_HTTP);
	if (strcmp(v, "tls") == 0)
		return set_proto(ctx, APP_PROTO_TLS);
	if (strcmp(v, "dns") == 0)
		return set_proto(ctx, APP_PROTO_DNS);
	snprintf(nm, sizeof(nm), "%s:%.30s", kw, v);
	return kw_unsupported(ctx, nm);
}

/* dotprefix: the sticky buffer just named is read with a '.' in front. */
int
kw_dotprefix_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	int b = ctx->cur_buf - DBUF_APP, dot;

	(void)value;
	if (b < 0 || b >= DETECT_APP_BUFS || (dot = buf_dotprefix(b)) < 0)
		return kw_unsupported(ctx, "dotprefix on this buffer");
	if (ctx->r->lists[ctx->cur_buf].n > 0)
		return kw_unsupported(ctx, "dotprefix after content");
	ctx->cur_buf = DBUF_APP + dot;
	(void)kw;
	return 0;
}

/* Header protocols of the app layer: 1 if s is one (r->proto set). */
int
kw_app_header_proto(struct parse_ctx *ctx, const char *s)
{
	if (strcmp(s, "http") == 0 || strcmp(s, "http1") == 0) {
		ctx->r->proto = RP_TCP;
		ctx->r->app_proto = APP_PROTO_HTTP;
		return 1;
	}
	if (strcmp(s, "tls") == 0 || strcmp(s, "ssl") == 0) {
		ctx->r->proto = RP_TCP;
		ctx->r->app_proto = APP_PROTO_TLS;
		return 1;
	}
	if (strcmp(s, "dns") == 0) {
		ctx->r->proto = RP_IP;	/* UDP and TCP; ports are not checked */
		ctx->r->app_proto = APP_PROTO_DNS;
		return 1;
	}
	return 0;
}

/* The inspection point of buffer b for a rule looking at direction dir. */
static int
buffer_point(int b, int dir)
{
	switch (b) {
	case APP_BUF_HTTP_HEADER: case APP_BUF_HTTP_HEADER_RAW:
	case APP_BUF_HTTP_HEADER_NAMES: case APP_BUF_HTTP_CONTENT_TYPE:
	case APP_BUF_HTTP_CONTENT_LEN: case APP_BUF_HTTP_PROTOCOL:
	case APP_BUF_HTTP_START:
		return dir == 1 ? APP_POINT_HTTP_RESPONSE_HEADERS : APP_POINT_HTTP_REQUEST_HEADERS;
	case APP_BUF_HTTP_REQUEST_BODY:
		return APP_POINT_HTTP_REQUEST_BODY;
	case APP_BUF_FILE_DATA:
		return dir == 0 ? APP_POINT_HTTP_REQUEST_BODY : APP_POINT_HTTP_RESPONSE_BODY;
	case APP_BUF_HTTP_STAT_CODE: case APP_BUF_HTTP_STAT_MSG:
	case APP_BUF_HTTP_RESPONSE_LINE: case APP_BUF_HTTP_LOCATION:
	case APP_BUF_HTTP_SERVER:
		return APP_POINT_HTTP_RESPONSE_HEADERS;
	case APP_BUF_HTTP_RESPONSE_BODY:
		return APP_POINT_HTTP_RESPONSE_BODY;
	case APP_BUF_HTTP_STREAM:
		return dir == 1 ? APP_POINT_HTTP_RESPONSE_BODY : APP_POINT_HTTP_REQUEST_BODY;
	case APP_BUF_DNS_QUERY: case APP_BUF_DNS_QUERY_DOT:
		return dir == 1 ? APP_POINT_DNS_ANSWER : APP_POINT_DNS_QUERY;
	case APP_BUF_TLS_SNI: case APP_BUF_JA3_HASH: case APP_BUF_JA3_STRING:
	case APP_BUF_TLS_SNI_DOT:
		return APP_POINT_TLS_CLIENT_HELLO;
	case APP_BUF_JA3S_HASH:
		return APP_POINT_TLS_SERVER_HELLO;
	case APP_BUF_TLS_CERT_SUBJECT: case APP_BUF_TLS_CERT_ISSUER:
	case APP_BUF_TLS_CERT_SERIAL: case APP_BUF_TLS_CERTS:
		return APP_POINT_TLS_CERT;
	default:	/* request line and request headers */
		return APP_POINT_HTTP_REQUEST_HEADERS;
	}
}

int
kw_app_finish(struct parse_ctx *ctx)
{
	struct rule *r = ctx->r;
	int dir = -1, point = 0, any = 0;

	if (r->flow_flags & FLOWF_TOCLIENT)
		dir = 1;
	else if (r->flow_flags & FLOWF_TOSERVER)
		dir = 0;
	for (int b = 0; b < DETECT_APP_BUFS; b++) {
		int p;

		if (r->lists[DBUF_APP + b].n == 0)
			continue;
		any = 1;
		if (set_proto(ctx, buf_proto(b)) == -1)
			return -1;
		p = buffer_point(b, dir < 0 && b == APP_BUF_FILE_DATA ? 1 : dir);
		if (p > point)
			point = p;
	}
	if (r->urilen != NULL) {
		any = 1;
		if (point < APP_POINT_HTTP_REQUEST_HEADERS)
			point = APP_POINT_HTTP_REQUEST_HEADERS;
	}
	if (!any)
		return 0;	/* packet/stream rule (maybe limited to an app protocol) */
	if (r->lists[DBUF_PAYLOAD].n > 0) {
		/* stream content next to HTTP buffers: inspected on the
		 * transaction's message as sent (start line, headers, body) */
		struct sm_list *to = &r->lists[DBUF_APP + APP_BUF_HTTP_STREAM];

		if (r->app_proto != APP_PROTO_HTTP || to->n > 0)
			return kw_unsupported(ctx, "pkt_data with app buffers");
		*to = r->lists[DBUF_PAYLOAD];
		memset(&r->lists[DBUF_PAYLOAD], 0, sizeof(r->lists[DBUF_PAYLOAD]));
		if (ctx->last_content_buf == DBUF_PAYLOAD)
			ctx->last_content_buf = DBUF_APP + APP_BUF_HTTP_STREAM;
		if (ctx->last_sm_buf == DBUF_PAYLOAD)
			ctx->last_sm_buf = DBUF_APP + APP_BUF_HTTP_STREAM;
		if (buffer_point(APP_BUF_HTTP_STREAM, dir) > point)
			point = buffer_point(APP_BUF_HTTP_STREAM, dir);
	}
	if (r->dsize != NULL || (r->flags & (RULE_F_PKT_ONLY | RULE_F_BIDIR)))
		return kw_unsupported(ctx, (r->flags & RULE_F_BIDIR) ?
		    "<> with app buffers" : "packet keywords with app buffers");
	/* a to_client rule on request-side buffers (http.uri, tls.sni) is
	 * inspected with the response, where its direction holds */
	if (dir == 1 && !APP_POINT_DIR(point))
		point = r->app_proto == APP_PROTO_HTTP ? APP_POINT_HTTP_RESPONSE_HEADERS :
		    r->app_proto == APP_PROTO_TLS ? APP_POINT_TLS_SERVER_HELLO :
		    APP_POINT_DNS_ANSWER;
	r->app_point = (uint8_t)point;
	r->app_dir = (uint8_t)APP_POINT_DIR(point);
	return 0;
}
