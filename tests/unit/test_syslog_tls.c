/* summary: unit tests for syslog TLS: server context, peer checks, and the reusable client. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "pki/pki.h"
#include "syslog/syslog_client.h"
#include "syslog/syslog_frame.h"
#include "syslog/syslog_tls.h"

static char dir[64], dir2[80];

struct server {
	SSL_CTX *ctx;
	int lfd;
	char port[8];
	int accepted, refused, frames;
	char cn[256];
	char why[256];
	pthread_t th;
};

static int
count(void *arg, const uint8_t *m, size_t len, uint64_t orig, unsigned fl)
{
	(*(int *)arg)++;
	return 0;
}

/* serves one connection */
static void *
serve(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->lfd, NULL, NULL);
	SSL *ssl = SSL_new(s->ctx);
	struct syslog_frame_decoder *d = syslog_frame_decoder_new(1024);
	struct error err;
	char buf[4096];
	int n;

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1 || syslog_tls_peer_check(ssl, 1, NULL, 0,
	    s->cn, sizeof(s->cn), &err) < 0) {
		long v = SSL_get_verify_result(ssl);

		snprintf(s->why, sizeof(s->why), "%s", v != X509_V_OK ?
		    X509_verify_cert_error_string(v) : "handshake");
		s->refused++;
	} else {
		s->accepted++;
		while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0)
			syslog_frame_feed(d, buf, (size_t)n, count, &s->frames);
	}
	SSL_free(ssl);
	close(fd);
	syslog_frame_decoder_free(d);
	ERR_clear_error();
	return NULL;
}

static void
server_start(struct server *s)
{
	struct syslog_tls_server_opts o;
	char ca[128], crt[128], key[128];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	struct error err;

	memset(s, 0, sizeof(*s));
	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	snprintf(crt, sizeof(crt), "%s/127.0.0.1.crt", dir);
	snprintf(key, sizeof(key), "%s/127.0.0.1.key", dir);
	o.ca_file = ca;
	o.cert_file = crt;
	o.key_file = key;
	s->ctx = syslog_tls_server_ctx(&o, &err);
	if (s->ctx == NULL)
		fail_msg("%s", err.msg);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 4), 0);
	getsockname(s->lfd, (struct sockaddr *)&sa, &sl);
	snprintf(s->port, sizeof(s->port), "%u", ntohs(sa.sin_port));
	pthread_create(&s->th, NULL, serve, s);
}

static void
server_stop(struct server *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
	SSL_CTX_free(s->ctx);
}

static int
setup(void **state)
{
	struct pki_issue_opts srv = { .server = 1 }, cli = { 0 };
	struct error err;

	snprintf(dir, sizeof(dir), "/tmp/test_tls.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(dir2, sizeof(dir2), "%s/other", dir);
	if (pki_init(dir, PKI_KEY_EC_P256, 0, &err) < 0 ||
	    pki_issue(dir, "127.0.0.1", &srv, &err) < 0 ||
	    pki_issue(dir, "hp-a", &cli, &err) < 0 ||
	    pki_init(dir2, PKI_KEY_EC_P256, 0, &err) < 0 ||
	    pki_issue(dir2, "intruder", &cli, &err) < 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct syslog_client *
client(const char *port, const char *d, const char *name, const char *sname,
    const char *fpr)
{
	static char ca[128], crt[128], key[128];
	struct syslog_client_opts o = { .host = "127.0.0.1", .port = port,
	    .server_name = sname, .timeout_ns = 5000000000ull };
	struct error err;
	struct syslog_client *c;

	snprintf(ca, sizeof(ca), "%s/ca.crt", dir);
	snprintf(crt, sizeof(crt), "%s/%s.crt", d, name);
	snprintf(key, sizeof(key), "%s/%s.key", d, name);
	o.ca_file = fpr == NULL ? ca : NULL;
	o.server_fpr = fpr;
	o.cert_file = crt;
	o.key_file = key;
	c = syslog_client_new(&o, &err);
	if (c == NULL)
		fail_msg("%s", err.msg);
	return c;
}

static void
test_client_send(void **state)
{
	struct server s;
	struct syslog_client *c;
	struct error err;

	server_start(&s);
	c = client(s.port, dir, "hp-a", NULL, NULL);
	if (syslog_client_connect(c, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(syslog_client_connected(c));
	for (int i = 0; i < 3; i++)
		assert_int_equal(syslog_client_send(c, "<13>1 - h a - - - x", 19,
		    &err), 0);
	syslog_client_close(c);
	server_stop(&s);
	assert_int_equal(s.accepted, 1);
	assert_string_equal(s.cn, "hp-a");
	assert_int_equal(s.frames, 3);
	assert_int_equal(syslog_client_send(c, "x", 1, &err), -1);
	syslog_client_free(c);
}

static void
test_client_checks_server_name(void **state)
{
	struct server s;
	struct syslog_client *c;
	struct error err;

	server_start(&s);
	c = client(s.port, dir, "hp-a", "192.0.2.9", NULL);
	assert_int_equal(syslog_client_connect(c, &err), -1);
	assert_non_null(strstr(err.msg, "certificate"));
	syslog_client_free(c);
	server_stop(&s);
	assert_int_equal(s.accepted, 0);
}

static void
test_client_fingerprint_pin(void **state)
{
	struct server s;
	struct syslog_client *c;
	struct error err;
	char crt[128];
	uint8_t fp[SYSLOG_TLS_FPR_LEN];
	char fs[SYSLOG_TLS_FPR_STRLEN];
	FILE *f;
	X509 *x;

	snprintf(crt, sizeof(crt), "%s/127.0.0.1.crt", dir);
	f = fopen(crt, "r");
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	syslog_tls_fingerprint(x, fp);
	X509_free(x);
	syslog_tls_fingerprint_str(fp, fs);
	server_start(&s);
	c = client(s.port, dir, "hp-a", NULL, fs);
	if (syslog_client_connect(c, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(syslog_client_send(c, "<13>pinned", 10, &err), 0);
	syslog_client_free(c);
	server_stop(&s);
	assert_int_equal(s.frames, 1);
	/* a wrong pin fails */
	fs[10] = fs[10] == 'A' ? 'B' : 'A';
	server_start(&s);
	c = client(s.port, dir, "hp-a", NULL, fs);
	assert_int_equal(syslog_client_connect(c, &err), -1);
	assert_non_null(strstr(err.msg, "fingerprint"));
	syslog_client_free(c);
	server_stop(&s);
}

static void
test_server_refuses_other_ca(void **state)
{
	struct server s;
	struct syslog_client *c;
	struct error err;

	server_start(&s);
	c = client(s.port, dir2, "intruder", NULL, NULL);
	syslog_client_connect(c, &err);	/* TLS 1.3: may "succeed" first */
	syslog_client_free(c);
	server_stop(&s);
	assert_int_equal(s.accepted, 0);
	assert_int_equal(s.refused, 1);
	assert_non_null(strstr(s.why, "issuer"));
}

static void
test_fingerprint_parse(void **state)
{
	uint8_t fp[SYSLOG_TLS_FPR_LEN], fp2[SYSLOG_TLS_FPR_LEN];
	char s[SYSLOG_TLS_FPR_STRLEN];

	for (int i = 0; i < SYSLOG_TLS_FPR_LEN; i++)
		fp[i] = (uint8_t)(i * 7 + 3);
	syslog_tls_fingerprint_str(fp, s);
	assert_int_equal(syslog_tls_fingerprint_parse(s, fp2), 0);
	assert_memory_equal(fp, fp2, sizeof(fp));
	assert_int_equal(syslog_tls_fingerprint_parse("sha-256:00", fp2), -1);
	assert_int_equal(syslog_tls_fingerprint_parse(
	    "0303030303030303030303030303030303030303030303030303030303030303",
	    fp2), 0);
	assert_int_equal(syslog_tls_fingerprint_parse(
	    "030303030303030303030303030303030303030303030303030303030303030303",
	    fp2), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_send),
		cmocka_unit_test(test_client_checks_server_name),
		cmocka_unit_test(test_client_fingerprint_pin),
		cmocka_unit_test(test_server_refuses_other_ca),
		cmocka_unit_test(test_fingerprint_parse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
