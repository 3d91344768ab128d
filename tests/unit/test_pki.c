/* summary: unit tests for pki: CA, issued certificates, names, key types, signing keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pki/pki.h"

static char dir[64];

static int
setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_pki.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static X509 *
read_cert(const char *name)
{
	char p[128];
	FILE *f;
	X509 *x;

	snprintf(p, sizeof(p), "%s/%s.crt", dir, name);
	f = fopen(p, "r");
	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static int
chain_ok(X509 *ca, X509 *leaf, const char *ip, const char *host)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok;

	X509_STORE_add_cert(st, ca);
	X509_STORE_CTX_init(ctx, st, leaf, NULL);
	if (ip != NULL)
		X509_VERIFY_PARAM_set1_ip_asc(X509_STORE_CTX_get0_param(ctx), ip);
	if (host != NULL)
		X509_VERIFY_PARAM_set1_host(X509_STORE_CTX_get0_param(ctx), host, 0);
	ok = X509_verify_cert(ctx) == 1;
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return ok;
}

static void
test_init_issue(void **state)
{
	struct pki_issue_opts srv = { .server = 1 }, cli = { 0 },
	    ed = { .type = PKI_KEY_ED25519 };
	struct error err;
	X509 *ca, *s, *c, *e;
	EVP_PKEY *pk;
	struct stat sb;
	char p[128];

	assert_int_equal(pki_init(dir, PKI_KEY_EC_P256, 0, &err), 0);
	assert_int_equal(pki_init(dir, PKI_KEY_EC_P256, 0, &err), -1);	/* exists */
	snprintf(p, sizeof(p), "%s/ca.key", dir);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(pki_issue(dir, "192.0.2.2", &srv, &err), 0);
	assert_int_equal(pki_issue(dir, "honeypot-a.example.net", &cli, &err), 0);
	assert_int_equal(pki_issue(dir, "hp-ed", &ed, &err), 0);
	assert_int_equal(pki_issue(dir, "hp-ed", &ed, &err), -1);	/* exists */
	assert_int_equal(pki_issue(dir, "../evil", &cli, &err), -1);
	assert_int_equal(pki_issue(dir, "ca", &cli, &err), -1);
	ca = read_cert("ca");
	s = read_cert("192.0.2.2");
	c = read_cert("honeypot-a.example.net");
	e = read_cert("hp-ed");
	/* the IP name is an iPAddress SAN: matches the address, not a host */
	assert_true(chain_ok(ca, s, "192.0.2.2", NULL));
	assert_false(chain_ok(ca, s, "192.0.2.3", NULL));
	assert_true(chain_ok(ca, c, NULL, "honeypot-a.example.net"));
	assert_false(chain_ok(ca, c, NULL, "other.example.net"));
	assert_true(chain_ok(ca, e, NULL, NULL));
	pk = X509_get0_pubkey(e);
	assert_true(EVP_PKEY_is_a(pk, "ED25519"));
	assert_true(EVP_PKEY_is_a(X509_get0_pubkey(s), "EC"));
	assert_int_equal(X509_check_purpose(s, X509_PURPOSE_SSL_SERVER, 0), 1);
	assert_int_equal(X509_check_purpose(c, X509_PURPOSE_SSL_CLIENT, 0), 1);
	assert_int_equal(X509_check_purpose(c, X509_PURPOSE_SSL_SERVER, 0), 0);
	assert_int_equal(X509_check_ca(ca), 1);
	assert_int_equal(X509_check_ca(c), 0);
	X509_free(ca);
	X509_free(s);
	X509_free(c);
	X509_free(e);
}

static void
test_signing_key(void **state)
{
	char kp[128], pp[128];
	struct error err;
	void *k1, *k2, *pub;
	struct stat sb;

	snprintf(kp, sizeof(kp), "%s/sign.key", dir);
	snprintf(pp, sizeof(pp), "%s/sign.key.pub", dir);
	k1 = pki_ed25519_load_or_create(kp, pp, &err);
	assert_non_null(k1);
	assert_int_equal(stat(kp, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	k2 = pki_ed25519_load_or_create(kp, pp, &err);	/* loads the same */
	assert_non_null(k2);
	assert_int_equal(EVP_PKEY_eq(k1, k2), 1);
	pub = pki_public_key_load(pp, &err);
	assert_non_null(pub);
	assert_int_equal(EVP_PKEY_eq(k1, pub), 1);
	assert_null(pki_public_key_load("/nonexistent", &err));
	pki_key_free(k1);
	pki_key_free(k2);
	pki_key_free(pub);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_issue),
		cmocka_unit_test(test_signing_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
