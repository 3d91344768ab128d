/* summary: terminal sessions rebuilt from agent records: index, typed lines, commands. */
#include "sessions/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct session_index {
	struct session *v;
	size_t n, cap;
	uint64_t dropped;
};

struct session_index *
session_index_new(void)
{
	return calloc(1, sizeof(struct session_index));
}

static void
free_lines(struct session_line *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].text);
	free(l);
}

void
session_index_free(struct session_index *x)
{
	if (x == NULL)
		return;
	for (size_t i = 0; i < x->n; i++) {
		free_lines(x->v[i].commands, x->v[i].ncommands);
		free_lines(x->v[i].lines, x->v[i].nlines);
	}
	free(x->v);
	free(x);
}

static int
push_line(struct session_line **v, size_t *n, uint64_t ts, const char *text,
    size_t len)
{
	struct session_line *nv;
	char *t;

	if (*n >= SESSION_MAX_LINES)
		return 0;
	if (len > SESSION_LINE_MAX)
		len = SESSION_LINE_MAX;
	/* grow in powers of two */
	if ((*n & (*n - 1)) == 0) {
		size_t cap = *n ? *n * 2 : 8;
		if ((nv = realloc(*v, cap * sizeof(**v))) == NULL)
			return -1;
		*v = nv;
	}
	if ((t = strndup(text, len)) == NULL)
		return -1;
	(*v)[*n].ts_ns = ts;
	(*v)[*n].text = t;
	(*n)++;
	return 0;
}

static const char *
rec_tty(const struct agent_record *r)
{
	if (r->type == AGENT_REC_TTY_IN || r->type == AGENT_REC_TTY_OUT)
		return r->io_tty[0] ? r->io_tty : r->tty;
	return r->tty;
}

int
session_matches(const struct session *s, const char *sender,
    const struct agent_record *r)
{
	return r->sid == s->sid && strcmp(rec_tty(r), s->tty) == 0 &&
	    strcmp(sender, s->sender) == 0;
}

static struct session *
lookup(struct session_index *x, const char *sender,
    const struct agent_record *r, int create)
{
	struct session *s;
	const char *tty = rec_tty(r);

	/* newest first: a busy store has few live sessions at a time */
	for (size_t i = x->n; i-- > 0;)
		if (session_matches(&x->v[i], sender, r))
			return &x->v[i];
	if (!create)
		return NULL;
	if (x->n >= SESSION_MAX_SESSIONS) {
		x->dropped++;
		return NULL;
	}
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct session *nv = realloc(x->v, cap * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		x->v = nv;
		x->cap = cap;
	}
	s = &x->v[x->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->sender, sizeof(s->sender), "%s", sender);
	snprintf(s->host, sizeof(s->host), "%s", r->host);
	snprintf(s->tty, sizeof(s->tty), "%s", tty);
	s->sid = r->sid;
	s->uid = r->uid;
	s->start_ns = r->ts_ns;
	snprintf(s->id, sizeof(s->id), "%s/%u/%s", sender, r->sid, tty);
	return s;
}

void
session_feed_keys(struct session *s, const uint8_t *data, size_t len,
    uint64_t ts_ns, session_line_fn fn, void *arg)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];

		if (s->esc) {
			/* ESC [ ... final byte 0x40-0x7e, or ESC + one byte */
			if (s->esc == 1)
				s->esc = (c == '[' || c == 'O') ? 2 : 0;
			else if (c >= 0x40 && c <= 0x7e)
				s->esc = 0;
			continue;
		}
		if (s->curlen == 0)
			s->cur_ts = ts_ns;
		switch (c) {
		case 0x1b:
			s->esc = 1;
			break;
		case '\r':
		case '\n':
			fn(arg, s->cur, s->curlen);
			s->curlen = 0;
			break;
		case 0x7f:
		case 0x08:
			if (s->curlen > 0)
				s->curlen--;
			break;
		case 0x15:		/* ^U */
			s->curlen = 0;
			break;
		case 0x17:		/* ^W */
			while (s->curlen > 0 && s->cur[s->curlen - 1] == ' ')
				s->curlen--;
			while (s->curlen > 0 && s->cur[s->curlen - 1] != ' ')
				s->curlen--;
			break;
		case 0x03:		/* ^C abandons the line */
			s->curlen = 0;
			break;
		case 0x04:		/* ^D on an empty line: end of input */
			if (s->curlen == 0)
				fn(arg, "^D", 2);
			break;
		case '\t':
			if (s->curlen < sizeof(s->cur))
				s->cur[s->curlen++] = ' ';
			break;
		default:
			if (c >= 0x20 && s->curlen < sizeof(s->cur))
				s->cur[s->curlen++] = (char)c;
		}
	}
}

struct line_sink {
	struct session *s;
	int failed;
};

static void
keep_line(void *arg, const char *line, size_t len)
{
	struct line_sink *k = arg;

	if (push_line(&k->s->lines, &k->s->nlines, k->s->cur_ts, line, len) == -1)
		k->failed = 1;
}

int
session_index_add(struct session_index *x, const char *sender,
    const struct agent_record *r, struct error *err)
{
	struct session *s;
	struct line_sink k;

	if (rec_tty(r)[0] == '\0')
		return 0;
	if (r->type != AGENT_REC_TTY_IN && r->type != AGENT_REC_TTY_OUT &&
	    r->type != AGENT_REC_EXEC)
		return 0;
	if ((s = lookup(x, sender, r, 1)) == NULL)
		return x->dropped ? 0 : error_set(err, "out of memory");
	if (r->ts_ns < s->start_ns)
		s->start_ns = r->ts_ns;
	if (r->ts_ns > s->end_ns)
		s->end_ns = r->ts_ns;
	s->records++;
	switch (r->type) {
	case AGENT_REC_TTY_IN:
		s->bytes_in += r->len;
		k.s = s;
		k.failed = 0;
		session_feed_keys(s, r->data, r->len, r->ts_ns, keep_line, &k);
		if (k.failed)
			return error_set(err, "out of memory");
		break;
	case AGENT_REC_TTY_OUT:
		s->bytes_out += r->len;
		break;
	case AGENT_REC_EXEC: {
		char line[SESSION_LINE_MAX];
		size_t off = 0;
		for (int i = 0; i < r->argc && off < sizeof(line) - 1; i++)
			off += (size_t)snprintf(line + off, sizeof(line) - off,
			    "%s%s", i ? " " : "", r->argv[i]);
		if (off >= sizeof(line))
			off = sizeof(line) - 1;
		if (push_line(&s->commands, &s->ncommands, r->ts_ns, line, off) == -1)
			return error_set(err, "out of memory");
		break;
	}
	default:
		break;
	}
	return 0;
}

static int
by_start(const void *a, const void *b)
{
	const struct session *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return strcmp(x->id, y->id);
}

void
session_index_finish(struct session_index *x)
{
	for (size_t i = 0; i < x->n; i++) {
		struct session *s = &x->v[i];
		if (s->curlen > 0) {
			push_line(&s->lines, &s->nlines, s->cur_ts, s->cur, s->curlen);
			s->curlen = 0;
		}
	}
	if (x->n > 1)
		qsort(x->v, x->n, sizeof(*x->v), by_start);
}

size_t
session_index_count(const struct session_index *x)
{
	return x->n;
}

const struct session *
session_index_get(const struct session_index *x, size_t i)
{
	return i < x->n ? &x->v[i] : NULL;
}

const struct session *
session_index_find(const struct session_index *x, const char *id)
{
	char *end;
	unsigned long n = strtoul(id, &end, 10);

	if (*id != '\0' && *end == '\0')
		return n >= 1 && n <= x->n ? &x->v[n - 1] : NULL;
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->v[i].id, id) == 0)
			return &x->v[i];
	return NULL;
}

uint64_t
session_index_dropped(const struct session_index *x)
{
	return x->dropped;
}
