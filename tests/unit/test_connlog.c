/* summary: unit tests for output/connlog: Zeek header, rows, uid, local nets, files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/timefmt.h"
#include "flow/flow.h"
#include "output/connlog.h"

#define T0 ((uint64_t)1695017621 * NSEC_PER_SEC + 532140000)
#define MS (NSEC_PER_SEC / 1000)

static const char header[] =
    "#separator \\x09\n"
    "#set_separator\t,\n"
    "#empty_field\t(empty)\n"
    "#unset_field\t-\n"
    "#path\tconn\n"
    "#open\t2023-09-18-06-13-41\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\t"
    "duration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\t"
    "missed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\t"
    "tunnel_parents\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\t"
    "count\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\t"
    "set[string]\n";

static struct packet
mk(const char *src, uint16_t sp, const char *dst, uint16_t dp, uint8_t proto,
    uint8_t flags, uint32_t seq, uint32_t len, uint64_t ts)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(addr_parse(src, &p.src), 0);
	assert_int_equal(addr_parse(dst, &p.dst), 0);
	p.ip_version = 4;
	p.layers = PKT_IPV4 | (proto == 6 ? PKT_TCP : proto == 17 ? PKT_UDP : PKT_ICMP);
	p.ip_proto = proto;
	p.sport = sp;
	p.dport = dp;
	if (proto == 1) {
		p.icmp_type = (uint8_t)sp;
		p.icmp_code = (uint8_t)dp;
		p.sport = p.dport = 0;
	}
	p.tcp_flags = flags;
	p.tcp_seq = seq;
	p.tcp_win = 100;
	p.ts_ns = ts;
	p.payload_len = len;
	p.l3_len = (proto == 6 ? 40 : 28) + len;
	p.wirelen = 14 + p.l3_len;
	return p;
}

static void
write_row(void *ctx, struct flow *f)
{
	assert_int_equal(connlog_write(ctx, f), 0);
}

static struct flow_table *
table(struct connlog *cl)
{
	struct flow_config cfg;
	struct error err;
	struct flow_table *ft;

	flow_config_default(&cfg);
	cfg.max_flows = 16;
	cfg.deterministic_hash = 1;
	assert_non_null(ft = flow_table_new(&cfg, &err));
	flow_table_set_end_callback(ft, write_row, cl);
	return ft;
}

#define C "192.0.2.1"
#define S "198.51.100.2"

static void
feed_sf(struct flow_table *ft)
{
	struct packet p;
	uint64_t t = T0;

	p = mk(C, 40000, S, 80, 6, TCP_SYN, 100, 0, t);
	(void)flow_table_lookup(ft, &p);
	p = mk(S, 80, C, 40000, 6, TCP_SYN | TCP_ACK, 900, 0, t += MS);
	(void)flow_table_lookup(ft, &p);
	p = mk(C, 40000, S, 80, 6, TCP_ACK, 101, 0, t += MS);
	(void)flow_table_lookup(ft, &p);
	p = mk(C, 40000, S, 80, 6, TCP_ACK | TCP_PSH, 101, 77, t += MS);
	(void)flow_table_lookup(ft, &p);
	p = mk(S, 80, C, 40000, 6, TCP_ACK | TCP_PSH, 901, 1000, t += MS);
	(void)flow_table_lookup(ft, &p);
	/* a retransmission: counted in packets, not in bytes (seq based) */
	p = mk(S, 80, C, 40000, 6, TCP_ACK | TCP_PSH, 901, 1000, t += MS);
	(void)flow_table_lookup(ft, &p);
	p = mk(C, 40000, S, 80, 6, TCP_FIN | TCP_ACK, 178, 0, t += MS);
	(void)flow_table_lookup(ft, &p);
	p = mk(S, 80, C, 40000, 6, TCP_FIN | TCP_ACK, 1901, 0, t += MS);
	(void)flow_table_lookup(ft, &p);
	p = mk(C, 40000, S, 80, 6, TCP_ACK, 179, 0, t += MS);
	(void)flow_table_lookup(ft, &p);
}

static void
test_rows(void **state)
{
	struct buf out;
	struct connlog *cl;
	struct flow_table *ft;
	struct packet p;
	char expect[4096];

	buf_init(&out, 0);
	assert_non_null(cl = connlog_new_buf(&out, T0));
	ft = table(cl);
	feed_sf(ft);
	/* a lone SYN to another port: duration and bytes unset, as Zeek */
	p = mk(C, 40001, S, 23, 6, TCP_SYN, 5, 0, T0 + 10 * MS);
	(void)flow_table_lookup(ft, &p);
	/* ping and its reply */
	p = mk(C, 8, S, 0, 1, 0, 0, 56, T0 + 20 * MS);
	(void)flow_table_lookup(ft, &p);
	p = mk(S, 0, C, 0, 1, 0, 0, 56, T0 + 21 * MS);
	(void)flow_table_lookup(ft, &p);
	flow_table_free(ft);
	assert_int_equal(connlog_close(cl, T0 + 3600 * NSEC_PER_SEC, NULL), 0);

	snprintf(expect, sizeof(expect), "%s"
	    /* shutdown order: TCP classes first (closed before new), then ICMP */
	    "1695017621.542140\tC4a6d4Hv2y\t192.0.2.1\t40001\t198.51.100.2\t23\ttcp\t-\t"
	    "-\t-\t-\tS0\t-\t-\t0\tS\t1\t40\t0\t0\t-\n"
	    "1695017621.532140\tC8D3AXsySK\t192.0.2.1\t40000\t198.51.100.2\t80\ttcp\t-\t"
	    "0.008000\t77\t1000\tSF\t-\t-\t0\tShADdtFf\t5\t277\t4\t2160\t-\n"
	    "1695017621.552140\tC1Ejrqtktq\t192.0.2.1\t8\t198.51.100.2\t0\ticmp\t-\t"
	    "0.001000\t56\t56\tOTH\t-\t-\t0\t-\t1\t84\t1\t84\t-\n"
	    "#close\t2023-09-18-07-13-41\n", header);
	assert_string_equal(buf_cstr(&out), expect);
	buf_free(&out);
}

static void
test_uid_and_local(void **state)
{
	char uid[16];
	struct buf out;
	struct connlog *cl;
	struct flow_table *ft;
	struct prefix net;
	struct error err;
	struct packet p;

	connlog_uid(0, uid);
	assert_string_equal(uid, "C0");
	connlog_uid(61, uid);
	assert_string_equal(uid, "Cz");
	connlog_uid(62, uid);
	assert_string_equal(uid, "C10");
	connlog_uid((UINT64_C(1) << 51) - 1, uid);
	assert_true(strlen(uid) <= 10);

	buf_init(&out, 0);
	assert_non_null(cl = connlog_new_buf(&out, T0));
	assert_int_equal(prefix_parse("198.51.100.0/24", &net), 0);
	assert_int_equal(connlog_set_local_nets(cl, &net, 1, &err), 0);
	ft = table(cl);
	p = mk(C, 5353, S, 53, 17, 0, 0, 30, T0);
	(void)flow_table_lookup(ft, &p);
	flow_table_free(ft);
	assert_non_null(strstr(buf_cstr(&out), "\tudp\t-\t-\t-\t-\tS0\tF\tT\t0\tD\t1\t58\t0\t0\t-\n"));
	assert_int_equal(connlog_close(cl, T0, NULL), 0);
	buf_free(&out);
}

static void
test_file(void **state)
{
	char path[] = "/tmp/h2_connlog_XXXXXX";
	struct connlog *cl;
	struct flow_table *ft;
	struct error err;
	char data[8192];
	FILE *fp;
	size_t n;
	int fd;

	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_non_null(cl = connlog_open(path, T0, &err));
	ft = table(cl);
	feed_sf(ft);
	flow_table_free(ft);
	assert_int_equal(connlog_close(cl, T0, &err), 0);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(data, 1, sizeof(data) - 1, fp);
	data[n] = '\0';
	fclose(fp);
	unlink(path);
	assert_int_equal(strncmp(data, header, strlen(header)), 0);
	assert_non_null(strstr(data, "\tSF\t"));
	assert_non_null(strstr(data, "#close\t"));

	assert_null(connlog_open("/nonexistent-h2/conn.log", T0, &err));
	assert_non_null(strstr(err.msg, "/nonexistent-h2/conn.log"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_uid_and_local),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
