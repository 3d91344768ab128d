/* summary: reusable RFC 5425 syslog-over-TLS client (sender side, e.g. the agent). */
#include "syslog/syslog_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/buf.h"
#include "syslog/syslog_frame.h"
#include "syslog/syslog_tls.h"

struct syslog_client {
	char *host, *port, *server_name;
	int lf_framing;
	int have_fpr;
	uint8_t fpr[SYSLOG_TLS_FPR_LEN];
	uint64_t timeout_ns;
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
	struct buf frame;
};

static int
accept_any_chain(int preverify, X509_STORE_CTX *ctx)
{
	(void)preverify;
	(void)ctx;
	return 1;
}

struct syslog_client *
syslog_client_new(const struct syslog_client_opts *o, struct error *err)
{
	struct syslog_client *c;
	char e[256];

	if (o->host == NULL || o->cert_file == NULL || o->key_file == NULL)
		return error_set(err, "syslog client: host, cert and key are "
		    "required"), NULL;
	if (o->ca_file == NULL && o->server_fpr == NULL)
		return error_set(err, "syslog client: a CA or a server "
		    "fingerprint is required"), NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return error_set(err, "out of memory"), NULL;
	c->fd = -1;
	buf_init(&c->frame, 0);
	c->host = strdup(o->host);
	c->port = strdup(o->port != NULL ? o->port : "6514");
	c->server_name = strdup(o->server_name != NULL ? o->server_name : o->host);
	c->lf_framing = o->lf_framing;
	c->timeout_ns = o->timeout_ns != 0 ? o->timeout_ns : 10000000000ull;
	if (c->host == NULL || c->port == NULL || c->server_name == NULL) {
		error_set(err, "out of memory");
		goto fail;
	}
	if (o->server_fpr != NULL) {
		if (syslog_tls_fingerprint_parse(o->server_fpr, c->fpr) < 0) {
			error_set(err, "syslog client: bad fingerprint '%s'",
			    o->server_fpr);
			goto fail;
		}
		c->have_fpr = 1;
	}
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL) {
		error_set(err, "tls: %s", syslog_tls_errstr(e, sizeof(e), "SSL_CTX_new"));
		goto fail;
	}
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(c->ctx, TLS1_3_VERSION);
	SSL_CTX_set_options(c->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	if (SSL_CTX_use_certificate_chain_file(c->ctx, o->cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey_file(c->ctx, o->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(c->ctx) != 1) {
		error_set(err, "tls: client certificate %s / key %s: %s",
		    o->cert_file, o->key_file,
		    syslog_tls_errstr(e, sizeof(e), "unusable"));
		goto fail;
	}
	if (o->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL) != 1) {
			error_set(err, "tls: CA %s: %s", o->ca_file,
			    syslog_tls_errstr(e, sizeof(e), "unreadable"));
			goto fail;
		}
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, accept_any_chain);
	}
	return c;
fail:
	syslog_client_free(c);
	return NULL;
}

void
syslog_client_close(struct syslog_client *c)
{
	if (c->ssl != NULL) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

void
syslog_client_free(struct syslog_client *c)
{
	if (c == NULL)
		return;
	syslog_client_close(c);
	SSL_CTX_free(c->ctx);
	buf_free(&c->frame);
	free(c->host);
	free(c->port);
	free(c->server_name);
	free(c);
}

int
syslog_client_connected(const struct syslog_client *c)
{
	return c->ssl != NULL;
}

static int
connect_timeout(int fd, const struct sockaddr *sa, socklen_t len,
    int timeout_ms)
{
	int flags = fcntl(fd, F_GETFL), soerr = 0;
	socklen_t sl = sizeof(soerr);
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	if (connect(fd, sa, len) < 0) {
		if (errno != EINPROGRESS)
			return -1;
		if (poll(&pfd, 1, timeout_ms) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
			return -1;
		if (soerr != 0) {
			errno = soerr;
			return -1;
		}
	}
	return fcntl(fd, F_SETFL, flags);
}

int
syslog_client_connect(struct syslog_client *c, struct error *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int timeout_ms = (int)(c->timeout_ns / 1000000), rc, saved = 0;
	struct timeval tv = { .tv_sec = (time_t)(c->timeout_ns / 1000000000ull),
	    .tv_usec = (suseconds_t)(c->timeout_ns % 1000000000ull / 1000) };
	unsigned char ipbuf[16];
	char e[256];

	syslog_client_close(c);
	rc = getaddrinfo(c->host, c->port, &hints, &res);
	if (rc != 0)
		return error_set(err, "%s:%s: %s", c->host, c->port,
		    gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (c->fd < 0)
			continue;
		if (connect_timeout(c->fd, ai->ai_addr, ai->ai_addrlen,
		    timeout_ms) == 0)
			break;
		saved = errno;
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		errno = saved;
		return error_errno(err, "connect %s:%s", c->host, c->port);
	}
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		error_set(err, "tls: %s", syslog_tls_errstr(e, sizeof(e), "SSL_new"));
		goto fail;
	}
	/* name check: IP SAN when the name is an address, else DNS SAN */
	if (inet_pton(AF_INET, c->server_name, ipbuf) == 1 ||
	    inet_pton(AF_INET6, c->server_name, ipbuf) == 1) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl),
		    c->server_name) != 1) {
			error_set(err, "tls: bad server address %s", c->server_name);
			goto fail;
		}
	} else {
		SSL_set_tlsext_host_name(c->ssl, c->server_name);
		if (SSL_set1_host(c->ssl, c->server_name) != 1) {
			error_set(err, "tls: bad server name %s", c->server_name);
			goto fail;
		}
	}
	if (SSL_connect(c->ssl) != 1) {
		long v = SSL_get_verify_result(c->ssl);

		if (v != X509_V_OK)
			error_set(err, "tls handshake with %s:%s: server "
			    "certificate: %s", c->host, c->port,
			    X509_verify_cert_error_string(v));
		else
			error_set(err, "tls handshake with %s:%s: %s", c->host,
			    c->port, syslog_tls_errstr(e, sizeof(e),
			    "connection closed"));
		goto fail;
	}
	if (c->have_fpr) {
		X509 *peer = SSL_get1_peer_certificate(c->ssl);
		uint8_t fp[SYSLOG_TLS_FPR_LEN];
		int ok = peer != NULL && syslog_tls_fingerprint(peer, fp) == 0 &&
		    memcmp(fp, c->fpr, sizeof(fp)) == 0;

		X509_free(peer);
		if (!ok) {
			error_set(err, "tls: server %s:%s: certificate "
			    "fingerprint does not match the pin", c->host, c->port);
			goto fail;
		}
	}
	return 0;
fail:
	ERR_clear_error();
	syslog_client_close(c);
	return -1;
}

/* Has the server closed the link (close_notify, FIN, RST)? */
static int
link_dead(struct syslog_client *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	char tmp[256];
	int flags, n, dead = 0;

	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	if (pfd.revents & (POLLERR | POLLHUP))
		return 1;
	flags = fcntl(c->fd, F_GETFL);
	if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return 0;
	n = SSL_read(c->ssl, tmp, sizeof(tmp));
	if (n <= 0) {
		int e = SSL_get_error(c->ssl, n);

		dead = !(e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE);
	}
	ERR_clear_error();
	fcntl(c->fd, F_SETFL, flags);
	return dead;
}

int
syslog_client_send(struct syslog_client *c, const void *msg, size_t len,
    struct error *err)
{
	size_t off = 0;

	if (c->ssl == NULL)
		return error_set(err, "syslog client: not connected");
	if (link_dead(c)) {
		syslog_client_close(c);
		return error_set(err, "%s:%s: server closed the connection",
		    c->host, c->port);
	}
	buf_reset(&c->frame);
	if (c->lf_framing) {
		if (buf_append(&c->frame, msg, len) < 0 ||
		    buf_append_byte(&c->frame, '\n') < 0)
			return error_set(err, "out of memory");
	} else if (syslog_frame_octet(&c->frame, msg, len) < 0) {
		return error_set(err, "out of memory");
	}
	while (off < c->frame.len) {
		int n = SSL_write(c->ssl, c->frame.data + off,
		    (int)(c->frame.len - off));

		if (n <= 0) {
			char e[256];

			error_set(err, "%s:%s: write: %s", c->host, c->port,
			    syslog_tls_errstr(e, sizeof(e), "connection lost"));
			syslog_client_close(c);
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}
