/* summary: TLS for RFC 5425 syslog: server context, peer checks, fingerprints. */
#ifndef APIARY_SYSLOG_SYSLOG_TLS_H
#define APIARY_SYSLOG_SYSLOG_TLS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "core/error.h"

/*
 * Peers are authenticated by certificate only (RFC 5425 section 5): a chain
 * to the configured CA, a SHA-256 fingerprint on an allow-list, or both
 * when both are configured.  TLS 1.2 and 1.3 only; no renegotiation, no
 * compression, no session tickets (nothing to resume on a log link).
 */
#define SYSLOG_TLS_FPR_LEN 32
#define SYSLOG_TLS_FPR_STRLEN (7 + SYSLOG_TLS_FPR_LEN * 3 + 1)

struct syslog_tls_server_opts {
	const char *ca_file;		/* NULL: fingerprints only */
	const char *cert_file;
	const char *key_file;
};

SSL_CTX *syslog_tls_server_ctx(const struct syslog_tls_server_opts *o,
    struct error *err);

/* SHA-256 over the DER certificate. */
int syslog_tls_fingerprint(X509 *cert, uint8_t out[SYSLOG_TLS_FPR_LEN]);
/* "SHA256:AB:CD:..." (rsyslog PermittedPeer form). */
void syslog_tls_fingerprint_str(const uint8_t fp[SYSLOG_TLS_FPR_LEN],
    char out[SYSLOG_TLS_FPR_STRLEN]);
/* Accepts "SHA256:AB:..", "sha-256:ab..", or 64 hex digits with or without ':'. */
int syslog_tls_fingerprint_parse(const char *s,
    uint8_t out[SYSLOG_TLS_FPR_LEN]);

/*
 * After a completed handshake: is the peer acceptable?  With require_ca the
 * chain must have verified; with nfpr > 0 the certificate's fingerprint must
 * be listed.  Returns 0 and the certificate CN (or "" if none) in cn, or -1
 * with the reason in err.
 */
int syslog_tls_peer_check(SSL *ssl, int require_ca,
    const uint8_t (*fprs)[SYSLOG_TLS_FPR_LEN], size_t nfpr, char *cn,
    size_t cnlen, struct error *err);

/* The first queued OpenSSL error (or `fallback`), queue cleared. */
const char *syslog_tls_errstr(char *out, size_t outlen, const char *fallback);

#endif
