/* summary: verification of a log store: hash chains, checkpoint signatures, tamper location. */
#ifndef APIARY_STORE_STORE_VERIFY_H
#define APIARY_STORE_STORE_VERIFY_H

#include <stdint.h>

#include "core/error.h"

enum store_tamper {
	STORE_INTACT,
	STORE_MODIFIED,		/* an entry's bytes changed */
	STORE_DELETED,		/* records missing from inside a segment */
	STORE_INSERTED,		/* an entry that the chain does not contain */
	STORE_REORDERED,	/* records present but out of order */
	STORE_TRUNCATED,	/* a segment lost its end */
	STORE_SEGMENT_REMOVED,	/* a whole segment file is missing */
};

struct store_verify_result {
	enum store_tamper kind;
	char file[128];			/* "sender/00000003.seg" */
	uint64_t record;		/* stored record number concerned */
	uint64_t offset;		/* byte offset in file */
	char detail[512];
	/* counts over what was checked */
	uint64_t segments, records, checkpoints;
	uint64_t unsealed;		/* records after the last checkpoint */
	uint64_t torn;			/* torn tails (crash) accepted */
	int signatures_checked;
};

const char *store_tamper_name(enum store_tamper k);

/*
 * Verifies one sender directory `dir/sender` (dir may be NULL when sender
 * is a path).  pubkey: EVP_PKEY (Ed25519) or NULL to check chains only.
 * Returns 0 intact, 1 altered (result says where), -1 error.
 */
int store_verify_sender(const char *dir, const char *sender, void *pubkey,
    struct store_verify_result *r, struct error *err);

#endif
