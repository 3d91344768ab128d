/* summary: TLS for RFC 5425 syslog: server context, peer checks, fingerprints. */
#include "syslog/syslog_tls.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

const char *
syslog_tls_errstr(char *out, size_t outlen, const char *fallback)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		snprintf(out, outlen, "%s", fallback);
	else
		ERR_error_string_n(e, out, outlen);
	ERR_clear_error();
	return out;
}

/* Fingerprint-only mode: any chain may be presented; checked afterwards. */
static int
accept_any_chain(int preverify, X509_STORE_CTX *ctx)
{
	(void)preverify;
	(void)ctx;
	return 1;
}

SSL_CTX *
syslog_tls_server_ctx(const struct syslog_tls_server_opts *o, struct error *err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	char e[256];

	if (ctx == NULL) {
		error_set(err, "tls: %s", syslog_tls_errstr(e, sizeof(e), "SSL_CTX_new"));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_TICKET);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1) {
		error_set(err, "tls: certificate %s: %s", o->cert_file,
		    syslog_tls_errstr(e, sizeof(e), "unreadable"));
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, o->key_file, SSL_FILETYPE_PEM) != 1) {
		error_set(err, "tls: key %s: %s", o->key_file,
		    syslog_tls_errstr(e, sizeof(e), "unreadable"));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		error_set(err, "tls: key %s does not match certificate %s",
		    o->key_file, o->cert_file);
		goto fail;
	}
	if (o->ca_file != NULL) {
		STACK_OF(X509_NAME) *names;

		if (SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1) {
			error_set(err, "tls: CA %s: %s", o->ca_file,
			    syslog_tls_errstr(e, sizeof(e), "unreadable"));
			goto fail;
		}
		names = SSL_load_client_CA_file(o->ca_file);
		if (names != NULL)
			SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		SSL_CTX_set_verify_depth(ctx, 5);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_chain);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int
syslog_tls_fingerprint(X509 *cert, uint8_t out[SYSLOG_TLS_FPR_LEN])
{
	unsigned int n = 0;

	if (X509_digest(cert, EVP_sha256(), out, &n) != 1 ||
	    n != SYSLOG_TLS_FPR_LEN)
		return -1;
	return 0;
}

void
syslog_tls_fingerprint_str(const uint8_t fp[SYSLOG_TLS_FPR_LEN],
    char out[SYSLOG_TLS_FPR_STRLEN])
{
	static const char hex[] = "0123456789ABCDEF";
	char *p = out;

	memcpy(p, "SHA256:", 7);
	p += 7;
	for (size_t i = 0; i < SYSLOG_TLS_FPR_LEN; i++) {
		if (i > 0)
			*p++ = ':';
		*p++ = hex[fp[i] >> 4];
		*p++ = hex[fp[i] & 15];
	}
	*p = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
syslog_tls_fingerprint_parse(const char *s, uint8_t out[SYSLOG_TLS_FPR_LEN])
{
	size_t n = 0;

	if (strncasecmp(s, "sha256:", 7) == 0)
		s += 7;
	else if (strncasecmp(s, "sha-256:", 8) == 0)
		s += 8;
	while (*s != '\0') {
		int hi, lo;

		if (*s == ':') {
			s++;
			continue;
		}
		if (n >= SYSLOG_TLS_FPR_LEN || (hi = hexval(s[0])) < 0 ||
		    (lo = hexval(s[1])) < 0)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n == SYSLOG_TLS_FPR_LEN ? 0 : -1;
}

int
syslog_tls_peer_check(SSL *ssl, int require_ca,
    const uint8_t (*fprs)[SYSLOG_TLS_FPR_LEN], size_t nfpr, char *cn,
    size_t cnlen, struct error *err)
{
	X509 *peer = SSL_get1_peer_certificate(ssl);
	uint8_t fp[SYSLOG_TLS_FPR_LEN];
	char fs[SYSLOG_TLS_FPR_STRLEN];
	int rc = -1;

	cn[0] = '\0';
	if (peer == NULL)
		return error_set(err, "no client certificate");
	if (require_ca) {
		long v = SSL_get_verify_result(ssl);

		if (v != X509_V_OK) {
			error_set(err, "certificate not accepted: %s",
			    X509_verify_cert_error_string(v));
			goto out;
		}
	}
	if (syslog_tls_fingerprint(peer, fp) < 0) {
		error_set(err, "cannot hash the client certificate");
		goto out;
	}
	if (nfpr > 0) {
		size_t i;

		for (i = 0; i < nfpr; i++)
			if (memcmp(fprs[i], fp, SYSLOG_TLS_FPR_LEN) == 0)
				break;
		if (i == nfpr) {
			syslog_tls_fingerprint_str(fp, fs);
			error_set(err, "certificate fingerprint %s not in the "
			    "allow-list", fs);
			goto out;
		}
	}
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(peer),
	    NID_commonName, cn, (int)cnlen) < 0)
		cn[0] = '\0';
	rc = 0;
out:
	X509_free(peer);
	return rc;
}
