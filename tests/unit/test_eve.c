/* summary: unit tests for output/eve: header, flow and stats events, bounds, files. */
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
#include "jsoncheck.h"
#include "output/eve.h"

#define T0 ((uint64_t)1695017621 * NSEC_PER_SEC + 532140000)
#define MS (NSEC_PER_SEC / 1000)

static struct packet
mk(const char *src, uint16_t sp, const char *dst, uint16_t dp, uint8_t proto,
    uint8_t flags, uint32_t seq, uint32_t len, uint64_t ts)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(addr_parse(src, &p.src), 0);
	assert_int_equal(addr_parse(dst, &p.dst), 0);
	p.ip_version = p.src.family;
	p.layers = (p.ip_version == 4 ? PKT_IPV4 : PKT_IPV6);
	p.ip_proto = proto;
	p.sport = sp;
	p.dport = dp;
	p.ts_ns = ts;
	if (proto == 6) {
		p.layers |= PKT_TCP;
		p.tcp_flags = flags;
		p.tcp_seq = seq;
		p.tcp_win = 100;
	} else if (proto == 17) {
		p.layers |= PKT_UDP;
	} else {
		p.layers |= PKT_ICMP;
		p.icmp_type = (uint8_t)sp;
		p.icmp_code = (uint8_t)dp;
		p.sport = p.dport = 0;
	}
	p.payload_len = len;
	p.l3_len = 40 + len;
	p.wirelen = 54 + len;
	p.frame_no = 7;
	return p;
}

struct sink {
	struct eve *eve;
	enum eve_flow_direction dir;
};

static void
write_flow(void *ctx, struct flow *f)
{
	struct sink *s = ctx;

	assert_int_equal(eve_write_flow(s->eve, f, f->last_ns, s->dir), 0);
}

static struct flow_table *
table(struct sink *s)
{
	struct flow_config cfg;
	struct error err;
	struct flow_table *ft;

	flow_config_default(&cfg);
	cfg.max_flows = 16;
	cfg.deterministic_hash = 1;
	assert_non_null(ft = flow_table_new(&cfg, &err));
	flow_table_set_end_callback(ft, write_flow, s);
	return ft;
}

static void
check_lines(struct buf *b, size_t expect)
{
	size_t n, bad;

	assert_int_equal(json_check_lines((const char *)b->data, b->len, &n, &bad), 0);
	assert_int_equal(n, expect);
}

static void
test_flow_event_tcp(void **state)
{
	struct buf out;
	struct sink s = { NULL, EVE_DIR_INBOUND };
	struct flow_table *ft;
	struct packet p;
	const char *line;

	buf_init(&out, 0);
	assert_non_null(s.eve = eve_new_buf(&out));
	ft = table(&s);
	p = mk("192.0.2.1", 40000, "198.51.100.2", 80, 6, TCP_SYN, 1, 0, T0);
	(void)flow_table_lookup(ft, &p);
	p = mk("198.51.100.2", 80, "192.0.2.1", 40000, 6, TCP_SYN | TCP_ACK, 9, 0, T0 + MS);
	(void)flow_table_lookup(ft, &p);
	p = mk("192.0.2.1", 40000, "198.51.100.2", 80, 6, TCP_RST, 2, 0,
	    T0 + 2 * NSEC_PER_SEC);
	(void)flow_table_lookup(ft, &p);
	/* an event about a packet of a flow: flow_id, packet orientation */
	{
		struct eve *e2;
		struct buf o2;
		struct json *j;

		buf_init(&o2, 0);
		assert_non_null(e2 = eve_new_buf(&o2));
		p = mk("198.51.100.2", 80, "192.0.2.1", 40000, 6, TCP_ACK, 10, 5, T0 + 3 * MS);
		assert_non_null(flow_table_lookup(ft, &p));
		j = eve_begin(e2, "alert", p.ts_ns, p.flow, &p);
		json_kv_str(j, "direction", p.dir == FLOW_TOCLIENT ? "to_client" : "to_server");
		assert_int_equal(eve_end(e2), 0);
		check_lines(&o2, 1);
		assert_non_null(strstr(buf_cstr(&o2), "\"flow_id\":1792681897316140,"
		    "\"event_type\":\"alert\",\"src_ip\":\"198.51.100.2\",\"src_port\":80,"
		    "\"dest_ip\":\"192.0.2.1\",\"dest_port\":40000,\"proto\":\"TCP\","
		    "\"community_id\":\"1:+2pHz3aT6HgcBXuye2/+i7Ff26k=\","
		    "\"direction\":\"to_client\"}"));
		assert_int_equal(eve_close(e2, NULL), 0);
		buf_free(&o2);
	}
	flow_table_free(ft);
	line = buf_cstr(&out);
	check_lines(&out, 1);
	assert_string_equal(line,
	    "{\"timestamp\":\"2023-09-18T06:13:43.532140+0000\","
	    "\"flow_id\":1792681897316140,\"event_type\":\"flow\","
	    "\"src_ip\":\"192.0.2.1\",\"src_port\":40000,"
	    "\"dest_ip\":\"198.51.100.2\",\"dest_port\":80,\"proto\":\"TCP\","
	    "\"community_id\":\"1:+2pHz3aT6HgcBXuye2/+i7Ff26k=\","
	    "\"direction\":\"inbound\","
	    "\"flow\":{\"pkts_toserver\":2,\"pkts_toclient\":2,"
	    "\"bytes_toserver\":108,\"bytes_toclient\":113,"
	    "\"start\":\"2023-09-18T06:13:41.532140+0000\","
	    "\"end\":\"2023-09-18T06:13:43.532140+0000\",\"age\":2,"
	    "\"state\":\"closed\",\"reason\":\"shutdown\",\"alerted\":false},"
	    "\"tcp\":{\"tcp_flags\":\"16\",\"tcp_flags_ts\":\"06\","
	    "\"tcp_flags_tc\":\"12\",\"syn\":true,\"rst\":true,\"ack\":true,"
	    "\"state\":\"closed\"}}\n");
	assert_int_equal(eve_close(s.eve, NULL), 0);
	buf_free(&out);
}

static void
test_flow_event_icmp_vlan(void **state)
{
	struct buf out;
	struct sink s = { NULL, EVE_DIR_NONE };
	struct flow_table *ft;
	struct packet p;
	const char *line;

	buf_init(&out, 0);
	assert_non_null(s.eve = eve_new_buf(&out));
	ft = table(&s);
	p = mk("192.0.2.1", 8, "198.51.100.2", 0, 1, 0, 0, 56, T0);
	p.vlan_count = 2;
	p.vlan_id[0] = 10;
	p.vlan_id[1] = 20;
	(void)flow_table_lookup(ft, &p);
	p = mk("198.51.100.2", 0, "192.0.2.1", 0, 1, 0, 0, 56, T0 + MS);
	p.vlan_count = 2;
	p.vlan_id[0] = 10;
	p.vlan_id[1] = 20;
	(void)flow_table_lookup(ft, &p);
	assert_int_equal(flow_table_count(ft), 1);
	flow_table_free(ft);
	line = buf_cstr(&out);
	check_lines(&out, 1);
	assert_non_null(strstr(line, "\"event_type\":\"flow\",\"vlan\":[10,20],"
	    "\"src_ip\":\"192.0.2.1\",\"dest_ip\":\"198.51.100.2\",\"proto\":\"ICMP\","));
	assert_non_null(strstr(line, "\"icmp_type\":8,\"icmp_code\":0,"
	    "\"response_icmp_type\":0,\"response_icmp_code\":0,\"flow\":{"));
	assert_non_null(strstr(line, "\"state\":\"established\""));
	assert_null(strstr(line, "\"tcp\""));
	assert_null(strstr(line, "\"direction\""));
	assert_null(strstr(line, "src_port"));
	assert_int_equal(eve_close(s.eve, NULL), 0);
	buf_free(&out);
}

static void
test_packet_event(void **state)
{
	struct buf out;
	struct eve *e;
	struct packet p = mk("2001:db8::1", 128, "2001:db8::2", 0, 58, 0, 0, 8, T0);
	struct json *j;
	const char *line;

	p.layers = PKT_IPV6 | PKT_ICMPV6;
	buf_init(&out, 0);
	assert_non_null(e = eve_new_buf(&out));
	eve_set_pcap_cnt(e, 1);
	j = eve_begin(e, "alert", T0, NULL, &p);
	json_key(j, "alert");
	json_object_begin(j);
	json_kv_str(j, "signature", "a \"quoted\"\nline");
	json_object_end(j);
	assert_int_equal(eve_end(e), 0);
	line = buf_cstr(&out);
	check_lines(&out, 1);
	assert_string_equal(line,
	    "{\"timestamp\":\"2023-09-18T06:13:41.532140+0000\",\"pcap_cnt\":7,"
	    "\"event_type\":\"alert\",\"src_ip\":\"2001:db8::1\","
	    "\"dest_ip\":\"2001:db8::2\",\"proto\":\"IPv6-ICMP\",\"icmp_type\":128,"
	    "\"icmp_code\":0,\"community_id\":\"1:u2vMS3HiWth2lIMKHB1fjELshpQ=\","
	    "\"alert\":{\"signature\":\"a \\\"quoted\\\"\\nline\"}}\n");

	/* no flow, no packet: just time and type; unknown protocol as number */
	buf_reset(&out);
	eve_set_community_id(e, 0);
	(void)eve_begin(e, "engine", T0, NULL, NULL);
	assert_int_equal(eve_end(e), 0);
	assert_string_equal(buf_cstr(&out),
	    "{\"timestamp\":\"2023-09-18T06:13:41.532140+0000\",\"event_type\":\"engine\"}\n");
	buf_reset(&out);
	p = mk("192.0.2.1", 0, "192.0.2.2", 0, 6, 0, 0, 0, T0);
	p.ip_proto = 253;
	p.layers = PKT_IPV4;
	(void)eve_begin(e, "drop", T0, NULL, &p);
	assert_int_equal(eve_end(e), 0);
	assert_non_null(strstr(buf_cstr(&out), "\"dest_ip\":\"192.0.2.2\",\"proto\":\"253\"}"));

	/* eve_end without begin fails; cancel writes nothing */
	assert_int_equal(eve_end(e), -1);
	buf_reset(&out);
	(void)eve_begin(e, "x", T0, NULL, NULL);
	eve_cancel(e);
	assert_int_equal(out.len, 0);
	assert_int_equal(eve_close(e, NULL), 0);
	buf_free(&out);
}

static void
test_line_bound(void **state)
{
	struct buf out;
	struct eve *e;
	struct json *j;
	struct eve_stats st;
	size_t big = 2 * 1024 * 1024;
	char *s = malloc(big + 1);

	assert_non_null(s);
	memset(s, 'A', big);
	s[big] = '\0';
	buf_init(&out, 0);
	assert_non_null(e = eve_new_buf(&out));
	j = eve_begin(e, "tty", T0, NULL, NULL);
	json_kv_str(j, "data", s);
	assert_int_equal(eve_end(e), 0);
	assert_true(out.len < EVE_LINE_MAX);
	assert_string_equal(buf_cstr(&out),
	    "{\"timestamp\":\"2023-09-18T06:13:41.532140+0000\",\"event_type\":\"tty\","
	    "\"truncated\":true}\n");

	/* just under the bound passes whole */
	buf_reset(&out);
	s[EVE_LINE_MAX - 200] = '\0';
	j = eve_begin(e, "tty", T0, NULL, NULL);
	json_kv_str(j, "data", s);
	assert_int_equal(eve_end(e), 0);
	assert_true(out.len > EVE_LINE_MAX - 200 && out.len <= EVE_LINE_MAX);
	check_lines(&out, 1);

	/* an unbalanced body is cut, never written broken */
	buf_reset(&out);
	j = eve_begin(e, "x", T0, NULL, NULL);
	json_key(j, "open");
	json_array_begin(j);
	assert_int_equal(eve_end(e), 0);
	assert_non_null(strstr(buf_cstr(&out), "\"truncated\":true}"));
	check_lines(&out, 1);
	eve_get_stats(e, &st);
	assert_int_equal(st.truncated, 2);
	assert_int_equal(st.events, 3);
	assert_int_equal(eve_close(e, NULL), 0);
	buf_free(&out);
	free(s);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	data = malloc((size_t)n + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)n, fp), (size_t)n);
	data[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return data;
}

static void
test_file(void **state)
{
	char dir[] = "/tmp/h2_eve_XXXXXX", path[256], rotated[256];
	struct error err;
	struct eve *e;
	struct json *j;
	size_t len, n, bad;
	char *data;
	int i;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/eve.json", dir);
	snprintf(rotated, sizeof(rotated), "%s/eve.json.1", dir);
	assert_non_null(e = eve_open(path, &err));
	for (i = 0; i < 5000; i++) {
		j = eve_begin(e, "stats", T0 + (uint64_t)i * MS, NULL, NULL);
		json_kv_int(j, "i", i);
		json_kv_str(j, "pad", "0123456789012345678901234567890123456789012345678901234567890123456789");
		assert_int_equal(eve_end(e), 0);
	}
	/* rotation: the old file moves away, reopen starts a new one */
	assert_int_equal(rename(path, rotated), 0);
	assert_int_equal(eve_reopen(e, &err), 0);
	j = eve_begin(e, "stats", T0, NULL, NULL);
	json_kv_int(j, "i", -1);
	assert_int_equal(eve_end(e), 0);
	assert_int_equal(eve_close(e, &err), 0);

	data = slurp(rotated, &len);
	assert_int_equal(json_check_lines(data, len, &n, &bad), 0);
	assert_int_equal(n, 5000);
	free(data);
	/* and jq, what users load EVE with, agrees (when installed) */
	if (system("command -v jq >/dev/null 2>&1") == 0) {
		char cmd[600];

		snprintf(cmd, sizeof(cmd),
		    "test \"$(jq -c 'select(.event_type == \"stats\") | .i' %s | wc -l)\" = 5000",
		    rotated);
		assert_int_equal(system(cmd), 0);
	}
	data = slurp(path, &len);
	assert_int_equal(json_check_lines(data, len, &n, &bad), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(data, "\"i\":-1"));
	free(data);

	/* append, not truncate */
	assert_non_null(e = eve_open(path, &err));
	(void)eve_begin(e, "stats", T0, NULL, NULL);
	assert_int_equal(eve_end(e), 0);
	assert_int_equal(eve_flush(e, &err), 0);
	data = slurp(path, &len);
	assert_int_equal(json_check_lines(data, len, &n, &bad), 0);
	assert_int_equal(n, 2);
	free(data);
	assert_int_equal(eve_close(e, &err), 0);

	unlink(path);
	unlink(rotated);
	rmdir(dir);

	/* errors name the file */
	assert_null(eve_open("/nonexistent-h2/eve.json", &err));
	assert_non_null(strstr(err.msg, "/nonexistent-h2/eve.json"));
}

static void
test_write_error(void **state)
{
	struct error err;
	struct eve *e;

	if (access("/dev/full", W_OK) != 0)
		skip();
	assert_non_null(e = eve_open("/dev/full", &err));
	(void)eve_begin(e, "x", T0, NULL, NULL);
	assert_int_equal(eve_end(e), 0);	/* buffered */
	assert_int_equal(eve_flush(e, &err), -1);
	assert_non_null(strstr(err.msg, "/dev/full"));
	assert_non_null(eve_error(e));
	assert_int_equal(eve_close(e, &err), -1);
}

static void
test_stats(void **state)
{
	static const struct eve_counter c[] = {
		{ "uptime", 7 },
		{ "decoder.pkts", 100 },
		{ "flow.active", 2 },
		{ "decoder.ipv4.trunc_pkt", 3 },
		{ "decoder.bytes", 6400 },
		{ "decoder.ipv4", 9 },		/* conflicts with the object: dropped */
		{ "decoder.ipv4.opt_pad_required", 1 },
		{ "decoder.ipv4-x", 4 },
		{ "flow.active", 5 },		/* duplicate: dropped */
		{ "bad..name", 1 },		/* empty component: dropped */
		{ "a.b.c.d.e.f.g.h.i", 1 },	/* too deep: dropped */
	};
	struct buf out;
	struct eve *e;

	buf_init(&out, 0);
	assert_non_null(e = eve_new_buf(&out));
	assert_int_equal(eve_write_stats(e, T0, c, sizeof(c) / sizeof(c[0])), 0);
	check_lines(&out, 1);
	assert_string_equal(buf_cstr(&out),
	    "{\"timestamp\":\"2023-09-18T06:13:41.532140+0000\",\"event_type\":\"stats\","
	    "\"stats\":{\"decoder\":{\"bytes\":6400,\"ipv4\":9,\"ipv4-x\":4,"
	    "\"pkts\":100},\"flow\":{\"active\":2},\"uptime\":7}}\n");
	assert_int_equal(eve_close(e, NULL), 0);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_event_tcp),
		cmocka_unit_test(test_flow_event_icmp_vlan),
		cmocka_unit_test(test_packet_event),
		cmocka_unit_test(test_line_bound),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_stats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
