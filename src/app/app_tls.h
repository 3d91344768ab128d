/* summary: TLS handshake parser: ClientHello (SNI, version, JA3), ServerHello, Certificate. */
#ifndef APIARY_APP_APP_TLS_H
#define APIARY_APP_APP_TLS_H

#include <stddef.h>
#include <stdint.h>

/*
 * One struct tls_state per TLS connection, fed the reassembled bytes of
 * each direction in order.  It walks the record layer, gathers handshake
 * messages across records and parses the ClientHello (SNI, legacy and
 * supported versions, JA3 string and MD5 hash), the ServerHello (the
 * version chosen, TLS 1.3 through supported_versions) and the first
 * certificate of the Certificate message (subject, issuer, serial, SHA-1
 * fingerprint, validity) with OpenSSL.
 *
 * TLS 1.3 encrypts the Certificate message: for TLS 1.3 connections only
 * the ClientHello and ServerHello are visible, so subject/issuer stay empty.
 * Parsing of a direction stops at its ChangeCipherSpec (TLS <= 1.2) or at
 * the first encrypted record, and after a record that is not TLS.
 *
 * Memory: a direction buffers at most TLS_HS_MAX bytes of one handshake
 * message (larger messages are skipped and counted) and the 5 bytes of a
 * record header; the strings kept are fixed-size; the certificates of the
 * chain (DER, for tls.certs) are one copy of the Certificate message's
 * list, at most TLS_HS_MAX bytes.  So a connection costs at most
 * sizeof(struct tls_state) + 3 * TLS_HS_MAX bytes.
 */
#define TLS_HS_MAX (64 * 1024)
#define TLS_CERTS_MAX 8		/* certificates of the chain kept (tls.certs) */
#define TLS_STR_MAX 512
#define TLS_JA3_MAX 2048

#define TLS_EV_CLIENT_HELLO 0x01	/* tls_feed() result bits: what is new */
#define TLS_EV_SERVER_HELLO 0x02
#define TLS_EV_CERT 0x04
#define TLS_EV_DONE 0x08		/* both directions stopped (encrypted) */

struct tls_dir {
	uint8_t hdr[5];
	uint8_t hdr_len;
	uint32_t rec_left;		/* bytes left in the current record */
	uint8_t rec_type;
	uint8_t stopped;		/* encrypted or not TLS */
	uint8_t *hs;			/* handshake bytes gathered (TLS_HS_MAX) */
	uint32_t hs_len;
	uint32_t hs_skip;		/* bytes of an oversized message to skip */
};

struct tls_state {
	struct tls_dir d[2];		/* [0] client to server, [1] server to client */
	uint16_t record_version;	/* of the first record */
	uint16_t client_version;	/* ClientHello legacy_version */
	uint16_t version;		/* chosen: ServerHello (supported_versions) */
	uint8_t have_client_hello, have_server_hello, have_cert;
	char sni[TLS_STR_MAX];
	uint16_t sni_len;
	char ja3[TLS_JA3_MAX];		/* JA3 string */
	char ja3_hash[33];		/* MD5 hex */
	char ja3s[TLS_JA3_MAX];
	char ja3s_hash[33];
	char subject[TLS_STR_MAX];
	char issuer[TLS_STR_MAX];
	char serial[TLS_STR_MAX / 4];
	char fingerprint[60];		/* SHA-1, "aa:bb:..." */
	char notbefore[24], notafter[24];	/* "2024-01-02T03:04:05" */
	uint8_t *certs;			/* the certificate_list (DER certificates) */
	uint32_t cert_off[TLS_CERTS_MAX], cert_len[TLS_CERTS_MAX];
	uint8_t ncerts;
	uint32_t oversized;		/* handshake messages skipped (> TLS_HS_MAX) */
	uint8_t not_tls;		/* a record was not TLS */
};

void tls_state_init(struct tls_state *s);
void tls_state_free(struct tls_state *s);	/* frees the buffers; s can be reused after init */
/* In-order bytes of direction dir (0 or 1); returns TLS_EV_* bits, or -1 on allocation failure. */
int tls_feed(struct tls_state *s, int dir, const uint8_t *data, size_t len);
/* "TLS 1.2", "TLS 1.3", "TLSv1", "SSLv3", "UNDETERMINED" (Suricata's names). */
const char *tls_version_name(uint16_t v);
/* Protocol detection: does this start like a TLS/SSLv3 handshake record? */
int tls_plausible(const uint8_t *data, size_t len);

#endif
