/* summary: libFuzzer target: the app-layer stage in a pipeline (detection, reassembly, parsers, files) with app-layer rules. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "detect/detect_stage.h"
#include "engine/pipeline.h"

/*
 * Input: records of [flags] [len] [len bytes]: flags bit 0 direction,
 * bit 1 UDP (else TCP), bit 2 SYN, bit 3 FIN, bit 4 skip 7 sequence
 * numbers (a hole), bits 5-6 the server port (80, 443, 53, 8080).  Each
 * record becomes one raw IPv4 packet between two fixed hosts, with the
 * sequence numbers of its flow and direction.  The pipeline runs the app
 * layer (small bounds, a hash-only file store) and the IDS with rules on
 * every kind of app buffer (the engine is built once), so detection, reassembly, the three parsers,
 * the tx hooks and detect_app_tx() all run on arbitrary traffic.
 */

static const char rules[] =
    "alert http any any -> any any (msg:\"u\"; http.uri; content:\"/a\"; http.method; content:\"GET\"; sid:1;)\n"
    "alert http any any -> any any (msg:\"b\"; flow:to_client; file.data; content:\"MZ\"; startswith; http.stat_code; content:\"200\"; sid:2;)\n"
    "alert http any any -> any any (msg:\"s\"; flow:to_server; content:\"|0d 0a 0d 0a|x\"; http.header; content:\"Host\"; sid:3;)\n"
    "alert dns any any -> any any (msg:\"d\"; dns.query; dotprefix; content:\".ex\"; endswith; sid:4;)\n"
    "alert tls any any -> any any (msg:\"t\"; tls.sni; content:\"a\"; sid:5;)\n"
    "alert tls any any -> any any (msg:\"c\"; tls.certs; content:\"|30|\"; sid:6;)\n"
    "alert http any any -> any any (msg:\"l\"; urilen:>3; http.header_names; content:\"|0d 0a|\"; sid:7;)\n"
    "alert http any any -> any any (msg:\"p\"; content:\"GET\"; sid:8;)\n";

static struct detect_engine *engine;

static int
buffer_get(const void *tx, int b, int idx, const uint8_t **d, uint32_t *n)
{
	return app_tx_buffer_n(tx, (enum app_buf)b, idx, d, n);
}

static void
to_detect(void *ctx, struct packet *p, struct flow *f, const struct app_tx *tx)
{
	struct detect_app_view av = { tx->proto, tx->point, tx->dir, tx, buffer_get };

	(void)f;
	detect_stage_app_tx(ctx, p, &av);
}

static int
proto_of(void *ctx, const struct flow *f)
{
	return app_flow_proto(ctx, f);
}

static size_t
frame(uint8_t *out, int dir, int udp, uint16_t port, uint8_t flags, uint32_t seq,
    uint32_t ack, const uint8_t *data, size_t len)
{
	static const uint8_t cli[4] = { 192, 0, 2, 1 }, srv[4] = { 198, 51, 100, 2 };
	size_t l4 = udp ? 8 : 20, tot = 20 + l4 + len;
	uint8_t *ip = out, *t = out + 20;
	uint16_t sp = dir ? port : 40000, dp = dir ? 40000 : port;

	memset(out, 0, 20 + l4);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = udp ? 17 : 6;
	memcpy(ip + 12, dir ? srv : cli, 4);
	memcpy(ip + 16, dir ? cli : srv, 4);
	t[0] = (uint8_t)(sp >> 8); t[1] = (uint8_t)sp;
	t[2] = (uint8_t)(dp >> 8); t[3] = (uint8_t)dp;
	if (udp) {
		t[4] = (uint8_t)((8 + len) >> 8);
		t[5] = (uint8_t)(8 + len);
	} else {
		for (int i = 0; i < 4; i++) {
			t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
			t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
		}
		t[12] = 5 << 4;
		t[13] = flags;
		t[14] = 0xff;
		t[15] = 0xff;
	}
	memcpy(out + 20 + l4, data, len);
	return tot;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t ports[4] = { 80, 443, 53, 8080 };
	struct pipeline_config cfg;
	struct app_config ac;
	struct detect_stage_config dc;
	struct pipeline *pl;
	struct app_layer *app = NULL;
	struct detect_stage *ds = NULL;
	struct error err;
	uint64_t ts = 1700000000ull * 1000000000ull;
	uint32_t seq[4][2] = { { 1000, 5000 }, { 1000, 5000 }, { 1000, 5000 }, { 1000, 5000 } };
	uint8_t buf[20 + 20 + 256];

	if (engine == NULL) {	/* built once: Hyperscan compiles are slow */
		struct detect_loader *l = detect_loader_new(&err);
		const char *p = rules, *nl;
		char line[512];

		if (l == NULL)
			abort();
		while ((nl = strchr(p, '\n')) != NULL) {
			snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
			if (detect_loader_add_rule(l, line, "fuzz", 1) != 0)
				abort();	/* every rule must load */
			p = nl + 1;
		}
		if ((engine = detect_engine_build(l, NULL, &err)) == NULL)
			abort();
		detect_loader_free(l);
	}
	pipeline_config_default(&cfg);
	cfg.flow.max_flows = 16;
	cfg.scan_enabled = 0;
	cfg.eve_path = "/dev/null";
	if ((pl = pipeline_new(&cfg, &err)) == NULL)
		abort();
	app_config_default(&ac);
	ac.stream.memcap = 64 * 1024;
	ac.stream.max_held = 8 * 1024;
	ac.http.max_header = 1024;
	ac.http.max_tx = 3;
	ac.http.body_limit = 256;
	if ((app = app_new(pl, &ac, &err)) == NULL ||
	    pipeline_add_stage(pl, "app", app_stage, app, &err) < 0)
		abort();
	memset(&dc, 0, sizeof(dc));	/* no files: the engine built above */
	if ((ds = detect_stage_new(pl, &dc, NULL, NULL, &err)) == NULL ||
	    detect_stage_use_engine(ds, engine, &err) < 0 ||
	    pipeline_add_stage(pl, "detect", detect_stage_run, ds, &err) < 0)
		abort();
	app_set_tx_callback(app, to_detect, ds);
	detect_stage_set_app_proto(ds, proto_of, app);
	while (size >= 2) {
		uint8_t fl = data[0];
		size_t len = data[1];
		int dir = fl & 1, udp = (fl >> 1) & 1, pi = (fl >> 5) & 3;
		uint8_t tf = 0x10;	/* ACK */
		size_t n;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		if (fl & 0x04)
			tf |= 0x02;
		if (fl & 0x08)
			tf |= 0x01;
		if (fl & 0x10)
			seq[pi][dir] += 7;
		n = frame(buf, dir, udp, ports[pi], tf, seq[pi][dir], seq[pi][!dir], data, len);
		seq[pi][dir] += (uint32_t)len + ((tf & 0x03) ? 1 : 0);
		ts += 1000000;
		pipeline_frame(pl, 101, buf, (uint32_t)n, (uint32_t)n, ts);
		data += len;
		size -= len;
	}
	(void)detect_stage_finish(ds, &err);
	(void)pipeline_finish(pl, &err);
	pipeline_free(pl);
	app_free(app);
	detect_stage_free(ds);
	return 0;
}
