/* summary: benchmark sender: N TLS connections each sending numbered RFC 5424 messages, octet-counted. */
/*
 * usage: sender HOST PORT CA CERT KEY CONNECTIONS MESSAGES SIZE
 * Forks one process per connection; each sends MESSAGES messages of about
 * SIZE bytes in 64 KiB writes, then sends close_notify and waits for the
 * server to close (so the server has read everything).  Prints the wall
 * time of the whole run in seconds.  Used for apiary-logd and rsyslog alike.
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
run(const char *host, int port, const char *ca, const char *cert,
    const char *key, int id, long n, int size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char buf[1 << 16];
	char msg[4096], pad[4096];
	size_t len = 0;
	SSL *ssl;
	int fd;

	if (size > 2000)
		size = 2000;
	memset(pad, 'x', sizeof(pad));
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
	    SSL_CTX_use_certificate_file(ctx, cert, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	inet_pton(AF_INET, host, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		return 1;
	}
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	for (long i = 1; i <= n; i++) {
		int m = snprintf(msg, sizeof(msg), "<134>1 2026-11-26T12:00:00.000000Z "
		    "bench-%d benchapp 4242 MSG [meta sequenceId=\"%ld\"] ", id, i);
		int fill = size - m > 0 ? size - m : 1;
		int hl;

		memcpy(msg + m, pad, (size_t)fill);
		m += fill;
		if (len + (size_t)m + 16 > sizeof(buf)) {
			if (SSL_write(ssl, buf, (int)len) != (int)len) {
				fprintf(stderr, "write failed\n");
				return 1;
			}
			len = 0;
		}
		hl = snprintf(buf + len, 16, "%d ", m);
		memcpy(buf + len + hl, msg, (size_t)m);
		len += (size_t)hl + (size_t)m;
	}
	if (len > 0 && SSL_write(ssl, buf, (int)len) != (int)len)
		return 1;
	SSL_shutdown(ssl);
	while (SSL_read(ssl, buf, sizeof(buf)) > 0)
		;
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	return 0;
}

int
main(int argc, char **argv)
{
	int conns, size, fails = 0;
	long n;
	double t0;

	if (argc != 9) {
		fprintf(stderr, "usage: sender HOST PORT CA CERT KEY CONNECTIONS "
		    "MESSAGES SIZE\n");
		return 2;
	}
	conns = atoi(argv[6]);
	n = atol(argv[7]);
	size = atoi(argv[8]);
	t0 = now();
	for (int i = 0; i < conns; i++) {
		pid_t p = fork();

		if (p == 0)
			_exit(run(argv[1], atoi(argv[2]), argv[3], argv[4],
			    argv[5], i, n, size));
	}
	for (int i = 0; i < conns; i++) {
		int st;

		wait(&st);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fails++;
	}
	printf("%.3f\n", now() - t0);
	return fails ? 1 : 0;
}
