/* summary: reusable RFC 5425 syslog-over-TLS client (sender side, e.g. the agent). */
#ifndef APIARY_SYSLOG_SYSLOG_CLIENT_H
#define APIARY_SYSLOG_SYSLOG_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * A blocking client with timeouts, for a sender that owns a thread or a
 * simple loop.  It authenticates the server by its certificate: a chain to
 * ca_file whose subjectAltName (IP address when server_name is one, else
 * DNS name) matches server_name, and/or a pinned SHA-256 fingerprint.  It
 * presents cert_file/key_file as its client certificate.
 *
 * Delivery: syslog_client_send() writes one octet-counted frame completely
 * or fails; before writing it checks whether the server has closed the
 * link (so a restarted server loses nothing that could have been noticed).
 * After a failure the client is disconnected: call syslog_client_connect()
 * again (the caller decides on backoff) and resend what it has not seen
 * confirmed -- RFC 5425 has no acknowledgements, so resend with the same
 * meta sequenceId and the server drops the duplicates.
 */
struct syslog_client_opts {
	const char *host;		/* address or name to connect to */
	const char *port;		/* default "6514" */
	const char *server_name;	/* name checked in the server's cert; default host */
	const char *ca_file;		/* trust anchor (may be NULL if server_fpr) */
	const char *server_fpr;		/* optional "SHA256:.." pin */
	const char *cert_file;		/* client certificate (PEM) */
	const char *key_file;		/* its key (PEM) */
	int lf_framing;			/* 1: RFC 6587 LF frames instead of octet counting */
	uint64_t timeout_ns;		/* connect/handshake/write timeout; default 10 s */
};

struct syslog_client;

struct syslog_client *syslog_client_new(const struct syslog_client_opts *o,
    struct error *err);
void syslog_client_free(struct syslog_client *c);
/* Connects (closing any previous link) and completes the TLS handshake. */
int syslog_client_connect(struct syslog_client *c, struct error *err);
int syslog_client_connected(const struct syslog_client *c);
/* Frames and writes one message; on failure the link is closed. */
int syslog_client_send(struct syslog_client *c, const void *msg, size_t len,
    struct error *err);
/* Sends close_notify and closes. */
void syslog_client_close(struct syslog_client *c);

#endif
