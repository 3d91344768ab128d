/* summary: apiary-logd's signer: a separate process that alone holds the Ed25519 key. */
#include "logd/logd_signer.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

static void
signer_main(int fd, void *key)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t req[LOGD_SIGN_MAX], sig[64];

	for (;;) {
		ssize_t n = recv(fd, req, sizeof(req), 0);
		size_t sl = sizeof(sig);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (md == NULL ||
		    EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1 ||
		    EVP_DigestSign(md, sig, &sl, req, (size_t)n) != 1 ||
		    sl != sizeof(sig))
			memset(sig, 0, sizeof(sig));	/* an invalid signature */
		if (send(fd, sig, sizeof(sig), MSG_NOSIGNAL) != (ssize_t)sizeof(sig))
			break;
	}
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	_exit(0);	/* no atexit handlers of the server's */
}

int
logd_signer_start(struct logd_signer *s, void *key,
    const struct logd_priv *priv, const char *chroot_dir, struct error *err)
{
	int sv[2];
	pid_t pid;

	s->pid = -1;
	s->fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return error_errno(err, "signer: socketpair");
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return error_errno(err, "signer: fork");
	}
	if (pid == 0) {
		struct error e;
		int maxfd = (int)sysconf(_SC_OPEN_MAX);

		/* keep only the socket and stderr */
		for (int fd = 3; fd < maxfd && fd < 65536; fd++)
			if (fd != sv[1])
				close(fd);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		signal(SIGTERM, SIG_IGN);	/* it ends when the server does */
		signal(SIGINT, SIG_IGN);
		if (logd_priv_drop(priv, chroot_dir, &e) < 0)
			_exit(1);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		signer_main(sv[1], key);
	}
	close(sv[1]);
	s->pid = pid;
	s->fd = sv[0];
	return 0;
}

int
logd_signer_sign(void *arg, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	struct logd_signer *s = arg;
	ssize_t n;

	if (len > LOGD_SIGN_MAX || s->fd < 0)
		return -1;
	if (send(s->fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	do
		n = recv(s->fd, sig, 64, 0);
	while (n < 0 && errno == EINTR);
	return n == 64 ? 0 : -1;
}

void
logd_signer_stop(struct logd_signer *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->pid > 0)
		waitpid(s->pid, NULL, 0);
	s->pid = -1;
}
