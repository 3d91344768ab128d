/* summary: unit tests for app/app_tls: ClientHello SNI and JA3, certificates, TLS 1.3, bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "app/app_tls.h"

static size_t
put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t
put24(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
	return 3;
}

/* Wraps a handshake message body into a handshake header. */
static size_t
hs(uint8_t *out, uint8_t type, const uint8_t *body, size_t n)
{
	out[0] = type;
	put24(out + 1, n);
	memcpy(out + 4, body, n);
	return n + 4;
}

/* One record of type t. */
static size_t
rec(uint8_t *out, uint8_t t, const uint8_t *body, size_t n)
{
	out[0] = t;
	out[1] = 3;
	out[2] = 1;
	put16(out + 3, n);
	memcpy(out + 5, body, n);
	return n + 5;
}

static size_t
client_hello(uint8_t *out)
{
	uint8_t b[512], e[256];
	size_t n = 0, en = 0;

	n += put16(b + n, 0x0303);
	memset(b + n, 0x11, 32);
	n += 32;
	b[n++] = 0;				/* session id */
	n += put16(b + n, 6);
	n += put16(b + n, 0x0a0a);		/* GREASE: not in JA3 */
	n += put16(b + n, 0x1301);
	n += put16(b + n, 0xc02f);
	b[n++] = 1;
	b[n++] = 0;				/* compression: null */
	en += put16(e + en, 0x1a1a);		/* GREASE extension */
	en += put16(e + en, 0);
	en += put16(e + en, 0);			/* server_name */
	en += put16(e + en, 16);
	en += put16(e + en, 14);
	e[en++] = 0;
	en += put16(e + en, 11);
	memcpy(e + en, "example.org", 11);
	en += 11;
	en += put16(e + en, 10);		/* supported_groups */
	en += put16(e + en, 6);
	en += put16(e + en, 4);
	en += put16(e + en, 29);
	en += put16(e + en, 23);
	en += put16(e + en, 11);		/* ec_point_formats */
	en += put16(e + en, 2);
	e[en++] = 1;
	e[en++] = 0;
	en += put16(e + en, 43);		/* supported_versions */
	en += put16(e + en, 3);
	e[en++] = 2;
	en += put16(e + en, 0x0304);
	n += put16(b + n, en);
	memcpy(b + n, e, en);
	n += en;
	return hs(out, 1, b, n);
}

static void
md5hex(const char *s, char out[33])
{
	unsigned char md[16];
	unsigned int n;

	EVP_Digest(s, strlen(s), md, &n, EVP_md5(), NULL);
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void
test_client_hello_split(void **state)
{
	uint8_t h[600], r[700];
	size_t hn = client_hello(h), rn;
	struct tls_state s;
	char want[33];
	int ev = 0;

	(void)state;
	tls_state_init(&s);
	/* the handshake message split over two records, fed byte by byte */
	rn = rec(r, 22, h, 20);
	rn += rec(r + rn, 22, h + 20, hn - 20);
	assert_true(tls_plausible(r, rn));
	for (size_t i = 0; i < rn; i++)
		ev |= tls_feed(&s, 0, r + i, 1);
	assert_true(ev & TLS_EV_CLIENT_HELLO);
	assert_string_equal(s.sni, "example.org");
	assert_int_equal(s.client_version, 0x0303);
	assert_string_equal(s.ja3, "771,4865-49199,0-10-11-43,29-23,0");
	md5hex(s.ja3, want);
	assert_string_equal(s.ja3_hash, want);
	tls_state_free(&s);
}

static X509 *
make_cert(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *nm;

	assert_non_null(k);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC, (const unsigned char *)"Apiary Test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"bad.example", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509_set_pubkey(x, k);
	X509_sign(x, k, EVP_sha256());
	EVP_PKEY_free(k);
	return x;
}

static void
test_server_certificate(void **state)
{
	uint8_t body[4096], msgs[4096], r[8192], sh[128];
	size_t n = 0, mn = 0, rn, shn = 0;
	unsigned char *der = NULL;
	int dl;
	X509 *x = make_cert();
	struct tls_state s;
	int ev;

	(void)state;
	dl = i2d_X509(x, &der);
	assert_true(dl > 0);
	/* ServerHello, TLS 1.2 */
	shn += put16(sh + shn, 0x0303);
	memset(sh + shn, 0x22, 32);
	shn += 32;
	sh[shn++] = 0;
	shn += put16(sh + shn, 0xc02f);
	sh[shn++] = 0;
	shn += put16(sh + shn, 0);
	mn += hs(msgs + mn, 2, sh, shn);
	/* Certificate: list<3> of cert<3> */
	n += put24(body + n, (size_t)dl + 3);
	n += put24(body + n, (size_t)dl);
	memcpy(body + n, der, (size_t)dl);
	n += (size_t)dl;
	mn += hs(msgs + mn, 11, body, n);
	rn = rec(r, 22, msgs, mn);
	tls_state_init(&s);
	ev = tls_feed(&s, 1, r, rn);
	assert_true(ev & TLS_EV_SERVER_HELLO);
	assert_true(ev & TLS_EV_CERT);
	assert_string_equal(tls_version_name(s.version), "TLS 1.2");
	assert_string_equal(s.subject, "O=Apiary Test, CN=bad.example");
	assert_string_equal(s.issuer, "O=Apiary Test, CN=bad.example");
	assert_string_equal(s.serial, "12:34");
	assert_int_equal(strlen(s.fingerprint), 59);
	assert_int_equal(strlen(s.notbefore), 19);
	assert_string_equal(s.ja3s, "771,49199,");
	/* the chain (one certificate) kept as DER for tls.certs */
	assert_int_equal(s.ncerts, 1);
	assert_int_equal(s.cert_len[0], (uint32_t)dl);
	assert_memory_equal(s.certs + s.cert_off[0], der, (size_t)dl);
	/* ChangeCipherSpec both ways: done */
	rn = rec(r, 20, (const uint8_t *)"\x01", 1);
	assert_false(tls_feed(&s, 0, r, rn) & TLS_EV_DONE);
	assert_true(tls_feed(&s, 1, r, rn) & TLS_EV_DONE);
	tls_state_free(&s);
	OPENSSL_free(der);
	X509_free(x);
}

static void
test_tls13_no_certificate(void **state)
{
	uint8_t sh[128], m[160], r[200];
	size_t shn = 0, rn;
	struct tls_state s;

	(void)state;
	shn += put16(sh + shn, 0x0303);
	memset(sh + shn, 0x33, 32);
	shn += 32;
	sh[shn++] = 0;
	shn += put16(sh + shn, 0x1301);
	sh[shn++] = 0;
	shn += put16(sh + shn, 6);
	shn += put16(sh + shn, 43);
	shn += put16(sh + shn, 2);
	shn += put16(sh + shn, 0x0304);
	rn = rec(r, 22, m, hs(m, 2, sh, shn));
	tls_state_init(&s);
	assert_true(tls_feed(&s, 1, r, rn) & TLS_EV_SERVER_HELLO);
	assert_string_equal(tls_version_name(s.version), "TLS 1.3");
	/* encrypted records follow: parsing stops, nothing more is read */
	rn = rec(r, 23, (const uint8_t *)"xxxxxxxx", 8);
	assert_int_equal(tls_feed(&s, 1, r, rn) & TLS_EV_CERT, 0);
	assert_int_equal(s.have_cert, 0);
	assert_int_equal(s.d[1].stopped, 1);
	tls_state_free(&s);
}

static void
test_oversized_and_garbage(void **state)
{
	static uint8_t r[20000];
	uint8_t hdr[9];
	struct tls_state s;
	size_t fed = 0;

	(void)state;
	tls_state_init(&s);
	/* a 100 KiB handshake message over records: skipped, counted */
	hdr[0] = 11;
	put24(hdr + 1, 100 * 1024);
	r[0] = 22; r[1] = 3; r[2] = 3;
	put16(r + 3, 4);
	memcpy(r + 5, hdr, 4);
	assert_true(tls_feed(&s, 1, r, 9) >= 0);
	memset(r, 0, sizeof(r));
	while (fed < 100 * 1024) {
		size_t n = 16384;
		if (n > 100 * 1024 - fed)
			n = 100 * 1024 - fed;
		r[0] = 22; r[1] = 3; r[2] = 3;
		put16(r + 3, n);
		assert_true(tls_feed(&s, 1, r, n + 5) >= 0);
		fed += n;
	}
	assert_int_equal(s.oversized, 1);
	assert_int_equal(s.have_cert, 0);
	assert_int_equal(s.d[1].stopped, 0);
	/* not TLS: stops */
	assert_true(tls_feed(&s, 0, (const uint8_t *)"GET / HTTP/1.1\r\n", 16) >= 0);
	assert_int_equal(s.not_tls, 1);
	assert_false(tls_plausible((const uint8_t *)"GET / HTTP/1.1\r\n", 16));
	tls_state_free(&s);
}

/* Regression (fuzzing): a second supported_groups with a bad count must not
 * pair its count with the first one's bytes. */
static void
test_repeated_extension(void **state)
{
	uint8_t b[256], e[64], h[300], r[320];
	size_t n = 0, en = 0, hn, rn;
	struct tls_state s;

	(void)state;
	n += put16(b + n, 0x0303);
	memset(b + n, 0x11, 32);
	n += 32;
	b[n++] = 0;
	n += put16(b + n, 2);
	n += put16(b + n, 0x1301);
	b[n++] = 1;
	b[n++] = 0;
	en += put16(e + en, 10);	/* supported_groups: 29 */
	en += put16(e + en, 4);
	en += put16(e + en, 2);
	en += put16(e + en, 29);
	en += put16(e + en, 10);	/* again, count 0xfffe in 2 bytes */
	en += put16(e + en, 2);
	en += put16(e + en, 0xfffe);
	n += put16(b + n, en);
	memcpy(b + n, e, en);
	n += en;
	hn = hs(h, 1, b, n);
	rn = rec(r, 22, h, hn);
	tls_state_init(&s);
	assert_true(tls_feed(&s, 0, r, rn) & TLS_EV_CLIENT_HELLO);
	assert_string_equal(s.ja3, "771,4865,10-10,29,");
	tls_state_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_hello_split),
		cmocka_unit_test(test_server_certificate),
		cmocka_unit_test(test_tls13_no_certificate),
		cmocka_unit_test(test_oversized_and_garbage),
		cmocka_unit_test(test_repeated_extension),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
