/* summary: a small honeynet PKI: CA, server and client certificates (OpenSSL 3). */
#include "pki/pki.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define CA_DAYS 3650
#define LEAF_DAYS 825

static int
ossl_error(struct error *err, const char *what)
{
	char e[256];
	unsigned long code = ERR_get_error();

	if (code != 0)
		ERR_error_string_n(code, e, sizeof(e));
	else
		snprintf(e, sizeof(e), "failed");
	ERR_clear_error();
	return error_set(err, "%s: %s", what, e);
}

static EVP_PKEY *
key_generate(enum pki_key_type type, struct error *err)
{
	EVP_PKEY *k = type == PKI_KEY_ED25519 ?
	    EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
	    EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	if (k == NULL)
		ossl_error(err, "key generation");
	return k;
}

/* Writes a private key with mode 0600, refusing to overwrite. */
static int
key_write(EVP_PKEY *k, const char *path, struct error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	FILE *f;
	int ok;

	if (fd < 0)
		return error_errno(err, "%s", path);
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return error_errno(err, "%s", path);
	}
	ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
	if (fclose(f) != 0 || !ok) {
		unlink(path);
		return ok ? error_errno(err, "%s", path) : ossl_error(err, path);
	}
	return 0;
}

static int
cert_write(X509 *x, const char *path, struct error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *f;
	int ok;

	if (fd < 0)
		return error_errno(err, "%s", path);
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return error_errno(err, "%s", path);
	}
	ok = PEM_write_X509(f, x) == 1;
	if (fclose(f) != 0 || !ok) {
		unlink(path);
		return ok ? error_errno(err, "%s", path) : ossl_error(err, path);
	}
	return 0;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value, struct error *err)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return ossl_error(err, "certificate extension");
	if (X509_add_ext(x, ext, -1) != 1) {
		X509_EXTENSION_free(ext);
		return ossl_error(err, "certificate extension");
	}
	X509_EXTENSION_free(ext);
	return 0;
}

static X509 *
cert_new(EVP_PKEY *key, const char *cn, int days, struct error *err)
{
	X509 *x = X509_new();
	ASN1_INTEGER *serial = NULL;
	BIGNUM *bn = BN_new();
	X509_NAME *name;

	if (x == NULL || bn == NULL)
		goto fail;
	/* 127-bit random positive serial (RFC 5280 4.1.2.2) */
	if (BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
	    (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    X509_set_serialNumber(x, serial) != 1)
		goto fail;
	if (X509_set_version(x, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -300) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) == NULL ||
	    X509_set_pubkey(x, key) != 1)
		goto fail;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		goto fail;
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	return x;
fail:
	ossl_error(err, "certificate");
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	X509_free(x);
	return NULL;
}

static int
cert_sign(X509 *x, EVP_PKEY *key, struct error *err)
{
	const EVP_MD *md = EVP_PKEY_is_a(key, "ED25519") ? NULL : EVP_sha256();

	if (X509_sign(x, key, md) <= 0)
		return ossl_error(err, "certificate signature");
	return 0;
}

static int
path_join(char *out, size_t outlen, const char *dir, const char *name,
    const char *ext, struct error *err)
{
	if ((size_t)snprintf(out, outlen, "%s/%s%s", dir, name, ext) >= outlen)
		return error_set(err, "%s/%s%s: path too long", dir, name, ext);
	return 0;
}

int
pki_init(const char *dir, enum pki_key_type type, int days, struct error *err)
{
	char kp[4096], cp[4096];
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int rc = -1;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return error_errno(err, "mkdir %s", dir);
	if (path_join(kp, sizeof(kp), dir, "ca", ".key", err) < 0 ||
	    path_join(cp, sizeof(cp), dir, "ca", ".crt", err) < 0)
		return -1;
	if (access(kp, F_OK) == 0 || access(cp, F_OK) == 0)
		return error_set(err, "%s: a CA already exists there", dir);
	if ((key = key_generate(type, err)) == NULL)
		return -1;
	if ((x = cert_new(key, "apiary honeynet CA", days > 0 ? days : CA_DAYS,
	    err)) == NULL)
		goto out;
	if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1) {
		ossl_error(err, "certificate");
		goto out;
	}
	if (add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0", err) < 0 ||
	    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign", err) < 0 ||
	    add_ext(x, x, NID_subject_key_identifier, "hash", err) < 0 ||
	    cert_sign(x, key, err) < 0)
		goto out;
	if (key_write(key, kp, err) < 0)
		goto out;
	if (cert_write(x, cp, err) < 0) {
		unlink(kp);
		goto out;
	}
	rc = 0;
out:
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static EVP_PKEY *
private_key_read(const char *path, struct error *err)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *k;

	if (f == NULL)
		return error_errno(err, "%s", path), NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		ossl_error(err, path);
	return k;
}

static X509 *
cert_read(const char *path, struct error *err)
{
	FILE *f = fopen(path, "re");
	X509 *x;

	if (f == NULL)
		return error_errno(err, "%s", path), NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		ossl_error(err, path);
	return x;
}

static int
name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 253 || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
		    c == ':' || c == '*'))
			return 0;
	}
	return strcmp(name, "ca") != 0;
}

int
pki_issue(const char *dir, const char *name, const struct pki_issue_opts *o,
    struct error *err)
{
	char kp[4096], cp[4096], cakp[4096], cacp[4096], san[300];
	EVP_PKEY *cakey = NULL, *key = NULL;
	X509 *ca = NULL, *x = NULL;
	unsigned char ip[16];
	int rc = -1;

	if (!name_ok(name))
		return error_set(err, "'%s': a name is a host name or an "
		    "address (letters, digits, . - _ :)", name);
	if (path_join(kp, sizeof(kp), dir, name, ".key", err) < 0 ||
	    path_join(cp, sizeof(cp), dir, name, ".crt", err) < 0 ||
	    path_join(cakp, sizeof(cakp), dir, "ca", ".key", err) < 0 ||
	    path_join(cacp, sizeof(cacp), dir, "ca", ".crt", err) < 0)
		return -1;
	if (access(kp, F_OK) == 0 || access(cp, F_OK) == 0)
		return error_set(err, "%s: already issued", cp);
	if ((cakey = private_key_read(cakp, err)) == NULL ||
	    (ca = cert_read(cacp, err)) == NULL)
		goto out;
	if ((key = key_generate(o->type, err)) == NULL)
		goto out;
	if ((x = cert_new(key, name, o->days > 0 ? o->days : LEAF_DAYS,
	    err)) == NULL)
		goto out;
	if (X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1) {
		ossl_error(err, "certificate");
		goto out;
	}
	if (inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1)
		snprintf(san, sizeof(san), "IP:%s", name);
	else
		snprintf(san, sizeof(san), "DNS:%s", name);
	if (add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE", err) < 0 ||
	    add_ext(x, ca, NID_key_usage, "critical,digitalSignature", err) < 0 ||
	    add_ext(x, ca, NID_ext_key_usage, o->server ? "serverAuth" :
	    "clientAuth", err) < 0 ||
	    add_ext(x, ca, NID_subject_alt_name, san, err) < 0 ||
	    add_ext(x, ca, NID_subject_key_identifier, "hash", err) < 0 ||
	    add_ext(x, ca, NID_authority_key_identifier, "keyid:always", err) < 0 ||
	    cert_sign(x, cakey, err) < 0)
		goto out;
	if (key_write(key, kp, err) < 0)
		goto out;
	if (cert_write(x, cp, err) < 0) {
		unlink(kp);
		goto out;
	}
	rc = 0;
out:
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	return rc;
}

int
pki_public_key_write(void *key, const char *path, struct error *err)
{
	char tmp[4200];
	FILE *f;
	int ok;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return error_set(err, "%s: path too long", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return error_errno(err, "%s", tmp);
	ok = PEM_write_PUBKEY(f, key) == 1;
	if (fclose(f) != 0 || !ok) {
		unlink(tmp);
		return ok ? error_errno(err, "%s", tmp) : ossl_error(err, tmp);
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return error_errno(err, "rename %s", path);
	}
	return 0;
}

void *
pki_ed25519_load_or_create(const char *path, const char *pub_path,
    struct error *err)
{
	EVP_PKEY *k;

	if (access(path, F_OK) == 0) {
		k = private_key_read(path, err);
		if (k != NULL && !EVP_PKEY_is_a(k, "ED25519")) {
			EVP_PKEY_free(k);
			return error_set(err, "%s: not an Ed25519 key", path), NULL;
		}
		if (k != NULL && pub_path != NULL && access(pub_path, F_OK) != 0 &&
		    pki_public_key_write(k, pub_path, err) < 0) {
			EVP_PKEY_free(k);
			return NULL;
		}
		return k;
	}
	if ((k = key_generate(PKI_KEY_ED25519, err)) == NULL)
		return NULL;
	if (key_write(k, path, err) < 0 ||
	    (pub_path != NULL && pki_public_key_write(k, pub_path, err) < 0)) {
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

void *
pki_public_key_load(const char *path, struct error *err)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *k;

	if (f == NULL)
		return error_errno(err, "%s", path), NULL;
	k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	if (k == NULL) {
		ERR_clear_error();
		rewind(f);
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	}
	fclose(f);
	if (k == NULL)
		ossl_error(err, path);
	else if (!EVP_PKEY_is_a(k, "ED25519")) {
		EVP_PKEY_free(k);
		return error_set(err, "%s: not an Ed25519 key", path), NULL;
	}
	return k;
}

void
pki_key_free(void *key)
{
	EVP_PKEY_free(key);
}
