/* summary: unit tests for the log store: write, dedup, restart, rotation, reader, verify and tampering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "core/timefmt.h"
#include "store/store.h"
#include "store/store_format.h"
#include "store/store_reader.h"
#include "store/store_verify.h"

struct fixture {
	char dir[64];
	EVP_PKEY *key;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_store.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	f->key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	*state = f;
	return f->key == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	EVP_PKEY_free(f->key);
	free(f);
	return 0;
}

static struct store *
open_store(struct fixture *f, uint64_t seg_size)
{
	struct store_opts o = { .checkpoint_records = 10, .segment_size = seg_size,
	    .fsync = STORE_FSYNC_NONE, .sign_key = f->key };
	struct error err;
	struct store *s = store_open(f->dir, &o, &err);

	if (s == NULL)
		fail_msg("%s", err.msg);
	return s;
}

/* 1 stored, 0 dropped */
static int
add(struct store *s, const char *sender, uint32_t seqid, const char *text)
{
	char msg[256];
	struct error err;
	struct store_rec_in in = { .sender = sender, .peer = "192.0.2.7:4000",
	    .recv_ns = time_now_ns() };
	int rc;

	if (seqid)
		snprintf(msg, sizeof(msg), "<14>1 2026-11-26T10:00:00Z hp app 7 "
		    "ID [meta sequenceId=\"%u\"] %s", seqid, text);
	else
		snprintf(msg, sizeof(msg), "<14>1 2026-11-26T10:00:00Z hp app 7 "
		    "ID - %s", text);
	in.raw = msg;
	in.len = strlen(msg);
	in.orig_len = in.len;
	rc = store_append(s, &in, &err);
	if (rc < 0)
		fail_msg("%s", err.msg);
	return rc;
}

static void
fill(struct fixture *f, int n, uint64_t seg_size)
{
	struct store *s = open_store(f, seg_size);
	struct error err;
	char text[32];

	for (int i = 1; i <= n; i++) {
		snprintf(text, sizeof(text), "message %d", i);
		assert_int_equal(add(s, "hp-a", (uint32_t)i, text), 1);
	}
	assert_int_equal(store_close(s, &err), 0);
}

static int
verify(struct fixture *f, EVP_PKEY *key, struct store_verify_result *r)
{
	struct error err;
	int rc = store_verify_sender(f->dir, "hp-a", key, r, &err);

	if (rc < 0)
		fail_msg("%s", err.msg);
	return rc;
}

/* --- file surgery helpers -------------------------------------------- */

struct file {
	char path[128];
	uint8_t *data;
	size_t len;
	size_t off[512];	/* entry offsets */
	uint8_t type[512];
	uint64_t seq[512];
	int n;
};

static void
load(struct fixture *f, uint32_t segno, struct file *fl)
{
	FILE *fp;
	struct stat sb;

	snprintf(fl->path, sizeof(fl->path), "%s/hp-a/%08u.seg", f->dir, segno);
	assert_int_equal(stat(fl->path, &sb), 0);
	fl->len = (size_t)sb.st_size;
	fl->data = malloc(fl->len + 4096);
	fp = fopen(fl->path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(fl->data, 1, fl->len, fp), fl->len);
	fclose(fp);
	fl->n = 0;
	for (size_t o = 0; o < fl->len && fl->n < 512;) {
		struct store_entry e;

		assert_int_equal(store_entry_decode(fl->data + o, fl->len - o, &e), 1);
		fl->off[fl->n] = o;
		fl->type[fl->n] = e.type;
		fl->seq[fl->n] = e.seq;
		fl->n++;
		o += e.total;
	}
}

static void
save(struct file *fl)
{
	FILE *fp = fopen(fl->path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(fl->data, 1, fl->len, fp), fl->len);
	fclose(fp);
	free(fl->data);
}

static size_t
entry_len(struct file *fl, int i)
{
	return (i + 1 < fl->n ? fl->off[i + 1] : fl->len) - fl->off[i];
}

/* index of the k-th record entry */
static int
nth_record(struct file *fl, int k)
{
	for (int i = 0; i < fl->n; i++)
		if (fl->type[i] == STORE_T_RECORD && k-- == 0)
			return i;
	fail_msg("no record %d", k);
	return -1;
}

static void
remove_bytes(struct file *fl, size_t at, size_t n)
{
	memmove(fl->data + at, fl->data + at + n, fl->len - at - n);
	fl->len -= n;
}

static void
insert_bytes(struct file *fl, size_t at, const uint8_t *p, size_t n)
{
	memmove(fl->data + at + n, fl->data + at, fl->len - at);
	memcpy(fl->data + at, p, n);
	fl->len += n;
}

/* --- tests ------------------------------------------------------------ */

static void
test_write_verify_read(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct store_filter flt = { 0 };
	struct store_reader *rd;
	struct store_record rec;
	struct error err;
	int n = 0;

	fill(f, 50, 0);
	assert_int_equal(verify(f, f->key, &r), 0);
	assert_int_equal(r.records, 50);
	assert_true(r.checkpoints >= 5);
	assert_int_equal(r.unsealed, 0);
	rd = store_reader_open(f->dir, &flt, &err);
	assert_non_null(rd);
	while (store_reader_next(rd, &rec, &err) == 1) {
		n++;
		assert_string_equal(rec.sender, "hp-a");
		assert_string_equal(rec.peer, "192.0.2.7:4000");
		assert_int_equal(rec.seq, (uint64_t)n);
		assert_int_equal(rec.seqid, (uint32_t)n);
		assert_int_equal(rec.msg.pri, 14);
		assert_int_equal(rec.msg.app_name.len, 3);
		assert_memory_equal(rec.msg.app_name.ptr, "app", 3);
	}
	assert_int_equal(n, 50);
	assert_int_equal(store_reader_damaged(rd), 0);
	store_reader_free(rd);
	/* filters */
	flt.sender = "nobody";
	rd = store_reader_open(f->dir, &flt, &err);
	assert_non_null(rd);
	assert_int_equal(store_reader_next(rd, &rec, &err), 0);
	store_reader_free(rd);
	flt.sender = NULL;
	flt.since_ns = time_now_ns() + NSEC_PER_SEC * 3600;
	rd = store_reader_open(f->dir, &flt, &err);
	assert_non_null(rd);
	assert_int_equal(store_reader_next(rd, &rec, &err), 0);
	store_reader_free(rd);
}

static void
test_dedup_gap_restart(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct store_filter flt = { 0 };
	struct store_reader *rd;
	struct store_record rec;
	struct error err;
	struct store *s = open_store(f, 0);

	assert_int_equal(add(s, "hp-a", 1, "one"), 1);
	assert_int_equal(add(s, "hp-a", 2, "two"), 1);
	assert_int_equal(add(s, "hp-a", 2, "two"), 0);	/* resent */
	assert_int_equal(add(s, "hp-a", 5, "five"), 1);	/* gap of 2 */
	assert_int_equal(add(s, "hp-a", 0, "unnumbered"), 1);
	assert_int_equal(add(s, "hp-a", 0, "unnumbered"), 1);	/* no id: kept */
	assert_int_equal(store_stats(s)->duplicates, 1);
	assert_int_equal(store_close(s, &err), 0);
	/* across a restart the same resend is still recognised */
	s = open_store(f, 0);
	assert_int_equal(add(s, "hp-a", 5, "five"), 0);
	assert_int_equal(add(s, "hp-a", 4, "four"), 1);	/* late, fills the gap */
	assert_int_equal(add(s, "hp-a", 1, "restarted sender"), 1);	/* reset */
	assert_int_equal(store_close(s, &err), 0);
	assert_int_equal(verify(f, f->key, &r), 0);
	assert_int_equal(r.records, 7);
	assert_int_equal(r.segments, 2);
	rd = store_reader_open(f->dir, &flt, &err);
	assert_non_null(rd);
	assert_int_equal(store_reader_next(rd, &rec, &err), 1);
	assert_int_equal(store_reader_next(rd, &rec, &err), 1);
	assert_int_equal(store_reader_next(rd, &rec, &err), 1);
	assert_int_equal(rec.seqid, 5);
	assert_int_equal(rec.gap, 2);
	assert_true(rec.flags & STORE_F_GAP);
	assert_int_equal(store_reader_next(rd, &rec, &err), 1);
	assert_int_equal(store_reader_next(rd, &rec, &err), 1);
	assert_int_equal(store_reader_next(rd, &rec, &err), 1);
	assert_int_equal(rec.seqid, 4);
	assert_true(rec.flags & STORE_F_LATE);
	assert_int_equal(store_reader_next(rd, &rec, &err), 1);
	assert_true(rec.flags & STORE_F_SEQRESET);
	assert_int_equal(store_reader_next(rd, &rec, &err), 0);
	store_reader_free(rd);
}

static void
test_rotation_and_unsealed(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;

	fill(f, 100, 4096);
	assert_int_equal(verify(f, f->key, &r), 0);
	assert_true(r.segments >= 4);
	assert_int_equal(r.records, 100);
	/* without a key the chain is still checked */
	assert_int_equal(verify(f, NULL, &r), 0);
	assert_false(r.signatures_checked);
}

static void
test_rotation_by_age(void **state)
{
	struct fixture *f = *state;
	struct store_opts o = { .checkpoint_records = 1000, .segment_ns = 1,
	    .checkpoint_ns = 3600 * NSEC_PER_SEC, .fsync = STORE_FSYNC_NONE,
	    .sign_key = f->key };
	struct store_verify_result r;
	struct error err;
	struct store *s = store_open(f->dir, &o, &err);

	assert_non_null(s);
	for (uint32_t i = 1; i <= 3; i++) {
		assert_int_equal(add(s, "hp-a", i, "aging"), 1);
		assert_int_equal(store_tick(s, &err), 0);	/* rotates */
	}
	assert_int_equal(store_tick(s, &err), 0);	/* empty segment: stays */
	assert_int_equal(store_close(s, &err), 0);
	assert_int_equal(verify(f, f->key, &r), 0);
	assert_int_equal(r.segments, 4);
	assert_int_equal(r.records, 3);
}

static void
test_wrong_key(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	fill(f, 20, 0);
	assert_int_equal(verify(f, other, &r), 1);
	assert_int_equal(r.kind, STORE_MODIFIED);
	assert_non_null(strstr(r.detail, "signature"));
	EVP_PKEY_free(other);
}

static void
test_tamper_flip(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct file fl;
	int i;

	fill(f, 100, 4096);
	load(f, 2, &fl);
	i = nth_record(&fl, 3);
	fl.data[fl.off[i] + STORE_HDR_LEN + 30] ^= 0x01;	/* in the body */
	save(&fl);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_MODIFIED);
	assert_string_equal(r.file, "hp-a/00000002.seg");
	assert_int_equal(r.offset, fl.off[i]);
	assert_int_equal(r.record, fl.seq[i]);
}

static void
test_tamper_flip_length(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct file fl;
	int i;

	fill(f, 30, 0);
	load(f, 1, &fl);
	i = nth_record(&fl, 5);
	fl.data[fl.off[i] + 5] ^= 0x40;		/* length field */
	save(&fl);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_MODIFIED);
	assert_int_equal(r.offset, fl.off[i]);
}

static void
test_tamper_delete_record(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct file fl;
	int i;

	fill(f, 30, 0);
	load(f, 1, &fl);
	i = nth_record(&fl, 6);
	remove_bytes(&fl, fl.off[i], entry_len(&fl, i));
	save(&fl);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_DELETED);
	assert_int_equal(r.record, fl.seq[i]);
	assert_int_equal(r.offset, fl.off[i]);
	assert_string_equal(r.file, "hp-a/00000001.seg");
}

static void
test_tamper_insert(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct file fl;
	uint8_t copy[1024];
	size_t n;
	int i, j;

	fill(f, 30, 0);
	load(f, 1, &fl);
	i = nth_record(&fl, 2);
	j = nth_record(&fl, 8);
	n = entry_len(&fl, i);
	memcpy(copy, fl.data + fl.off[i], n);	/* a genuine-looking record */
	insert_bytes(&fl, fl.off[j], copy, n);
	save(&fl);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_INSERTED);
	assert_int_equal(r.offset, fl.off[j]);
}

static void
test_tamper_insert_forged(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct file fl;
	uint8_t forged[512];
	int j;

	fill(f, 30, 0);
	load(f, 1, &fl);
	j = nth_record(&fl, 4);
	/* a record the attacker made up, with a made-up hash */
	memcpy(forged, fl.data + fl.off[j], entry_len(&fl, j));
	memcpy(forged + STORE_HDR_LEN + 40, "FORGED", 6);
	insert_bytes(&fl, fl.off[j], forged, entry_len(&fl, j));
	save(&fl);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_INSERTED);
	assert_int_equal(r.offset, fl.off[j]);
}

static void
test_tamper_swap(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct file fl;
	uint8_t a[1024];
	size_t la, lb;
	int i, j;

	fill(f, 30, 0);
	load(f, 1, &fl);
	i = nth_record(&fl, 3);
	j = i + 1;
	assert_int_equal(fl.type[j], STORE_T_RECORD);
	la = entry_len(&fl, i);
	lb = entry_len(&fl, j);
	memcpy(a, fl.data + fl.off[i], la);
	memmove(fl.data + fl.off[i], fl.data + fl.off[j], lb);
	memcpy(fl.data + fl.off[i] + lb, a, la);
	save(&fl);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_REORDERED);
	assert_int_equal(r.offset, fl.off[i]);
	assert_int_equal(r.record, fl.seq[j]);
}

static void
test_tamper_truncate(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct file fl;
	struct stat sb;

	/* inside an entry of the last segment */
	fill(f, 100, 4096);
	assert_int_equal(verify(f, f->key, &r), 0);
	{
		uint32_t last = (uint32_t)r.segments;

		load(f, last, &fl);
		fl.len -= 10;
		save(&fl);
		assert_int_equal(verify(f, f->key, &r), 1);
		assert_int_equal(r.kind, STORE_TRUNCATED);
		assert_int_equal(r.offset, fl.off[fl.n - 1]);
	}
	assert_int_equal(stat(fl.path, &sb), 0);
}

static void
test_tamper_truncate_boundary(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct file fl;

	/* a closed segment cut at an entry boundary */
	fill(f, 100, 4096);
	load(f, 2, &fl);
	fl.len = fl.off[fl.n - 3];
	save(&fl);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_TRUNCATED);
	assert_string_equal(r.file, "hp-a/00000002.seg");
}

static void
test_tamper_truncate_tail(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct file fl;

	/* the last segment cut at an entry boundary: the head copy tells */
	fill(f, 25, 0);
	load(f, 1, &fl);
	fl.len = fl.off[fl.n - 5];
	save(&fl);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_TRUNCATED);
	assert_string_equal(r.file, "hp-a/00000001.seg");
}

static void
rm_segment(struct fixture *f, uint32_t segno)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/hp-a/%08u.seg", f->dir, segno);
	assert_int_equal(unlink(p), 0);
}

static void
test_tamper_remove_segment(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	uint32_t last;

	fill(f, 100, 4096);
	assert_int_equal(verify(f, f->key, &r), 0);
	last = (uint32_t)r.segments;
	rm_segment(f, 2);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_SEGMENT_REMOVED);
	assert_string_equal(r.file, "hp-a/00000002.seg");
	rm_segment(f, 1);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_SEGMENT_REMOVED);
	assert_string_equal(r.file, "hp-a/00000001.seg");
	(void)last;
}

static void
test_tamper_remove_last_segment(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	char p[128], want[64];
	uint32_t last;

	fill(f, 100, 4096);
	assert_int_equal(verify(f, f->key, &r), 0);
	last = (uint32_t)r.segments;
	rm_segment(f, last);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_SEGMENT_REMOVED);
	snprintf(want, sizeof(want), "hp-a/%08u.seg", last);
	assert_string_equal(r.file, want);
	/* and with the head file gone too, the rotation checkpoint tells */
	snprintf(p, sizeof(p), "%s/hp-a/head", f->dir);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(verify(f, f->key, &r), 1);
	assert_int_equal(r.kind, STORE_SEGMENT_REMOVED);
	assert_string_equal(r.file, want);
}


static void
test_fsync_checkpoint_mode(void **state)
{
	struct fixture *f = *state;
	struct store_opts o = { .checkpoint_records = 10, .fsync =
	    STORE_FSYNC_CHECKPOINT, .sign_key = f->key };
	struct store_verify_result r;
	struct error err;
	struct store *s = store_open(f->dir, &o, &err);
	char p[128];
	struct stat sb;

	assert_non_null(s);
	for (uint32_t i = 1; i <= 35; i++)
		assert_int_equal(add(s, "hp-a", i, "synced"), 1);
	assert_int_equal(store_tick(s, &err), 0);
	assert_int_equal(store_close(s, &err), 0);
	snprintf(p, sizeof(p), "%s/hp-a/head", f->dir);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(verify(f, f->key, &r), 0);
	assert_int_equal(r.records, 35);
	assert_int_equal(r.checkpoints, 4);	/* 10, 20, 30, close */
}

/* A writer that dies without closing: flushed records, no final checkpoint. */
static void
crash_after(struct fixture *f, int n, const char *garbage)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct store *s = open_store(f, 0);
		struct error err;
		char p[128];

		for (int i = 1; i <= n; i++)
			add(s, "hp-a", (uint32_t)(100 + i), "before the crash");
		store_flush(s, &err);
		if (garbage != NULL) {
			FILE *fp;

			snprintf(p, sizeof(p), "%s/hp-a/00000001.seg", f->dir);
			fp = fopen(p, "ab");
			fwrite(garbage, 1, strlen(garbage), fp);
			fclose(fp);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static void
test_recover_unsealed_tail(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct error err;
	struct store *s;

	crash_after(f, 15, NULL);	/* 10 sealed, 5 unsealed */
	assert_int_equal(verify(f, f->key, &r), 0);
	assert_int_equal(r.unsealed, 5);
	s = open_store(f, 0);
	assert_int_equal(add(s, "hp-a", 115, "before the crash"), 0);	/* resend */
	assert_int_equal(add(s, "hp-a", 116, "after"), 1);
	assert_int_equal(store_close(s, &err), 0);
	assert_int_equal(verify(f, f->key, &r), 0);
	assert_int_equal(r.records, 16);
	assert_int_equal(r.segments, 2);
	assert_int_equal(r.unsealed, 0);
}

static void
test_recover_torn_tail(void **state)
{
	struct fixture *f = *state;
	struct store_verify_result r;
	struct error err;
	struct store *s;

	crash_after(f, 12, "ALR\0\0\0");	/* half an entry */
	assert_int_equal(verify(f, f->key, &r), 1);	/* alone: truncated */
	assert_int_equal(r.kind, STORE_TRUNCATED);
	s = open_store(f, 0);
	assert_int_equal(add(s, "hp-a", 113, "after"), 1);
	assert_int_equal(store_close(s, &err), 0);
	assert_int_equal(verify(f, f->key, &r), 0);	/* declared by segment 2 */
	assert_int_equal(r.torn, 1);
	assert_int_equal(r.records, 13);
}

static void
test_buffer_reader(void **state)
{
	struct fixture *f = *state;
	struct file fl;

	fill(f, 12, 0);
	load(f, 1, &fl);
	assert_int_equal(store_records_in_buffer(fl.data, fl.len, NULL, NULL), 12);
	/* damaged: stops there */
	fl.data[fl.off[nth_record(&fl, 4)] + 60] ^= 1;
	assert_int_equal(store_records_in_buffer(fl.data, fl.len, NULL, NULL), 4);
	free(fl.data);
}

static void
test_sender_names(void **state)
{
	char out[STORE_SENDER_MAX + 1];

	store_sender_sanitize("../etc/passwd", out);
	assert_string_equal(out, "_._etc_passwd");
	assert_true(store_sender_valid(out));
	store_sender_sanitize("", out);
	assert_string_equal(out, "unknown");
	store_sender_sanitize("honeypot-a.example.net", out);
	assert_string_equal(out, "honeypot-a.example.net");
	assert_false(store_sender_valid(".."));
	assert_int_equal(store_segment_number("00000042.seg"), 42);
	assert_int_equal(store_segment_number("0000042.seg"), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_verify_read),
		T(test_dedup_gap_restart),
		T(test_rotation_and_unsealed),
		T(test_rotation_by_age),
		T(test_wrong_key),
		T(test_tamper_flip),
		T(test_tamper_flip_length),
		T(test_tamper_delete_record),
		T(test_tamper_insert),
		T(test_tamper_insert_forged),
		T(test_tamper_swap),
		T(test_tamper_truncate),
		T(test_tamper_truncate_boundary),
		T(test_tamper_truncate_tail),
		T(test_tamper_remove_segment),
		T(test_tamper_remove_last_segment),
		T(test_fsync_checkpoint_mode),
		T(test_recover_unsealed_tail),
		T(test_recover_torn_tail),
		T(test_buffer_reader),
		cmocka_unit_test(test_sender_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
