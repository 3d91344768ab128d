/* summary: apiary-logd's signer: a separate process that alone holds the Ed25519 key. */
#ifndef APIARY_LOGD_LOGD_SIGNER_H
#define APIARY_LOGD_LOGD_SIGNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"
#include "logd/logd_priv.h"

/*
 * Privilege separation for the checkpoint key: before the network-facing
 * process drops root, it forks a signer that keeps the private key and
 * does one thing -- sign the (at most LOGD_SIGN_MAX byte) checkpoint
 * headers it is sent over a SOCK_SEQPACKET pair -- and then forgets the
 * key itself.  An intruder who takes over the server process through a
 * parser bug can ask for signatures while it runs, but cannot carry the
 * key away to forge checkpoints later or elsewhere.  The signer drops to
 * the same user, chroots, is not dumpable (so that user cannot ptrace it),
 * and exits when the server goes away.
 */
#define LOGD_SIGN_MAX 1024

struct logd_signer {
	pid_t pid;
	int fd;
};

int logd_signer_start(struct logd_signer *s, void *key,
    const struct logd_priv *priv, const char *chroot_dir, struct error *err);
/* Store callback: returns 0 and the 64-byte signature, or -1. */
int logd_signer_sign(void *arg, const uint8_t *msg, size_t len,
    uint8_t sig[64]);
void logd_signer_stop(struct logd_signer *s);

#endif
