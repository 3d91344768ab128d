/* summary: SipHash-1-3, a keyed hash for tables fed by attackers. */
#ifndef APIARY_FLOW_SIPHASH_H
#define APIARY_FLOW_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Hash tables keyed by packet fields must not let a sender choose
 * colliding keys (one long chain turns every lookup into a list walk).
 * SipHash with a secret 128-bit key makes collisions unpredictable;
 * the 1-3 variant (one compression, three finalisation rounds) is what
 * Rust and Python use for hash tables: fast on short inputs.
 */
struct siphash_key {
	uint64_t k0, k1;
};

uint64_t siphash13(const struct siphash_key *key, const void *data, size_t len);
/* A random key from getrandom(2); a fixed one if that fails (returns -1). */
int siphash_key_random(struct siphash_key *key);

#endif
