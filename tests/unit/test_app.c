/* summary: unit tests for app/app: the stage in a pipeline: detection, EVE http/dns/fileinfo, tx callback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "app/app.h"
#include "engine/pipeline.h"
#include "jsoncheck.h"
#include "pktbuild.h"

#define CLI "192.0.2.10"
#define SRV "198.51.100.20"

struct ctx {
	char dir[64], eve[128], files[128];
	struct pipeline *pl;
	struct app_layer *app;
	uint64_t ts;
	/* what the tx callback saw */
	char uri[128], host[64], query[128], ua[64];
	int http_req, http_res, dns, tls;
};

static void
on_tx(void *user, struct packet *p, struct flow *f, const struct app_tx *tx)
{
	struct ctx *c = user;
	const uint8_t *d;
	uint32_t n;

	(void)p;
	assert_non_null(f);
	if (tx->proto == APP_PROTO_HTTP && tx->event == HTTP_EV_REQUEST_HEADERS) {
		c->http_req++;
		if (app_tx_buffer(tx, APP_BUF_HTTP_URI, &d, &n))
			snprintf(c->uri, sizeof(c->uri), "%.*s", (int)n, d);
		if (app_tx_buffer(tx, APP_BUF_HTTP_HOST, &d, &n))
			snprintf(c->host, sizeof(c->host), "%.*s", (int)n, d);
		if (app_tx_buffer(tx, APP_BUF_HTTP_USER_AGENT, &d, &n))
			snprintf(c->ua, sizeof(c->ua), "%.*s", (int)n, d);
		/* a buffer of another protocol is never there */
		assert_int_equal(app_tx_buffer(tx, APP_BUF_DNS_QUERY, &d, &n), 0);
	}
	if (tx->proto == APP_PROTO_HTTP && tx->event == HTTP_EV_RESPONSE_DONE) {
		c->http_res++;
		assert_int_equal(app_tx_buffer(tx, APP_BUF_FILE_DATA, &d, &n), 1);
		assert_int_equal(n, 8);
	}
	if (tx->proto == APP_PROTO_DNS) {
		c->dns++;
		if (app_tx_buffer(tx, APP_BUF_DNS_QUERY, &d, &n))
			snprintf(c->query, sizeof(c->query), "%.*s", (int)n, d);
	}
}

static void
frame(struct ctx *c, struct pb_spec *s)
{
	uint8_t f[2048];
	size_t n = pb_frame(s, f, sizeof(f));

	assert_true(n > 0);
	c->ts += 1000000;
	pipeline_frame(c->pl, 1 /* DLT_EN10MB */, f, (uint32_t)n, (uint32_t)n, c->ts);
}

static void
tcp(struct ctx *c, int to_server, uint16_t cport, uint16_t sport, uint32_t seq,
    uint32_t ack, uint8_t flags, const char *data, size_t len)
{
	struct pb_spec s = { .proto = PB_TCP, .seq = seq, .ack = ack, .flags = flags,
		.payload = data, .payload_len = len };

	s.src = to_server ? CLI : SRV;
	s.dst = to_server ? SRV : CLI;
	s.sport = to_server ? cport : sport;
	s.dport = to_server ? sport : cport;
	frame(c, &s);
}

static void
setup_ctx(struct ctx *c, int files)
{
	struct pipeline_config cfg;
	struct app_config ac;
	struct error err;

	memset(c, 0, sizeof(*c));
	c->ts = 1700000000ull * 1000000000ull;
	strcpy(c->dir, "/tmp/h10-app-XXXXXX");
	assert_non_null(mkdtemp(c->dir));
	snprintf(c->eve, sizeof(c->eve), "%s/eve.json", c->dir);
	snprintf(c->files, sizeof(c->files), "%s/files", c->dir);
	pipeline_config_default(&cfg);
	cfg.eve_path = c->eve;
	cfg.flow.deterministic_hash = 1;
	c->pl = pipeline_new(&cfg, &err);
	assert_non_null(c->pl);
	app_config_default(&ac);
	if (files)
		ac.files.dir = c->files;
	c->app = app_new(c->pl, &ac, &err);
	assert_non_null(c->app);
	app_set_tx_callback(c->app, on_tx, c);
	assert_int_equal(pipeline_add_stage(c->pl, "app", app_stage, c->app, &err), 0);
}

static char *
finish(struct ctx *c, size_t *len)
{
	struct error err;
	FILE *fp;
	char *text;
	long n;
	size_t lines, bad;

	assert_int_equal(pipeline_finish(c->pl, &err), 0);
	fp = fopen(c->eve, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	assert_int_equal(json_check_lines(text, *len, &lines, &bad), 0);
	return text;
}

static void
teardown_ctx(struct ctx *c, char *text)
{
	char cmd[128];

	pipeline_free(c->pl);
	app_free(c->app);
	free(text);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
	assert_int_equal(system(cmd), 0);
}

/* An HTTP download of an ELF on port 8080 (not 80: found by content). */
static void
test_http_file(void **state)
{
	struct ctx c;
	char *text;
	size_t len;
	const char *req = "GET /bins/x%2e86 HTTP/1.1\r\nHost: Evil.Example\r\n"
	    "User-Agent: Wget/1.21\r\n\r\n";
	static const char res[] = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n\x7f" "ELF\x02\x01\x01\x00";
	struct stat st;
	struct app_stats as;

	(void)state;
	setup_ctx(&c, 1);
	tcp(&c, 1, 40000, 8080, 100, 0, TCP_SYN, NULL, 0);
	tcp(&c, 0, 40000, 8080, 500, 101, TCP_SYN | TCP_ACK, NULL, 0);
	tcp(&c, 1, 40000, 8080, 101, 501, TCP_ACK, NULL, 0);
	/* the request in two segments, the second first (out of order) */
	tcp(&c, 1, 40000, 8080, 101 + 10, 501, TCP_ACK | TCP_PSH, req + 10, strlen(req) - 10);
	assert_int_equal(c.http_req, 0);
	tcp(&c, 1, 40000, 8080, 101, 501, TCP_ACK, req, 10);
	assert_int_equal(c.http_req, 1);
	assert_string_equal(c.uri, "/bins/x.86");
	assert_string_equal(c.host, "evil.example");
	assert_string_equal(c.ua, "Wget/1.21");
	tcp(&c, 0, 40000, 8080, 501, 101 + (uint32_t)strlen(req), TCP_ACK | TCP_PSH, res,
	    sizeof(res) - 1);
	assert_int_equal(c.http_res, 1);
	tcp(&c, 1, 40000, 8080, 101 + (uint32_t)strlen(req), 0, TCP_FIN | TCP_ACK, NULL, 0);
	app_get_stats(c.app, &as);
	assert_int_equal(as.flows[APP_PROTO_HTTP], 1);
	text = finish(&c, &len);
	assert_non_null(strstr(text, "\"event_type\":\"http\""));
	assert_non_null(strstr(text, "\"hostname\":\"evil.example\",\"url\":\"/bins/x%2e86\","
	    "\"http_user_agent\":\"Wget/1.21\""));
	assert_non_null(strstr(text, "\"status\":200"));
	assert_non_null(strstr(text, "\"event_type\":\"fileinfo\""));
	assert_non_null(strstr(text, "\"filename\":\"/bins/x.86\""));
	assert_non_null(strstr(text, "\"magic\":\"ELF\""));
	assert_non_null(strstr(text, "\"stored\":true"));
	assert_non_null(strstr(text, "\"state\":\"CLOSED\""));
	assert_non_null(strstr(text, "\"size\":8"));
	/* stored under its hash */
	{
		const char *h = strstr(text, "\"sha256\":\"");
		char sub[300];

		assert_non_null(h);
		h += 10;
		snprintf(sub, sizeof(sub), "%s/files/%.2s/%.64s", c.dir, h, h);
		assert_int_equal(stat(sub, &st), 0);
		assert_int_equal(st.st_size, 8);
	}
	teardown_ctx(&c, text);
}

static void
test_dns_udp(void **state)
{
	struct ctx c;
	char *text;
	size_t len;
	static const uint8_t q[] = {
		0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'c', '2', 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1,
	};
	uint8_t a[64];
	static const uint8_t rr[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4,
		203, 0, 113, 5 };
	struct pb_spec s = { .proto = PB_UDP, .src = CLI, .dst = SRV, .sport = 5353 + 1,
		.dport = 53, .payload = q, .payload_len = sizeof(q) };

	(void)state;
	setup_ctx(&c, 0);
	frame(&c, &s);
	memcpy(a, q, sizeof(q));
	a[2] = 0x81;
	a[3] = 0x80;
	a[7] = 1;
	memcpy(a + sizeof(q), rr, sizeof(rr));
	s.src = SRV;
	s.dst = CLI;
	s.sport = 53;
	s.dport = 5354;
	s.payload = a;
	s.payload_len = sizeof(q) + sizeof(rr);
	frame(&c, &s);
	assert_int_equal(c.dns, 2);
	assert_string_equal(c.query, "c2x.example");
	text = finish(&c, &len);
	assert_non_null(strstr(text, "\"dns\":{\"type\":\"query\",\"id\":43981,"
	    "\"rrname\":\"c2x.example\",\"rrtype\":\"A\",\"tx_id\":0"));
	assert_non_null(strstr(text, "\"answers\":[{\"rrname\":\"c2x.example\",\"rrtype\":\"A\","
	    "\"ttl\":60,\"rdata\":\"203.0.113.5\"}],\"grouped\":{\"A\":[\"203.0.113.5\"]}"));
	/* the answer's addresses are the packet's: from the server */
	assert_non_null(strstr(text, "\"src_ip\":\"198.51.100.20\",\"src_port\":53"));
	teardown_ctx(&c, text);
}

/* Not one of ours: an SSH banner; the flow is given up at once. */
static void
test_other_protocol(void **state)
{
	struct ctx c;
	char *text;
	size_t len;
	struct app_stats as;

	(void)state;
	setup_ctx(&c, 0);
	/* a SYN scan: no per-flow record at all */
	for (uint16_t port = 1; port <= 50; port++)
		tcp(&c, 1, 40002, port, 7, 0, TCP_SYN, NULL, 0);
	app_get_stats(c.app, &as);
	assert_int_equal(as.records, 0);
	tcp(&c, 0, 40001, 22, 1, 1, TCP_ACK | TCP_PSH, "SSH-2.0-OpenSSH_9.2\r\n", 21);
	tcp(&c, 1, 40001, 22, 1, 22, TCP_ACK | TCP_PSH, "SSH-2.0-x\r\n", 11);
	app_get_stats(c.app, &as);
	assert_int_equal(as.records, 1);
	assert_int_equal(as.flows[APP_PROTO_FAILED], 1);
	assert_int_equal(as.flows[APP_PROTO_HTTP], 0);
	text = finish(&c, &len);
	assert_null(strstr(text, "\"event_type\":\"http\""));
	teardown_ctx(&c, text);
}

static void
test_buffer_names(void **state)
{
	(void)state;
	assert_int_equal(app_buf_lookup("http.uri"), APP_BUF_HTTP_URI);
	assert_int_equal(app_buf_lookup("http_uri"), APP_BUF_HTTP_URI);
	assert_int_equal(app_buf_lookup("http_client_body"), APP_BUF_HTTP_REQUEST_BODY);
	assert_int_equal(app_buf_lookup("file_data"), APP_BUF_FILE_DATA);
	assert_int_equal(app_buf_lookup("ja3_hash"), APP_BUF_JA3_HASH);
	assert_int_equal(app_buf_lookup("nope"), -1);
	for (int b = 0; b < APP_BUF_COUNT; b++)
		assert_int_equal(app_buf_lookup(app_buf_name(b)), b);
	assert_int_equal(app_buf_proto(APP_BUF_DNS_QUERY), APP_PROTO_DNS);
	assert_int_equal(app_buf_proto(APP_BUF_TLS_SNI), APP_PROTO_TLS);
	assert_int_equal(app_buf_proto(APP_BUF_HTTP_HOST), APP_PROTO_HTTP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_file),
		cmocka_unit_test(test_dns_udp),
		cmocka_unit_test(test_other_protocol),
		cmocka_unit_test(test_buffer_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
