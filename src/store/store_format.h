/* summary: the on-disk entry format of the log store (shared by writer, verify, reader). */
#ifndef APIARY_STORE_STORE_FORMAT_H
#define APIARY_STORE_STORE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * Every entry of a segment file (docs/log-store.md has the full picture):
 *
 *   off  size
 *     0     2  magic "AL"
 *     2     1  type: 'H' segment header, 'R' record, 'C' checkpoint
 *     3     1  flags (STORE_F_*)
 *     4     4  body length, big-endian (at most STORE_MAX_BODY)
 *     8     8  seq: stored record number (R), next record (H), last record (C)
 *    16     8  time, ns since the epoch (receive time for R)
 *    24    32  hash of the previous entry (the chain)
 *    56   len  body
 *  56+len  32  SHA-256 of bytes 0 .. 56+len
 *
 * The chain runs over all entries of one sender, across segments; the
 * first header of a sender chains from SHA-256("apiary-store-v1\0" sender).
 */
#define STORE_HDR_LEN 56
#define STORE_HASH_LEN 32
#define STORE_ENTRY_OVERHEAD (STORE_HDR_LEN + STORE_HASH_LEN)
#define STORE_MAX_BODY (16u << 20)
#define STORE_SIG_LEN 64
#define STORE_SENDER_MAX 64

#define STORE_T_HEADER 'H'
#define STORE_T_RECORD 'R'
#define STORE_T_CHECKPOINT 'C'

/* record flags */
#define STORE_F_TRUNCATED 0x01	/* message cut at the size limit */
#define STORE_F_GAP       0x02	/* sequenceIds were skipped before this one */
#define STORE_F_SEQRESET  0x04	/* the sender's sequenceId restarted */
#define STORE_F_PLAIN     0x08	/* legacy plain UDP/TCP, unauthenticated */
#define STORE_F_PARTIAL   0x10	/* the stream ended inside this message */
#define STORE_F_LATE      0x20	/* filled an earlier gap (out of order) */

/* checkpoint reasons (body) */
#define STORE_CK_PERIODIC 0
#define STORE_CK_ROTATE   1	/* closes the segment; a next one must follow */
#define STORE_CK_CLOSE    2	/* server shut down cleanly */
#define STORE_CK_RECOVER  3	/* written at start-up over an unsealed tail */

struct store_entry {
	const uint8_t *start;
	uint8_t type, flags;
	uint32_t len;
	uint64_t seq, time;
	const uint8_t *prev, *body, *hash;
	size_t total;			/* STORE_ENTRY_OVERHEAD + len */
};

/*
 * SHA-256 with the digest fetched once: OpenSSL 3's one-shot SHA256()
 * fetches (locks, allocates) on every call, which dominated small records.
 * Every `sha` argument below may be NULL (then the one-shot is used).
 */
struct store_sha {
	void *md;			/* EVP_MD */
	void *ctx;			/* EVP_MD_CTX */
};
int store_sha_init(struct store_sha *s);
void store_sha_free(struct store_sha *s);
void store_sha256(struct store_sha *s, const void *p, size_t n,
    uint8_t out[STORE_HASH_LEN]);

/* 1: decoded; 0: incomplete (need more bytes); -1: not an entry. */
int store_entry_decode(const uint8_t *p, size_t avail, struct store_entry *e);
int store_entry_hash_ok(const struct store_entry *e, struct store_sha *sha);

struct store_span {
	const uint8_t *ptr;
	size_t len;
};

struct store_record_body {
	struct store_span sender, peer, raw;
	uint32_t seqid, gap, orig_len;
};
struct store_header_body {
	struct store_span sender;
	uint32_t segno;
	uint64_t prev_len;		/* bytes of the previous segment in the chain */
};
struct store_checkpoint_body {
	struct store_span sender;
	uint32_t segno;
	uint64_t offset;		/* of this checkpoint in its segment */
	uint8_t reason;
	const uint8_t *sig;		/* Ed25519 over entry bytes before it */
	size_t signed_len;		/* how many bytes from e->start are signed */
};

int store_record_body_decode(const struct store_entry *e,
    struct store_record_body *r);
int store_header_body_decode(const struct store_entry *e,
    struct store_header_body *h);
int store_checkpoint_body_decode(const struct store_entry *e,
    struct store_checkpoint_body *c);

/* Appends an entry (hash computed) to out; hash_out gets its hash. */
int store_entry_append(struct buf *out, uint8_t type, uint8_t flags,
    uint64_t seq, uint64_t time_ns, const uint8_t prev[STORE_HASH_LEN],
    const void *body, size_t body_len, uint8_t hash_out[STORE_HASH_LEN],
    struct store_sha *sha);
/* Or in two steps, the body appended by the caller in between:
 * begin returns the entry's start offset in out, or -1. */
long store_entry_begin(struct buf *out, uint8_t type, uint8_t flags,
    uint64_t seq, uint64_t time_ns, const uint8_t prev[STORE_HASH_LEN]);
int store_entry_end(struct buf *out, long start,
    uint8_t hash_out[STORE_HASH_LEN], struct store_sha *sha);
void store_genesis(const char *sender, uint8_t out[STORE_HASH_LEN]);

/* Sender names: [A-Za-z0-9._-], 1..64, not starting with '.'. */
void store_sender_sanitize(const char *in, char out[STORE_SENDER_MAX + 1]);
int store_sender_valid(const char *s);
/* "00000042.seg" -> 42; 0 if the name is not a segment's. */
uint32_t store_segment_number(const char *name);

void store_put32(uint8_t *p, uint32_t v);
void store_put64(uint8_t *p, uint64_t v);
uint32_t store_get32(const uint8_t *p);
uint64_t store_get64(const uint8_t *p);

#endif
