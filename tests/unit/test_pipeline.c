/* summary: unit tests for engine/pipeline: frames in, flows/scans/stats out, stages, config. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/config.h"
#include "engine/pipeline.h"

#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)

static char dir[] = "/tmp/h3-test-pipeline-XXXXXX";

/* Ethernet + IPv4 + TCP (or UDP) frame; returns its length. */
static uint32_t
frame(uint8_t *b, uint8_t src_last, uint8_t dst_last, uint8_t proto,
    uint16_t sport, uint16_t dport, uint8_t flags, int df, uint16_t paylen)
{
	uint16_t l4 = proto == 6 ? 20 : 8;
	uint16_t iplen = (uint16_t)(20 + l4 + paylen);
	uint32_t sum = 0;

	memset(b, 0, 14 + iplen);
	memcpy(b, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
	b += 14;
	b[0] = 0x45;
	b[2] = (uint8_t)(iplen >> 8);
	b[3] = (uint8_t)iplen;
	b[6] = df ? 0x40 : 0;
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, "\xc0\x00\x02", 3);
	b[15] = src_last;
	memcpy(b + 16, "\xc6\x33\x64", 3);
	b[19] = dst_last;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	b[10] = (uint8_t)(~sum >> 8);
	b[11] = (uint8_t)~sum;
	b += 20;
	b[0] = (uint8_t)(sport >> 8);
	b[1] = (uint8_t)sport;
	b[2] = (uint8_t)(dport >> 8);
	b[3] = (uint8_t)dport;
	if (proto == 6) {
		b[12] = 5 << 4;
		b[13] = flags;
		b[14] = 0xff;
	} else {
		b[4] = (uint8_t)((8 + paylen) >> 8);
		b[5] = (uint8_t)(8 + paylen);
	}
	return 14u + iplen;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static int
setup(void **state)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct dropper {
	int seen;
	uint16_t drop_port;
};

static enum pipeline_verdict
drop_stage(void *ctx, struct packet *p)
{
	struct dropper *d = ctx;

	d->seen++;
	return p->dport == d->drop_port ? PIPELINE_DROP : PIPELINE_PASS;
}

static enum pipeline_verdict
count_stage(void *ctx, struct packet *p)
{
	(*(int *)ctx)++;
	return PIPELINE_PASS;
}

static void
test_flows_scans_stats(void **state)
{
	struct pipeline_config cfg;
	struct pipeline *pl;
	struct pipeline_summary s;
	struct pipeline_talker top[4];
	const struct pipeline_scan *scans;
	struct error err;
	char eve[256], conn[256], *text;
	uint8_t b[1600];
	uint32_t n;
	size_t ns;
	struct dropper d = { 0, 25 };
	int after = 0;

	snprintf(eve, sizeof(eve), "%s/eve.json", dir);
	snprintf(conn, sizeof(conn), "%s/conn.log", dir);
	pipeline_config_default(&cfg);
	cfg.eve_path = eve;
	cfg.connlog_path = conn;
	pl = pipeline_new(&cfg, &err);
	assert_non_null(pl);
	assert_true(pipeline_linktype_supported(1));
	assert_int_equal(pipeline_add_stage(pl, "drop25", drop_stage, &d, &err), 0);
	assert_int_equal(pipeline_add_stage(pl, "count", count_stage, &after, &err), 0);

	/* One TCP connection 192.0.2.1:40000 -> 198.51.100.9:80, 100 bytes
	 * of payload each way, closed with FINs. */
	n = frame(b, 1, 9, 6, 40000, 80, TCP_SYN, 1, 0);
	assert_int_equal(pipeline_frame(pl, 1, b, n, n, T0), PIPELINE_PASS);
	n = frame(b, 9, 1, 6, 80, 40000, TCP_SYN | TCP_ACK, 1, 0);
	b[14 + 12] = 0xc6; b[14 + 13] = 0x33; b[14 + 14] = 0x64; b[14 + 15] = 9;
	b[14 + 16] = 0xc0; b[14 + 17] = 0x00; b[14 + 18] = 0x02; b[14 + 19] = 1;
	pipeline_frame(pl, 1, b, n, n, T0 + 1000);
	/* (addresses swapped by hand above: the reply goes back) */
	n = frame(b, 1, 9, 6, 40000, 80, TCP_ACK | TCP_PSH, 1, 100);
	pipeline_frame(pl, 1, b, n, n, T0 + 2000);
	/* A port scan from 192.0.2.7 (SYN without DF) of 20 ports; port 25
	 * is dropped by the first stage and never reaches the second. */
	for (int i = 0; i < 20; i++) {
		enum pipeline_verdict v;

		n = frame(b, 7, 9, 6, 50000, (uint16_t)(20 + i), TCP_SYN, 0, 0);
		v = pipeline_frame(pl, 1, b, n, n, T0 + SEC + (uint64_t)i * 1000);
		assert_int_equal(v, 20 + i == 25 ? PIPELINE_DROP : PIPELINE_PASS);
	}
	assert_int_equal(d.seen, 23);
	assert_int_equal(after, 22);
	/* A UDP exchange and a runt frame (an anomaly, not a crash). */
	n = frame(b, 1, 9, 17, 5353, 53, 0, 1, 30);
	pipeline_frame(pl, 1, b, n, n, T0 + 2 * SEC);
	pipeline_frame(pl, 1, b, 20, 20, T0 + 2 * SEC);
	/* Much later: the UDP flow has timed out by the next tick. */
	pipeline_tick(pl, T0 + 1000 * SEC);
	pipeline_get_summary(pl, &s);
	assert_int_equal(s.proto[PP_UDP].flows, 1);
	assert_int_equal(s.scans.episodes, 1);	/* quiet for 50 s: ended */
	assert_int_equal(pipeline_finish(pl, &err), 0);
	assert_null(pipeline_eve(pl));

	pipeline_get_summary(pl, &s);
	assert_int_equal(s.frames, 25);
	assert_int_equal(s.dropped, 1);
	assert_int_equal(s.first_ns, T0);
	assert_int_equal(s.last_ns, T0 + 2 * SEC);
	assert_int_equal(s.proto[PP_TCP].flows, 21);
	assert_int_equal(s.proto[PP_TCP].pkts, 23);
	assert_true(s.anomalies >= 1);
	assert_int_equal(pipeline_top_talkers(pl, top, 4), 3);
	assert_int_equal(top[0].addr.b[3], 9);	/* in every flow */
	assert_int_equal(top[0].flows, 22);
	scans = pipeline_scans(pl, &ns);
	assert_int_equal(ns, 1);
	assert_int_equal(scans[0].type, SCAN_SYN);
	assert_int_equal(scans[0].ports_count, 20);
	assert_int_equal(scans[0].src.b[3], 7);
	pipeline_free(pl);

	text = slurp(eve);
	assert_int_equal(count(text, "\"event_type\":\"flow\""), 22);
	assert_int_equal(count(text, "\"event_type\":\"scan\""), 1);
	assert_int_equal(count(text, "\"event_type\":\"stats\""), 1);
	assert_non_null(strstr(text, "\"type\":\"syn_scan\""));
	assert_non_null(strstr(text, "\"pipeline\":{\"bytes\":"));
	assert_non_null(strstr(text, "\"dropped\":1"));
	assert_non_null(strstr(text, "\"decoder\":{"));
	assert_int_equal(count(text, "\n"), 24);
	free(text);
	text = slurp(conn);
	assert_non_null(strstr(text, "#fields\tts\tuid"));
	assert_int_equal(count(text, "\t198.51.100.9\t"), 22);
	assert_non_null(strstr(text, "#close"));
	free(text);
}

static void
test_no_outputs_and_stage_bound(void **state)
{
	struct pipeline_config cfg;
	struct pipeline *pl;
	struct error err;
	int c = 0;
	uint8_t b[128];
	uint32_t n;

	pipeline_config_default(&cfg);
	cfg.scan_enabled = 0;
	pl = pipeline_new(&cfg, &err);
	assert_non_null(pl);
	for (int i = 0; i < PIPELINE_MAX_STAGES; i++)
		assert_int_equal(pipeline_add_stage(pl, "c", count_stage, &c, &err), 0);
	assert_int_equal(pipeline_add_stage(pl, "one too many", count_stage,
	    &c, &err), -1);
	assert_non_null(strstr(err.msg, "stages"));
	n = frame(b, 1, 9, 6, 1, 2, 0, 1, 0);
	for (int i = 0; i < 50; i++)	/* NULL scan, but scans are off */
		pipeline_frame(pl, 1, b, n, n, T0 + (uint64_t)i);
	assert_int_equal(c, 50 * PIPELINE_MAX_STAGES);
	assert_int_equal(pipeline_finish(pl, &err), 0);
	pipeline_free(pl);
}

static void
test_talker_bound(void **state)
{
	struct pipeline_config cfg;
	struct pipeline *pl;
	struct pipeline_summary s;
	struct pipeline_talker top[8];
	struct error err;
	uint8_t b[128];
	uint32_t n;

	pipeline_config_default(&cfg);
	cfg.max_talkers = 3;
	pl = pipeline_new(&cfg, &err);
	assert_non_null(pl);
	/* 5 flows 192.0.2.i -> 198.51.100.9: 6 addresses, 3 counted. */
	for (int i = 1; i <= 5; i++) {
		n = frame(b, (uint8_t)i, 9, 17, 1000, 53, 0, 1, (uint16_t)(10 * i));
		pipeline_frame(pl, 1, b, n, n, T0 + (uint64_t)i);
	}
	assert_int_equal(pipeline_finish(pl, &err), 0);
	pipeline_get_summary(pl, &s);
	assert_int_equal(s.proto[PP_UDP].flows, 5);
	assert_int_equal(pipeline_top_talkers(pl, top, 8), 3);
	assert_true(s.talkers_untracked >= 3);
	/* The shared destination is in every counted flow: first. */
	assert_int_equal(top[0].addr.b[3], 9);
	assert_true(top[0].flows >= 2);
	pipeline_free(pl);
}

static void
test_bad_output_path(void **state)
{
	struct pipeline_config cfg;
	struct error err;

	pipeline_config_default(&cfg);
	cfg.eve_path = "/nonexistent-dir-h3/eve.json";
	assert_null(pipeline_new(&cfg, &err));
	assert_non_null(strstr(err.msg, "/nonexistent-dir-h3/eve.json"));
}

static int
apply(struct pipeline_config *cfg, const char *text, struct error *err)
{
	struct config *c;
	int r = 0;

	if (config_parse("test.conf", text, strlen(text), &c, err) < 0)
		return -1;
	for (int i = 0; i < c->nstmts && r >= 0; i++) {
		r = pipeline_config_statement(cfg, &c->stmts[i], err);
		if (r == 0)
			r = config_error(err, &c->stmts[i], "not ours");
	}
	config_free(c);
	return r < 0 ? -1 : 0;
}

static void
test_config_statements(void **state)
{
	struct pipeline_config cfg;
	struct error err;
	char path[256];
	FILE *f;

	pipeline_config_default(&cfg);
	assert_int_equal(apply(&cfg,
	    "flows max 1000\n"
	    "timeout tcp established 2h\n"
	    "timeout udp new 10s\n"
	    "scan syn 5 in 10s\n"
	    "scan smurf off\n"
	    "scan sources 100; scan targets 8\n"
	    "defrag memory 1M\n"
	    "defrag timeout 30s\n"
	    "community-id seed 7\n"
	    "talkers 10\n", &err), 0);
	assert_int_equal(cfg.flow.max_flows, 1000);
	assert_int_equal(cfg.flow.timeouts.tcp_established, 7200);
	assert_int_equal(cfg.flow.timeouts.udp_new, 10);
	assert_int_equal(cfg.scan.t[SCAN_SYN].count, 5);
	assert_int_equal(cfg.scan.t[SCAN_SYN].window_ns, 10 * SEC);
	assert_false(cfg.scan.t[SCAN_SMURF].enabled);
	assert_int_equal(cfg.scan.max_sources, 100);
	assert_int_equal(cfg.scan.max_targets, 8);
	assert_int_equal(cfg.decoder.defrag_max_bytes, 1u << 20);
	assert_int_equal(cfg.decoder.defrag_timeout_ns, 30 * SEC);
	assert_int_equal(cfg.flow.community_id_seed, 7);
	assert_int_equal(cfg.max_talkers, 10);

	assert_int_equal(apply(&cfg, "\n\ntimeout udp closed 5s\n", &err), -1);
	assert_non_null(strstr(err.msg, "test.conf:3:"));
	assert_int_equal(apply(&cfg, "scan syn 0 in 5s\n", &err), -1);
	assert_non_null(strstr(err.msg, "test.conf:1:"));
	assert_int_equal(apply(&cfg, "scan bogus 3 in 5s\n", &err), -1);
	assert_int_equal(apply(&cfg, "flows max lots\n", &err), -1);
	assert_int_equal(apply(&cfg, "hostname x\n", &err), -1);
	assert_non_null(strstr(err.msg, "not ours"));
	assert_int_equal(apply(&cfg, "scan off\n", &err), 0);
	assert_false(cfg.scan_enabled);

	/* pipeline_config_load: unknown statements are errors with file:line. */
	snprintf(path, sizeof(path), "%s/a.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# comment\nflows max 5\nbogus statement\n", f);
	fclose(f);
	pipeline_config_default(&cfg);
	assert_int_equal(pipeline_config_load(&cfg, path, &err), -1);
	assert_non_null(strstr(err.msg, "a.conf:3: unknown statement 'bogus'"));
	assert_int_equal(cfg.flow.max_flows, 5);
}

/* pipeline_set_honeynet (h12): flow direction in EVE and conn.log, and
 * connlog_append keeping an earlier run's rows. */
static void
run_two_flows(struct pipeline *pl, uint64_t t)
{
	uint8_t b[1600];
	uint32_t n;

	/* 192.0.2.1:40000 -> 198.51.100.9:80 */
	n = frame(b, 1, 9, 6, 40000, 80, TCP_SYN, 1, 0);
	pipeline_frame(pl, 1, b, n, n, t);
	/* 198.51.100.9:41000 -> 192.0.2.1:22 (addresses swapped by hand) */
	n = frame(b, 9, 1, 6, 41000, 22, TCP_SYN, 1, 0);
	b[14 + 12] = 0xc6; b[14 + 13] = 0x33; b[14 + 14] = 0x64; b[14 + 15] = 9;
	b[14 + 16] = 0xc0; b[14 + 17] = 0x00; b[14 + 18] = 0x02; b[14 + 19] = 1;
	pipeline_frame(pl, 1, b, n, n, t + 1000);
}

static void
test_honeynet_direction(void **state)
{
	struct pipeline_config cfg;
	struct pipeline *pl;
	struct prefix hn[2], *many;
	struct error err;
	char eve[256], conn[256], *text, *in, *out;

	snprintf(eve, sizeof(eve), "%s/dir-eve.json", dir);
	snprintf(conn, sizeof(conn), "%s/dir-conn.log", dir);
	assert_int_equal(prefix_parse("198.51.100.0/24", &hn[0]), 0);
	assert_int_equal(prefix_parse("203.0.113.10/32", &hn[1]), 0);
	pipeline_config_default(&cfg);
	cfg.eve_path = eve;
	cfg.connlog_path = conn;
	cfg.connlog_append = 1;
	/* run 1: no honeynet: no direction, conn.log local_* "-" */
	pl = pipeline_new(&cfg, &err);
	assert_non_null(pl);
	run_two_flows(pl, T0);
	assert_int_equal(pipeline_finish(pl, &err), 0);
	pipeline_free(pl);
	text = slurp(eve);
	assert_int_equal(count(text, "\"event_type\":\"flow\""), 2);
	assert_null(strstr(text, "\"direction\""));
	free(text);
	/* run 2, appended: the honeynet is 198.51.100.0/24 */
	pl = pipeline_new(&cfg, &err);
	assert_non_null(pl);
	many = calloc(PIPELINE_MAX_HONEYNET + 1, sizeof(*many));
	assert_non_null(many);
	assert_int_equal(pipeline_set_honeynet(pl, many, PIPELINE_MAX_HONEYNET + 1,
	    &err), -1);
	free(many);
	assert_int_equal(pipeline_set_honeynet(pl, hn, 2, &err), 0);
	run_two_flows(pl, T0 + 10 * SEC);
	assert_int_equal(pipeline_finish(pl, &err), 0);
	pipeline_free(pl);
	text = slurp(eve);
	assert_int_equal(count(text, "\"event_type\":\"flow\""), 4);
	assert_int_equal(count(text, "\"direction\":\"inbound\""), 1);
	assert_int_equal(count(text, "\"direction\":\"outbound\""), 1);
	in = strstr(text, "\"direction\":\"inbound\"");
	out = strstr(text, "\"direction\":\"outbound\"");
	/* the inbound one is 192.0.2.1 -> :80, the outbound one -> :22 */
	assert_non_null(memmem(text, (size_t)(in - text), "\"dest_port\":80", 14));
	assert_non_null(strstr(out - 120 > text ? out - 120 : text, "\"dest_port\":22"));
	free(text);
	text = slurp(conn);
	assert_int_equal(count(text, "#fields\t"), 2);	/* two runs, two blocks */
	assert_int_equal(count(text, "#close"), 2);
	assert_int_equal(count(text, "\t80\ttcp\t"), 2);	/* run 1's rows kept */
	assert_int_equal(count(text, "\tF\tT\t"), 1);	/* inbound */
	assert_int_equal(count(text, "\tT\tF\t"), 1);	/* outbound */
	assert_int_equal(count(text, "\t-\t-\t0\t"), 2);	/* run 1: unknown */
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flows_scans_stats),
		cmocka_unit_test(test_no_outputs_and_stage_bound),
		cmocka_unit_test(test_talker_bound),
		cmocka_unit_test(test_bad_output_path),
		cmocka_unit_test(test_config_statements),
		cmocka_unit_test(test_honeynet_direction),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
