/* summary: report input: an apiary-logd store -- sessions, transcripts, commands, connections. */
#include "report/report_model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "sessions/replay.h"
#include "sessions/session.h"

struct store_pass {
	struct report *r;
	const struct session_index *x;
	size_t first;			/* r->sess index of x's first session */
	/* terminal cleaner state per session */
	uint8_t esc[REPORT_MAX_SESSIONS];
};

/* Appends terminal output as plain text: escape sequences dropped, CR LF
 * folded, backspace applied, other control bytes dropped. */
static void
clean_append(struct rsession *s, uint8_t *esc, const uint8_t *p, size_t n,
    size_t max)
{
	struct buf *b = &s->transcript;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (*esc == 1) {		/* after ESC */
			*esc = c == '[' ? 2 : c == ']' ? 3 : 0;
			continue;
		}
		if (*esc == 2) {		/* CSI: up to a final byte */
			if (c >= 0x40 && c <= 0x7e)
				*esc = 0;
			continue;
		}
		if (*esc == 3) {		/* OSC: up to BEL or ESC \ */
			if (c == 0x07 || c == 0x1b)
				*esc = c == 0x1b ? 1 : 0;
			continue;
		}
		if (c == 0x1b) {
			*esc = 1;
			continue;
		}
		if (c == '\b') {
			if (b->len > 0 && b->data[b->len - 1] != '\n')
				b->len--;
			continue;
		}
		if (c == '\r' || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			continue;
		if (b->len >= max) {
			if (b->len == max)
				buf_append_str(b, "\n[... transcript cut ...]\n");
			return;
		}
		buf_append_byte(b, c);
	}
}

static int
second_pass(void *arg, const char *sender, const struct agent_record *rec,
    struct error *err)
{
	struct store_pass *sp = arg;
	struct report *r = sp->r;
	size_t n = session_index_count(sp->x);

	r->n_records++;
	switch (rec->type) {
	case AGENT_REC_TTY_OUT:
		for (size_t i = 0; i < n; i++) {
			const struct session *s = session_index_get(sp->x, i);
			if (sp->first + i < REPORT_MAX_SESSIONS &&
			    session_matches(s, sender, rec)) {
				clean_append(&r->sess[sp->first + i],
				    &sp->esc[sp->first + i], rec->data, rec->len,
				    r->o.transcript_max);
				break;
			}
		}
		break;
	case AGENT_REC_ACCEPT:
		/* an inbound connection to a service: a login attempt when
		 * it is sshd's; the session it leads to is joined later */
		if (model_event(r, rec->ts_ns, EV_LOGIN, rec->raddr, rec->laddr, 0,
		    0, "%s connection from %s:%u to %s:%u accepted by %s (pid %u) "
		    "on %s", rec->proto, rec->raddr, rec->rport, rec->laddr,
		    rec->lport, rec->comm, rec->pid, sender) == -1)
			return error_set(err, "out of memory");
		r->ev[r->nev - 1].sport = (uint16_t)rec->rport;
		r->ev[r->nev - 1].dport = (uint16_t)rec->lport;
		snprintf(r->ev[r->nev - 1].sender, sizeof(r->ev[0].sender), "%s",
		    sender);
		snprintf(r->ev[r->nev - 1].proto, sizeof(r->ev[0].proto), "%s",
		    rec->proto);
		if (model_host(r, rec->laddr))
			model_host(r, rec->laddr)->honeypot = 1;
		break;
	case AGENT_REC_CONNECT:
		if (model_event(r, rec->ts_ns, EV_CONNECT, rec->laddr, rec->raddr,
		    0, 0, "%s (pid %u, uid %u) connects %s to %s:%u%s", rec->comm,
		    rec->pid, rec->uid, rec->proto, rec->raddr, rec->rport,
		    rec->ret == 0 || rec->ret == -115 ? "" : " (failed)") == -1)
			return error_set(err, "out of memory");
		r->ev[r->nev - 1].dport = (uint16_t)rec->rport;
		break;
	case AGENT_REC_EXEC:
		/* fetching tools: the URL names the download */
		if (rec->argc >= 2 && (strstr(rec->argv[0], "wget") ||
		    strstr(rec->argv[0], "curl") || strstr(rec->argv[0], "tftp") ||
		    strstr(rec->argv[0], "ftp"))) {
			for (int i = 1; i < rec->argc; i++)
				if (strstr(rec->argv[i], "://")) {
					r->n_downloads++;
					if (counters_add(&r->download_urls,
					    rec->argv[i], 1) == -1 ||
					    model_event(r, rec->ts_ns, EV_DOWNLOAD, NULL,
					    NULL, 0, 2, "%s fetches %s (cwd %s)",
					    rec->argv[0], rec->argv[i], rec->cwd) == -1)
						return error_set(err, "out of memory");
					snprintf(r->ev[r->nev - 1].sender,
					    sizeof(r->ev[0].sender), "%s", sender);
					break;
				}
		}
		break;
	case AGENT_REC_AGENT:
		if (rec->lost > 0 && model_event(r, rec->ts_ns, EV_SNAPSHOT, NULL,
		    NULL, 0, 1, "agent on %s: %s, %" PRIu64 " records lost",
		    sender, rec->notice, rec->lost) == -1)
			return error_set(err, "out of memory");
		break;
	default:
		break;
	}
	return 0;
}

int
report_read_store(struct report *r, const char *path, struct error *err)
{
	struct session_index *x;
	struct store_pass *sp;
	size_t n, before = r->nsess;
	int rc;

	if ((x = session_index_load(path, NULL, err)) == NULL)
		return error_prefix(err, "%s: ", path);
	n = session_index_count(x);
	for (size_t i = 0; i < n && r->nsess < REPORT_MAX_SESSIONS; i++) {
		const struct session *s = session_index_get(x, i);
		struct rsession *rs = &r->sess[r->nsess++];
		struct buf b;
		char ts[TIMEFMT_LEN];

		memset(rs, 0, sizeof(*rs));
		snprintf(rs->id, sizeof(rs->id), "%s", s->id);
		snprintf(rs->sender, sizeof(rs->sender), "%s", s->sender);
		snprintf(rs->tty, sizeof(rs->tty), "%s", s->tty);
		rs->uid = s->uid;
		rs->start = s->start_ns;
		rs->end = s->end_ns;
		rs->bytes_in = s->bytes_in;
		rs->bytes_out = s->bytes_out;
		rs->ncommands = s->ncommands;
		rs->attacker = -1;
		buf_init(&rs->transcript, r->o.transcript_max + 64);
		buf_init(&b, 4u << 20);
		for (size_t k = 0; k < s->ncommands; k++) {
			timefmt_rfc3339(s->commands[k].ts_ns, ts);
			buf_printf(&b, "%.8s  %s\n", ts + 11, s->commands[k].text);
			if (model_event(r, s->commands[k].ts_ns, EV_COMMAND, NULL, NULL,
			    0, 0, "%s", s->commands[k].text) == -1) {
				buf_free(&b);
				session_index_free(x);
				return error_set(err, "out of memory");
			}
			r->ev[r->nev - 1].session = (int)(r->nsess - 1);
			r->n_commands++;
		}
		rs->commands = strdup(buf_cstr(&b));
		buf_reset(&b);
		for (size_t k = 0; k < s->nlines; k++) {
			timefmt_rfc3339(s->lines[k].ts_ns, ts);
			buf_printf(&b, "%.8s  %s\n", ts + 11, s->lines[k].text);
		}
		rs->typed = strdup(buf_cstr(&b));
		buf_free(&b);
		if (model_event(r, s->start_ns, EV_SESSION, NULL, NULL, 0, 1,
		    "terminal session %s (uid %u) for %.1f s: %zu commands, %"
		    PRIu64 " bytes typed", s->id, s->uid,
		    (double)(s->end_ns - s->start_ns) / 1e9, s->ncommands,
		    s->bytes_in) == -1) {
			session_index_free(x);
			return error_set(err, "out of memory");
		}
		r->ev[r->nev - 1].session = (int)(r->nsess - 1);
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		session_index_free(x);
		return error_set(err, "out of memory");
	}
	sp->r = r;
	sp->x = x;
	sp->first = before;
	rc = store_each_agent_record(path, NULL, second_pass, sp, err);
	free(sp);
	session_index_free(x);
	if (rc == -1)
		return error_prefix(err, "%s: ", path);
	return model_source(r, path, "log store", 0, r->n_records);
}
