/* summary: EVE JSON writer: Suricata-compatible event lines to a file or a buffer. */
#include "output/eve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/timefmt.h"
#include "flow/community_id.h"
#include "flow/flow.h"
#include "net/packet.h"
#include "output/fmt.h"

/*
 * Each event is built in `line` (bounded at EVE_LINE_MAX - 1 bytes, the
 * newline excluded), then appended to `out`, which is written to the file
 * once it holds EVE_BUFFER bytes: one write(2) per ~256 KiB, not per
 * event.  A write error is sticky (reported by eve_end/eve_flush/
 * eve_close and eve_error); the pending bytes are then dropped so memory
 * stays bounded at EVE_BUFFER + EVE_LINE_MAX.  The writer is not thread
 * safe: one per thread, or the caller serialises.
 */

struct eve {
	int fd;			/* -1 in buffer mode */
	int own_fd;
	char *path;
	struct buf *ext;	/* buffer mode: lines go here */
	struct buf out;		/* file mode: pending bytes */
	struct buf line;
	struct json j;
	int in_event;
	/* the event begun, to rewrite its header when cut */
	const char *event_type;
	uint64_t ts_ns;
	const struct flow *f;
	const struct packet *p;
	int pcap_cnt;
	int cid;
	uint16_t cid_seed;
	int failed;
	char err[512];
	struct eve_stats st;
	struct fmt_timecache tc;
	struct community_id_hasher *hasher;	/* NULL: one-shot SHA-1 */
};

static struct eve *
eve_alloc(void)
{
	struct eve *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->fd = -1;
	e->cid = 1;
	fmt_timecache_init(&e->tc);
	e->hasher = community_id_hasher_new();
	buf_init(&e->line, EVE_LINE_MAX - 1);
	buf_init(&e->out, EVE_BUFFER + EVE_LINE_MAX);
	return e;
}

/* Frees what eve_alloc/eve_open allocated (no flushing, no closing). */
static void
eve_destroy(struct eve *e)
{
	if (e == NULL)
		return;
	buf_free(&e->out);
	buf_free(&e->line);
	community_id_hasher_free(e->hasher);
	free(e->path);
	free(e);
}

static int
open_path(const char *path, int *fd, struct error *err)
{
	if (strcmp(path, "-") == 0) {
		*fd = STDOUT_FILENO;
		return 0;
	}
	*fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (*fd == -1)
		return error_errno(err, "%s", path);
	return 0;
}

struct eve *
eve_open(const char *path, struct error *err)
{
	struct eve *e;

	if ((e = eve_alloc()) == NULL || (e->path = strdup(path)) == NULL) {
		error_errno(err, "eve");
		eve_destroy(e);
		return NULL;
	}
	if (open_path(path, &e->fd, err) == -1) {
		e->fd = -1;
		eve_destroy(e);
		return NULL;
	}
	e->own_fd = e->fd != STDOUT_FILENO;
	return e;
}

struct eve *
eve_new_buf(struct buf *out)
{
	struct eve *e = eve_alloc();

	if (e != NULL)
		e->ext = out;
	return e;
}

static void
set_failed(struct eve *e, const char *what, int errnum)
{
	e->st.write_errors++;
	if (!e->failed) {
		e->failed = 1;
		snprintf(e->err, sizeof(e->err), "%s: %s%s%s",
		    e->path ? e->path : "eve", what, errnum ? ": " : "",
		    errnum ? strerror(errnum) : "");
	}
}

static int
write_out(struct eve *e)
{
	size_t off = 0;
	ssize_t n;

	while (off < e->out.len) {
		n = write(e->fd, e->out.data + off, e->out.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			set_failed(e, "write", n == -1 ? errno : EIO);
			buf_reset(&e->out);
			return -1;
		}
		off += (size_t)n;
	}
	buf_reset(&e->out);
	return 0;
}

int
eve_flush(struct eve *e, struct error *err)
{
	if (e->fd != -1 && e->out.len > 0 && write_out(e) == -1)
		return error_set(err, "%s", e->err);
	if (e->failed)
		return error_set(err, "%s", e->err);
	return 0;
}

int
eve_reopen(struct eve *e, struct error *err)
{
	int fd;

	if (e->fd == -1 || !e->own_fd)
		return 0;
	(void)eve_flush(e, err);
	if (open_path(e->path, &fd, err) == -1)
		return -1;
	(void)close(e->fd);
	e->fd = fd;
	return 0;
}

int
eve_close(struct eve *e, struct error *err)
{
	int rc = 0;

	if (e == NULL)
		return 0;
	if (e->fd != -1) {
		if (e->out.len > 0)
			(void)write_out(e);
		if (e->own_fd && close(e->fd) == -1)
			set_failed(e, "close", errno);
	}
	if (e->failed)
		rc = error_set(err, "%s", e->err);
	eve_destroy(e);
	return rc;
}

void
eve_set_pcap_cnt(struct eve *e, int on)
{
	e->pcap_cnt = on;
}

void
eve_set_community_id(struct eve *e, int on)
{
	e->cid = on;
}

void
eve_set_community_id_seed(struct eve *e, uint16_t seed)
{
	e->cid_seed = seed;
}

const char *
eve_error(const struct eve *e)
{
	return e->failed ? e->err : NULL;
}

void
eve_get_stats(const struct eve *e, struct eve_stats *st)
{
	*st = e->st;
}

/* ---- the header ----------------------------------------------------- */

static int
has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

static void
sb_proto(struct sb *b, uint8_t proto)
{
	const char *name = flow_proto_name(proto);

	sb_lit(b, ",\"proto\":\"");
	if (name != NULL)
		sb_str(b, name);
	else
		sb_u64(b, proto);
	sb_lit(b, "\"");
}

static void
sb_endpoints(struct sb *b, const struct addr *src, uint16_t sport,
    const struct addr *dst, uint16_t dport, uint8_t proto)
{
	char a[ADDR_STRLEN];

	sb_lit(b, ",\"src_ip\":\"");
	sb_str(b, fmt_addr(src, a));
	sb_lit(b, "\"");
	if (has_ports(proto)) {
		sb_lit(b, ",\"src_port\":");
		sb_u64(b, sport);
	}
	sb_lit(b, ",\"dest_ip\":\"");
	sb_str(b, fmt_addr(dst, a));
	sb_lit(b, "\"");
	if (has_ports(proto)) {
		sb_lit(b, ",\"dest_port\":");
		sb_u64(b, dport);
	}
	sb_proto(b, proto);
}

/*
 * The header is formatted directly (no printf, no per-key calls: it is
 * written for every event) and handed to the JSON writer as one raw run
 * of members right after the object's '{'; the writer then counts it as
 * the object's first member, so the caller's json_key() calls add their
 * commas as usual.  Every value in it is ASCII without characters to
 * escape (numbers, addresses, timestamps, base64), except event_type,
 * which is escaped (and should be a plain ASCII name).
 */
#define HEADER_MAX 1024

static void
write_header(struct eve *e)
{
	const struct flow *f = e->f;
	const struct packet *p = e->p;
	char ts[TIMEFMT_LEN], cid[COMMUNITY_ID_LEN], hdr[HEADER_MAX];
	const char *c = NULL;
	int i, nvlan = 0;
	const uint16_t *vlan = NULL;
	struct sb b;

	sb_init(&b, hdr, sizeof(hdr));
	fmt_eve_time(&e->tc, e->ts_ns, ts);
	sb_lit(&b, "\"timestamp\":\"");
	sb_str(&b, ts);
	sb_lit(&b, "\"");
	if (f != NULL) {
		sb_lit(&b, ",\"flow_id\":");
		sb_u64(&b, f->flow_id);
	}
	if (e->pcap_cnt && p != NULL && p->frame_no > 0) {
		sb_lit(&b, ",\"pcap_cnt\":");
		sb_u64(&b, p->frame_no);
	}
	sb_lit(&b, ",\"event_type\":");
	sb_json_ascii(&b, e->event_type);
	if (p != NULL && p->vlan_count > 0) {
		nvlan = p->vlan_count > 2 ? 2 : p->vlan_count;
		vlan = p->vlan_id;
	} else if (f != NULL && f->vlan_count > 0) {
		nvlan = f->vlan_count;
		vlan = f->vlan_id;
	}
	for (i = 0; i < nvlan; i++) {
		if (i == 0)
			sb_lit(&b, ",\"vlan\":[");
		else
			sb_lit(&b, ",");
		sb_u64(&b, vlan[i]);
		if (i == nvlan - 1)
			sb_lit(&b, "]");
	}
	if (p != NULL && (p->ip_version == 4 || p->ip_version == 6)) {
		sb_endpoints(&b, &p->src, p->sport, &p->dst, p->dport, p->ip_proto);
		if (p->layers & (PKT_ICMP | PKT_ICMPV6)) {
			sb_lit(&b, ",\"icmp_type\":");
			sb_u64(&b, p->icmp_type);
			sb_lit(&b, ",\"icmp_code\":");
			sb_u64(&b, p->icmp_code);
		}
	} else if (f != NULL) {
		sb_endpoints(&b, &f->src, f->sport, &f->dst, f->dport, f->proto);
	}
	if (e->cid && f != NULL) {
		int icmp = f->proto == 1 || f->proto == 58;

		if (f->community_id[0] != '\0')
			c = f->community_id;
		else if (community_id_v1_with(e->hasher, f->cid_seed, &f->src,
		    &f->dst, f->proto, icmp ? f->icmp_type : f->sport,
		    icmp ? f->icmp_code : f->dport, cid) == 0)
			c = cid;
	} else if (e->cid && p != NULL && (p->ip_version == 4 || p->ip_version == 6)) {
		int icmp = (p->layers & (PKT_ICMP | PKT_ICMPV6)) != 0;

		if (community_id_v1_with(e->hasher, e->cid_seed, &p->src, &p->dst,
		    p->ip_proto, icmp ? p->icmp_type : p->sport,
		    icmp ? p->icmp_code : p->dport, cid) == 0)
			c = cid;
	}
	if (c != NULL) {
		sb_lit(&b, ",\"community_id\":\"");
		sb_str(&b, c);
		sb_lit(&b, "\"");
	}
	json_object_begin(&e->j);
	if (b.over)
		e->j.failed = 1;	/* only a huge event_type: flagged as cut */
	else
		json_raw(&e->j, hdr);
}

struct json *
eve_begin(struct eve *e, const char *event_type, uint64_t ts_ns,
    const struct flow *f, const struct packet *p)
{
	buf_reset(&e->line);
	json_init(&e->j, &e->line);
	e->in_event = 1;
	e->event_type = event_type;
	e->ts_ns = ts_ns;
	e->f = f;
	e->p = p;
	write_header(e);
	return &e->j;
}

void
eve_cancel(struct eve *e)
{
	e->in_event = 0;
	buf_reset(&e->line);
}

int
eve_end(struct eve *e)
{
	struct buf *dst;

	if (!e->in_event)
		return -1;
	e->in_event = 0;
	/* a body left unbalanced by the caller is treated as cut */
	if (e->j.depth != 1)
		e->j.failed = 1;
	json_object_end(&e->j);
	if (json_failed(&e->j)) {
		/* too long: the header again, flagged, without the body */
		e->st.truncated++;
		buf_reset(&e->line);
		json_init(&e->j, &e->line);
		write_header(e);
		json_kv_bool(&e->j, "truncated", 1);
		json_object_end(&e->j);
		if (json_failed(&e->j))
			return -1;
	}
	dst = e->ext != NULL ? e->ext : &e->out;
	if (buf_append(dst, e->line.data, e->line.len) == -1 ||
	    buf_append_byte(dst, '\n') == -1) {
		set_failed(e, "append", ENOMEM);
		return -1;
	}
	e->st.events++;
	e->st.bytes += e->line.len + 1;
	if (e->fd != -1 && e->out.len >= EVE_BUFFER && write_out(e) == -1)
		return -1;
	return e->failed ? -1 : 0;
}

/* ---- flow records --------------------------------------------------- */

static void
sb_hex8(struct sb *b, uint8_t v)
{
	static const char hex[] = "0123456789abcdef";
	char h[2] = { hex[v >> 4], hex[v & 15] };

	sb_mem(b, h, 2);
}

static void
sb_time(struct eve *e, struct sb *b, const char *key_lit, size_t key_len, uint64_t ns)
{
	char ts[TIMEFMT_LEN];

	fmt_eve_time(&e->tc, ns, ts);
	sb_mem(b, key_lit, key_len);
	sb_str(b, ts);
	sb_lit(b, "\"");
}

#define SB_TIME(e, b, lit, ns) sb_time((e), (b), (lit), sizeof(lit) - 1, (ns))

/* Formatted as the header is (see write_header), one raw run of members. */
int
eve_write_flow(struct eve *e, struct flow *f, uint64_t ts_ns,
    enum eve_flow_direction dir)
{
	static const struct { uint8_t bit; const char *member; } flags[] = {
		{ TCP_SYN, ",\"syn\":true" }, { TCP_FIN, ",\"fin\":true" },
		{ TCP_RST, ",\"rst\":true" }, { TCP_PSH, ",\"psh\":true" },
		{ TCP_ACK, ",\"ack\":true" }, { TCP_URG, ",\"urg\":true" },
		{ TCP_ECE, ",\"ecn\":true" }, { TCP_CWR, ",\"cwr\":true" },
	};
	char body[1024];
	struct json *j;
	struct sb b;
	uint8_t fl;
	size_t i;

	if (e->cid)
		(void)flow_community_id_with(f, e->hasher);
	j = eve_begin(e, "flow", ts_ns, f, NULL);
	sb_init(&b, body, sizeof(body));
	if (f->proto == 1 || f->proto == 58) {
		sb_lit(&b, "\"icmp_type\":");
		sb_u64(&b, f->icmp_type);
		sb_lit(&b, ",\"icmp_code\":");
		sb_u64(&b, f->icmp_code);
		if (f->icmp_resp_seen) {
			sb_lit(&b, ",\"response_icmp_type\":");
			sb_u64(&b, f->icmp_resp_type);
			sb_lit(&b, ",\"response_icmp_code\":");
			sb_u64(&b, f->icmp_resp_code);
		}
		sb_lit(&b, ",");
	}
	if (dir == EVE_DIR_INBOUND)
		sb_lit(&b, "\"direction\":\"inbound\",");
	else if (dir == EVE_DIR_OUTBOUND)
		sb_lit(&b, "\"direction\":\"outbound\",");
	sb_lit(&b, "\"flow\":{\"pkts_toserver\":");
	sb_u64(&b, f->pkts[FLOW_TOSERVER]);
	sb_lit(&b, ",\"pkts_toclient\":");
	sb_u64(&b, f->pkts[FLOW_TOCLIENT]);
	sb_lit(&b, ",\"bytes_toserver\":");
	sb_u64(&b, f->bytes[FLOW_TOSERVER]);
	sb_lit(&b, ",\"bytes_toclient\":");
	sb_u64(&b, f->bytes[FLOW_TOCLIENT]);
	SB_TIME(e, &b, ",\"start\":\"", f->first_ns);
	SB_TIME(e, &b, ",\"end\":\"", f->last_ns);
	sb_lit(&b, ",\"age\":");
	sb_u64(&b, f->last_ns / NSEC_PER_SEC - f->first_ns / NSEC_PER_SEC);
	sb_lit(&b, ",\"state\":\"");
	sb_str(&b, flow_state_name(f->state));
	sb_lit(&b, "\",\"reason\":\"");
	sb_str(&b, flow_end_reason_name(f->end_reason));
	if (f->flags & FLOW_F_ALERTED)
		sb_lit(&b, "\",\"alerted\":true}");
	else
		sb_lit(&b, "\",\"alerted\":false}");
	if (f->proto == 6) {
		fl = f->tcp_flags[0] | f->tcp_flags[1];
		sb_lit(&b, ",\"tcp\":{\"tcp_flags\":\"");
		sb_hex8(&b, fl);
		sb_lit(&b, "\",\"tcp_flags_ts\":\"");
		sb_hex8(&b, f->tcp_flags[0]);
		sb_lit(&b, "\",\"tcp_flags_tc\":\"");
		sb_hex8(&b, f->tcp_flags[1]);
		sb_lit(&b, "\"");
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (fl & flags[i].bit)
				sb_str(&b, flags[i].member);
		sb_lit(&b, ",\"state\":\"");
		sb_str(&b, flow_tcp_state_name(f->tcp_state));
		sb_lit(&b, "\"}");
	}
	if (b.over)
		j->failed = 1;
	else
		json_raw(j, body);
	return eve_end(e);
}
