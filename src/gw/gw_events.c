/* summary: apiary-gw's event output: EVE JSON lines and a Zeek-style conn.log. */
#include "gw/gw_events.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/json.h"
#include "core/timefmt.h"

#define OUT_MAX (4u << 20)

struct gw_events {
	int eve_fd, conn_fd;
	struct buf eve, conn;
	struct buf line;	/* one event being formatted, reused */
	char hn_if[32], up_if[32];
	enum control_side side;
	uint64_t lost;
	uint64_t conn_seq;
	int no_flows;		/* flow records are the pipeline's (inspect on) */
};

static int
open_append(const char *path, struct error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	if (fd == -1)
		error_errno(err, "%s", path);
	return fd;
}

struct gw_events *
gw_events_new(const char *eve_path, const char *conn_path,
    const char *honeynet_if, const char *uplink_if, struct error *err)
{
	struct gw_events *e = calloc(1, sizeof(*e));

	if (e == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	e->eve_fd = e->conn_fd = -1;
	buf_init(&e->eve, OUT_MAX);
	buf_init(&e->conn, OUT_MAX);
	buf_init(&e->line, 64 << 10);
	snprintf(e->hn_if, sizeof(e->hn_if), "%s", honeynet_if);
	snprintf(e->up_if, sizeof(e->up_if), "%s", uplink_if);
	if (eve_path != NULL && (e->eve_fd = open_append(eve_path, err)) == -1)
		goto fail;
	if (conn_path != NULL) {
		off_t end;

		if ((e->conn_fd = open_append(conn_path, err)) == -1)
			goto fail;
		end = lseek(e->conn_fd, 0, SEEK_END);
		if (end == 0) {
			char open_ts[TIMEFMT_LEN];
			time_t t = time(NULL);
			struct tm tm;

			gmtime_r(&t, &tm);
			strftime(open_ts, sizeof(open_ts), "%Y-%m-%d-%H-%M-%S", &tm);
			buf_printf(&e->conn, "#separator \\x09\n#set_separator\t,\n"
			    "#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
			    "#open\t%s\n#fields\tts\tuid\tid.orig_h\tid.orig_p\t"
			    "id.resp_h\tid.resp_p\tproto\tservice\tduration\t"
			    "orig_bytes\tresp_bytes\tconn_state\tlocal_orig\t"
			    "local_resp\tmissed_bytes\thistory\torig_pkts\t"
			    "orig_ip_bytes\tresp_pkts\tresp_ip_bytes\t"
			    "tunnel_parents\n#types\ttime\tstring\taddr\tport\t"
			    "addr\tport\tenum\tstring\tinterval\tcount\tcount\t"
			    "string\tbool\tbool\tcount\tstring\tcount\tcount\t"
			    "count\tcount\tset[string]\n", open_ts);
		}
	}
	return e;
fail:
	gw_events_free(e);
	return NULL;
}

void
gw_events_free(struct gw_events *e)
{
	if (e == NULL)
		return;
	gw_events_flush(e);
	if (e->eve_fd != -1)
		close(e->eve_fd);
	if (e->conn_fd != -1)
		close(e->conn_fd);
	buf_free(&e->eve);
	buf_free(&e->conn);
	buf_free(&e->line);
	free(e);
}

void
gw_events_set_side(struct gw_events *e, enum control_side side)
{
	e->side = side;
}

static const char *
proto_name(uint8_t p, char tmp[8])
{
	switch (p) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 47: return "GRE";
	case 58: return "IPv6-ICMP";
	default:
		snprintf(tmp, 8, "%u", p);
		return tmp;
	}
}

static void
header(struct json *j, uint64_t ts, const char *type, const char *iface)
{
	char t[TIMEFMT_LEN];

	timefmt_eve(ts, t);
	json_object_begin(j);
	json_kv_str(j, "timestamp", t);
	if (iface != NULL)
		json_kv_str(j, "in_iface", iface);
	json_kv_str(j, "event_type", type);
}

static void
endpoints(struct json *j, const struct addr *s, uint16_t sp,
    const struct addr *d, uint16_t dp, uint8_t proto)
{
	char a[ADDR_STRLEN], tmp[8];

	json_kv_str(j, "src_ip", addr_str(s, a));
	if (proto == 6 || proto == 17)
		json_kv_uint(j, "src_port", sp);
	json_kv_str(j, "dest_ip", addr_str(d, a));
	if (proto == 6 || proto == 17)
		json_kv_uint(j, "dest_port", dp);
	json_kv_str(j, "proto", proto_name(proto, tmp));
}

static void
commit(struct gw_events *e, struct buf *line)
{
	if (e->eve_fd == -1)
		return;
	if (buf_append(&e->eve, line->data, line->len) == -1 ||
	    buf_append_byte(&e->eve, '\n') == -1)
		e->lost++;
	if (e->eve.len > (256u << 10))
		gw_events_flush(e);
}

static void
pkt_endpoints(struct json *j, const struct packet *p)
{
	char a[ADDR_STRLEN];

	if (p->ip_version != 0) {
		endpoints(j, &p->src, p->sport, &p->dst, p->dport, p->ip_proto);
	} else if (p->layers & PKT_ARP) {
		json_kv_str(j, "src_ip", addr_str(&p->arp_sender, a));
		json_kv_str(j, "dest_ip", addr_str(&p->arp_target, a));
		json_kv_str(j, "proto", "ARP");
	}
}

static void
flags_hex(struct json *j, const char *key, uint8_t f)
{
	char h[4];

	snprintf(h, sizeof(h), "%02x", f);
	json_kv_str(j, key, h);
}

static void
emit_drop(struct gw_events *e, const struct control_event *ev)
{
	const struct packet *p = ev->pkt;
	struct buf *line = &e->line;
	struct json j;

	buf_reset(line);
	json_init(&j, line);
	header(&j, ev->ts_ns, "drop",
	    e->side == CONTROL_FROM_HONEYNET ? e->hn_if : e->up_if);
	pkt_endpoints(&j, p);
	json_kv_str(&j, "direction",
	    e->side == CONTROL_FROM_HONEYNET ? "outbound" : "inbound");
	json_key(&j, "drop");
	json_object_begin(&j);
	json_kv_str(&j, "reason", control_reason_name(ev->reason));
	json_kv_uint(&j, "len", p->wirelen);
	if (p->ip_version) {
		json_kv_uint(&j, "ttl", p->ttl);
		json_kv_uint(&j, "tos", p->tos);
		if (p->ip_version == 4)
			json_kv_uint(&j, "ipid", p->ip_id);
	}
	if (p->layers & PKT_TCP) {
		json_kv_uint(&j, "tcpseq", p->tcp_seq);
		json_kv_uint(&j, "tcpack", p->tcp_ack);
		json_kv_uint(&j, "tcpwin", p->tcp_win);
		json_kv_bool(&j, "syn", p->tcp_flags & TCP_SYN);
		json_kv_bool(&j, "ack", p->tcp_flags & TCP_ACK);
		json_kv_bool(&j, "rst", p->tcp_flags & TCP_RST);
		json_kv_bool(&j, "fin", p->tcp_flags & TCP_FIN);
	}
	if (p->layers & (PKT_ICMP | PKT_ICMPV6)) {
		json_kv_uint(&j, "icmp_type", p->icmp_type);
		json_kv_uint(&j, "icmp_code", p->icmp_code);
	}
	if (p->layers & PKT_VLAN)
		json_kv_uint(&j, "vlan", p->vlan_id[0]);
	if (!p->ip_version && !(p->layers & PKT_ARP)) {
		char et[8];

		snprintf(et, sizeof(et), "0x%04x", p->ethertype);
		json_kv_str(&j, "ethertype", et);
	}
	json_kv_uint(&j, "suppressed", ev->suppressed);
	json_object_end(&j);
	json_object_end(&j);
	if (!json_failed(&j))
		commit(e, line);
}

static void
emit_limit(struct gw_events *e, const struct control_event *ev)
{
	char a[ADDR_STRLEN + 4];
	struct buf *line = &e->line;
	struct json j;

	buf_reset(line);
	json_init(&j, line);
	header(&j, ev->ts_ns, "limit", e->hn_if);
	pkt_endpoints(&j, ev->pkt);
	json_kv_str(&j, "direction", "outbound");
	json_key(&j, "limit");
	json_object_begin(&j);
	json_kv_str(&j, "honeypot", ev->honeypot->len ==
	    (ev->honeypot->addr.family == 4 ? 32 : 128) ?
	    addr_str(&ev->honeypot->addr, a) : prefix_str(ev->honeypot, a));
	json_kv_str(&j, "protocol", control_proto_name(ev->proto));
	json_kv_uint(&j, "limit", ev->limit);
	json_kv_uint(&j, "window", ev->window_ns / NSEC_PER_SEC);
	json_kv_uint(&j, "count", ev->count);
	json_kv_uint(&j, "dropped", ev->dropped);
	json_object_end(&j);
	json_object_end(&j);
	if (!json_failed(&j))
		commit(e, line);
}

static const char *
conn_state(const struct control_event *ev)
{
	uint8_t o = ev->flags_toserver, r = ev->flags_toclient;

	if (ev->ip_proto != 6)
		return ev->pkts_toclient ? "SF" : "S0";
	if ((o & TCP_SYN) && ev->pkts_toclient == 0)
		return "S0";
	if ((o & TCP_SYN) && (r & TCP_RST) && !(r & TCP_SYN))
		return "REJ";
	if (o & TCP_RST)
		return "RSTO";
	if (r & TCP_RST)
		return "RSTR";
	if ((o & TCP_FIN) && (r & TCP_FIN))
		return "SF";
	if ((o & TCP_SYN) && (r & TCP_SYN))
		return "S1";
	return "OTH";
}

static uint64_t
flow_id(const struct control_event *ev)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const uint8_t *parts[2] = { ev->src.b, ev->dst.b };

	for (int k = 0; k < 2; k++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[k][i]) * 0x100000001b3ull;
	h = (h ^ ((uint64_t)ev->sport << 24 | (uint64_t)ev->dport << 8 |
	    ev->ip_proto)) * 0x100000001b3ull;
	h ^= ev->start_ns;
	h *= 0x100000001b3ull;
	return h & 0x7ffffffffffffull;
}

static void
emit_flow(struct gw_events *e, const struct control_event *ev)
{
	char t[TIMEFMT_LEN], a[ADDR_STRLEN], b[ADDR_STRLEN], tmp[8];
	uint64_t start = ev->start_ns, end = ev->end_ns;
	struct buf *line = &e->line;
	struct json j;

	/* The control module's clock is monotonic: re-base on the wall clock. */
	{
		uint64_t wall = time_now_ns(), mono = time_mono_ns();

		start = wall - (mono - start);
		end = wall - (mono - end);
	}
	buf_reset(line);
	json_init(&j, line);
	timefmt_eve(end, t);
	json_object_begin(&j);
	json_kv_str(&j, "timestamp", t);
	json_kv_uint(&j, "flow_id", flow_id(ev));
	json_kv_str(&j, "in_iface", ev->outbound ? e->hn_if : e->up_if);
	json_kv_str(&j, "event_type", "flow");
	endpoints(&j, &ev->src, ev->sport, &ev->dst, ev->dport, ev->ip_proto);
	json_kv_str(&j, "direction", ev->outbound ? "outbound" : "inbound");
	json_key(&j, "flow");
	json_object_begin(&j);
	json_kv_uint(&j, "pkts_toserver", ev->pkts_toserver);
	json_kv_uint(&j, "pkts_toclient", ev->pkts_toclient);
	json_kv_uint(&j, "bytes_toserver", ev->bytes_toserver);
	json_kv_uint(&j, "bytes_toclient", ev->bytes_toclient);
	timefmt_eve(start, t);
	json_kv_str(&j, "start", t);
	timefmt_eve(end, t);
	json_kv_str(&j, "end", t);
	json_kv_uint(&j, "age", (end - start) / NSEC_PER_SEC);
	json_kv_str(&j, "state", ev->pkts_toclient ? "closed" : "new");
	json_kv_str(&j, "reason", ev->end_reason);
	json_object_end(&j);
	if (ev->ip_proto == 6) {
		uint8_t all = ev->flags_toserver | ev->flags_toclient;

		json_key(&j, "tcp");
		json_object_begin(&j);
		flags_hex(&j, "tcp_flags", all);
		flags_hex(&j, "tcp_flags_ts", ev->flags_toserver);
		flags_hex(&j, "tcp_flags_tc", ev->flags_toclient);
		if (all & TCP_SYN) json_kv_bool(&j, "syn", 1);
		if (all & TCP_FIN) json_kv_bool(&j, "fin", 1);
		if (all & TCP_RST) json_kv_bool(&j, "rst", 1);
		if (all & TCP_PSH) json_kv_bool(&j, "psh", 1);
		if (all & TCP_ACK) json_kv_bool(&j, "ack", 1);
		json_object_end(&j);
	}
	json_object_end(&j);
	if (!json_failed(&j))
		commit(e, line);

	if (e->conn_fd != -1) {
		char ts[TIMEFMT_LEN];
		int rc;

		timefmt_epoch(start, ts);
		rc = buf_printf(&e->conn, "%s\tG%llx\t%s\t%u\t%s\t%u\t%s\t-\t"
		    "%.6f\t-\t-\t%s\t%s\t%s\t0\t-\t%llu\t%llu\t%llu\t%llu\t"
		    "(empty)\n", ts, (unsigned long long)flow_id(ev),
		    addr_str(&ev->src, a), ev->sport, addr_str(&ev->dst, b),
		    ev->dport, ev->ip_proto == 6 ? "tcp" :
		    ev->ip_proto == 17 ? "udp" :
		    (ev->ip_proto == 1 || ev->ip_proto == 58) ? "icmp" :
		    proto_name(ev->ip_proto, tmp),
		    (double)(end - start) / 1e9, conn_state(ev),
		    ev->outbound ? "T" : "F", ev->outbound ? "F" : "T",
		    (unsigned long long)ev->pkts_toserver,
		    (unsigned long long)(ev->bytes_toserver -
		    14 * ev->pkts_toserver),
		    (unsigned long long)ev->pkts_toclient,
		    (unsigned long long)(ev->bytes_toclient -
		    14 * ev->pkts_toclient));
		if (rc == -1)
			e->lost++;
		if (e->conn.len > (256u << 10))
			gw_events_flush(e);
	}
}

void
gw_events_control(void *arg, const struct control_event *ev)
{
	struct gw_events *e = arg;

	switch (ev->type) {
	case CONTROL_EV_DROP:
		emit_drop(e, ev);
		break;
	case CONTROL_EV_LIMIT:
		emit_limit(e, ev);
		break;
	case CONTROL_EV_FLOW:
		if (!e->no_flows)
			emit_flow(e, ev);
		break;
	}
}

void
gw_events_set_flows(struct gw_events *e, int on)
{
	e->no_flows = !on;
}

void
gw_events_eve_raw(struct gw_events *e, struct buf *line)
{
	commit(e, line);
}

static int
drain(int fd, struct buf *b)
{
	size_t off = 0;

	while (off < b->len) {
		ssize_t n = write(fd, b->data + off, b->len - off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	{
		int ok = off == b->len;

		buf_reset(b);
		return ok ? 0 : -1;
	}
}

int
gw_events_flush(struct gw_events *e)
{
	int rc = 0;

	if (e->eve_fd != -1 && e->eve.len > 0 && drain(e->eve_fd, &e->eve) == -1)
		rc = -1;
	if (e->conn_fd != -1 && e->conn.len > 0 &&
	    drain(e->conn_fd, &e->conn) == -1)
		rc = -1;
	return rc;
}

uint64_t
gw_events_lost(const struct gw_events *e)
{
	return e->lost;
}
