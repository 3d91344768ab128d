/* summary: unit tests for the report: inputs joined into attackers, sessions and charts; escaping. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "report/report.h"
#include "report/report_model.h"

static char *
write_tmp(const char *name, const char *text)
{
	static char dir[64];
	char *path;
	FILE *f;

	if (dir[0] == '\0') {
		strcpy(dir, "/tmp/apiary-report-XXXXXX");
		assert_non_null(mkdtemp(dir));
	}
	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

static const char eve[] =
    "{\"timestamp\":\"2026-11-26T10:00:00.000000+0000\",\"event_type\":\"scan\","
    "\"src_ip\":\"203.0.113.66\",\"dest_ip\":\"203.0.113.10\",\"scan\":{\"type\":\"syn\","
    "\"start\":\"2026-11-26T10:00:00.000000+0000\",\"packets\":1000,\"ports_count\":1000,"
    "\"targets_count\":1}}\n"
    "{\"timestamp\":\"2026-11-26T10:01:00.000000+0000\",\"event_type\":\"flow\","
    "\"src_ip\":\"203.0.113.66\",\"src_port\":40000,\"dest_ip\":\"203.0.113.10\","
    "\"dest_port\":22,\"proto\":\"TCP\",\"direction\":\"inbound\",\"flow\":{"
    "\"pkts_toserver\":10,\"pkts_toclient\":10,\"bytes_toserver\":1000,"
    "\"bytes_toclient\":2000,\"start\":\"2026-11-26T10:01:00.000000+0000\","
    "\"end\":\"2026-11-26T10:05:00.000000+0000\",\"state\":\"closed\"}}\n"
    "not json at all\n"
    "{\"timestamp\":\"2026-11-26T10:03:00.000000+0000\",\"event_type\":\"limit\","
    "\"src_ip\":\"203.0.113.10\",\"dest_ip\":\"198.51.100.7\",\"direction\":\"outbound\","
    "\"limit\":{\"honeypot\":\"203.0.113.10\",\"protocol\":\"tcp\",\"limit\":20,"
    "\"window\":60,\"count\":20}}\n"
    "{\"timestamp\":\"2026-11-26T10:03:01.000000+0000\",\"event_type\":\"alert\","
    "\"src_ip\":\"203.0.113.10\",\"src_port\":5555,\"dest_ip\":\"198.51.100.7\","
    "\"dest_port\":80,\"proto\":\"TCP\",\"alert\":{\"action\":\"blocked\","
    "\"signature_id\":9000001,\"signature\":\"<script>alert(1)</script> bot\","
    "\"category\":\"x\",\"severity\":1}}\n"
    "{\"timestamp\":\"2026-11-26T10:06:00.000000+0000\",\"event_type\":\"snapshot\","
    "\"snapshot\":{\"severity\":\"high\",\"rank\":5,\"category\":\"users\","
    "\"change\":\"added\",\"what\":\"user toor (uid 0)\",\"attributes\":{}}}\n";

static void
test_join(void **state)
{
	struct report_opts o = { "t", 0 };
	struct error err;
	struct report *r = report_new(&o, &err);
	char *p = write_tmp("eve.json", eve);
	size_t attackers = 0, honeypots = 0, limit_attrib = 0;

	assert_non_null(r);
	assert_int_equal(report_add_path(r, p, &err), 0);
	report_finish(r);
	assert_int_equal(r->n_scans, 1);
	assert_int_equal(r->n_limits, 1);
	assert_int_equal(r->n_alerts, 1);
	assert_int_equal(r->n_blocked_alerts, 1);
	assert_int_equal(r->bad_lines, 1);
	assert_int_equal(r->nfind, 1);
	for (size_t i = 0; i < r->nhosts; i++) {
		if (r->hosts[i].attacker) {
			attackers++;
			assert_string_equal(r->hosts[i].addr, "203.0.113.66");
		}
		honeypots += r->hosts[i].honeypot != 0;
	}
	assert_int_equal(attackers, 1);
	assert_int_equal(honeypots, 1);
	/* events come out sorted by time; the inbound port is counted */
	for (size_t i = 1; i < r->nev; i++)
		assert_true(r->ev[i - 1].ts <= r->ev[i].ts);
	assert_int_equal(r->ports.n, 1);
	assert_string_equal(r->ports.v[0].key, "TCP/22");
	/* the traffic chart got both directions' bytes */
	uint64_t in = 0;
	for (int b = 0; b < REPORT_BUCKETS; b++)
		in += r->bucket_in[b];
	assert_true(in > 2900 && in <= 3000);
	for (size_t i = 0; i < r->nev; i++)
		limit_attrib += r->ev[i].kind == EV_LIMIT;
	assert_int_equal(limit_attrib, 1);
	report_free(r);
	unlink(p);
	free(p);
}

static void
test_html_is_escaped(void **state)
{
	struct report_opts o = { "<b>title</b>", 0 };
	struct error err;
	struct report *r = report_new(&o, &err);
	char *p = write_tmp("eve2.json", eve), *html;
	size_t len;
	FILE *f;

	assert_int_equal(report_add_path(r, p, &err), 0);
	report_finish(r);
	assert_non_null(f = open_memstream(&html, &len));
	assert_int_equal(report_write_html(r, f, &err), 0);
	fclose(f);
	/* attacker-controlled text never becomes markup */
	assert_null(strstr(html, "<script>"));
	assert_null(strstr(html, "<b>title"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; bot"));
	assert_non_null(strstr(html, "Content-Security-Policy"));
	assert_non_null(strstr(html, "<svg"));
	assert_non_null(strstr(html, "Attacker 203.0.113.66"));
	free(html);
	report_free(r);
	unlink(p);
	free(p);
}

static void
test_escape_bytes(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(html_escape(&b, "a&<>\"'\x01\xff\xc3\xa9", 10), 0);
	assert_string_equal(buf_cstr(&b),
	    "a&amp;&lt;&gt;&quot;&#39;\\x01\xef\xbf\xbd\xc3\xa9");
	buf_free(&b);
}

static void
test_connlog(void **state)
{
	struct report_opts o = { NULL, 0 };
	struct error err;
	struct report *r = report_new(&o, &err);
	char *p = write_tmp("conn.log",
	    "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\t"
	    "id.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state"
	    "\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\t"
	    "orig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n"
	    "1764151200.000000\tC1\t198.51.100.9\t5555\t192.0.2.1\t80\ttcp\t-\t"
	    "1.5\t100\t200\tSF\t-\t-\t0\tShADadFf\t5\t300\t5\t400\t-\n"
	    "garbage line\n");

	assert_int_equal(report_add_path(r, p, &err), 0);
	report_finish(r);
	assert_int_equal(r->n_flows, 1);
	assert_int_equal(r->bad_lines, 1);
	report_free(r);
	unlink(p);
	free(p);
}

/* a download from a session is joined with the new file's SHA-256 */
static void
test_download_sha(void **state)
{
	struct report_opts o = { NULL, 0 };
	struct error err;
	struct report *r = report_new(&o, &err);
	char *p = write_tmp("diff.json",
	    "{\"timestamp\":\"2026-11-26T10:09:00.000000+0000\",\"event_type\":"
	    "\"snapshot\",\"snapshot\":{\"severity\":\"low\",\"rank\":18,"
	    "\"category\":\"file\",\"change\":\"added\",\"what\":\"/root/bot\","
	    "\"attributes\":{\"sha256\":{\"old\":null,\"new\":\"98ea6e4f216f2fb4"
	    "b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4\"}}}}\n");
	int found = 0;

	assert_int_equal(report_add_path(r, p, &err), 0);
	assert_int_equal(model_event(r, 1764151200000000000ull, EV_DOWNLOAD, NULL,
	    NULL, 0, 2, "wget fetches http://198.51.100.200/bot (cwd /root)"), 0);
	report_finish(r);
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].kind == EV_DOWNLOAD && strstr(r->ev[i].text,
		    "-> /root/bot sha256 98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4"))
			found = 1;
	assert_true(found);
	report_free(r);
	unlink(p);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_html_is_escaped),
		cmocka_unit_test(test_escape_bytes),
		cmocka_unit_test(test_connlog),
		cmocka_unit_test(test_download_sha),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
