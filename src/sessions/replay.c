/* summary: reading sessions out of a log store; replay in the terminal and as asciinema. */
#include "sessions/replay.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/timefmt.h"
#include "store/store_reader.h"

int
store_each_agent_record(const char *store, const char *sender, record_fn fn,
    void *arg, struct error *err)
{
	struct store_filter f;
	struct store_reader *rd;
	struct store_record rec;
	struct agent_record ar;
	struct buf scratch;
	int rc;

	memset(&f, 0, sizeof(f));
	f.sender = sender;
	if ((rd = store_reader_open(store, &f, err)) == NULL)
		return -1;
	buf_init(&scratch, 64u << 20);
	while ((rc = store_reader_next(rd, &rec, err)) == 1) {
		if (agent_record_parse(&rec.msg, &ar, &scratch) == -1)
			continue;
		if (fn(arg, rec.sender, &ar, err) == -1) {
			rc = -1;
			break;
		}
	}
	buf_free(&scratch);
	store_reader_free(rd);
	return rc;
}

static int
index_one(void *arg, const char *sender, const struct agent_record *r,
    struct error *err)
{
	return session_index_add(arg, sender, r, err);
}

struct session_index *
session_index_load(const char *store, const char *sender, struct error *err)
{
	struct session_index *x = session_index_new();

	if (x == NULL) {
		error_set(err, "out of memory");
		return NULL;
	}
	if (store_each_agent_record(store, sender, index_one, x, err) == -1) {
		session_index_free(x);
		return NULL;
	}
	session_index_finish(x);
	return x;
}

/* ---- replay ------------------------------------------------------------ */

struct replay {
	const struct session *s;
	const struct replay_opts *o;
	FILE *out;
	int cast;
	uint64_t last_ns;		/* time of the previous event */
	double clock;			/* seconds into the (compressed) recording */
	/* asciinema: a UTF-8 sequence cut between two records waits here */
	uint8_t carry[2][4];
	size_t ncarry[2];
	struct buf line;
};

static void
sleep_for(double secs)
{
	struct timespec ts;

	if (secs <= 0)
		return;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Length of the incomplete UTF-8 sequence at the end of p, if any. */
static size_t
utf8_tail(const uint8_t *p, size_t len)
{
	for (size_t back = 1; back <= 3 && back <= len; back++) {
		uint8_t c = p[len - back];
		size_t need;
		if ((c & 0xc0) == 0x80)
			continue;	/* continuation byte: look further back */
		if ((c & 0xe0) == 0xc0)
			need = 2;
		else if ((c & 0xf0) == 0xe0)
			need = 3;
		else if ((c & 0xf8) == 0xf0)
			need = 4;
		else
			return 0;
		return need > back ? back : 0;
	}
	return 0;
}

static int
cast_event(struct replay *rp, int input, const uint8_t *data, size_t len)
{
	struct json j;
	struct buf bytes;
	size_t tail;
	int rc = 0;

	buf_init(&bytes, 0);
	if (buf_append(&bytes, rp->carry[input], rp->ncarry[input]) == -1 ||
	    buf_append(&bytes, data, len) == -1) {
		buf_free(&bytes);
		return -1;
	}
	tail = utf8_tail(bytes.data, bytes.len);
	memcpy(rp->carry[input], bytes.data + bytes.len - tail, tail);
	rp->ncarry[input] = tail;
	bytes.len -= tail;
	if (bytes.len > 0) {
		buf_reset(&rp->line);
		json_init(&j, &rp->line);
		json_array_begin(&j);
		json_double(&j, floor(rp->clock * 1e6) / 1e6);
		json_str(&j, input ? "i" : "o");
		json_strn(&j, bytes.data, bytes.len);
		json_array_end(&j);
		if (json_failed(&j) || fprintf(rp->out, "%s\n",
		    buf_cstr(&rp->line)) < 0)
			rc = -1;
	}
	buf_free(&bytes);
	return rc;
}

static int
replay_one(void *arg, const char *sender, const struct agent_record *r,
    struct error *err)
{
	struct replay *rp = arg;
	double gap;
	int input;

	if (r->type != AGENT_REC_TTY_OUT && r->type != AGENT_REC_TTY_IN)
		return 0;
	if (!session_matches(rp->s, sender, r))
		return 0;
	input = r->type == AGENT_REC_TTY_IN;
	if (input && !rp->cast)
		return 0;	/* the terminal echoes what matters */
	gap = rp->last_ns && r->ts_ns > rp->last_ns ?
	    (double)(r->ts_ns - rp->last_ns) / 1e9 : 0;
	if (rp->o->max_idle > 0 && gap > rp->o->max_idle)
		gap = rp->o->max_idle;
	gap /= rp->o->speed > 0 ? rp->o->speed : 1;
	rp->last_ns = r->ts_ns;
	rp->clock += gap;
	if (rp->cast) {
		if (cast_event(rp, input, r->data, r->len) == -1)
			return error_errno(err, "writing the cast");
		return 0;
	}
	fflush(rp->out);
	sleep_for(gap);
	if (r->len > 0 && fwrite(r->data, 1, r->len, rp->out) != r->len)
		return error_errno(err, "writing the replay");
	return 0;
}

static int
run(const char *store, const struct session *s, const struct replay_opts *o,
    FILE *out, int cast, struct error *err)
{
	struct replay rp;
	int rc;

	memset(&rp, 0, sizeof(rp));
	rp.s = s;
	rp.o = o;
	rp.out = out;
	rp.cast = cast;
	buf_init(&rp.line, 0);
	if (cast) {
		struct json j;
		buf_reset(&rp.line);
		json_init(&j, &rp.line);
		json_object_begin(&j);
		json_kv_uint(&j, "version", 2);
		json_kv_uint(&j, "width", (uint64_t)(o->width > 0 ? o->width : 80));
		json_kv_uint(&j, "height", (uint64_t)(o->height > 0 ? o->height : 24));
		json_kv_uint(&j, "timestamp", s->start_ns / NSEC_PER_SEC);
		json_kv_str(&j, "title", s->id);
		json_key(&j, "env");
		json_object_begin(&j);
		json_kv_str(&j, "TERM", "xterm-256color");
		json_kv_str(&j, "SHELL", "/bin/sh");
		json_object_end(&j);
		json_object_end(&j);
		if (fprintf(out, "%s\n", buf_cstr(&rp.line)) < 0) {
			buf_free(&rp.line);
			return error_errno(err, "writing the cast");
		}
	}
	rc = store_each_agent_record(store, s->sender, replay_one, &rp, err);
	/* flush a dangling partial UTF-8 sequence as it is */
	if (rc == 0 && cast)
		for (int i = 0; i < 2; i++)
			if (rp.ncarry[i] > 0) {
				uint8_t tmp[4];
				size_t n = rp.ncarry[i];
				memcpy(tmp, rp.carry[i], n);
				rp.ncarry[i] = 0;
				if (cast_event(&rp, i, tmp, n) == -1)
					rc = error_errno(err, "writing the cast");
			}
	fflush(out);
	buf_free(&rp.line);
	return rc < 0 ? -1 : 0;
}

int
replay_terminal(const char *store, const struct session *s,
    const struct replay_opts *o, FILE *out, struct error *err)
{
	return run(store, s, o, out, 0, err);
}

int
replay_cast(const char *store, const struct session *s,
    const struct replay_opts *o, FILE *out, struct error *err)
{
	return run(store, s, o, out, 1, err);
}
