/* summary: EVE http, dns, tls and fileinfo events (Suricata field names). */
#include "output/eve_app.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"

static void
kv_app(struct json *j, const char *key, struct app_str s)
{
	if (s.len > 0)
		json_kv_strn(j, key, s.p, s.len);
}

static void
http_object(struct json *j, const struct http_txinfo *tx)
{
	json_key(j, "http");
	json_object_begin(j);
	kv_app(j, "hostname", tx->host);
	kv_app(j, "url", tx->uri_raw);
	kv_app(j, "http_user_agent", tx->user_agent);
	kv_app(j, "http_content_type", tx->res_content_type);
	kv_app(j, "http_refer", tx->referer);
	kv_app(j, "http_method", tx->method);
	kv_app(j, "protocol", tx->protocol);
	if (tx->status > 0)
		json_kv_uint(j, "status", (uint64_t)tx->status);
	kv_app(j, "redirect", tx->location);
	json_kv_uint(j, "length", tx->response_body_len);
	json_object_end(j);
}

int
eve_app_http(struct eve *e, uint64_t ts_ns, const struct flow *f,
    const struct http_txinfo *tx)
{
	struct json *j = eve_begin(e, "http", ts_ns, f, NULL);

	json_kv_uint(j, "tx_id", tx->tx_id);
	http_object(j, tx);
	json_kv_str(j, "app_proto", "http");
	return eve_end(e);
}

static void
dns_flags(struct json *j, const struct dns_msg *m)
{
	char hex[8];

	snprintf(hex, sizeof(hex), "%04x", m->flags);
	json_kv_str(j, "flags", hex);
	json_kv_bool(j, "qr", DNS_QR(m));
	if (m->flags & 0x0400)
		json_kv_bool(j, "aa", 1);
	if (m->flags & 0x0200)
		json_kv_bool(j, "tc", 1);
	if (m->flags & 0x0100)
		json_kv_bool(j, "rd", 1);
	if (m->flags & 0x0080)
		json_kv_bool(j, "ra", 1);
}

int
eve_app_dns(struct eve *e, uint64_t ts_ns, const struct flow *f,
    const struct packet *p, uint64_t tx_id, const struct dns_msg *m)
{
	struct json *j = eve_begin(e, "dns", ts_ns, f, p);
	char tb[8], rb[8];

	json_key(j, "dns");
	json_object_begin(j);
	if (!DNS_QR(m)) {
		json_kv_str(j, "type", "query");
		json_kv_uint(j, "id", m->id);
		if (m->nquestions > 0) {
			json_kv_strn(j, "rrname", m->q[0].name, m->q[0].name_len);
			json_kv_str(j, "rrtype", dns_type_name(m->q[0].type, tb));
		}
		json_kv_uint(j, "tx_id", tx_id);
		json_kv_uint(j, "opcode", DNS_OPCODE(m));
	} else {
		json_kv_uint(j, "version", 2);
		json_kv_str(j, "type", "answer");
		json_kv_uint(j, "id", m->id);
		dns_flags(j, m);
		json_kv_uint(j, "opcode", DNS_OPCODE(m));
		if (m->nquestions > 0) {
			json_kv_strn(j, "rrname", m->q[0].name, m->q[0].name_len);
			json_kv_str(j, "rrtype", dns_type_name(m->q[0].type, tb));
		}
		json_kv_str(j, "rcode", dns_rcode_name(DNS_RCODE(m), rb));
		if (m->nanswers > 0) {
			json_key(j, "answers");
			json_array_begin(j);
			for (unsigned i = 0; i < m->nanswers; i++) {
				const struct dns_rr *rr = &m->an[i];

				json_object_begin(j);
				json_kv_strn(j, "rrname", rr->name, rr->name_len);
				json_kv_str(j, "rrtype", dns_type_name(rr->type, tb));
				json_kv_uint(j, "ttl", rr->ttl);
				if (rr->rdata_len > 0)
					json_kv_strn(j, "rdata", rr->rdata, rr->rdata_len);
				json_object_end(j);
			}
			json_array_end(j);
			/* grouped: rdata by type, types in order of first use */
			json_key(j, "grouped");
			json_object_begin(j);
			for (unsigned i = 0; i < m->nanswers; i++) {
				int seen = 0;

				for (unsigned k = 0; k < i; k++)
					if (m->an[k].type == m->an[i].type &&
					    m->an[k].rdata_len > 0)
						seen = 1;
				if (seen || m->an[i].rdata_len == 0)
					continue;
				json_key(j, dns_type_name(m->an[i].type, tb));
				json_array_begin(j);
				for (unsigned k = i; k < m->nanswers; k++)
					if (m->an[k].type == m->an[i].type &&
					    m->an[k].rdata_len > 0)
						json_strn(j, m->an[k].rdata,
						    m->an[k].rdata_len);
				json_array_end(j);
			}
			json_object_end(j);
		}
		json_kv_uint(j, "tx_id", tx_id);
	}
	json_object_end(j);
	json_kv_str(j, "app_proto", "dns");
	return eve_end(e);
}

int
eve_app_tls(struct eve *e, uint64_t ts_ns, const struct flow *f,
    const struct tls_state *t)
{
	struct json *j = eve_begin(e, "tls", ts_ns, f, NULL);

	json_key(j, "tls");
	json_object_begin(j);
	if (t->subject[0])
		json_kv_str(j, "subject", t->subject);
	if (t->issuer[0])
		json_kv_str(j, "issuerdn", t->issuer);
	if (t->serial[0])
		json_kv_str(j, "serial", t->serial);
	if (t->fingerprint[0])
		json_kv_str(j, "fingerprint", t->fingerprint);
	if (t->sni_len > 0)
		json_kv_strn(j, "sni", t->sni, t->sni_len);
	json_kv_str(j, "version", tls_version_name(t->version));
	if (t->notbefore[0])
		json_kv_str(j, "notbefore", t->notbefore);
	if (t->notafter[0])
		json_kv_str(j, "notafter", t->notafter);
	if (t->have_client_hello) {
		json_key(j, "ja3");
		json_object_begin(j);
		json_kv_str(j, "hash", t->ja3_hash);
		json_kv_str(j, "string", t->ja3);
		json_object_end(j);
	}
	if (t->have_server_hello) {
		json_key(j, "ja3s");
		json_object_begin(j);
		json_kv_str(j, "hash", t->ja3s_hash);
		json_kv_str(j, "string", t->ja3s);
		json_object_end(j);
	}
	json_object_end(j);
	json_kv_str(j, "app_proto", "tls");
	return eve_end(e);
}

int
eve_app_fileinfo(struct eve *e, uint64_t ts_ns, const struct flow *f,
    const struct http_txinfo *tx, int dir, const struct file_result *r)
{
	struct json *j = eve_begin(e, "fileinfo", ts_ns, f, NULL);
	struct app_str name = dir == 0 ? tx->filename : tx->res_filename;

	http_object(j, tx);
	json_kv_str(j, "app_proto", "http");
	json_kv_str(j, "direction", dir == 0 ? "to_server" : "to_client");
	json_key(j, "fileinfo");
	json_object_begin(j);
	/* Suricata names an HTTP file by its URI unless the headers name it */
	if (name.len == 0)
		name = tx->uri_norm.len > 0 ? tx->uri_norm : tx->uri_raw;
	json_kv_strn(j, "filename", name.p, name.len);
	json_kv_bool(j, "gaps", r->gaps);
	json_kv_str(j, "state", file_state_name(r->state));
	if (r->sha256[0])
		json_kv_str(j, "sha256", r->sha256);
	json_kv_bool(j, "stored", r->stored);
	json_kv_uint(j, "size", r->size);
	json_kv_uint(j, "tx_id", tx->tx_id);
	json_kv_str(j, "magic", r->magic);
	json_kv_uint(j, "file_id", r->file_id);
	json_object_end(j);
	return eve_end(e);
}
