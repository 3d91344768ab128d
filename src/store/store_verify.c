/* summary: verification of a log store: hash chains, checkpoint signatures, tamper location. */
#include "store/store_verify.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "store/store_format.h"
#include "store/store_segments.h"

/*
 * The walk replays each sender's chain from its genesis and stops at the
 * first entry that does not fit, then classifies the damage from what is
 * around it: an entry whose own hash fails was modified (or, when the next
 * entry links past it, inserted); a record whose link fails was preceded
 * by deleted records, or by records moved (reordered) when the missing
 * number turns up later; a segment that stops inside an entry, or whose
 * successor's header says it was longer, was truncated; a gap in segment
 * numbers, a rotation checkpoint with no successor, or a `head` naming a
 * missing segment means a segment was removed.
 */

static const char *const names[] = { "intact", "modified", "deleted",
    "inserted", "reordered", "truncated", "segment removed" };

const char *
store_tamper_name(enum store_tamper k)
{
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

struct walk {
	const char *sender;
	void *key;
	EVP_MD_CTX *md;
	struct store_sha sha;
	struct store_verify_result *r;
};

static int found(struct walk *w, enum store_tamper k, uint32_t segno,
    uint64_t record, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int
found(struct walk *w, enum store_tamper k, uint32_t segno, uint64_t record,
    uint64_t offset, const char *fmt, ...)
{
	va_list ap;

	w->r->kind = k;
	snprintf(w->r->file, sizeof(w->r->file), "%s/%08u.seg", w->sender, segno);
	w->r->record = record;
	w->r->offset = offset;
	va_start(ap, fmt);
	vsnprintf(w->r->detail, sizeof(w->r->detail), fmt, ap);
	va_end(ap);
	return 1;
}

static int
sig_ok(struct walk *w, const struct store_entry *e,
    const struct store_checkpoint_body *c)
{
	if (w->key == NULL)
		return 1;
	return EVP_DigestVerifyInit(w->md, NULL, NULL, NULL, w->key) == 1 &&
	    EVP_DigestVerify(w->md, c->sig, STORE_SIG_LEN, e->start,
	    c->signed_len) == 1;
}

static int
good_entry_at(const struct store_seg_map *m, size_t off, struct store_entry *e)
{
	return off < m->len && store_entry_decode(m->data + off, m->len - off,
	    e) == 1 && store_entry_hash_ok(e, NULL);
}

/* Is there any whole valid entry after `from`?  (Only on the error path.) */
static int
valid_entry_after(const struct store_seg_map *m, size_t from)
{
	struct store_entry e;

	for (size_t i = from + 1; i + 3 <= m->len; i++) {
		const uint8_t *p = memchr(m->data + i, 'A', m->len - i);

		if (p == NULL)
			break;
		i = (size_t)(p - m->data);
		if (good_entry_at(m, i, &e))
			return 1;
	}
	return 0;
}

static int
seq_later(const struct store_seg_map *m, size_t off, uint64_t seq)
{
	struct store_entry e;

	while (good_entry_at(m, off, &e)) {
		if (e.type == STORE_T_RECORD && e.seq == seq)
			return 1;
		off += e.total;
	}
	return 0;
}

static int
span_is(const struct store_span *s, const char *str)
{
	return s->len == strlen(str) && memcmp(s->ptr, str, s->len) == 0;
}

/* prev_len of segment segno's header, or -1 if unreadable. */
static int64_t
header_prev_len(int dirfd, uint32_t segno)
{
	struct store_seg_map m;
	struct store_entry e;
	struct store_header_body h;
	struct error err;
	int64_t v = -1;

	if (store_seg_map(dirfd, segno, &m, &err) < 0)
		return -1;
	if (good_entry_at(&m, 0, &e) && store_header_body_decode(&e, &h) == 0)
		v = (int64_t)h.prev_len;
	store_seg_unmap(&m);
	return v;
}

struct seg_state {
	uint8_t running[STORE_HASH_LEN];
	uint64_t expected;	/* next record number */
	uint64_t prev_good;	/* valid bytes of the previous segment */
	uint8_t last_type, last_reason;
};

static int
walk_segment(struct walk *w, int dirfd, uint32_t segno, int first_seg,
    int has_next, uint32_t next_segno, struct seg_state *s,
    struct error *err)
{
	struct store_seg_map m;
	size_t off = 0;
	int rc = 0;

	if (store_seg_map(dirfd, segno, &m, err) < 0)
		return -1;
	s->last_type = 0;
	while (off < m.len && rc == 0) {
		struct store_entry e;
		int d = store_entry_decode(m.data + off, m.len - off, &e);

		if (d == 0) {
			if (has_next && header_prev_len(dirfd, next_segno) ==
			    (int64_t)off) {
				w->r->torn++;	/* crash mid-write, declared */
				break;
			}
			if (valid_entry_after(&m, off))
				rc = found(w, STORE_MODIFIED, segno, s->expected,
				    off, "entry at offset %zu has a damaged "
				    "length field", off);
			else
				rc = found(w, STORE_TRUNCATED, segno, s->expected,
				    off, "the file ends inside the entry at "
				    "offset %zu (%zu bytes of it left)", off,
				    m.len - off);
			break;
		}
		if (d < 0) {
			rc = found(w, STORE_MODIFIED, segno, s->expected, off,
			    "no valid entry at offset %zu (framing damaged)", off);
			break;
		}
		if (!store_entry_hash_ok(&e, &w->sha)) {
			struct store_entry n;

			if (good_entry_at(&m, off + e.total, &n) &&
			    memcmp(n.prev, s->running, STORE_HASH_LEN) == 0)
				rc = found(w, STORE_INSERTED, segno, s->expected,
				    off, "an entry not in the chain was inserted "
				    "at offset %zu", off);
			else
				rc = found(w, STORE_MODIFIED, segno,
				    e.type == STORE_T_RECORD ? e.seq : s->expected,
				    off, "%s at offset %zu does not match its hash",
				    e.type == STORE_T_RECORD ? "record" :
				    e.type == STORE_T_CHECKPOINT ? "checkpoint" :
				    "segment header", off);
			break;
		}
		if (off == 0) {
			struct store_header_body h;

			if (e.type != STORE_T_HEADER ||
			    store_header_body_decode(&e, &h) < 0) {
				rc = found(w, STORE_MODIFIED, segno, s->expected, 0,
				    "the segment does not begin with its header");
				break;
			}
			if (h.segno != segno || !span_is(&h.sender, w->sender)) {
				rc = found(w, STORE_INSERTED, segno, s->expected, 0,
				    "this file is segment %u of sender '%.*s' "
				    "(copied or renamed)", h.segno,
				    (int)h.sender.len, (const char *)h.sender.ptr);
				break;
			}
			if (!first_seg && h.prev_len != s->prev_good) {
				rc = found(w, STORE_TRUNCATED, segno - 1,
				    s->expected, s->prev_good, "segment %08u.seg "
				    "has %llu valid bytes but was %llu bytes long "
				    "when segment %u began", segno - 1,
				    (unsigned long long)s->prev_good,
				    (unsigned long long)h.prev_len, segno);
				break;
			}
			if (memcmp(e.prev, s->running, STORE_HASH_LEN) != 0) {
				rc = found(w, first_seg ? STORE_SEGMENT_REMOVED :
				    STORE_MODIFIED, segno, s->expected, 0,
				    first_seg ? "the chain does not start here: "
				    "earlier segments were removed" :
				    "the chain from the previous segment is broken");
				break;
			}
			if (e.seq != s->expected) {
				rc = found(w, STORE_DELETED, segno, s->expected, 0,
				    "records %llu..%llu are missing before this "
				    "segment", (unsigned long long)s->expected,
				    (unsigned long long)e.seq - 1);
				break;
			}
		} else if (memcmp(e.prev, s->running, STORE_HASH_LEN) != 0) {
			if (e.type == STORE_T_RECORD && e.seq > s->expected) {
				if (seq_later(&m, off, s->expected))
					rc = found(w, STORE_REORDERED, segno, e.seq,
					    off, "record %llu at offset %zu comes "
					    "before record %llu",
					    (unsigned long long)e.seq, off,
					    (unsigned long long)s->expected);
				else
					rc = found(w, STORE_DELETED, segno,
					    s->expected, off, "record%s %llu..%llu "
					    "missing before offset %zu",
					    e.seq - s->expected > 1 ? "s" : "",
					    (unsigned long long)s->expected,
					    (unsigned long long)e.seq - 1, off);
			} else if (e.type == STORE_T_RECORD && e.seq < s->expected) {
				rc = found(w, STORE_INSERTED, segno, e.seq, off,
				    "record %llu appears again at offset %zu",
				    (unsigned long long)e.seq, off);
			} else if (e.type == STORE_T_HEADER) {
				rc = found(w, STORE_INSERTED, segno, s->expected,
				    off, "a segment header at offset %zu", off);
			} else {
				rc = found(w, STORE_DELETED, segno, s->expected,
				    off, "an entry before offset %zu is missing "
				    "(the chain breaks there)", off);
			}
			break;
		} else if (e.type == STORE_T_HEADER) {
			rc = found(w, STORE_INSERTED, segno, s->expected, off,
			    "a second segment header at offset %zu", off);
			break;
		} else if (e.type == STORE_T_RECORD) {
			if (e.seq != s->expected) {
				rc = found(w, STORE_MODIFIED, segno, s->expected,
				    off, "record at offset %zu has number %llu, "
				    "expected %llu (hash chain recomputed)", off,
				    (unsigned long long)e.seq,
				    (unsigned long long)s->expected);
				break;
			}
			s->expected++;
			w->r->records++;
			w->r->unsealed++;
		} else {
			struct store_checkpoint_body c;

			if (store_checkpoint_body_decode(&e, &c) < 0 ||
			    e.seq + 1 != s->expected) {
				rc = found(w, STORE_MODIFIED, segno, s->expected,
				    off, "checkpoint at offset %zu is malformed", off);
				break;
			}
			if (!sig_ok(w, &e, &c)) {
				rc = found(w, STORE_MODIFIED, segno, e.seq, off,
				    "checkpoint at offset %zu: the signature does "
				    "not verify (forged, or another key)", off);
				break;
			}
			if (c.segno != segno || c.offset != off ||
			    !span_is(&c.sender, w->sender)) {
				rc = found(w, STORE_INSERTED, segno, e.seq, off,
				    "checkpoint at offset %zu was written for "
				    "segment %u offset %llu", off, c.segno,
				    (unsigned long long)c.offset);
				break;
			}
			s->last_reason = c.reason;
			w->r->checkpoints++;
			w->r->unsealed = 0;
		}
		memcpy(s->running, e.hash, STORE_HASH_LEN);
		s->last_type = e.type;
		off += e.total;
	}
	if (rc == 0 && has_next && s->last_type != STORE_T_CHECKPOINT &&
	    off == m.len)
		rc = found(w, STORE_TRUNCATED, segno, s->expected, off,
		    "the segment ends at offset %zu without its closing "
		    "checkpoint", off);
	s->prev_good = off;
	store_seg_unmap(&m);
	return rc;
}

static int
check_head(struct walk *w, int dirfd, const uint32_t *segs, size_t nsegs,
    const struct seg_state *s, struct error *err)
{
	uint8_t buf[STORE_ENTRY_OVERHEAD + 1 + STORE_SENDER_MAX + 13 +
	    STORE_SIG_LEN + 1];
	struct store_entry e;
	struct store_checkpoint_body c;
	struct store_seg_map m;
	int fd = openat(dirfd, "head", O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int rc = 0;

	if (fd < 0)
		return errno == ENOENT ? 0 : error_errno(err, "%s/head", w->sender);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return error_errno(err, "%s/head", w->sender);
	if (store_entry_decode(buf, (size_t)n, &e) != 1 ||
	    e.total != (size_t)n || !store_entry_hash_ok(&e, NULL) ||
	    store_checkpoint_body_decode(&e, &c) < 0 || !sig_ok(w, &e, &c)) {
		found(w, STORE_MODIFIED, nsegs ? segs[nsegs - 1] : 0, s->expected,
		    0, "the head file (latest checkpoint) is damaged or forged");
		snprintf(w->r->file, sizeof(w->r->file), "%s/head", w->sender);
		return 1;
	}
	if (nsegs == 0 || c.segno > segs[nsegs - 1])
		return found(w, STORE_SEGMENT_REMOVED, c.segno, e.seq + 1, 0,
		    "segment %u, which holds the latest checkpoint (record "
		    "%llu), is missing", c.segno, (unsigned long long)e.seq);
	if (store_seg_map(dirfd, c.segno, &m, err) < 0)
		return found(w, STORE_SEGMENT_REMOVED, c.segno, e.seq + 1, 0,
		    "segment %u, which holds the latest checkpoint, is missing",
		    c.segno);
	if (m.len < c.offset + e.total)
		rc = found(w, STORE_TRUNCATED, c.segno, e.seq, m.len,
		    "the segment is %zu bytes long but its latest checkpoint "
		    "(record %llu) was at offset %llu", m.len,
		    (unsigned long long)e.seq, (unsigned long long)c.offset);
	else if (memcmp(m.data + c.offset, buf, e.total) != 0)
		rc = found(w, STORE_MODIFIED, c.segno, e.seq, c.offset,
		    "the latest checkpoint at offset %llu differs from the "
		    "head copy", (unsigned long long)c.offset);
	store_seg_unmap(&m);
	return rc;
}

int
store_verify_sender(const char *dir, const char *sender, void *pubkey,
    struct store_verify_result *r, struct error *err)
{
	char path[4096], base[STORE_SENDER_MAX + 1];
	struct walk w = { .key = pubkey, .r = r };
	struct seg_state s;
	uint32_t *segs = NULL;
	size_t nsegs = 0;
	int dirfd, rc = 0;

	memset(r, 0, sizeof(*r));
	r->signatures_checked = pubkey != NULL;
	if (dir != NULL)
		snprintf(path, sizeof(path), "%s/%s", dir, sender);
	else
		snprintf(path, sizeof(path), "%s", sender);
	{
		char tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s", path);
		snprintf(base, sizeof(base), "%s", basename(tmp));
	}
	w.sender = base;
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return error_errno(err, "%s", path);
	w.md = EVP_MD_CTX_new();
	if (w.md == NULL || store_sha_init(&w.sha) < 0) {
		EVP_MD_CTX_free(w.md);
		close(dirfd);
		return error_set(err, "out of memory");
	}
	if (store_seg_list(dirfd, &segs, &nsegs, err) < 0) {
		rc = -1;
		goto out;
	}
	memset(&s, 0, sizeof(s));
	store_genesis(base, s.running);
	s.expected = 1;
	if (nsegs > 0 && segs[0] != 1) {
		rc = found(&w, STORE_SEGMENT_REMOVED, 1, 1, 0, "segment%s 1..%u "
		    "missing (the first present is %u)", segs[0] > 2 ? "s" : "",
		    segs[0] - 1, segs[0]);
		goto out;
	}
	for (size_t i = 0; i < nsegs && rc == 0; i++) {
		if (i > 0 && segs[i] != segs[i - 1] + 1) {
			rc = found(&w, STORE_SEGMENT_REMOVED, segs[i - 1] + 1,
			    s.expected, 0, "segment %u is missing (segments %u "
			    "and %u are present)", segs[i - 1] + 1, segs[i - 1],
			    segs[i]);
			break;
		}
		r->segments++;
		rc = walk_segment(&w, dirfd, segs[i], i == 0, i + 1 < nsegs,
		    i + 1 < nsegs ? segs[i + 1] : 0, &s, err);
		if (rc == 0 && i + 1 == nsegs && s.last_type ==
		    STORE_T_CHECKPOINT && s.last_reason == STORE_CK_ROTATE)
			rc = found(&w, STORE_SEGMENT_REMOVED, segs[i] + 1,
			    s.expected, 0, "segment %u is missing (segment %u "
			    "was closed by a rotation)", segs[i] + 1, segs[i]);
	}
	if (rc == 0)
		rc = check_head(&w, dirfd, segs, nsegs, &s, err);
out:
	free(segs);
	EVP_MD_CTX_free(w.md);
	store_sha_free(&w.sha);
	close(dirfd);
	return rc;
}
