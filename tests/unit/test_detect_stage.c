/* summary: unit tests for the detect stage in a pipeline: inline drop, reject, replace, rule reload. */
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
#include "detect/detect_stage.h"
#include "engine/pipeline.h"
#include "net/checksum.h"
#include "net/packet.h"

static const char rules1[] =
    "alert tcp $HOME_NET any -> $EXTERNAL_NET any (msg:\"neuter\"; content:\"/bin/sh\"; replace:\"/ben/sh\"; sid:1;)\n"
    "drop tcp $HOME_NET any -> $EXTERNAL_NET any (msg:\"stop\"; content:\"rm -rf\"; sid:2;)\n"
    "reject tcp $HOME_NET any -> $EXTERNAL_NET any (msg:\"rst\"; content:\"kill\"; sid:3;)\n";
static const char rules2[] =
    "alert tcp any any -> any any (msg:\"new\"; content:\"fresh\"; sid:4;)\n";

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Ethernet/IPv4/TCP 192.0.2.10:40000 -> 198.51.100.7:80 with valid checksums. */
static size_t
mkframe(uint8_t *f, uint32_t seq, const char *payload)
{
	size_t pl = strlen(payload);
	uint8_t *ip = f + 14, *t = ip + 20;
	uint16_t c;

	memset(f, 0, 54 + pl);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((40 + pl) >> 8);
	ip[3] = (uint8_t)(40 + pl);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, "\xc0\x00\x02\x0a\xc6\x33\x64\x07", 8);
	c = ip_checksum(ip, 20);
	memcpy(ip + 10, &c, 2);
	t[0] = 0x9c; t[1] = 0x40; t[2] = 0; t[3] = 80;
	t[4] = (uint8_t)(seq >> 24); t[5] = (uint8_t)(seq >> 16);
	t[6] = (uint8_t)(seq >> 8); t[7] = (uint8_t)seq;
	t[11] = 1;
	t[12] = 5 << 4;
	t[13] = TCP_ACK | TCP_PSH;
	t[14] = 0xff;
	memcpy(t + 20, payload, pl);
	c = l4_checksum(4, ip + 12, ip + 16, 6, t, 20 + pl);
	memcpy(t + 16, &c, 2);
	return 54 + pl;
}

static void
test_stage_inline(void **state)
{
	char dir[] = "/tmp/h7-stage.XXXXXX", path[64];
	const char *files[1] = { path };
	const char *vars[2] = { "HOME_NET=192.0.2.0/24", "EXTERNAL_NET=!$HOME_NET" };
	struct pipeline_config pc;
	struct detect_stage_config dc;
	struct pipeline *pl;
	struct detect_stage *ds;
	struct error err;
	uint8_t f[256];
	const uint8_t *rf[2];
	size_t rl[2], n;
	int ts[2];
	uint64_t t = 1700000000ull * 1000000000ull;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.rules", dir);
	write_file(path, rules1);
	pipeline_config_default(&pc);
	pc.scan_enabled = 0;
	pl = pipeline_new(&pc, &err);
	assert_non_null(pl);
	memset(&dc, 0, sizeof(dc));
	dc.rule_files = files;
	dc.nrule_files = 1;
	dc.vars = vars;
	dc.nvars = 2;
	dc.inline_mode = 1;
	ds = detect_stage_new(pl, &dc, NULL, NULL, &err);
	if (ds == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(pipeline_add_stage(pl, "detect", detect_stage_run, ds, &err), 0);

	/* replace: forwarded, rewritten, checksums valid */
	n = mkframe(f, 1, "sh -c /bin/sh");
	assert_int_equal(pipeline_frame(pl, 1, f, (uint32_t)n, (uint32_t)n, t), PIPELINE_PASS);
	assert_memory_equal(f + 54, "sh -c /ben/sh", 13);
	assert_true(l4_checksum_ok(4, f + 26, f + 30, 6, f + 34, n - 34));
	assert_true(ip_checksum_ok(f + 14, 20));
	assert_int_equal(detect_stage_alerts(ds), 1);
	/* drop: this packet and the rest of its flow */
	n = mkframe(f, 14, "rm -rf /");
	assert_int_equal(pipeline_frame(pl, 1, f, (uint32_t)n, (uint32_t)n, t + 1000), PIPELINE_DROP);
	n = mkframe(f, 22, "ls");
	assert_int_equal(pipeline_frame(pl, 1, f, (uint32_t)n, (uint32_t)n, t + 2000), PIPELINE_DROP);
	assert_int_equal(detect_stage_alerts(ds), 2);
	/* reject on another flow: dropped, one RST back to the sender */
	n = mkframe(f, 100, "kill -9 1");
	f[34] = 0x9c; f[35] = 0x41;	/* port 40001: a new flow */
	{
		uint16_t c;

		f[50] = f[51] = 0;
		c = l4_checksum(4, f + 26, f + 30, 6, f + 34, n - 34);
		memcpy(f + 50, &c, 2);
	}
	assert_int_equal(pipeline_frame(pl, 1, f, (uint32_t)n, (uint32_t)n, t + 3000), PIPELINE_DROP);
	assert_int_equal(detect_stage_rejects(ds, rf, rl, ts), 1);
	assert_int_equal(ts[0], 1);
	assert_int_equal(rl[0], 54);
	assert_int_equal(rf[0][47], TCP_RST | TCP_ACK);
	assert_memory_equal(rf[0] + 30, "\xc0\x00\x02\x0a", 4);	/* to the sender */
	assert_int_equal(detect_stage_rejects(ds, rf, rl, ts), 0);	/* taken */

	/* reload: the new rules apply, the old ones are gone; traffic went on */
	write_file(path, rules2);
	assert_int_equal(detect_stage_reload_start(ds, &dc, &err), 0);
	{
		int rc = 0;

		for (int i = 0; i < 500 && rc == 0; i++) {
			n = mkframe(f, 200 + (uint32_t)i, "x");
			f[35] = 0x42;
			(void)pipeline_frame(pl, 1, f, (uint32_t)n, (uint32_t)n, t + 4000);
			rc = detect_stage_reload_poll(ds, &err);
			if (rc == 0)
				usleep(10000);
		}
		assert_int_equal(rc, 1);
	}
	n = mkframe(f, 1000, "fresh /bin/sh");
	f[35] = 0x43;
	assert_int_equal(pipeline_frame(pl, 1, f, (uint32_t)n, (uint32_t)n, t + 5000), PIPELINE_PASS);
	assert_memory_equal(f + 54, "fresh /bin/sh", 13);	/* no replace rule any more */
	assert_int_equal(detect_stage_alerts(ds), 4);	/* + reject + fresh */
	/* a broken reload keeps the running rules */
	write_file(path, "alert tcp any any -> any any (content:\"fresh\"; sid:5;)\n");
	unlink(path);
	assert_int_equal(detect_stage_reload_start(ds, &dc, &err), 0);
	{
		int rc = 0;

		for (int i = 0; i < 500 && rc == 0; i++) {
			rc = detect_stage_reload_poll(ds, &err);
			if (rc == 0)
				usleep(10000);
		}
		assert_int_equal(rc, -1);
	}
	assert_int_equal(detect_stage_finish(ds, &err), 0);
	assert_int_equal(pipeline_finish(pl, &err), 0);
	pipeline_free(pl);
	detect_stage_free(ds);
	rmdir(dir);
}

static void
test_config_statements(void **state)
{
	static const char text[] =
	    "ids-rules a.rules b.rules\n"
	    "ids-var HOME_NET \"[192.0.2.0/24]\"\n"
	    "ids-classification c.config\n"
	    "something-else 1\n"
	    "ids-var ONLYNAME\n";
	struct config *cfg;
	struct detect_stage_config dc;
	struct error err;

	assert_int_equal(config_parse("t.conf", text, sizeof(text) - 1, &cfg, &err), 0);
	memset(&dc, 0, sizeof(dc));
	assert_int_equal(detect_config_statement(&dc, &cfg->stmts[0], &err), 1);
	assert_int_equal(detect_config_statement(&dc, &cfg->stmts[1], &err), 1);
	assert_int_equal(detect_config_statement(&dc, &cfg->stmts[2], &err), 1);
	assert_int_equal(detect_config_statement(&dc, &cfg->stmts[3], &err), 0);
	assert_int_equal(detect_config_statement(&dc, &cfg->stmts[4], &err), -1);
	assert_non_null(strstr(err.msg, "t.conf:5:"));
	assert_int_equal(dc.nrule_files, 2);
	assert_string_equal(dc.rule_files[1], "b.rules");
	assert_int_equal(dc.nvars, 1);
	assert_string_equal(dc.vars[0], "HOME_NET=[192.0.2.0/24]");
	assert_string_equal(dc.classification, "c.config");
	detect_stage_config_clear(&dc);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stage_inline),
		cmocka_unit_test(test_config_statements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
