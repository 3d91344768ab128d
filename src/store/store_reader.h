/* summary: reading a log store: records of one or all senders, with parsed syslog fields. */
#ifndef APIARY_STORE_STORE_READER_H
#define APIARY_STORE_STORE_READER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "syslog/syslog_msg.h"

/*
 * The API other commands use (log cat, session listing and replay, the
 * report):
 *
 *     struct store_filter f = { .sender = NULL, .since_ns = 0 };
 *     struct store_reader *r = store_reader_open("/var/lib/apiary/logs", &f, &err);
 *     struct store_record rec;
 *     while ((rc = store_reader_next(r, &rec, &err)) == 1)
 *             use(rec.sender, rec.msg.app_name, rec.msg.msg ...);
 *     store_reader_free(r);
 *
 * Records of several senders come merged by receive time; one sender's
 * come in stored order.  Everything in a record (and the spans of its
 * parsed `msg`) stays valid until the next call.  The reader checks each
 * entry's own hash and skips the rest of a segment at a damaged entry
 * (counted in store_reader_damaged); `apiary log verify` is the judge of
 * integrity.  Memory: one mapped segment per sender at a time.
 */
struct store_filter {
	const char *sender;		/* NULL: all */
	uint64_t since_ns, until_ns;	/* 0: unbounded */
};

struct store_record {
	const char *sender;
	const char *peer;		/* "addr:port" or "" */
	uint64_t seq;			/* stored record number */
	uint64_t recv_ns;
	uint32_t seqid;			/* sender's meta sequenceId, 0 = none */
	uint32_t gap;			/* sequenceIds missing before this one */
	uint32_t orig_len;		/* length before truncation */
	unsigned flags;			/* STORE_F_* */
	const uint8_t *raw;
	size_t raw_len;
	struct syslog_msg msg;		/* parsed from raw */
};

struct store_reader;

struct store_reader *store_reader_open(const char *path,
    const struct store_filter *f, struct error *err);
/* 1: a record; 0: no more; -1: error. */
int store_reader_next(struct store_reader *r, struct store_record *rec,
    struct error *err);
uint64_t store_reader_damaged(const struct store_reader *r);
void store_reader_free(struct store_reader *r);

/* Decodes the records of one segment image in memory (fuzzing, tools):
 * calls fn for each; stops at the first damaged entry.  Returns records. */
size_t store_records_in_buffer(const uint8_t *p, size_t len,
    void (*fn)(void *arg, const struct store_record *rec), void *arg);

#endif
