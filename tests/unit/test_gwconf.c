/* summary: unit tests for apiary-gw's config: the issue's lines as written, and errors naming file:line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/timefmt.h"
#include "gw/gwconf.h"

static int
parse(const char *text, struct gw_config *gc, struct error *err)
{
	struct config *cfg;
	int rc;

	if (config_parse("gw.conf", text, strlen(text), &cfg, err) == -1)
		return -1;
	rc = gwconf_from_config(cfg, gc, err);
	config_free(cfg);
	return rc;
}

/* The lines of the issue, exactly as written. */
static const char issue_text[] =
    "honeynet-interface hn0\n"
    "uplink-interface   up0\n"
    "honeypot 203.0.113.10 { limit tcp 20/hour; limit udp 20/hour; limit icmp 50/hour; limit other 10/hour; bandwidth 1mbit }\n"
    "allow out udp to 192.0.2.53 port 53      # legal DNS, not counted\n"
    "allow out tcp to 192.0.2.2 port 6514     # log server\n"
    "fence out tcp port 25                    # always dropped\n"
    "capture /var/lib/apiary/pcap rotate 100M keep 200\n"
    "eve-log /var/lib/apiary/eve.json\n";

static void
test_issue_lines(void **state)
{
	struct gw_config gc;
	struct error err;
	const struct control_honeypot *hp;
	const struct control_rule *r;

	assert_int_equal(parse(issue_text, &gc, &err), 0);
	assert_string_equal(gc.honeynet_if, "hn0");
	assert_string_equal(gc.uplink_if, "up0");
	assert_int_equal(gc.policy.nhoneypots, 1);
	hp = &gc.policy.honeypots[0];
	assert_int_equal(hp->net.len, 32);
	assert_int_equal(hp->limit[CONTROL_TCP].count, 20);
	assert_int_equal(hp->limit[CONTROL_TCP].burst, 20);
	assert_int_equal(hp->limit[CONTROL_TCP].window_ns, 3600 * NSEC_PER_SEC);
	assert_int_equal(hp->limit[CONTROL_ICMP].count, 50);
	assert_int_equal(hp->limit[CONTROL_OTHER].count, 10);
	assert_int_equal(hp->bandwidth_bps, 1000000);
	assert_int_equal(gc.policy.nrules, 3);
	r = &gc.policy.rules[0];
	assert_int_equal(r->kind, CONTROL_RULE_ALLOW);
	assert_int_equal(r->proto, 17);
	assert_int_equal(r->port_lo, 53);
	assert_int_equal(r->port_hi, 53);
	assert_int_equal(r->addr.len, 32);
	r = &gc.policy.rules[2];
	assert_int_equal(r->kind, CONTROL_RULE_FENCE);
	assert_int_equal(r->proto, 6);
	assert_int_equal(r->addr.addr.family, 0);
	assert_int_equal(r->port_lo, 25);
	assert_string_equal(gc.capture_dir, "/var/lib/apiary/pcap");
	assert_int_equal(gc.capture_rotate_bytes, 100ull << 20);
	assert_int_equal(gc.capture_keep_files, 200);
	assert_string_equal(gc.eve_log, "/var/lib/apiary/eve.json");
	assert_int_equal(gc.policy.lockdown, 0);
	gwconf_free(&gc);
}

static void
test_extended(void **state)
{
	struct gw_config gc;
	struct error err;
	const char *text =
	    "honeynet-interface hn0\nuplink-interface up0\n"
	    "management-interface mgmt0\nmode lockdown\nuser apiary\n"
	    "honeypot 203.0.113.0/28 { limit tcp 5/minute burst 10; limit udp none }\n"
	    "honeypot 2001:db8::10\n"
	    "block 198.51.100.0/24\npass 192.0.2.200\n"
	    "allow out tcp to any port 8000-8080\n"
	    "capture /tmp/x every 1h keep-size 20G snaplen 1600 buffer 64M\n"
	    "conn-log /tmp/conn.log\nstats interval 30s\n"
	    "flow-table max 100000\nfragment-table max 512\n"
	    "drop-log 20/second\nring-frames 1024\noffloads keep\ntx-thread off\ninspect on\n"
	    "cpu-affinity forward 0\ncpu-affinity capture 1-3,6\n"
	    "sessions /tmp/sessions\n";

	assert_int_equal(parse(text, &gc, &err), 0);
	assert_string_equal(gc.management_if, "mgmt0");
	assert_int_equal(gc.policy.lockdown, 1);
	assert_string_equal(gc.user, "apiary");
	assert_int_equal(gc.policy.nhoneypots, 2);
	assert_int_equal(gc.policy.honeypots[0].net.len, 28);
	assert_int_equal(gc.policy.honeypots[0].limit[CONTROL_TCP].count, 5);
	assert_int_equal(gc.policy.honeypots[0].limit[CONTROL_TCP].burst, 10);
	assert_true(gc.policy.honeypots[0].limit[CONTROL_UDP].unlimited);
	/* Defaults where nothing is said. */
	assert_int_equal(gc.policy.honeypots[1].limit[CONTROL_TCP].count, 20);
	assert_int_equal(gc.policy.honeypots[1].net.addr.family, 6);
	assert_int_equal(gc.policy.nrules, 3);
	assert_int_equal(gc.policy.rules[2].port_lo, 8000);
	assert_int_equal(gc.policy.rules[2].port_hi, 8080);
	assert_int_equal(gc.capture_rotate_ns, 3600 * NSEC_PER_SEC);
	assert_int_equal(gc.capture_keep_bytes, 20ull << 30);
	assert_int_equal(gc.capture_snaplen, 1600);
	assert_int_equal(gc.capture_buffer, 64u << 20);
	assert_string_equal(gc.conn_log, "/tmp/conn.log");
	assert_int_equal(gc.stats_interval_ns, 30 * NSEC_PER_SEC);
	assert_int_equal(gc.policy.max_conns, 100000);
	assert_int_equal(gc.policy.max_frags, 512);
	assert_int_equal(gc.policy.drop_log_count, 20);
	assert_int_equal(gc.ring_frames, 1024);
	assert_int_equal(gc.offloads_keep, 1);
	assert_int_equal(gc.tx_thread, 0);
	assert_int_equal(gc.cpu[GW_THREAD_FORWARD].set, 1);
	assert_int_equal(CPU_COUNT(&gc.cpu[GW_THREAD_FORWARD].cpus), 1);
	assert_true(CPU_ISSET(0, &gc.cpu[GW_THREAD_FORWARD].cpus));
	assert_int_equal(gc.cpu[GW_THREAD_TX_HONEYNET].set, 0);
	assert_int_equal(CPU_COUNT(&gc.cpu[GW_THREAD_CAPTURE].cpus), 4);
	assert_true(CPU_ISSET(6, &gc.cpu[GW_THREAD_CAPTURE].cpus));
	assert_false(CPU_ISSET(4, &gc.cpu[GW_THREAD_CAPTURE].cpus));
	assert_int_equal(gc.inspect, 1);
	assert_string_equal(gc.sessions_dir, "/tmp/sessions");
	gwconf_free(&gc);
}

struct bad {
	const char *line;
	int lineno;		/* expected line in the message */
	const char *words;	/* expected part of the message */
};

static void
test_errors_name_file_line(void **state)
{
	static const struct bad bad[] = {
		{ "honeypot 203.0.113.10 { limit tcp 20/fortnight }", 3, "expected N/second" },
		{ "honeypot 203.0.113.10 { limit tcpx 20/hour }", 3, "expected tcp, udp, icmp or other" },
		{ "honeypot 203.0.113.10 { bandwidth fast }", 3, "expected 'bandwidth RATE" },
		{ "honeypot 203.0.113.10 {\n  limit tcp 1/hour\n  color blue\n}", 5, "unknown honeypot setting 'color'" },
		{ "honeypot 203.0.113.300", 3, "expected an IPv4/IPv6 address or CIDR" },
		{ "allow in udp to 192.0.2.53 port 53", 3, "expected 'out'" },
		{ "allow out udp to 192.0.2.53 port 99999", 3, "expected N or N-M" },
		{ "allow out any", 3, "would lift every limit" },
		{ "fence out port 25", 3, "needs protocol tcp or udp" },
		{ "tx-thread maybe", 3, "expected 'on' or 'off'" },
		{ "cpu-affinity decoder 0", 3, "thread 'decoder': expected forward" },
		{ "cpu-affinity forward 1-0", 3, "bad item at '1-0'" },
		{ "cpu-affinity tx-uplink 0,,1", 3, "bad item at ',1'" },
		{ "cpu-affinity capture 99999", 3, "CPU list '99999'" },
		{ "cpu-affinity forward", 3, "expected 'cpu-affinity forward|" },
		{ "fence out tcp to 192.0.2.999", 3, "address '192.0.2.999'" },
		{ "capture /tmp rotate big", 3, "expected a size" },
		{ "capture /tmp keep 0", 3, "expected a number of files" },
		{ "mode paranoid", 3, "expected normal or lockdown" },
		{ "stats every 5s", 3, "expected 'interval'" },
		{ "flow-table max 3", 3, "N in 16.." },
		{ "frobnicate on", 3, "unknown statement 'frobnicate'" },
		{ "uplink-interface up1", 3, "given twice" },
		{ "honeypot 203.0.113.0/24\nhoneypot 203.0.113.7", 4, "overlaps" },
		{ "user", 3, "expected 'user NAME'" },
		{ "inspect maybe", 3, "expected 'on' or 'off'" },
		{ "sessions", 3, "expected 'sessions DIR'" },
		{ "sessions /a\nsessions /b", 4, "given twice" },
	};
	char text[512], want[64];
	struct gw_config gc;
	struct error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "honeynet-interface hn0\n"
		    "uplink-interface up0\n%s\nhoneypot 198.51.100.1\n",
		    bad[i].line);
		error_clear(&err);
		if (parse(text, &gc, &err) != -1)
			fail_msg("accepted: %s", bad[i].line);
		snprintf(want, sizeof(want), "gw.conf:%d: ", bad[i].lineno);
		if (strncmp(err.msg, want, strlen(want)) != 0 ||
		    strstr(err.msg, bad[i].words) == NULL)
			fail_msg("'%s' gave '%s'", bad[i].line, err.msg);
	}
	/* Whole-file mistakes. */
	assert_int_equal(parse("uplink-interface up0\nhoneypot 192.0.2.1\n",
	    &gc, &err), -1);
	assert_non_null(strstr(err.msg, "honeynet-interface"));
	assert_int_equal(parse("honeynet-interface a\nuplink-interface a\n"
	    "honeypot 192.0.2.1\n", &gc, &err), -1);
	assert_non_null(strstr(err.msg, "both 'a'"));
	assert_int_equal(parse("honeynet-interface a\nuplink-interface b\n",
	    &gc, &err), -1);
	assert_non_null(strstr(err.msg, "at least one 'honeypot'"));
	assert_int_equal(parse("honeynet-interface a\nuplink-interface b\n"
	    "management-interface b\nhoneypot 192.0.2.1\n", &gc, &err), -1);
	assert_non_null(strstr(err.msg, "must not be a bridged"));
}

static void
test_example_file(void **state)
{
	struct gw_config gc;
	struct error err;
	const char *top = getenv("APIARY_TOP");
	char path[4096];

	snprintf(path, sizeof(path), "%s/etc/apiary-gw.conf", top ? top : ".");
	if (gwconf_load(path, &gc, &err) != 0)
		fail_msg("%s", err.msg);
	assert_true(gc.policy.nhoneypots >= 1);
	gwconf_free(&gc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_lines),
		cmocka_unit_test(test_extended),
		cmocka_unit_test(test_errors_name_file_line),
		cmocka_unit_test(test_example_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
