/* summary: unit tests for the session writer, the tcpflow stage and the stream stage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture/session_writer.h"
#include "engine/pipeline.h"
#include "flow/flow.h"
#include "net/packet.h"
#include "pktbuild.h"
#include "stream/stream_stage.h"
#include "stream/tcpflow.h"

static char *
tmpdir(void)
{
	char *d = strdup("/tmp/h6-unit-XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void
rmtree(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

/* Reads DIR/NAME into buf; returns its size or -1. */
static long
slurp(const char *dir, const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	n = (long)fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void
info_v4(struct session_info *i, const char *a, uint16_t sp, const char *b, uint16_t dp)
{
	memset(i, 0, sizeof(*i));
	assert_int_equal(addr_parse(a, &i->src), 0);
	assert_int_equal(addr_parse(b, &i->dst), 0);
	i->sport = sp;
	i->dport = dp;
	i->vlan = -1;
	i->flow_id = 77;
	i->community_id = "1:test";
	i->first_ns = 1700000000ull * 1000000000ull;
}

static void
test_names(void **state)
{
	struct session_info i;
	char n[160];

	info_v4(&i, "192.168.1.2", 1234, "10.0.0.1", 80);
	session_file_base_name(&i, n, sizeof(n));
	assert_string_equal(n, "192.168.001.002.01234-010.000.000.001.00080");
	i.vlan = 42;
	session_file_base_name(&i, n, sizeof(n));
	assert_string_equal(n, "192.168.001.002.01234-010.000.000.001.00080--42");
	memset(&i, 0, sizeof(i));
	assert_int_equal(addr_parse("2001:db8::1", &i.src), 0);
	assert_int_equal(addr_parse("2001:db8::2", &i.dst), 0);
	i.sport = 4000;
	i.dport = 22;
	i.vlan = -1;
	session_file_base_name(&i, n, sizeof(n));
	assert_string_equal(n, "2001:db8::1.04000-2001:db8::2.00022");
}

static void
test_writer_files(void **state)
{
	char *d = tmpdir();
	struct session_writer_config cfg;
	struct session_writer *w;
	struct session_info i;
	struct error err;
	uint8_t buf[4096];
	long n;

	session_writer_config_default(&cfg);
	cfg.dir = d;
	cfg.max_bytes = 12;
	cfg.no_thread = *state != NULL;
	w = session_writer_new(&cfg, &err);
	assert_non_null(w);
	info_v4(&i, "192.0.2.1", 1, "192.0.2.2", 2);

	/* no byte: no file */
	struct session_file *empty = session_file_begin(w, &i);
	assert_non_null(empty);
	session_file_end(w, empty, NULL, 0);

	/* a hole where later data follows; clipped at 12 bytes */
	struct session_file *a = session_file_begin(w, &i);
	session_file_write(w, a, 0, (const uint8_t *)"abc", 3, i.first_ns);
	session_file_write(w, a, 5, (const uint8_t *)"fghijklmnop", 11, i.first_ns + 5);
	assert_string_equal(session_file_name(w, a), "192.000.002.001.00001-192.000.002.002.00002");
	assert_int_equal(session_file_length(a), 12);
	/* the same name again: c1 */
	struct session_file *b = session_file_begin(w, &i);
	session_file_write(w, b, 0, (const uint8_t *)"second", 6, i.first_ns);
	assert_string_equal(session_file_name(w, b), "192.000.002.001.00001-192.000.002.002.00002c1");
	struct session_counts c = { .gaps = 1, .gap_bytes = 2, .out_of_order = 3 };
	session_file_keep(a);
	session_file_end(w, a, &c, i.first_ns + 9);
	assert_int_equal(session_writer_matches(w, a, 5, (const uint8_t *)"fgh", 3), 1);
	assert_int_equal(session_writer_matches(w, a, 5, (const uint8_t *)"xgh", 3), 0);
	session_file_release(w, a);
	assert_int_equal(session_writer_close(w, &err), 0);	/* ends b too */

	n = slurp(d, "192.000.002.001.00001-192.000.002.002.00002", buf, sizeof(buf));
	assert_int_equal(n, 12);
	assert_memory_equal(buf, "abc\0\0fghijkl", 12);
	n = slurp(d, "192.000.002.001.00001-192.000.002.002.00002c1", buf, sizeof(buf));
	assert_int_equal(n, 6);
	n = slurp(d, "sessions.json", buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = 0;
	/* two lines (the empty session has no file, no line); the first is a's */
	assert_non_null(strstr((char *)buf, "\"file\":\"192.000.002.001.00001-192.000.002.002.00002\",\"flow_id\":77,\"community_id\":\"1:test\""));
	assert_non_null(strstr((char *)buf, "\"bytes\":12,\"gaps\":1,\"gap_bytes\":2,\"out_of_order\":3"));
	assert_non_null(strstr((char *)buf, "\"truncated\":true"));
	int lines = 0;
	for (long k = 0; k < n; k++)
		lines += buf[k] == '\n';
	assert_int_equal(lines, 2);
	rmtree(d);
	free(d);
}

/* More sessions than open files: the cache closes and reopens them. */
static void
test_writer_fd_cache(void **state)
{
	char *d = tmpdir();
	struct session_writer_config cfg;
	struct session_writer *w;
	struct session_writer_stats st;
	struct session_file *s[5];
	struct session_info i;
	struct error err;
	uint8_t buf[64];

	session_writer_config_default(&cfg);
	cfg.dir = d;
	cfg.max_open = 2;
	cfg.no_index = 1;
	cfg.no_thread = *state != NULL;
	cfg.io_threads = 1;	/* with more, how often files are reopened depends on timing */
	w = session_writer_new(&cfg, &err);
	assert_non_null(w);
	for (int k = 0; k < 5; k++) {
		info_v4(&i, "192.0.2.1", (uint16_t)(100 + k), "192.0.2.2", 80);
		s[k] = session_file_begin(w, &i);
	}
	for (int round = 0; round < 4; round++)
		for (int k = 0; k < 5; k++) {
			uint8_t b = (uint8_t)('a' + k);
			session_file_write(w, s[k], (uint64_t)round, &b, 1, 0);
		}
	assert_int_equal(session_writer_flush(w, &err), 0);	/* the I/O thread is done */
	session_writer_get_stats(w, &st);
	assert_true(st.reopens >= 10);
	assert_int_equal(st.files, 5);
	assert_int_equal(session_writer_close(w, &err), 0);
	for (int k = 0; k < 5; k++) {
		char name[128];
		snprintf(name, sizeof(name), "192.000.002.001.%05d-192.000.002.002.00080", 100 + k);
		assert_int_equal(slurp(d, name, buf, sizeof(buf)), 4);
		for (int r = 0; r < 4; r++)
			assert_int_equal(buf[r], 'a' + k);
	}
	struct stat sb;
	char idx[512];
	snprintf(idx, sizeof(idx), "%s/sessions.json", d);
	assert_int_equal(stat(idx, &sb), -1);	/* no_index */
	rmtree(d);
	free(d);
}


/* ---- referenced writes ---------------------------------------------------- */

/* What a file must hold: the writes applied in order, clipped. */
struct model {
	uint8_t data[64 * 1024];
	uint32_t len;
};

static void
model_write(struct model *m, uint64_t max, uint64_t off, const uint8_t *data, uint32_t len)
{
	if (max != 0 && off >= max)
		return;
	if (max != 0 && off + len > max)
		len = (uint32_t)(max - off);
	assert_true(off + len <= sizeof(m->data));
	memcpy(m->data + off, data, len);
	if (off + len > m->len)
		m->len = (uint32_t)(off + len);
}

/* xorshift32: deterministic, and no short cycles in the low bits */
static uint32_t
lcg(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * Copied and referenced writes on many sessions (more than max_open, so
 * runs are queued out and files closed and reopened), with appends that
 * are adjacent in memory or not, long runs (past the iovec and byte
 * bounds of one run), gaps forward, overwrites backward and clipping;
 * every file compared byte for byte with a model.  The referenced bytes
 * stay valid until close; the copied ones are scribbled over at once.
 */
static void
writer_mixed(int no_thread, uint32_t max_open, uint64_t max_bytes, uint32_t seed)
{
	enum { NS = 12, NOPS = 3000 };
	static uint8_t src[256 * 1024];
	static struct model m[NS];
	char *d = tmpdir();
	struct session_writer_config cfg;
	struct session_writer *w;
	struct session_writer_stats st;
	struct session_file *s[NS];
	struct session_info info;
	struct error err;
	uint64_t next[NS] = { 0 };
	size_t last_src[NS] = { 0 };
	uint8_t scratch[4096];
	static uint8_t buf[64 * 1024 + 1];
	uint64_t want_bytes = 0;
	uint32_t x = seed * 2654435761u;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(lcg(&x) | 1);	/* never 0: holes show */
	memset(m, 0, sizeof(m));
	session_writer_config_default(&cfg);
	cfg.dir = d;
	cfg.max_open = max_open;
	cfg.max_bytes = max_bytes;
	cfg.buffer = 4096;		/* many runs */
	cfg.no_thread = no_thread;
	cfg.create_inline = (seed & 1) != 0;
	cfg.balance = (seed & 2) != 0;	/* copies while the I/O thread is behind */
	w = session_writer_new(&cfg, &err);
	assert_non_null(w);
	for (int k = 0; k < NS; k++) {
		info_v4(&info, "192.0.2.1", (uint16_t)(1000 + k), "192.0.2.2", 80);
		s[k] = session_file_begin(w, &info);
		assert_non_null(s[k]);
	}
	for (int op = 0; op < NOPS; op++) {
		int k = (int)(lcg(&x) % NS);
		uint32_t r = lcg(&x) % 100;
		uint32_t len = 1 + lcg(&x) % (r < 5 ? 6000 : 1500);
		uint64_t off = next[k];
		size_t from;

		if (r >= 80 && r < 88)
			off += 1 + lcg(&x) % 700;		/* a gap */
		else if (r >= 88 && off > 0)
			off -= lcg(&x) % (off < 2000 ? off : 2000);	/* overwrite */
		if (off + len > sizeof(m[k].data))
			continue;
		/* adjacent in memory to the last piece half of the time */
		if ((lcg(&x) & 1) && last_src[k] + len <= sizeof(src))
			from = last_src[k];
		else
			from = lcg(&x) % (sizeof(src) - len);
		model_write(&m[k], max_bytes, off, src + from, len);
		if (lcg(&x) % 3 == 0 && len <= sizeof(scratch)) {
			memcpy(scratch, src + from, len);
			session_file_write(w, s[k], off, scratch, len, 0);
			memset(scratch, 0xee, len);	/* copied: may change now */
		} else {
			session_file_write_ref(w, s[k], off, src + from, len, 0);
		}
		last_src[k] = from + len;
		if (off + len > next[k])
			next[k] = off + len;
	}
	for (int k = 0; k < NS; k++) {
		assert_int_equal(session_file_length(s[k]), m[k].len);
		want_bytes += m[k].len > 0;
	}
	assert_int_equal(session_writer_flush(w, &err), 0);
	session_writer_get_stats(w, &st);
	assert_int_equal(st.files, want_bytes);		/* every session wrote */
	if (max_open < NS)
		assert_true(st.reopens > 0);
	if (max_bytes != 0)
		assert_true(st.clipped_bytes > 0);
	assert_int_equal(session_writer_close(w, &err), 0);
	for (int k = 0; k < NS; k++) {
		char name[128];
		snprintf(name, sizeof(name), "192.000.002.001.%05d-192.000.002.002.00080", 1000 + k);
		long n = slurp(d, name, buf, sizeof(buf));
		assert_int_equal(n, (long)m[k].len);
		assert_memory_equal(buf, m[k].data, m[k].len);
	}
	rmtree(d);
	free(d);
}

static void
test_writer_ref_mixed(void **state)
{
	int no_thread = *state != NULL;

	writer_mixed(no_thread, 256, 0, 1);	/* all buffered at once */
	writer_mixed(no_thread, 3, 0, 2);	/* LRU: runs out, files reopened */
	writer_mixed(no_thread, 1, 0, 3);
	writer_mixed(no_thread, 4, 20000, 4);	/* clipped */
	writer_mixed(no_thread, 256, 0, 6);	/* balance, create_inline off */
	writer_mixed(no_thread, 2, 0, 7);	/* balance, create_inline on */
}

/* The exact layout: a run of references, a hole, a copy in between. */
static void
test_writer_ref_layout(void **state)
{
	char *d = tmpdir();
	struct session_writer_config cfg;
	struct session_writer *w;
	struct session_info i;
	struct error err;
	uint8_t buf[64];
	char cp[8];

	session_writer_config_default(&cfg);
	cfg.dir = d;
	cfg.max_bytes = 20;
	cfg.no_index = 1;
	cfg.no_thread = *state != NULL;
	w = session_writer_new(&cfg, &err);
	assert_non_null(w);
	info_v4(&i, "192.0.2.1", 1, "192.0.2.2", 2);
	struct session_file *a = session_file_begin(w, &i);
	static const char text[] = "abcdefghijklmnopqrstuvwxyz";
	session_file_write_ref(w, a, 0, (const uint8_t *)text, 3, 0);	/* abc */
	session_file_write_ref(w, a, 3, (const uint8_t *)text + 3, 2, 0);	/* adjacent: de */
	session_file_write_ref(w, a, 5, (const uint8_t *)text + 20, 1, 0);	/* u */
	session_file_write_ref(w, a, 9, (const uint8_t *)text + 9, 3, 0);	/* hole, jkl */
	memcpy(cp, "XY", 2);
	session_file_write(w, a, 6, (const uint8_t *)cp, 2, 0);	/* copy into the hole */
	memcpy(cp, "??", 2);
	session_file_write_ref(w, a, 1, (const uint8_t *)"B", 1, 0);	/* overwrite */
	session_file_write_ref(w, a, 15, (const uint8_t *)text, 26, 0);	/* clipped at 20 */
	assert_int_equal(session_file_length(a), 20);
	assert_int_equal(session_writer_close(w, &err), 0);
	assert_int_equal(slurp(d, "192.000.002.001.00001-192.000.002.002.00002", buf, sizeof(buf)), 20);
	assert_memory_equal(buf, "aBcdeuXY\0jkl\0\0\0abcde", 20);
	rmtree(d);
	free(d);
}

/* ---- through the pipeline ----------------------------------------------- */

struct frames {
	struct pipeline *pl;
	uint64_t ts;
	uint8_t (*arena)[2048];		/* frames kept here when set (stable input) */
	int n;
};

/* Sends a frame; returns its payload (in the arena, or gone with NULL arena). */
static uint8_t *
send_tcp(struct frames *fr, const char *src, uint16_t sp, const char *dst,
    uint16_t dp, uint32_t seq, uint8_t flags, const char *payload)
{
	uint8_t stack[2048];
	uint8_t *f = fr->arena != NULL ? fr->arena[fr->n++] : stack;
	struct pb_spec s = {
		.src = src, .dst = dst, .sport = sp, .dport = dp, .seq = seq,
		.ack = 1, .flags = flags, .payload = payload,
		.payload_len = payload ? strlen(payload) : 0,
	};
	size_t n = pb_frame(&s, f, sizeof(stack));
	assert_true(n > 0);
	fr->ts += 1000000;
	pipeline_frame(fr->pl, 1, f, (uint32_t)n, (uint32_t)n, fr->ts);
	return fr->arena != NULL ? f + n - s.payload_len : NULL;
}

static struct pipeline *new_pipeline(void);

/* Overwrites a sent frame's payload (len bytes) with 'X'. */
static void
scribble(uint8_t *payload, size_t len)
{
	assert_non_null(payload);
	memset(payload, 'X', len);
}

/*
 * Stable input: in-order payload is written by reference, everything else
 * copied.  Shown by breaking the promise on purpose (no I/O thread, so the
 * order is exact): frames changed after they were processed show the
 * change in the file exactly where the writer kept a reference.
 */
static void
test_tcpflow_stable(void **state)
{
	int stable = *state != NULL;
	char *d = tmpdir();
	struct tcpflow_config cfg;
	struct error err;
	static uint8_t arena[16][2048];
	struct frames fr = { .ts = 1700000000ull * 1000000000ull, .arena = arena };
	uint8_t buf[256];
	uint8_t *pl;
	const char *C = "192.0.2.1", *S = "192.0.2.2";

	fr.pl = new_pipeline();
	tcpflow_config_default(&cfg);
	cfg.writer.dir = d;
	cfg.writer.no_thread = 1;
	struct tcpflow *t = tcpflow_new(pipeline_flows(fr.pl), &cfg, &err);
	assert_non_null(t);
	assert_int_equal(pipeline_add_stage(fr.pl, "tcpflow", tcpflow_stage, t, &err), 0);
	tcpflow_input_stable(t, stable);

	send_tcp(&fr, C, 1234, S, 80, 100, TCP_SYN, NULL);
	send_tcp(&fr, S, 80, C, 1234, 500, TCP_SYN | TCP_ACK, NULL);
	pl = send_tcp(&fr, C, 1234, S, 80, 101, TCP_ACK, "hell");	/* in order: a reference */
	scribble(pl, 4);
	pl = send_tcp(&fr, C, 1234, S, 80, 110, TCP_ACK, "!!");		/* held: copied */
	scribble(pl, 2);
	/* in order: "world" joins the pending references, then the held
	 * "!!" is copied, so the references are written out first, before
	 * "world" is changed */
	pl = send_tcp(&fr, C, 1234, S, 80, 105, TCP_ACK, "world");
	scribble(pl, 5);
	pl = send_tcp(&fr, S, 80, C, 1234, 501, TCP_ACK, "reply");	/* pending reference */
	scribble(pl, 5);
	/* the ends write everything out; changes after them are too late */
	send_tcp(&fr, C, 1234, S, 80, 112, TCP_FIN | TCP_ACK, NULL);
	send_tcp(&fr, S, 80, C, 1234, 506, TCP_FIN | TCP_ACK, NULL);
	assert_int_equal(pipeline_finish(fr.pl, &err), 0);
	assert_int_equal(tcpflow_close(t, &err), 0);
	pipeline_free(fr.pl);

	assert_int_equal(slurp(d, "192.000.002.001.01234-192.000.002.002.00080", buf, sizeof(buf)), 11);
	assert_memory_equal(buf, stable ? "XXXXworld!!" : "hellworld!!", 11);
	assert_int_equal(slurp(d, "192.000.002.002.00080-192.000.002.001.01234", buf, sizeof(buf)), 5);
	assert_memory_equal(buf, stable ? "XXXXX" : "reply", 5);
	rmtree(d);
	free(d);
}

static struct pipeline *
new_pipeline(void)
{
	struct pipeline_config pc;
	struct error err;
	struct pipeline *pl;

	pipeline_config_default(&pc);
	pc.scan_enabled = 0;
	pc.flow.deterministic_hash = 1;
	pl = pipeline_new(&pc, &err);
	assert_non_null(pl);
	return pl;
}

static void
test_tcpflow_stage(void **state)
{
	char *d = tmpdir();
	struct tcpflow_config cfg;
	struct tcpflow_stats st;
	struct error err;
	struct frames fr = { .ts = 1700000000ull * 1000000000ull };
	uint8_t buf[256];
	const char *C = "192.0.2.1", *S = "192.0.2.2";

	fr.pl = new_pipeline();
	tcpflow_config_default(&cfg);
	cfg.writer.dir = d;
	struct tcpflow *t = tcpflow_new(pipeline_flows(fr.pl), &cfg, &err);
	assert_non_null(t);
	assert_int_equal(pipeline_add_stage(fr.pl, "tcpflow", tcpflow_stage, t, &err), 0);

	/* a connection: out-of-order client data, a retransmission, FIN */
	send_tcp(&fr, C, 1234, S, 80, 100, TCP_SYN, NULL);
	send_tcp(&fr, S, 80, C, 1234, 500, TCP_SYN | TCP_ACK, NULL);
	send_tcp(&fr, C, 1234, S, 80, 105, TCP_ACK, "world");
	send_tcp(&fr, C, 1234, S, 80, 101, TCP_ACK, "hell");
	send_tcp(&fr, C, 1234, S, 80, 101, TCP_ACK, "hell");
	send_tcp(&fr, S, 80, C, 1234, 501, TCP_ACK, "reply");
	send_tcp(&fr, C, 1234, S, 80, 110, TCP_FIN | TCP_ACK, NULL);
	send_tcp(&fr, S, 80, C, 1234, 506, TCP_FIN | TCP_ACK, NULL);
	/* the port pair again: c1 files */
	send_tcp(&fr, C, 1234, S, 80, 9000, TCP_SYN, NULL);
	send_tcp(&fr, S, 80, C, 1234, 7000, TCP_SYN | TCP_ACK, NULL);
	send_tcp(&fr, C, 1234, S, 80, 9001, TCP_ACK, "again");
	/* midstream, with a hole that never fills */
	send_tcp(&fr, C, 5555, S, 21, 40, TCP_ACK, "USER");
	send_tcp(&fr, C, 5555, S, 21, 50, TCP_ACK, "PASS");
	assert_int_equal(pipeline_finish(fr.pl, &err), 0);
	tcpflow_get_stats(t, &st);
	assert_int_equal(tcpflow_close(t, &err), 0);
	pipeline_free(fr.pl);

	assert_int_equal(st.stream.ooo_segments, 2);	/* "world", "PASS" */
	assert_int_equal(st.stream.retransmissions, 1);
	assert_int_equal(st.stream.gaps, 1);
	assert_int_equal(slurp(d, "192.000.002.001.01234-192.000.002.002.00080", buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "hellworld", 9);
	assert_int_equal(slurp(d, "192.000.002.002.00080-192.000.002.001.01234", buf, sizeof(buf)), 5);
	assert_int_equal(slurp(d, "192.000.002.001.01234-192.000.002.002.00080c1", buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "again", 5);
	assert_int_equal(slurp(d, "192.000.002.002.00080-192.000.002.001.01234c1", buf, sizeof(buf)), -1);
	assert_int_equal(slurp(d, "192.000.002.001.05555-192.000.002.002.00021", buf, sizeof(buf)), 14);
	assert_memory_equal(buf, "USER\0\0\0\0\0\0PASS", 14);
	long n = slurp(d, "sessions.json", buf, sizeof(buf) - 1);
	assert_true(n > 0);
	rmtree(d);
	free(d);
}

struct collected {
	char data[2][64];
	size_t len[2];
	int ends[2], gaps;
	uint64_t flow_id;
};

static void
collect(void *user, struct flow *f, const struct stream_chunk *c)
{
	struct collected *k = user;
	int d = c->dir & 1;

	assert_non_null(f);
	k->flow_id = f->flow_id;
	if (c->flags & STREAM_CHUNK_END) {
		k->ends[d]++;
		return;
	}
	assert_int_equal(c->offset, k->len[d]);
	assert_true(k->len[d] + c->len <= sizeof(k->data[d]));
	if (c->flags & STREAM_CHUNK_GAP) {
		k->gaps++;
		memset(k->data[d] + k->len[d], '#', c->len);
	} else {
		memcpy(k->data[d] + k->len[d], c->data, c->len);
	}
	k->len[d] += c->len;
}

static void
test_stream_stage(void **state)
{
	struct stream_config cfg;
	struct collected k;
	struct error err;
	struct frames fr = { .ts = 1700000000ull * 1000000000ull };
	const char *C = "2001:db8::1", *S = "2001:db8::2";

	memset(&k, 0, sizeof(k));
	fr.pl = new_pipeline();
	stream_config_default(&cfg);
	struct stream_stage *ss = stream_stage_new(pipeline_flows(fr.pl), &cfg, collect, &k, &err);
	assert_non_null(ss);
	assert_int_equal(pipeline_add_stage(fr.pl, "stream", stream_stage_run, ss, &err), 0);
	send_tcp(&fr, C, 40000, S, 443, 1, TCP_SYN, NULL);
	send_tcp(&fr, S, 443, C, 40000, 1, TCP_SYN | TCP_ACK, NULL);
	send_tcp(&fr, C, 40000, S, 443, 2, TCP_ACK, "GET ");
	send_tcp(&fr, S, 443, C, 40000, 6, TCP_ACK, "tail");	/* hole before it */
	send_tcp(&fr, C, 40000, S, 443, 6, TCP_ACK, "/x");
	assert_int_equal(k.len[0], 6);
	assert_memory_equal(k.data[0], "GET /x", 6);
	assert_int_equal(k.len[1], 0);			/* held */
	assert_true(stream_stage_memuse(ss) > 0);
	assert_int_equal(pipeline_finish(fr.pl, &err), 0);	/* flow ends: gap, tail, END */
	assert_int_equal(k.gaps, 1);
	assert_int_equal(k.len[1], 8);
	assert_memory_equal(k.data[1], "####tail", 8);
	assert_int_equal(k.ends[0], 1);
	assert_int_equal(k.ends[1], 1);
	assert_int_equal(stream_stage_memuse(ss), 0);
	assert_int_equal(stream_stage_stats(ss)->ooo_segments, 1);
	assert_true(k.flow_id != 0);
	stream_stage_free(ss);
	pipeline_free(fr.pl);
}

/* Descriptors open in this process. */
static int
open_fds(void)
{
	DIR *dp = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL)
		n += e->d_name[0] != '.';
	closedir(dp);
	return n - 1;	/* dp's own */
}

/*
 * One random script of sessions (begin, copied and referenced writes,
 * end with counts, in any interleaving; few port pairs, so names are
 * reused and get c1, c2, ...) run by a writer with `threads` I/O threads
 * (0: none, all inline) into dir.
 */
static void
shard_script(const char *dir, uint32_t threads, int create_inline, uint32_t max_open,
    uint32_t seed, int batch)
{
	enum { NLIVE = 24, NOPS = 6000 };
	static uint8_t src[128 * 1024];
	struct session_writer_config cfg;
	struct session_writer *w;
	struct session_file *live[NLIVE] = { NULL };
	uint64_t next[NLIVE] = { 0 };
	struct session_info info;
	struct error err;
	uint8_t scratch[2048];
	uint32_t x = seed * 2654435761u;
	int fds = open_fds();

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(lcg(&x) | 1);
	session_writer_config_default(&cfg);
	cfg.dir = dir;
	cfg.max_open = max_open;
	cfg.buffer = 4096;
	cfg.no_thread = threads == 0;
	cfg.io_threads = threads;
	cfg.create_inline = create_inline;
	cfg.batch_wakeups = batch;
	cfg.set_mtime = 0;
	w = session_writer_new(&cfg, &err);
	assert_non_null(w);
	for (int op = 0; op < NOPS; op++) {
		int k = (int)(lcg(&x) % NLIVE);
		uint32_t r = lcg(&x) % 100;

		if (live[k] == NULL) {
			info_v4(&info, "192.0.2.1", (uint16_t)(1000 + lcg(&x) % 5),
			    "198.51.100.2", (uint16_t)(80 + lcg(&x) % 2));
			info.flow_id = (uint64_t)op;
			info.first_ns += (uint64_t)op * 1000;
			live[k] = session_file_begin(w, &info);
			assert_non_null(live[k]);
			next[k] = 0;
			continue;
		}
		if (r < 6) {
			struct session_counts c = { .gaps = (uint64_t)op, .out_of_order = r };
			session_file_end(w, live[k], r < 3 ? &c : NULL, (uint64_t)op);
			live[k] = NULL;
			continue;
		}
		uint32_t len = 1 + lcg(&x) % 1500;
		uint64_t off = next[k];
		if (r < 12)
			off += lcg(&x) % 500;			/* a hole */
		else if (r < 16 && off > 0)
			off -= lcg(&x) % (off < 800 ? off : 800);	/* overwrite */
		size_t from = lcg(&x) % (sizeof(src) - len);
		if (lcg(&x) & 1) {
			memcpy(scratch, src + from, len);
			session_file_write(w, live[k], off, scratch, len, (uint64_t)op);
			memset(scratch, 0xee, len);
		} else {
			session_file_write_ref(w, live[k], off, src + from, len, (uint64_t)op);
		}
		if (off + len > next[k])
			next[k] = off + len;
		/* max_open files at most, whatever the threads do (plus the
		 * folder and sessions.json); files the caller creates wait in
		 * the queues uncounted */
		if (!create_inline && op % 50 == 0)
			assert_true(open_fds() <= fds + 2 + (int)max_open);
	}
	assert_int_equal(session_writer_close(w, &err), 0);	/* ends the rest */
}

/*
 * Long referenced runs fill one I/O thread's queue by bytes, not by count:
 * 48 MiB of 1448-byte pieces (1 MiB runs, so ~17 runs hit 16 MiB long
 * before 128 operations), written faster than the thread writes them.  The
 * most it held stays under SW_QUEUE_BYTES plus one run, the queue did fill
 * to half of that at least, the caller never waited for ever, and the
 * file holds every byte.
 */
static void
test_writer_queue_bytes_bound(void **state)
{
	enum { PIECE = 1448, GAP = 70, TOTAL = 48 << 20 };
	size_t pieces = (TOTAL + PIECE - 1) / PIECE;
	char *d = tmpdir();
	struct session_writer_config cfg;
	struct session_writer *w;
	struct session_writer_stats st;
	struct session_file *f;
	struct session_info i;
	struct error err;
	uint8_t *src = malloc(pieces * (PIECE + GAP)), *want = malloc(TOTAL);
	uint8_t *back = malloc(TOTAL);

	(void)state;
	assert_non_null(src);
	assert_non_null(want);
	assert_non_null(back);
	for (size_t k = 0; k < TOTAL; k++)
		want[k] = (uint8_t)(k * 2654435761u >> 24);
	session_writer_config_default(&cfg);
	cfg.dir = d;
	cfg.no_index = 1;
	cfg.io_threads = 1;
	w = session_writer_new(&cfg, &err);
	assert_non_null(w);
	info_v4(&i, "192.0.2.1", 4000, "192.0.2.2", 80);
	f = session_file_begin(w, &i);
	assert_non_null(f);
	/* gaps of 70 bytes between the pieces in memory, as between payloads
	 * in a capture: no two pieces merge into one iovec */
	for (size_t k = 0; k < pieces; k++) {
		size_t off = k * PIECE;
		uint32_t n = TOTAL - off < PIECE ? (uint32_t)(TOTAL - off) : PIECE;

		memcpy(src + k * (PIECE + GAP), want + off, n);
		memset(src + k * (PIECE + GAP) + n, 0xee, GAP);
	}
	for (size_t k = 0; k < pieces; k++) {
		size_t off = k * PIECE;
		uint32_t n = TOTAL - off < PIECE ? (uint32_t)(TOTAL - off) : PIECE;

		session_file_write_ref(w, f, off, src + k * (PIECE + GAP), n, 0);
	}
	session_file_end(w, f, NULL, 0);
	assert_int_equal(session_writer_flush(w, &err), 0);
	session_writer_get_stats(w, &st);
	print_message("queue peak %llu bytes\n", (unsigned long long)st.queue_peak);
	assert_true(st.queue_peak <= (16u << 20) + (1u << 20) + 2048);
	assert_true(st.queue_peak >= (8u << 20));
	assert_int_equal(st.bytes, TOTAL);
	assert_int_equal(session_writer_close(w, &err), 0);
	assert_int_equal(slurp(d, "192.000.002.001.04000-192.000.002.002.00080", back, TOTAL), TOTAL);
	assert_memory_equal(back, want, TOTAL);
	free(src);
	free(want);
	free(back);
	rmtree(d);
	free(d);
}

/*
 * batch_wakeups and the index window: session A's writes and end (15
 * operations, 910 KB: under both wake-up thresholds) sit in one I/O
 * thread's queue, which is never woken for them, while the 1100 sessions
 * after it go to the other, emptier thread and end.  At 1024 lines
 * waiting for A's, the caller waits for room in the window: it must wake
 * A's thread first, or wait for ever (alarm: the test fails in 30 s
 * instead).  Then every line is there, A's first, and A's file whole.
 */
static void
test_writer_batch_index_window(void **state)
{
	enum { PIECE = 64 * 1024, PIECES = 14, N = 1100 };
	static uint8_t data[PIECE * PIECES];
	char *d = tmpdir();
	struct session_writer_config cfg;
	struct session_writer *w;
	struct session_file *a, *b;
	struct session_info i;
	struct error err;
	uint8_t *back = malloc(sizeof(data) + 1);
	char cmd[1024];

	(void)state;
	assert_non_null(back);
	for (size_t k = 0; k < sizeof(data); k++)
		data[k] = (uint8_t)(k * 2654435761u >> 24);
	session_writer_config_default(&cfg);
	cfg.dir = d;
	cfg.io_threads = 2;
	cfg.batch_wakeups = 1;
	cfg.create_inline = 1;	/* (else new files go to the thread their name hashes to) */
	cfg.set_mtime = 0;
	w = session_writer_new(&cfg, &err);
	assert_non_null(w);
	alarm(30);
	info_v4(&i, "192.0.2.1", 1000, "192.0.2.2", 80);
	a = session_file_begin(w, &i);
	assert_non_null(a);
	for (int k = 0; k < PIECES; k++)
		session_file_write(w, a, (uint64_t)k * PIECE, data + (size_t)k * PIECE, PIECE, 0);
	session_file_end(w, a, NULL, 0);
	for (int k = 0; k < N; k++) {
		info_v4(&i, "192.0.2.1", (uint16_t)(2000 + k), "192.0.2.2", 80);
		i.flow_id = (uint64_t)k + 1;
		b = session_file_begin(w, &i);
		assert_non_null(b);
		session_file_write(w, b, 0, data, 10, 0);
		session_file_end(w, b, NULL, 0);
	}
	assert_int_equal(session_writer_close(w, &err), 0);
	alarm(0);
	snprintf(cmd, sizeof(cmd), "test $(wc -l < '%s/sessions.json') -eq %d && "
	    "head -1 '%s/sessions.json' | grep -q '01000-192.000.002.002.00080'",
	    d, N + 1, d);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(slurp(d, "192.000.002.001.01000-192.000.002.002.00080", back,
	    sizeof(data) + 1), (long)sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	free(back);
	rmtree(d);
	free(d);
}

/*
 * Several I/O threads write the same files, under the same names (c1,
 * c2, ... in the same order), and the same sessions.json, line for line,
 * as the writer without threads.
 */
static void
test_writer_threads_same_output(void **state)
{
	static const uint32_t threads[] = { 1, 2, 3, 8 };
	char cmd[1024];

	(void)state;
	for (uint32_t seed = 1; seed <= 4; seed++) {
		int create_inline = seed & 1;
		uint32_t max_open = seed <= 2 ? 256 : 5;	/* 5: files closed and reopened */
		char *ref = tmpdir();

		shard_script(ref, 0, create_inline, max_open, seed, 0);
		/* the script makes many files and reuses names */
		snprintf(cmd, sizeof(cmd), "test $(ls '%s' | wc -l) -gt 100 && "
		    "ls '%s' | grep -q 'c3$'", ref, ref);
		assert_int_equal(system(cmd), 0);
		for (size_t t = 0; t < 2 * sizeof(threads) / sizeof(threads[0]); t++) {
			char *d = tmpdir();
			/* each thread count with and without batch_wakeups */
			shard_script(d, threads[t / 2], create_inline, max_open, seed, (int)(t & 1));
			snprintf(cmd, sizeof(cmd), "diff -r '%s' '%s' >/dev/null", ref, d);
			assert_int_equal(system(cmd), 0);
			rmtree(d);
			free(d);
		}
		rmtree(ref);
		free(ref);
	}
}

int
main(void)
{
	static int inline_io = 1;	/* prestate: the writer without its I/O thread */
	static int stable = 1;		/* prestate: stable input */

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_writer_files),
		cmocka_unit_test_prestate(test_writer_files, &inline_io),
		cmocka_unit_test(test_writer_fd_cache),
		cmocka_unit_test_prestate(test_writer_fd_cache, &inline_io),
		cmocka_unit_test(test_writer_ref_mixed),
		cmocka_unit_test_prestate(test_writer_ref_mixed, &inline_io),
		cmocka_unit_test(test_writer_ref_layout),
		cmocka_unit_test_prestate(test_writer_ref_layout, &inline_io),
		cmocka_unit_test(test_writer_threads_same_output),
		cmocka_unit_test(test_writer_queue_bytes_bound),
		cmocka_unit_test(test_writer_batch_index_window),
		cmocka_unit_test(test_tcpflow_stage),
		cmocka_unit_test(test_tcpflow_stable),
		cmocka_unit_test_prestate(test_tcpflow_stable, &stable),
		cmocka_unit_test(test_stream_stage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
