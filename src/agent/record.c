/* summary: sensor records as RFC 5424 syslog messages, and back (SD-IDs of apiary). */
#include "agent/record.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/timefmt.h"

#define PRI_AUTHPRIV_INFO (10 * 8 + 6)

static const struct {
	enum agent_record_type type;
	const char *msgid, *sdid;
} kinds[] = {
	{ AGENT_REC_TTY_IN, "TTYIN", "tty" },
	{ AGENT_REC_TTY_OUT, "TTYOUT", "tty" },
	{ AGENT_REC_EXEC, "EXEC", "exec" },
	{ AGENT_REC_CONNECT, "CONNECT", "sock" },
	{ AGENT_REC_ACCEPT, "ACCEPT", "sock" },
	{ AGENT_REC_AGENT, "AGENT", "agent" },
};

uint32_t
agent_sequence_id(uint64_t serial)
{
	return (uint32_t)((serial - 1) % 2147483647u) + 1;
}

static int
param_str(struct buf *b, const char *name, const char *v, size_t len)
{
	if (buf_printf(b, " %s=\"", name) == -1 ||
	    syslog_sd_escape(b, v, len) == -1)
		return -1;
	return buf_append_byte(b, '"');
}

static int
param_u64(struct buf *b, const char *name, uint64_t v)
{
	return buf_printf(b, " %s=\"%" PRIu64 "\"", name, v);
}

static int
param_b64(struct buf *b, const char *name, const uint8_t *data, size_t len)
{
	size_t need = 4 * ((len + 2) / 3);

	if (buf_printf(b, " %s=\"", name) == -1 || buf_reserve(b, need + 1) == -1)
		return -1;
	/* base64 has no ", \ or ]: no escaping needed */
	b->len += (size_t)EVP_EncodeBlock(b->data + b->len, data, (int)len);
	return buf_append_byte(b, '"');
}

static int
common_params(struct buf *sd, const struct sensor_record *r)
{
	if (param_u64(sd, "pid", r->pid) || param_u64(sd, "ppid", r->ppid) ||
	    param_u64(sd, "sid", r->sid) || param_u64(sd, "uid", r->uid) ||
	    param_u64(sd, "euid", r->euid) || param_u64(sd, "gid", r->gid) ||
	    param_str(sd, "comm", r->comm, strlen(r->comm)) ||
	    param_str(sd, "tty", r->tty, strlen(r->tty)) ||
	    param_u64(sd, "ts", r->ts_ns))
		return -1;
	if (r->flags && param_u64(sd, "flags", r->flags))
		return -1;
	return 0;
}

static const char *
proto_name(uint16_t proto, char tmp[8])
{
	if (proto == 6)
		return "tcp";
	if (proto == 17)
		return "udp";
	snprintf(tmp, 8, "%u", proto);
	return tmp;
}

int
agent_record_format(struct buf *out, const struct sensor_record *r,
    const char *hostname, uint32_t seq)
{
	struct syslog_fields f;
	struct buf sd, msg;
	char procid[16], tmp[8], la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
	const char *msgid, *sdid;
	int rc = -1, af;

	switch (r->type) {
	case SENSOR_TTY_IN: msgid = "TTYIN"; sdid = "tty"; break;
	case SENSOR_TTY_OUT: msgid = "TTYOUT"; sdid = "tty"; break;
	case SENSOR_EXEC: msgid = "EXEC"; sdid = "exec"; break;
	case SENSOR_CONNECT: msgid = "CONNECT"; sdid = "sock"; break;
	case SENSOR_ACCEPT: msgid = "ACCEPT"; sdid = "sock"; break;
	default: return -1;
	}
	buf_init(&sd, 0);
	buf_init(&msg, 0);
	if (buf_printf(&sd, "[%s@%s", sdid, AGENT_SD_PEN) == -1 ||
	    common_params(&sd, r) == -1)
		goto out;
	switch (r->type) {
	case SENSOR_TTY_IN:
	case SENSOR_TTY_OUT:
		if (param_u64(&sd, "fd", r->fd) ||
		    param_str(&sd, "io_tty", r->io_tty, strlen(r->io_tty)) ||
		    param_u64(&sd, "off", r->offset) ||
		    param_b64(&sd, "data", r->data, r->len))
			goto out;
		break;
	case SENSOR_EXEC: {
		size_t i = 0;
		if (param_str(&sd, "filename", r->filename, strlen(r->filename)) ||
		    param_str(&sd, "cwd", r->cwd, strlen(r->cwd)))
			goto out;
		while (i < r->len) {
			const uint8_t *end = memchr(r->data + i, '\0', r->len - i);
			size_t n = end ? (size_t)(end - (r->data + i)) : r->len - i;
			if (param_str(&sd, "arg", (const char *)r->data + i, n) ||
			    (msg.len && buf_append_byte(&msg, ' ')) ||
			    buf_append(&msg, r->data + i, n))
				goto out;
			i += n + 1;
		}
		break;
	}
	case SENSOR_CONNECT:
	case SENSOR_ACCEPT:
		af = r->family == 10 ? AF_INET6 : AF_INET;
		inet_ntop(af, r->laddr, la, sizeof(la));
		inet_ntop(af, r->raddr, ra, sizeof(ra));
		if (param_str(&sd, "proto", proto_name(r->proto, tmp),
		    strlen(proto_name(r->proto, tmp))) ||
		    param_str(&sd, "laddr", la, strlen(la)) ||
		    param_u64(&sd, "lport", r->lport) ||
		    param_str(&sd, "raddr", ra, strlen(ra)) ||
		    param_u64(&sd, "rport", r->rport) ||
		    buf_printf(&sd, " ret=\"%d\"", r->ret))
			goto out;
		break;
	}
	if (buf_append_byte(&sd, ']') == -1)
		goto out;
	snprintf(procid, sizeof(procid), "%u", r->pid);
	memset(&f, 0, sizeof(f));
	f.pri = PRI_AUTHPRIV_INFO;
	f.time_ns = r->ts_ns;
	f.hostname = hostname;
	f.app_name = "apiary-agent";
	f.procid = procid;
	f.msgid = msgid;
	f.sd = buf_cstr(&sd);
	f.sequence_id = seq;
	f.msg = msg.data;
	f.msg_len = msg.len;
	rc = syslog_format_5424(out, &f);
out:
	buf_free(&sd);
	buf_free(&msg);
	return rc;
}

int
agent_notice_format(struct buf *out, uint64_t ts_ns, const char *hostname,
    uint32_t seq, const char *notice, uint64_t lost)
{
	struct syslog_fields f;
	struct buf sd;
	int rc = -1;

	buf_init(&sd, 0);
	if (buf_printf(&sd, "[agent@%s", AGENT_SD_PEN) == -1 ||
	    param_str(&sd, "notice", notice, strlen(notice)) ||
	    param_u64(&sd, "lost", lost) || param_u64(&sd, "ts", ts_ns) ||
	    buf_append_byte(&sd, ']') == -1)
		goto out;
	memset(&f, 0, sizeof(f));
	f.pri = PRI_AUTHPRIV_INFO;
	f.time_ns = ts_ns;
	f.hostname = hostname;
	f.app_name = "apiary-agent";
	f.msgid = "AGENT";
	f.sd = buf_cstr(&sd);
	f.sequence_id = seq;
	f.msg = notice;
	f.msg_len = strlen(notice);
	rc = syslog_format_5424(out, &f);
out:
	buf_free(&sd);
	return rc;
}

/* ---- parsing ----------------------------------------------------------- */

static int
span_eq(const struct syslog_span *s, const char *lit)
{
	size_t n = strlen(lit);

	return s->ptr != NULL && s->len == n && memcmp(s->ptr, lit, n) == 0;
}

/* SD-ID "name@anything": compares the part before '@'. */
static int
sdid_is(const struct syslog_span *id, const char *name)
{
	size_t n = strlen(name);

	return id->len > n && memcmp(id->ptr, name, n) == 0 && id->ptr[n] == '@';
}

static void
span_copy(char *dst, size_t dstlen, const char *src, size_t len)
{
	if (len >= dstlen)
		len = dstlen - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static uint64_t
span_u64(const char *v, size_t len)
{
	uint64_t x = 0;

	for (size_t i = 0; i < len && i < 20; i++) {
		if (v[i] < '0' || v[i] > '9')
			return x;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	return x;
}

/*
 * Values are unescaped into one shared buffer; offsets are remembered and
 * turned into pointers once the buffer stops moving.
 */
struct pending_ptr {
	size_t off, len;
};

int
agent_record_parse(const struct syslog_msg *m, struct agent_record *rec,
    struct buf *scratch)
{
	struct syslog_span id, params, name, value;
	struct pending_ptr args[AGENT_MAX_ARGS], data = { 0, 0 };
	struct buf val;
	size_t pos = 0, ppos;
	int found = 0, have_data = 0, rc = -1;

	memset(rec, 0, sizeof(*rec));
	buf_reset(scratch);
	if (m->format != SYSLOG_FMT_5424)
		return -1;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (span_eq(&m->msgid, kinds[i].msgid))
			rec->type = kinds[i].type;
	if (rec->type == AGENT_REC_UNKNOWN)
		return -1;
	rec->seq = syslog_sequence_id(m);
	if (m->hostname.ptr)
		span_copy(rec->host, sizeof(rec->host), m->hostname.ptr,
		    m->hostname.len);
	if (m->timestamp.ptr) {
		char ts[64];
		span_copy(ts, sizeof(ts), m->timestamp.ptr, m->timestamp.len);
		time_parse(ts, &rec->ts_ns);
	}
	buf_init(&val, 1 << 20);
	while (syslog_sd_next(&m->sd, &pos, &id, &params) == 1) {
		const char *want = NULL;
		for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (kinds[i].type == rec->type)
				want = kinds[i].sdid;
		if (!sdid_is(&id, want))
			continue;
		found = 1;
		ppos = 0;
		for (;;) {
			int r = syslog_sd_param_next(&params, &ppos, &name, &value);
			const char *v;
			size_t vl;
			if (r == 0)
				break;
			if (r < 0)
				goto out;
			buf_reset(&val);
			if (syslog_sd_unescape(&val, &value) == -1)
				goto out;
			v = val.len ? (const char *)val.data : "";
			vl = val.len;
#define NAME(lit) span_eq(&name, lit)
			if (NAME("pid")) rec->pid = (uint32_t)span_u64(v, vl);
			else if (NAME("ppid")) rec->ppid = (uint32_t)span_u64(v, vl);
			else if (NAME("sid")) rec->sid = (uint32_t)span_u64(v, vl);
			else if (NAME("uid")) rec->uid = (uint32_t)span_u64(v, vl);
			else if (NAME("euid")) rec->euid = (uint32_t)span_u64(v, vl);
			else if (NAME("gid")) rec->gid = (uint32_t)span_u64(v, vl);
			else if (NAME("ts")) rec->ts_ns = span_u64(v, vl);
			else if (NAME("fd")) rec->fd = (uint32_t)span_u64(v, vl);
			else if (NAME("off")) rec->offset = (uint32_t)span_u64(v, vl);
			else if (NAME("flags")) rec->flags = (uint32_t)span_u64(v, vl);
			else if (NAME("lport")) rec->lport = (uint32_t)span_u64(v, vl);
			else if (NAME("rport")) rec->rport = (uint32_t)span_u64(v, vl);
			else if (NAME("lost")) rec->lost = span_u64(v, vl);
			else if (NAME("ret")) rec->ret = (int32_t)strtol(
			    buf_cstr(&val), NULL, 10);
			else if (NAME("comm")) span_copy(rec->comm, sizeof(rec->comm), v, vl);
			else if (NAME("tty")) span_copy(rec->tty, sizeof(rec->tty), v, vl);
			else if (NAME("io_tty")) span_copy(rec->io_tty, sizeof(rec->io_tty), v, vl);
			else if (NAME("filename")) span_copy(rec->filename, sizeof(rec->filename), v, vl);
			else if (NAME("cwd")) span_copy(rec->cwd, sizeof(rec->cwd), v, vl);
			else if (NAME("proto")) span_copy(rec->proto, sizeof(rec->proto), v, vl);
			else if (NAME("laddr")) span_copy(rec->laddr, sizeof(rec->laddr), v, vl);
			else if (NAME("raddr")) span_copy(rec->raddr, sizeof(rec->raddr), v, vl);
			else if (NAME("notice")) span_copy(rec->notice, sizeof(rec->notice), v, vl);
			else if (NAME("arg")) {
				if (rec->argc >= AGENT_MAX_ARGS)
					continue;
				args[rec->argc].off = scratch->len;
				args[rec->argc].len = vl;
				if (buf_append(scratch, v, vl) == -1 ||
				    buf_append_byte(scratch, '\0') == -1)
					goto out;
				rec->argc++;
			} else if (NAME("data")) {
				size_t need = 3 * (vl / 4) + 3;
				int n;
				if (vl % 4 != 0 || buf_reserve(scratch, need) == -1)
					goto out;
				n = EVP_DecodeBlock(scratch->data + scratch->len,
				    (const unsigned char *)v, (int)vl);
				if (n < 0)
					goto out;
				/* EVP_DecodeBlock counts the padding as bytes */
				if (vl >= 1 && v[vl - 1] == '=')
					n--;
				if (vl >= 2 && v[vl - 2] == '=')
					n--;
				data.off = scratch->len;
				data.len = (size_t)n;
				scratch->len += (size_t)n;
				have_data = 1;
			}
#undef NAME
		}
	}
	if (!found)
		goto out;
	if (have_data && scratch->data != NULL) {
		rec->data = scratch->data + data.off;
		rec->len = data.len;
	}
	for (int i = 0; i < rec->argc; i++)
		rec->argv[i] = (const char *)scratch->data + args[i].off;
	rc = 0;
out:
	buf_free(&val);
	if (rc == -1)
		rec->type = AGENT_REC_UNKNOWN;
	return rc;
}
