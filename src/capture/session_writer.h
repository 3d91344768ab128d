/* summary: tcpflow-style session files: one file per TCP direction, plus sessions.json. */
#ifndef APIARY_CAPTURE_SESSION_WRITER_H
#define APIARY_CAPTURE_SESSION_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "net/addr.h"

/*
 * A session is one direction of one TCP connection, written to its own
 * file in the output folder under tcpflow 1.6's default name
 * (%A.%a-%B.%b%V%v%C%c):
 *
 *     192.168.001.002.01234-010.000.000.001.00080      IPv4: %03d octets, %05d ports
 *     2001:db8::1.04000-2001:db8::2.00022              IPv6: inet_ntop form
 *     ...00080--42                                     VLAN 42
 *     ...00080c1, ...00080c2                           the name was taken: next free count
 *
 * The file is created (O_EXCL, so an existing name moves on to c1, c2, ...)
 * at the first byte written, so a direction that carried no data has no
 * file, as with tcpflow.  Bytes are written at their stream offset: a gap
 * is a hole (zeros) when later data follows it, and nothing at the end.
 * Each closed session with a file adds one JSON line to DIR/sessions.json:
 *
 *   {"file":"...","flow_id":N,"community_id":"1:...","direction":"toserver",
 *    "src_ip":..,"src_port":..,"dest_ip":..,"dest_port":..,
 *    "first":"<EVE time>","last":"<EVE time>","bytes":N,"gaps":N,
 *    "gap_bytes":N,"out_of_order":N,"overlap_bytes":N,"conflict_bytes":N,
 *    "truncated":bool}
 *
 * Speed and bounds: bytes are copied into a buffer per session (`buffer`
 * bytes) and written with one pwrite per run -- or, with
 * session_file_write_ref(), not copied at all: the session keeps a list
 * of references (up to 1024 pieces or 1 MiB per run) written with one
 * pwritev.  Everything that touches the file system (creating, writing,
 * closing, sessions.json) runs on I/O threads (`io_threads`, default one
 * less than the CPUs, 2 to 4, and 1 on one CPU), each fed through a queue
 * of 128 operations or about 16 MiB (session_writer_reach()), so the
 * caller does not wait for the disk; a session's
 * operations run in the order they were made, names are given in the
 * order of the sessions' first bytes, and sessions.json lines come in
 * the order the sessions ended, whatever the threads do.  At most
 * `max_open` sessions hold a pending run and at most `max_open` files
 * are open at once (the least recently written is written out / closed,
 * and reopened when written again).  Memory, with T I/O threads:
 * (max_open + T * 129) * buffer bytes of buffers plus (max_open + T *
 * 129) * 16 KiB of iovec arrays at most, index lines waiting for an
 * earlier session's (1024 at most), plus a small record per session (the
 * caller bounds the number of sessions: the flow table does).  Calls are
 * for one thread (the caller's); the I/O threads are internal.
 *
 * Live use (the gateway's `sessions DIR`): session_writer_new() once,
 * session_file_begin() when a direction's first data is on its way,
 * session_file_write() for every in-order chunk (the stream engine's callback),
 * session_file_end() when the direction ends; session_writer_flush() from time
 * to time (data reaches the files; sessions.json is always complete up to
 * the last session_file_end), session_writer_close() at exit.  Write errors do
 * not stop the writer: they are counted and the first one is kept
 * (session_writer_error()).
 */

struct session_writer_config {
	const char *dir;	/* output folder; created (0755) if missing */
	uint64_t max_bytes;	/* bytes kept per file (tcpflow -b); 0 = all */
	uint32_t max_open;	/* open files at most (default 256, minimum 1) */
	uint32_t buffer;	/* write buffer per open file (default 64 KiB) */
	int no_index;		/* 1: no sessions.json */
	int set_mtime;		/* 1 (default): file time = first packet, as tcpflow */
	int no_thread;		/* 1: write on the caller's thread (default: an I/O thread) */
	int create_inline;	/* 1: the caller's thread creates the files, the I/O
				 * thread writes them (offline: spreads the work of
				 * two cores evenly); 0: all on the I/O thread */
	int balance;		/* 1: session_file_write_ref copies while the I/O
				 * thread is behind (see session_writer.c) */
	uint32_t io_threads;	/* I/O threads (0, default: the CPUs less one,
				 * 2 to 4; 1 on one CPU; at most 8 and max_open) */
	int batch_wakeups;	/* 1: an idle I/O thread is woken for a batch of
				 * operations, not for each (offline: fewer
				 * context switches; writes then lag the caller) */
};

/* What a session is; copied at session_file_begin. */
struct session_info {
	struct addr src, dst;	/* sender and receiver of this direction */
	uint16_t sport, dport;
	int vlan;		/* outer VLAN id, -1 if none */
	uint8_t toclient;	/* 0: initiator's direction, 1: the reply */
	uint64_t flow_id;
	const char *community_id;	/* may be NULL */
	uint64_t first_ns;
};

/* Counters reported in the index line at session_file_end. */
struct session_counts {
	uint64_t gaps, gap_bytes;
	uint64_t out_of_order;
	uint64_t overlap_bytes, conflict_bytes;
};

struct session_writer_stats {
	uint64_t sessions;	/* ended with a file */
	uint64_t files;		/* files created */
	uint64_t bytes;		/* bytes written to files */
	uint64_t clipped_bytes;	/* past max_bytes */
	uint64_t reopens;	/* files reopened after the cache closed them */
	uint64_t write_errors;
	uint32_t io_threads;	/* I/O threads writing (0: inline, no_thread) */
	uint64_t queue_peak;	/* most bytes one thread had queued (+1 KiB an op) */
};

struct session_writer;
struct session_file;

void session_writer_config_default(struct session_writer_config *cfg);
struct session_writer *session_writer_new(const struct session_writer_config *cfg,
    struct error *err);
/* Ends open sessions (counts all zero), flushes, closes.  -1 if any write failed. */
int session_writer_close(struct session_writer *w, struct error *err);
/* Writes buffered data and index lines out.  -1 on a write error. */
int session_writer_flush(struct session_writer *w, struct error *err);
const char *session_writer_error(const struct session_writer *w);	/* NULL if none */
void session_writer_get_stats(const struct session_writer *w, struct session_writer_stats *st);
/* How many bytes of queued runs the I/O threads may be behind the caller,
 * at most: a caller lending memory by reference keeps at least this much
 * behind it (0 without threads). */
uint64_t session_writer_reach(const struct session_writer *w);

/* A new session (no file until the first byte).  NULL only without memory. */
struct session_file *session_file_begin(struct session_writer *w, const struct session_info *info);
/* Data at a stream offset (in any order; later bytes overwrite).  ts_ns: its packet's time. */
void session_file_write(struct session_writer *w, struct session_file *s, uint64_t offset,
    const uint8_t *data, uint32_t len, uint64_t ts_ns);
/*
 * The same, without copying: the writer keeps a pointer to data, so the
 * caller promises that the bytes stay valid and unchanged until
 * session_writer_close() returns (offline: a capture kept mapped,
 * pcap_source_keep_mapped()).  The writer may still copy them: to extend
 * a copied run already pending for s, and with `balance` while the I/O
 * thread is behind.  Copied and referenced writes mix freely on one
 * session; they reach the file in the order they were made.
 */
void session_file_write_ref(struct session_writer *w, struct session_file *s,
    uint64_t offset, const uint8_t *data, uint32_t len, uint64_t ts_ns);
/* Bytes written so far: the file's length (max offset written, after clipping). */
uint64_t session_file_length(const struct session_file *s);
/* The file name (relative to the folder), "" while there is no file.
 * Waits for the I/O thread: for tests and rare paths, not per packet. */
const char *session_file_name(struct session_writer *w, struct session_file *s);
/*
 * Ends the session: its last bytes are written, the file closed, the index
 * line written (counts may be NULL), and s freed -- unless
 * session_file_keep(s) was called before: then s stays valid for
 * session_writer_matches() until session_file_release().
 */
void session_file_end(struct session_writer *w, struct session_file *s,
    const struct session_counts *counts, uint64_t last_ns);
void session_file_keep(struct session_file *s);
void session_file_release(struct session_writer *w, struct session_file *s);
/* 1 if s's file holds exactly data at offset (waits for the I/O thread). */
int session_writer_matches(struct session_writer *w, struct session_file *s,
    uint64_t offset, const uint8_t *data, uint32_t len);

/* tcpflow's name for a direction, without the c<count> suffix. */
void session_file_base_name(const struct session_info *info, char *out, size_t outlen);

#endif
