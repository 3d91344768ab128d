/* summary: apiary-logd's server: listeners, TLS connections, event loop, privilege drop. */
#include "logd/logd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "core/timefmt.h"
#include "logd/logd_priv.h"
#include "logd/logd_signer.h"
#include "pki/pki.h"
#include "store/store.h"
#include "store/store_format.h"
#include "syslog/syslog_frame.h"
#include "syslog/syslog_tls.h"

/*
 * One thread, one epoll set, every socket non-blocking.  A connection is
 * served at most READ_BUDGET bytes per turn and then goes to the back of
 * the ready list, so a fast or hostile sender cannot starve the others;
 * a slow one costs nothing while it sends nothing.  Memory per connection
 * is bounded: the frame decoder holds at most max-message bytes, OpenSSL
 * its record buffers (released while idle), and a handshake that does not
 * finish within handshake-timeout is dropped.  Records go to the store as
 * they are framed; the store buffers them and is flushed once per turn.
 *
 * Authentication is bound to the listener: a TLS listener only ever yields
 * TLS connections checked by syslog_tls_peer_check(); the legacy plain
 * listeners only accept addresses on the allow-list and their records are
 * flagged unauthenticated (STORE_F_PLAIN).
 */
#define READ_BUDGET (256u << 10)
#define READ_CHUNK (16u << 10)
#define MAX_EVENTS 64

enum obj_kind { K_TLS_LISTEN, K_TCP_LISTEN, K_UDP, K_CONN };

struct listener {
	enum obj_kind kind;
	int fd;
};

struct conn {
	enum obj_kind kind;		/* K_CONN */
	int fd;
	SSL *ssl;			/* NULL: legacy plain TCP */
	int open;			/* handshake done */
	uint64_t deadline;
	char peer[ADDR_STRLEN + 8];
	char sender[STORE_SENDER_MAX + 1];
	struct syslog_frame_decoder *dec;
	uint64_t msgs;
	int ready;			/* in the ready list */
	int halfclosed;			/* we sent FIN (stopping) */
	int store_failed;		/* the store refused a record: close */
	uint32_t events;
	struct conn *prev, *next;	/* all connections */
	struct conn *rnext;		/* ready list */
};

struct logd {
	const struct logd_config *c;
	const struct logger *lg;
	struct logd_priv priv;
	SSL_CTX *ctx;
	void *sign_key;			/* private until the signer has it */
	void *pub_key;
	struct logd_signer signer;
	struct store *store;
	int ep;
	struct listener ls[LOGD_MAX_LISTEN + 2];
	size_t nls;
	struct conn *conns;
	size_t nconns;
	struct conn *ready_head, *ready_tail;
	uint8_t *chunk;
	uint64_t now_ns;		/* receive time of the current batch */
	uint64_t refusals_this_sec, refusal_sec, refusals_suppressed;
};

static void
sockaddr_text(const struct sockaddr_storage *sa, char out[ADDR_STRLEN + 8])
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		port = ntohs(in->sin_port);
		snprintf(out, ADDR_STRLEN + 8, "%s:%u", a, port);
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		port = ntohs(in6->sin6_port);
		snprintf(out, ADDR_STRLEN + 8, "[%s]:%u", a, port);
	} else {
		snprintf(out, ADDR_STRLEN + 8, "?");
	}
}

static int
sockaddr_addr(const struct sockaddr_storage *sa, struct addr *a)
{
	if (sa->ss_family == AF_INET) {
		addr_from_v4(a, (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr);
		return 0;
	}
	if (sa->ss_family == AF_INET6) {
		const uint8_t *b = ((const struct sockaddr_in6 *)(const void *)sa)
		    ->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    0xff, 0xff };

		if (memcmp(b, mapped, 12) == 0)
			addr_from_v4(a, b + 12);
		else
			addr_from_v6(a, b);
		return 0;
	}
	return -1;
}

static int
allowed(const struct logd *d, const struct sockaddr_storage *sa)
{
	struct addr a;

	if (sockaddr_addr(sa, &a) < 0)
		return 0;
	for (size_t i = 0; i < d->c->nallow; i++)
		if (prefix_contains(&d->c->allow[i], &a))
			return 1;
	return 0;
}

/* Refusals are all logged, at most 20 lines a second (then a summary). */
static void
refuse(struct logd *d, const char *peer, const char *fmt, const char *reason)
{
	uint64_t sec = time_mono_ns() / NSEC_PER_SEC;

	if (sec != d->refusal_sec) {
		if (d->refusals_suppressed > 0)
			log_warn(d->lg, "%llu more refusals not logged",
			    (unsigned long long)d->refusals_suppressed);
		d->refusal_sec = sec;
		d->refusals_this_sec = 0;
		d->refusals_suppressed = 0;
	}
	if (++d->refusals_this_sec > 20) {
		d->refusals_suppressed++;
		return;
	}
	log_warn(d->lg, "refused %s: %s%s", peer, fmt, reason);
}

static int
bind_socket(const struct logd_endpoint *ep, int type, struct error *err)
{
	int fd = socket(ep->sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return error_errno(err, "socket for %s", ep->text);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ep->sa.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&ep->sa, ep->salen) < 0) {
		error_errno(err, "bind %s", ep->text);
		close(fd);
		return -1;
	}
	if (type == SOCK_STREAM && listen(fd, 128) < 0) {
		error_errno(err, "listen %s", ep->text);
		close(fd);
		return -1;
	}
	return fd;
}

static int
add_listener(struct logd *d, enum obj_kind kind, const struct logd_endpoint *ep,
    struct error *err)
{
	struct listener *l = &d->ls[d->nls];
	struct epoll_event ev = { .events = EPOLLIN };

	l->kind = kind;
	l->fd = bind_socket(ep, kind == K_UDP ? SOCK_DGRAM : SOCK_STREAM, err);
	if (l->fd < 0)
		return -1;
	ev.data.ptr = l;
	if (epoll_ctl(d->ep, EPOLL_CTL_ADD, l->fd, &ev) < 0) {
		close(l->fd);
		return error_errno(err, "epoll");
	}
	d->nls++;
	return 0;
}

struct logd *
logd_new(const struct logd_config *c, const struct logger *lg, struct error *err)
{
	struct logd *d = calloc(1, sizeof(*d));
	struct syslog_tls_server_opts to = { c->ca, c->cert, c->key };
	struct store_opts so = c->store_opts;
	char pub[4200];

	if (d == NULL)
		return error_set(err, "out of memory"), NULL;
	d->c = c;
	d->lg = lg;
	d->ep = -1;
	d->signer.pid = -1;
	d->signer.fd = -1;
	d->chunk = malloc(READ_CHUNK);
	if (d->chunk == NULL) {
		error_set(err, "out of memory");
		goto fail;
	}
	if (logd_priv_lookup(c->user, &d->priv, err) < 0)
		goto fail;
	if ((d->ctx = syslog_tls_server_ctx(&to, err)) == NULL)
		goto fail;
	snprintf(pub, sizeof(pub), "%s.pub", c->signing_key);
	if ((d->sign_key = pki_ed25519_load_or_create(c->signing_key, pub,
	    err)) == NULL) {
		error_prefix(err, "signing key: ");
		goto fail;
	}
	{
		/* exercise the signer once while the whole file system and
		 * OpenSSL's providers are still reachable */
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		uint8_t sig[64];
		size_t sl = sizeof(sig);
		int ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL,
		    d->sign_key) == 1 && EVP_DigestSign(md, sig, &sl,
		    (const uint8_t *)"x", 1) == 1;

		EVP_MD_CTX_free(md);
		if (!ok) {
			error_set(err, "signing key %s cannot sign", c->signing_key);
			goto fail;
		}
	}
	if (logd_priv_prepare_store(&d->priv, c->store, err) < 0)
		goto fail;
	so.sign_key = d->sign_key;
	if ((d->store = store_open(c->store, &so, err)) == NULL)
		goto fail;
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->ep < 0) {
		error_errno(err, "epoll");
		goto fail;
	}
	for (size_t i = 0; i < c->nlisten; i++)
		if (add_listener(d, K_TLS_LISTEN, &c->listen[i], err) < 0)
			goto fail;
	if (c->has_legacy_tcp && add_listener(d, K_TCP_LISTEN, &c->legacy_tcp,
	    err) < 0)
		goto fail;
	if (c->has_legacy_udp && add_listener(d, K_UDP, &c->legacy_udp, err) < 0)
		goto fail;
	return d;
fail:
	logd_free(d);
	return NULL;
}

/* The public half alone, for the store once the private key is gone. */
static void *
public_only(void *key)
{
	uint8_t pub[32];
	size_t len = sizeof(pub);

	if (EVP_PKEY_get_raw_public_key(key, pub, &len) != 1)
		return NULL;
	return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, len);
}

int
logd_drop_privileges(struct logd *d, struct error *err)
{
	/* the signer takes the private key; this process keeps no copy */
	if (logd_signer_start(&d->signer, d->sign_key, &d->priv,
	    d->c->chroot ? d->c->store : NULL, err) < 0)
		return -1;
	if ((d->pub_key = public_only(d->sign_key)) == NULL)
		return error_set(err, "signing key: no public half");
	store_set_signer(d->store, logd_signer_sign, &d->signer);
	pki_key_free(d->sign_key);
	d->sign_key = NULL;
	if (!d->priv.active) {
		if (d->c->user != NULL)
			log_warn(d->lg, "not running as root: staying the "
			    "current user (not '%s')", d->c->user);
		return 0;
	}
	return logd_priv_drop(&d->priv, d->c->chroot ? d->c->store : NULL, err);
}

static void
conn_close(struct logd *d, struct conn *cn)
{
	if (cn->ssl != NULL) {
		if (cn->open && !cn->halfclosed)
			SSL_shutdown(cn->ssl);	/* close_notify, best effort */
		SSL_free(cn->ssl);
	}
	close(cn->fd);
	syslog_frame_decoder_free(cn->dec);
	if (cn->prev != NULL)
		cn->prev->next = cn->next;
	else
		d->conns = cn->next;
	if (cn->next != NULL)
		cn->next->prev = cn->prev;
	d->nconns--;
	if (cn->ready) {
		/* unlink from the ready list */
		struct conn **pp = &d->ready_head, *last = NULL;

		while (*pp != NULL && *pp != cn) {
			last = *pp;
			pp = &(*pp)->rnext;
		}
		if (*pp == cn) {
			*pp = cn->rnext;
			if (d->ready_tail == cn)
				d->ready_tail = last;
		}
	}
	ERR_clear_error();
	free(cn);
}

static void
ready_push(struct logd *d, struct conn *cn)
{
	if (cn->ready)
		return;
	cn->ready = 1;
	cn->rnext = NULL;
	if (d->ready_tail != NULL)
		d->ready_tail->rnext = cn;
	else
		d->ready_head = cn;
	d->ready_tail = cn;
}

static struct conn *
ready_pop(struct logd *d)
{
	struct conn *cn = d->ready_head;

	if (cn == NULL)
		return NULL;
	d->ready_head = cn->rnext;
	if (d->ready_head == NULL)
		d->ready_tail = NULL;
	cn->ready = 0;
	cn->rnext = NULL;
	return cn;
}

static void
want_events(struct logd *d, struct conn *cn, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = cn };

	if (cn->events == ev)
		return;
	if (epoll_ctl(d->ep, EPOLL_CTL_MOD, cn->fd, &e) == 0)
		cn->events = ev;
}

static int
on_frame(void *arg, const uint8_t *msg, size_t len, uint64_t orig_len,
    unsigned flags)
{
	struct conn *cn = ((void **)arg)[0];
	struct logd *d = ((void **)arg)[1];
	struct store_rec_in in = {
		.sender = cn->sender, .peer = cn->peer, .recv_ns = d->now_ns,
		.raw = msg, .len = len, .orig_len = orig_len,
	};
	struct error err;

	if (flags & SYSLOG_FRAME_TRUNCATED) {
		in.flags |= STORE_F_TRUNCATED;
		log_warn(d->lg, "%s (%s): message of %llu bytes truncated to %zu",
		    cn->peer, cn->sender, (unsigned long long)orig_len, len);
	}
	if (flags & SYSLOG_FRAME_PARTIAL)
		in.flags |= STORE_F_PARTIAL;
	if (cn->ssl == NULL)
		in.flags |= STORE_F_PLAIN;
	cn->msgs++;
	if (store_append(d->store, &in, &err) < 0) {
		/* one line per connection, not per message: close it */
		log_error(d->lg, "%s (%s): %s; closing", cn->peer, cn->sender,
		    err.msg);
		cn->store_failed = 1;
		return 1;
	}
	return 0;
}

static void
conn_eof(struct logd *d, struct conn *cn, const char *why)
{
	void *arg[2] = { cn, d };

	syslog_frame_finish(cn->dec, on_frame, arg);
	log_info(d->lg, "%s (%s): closed (%s), %llu messages", cn->peer,
	    cn->sender, why, (unsigned long long)cn->msgs);
	conn_close(d, cn);
}

/* Reads up to READ_BUDGET; returns -1 if the connection was closed. */
static int
conn_read(struct logd *d, struct conn *cn)
{
	void *arg[2] = { cn, d };
	size_t total = 0;

	cn->deadline = time_mono_ns() + d->c->idle_ns;
	while (total < READ_BUDGET) {
		int n;

		if (cn->ssl == NULL) {
			ssize_t r = read(cn->fd, d->chunk, READ_CHUNK);

			if (r == 0) {
				conn_eof(d, cn, "end of stream");
				return -1;
			}
			if (r < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return 0;
				conn_eof(d, cn, strerror(errno));
				return -1;
			}
			n = (int)r;
		} else {
			n = SSL_read(cn->ssl, d->chunk, READ_CHUNK);
			if (n <= 0) {
				int e = SSL_get_error(cn->ssl, n);

				if (e == SSL_ERROR_WANT_READ) {
					want_events(d, cn, EPOLLIN);
					return 0;
				}
				if (e == SSL_ERROR_WANT_WRITE) {
					want_events(d, cn, EPOLLIN | EPOLLOUT);
					return 0;
				}
				conn_eof(d, cn, e == SSL_ERROR_ZERO_RETURN ?
				    "close_notify" : "connection lost");
				return -1;
			}
		}
		d->now_ns = time_now_ns();
		if (syslog_frame_feed(cn->dec, d->chunk, (size_t)n, on_frame,
		    arg) < 0 && cn->store_failed) {
			conn_close(d, cn);
			return -1;
		}
		total += (size_t)n;
	}
	ready_push(d, cn);	/* more may be waiting: come back next turn */
	return 0;
}

static void
conn_handshake(struct logd *d, struct conn *cn)
{
	struct error err;
	int r = SSL_do_handshake(cn->ssl);
	char cn_name[256], e[256];

	if (r != 1) {
		int se = SSL_get_error(cn->ssl, r);
		long v;

		if (se == SSL_ERROR_WANT_READ) {
			want_events(d, cn, EPOLLIN);
			return;
		}
		if (se == SSL_ERROR_WANT_WRITE) {
			want_events(d, cn, EPOLLIN | EPOLLOUT);
			return;
		}
		v = SSL_get_verify_result(cn->ssl);
		if (v != X509_V_OK)
			refuse(d, cn->peer, "client certificate: ",
			    X509_verify_cert_error_string(v));
		else
			refuse(d, cn->peer, "TLS handshake: ",
			    syslog_tls_errstr(e, sizeof(e), "connection closed"));
		conn_close(d, cn);
		return;
	}
	if (syslog_tls_peer_check(cn->ssl, d->c->ca != NULL,
	    (const uint8_t (*)[SYSLOG_TLS_FPR_LEN])d->c->fpr, d->c->nfpr,
	    cn_name, sizeof(cn_name), &err) < 0) {
		refuse(d, cn->peer, "", err.msg);
		conn_close(d, cn);
		return;
	}
	store_sender_sanitize(cn_name, cn->sender);
	cn->open = 1;
	log_info(d->lg, "%s: accepted '%s' (%s)", cn->peer, cn->sender,
	    SSL_get_version(cn->ssl));
	conn_read(d, cn);
}

static void
conn_event(struct logd *d, struct conn *cn)
{
	if (cn->ssl != NULL && !cn->open)
		conn_handshake(d, cn);
	else
		conn_read(d, cn);
}

static void
accept_all(struct logd *d, struct listener *l)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		int fd = accept4(l->fd, (struct sockaddr *)&sa, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		char peer[ADDR_STRLEN + 8];
		struct conn *cn;
		struct epoll_event ev = { .events = EPOLLIN };

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn(d->lg, "accept: %s", strerror(errno));
			return;
		}
		sockaddr_text(&sa, peer);
		if (d->nconns >= d->c->max_connections) {
			refuse(d, peer, "connection limit reached", "");
			close(fd);
			continue;
		}
		if (l->kind == K_TCP_LISTEN && !allowed(d, &sa)) {
			refuse(d, peer, "legacy TCP: address not on the "
			    "legacy-allow list", "");
			close(fd);
			continue;
		}
		cn = calloc(1, sizeof(*cn));
		if (cn == NULL || (cn->dec = syslog_frame_decoder_new(
		    (size_t)d->c->max_message)) == NULL) {
			free(cn);
			close(fd);
			log_error(d->lg, "out of memory");
			return;
		}
		cn->kind = K_CONN;
		cn->fd = fd;
		snprintf(cn->peer, sizeof(cn->peer), "%s", peer);
		if (l->kind == K_TLS_LISTEN) {
			cn->ssl = SSL_new(d->ctx);
			if (cn->ssl == NULL || SSL_set_fd(cn->ssl, fd) != 1) {
				SSL_free(cn->ssl);
				syslog_frame_decoder_free(cn->dec);
				free(cn);
				close(fd);
				continue;
			}
			SSL_set_accept_state(cn->ssl);
			cn->deadline = time_mono_ns() + d->c->handshake_ns;
		} else {
			struct addr a;
			char as[ADDR_STRLEN];

			sockaddr_addr(&sa, &a);
			snprintf(cn->sender, sizeof(cn->sender), "plain-%s",
			    addr_str(&a, as));
			store_sender_sanitize(cn->sender, cn->sender);
			cn->open = 1;
			cn->deadline = time_mono_ns() + d->c->idle_ns;
		}
		ev.data.ptr = cn;
		cn->events = EPOLLIN;
		if (epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			SSL_free(cn->ssl);
			syslog_frame_decoder_free(cn->dec);
			free(cn);
			close(fd);
			continue;
		}
		cn->next = d->conns;
		if (d->conns != NULL)
			d->conns->prev = cn;
		d->conns = cn;
		d->nconns++;
		if (cn->ssl != NULL)
			conn_handshake(d, cn);
	}
}

static void
udp_read(struct logd *d, struct listener *l)
{
	size_t max = d->c->max_message;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		ssize_t n = recvfrom(l->fd, d->chunk, READ_CHUNK, MSG_TRUNC,
		    (struct sockaddr *)&sa, &sl);
		char peer[ADDR_STRLEN + 8], sender[STORE_SENDER_MAX + 1], as[ADDR_STRLEN];
		struct store_rec_in in = { 0 };
		struct addr a;
		struct error err;
		size_t len;

		if (n < 0)
			return;
		sockaddr_text(&sa, peer);
		if (!allowed(d, &sa)) {
			refuse(d, peer, "legacy UDP: address not on the "
			    "legacy-allow list", "");
			continue;
		}
		sockaddr_addr(&sa, &a);
		snprintf(sender, sizeof(sender), "plain-%s", addr_str(&a, as));
		store_sender_sanitize(sender, sender);
		len = (size_t)n > READ_CHUNK ? READ_CHUNK : (size_t)n;
		while (len > 0 && (d->chunk[len - 1] == '\n' ||
		    d->chunk[len - 1] == '\0'))
			len--;
		in.sender = sender;
		in.peer = peer;
		in.recv_ns = time_now_ns();
		in.raw = d->chunk;
		in.orig_len = (uint64_t)n;
		in.flags = STORE_F_PLAIN;
		if (len > max)
			len = max;
		in.len = len;
		if ((size_t)n > READ_CHUNK || (size_t)n > max)
			in.flags |= STORE_F_TRUNCATED;
		if (store_append(d->store, &in, &err) < 0)
			refuse(d, peer, "store: ", err.msg);
	}
}

static void
check_timeouts(struct logd *d)
{
	uint64_t now = time_mono_ns();
	struct conn *cn = d->conns, *next;

	for (; cn != NULL; cn = next) {
		next = cn->next;
		if (now < cn->deadline)
			continue;
		if (!cn->open)
			refuse(d, cn->peer, "TLS handshake timed out", "");
		else
			log_info(d->lg, "%s (%s): idle timeout, closing",
			    cn->peer, cn->sender);
		conn_close(d, cn);
	}
}

static int
turn(struct logd *d, int timeout_ms, int accept_new)
{
	struct epoll_event evs[MAX_EVENTS];
	int n, did = 0;

	if (d->ready_head != NULL)
		timeout_ms = 0;
	n = epoll_wait(d->ep, evs, MAX_EVENTS, timeout_ms);
	if (n < 0 && errno != EINTR)
		return -1;
	for (int i = 0; i < n; i++) {
		enum obj_kind k = *(enum obj_kind *)evs[i].data.ptr;

		did = 1;
		if (k == K_CONN) {
			ready_push(d, evs[i].data.ptr);
		} else if (!accept_new) {
			continue;
		} else if (k == K_UDP) {
			udp_read(d, evs[i].data.ptr);
		} else {
			accept_all(d, evs[i].data.ptr);
		}
	}
	/* serve each connection that was ready at the start of this turn once */
	{
		struct conn *stop = d->ready_tail, *cn;

		while (stop != NULL && (cn = ready_pop(d)) != NULL) {
			int last = cn == stop;

			did = 1;
			conn_event(d, cn);
			if (last)
				break;
		}
	}
	return did;
}

int
logd_run(struct logd *d, volatile sig_atomic_t *stop, struct error *err)
{
	uint64_t last_tick = time_mono_ns(), quiet_since;
	struct error serr;

	while (!*stop) {
		uint64_t now;

		if (turn(d, 200, 1) < 0)
			return error_errno(err, "epoll_wait");
		if (store_flush(d->store, &serr) < 0)
			log_error(d->lg, "%s", serr.msg);
		now = time_mono_ns();
		if (now - last_tick >= 200000000ull) {
			last_tick = now;
			check_timeouts(d);
			if (store_tick(d->store, &serr) < 0)
				log_error(d->lg, "%s", serr.msg);
		}
	}
	/*
	 * Stop without losing what is in flight.  RFC 5425 has no acks, so
	 * a sender learns that we went away only from the connection.  We
	 * half-close each connection with a bare FIN (no close_notify: a
	 * pending TLS alert would hide the FIN from rsyslog's MSG_PEEK
	 * liveness check) and keep reading until the sender closes its side
	 * -- it does so before its next write, keeping that message queued
	 * for its reconnection -- or until 2 s have passed.
	 */
	for (size_t i = 0; i < d->nls; i++) {
		epoll_ctl(d->ep, EPOLL_CTL_DEL, d->ls[i].fd, NULL);
		close(d->ls[i].fd);
	}
	d->nls = 0;
	{
		struct conn *cn = d->conns, *next;

		for (; cn != NULL; cn = next) {
			next = cn->next;
			if (!cn->open) {
				conn_close(d, cn);
				continue;
			}
			shutdown(cn->fd, SHUT_WR);
			cn->halfclosed = 1;
			ready_push(d, cn);
		}
	}
	quiet_since = time_mono_ns();
	while (d->nconns > 0 && time_mono_ns() - quiet_since < 2000000000ull)
		turn(d, 50, 0);
	while (d->conns != NULL)
		conn_eof(d, d->conns, "server stopping");
	if (store_flush(d->store, &serr) < 0)
		log_error(d->lg, "%s", serr.msg);
	return 0;
}

void
logd_free(struct logd *d)
{
	struct error err;

	if (d == NULL)
		return;
	while (d->conns != NULL)
		conn_close(d, d->conns);
	for (size_t i = 0; i < d->nls; i++)
		close(d->ls[i].fd);
	if (d->store != NULL && store_close(d->store, &err) < 0)
		log_error(d->lg, "%s", err.msg);
	logd_signer_stop(&d->signer);
	pki_key_free(d->pub_key);
	if (d->ep >= 0)
		close(d->ep);
	SSL_CTX_free(d->ctx);
	pki_key_free(d->sign_key);
	free(d->chunk);
	free(d);
}
