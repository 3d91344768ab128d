/* summary: fast.log: one line per alert, in Snort/Suricata's format. */
#include "output/alert_fast.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/addr.h"
#include "net/packet.h"

#define FAST_BUFFER (64 * 1024)

struct alert_fast {
	int fd;
	int own;
	struct buf out;
	int failed;
	char err[256];
};

static const char *
proto_name(const struct packet *p)
{
	switch (p->ip_proto) {
	case 6: return "TCP";
	case 17: return "UDP";
	case 1: return "ICMP";
	case 58: return "IPV6-ICMP";
	default: return NULL;
	}
}

int
alert_fast_format(struct buf *b, const struct packet *p, const struct detect_alert *a)
{
	const struct detect_rule_info *r = a->rule;
	time_t secs = (time_t)(p->ts_ns / 1000000000ull);
	struct tm tm;
	char s[ADDR_STRLEN], d[ADDR_STRLEN], pname[16];
	const char *pn = proto_name(p);
	unsigned sp = p->sport, dp = p->dport;

	if (p->layers & (PKT_ICMP | PKT_ICMPV6)) {
		sp = p->icmp_type;
		dp = p->icmp_code;
	}
	if (pn == NULL) {
		snprintf(pname, sizeof(pname), "PROTO:%03u", p->ip_proto);
		pn = pname;
	}
	gmtime_r(&secs, &tm);
	addr_str(&p->src, s);
	addr_str(&p->dst, d);
	return buf_printf(b, "%02d/%02d/%04d-%02d:%02d:%02d.%06u  %s[**] [%u:%u:%u] %s "
	    "[**] [Classification: %s] [Priority: %d] {%s} %s:%u -> %s:%u\n",
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, (unsigned)((p->ts_ns / 1000) % 1000000),
	    a->blocked ? "[Drop] " : "", r->gid, r->sid, r->rev, r->msg,
	    r->class_desc != NULL ? r->class_desc : "(null)", r->priority, pn,
	    s, sp, d, dp);
}

struct alert_fast *
alert_fast_open(const char *path, struct error *err)
{
	struct alert_fast *af = calloc(1, sizeof(*af));

	if (af == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		af->fd = STDOUT_FILENO;
	} else {
		af->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (af->fd == -1) {
			error_errno(err, "%s", path);
			free(af);
			return NULL;
		}
		af->own = 1;
	}
	buf_init(&af->out, FAST_BUFFER * 2);
	return af;
}

static int
drain(struct alert_fast *af)
{
	size_t off = 0;

	while (off < af->out.len && !af->failed) {
		ssize_t n = write(af->fd, af->out.data + off, af->out.len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			af->failed = 1;
			snprintf(af->err, sizeof(af->err), "write: %s", strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	buf_reset(&af->out);
	return af->failed ? -1 : 0;
}

int
alert_fast_write(struct alert_fast *af, const struct packet *p,
    const struct detect_alert *a)
{
	if (af->failed)
		return -1;
	if (af->out.len > FAST_BUFFER && drain(af) == -1)
		return -1;
	if (alert_fast_format(&af->out, p, a) == -1)
		return -1;	/* a line past the bound: dropped */
	return 0;
}

int
alert_fast_flush(struct alert_fast *af, struct error *err)
{
	if (drain(af) == -1)
		return error_set(err, "fast.log: %s", af->err);
	return 0;
}

int
alert_fast_close(struct alert_fast *af, struct error *err)
{
	int rc;

	if (af == NULL)
		return 0;
	rc = alert_fast_flush(af, err);
	if (af->own && close(af->fd) == -1 && rc == 0)
		rc = error_errno(err, "fast.log: close");
	buf_free(&af->out);
	free(af);
	return rc;
}
