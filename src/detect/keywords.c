/* summary: the keyword table and the buffer table: what the parser knows. */
#include <string.h>

#include "detect/detect_int.h"

/*
 * Buffers.  A sticky buffer keyword ("http.uri;") or a content modifier
 * ("http_uri;") names the buffer the following (or previous) payload
 * keywords inspect.  The engine fills DBUF_PAYLOAD today; the app-layer
 * buffers are listed so rules using them are counted as unsupported under
 * their names.  Adding one: give it an id below DBUF_MAX, a getter in the
 * engine, and a Hyperscan database per group is built for it.
 */
static const struct { const char *name; int id; } buffers[] = {
	{ "pkt_data", DBUF_PAYLOAD },
	/* h10 (issue 6): app-layer buffers, DBUF_APP + enum app_buf (app/app.h) */
	{ "http.uri", DBUF_APP + 0 }, { "http.uri.raw", DBUF_APP + 1 },
	{ "http.method", DBUF_APP + 2 }, { "http.request_line", DBUF_APP + 3 },
	{ "http.header", DBUF_APP + 4 }, { "http.header.raw", DBUF_APP + 5 },
	{ "http.cookie", DBUF_APP + 6 }, { "http.user_agent", DBUF_APP + 7 },
	{ "http.host", DBUF_APP + 8 }, { "http.request_body", DBUF_APP + 9 },
	{ "http.stat_code", DBUF_APP + 10 }, { "http.stat_msg", DBUF_APP + 11 },
	{ "http.response_body", DBUF_APP + 12 },
	{ "file_data", DBUF_APP + 13 }, { "file.data", DBUF_APP + 13 },
	{ "http.content_type", DBUF_APP + 14 }, { "http.content_len", DBUF_APP + 15 },
	{ "http.protocol", DBUF_APP + 16 }, { "http.accept", DBUF_APP + 17 },
	{ "http.referer", DBUF_APP + 18 }, { "http.header_names", DBUF_APP + 19 },
	{ "http.response_line", DBUF_APP + 20 }, { "http.location", DBUF_APP + 21 },
	{ "dns.query", DBUF_APP + 22 }, { "dns_query", DBUF_APP + 22 },
	{ "tls.sni", DBUF_APP + 23 }, { "tls_sni", DBUF_APP + 23 },
	{ "tls.cert_subject", DBUF_APP + 24 }, { "tls_cert_subject", DBUF_APP + 24 },
	{ "tls.cert_issuer", DBUF_APP + 25 }, { "tls_cert_issuer", DBUF_APP + 25 },
	{ "tls.cert_serial", DBUF_APP + 26 }, { "tls_cert_serial", DBUF_APP + 26 },
	{ "ja3.hash", DBUF_APP + 27 }, { "ja3_hash", DBUF_APP + 27 },
	{ "ja3.string", DBUF_APP + 28 }, { "ja3s.hash", DBUF_APP + 29 },
	{ "tls.certs", DBUF_APP + 33 },
	{ "http.start", DBUF_APP + 35 }, { "http.server", DBUF_APP + 36 },
	{ "http.accept_enc", DBUF_APP + 37 }, { "http.accept_lang", DBUF_APP + 38 },
	{ "http.connection", DBUF_APP + 39 }, { "http.host.raw", DBUF_APP + 40 },
	/* not filled by the app layer (yet) */
	{ "http.request_header", -1 }, { "http.response_header", -1 },
	{ "tls.cert_fingerprint", -1 },
	{ "ja3s.string", -1 }, { "ssh.proto", -1 }, { "ssh.software", -1 },
	{ "smb.named_pipe", -1 }, { "smb.share", -1 }, { "base64_data", -1 },
	{ "tcp.hdr", -1 }, { "udp.hdr", -1 }, { "ipv4.hdr", -1 },
	{ "icmpv4.hdr", -1 }, { "ftp.command", -1 }, { "smtp.helo", -1 },
	{ "krb5_cname", -1 }, { "sip.method", -1 }, { "snmp.community", -1 },
	{ "quic.sni", -1 }, { "dcerpc.stub_data", -1 },
	/* Snort 2.9 content modifiers */
	{ "http_uri", -1 }, { "http_raw_uri", -1 }, { "http_header", -1 },
	{ "http_raw_header", -1 }, { "http_cookie", -1 }, { "http_raw_cookie", -1 },
	{ "http_method", -1 }, { "http_client_body", -1 }, { "http_server_body", -1 },
	{ "http_stat_code", -1 }, { "http_stat_msg", -1 }, { "http_user_agent", -1 },
	{ "http_host", -1 }, { "http_raw_host", -1 }, { "uricontent", -1 },
};

int
buffer_lookup(const char *name, int *known)
{
	for (size_t i = 0; i < sizeof(buffers) / sizeof(buffers[0]); i++) {
		if (strcmp(buffers[i].name, name) == 0) {
			*known = 1;
			return buffers[i].id;
		}
	}
	*known = 0;
	return -1;
}

int
kw_sticky_buffer_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	int known, id = buffer_lookup(kw, &known);

	if (id < 0) {
		kw_unsupported(ctx, kw);
		ctx->cur_buf = DBUF_SINK;
		return 0;
	}
	ctx->cur_buf = id;
	return 0;
}

static const struct keyword table[] = {
	{ "msg", kw_meta_setup }, { "sid", kw_meta_setup }, { "gid", kw_meta_setup },
	{ "rev", kw_meta_setup }, { "classtype", kw_meta_setup },
	{ "priority", kw_meta_setup }, { "reference", kw_meta_setup },
	{ "metadata", kw_meta_setup }, { "target", kw_meta_setup },
	{ "content", kw_content_setup },
	{ "nocase", kw_content_modifier }, { "rawbytes", kw_content_modifier },
	{ "offset", kw_content_modifier }, { "depth", kw_content_modifier },
	{ "distance", kw_content_modifier }, { "within", kw_content_modifier },
	{ "startswith", kw_content_modifier }, { "endswith", kw_content_modifier },
	{ "fast_pattern", kw_fast_pattern_setup }, { "replace", kw_replace_setup },
	{ "pcre", kw_pcre_setup },
	{ "byte_test", kw_byte_test_setup }, { "byte_jump", kw_byte_jump_setup },
	{ "byte_extract", kw_byte_extract_setup },
	{ "isdataat", kw_isdataat_setup }, { "bsize", kw_bsize_setup },
	{ "dsize", kw_dsize_setup },
	{ "flow", kw_flow_setup },
	{ "flowbits", kw_flowbits_setup }, { "noalert", kw_flowbits_setup },
	{ "flags", kw_flags_setup },
	{ "ttl", kw_ipfield_setup }, { "tos", kw_ipfield_setup },
	{ "id", kw_ipfield_setup }, { "seq", kw_ipfield_setup },
	{ "ack", kw_ipfield_setup }, { "window", kw_ipfield_setup },
	{ "ip_proto", kw_ipfield_setup }, { "sameip", kw_ipfield_setup },
	{ "itype", kw_icmp_setup }, { "icode", kw_icmp_setup },
	{ "icmp_id", kw_icmp_setup }, { "icmp_seq", kw_icmp_setup },
	{ "threshold", kw_threshold_setup },
	{ "detection_filter", kw_threshold_setup },
	{ "pkt_data", kw_sticky_buffer_setup },
	/* h10 (issue 6): app-layer keywords (kw_app.c) */
	{ "http_uri", kw_app_modifier_setup }, { "http_raw_uri", kw_app_modifier_setup },
	{ "http_header", kw_app_modifier_setup }, { "http_raw_header", kw_app_modifier_setup },
	{ "http_cookie", kw_app_modifier_setup }, { "http_method", kw_app_modifier_setup },
	{ "http_client_body", kw_app_modifier_setup },
	{ "http_server_body", kw_app_modifier_setup },
	{ "http_stat_code", kw_app_modifier_setup }, { "http_stat_msg", kw_app_modifier_setup },
	{ "http_user_agent", kw_app_modifier_setup }, { "http_host", kw_app_modifier_setup },
	{ "uricontent", kw_uricontent_setup }, { "urilen", kw_urilen_setup },
	{ "app-layer-protocol", kw_app_layer_protocol_setup },
	{ "dotprefix", kw_dotprefix_setup },
};

const struct keyword *
keyword_find(const char *name)
{
	static const struct keyword sticky = { "sticky", kw_sticky_buffer_setup };
	int known;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	(void)buffer_lookup(name, &known);
	if (known)
		return &sticky;
	return NULL;
}
