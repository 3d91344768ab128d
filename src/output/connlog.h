/* summary: Zeek-style conn.log (TSV with Zeek's header) of ended flows. */
#ifndef APIARY_OUTPUT_CONNLOG_H
#define APIARY_OUTPUT_CONNLOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"
#include "net/addr.h"

struct flow;

/*
 * The file starts with Zeek's header (#separator ... #fields, #types) and
 * ends with "#close <time>" from connlog_close().  One row per ended flow:
 * ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration
 * orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes
 * history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents.
 * See docs/conn-log.md for how each is derived.  Output is buffered
 * (CONNLOG_BUFFER bytes) and written with large writes.
 */
#define CONNLOG_BUFFER (256 * 1024)

struct connlog;

/* Truncates/creates path; open_ns is the "#open" time ("-" = stdout). */
struct connlog *connlog_open(const char *path, uint64_t open_ns, struct error *err);
/* Appends to path (created 0640) starting with a new header block, as
 * Zeek's concatenated logs: a restarted daemon keeps the earlier rows. */
struct connlog *connlog_open_append(const char *path, uint64_t open_ns, struct error *err);
/* Rows are appended to out (tests); out is not owned. */
struct connlog *connlog_new_buf(struct buf *out, uint64_t open_ns);
/* Sets Site::local_nets: local_orig/local_resp become T/F instead of "-". */
int connlog_set_local_nets(struct connlog *cl, const struct prefix *nets, size_t n,
    struct error *err);

int connlog_write(struct connlog *cl, const struct flow *f);
int connlog_flush(struct connlog *cl, struct error *err);
/* Writes "#close <close_ns>", flushes, closes, frees. */
int connlog_close(struct connlog *cl, uint64_t close_ns, struct error *err);

/* Zeek uid for a flow: "C" + base62 of its flow_id (so the two join). */
void connlog_uid(uint64_t flow_id, char out[16]);

#endif
