/* summary: RFC 5424 / RFC 3164 syslog messages: lenient parse and 5424 format. */
#include "syslog/syslog_msg.h"

#include <stdio.h>
#include <string.h>

#include "core/timefmt.h"

/*
 * Lenient by design: a log server must keep whatever a sender says, so the
 * parser only labels spans of the input.  RFC 5424 is tried when the PRI is
 * followed by a version number and a space; otherwise the RFC 3164 shape
 * "Mmm dd hh:mm:ss host tag[pid]: text" is tried field by field, and any
 * part that does not fit is left in `msg`.
 */

static void
span_set(struct syslog_span *s, const char *p, size_t n)
{
	if (n == 1 && p[0] == '-') {
		s->ptr = NULL;
		s->len = 0;
		return;
	}
	s->ptr = p;
	s->len = n;
}

/* Next space-delimited word starting at *pos; returns its length. */
static size_t
word(const char *p, size_t len, size_t *pos, const char **w)
{
	size_t s = *pos, e = s;

	while (e < len && p[e] != ' ')
		e++;
	*w = p + s;
	*pos = e;
	return e - s;
}

/* End (exclusive) of the SD-ELEMENT at p[pos] == '[', or 0 if malformed. */
static size_t
sd_element_end(const char *p, size_t len, size_t pos)
{
	int in_quote = 0;

	for (size_t i = pos + 1; i < len; i++) {
		char c = p[i];

		if (in_quote) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '"')
				in_quote = 0;
		} else if (c == '"') {
			in_quote = 1;
		} else if (c == ']') {
			return i + 1;
		}
	}
	return 0;
}

static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "Mmm dd hh:mm:ss" (day space-padded or not) at p; returns its length. */
static size_t
bsd_timestamp(const char *p, size_t len)
{
	int m = -1;

	if (len < 15)
		return 0;
	for (int i = 0; i < 12; i++)
		if (memcmp(p, months[i], 3) == 0)
			m = i;
	if (m < 0 || p[3] != ' ')
		return 0;
	if (!(p[4] == ' ' || is_digit(p[4])) || !is_digit(p[5]) || p[6] != ' ')
		return 0;
	if (!is_digit(p[7]) || !is_digit(p[8]) || p[9] != ':' ||
	    !is_digit(p[10]) || !is_digit(p[11]) || p[12] != ':' ||
	    !is_digit(p[13]) || !is_digit(p[14]))
		return 0;
	return 15;
}

/* TAG[PID]: at p[*pos]; fills app_name/procid and advances past ": ". */
static int
bsd_tag(const char *p, size_t len, size_t *pos, struct syslog_msg *m)
{
	size_t s = *pos, i = s;

	while (i < len && i - s < 48 && p[i] != ':' && p[i] != '[' &&
	    p[i] != ' ')
		i++;
	if (i == s || i >= len)
		return 0;
	if (p[i] == '[') {
		size_t ps = i + 1, pe = ps;

		while (pe < len && pe - ps < 128 && p[pe] != ']' && p[pe] != ' ')
			pe++;
		if (pe >= len || p[pe] != ']' || pe + 1 >= len ||
		    p[pe + 1] != ':')
			return 0;
		m->app_name.ptr = p + s;
		m->app_name.len = i - s;
		m->procid.ptr = p + ps;
		m->procid.len = pe - ps;
		i = pe + 2;
	} else if (p[i] == ':') {
		m->app_name.ptr = p + s;
		m->app_name.len = i - s;
		i++;
	} else {
		return 0;
	}
	if (i < len && p[i] == ' ')
		i++;
	*pos = i;
	return 1;
}

static void
parse_3164(const char *p, size_t len, size_t pos, struct syslog_msg *m)
{
	size_t ts = bsd_timestamp(p + pos, len - pos);

	m->format = SYSLOG_FMT_3164;
	if (ts > 0) {
		m->timestamp.ptr = p + pos;
		m->timestamp.len = ts;
		pos += ts;
		if (pos < len && p[pos] == ' ')
			pos++;
		/* a word not ending in ':' and without '[' is the host */
		size_t save = pos, wl;
		const char *w;

		wl = word(p, len, &pos, &w);
		if (wl > 0 && w[wl - 1] != ':' && memchr(w, '[', wl) == NULL &&
		    pos < len) {
			m->hostname.ptr = w;
			m->hostname.len = wl;
			pos++;
		} else {
			pos = save;
		}
	}
	bsd_tag(p, len, &pos, m);
	m->msg.ptr = p + pos;
	m->msg.len = len - pos;
}

void
syslog_parse(const void *data, size_t len, struct syslog_msg *m)
{
	const char *p = data;
	size_t pos = 0;

	/* a trailing LF (rsyslog's templates end with one) is framing, not text */
	if (len > 0 && p[len - 1] == '\n')
		len--;
	memset(m, 0, sizeof(*m));
	m->pri = -1;
	m->msg.ptr = p;
	m->msg.len = len;
	if (len < 3 || p[0] != '<')
		return;
	{
		int v = 0;
		size_t i = 1;

		while (i < len && i < 5 && is_digit(p[i]))
			v = v * 10 + (p[i++] - '0');
		if (i == 1 || i >= len || p[i] != '>' || v > 191)
			return;
		m->pri = v;
		pos = i + 1;
	}
	/* RFC 5424: VERSION SP */
	if (pos + 1 < len && is_digit(p[pos]) && p[pos] != '0') {
		size_t i = pos;
		int v = 0;

		while (i < len && i - pos < 3 && is_digit(p[i]))
			v = v * 10 + (p[i++] - '0');
		if (i < len && p[i] == ' ') {
			struct syslog_span *f[5] = { &m->timestamp, &m->hostname,
			    &m->app_name, &m->procid, &m->msgid };
			const char *w;
			size_t wl;

			m->format = SYSLOG_FMT_5424;
			m->version = v;
			pos = i + 1;
			for (int k = 0; k < 5; k++) {
				wl = word(p, len, &pos, &w);
				span_set(f[k], w, wl);
				if (pos >= len) {
					m->msg.ptr = p + len;
					m->msg.len = 0;
					return;
				}
				pos++;
			}
			if (pos >= len) {
				m->msg.ptr = p + len;
				m->msg.len = 0;
				return;
			}
			if (p[pos] == '-') {
				pos++;
			} else if (p[pos] == '[') {
				size_t s = pos, e;

				while (pos < len && p[pos] == '[' &&
				    (e = sd_element_end(p, len, pos)) != 0)
					pos = e;
				m->sd.ptr = p + s;
				m->sd.len = pos - s;
			}
			if (pos < len && p[pos] == ' ')
				pos++;
			if (len - pos >= 3 && memcmp(p + pos, "\xEF\xBB\xBF", 3) == 0)
				pos += 3;
			m->msg.ptr = p + pos;
			m->msg.len = len - pos;
			return;
		}
	}
	parse_3164(p, len, pos, m);
}

int
syslog_sd_next(const struct syslog_span *sd, size_t *pos,
    struct syslog_span *id, struct syslog_span *params)
{
	const char *p = sd->ptr;
	size_t len = sd->len, s = *pos, e, i;

	if (p == NULL || s >= len)
		return 0;
	if (p[s] != '[' || (e = sd_element_end(p, len, s)) == 0)
		return -1;
	i = s + 1;
	while (i < e - 1 && p[i] != ' ' && p[i] != ']')
		i++;
	if (i == s + 1)
		return -1;
	id->ptr = p + s + 1;
	id->len = i - (s + 1);
	if (p[i] == ' ')
		i++;
	params->ptr = p + i;
	params->len = (e - 1) - i;
	*pos = e;
	return 1;
}

int
syslog_sd_param_next(const struct syslog_span *params, size_t *pos,
    struct syslog_span *name, struct syslog_span *value)
{
	const char *p = params->ptr;
	size_t len = params->len, i = *pos, s;

	if (p == NULL)
		return 0;
	while (i < len && p[i] == ' ')
		i++;
	if (i >= len)
		return 0;
	s = i;
	while (i < len && p[i] != '=' && p[i] != ' ')
		i++;
	if (i == s || i + 1 >= len || p[i] != '=' || p[i + 1] != '"')
		return -1;
	name->ptr = p + s;
	name->len = i - s;
	i += 2;
	s = i;
	while (i < len && p[i] != '"') {
		if (p[i] == '\\' && i + 1 < len)
			i++;
		i++;
	}
	if (i >= len)
		return -1;
	value->ptr = p + s;
	value->len = i - s;
	*pos = i + 1;
	return 1;
}

int
syslog_sd_unescape(struct buf *out, const struct syslog_span *value)
{
	for (size_t i = 0; i < value->len; i++) {
		char c = value->ptr[i];

		if (c == '\\' && i + 1 < value->len &&
		    (value->ptr[i + 1] == '"' || value->ptr[i + 1] == '\\' ||
		    value->ptr[i + 1] == ']'))
			c = value->ptr[++i];
		if (buf_append_byte(out, (uint8_t)c) < 0)
			return -1;
	}
	return 0;
}

uint32_t
syslog_sequence_id(const struct syslog_msg *m)
{
	struct syslog_span id, params, name, value;
	size_t pos = 0, ppos;

	while (syslog_sd_next(&m->sd, &pos, &id, &params) == 1) {
		if (id.len != 4 || memcmp(id.ptr, "meta", 4) != 0)
			continue;
		ppos = 0;
		while (syslog_sd_param_next(&params, &ppos, &name, &value) == 1) {
			uint64_t v = 0;

			if (name.len != 10 || memcmp(name.ptr, "sequenceId", 10) != 0)
				continue;
			if (value.len == 0 || value.len > 10)
				return 0;
			for (size_t i = 0; i < value.len; i++) {
				if (!is_digit(value.ptr[i]))
					return 0;
				v = v * 10 + (uint64_t)(value.ptr[i] - '0');
			}
			return (v >= 1 && v <= 2147483647u) ? (uint32_t)v : 0;
		}
	}
	return 0;
}

int
syslog_sd_escape(struct buf *out, const char *value, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((value[i] == '"' || value[i] == '\\' || value[i] == ']') &&
		    buf_append_byte(out, '\\') < 0)
			return -1;
		if (buf_append_byte(out, (uint8_t)value[i]) < 0)
			return -1;
	}
	return 0;
}

static int
field(struct buf *out, const char *s, size_t max)
{
	size_t n;

	if (s == NULL || *s == '\0')
		return buf_append_str(out, "- ");
	n = strlen(s);
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		/* PRINTUSASCII only; anything else would break the header */
		if (buf_append_byte(out, (c > 32 && c < 127) ? c : '_') < 0)
			return -1;
	}
	return buf_append_byte(out, ' ');
}

int
syslog_format_5424(struct buf *out, const struct syslog_fields *f)
{
	char ts[TIMEFMT_LEN];
	int pri = (f->pri >= 0 && f->pri <= 191) ? f->pri : 13;

	if (buf_printf(out, "<%d>1 ", pri) < 0)
		return -1;
	if (f->time_ns == 0) {
		if (buf_append_str(out, "- ") < 0)
			return -1;
	} else {
		timefmt_rfc3339(f->time_ns, ts);
		if (buf_printf(out, "%s ", ts) < 0)
			return -1;
	}
	if (field(out, f->hostname, 255) < 0 || field(out, f->app_name, 48) < 0 ||
	    field(out, f->procid, 128) < 0 || field(out, f->msgid, 32) < 0)
		return -1;
	if (f->sequence_id > 0 &&
	    buf_printf(out, "[meta sequenceId=\"%u\"]", f->sequence_id) < 0)
		return -1;
	if (f->sd != NULL && f->sd[0] != '\0') {
		if (buf_append_str(out, f->sd) < 0)
			return -1;
	} else if (f->sequence_id == 0 && buf_append_byte(out, '-') < 0) {
		return -1;
	}
	if (f->msg != NULL && f->msg_len > 0) {
		if (buf_append_byte(out, ' ') < 0 ||
		    buf_append(out, f->msg, f->msg_len) < 0)
			return -1;
	}
	return 0;
}
