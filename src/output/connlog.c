/* summary: Zeek-style conn.log (TSV with Zeek's header) of ended flows. */
#include "output/connlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/timefmt.h"
#include "flow/flow.h"
#include "output/fmt.h"

#define MAX_LOCAL_NETS 1024

struct connlog {
	int fd;			/* -1 in buffer mode */
	int own_fd;
	char *path;
	struct buf *ext;
	struct buf out;
	struct prefix *nets;
	size_t nnets;
	int failed;
	char err[512];
};

static void
zeek_date(uint64_t ns, char out[32])
{
	time_t t = (time_t)(ns / NSEC_PER_SEC);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d-%H-%M-%S", &tm);
}

static int
put_header(struct connlog *cl, uint64_t open_ns)
{
	struct buf *b = cl->ext ? cl->ext : &cl->out;
	char d[32];

	zeek_date(open_ns, d);
	return buf_printf(b,
	    "#separator \\x09\n"
	    "#set_separator\t,\n"
	    "#empty_field\t(empty)\n"
	    "#unset_field\t-\n"
	    "#path\tconn\n"
	    "#open\t%s\n"
	    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
	    "service\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\t"
	    "local_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\t"
	    "resp_pkts\tresp_ip_bytes\ttunnel_parents\n"
	    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\t"
	    "count\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\t"
	    "count\tset[string]\n", d);
}

static struct connlog *
connlog_alloc(void)
{
	struct connlog *cl = calloc(1, sizeof(*cl));

	if (cl != NULL) {
		cl->fd = -1;
		buf_init(&cl->out, CONNLOG_BUFFER * 2);
	}
	return cl;
}

struct connlog *
connlog_open(const char *path, uint64_t open_ns, struct error *err)
{
	struct connlog *cl;

	if ((cl = connlog_alloc()) == NULL || (cl->path = strdup(path)) == NULL) {
		free(cl);
		error_errno(err, "conn.log");
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		cl->fd = STDOUT_FILENO;
	} else {
		cl->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (cl->fd == -1) {
			error_errno(err, "%s", path);
			free(cl->path);
			free(cl);
			return NULL;
		}
		cl->own_fd = 1;
	}
	(void)put_header(cl, open_ns);
	return cl;
}

struct connlog *
connlog_open_append(const char *path, uint64_t open_ns, struct error *err)
{
	struct connlog *cl;

	if (strcmp(path, "-") == 0)
		return connlog_open(path, open_ns, err);
	if ((cl = connlog_alloc()) == NULL || (cl->path = strdup(path)) == NULL) {
		free(cl);
		error_errno(err, "conn.log");
		return NULL;
	}
	cl->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (cl->fd == -1) {
		error_errno(err, "%s", path);
		free(cl->path);
		free(cl);
		return NULL;
	}
	cl->own_fd = 1;
	(void)put_header(cl, open_ns);
	return cl;
}

struct connlog *
connlog_new_buf(struct buf *out, uint64_t open_ns)
{
	struct connlog *cl = connlog_alloc();

	if (cl != NULL) {
		cl->ext = out;
		(void)put_header(cl, open_ns);
	}
	return cl;
}

int
connlog_set_local_nets(struct connlog *cl, const struct prefix *nets, size_t n,
    struct error *err)
{
	struct prefix *p;

	if (n > MAX_LOCAL_NETS)
		return error_set(err, "conn.log: more than %d local networks",
		    MAX_LOCAL_NETS);
	if ((p = malloc((n ? n : 1) * sizeof(*p))) == NULL)
		return error_errno(err, "conn.log");
	if (n)
		memcpy(p, nets, n * sizeof(*p));
	free(cl->nets);
	cl->nets = p;
	cl->nnets = n;
	return 0;
}

static void
set_failed(struct connlog *cl, const char *what, int errnum)
{
	if (!cl->failed) {
		cl->failed = 1;
		snprintf(cl->err, sizeof(cl->err), "%s: %s: %s",
		    cl->path ? cl->path : "conn.log", what, strerror(errnum));
	}
}

static int
write_out(struct connlog *cl)
{
	size_t off = 0;
	ssize_t n;

	while (off < cl->out.len) {
		n = write(cl->fd, cl->out.data + off, cl->out.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			set_failed(cl, "write", n == -1 ? errno : EIO);
			buf_reset(&cl->out);
			return -1;
		}
		off += (size_t)n;
	}
	buf_reset(&cl->out);
	return 0;
}

void
connlog_uid(uint64_t flow_id, char out[16])
{
	static const char b62[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	char tmp[16];
	int n = 0, i;

	do {
		tmp[n++] = b62[flow_id % 62];
		flow_id /= 62;
	} while (flow_id > 0 && n < 14);
	out[0] = 'C';
	for (i = 0; i < n; i++)
		out[1 + i] = tmp[n - 1 - i];
	out[1 + n] = '\0';
}

static const char *
local_str(const struct connlog *cl, const struct addr *a)
{
	size_t i;

	if (cl->nnets == 0)
		return "-";
	for (i = 0; i < cl->nnets; i++)
		if (prefix_contains(&cl->nets[i], a))
			return "T";
	return "F";
}

static const char *
proto_str(uint8_t proto)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1:
	case 58: return "icmp";
	default: return "unknown_transport";
	}
}

/* A row is built in a fixed buffer: at most ~21 fields of <= 46 bytes. */
struct row {
	char b[1024];
	size_t n;
};

static void
row_str(struct row *r, const char *s)
{
	size_t l = strlen(s);

	if (l > sizeof(r->b) - r->n - 2)
		l = sizeof(r->b) - r->n - 2;
	memcpy(r->b + r->n, s, l);
	r->n += l;
	r->b[r->n++] = '\t';
}

static void
row_u64(struct row *r, uint64_t v)
{
	char d[21];

	(void)fmt_u64(d, v);
	row_str(r, d);
}

int
connlog_write(struct connlog *cl, const struct flow *f)
{
	struct buf *b = cl->ext ? cl->ext : &cl->out;
	char ts[TIMEFMT_LEN], uid[16], a[ADDR_STRLEN];
	uint64_t d = f->last_ns - f->first_ns;
	struct row r;

	r.n = 0;
	(void)fmt_epoch(ts, f->first_ns);
	row_str(&r, ts);
	connlog_uid(f->flow_id, uid);
	row_str(&r, uid);
	row_str(&r, fmt_addr(&f->src, a));
	row_u64(&r, f->sport);
	row_str(&r, fmt_addr(&f->dst, a));
	row_u64(&r, f->dport);
	row_str(&r, proto_str(f->proto));
	row_str(&r, "-");			/* service */
	/* Zeek: duration and byte counts only when the duration is > 0 */
	if (f->last_ns > f->first_ns) {
		(void)fmt_epoch(ts, d);
		row_str(&r, ts);
		row_u64(&r, flow_orig_bytes(f));
		row_u64(&r, flow_resp_bytes(f));
	} else {
		row_str(&r, "-");
		row_str(&r, "-");
		row_str(&r, "-");
	}
	row_str(&r, flow_conn_state(f));
	row_str(&r, local_str(cl, &f->src));
	row_str(&r, local_str(cl, &f->dst));
	row_str(&r, "0");			/* missed_bytes */
	row_str(&r, f->history[0] ? f->history : "-");
	row_u64(&r, f->pkts[0]);
	row_u64(&r, f->ip_bytes[0]);
	row_u64(&r, f->pkts[1]);
	row_u64(&r, f->ip_bytes[1]);
	row_str(&r, "-");			/* tunnel_parents */
	r.b[r.n - 1] = '\n';
	if (buf_append(b, r.b, r.n) == -1) {
		set_failed(cl, "append", ENOMEM);
		return -1;
	}
	if (cl->fd != -1 && cl->out.len >= CONNLOG_BUFFER && write_out(cl) == -1)
		return -1;
	return cl->failed ? -1 : 0;
}

int
connlog_flush(struct connlog *cl, struct error *err)
{
	if (cl->fd != -1 && cl->out.len > 0)
		(void)write_out(cl);
	if (cl->failed)
		return error_set(err, "%s", cl->err);
	return 0;
}

int
connlog_close(struct connlog *cl, uint64_t close_ns, struct error *err)
{
	struct buf *b;
	char d[32];
	int rc = 0;

	if (cl == NULL)
		return 0;
	b = cl->ext ? cl->ext : &cl->out;
	zeek_date(close_ns, d);
	if (buf_printf(b, "#close\t%s\n", d) == -1)
		set_failed(cl, "append", ENOMEM);
	if (cl->fd != -1) {
		if (cl->out.len > 0)
			(void)write_out(cl);
		if (cl->own_fd && close(cl->fd) == -1)
			set_failed(cl, "close", errno);
	}
	if (cl->failed)
		rc = error_set(err, "%s", cl->err);
	buf_free(&cl->out);
	free(cl->nets);
	free(cl->path);
	free(cl);
	return rc;
}
