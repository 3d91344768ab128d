/* summary: libFuzzer target: packet sequences through the flow table and its outputs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow.h"
#include "output/connlog.h"
#include "output/eve.h"

/*
 * Each 16-byte record of the input is one packet between a handful of
 * endpoints (so flows repeat and states advance): protocol, ports, TCP
 * flags, sequence number, payload length, time step, VLAN.  The table is
 * small (64 flows) so eviction runs too; every ended flow is written as
 * an EVE flow event and a conn.log row.  Invariants are checked with
 * abort() so the fuzzer reports them.
 */
#define MAX_FLOWS 64

struct out {
	struct eve *eve;
	struct connlog *cl;
	struct buf eb, cb;
};

static void
on_end(void *ctx, struct flow *f)
{
	struct out *o = ctx;

	if (f->end_reason == FLOW_END_NONE)
		abort();
	(void)eve_write_flow(o->eve, f, f->last_ns, EVE_DIR_OUTBOUND);
	(void)connlog_write(o->cl, f);
	if (o->eb.len > (1 << 20))
		buf_reset(&o->eb);
	if (o->cb.len > (1 << 20))
		buf_reset(&o->cb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *hosts[] = { "192.0.2.1", "192.0.2.2", "198.51.100.7",
	    "2001:db8::1", "2001:db8::2" };
	static const uint8_t protos[] = { 6, 6, 6, 17, 1, 58, 47, 6 };
	struct flow_config cfg;
	struct flow_table *ft;
	struct error err;
	struct out o;
	struct packet p;
	uint64_t t = (uint64_t)1700000000 * 1000000000;
	size_t i;

	flow_config_default(&cfg);
	cfg.max_flows = MAX_FLOWS;
	cfg.timeouts.tcp_new = 2;
	cfg.timeouts.tcp_closed = 1;
	cfg.timeouts.udp_new = 2;
	cfg.deterministic_hash = 1;
	if ((ft = flow_table_new(&cfg, &err)) == NULL)
		return 0;
	buf_init(&o.eb, 0);
	buf_init(&o.cb, 0);
	o.eve = eve_new_buf(&o.eb);
	o.cl = connlog_new_buf(&o.cb, t);
	if (o.eve == NULL || o.cl == NULL)
		abort();
	flow_table_set_end_callback(ft, on_end, &o);

	for (i = 0; i + 16 <= size; i += 16) {
		const uint8_t *r = data + i;
		int v6 = r[0] & 1;
		uint8_t a = (uint8_t)(r[0] >> 1) % 3, b = (uint8_t)(r[0] >> 3) % 3;

		memset(&p, 0, sizeof(p));
		(void)addr_parse(hosts[v6 ? 3 + (a & 1) : a], &p.src);
		(void)addr_parse(hosts[v6 ? 3 + (b & 1) : b], &p.dst);
		p.ip_version = v6 ? 6 : 4;
		p.layers = v6 ? PKT_IPV6 : PKT_IPV4;
		p.ip_proto = protos[r[1] & 7];
		switch (p.ip_proto) {
		case 6: p.layers |= PKT_TCP; break;
		case 17: p.layers |= PKT_UDP; break;
		case 1: p.layers |= PKT_ICMP; break;
		case 58: p.layers |= PKT_ICMPV6; break;
		}
		if (r[1] & 0x80)
			p.layers |= PKT_FRAGMENT;
		p.sport = (uint16_t)(r[2] % 4 + (r[2] & 0x80 ? 1020 : 0));
		p.dport = (uint16_t)(r[3] % 4 + (r[3] & 0x80 ? 1020 : 0));
		p.icmp_type = r[2];
		p.icmp_code = r[3];
		p.tcp_flags = r[4];
		memcpy(&p.tcp_seq, r + 5, 4);
		p.tcp_win = r[9];
		p.payload_len = r[10];
		p.payload_wirelen = r[10] + (r[11] & 0x0f);
		p.l3_len = 40 + p.payload_len;
		p.wirelen = 54 + p.payload_wirelen;
		t += (uint64_t)r[12] * 50000000;	/* up to 12.75 s per step */
		p.ts_ns = t;
		if (r[13] & 1) {
			p.vlan_count = 1 + (r[13] >> 7);
			p.vlan_id[0] = r[13] >> 1 & 3;
			p.vlan_id[1] = r[14] & 3;
		}
		if (flow_table_lookup(ft, &p) != NULL) {
			if (p.flow == NULL || p.dir > 1 || p.flow->hist_len >= FLOW_HISTORY_MAX)
				abort();
		}
		if (flow_table_count(ft) > MAX_FLOWS)
			abort();
		if (r[15] & 1)
			(void)flow_table_expire(ft, t, r[15] >> 4);
	}
	flow_table_free(ft);
	(void)eve_close(o.eve, NULL);
	(void)connlog_close(o.cl, t, NULL);
	buf_free(&o.eb);
	buf_free(&o.cb);
	return 0;
}
