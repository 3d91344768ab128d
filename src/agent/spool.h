/* summary: the agent's disk spool: every record kept in order until sent, bounded. */
#ifndef APIARY_AGENT_SPOOL_H
#define APIARY_AGENT_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

/*
 * Records are appended to segment files in the spool directory, each
 * record numbered by a 64-bit serial that never repeats (it survives
 * restarts: the newest segment holds the last one).  The sender reads
 * them back in order from any serial, so after an outage, or when it must
 * resend what the log server may have lost, it finds them on disk.
 *
 * Bound: at most max_bytes on disk.  When an append would cross it, the
 * oldest segment is deleted; records in it that were never sent are
 * counted as lost (spool_lost) -- the oldest go first, as the issue asks.
 * One lock makes it safe for one writer thread and one reader thread.
 */
#define SPOOL_SEGMENT_BYTES (1u << 20)
#define SPOOL_RECORD_MAX (256u << 10)

struct spool;

struct spool *spool_open(const char *dir, uint64_t max_bytes,
    struct error *err);
void spool_close(struct spool *s);
/* Appends msg as record number *serial (the next serial, returned). */
int spool_append(struct spool *s, const void *msg, size_t len,
    uint64_t *serial, struct error *err);
/*
 * Copies the first record with a serial > after into out (replacing its
 * content).  Returns 1 and sets *serial, 0 if there is none, -1 on error.
 */
int spool_read_after(struct spool *s, uint64_t after, struct buf *out,
    uint64_t *serial, struct error *err);
/* The last serial appended (0 for a new spool). */
uint64_t spool_last(struct spool *s);
/* Remembers that everything up to serial reached the server. */
int spool_set_sent(struct spool *s, uint64_t serial, struct error *err);
uint64_t spool_sent(struct spool *s);
/* Unsent records deleted because the spool was full. */
uint64_t spool_lost(struct spool *s);
uint64_t spool_bytes(struct spool *s);

#endif
