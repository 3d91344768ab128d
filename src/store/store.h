/* summary: the tamper-evident log store: per-sender hash-chained segments, signed checkpoints. */
#ifndef APIARY_STORE_STORE_H
#define APIARY_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * store_open() takes the store directory (kept open as a descriptor, so the
 * caller may chroot into it or drop privileges afterwards: every later file
 * operation is relative to it).  Records are buffered per sender and
 * written by store_flush(); store_tick() runs the clocks (checkpoints,
 * rotation, fsync) and should be called at least every second.
 */
enum store_fsync { STORE_FSYNC_CHECKPOINT, STORE_FSYNC_ALWAYS, STORE_FSYNC_NONE };

struct store_opts {
	uint64_t checkpoint_records;	/* default 10000 */
	uint64_t checkpoint_ns;		/* default 5 s */
	uint64_t segment_size;		/* default 64 MiB */
	uint64_t segment_ns;		/* default 1 day */
	enum store_fsync fsync;
	uint64_t fsync_ns;		/* at most this long unsynced; default 1 s */
	size_t max_senders;		/* default 1024 */
	void *sign_key;			/* EVP_PKEY Ed25519 (public part at least) */
};

/* Signs with a callback (e.g. a separate signer process) instead of
 * sign_key, which may then hold only the public key. */
typedef int (*store_sign_fn)(void *arg, const uint8_t *msg, size_t len,
    uint8_t sig[64]);

struct store_rec_in {
	const char *sender;		/* sanitised by the store */
	const char *peer;		/* "addr:port", may be NULL */
	uint64_t recv_ns;
	const void *raw;
	size_t len;
	uint64_t orig_len;		/* length before truncation */
	unsigned flags;			/* STORE_F_TRUNCATED / PLAIN / PARTIAL */
};

struct store_stats {
	uint64_t records, duplicates, checkpoints, rotations, gaps;
};

struct store;

struct store *store_open(const char *dir, const struct store_opts *o,
    struct error *err);
/* 1: stored; 0: a duplicate (same sequenceId and content), dropped. */
void store_set_signer(struct store *s, store_sign_fn fn, void *arg);
int store_append(struct store *s, const struct store_rec_in *in,
    struct error *err);
int store_flush(struct store *s, struct error *err);
int store_tick(struct store *s, struct error *err);
/* Final checkpoints, fsync, free.  Returns -1 if anything failed. */
int store_close(struct store *s, struct error *err);
const struct store_stats *store_stats(const struct store *s);

#endif
