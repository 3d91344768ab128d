/* summary: reading a log store: records of one or all senders, with parsed syslog fields. */
#include "store/store_reader.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store_format.h"
#include "store/store_segments.h"

struct cursor {
	char sender[STORE_SENDER_MAX + 1];
	char peer[256];
	int dirfd;
	uint32_t *segs;
	size_t nsegs, segi;
	struct store_seg_map map;
	size_t off;
	int have;			/* rec holds the next record */
	struct store_record rec;
};

struct store_reader {
	struct store_filter f;
	struct cursor *c;
	size_t nc;
	ssize_t last;
	uint64_t damaged;
	struct store_sha sha;
};

static int
fill_record(const struct store_entry *e, struct store_record *rec,
    char *peer, size_t peerlen)
{
	struct store_record_body b;
	size_t n;

	if (store_record_body_decode(e, &b) < 0)
		return -1;
	n = b.peer.len < peerlen - 1 ? b.peer.len : peerlen - 1;
	memcpy(peer, b.peer.ptr, n);
	peer[n] = '\0';
	rec->peer = peer;
	rec->seq = e->seq;
	rec->recv_ns = e->time;
	rec->seqid = b.seqid;
	rec->gap = b.gap;
	rec->orig_len = b.orig_len;
	rec->flags = e->flags;
	rec->raw = b.raw.ptr;
	rec->raw_len = b.raw.len;
	syslog_parse(rec->raw, rec->raw_len, &rec->msg);
	return 0;
}

static int
in_filter(const struct store_filter *f, uint64_t t)
{
	return (f->since_ns == 0 || t >= f->since_ns) &&
	    (f->until_ns == 0 || t <= f->until_ns);
}

/* Moves the cursor to its next record passing the filter. */
static int
cursor_advance(struct store_reader *r, struct cursor *c, struct error *err)
{
	c->have = 0;
	for (;;) {
		struct store_entry e;
		int d;

		if (c->map.data == NULL || c->off >= c->map.len) {
			store_seg_unmap(&c->map);
			if (c->segi >= c->nsegs)
				return 0;
			if (store_seg_map(c->dirfd, c->segs[c->segi++], &c->map,
			    err) < 0)
				return -1;
			c->off = 0;
			continue;
		}
		d = store_entry_decode(c->map.data + c->off, c->map.len - c->off, &e);
		if (d != 1 || !store_entry_hash_ok(&e, &r->sha)) {
			r->damaged++;
			c->off = c->map.len;	/* skip the rest of the segment */
			continue;
		}
		c->off += e.total;
		if (e.type != STORE_T_RECORD || !in_filter(&r->f, e.time))
			continue;
		if (fill_record(&e, &c->rec, c->peer, sizeof(c->peer)) < 0) {
			r->damaged++;
			continue;
		}
		c->rec.sender = c->sender;
		c->have = 1;
		return 1;
	}
}

struct store_reader *
store_reader_open(const char *path, const struct store_filter *f,
    struct error *err)
{
	struct store_reader *r = calloc(1, sizeof(*r));
	char **names = NULL;
	size_t n = 0;
	int single;

	if (r == NULL)
		return error_set(err, "out of memory"), NULL;
	r->f = *f;
	r->last = -1;
	store_sha_init(&r->sha);	/* on failure the one-shot is used */
	if (store_senders_list(path, &names, &n, &single, err) < 0) {
		free(r);
		return NULL;
	}
	r->c = calloc(n ? n : 1, sizeof(*r->c));
	if (r->c == NULL) {
		error_set(err, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		struct cursor *c;
		char p[4096];

		if (f->sender != NULL && strcmp(f->sender, names[i]) != 0)
			continue;
		c = &r->c[r->nc];
		snprintf(c->sender, sizeof(c->sender), "%s", names[i]);
		if (single)
			snprintf(p, sizeof(p), "%s", path);
		else
			snprintf(p, sizeof(p), "%s/%s", path, names[i]);
		c->dirfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (c->dirfd < 0) {
			error_errno(err, "%s", p);
			goto fail;
		}
		r->nc++;
		if (store_seg_list(c->dirfd, &c->segs, &c->nsegs, err) < 0 ||
		    cursor_advance(r, c, err) < 0)
			goto fail;
	}
	store_names_free(names, n);
	return r;
fail:
	store_names_free(names, n);
	store_reader_free(r);
	return NULL;
}

int
store_reader_next(struct store_reader *r, struct store_record *rec,
    struct error *err)
{
	ssize_t best = -1;

	if (r->last >= 0 && cursor_advance(r, &r->c[r->last], err) < 0)
		return -1;
	r->last = -1;
	for (size_t i = 0; i < r->nc; i++)
		if (r->c[i].have && (best < 0 ||
		    r->c[i].rec.recv_ns < r->c[best].rec.recv_ns))
			best = (ssize_t)i;
	if (best < 0)
		return 0;
	*rec = r->c[best].rec;
	r->last = best;
	return 1;
}

uint64_t
store_reader_damaged(const struct store_reader *r)
{
	return r->damaged;
}

void
store_reader_free(struct store_reader *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nc; i++) {
		store_seg_unmap(&r->c[i].map);
		free(r->c[i].segs);
		if (r->c[i].dirfd >= 0)
			close(r->c[i].dirfd);
	}
	free(r->c);
	store_sha_free(&r->sha);
	free(r);
}

size_t
store_records_in_buffer(const uint8_t *p, size_t len,
    void (*fn)(void *arg, const struct store_record *rec), void *arg)
{
	size_t off = 0, n = 0;
	char peer[256];

	while (off < len) {
		struct store_entry e;
		struct store_record rec;

		if (store_entry_decode(p + off, len - off, &e) != 1 ||
		    !store_entry_hash_ok(&e, NULL))
			break;
		off += e.total;
		if (e.type == STORE_T_RECORD) {
			struct store_record_body b;

			if (store_record_body_decode(&e, &b) < 0 ||
			    fill_record(&e, &rec, peer, sizeof(peer)) < 0)
				continue;
			rec.sender = "";
			if (fn != NULL)
				fn(arg, &rec);
			n++;
		} else if (e.type == STORE_T_HEADER) {
			struct store_header_body h;

			(void)store_header_body_decode(&e, &h);
		} else {
			struct store_checkpoint_body c;

			(void)store_checkpoint_body_decode(&e, &c);
		}
	}
	return n;
}
