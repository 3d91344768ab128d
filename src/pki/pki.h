/* summary: a small honeynet PKI: CA, server and client certificates (OpenSSL 3). */
#ifndef APIARY_PKI_PKI_H
#define APIARY_PKI_PKI_H

#include <stdint.h>

#include "core/error.h"

/*
 * Layout of a PKI directory:
 *   ca.key  ca.crt            the CA (key mode 0600)
 *   NAME.key NAME.crt         issued certificates
 * NAME is the subject CN and the subjectAltName: an iPAddress when NAME
 * parses as an IPv4/IPv6 address, else a dNSName -- so a client checks the
 * server against the address or name it dials.
 */
enum pki_key_type { PKI_KEY_EC_P256, PKI_KEY_ED25519 };

struct pki_issue_opts {
	enum pki_key_type type;
	int server;			/* serverAuth (else clientAuth) */
	int days;			/* validity; 0 = default (825) */
};

int pki_init(const char *dir, enum pki_key_type type, int days,
    struct error *err);
int pki_issue(const char *dir, const char *name,
    const struct pki_issue_opts *o, struct error *err);

/* Ed25519 signing key for the store: loads path, or creates it (0600) and
 * writes the public key as PEM to pub_path.  Returns an EVP_PKEY *. */
void *pki_ed25519_load_or_create(const char *path, const char *pub_path,
    struct error *err);
/* Loads a PEM public key (or a private key's public half). */
void *pki_public_key_load(const char *path, struct error *err);
/* Writes the public half of key as PEM. */
int pki_public_key_write(void *key, const char *path, struct error *err);
void pki_key_free(void *key);

#endif
