/* summary: `apiary pki`: make a honeynet CA and issue server/client certificates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cmd/commands.h"
#include "core/error.h"
#include "core/units.h"
#include "pki/pki.h"
#include "syslog/syslog_tls.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: apiary pki init DIR [--ed25519] [--days N]\n"
	    "       apiary pki issue DIR NAME [--server] [--ed25519] [--days N]\n"
	    "       apiary pki fingerprint CERT\n\n"
	    "init makes a CA (DIR/ca.key, DIR/ca.crt); issue makes DIR/NAME.key\n"
	    "and DIR/NAME.crt signed by it, with NAME as CN and subjectAltName\n"
	    "(an IP address when NAME is one, else a DNS name); --server for\n"
	    "the log server, client certificates otherwise.  Keys are ECDSA\n"
	    "P-256 unless --ed25519.  fingerprint prints a certificate's\n"
	    "SHA-256 fingerprint for apiary-logd's 'fingerprint' lines.\n"
	    "See docs/pki.md.\n");
}

static int
fingerprint(const char *path)
{
	FILE *f = fopen(path, "re");
	X509 *x;
	uint8_t fp[SYSLOG_TLS_FPR_LEN];
	char s[SYSLOG_TLS_FPR_STRLEN];

	if (f == NULL) {
		perror(path);
		return 1;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL || syslog_tls_fingerprint(x, fp) < 0) {
		fprintf(stderr, "apiary pki: %s: not a PEM certificate\n", path);
		X509_free(x);
		return 1;
	}
	X509_free(x);
	syslog_tls_fingerprint_str(fp, s);
	printf("%s\n", s);
	return 0;
}

int
cmd_pki(int argc, char **argv)
{
	struct pki_issue_opts o = { .type = PKI_KEY_EC_P256 };
	const char *pos[3];
	int npos = 0;
	struct error err;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--server") == 0) {
			o.server = 1;
		} else if (strcmp(argv[i], "--ed25519") == 0) {
			o.type = PKI_KEY_ED25519;
		} else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			uint64_t v;

			if (parse_uint(argv[++i], 1, 36500, &v) < 0) {
				fprintf(stderr, "apiary pki: --days: 1..36500\n");
				return 2;
			}
			o.days = (int)v;
		} else if (argv[i][0] == '-' || npos == 3) {
			usage(stderr);
			return 2;
		} else {
			pos[npos++] = argv[i];
		}
	}
	if (npos == 2 && strcmp(pos[0], "init") == 0) {
		if (pki_init(pos[1], o.type, o.days, &err) < 0) {
			fprintf(stderr, "apiary pki: %s\n", err.msg);
			return 1;
		}
		printf("CA created: %s/ca.crt (key %s/ca.key)\n", pos[1], pos[1]);
		return 0;
	}
	if (npos == 3 && strcmp(pos[0], "issue") == 0) {
		if (pki_issue(pos[1], pos[2], &o, &err) < 0) {
			fprintf(stderr, "apiary pki: %s\n", err.msg);
			return 1;
		}
		printf("issued: %s/%s.crt (key %s/%s.key)\n", pos[1], pos[2],
		    pos[1], pos[2]);
		return 0;
	}
	if (npos == 2 && strcmp(pos[0], "fingerprint") == 0)
		return fingerprint(pos[1]);
	usage(stderr);
	return 2;
}
