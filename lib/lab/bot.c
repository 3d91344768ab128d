/* summary: the lab's harmless "bot": many outbound TCP connects, pings, an exploit-like payload. */
/*
 * What `apiary lab attack` downloads onto the honeypot and runs, so that
 * the gateway's data control and IDS have something to stop.  It behaves
 * like the IRC bots of the Honeynet Project's papers, minus the harm:
 *
 *   1. sends one exploit-looking request (a NOP sled, "/bin/sh" and a
 *      marker) to the outside host's web server: the lab's outbound drop
 *      rule (lib/lab/lab.rules, sid 9000001) matches it;
 *   2. sends ICMP echo requests (raw socket; the intruder is root);
 *   3. tries to open BOT_CONNECTS new TCP connections, more than the lab's
 *      per-minute TCP limit, so the gateway drops the rest.
 *
 * Everything is bounded: a fixed number of attempts, each with a short
 * timeout, and the whole run ends within about BOT_MAX_SECONDS.  It only
 * talks to the address given (default 198.51.100.200, a documentation
 * address that exists only inside the lab).
 *
 * usage: bot [TARGET [CONNECTS]]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BOT_CONNECTS 40		/* the lab allows 20 new TCP connections a minute */
#define BOT_MAX_CONNECTS 200
#define BOT_PINGS 5
#define BOT_CC_PORT 6667	/* "IRC" */
#define BOT_HTTP_PORT 80
#define BOT_TIMEOUT_MS 1500
#define BOT_MAX_SECONDS 20

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Non-blocking connect with a timeout: 1 connected, 0 refused/timed out, -1 error. */
static int
connect_to(const struct in_addr *dst, int port, int *fdp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
	    .sin_addr = *dst };
	struct pollfd p;
	int fd, e = 0;
	socklen_t len = sizeof(e);

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		goto ok;
	if (errno != EINPROGRESS) {
		close(fd);
		return 0;
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, BOT_TIMEOUT_MS) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0 || e != 0) {
		close(fd);
		return 0;
	}
ok:
	*fdp = fd;
	return 1;
}

/* Step 1: the exploit-like request that the lab's drop rule matches. */
static void
send_exploit(const struct in_addr *dst)
{
	char req[512];
	size_t n = 0;
	int fd;

	n += (size_t)snprintf(req, sizeof(req), "GET /cgi-bin/");
	memset(req + n, 0x90, 64);		/* the NOP sled */
	n += 64;
	n += (size_t)snprintf(req + n, sizeof(req) - n,
	    "\x31\xc0\x50\x68//sh\x68/bin\x89\xe3 /bin/sh APIARY-LAB-EXPLOIT "
	    "HTTP/1.0\r\n\r\n");
	if (connect_to(dst, BOT_HTTP_PORT, &fd) != 1) {
		printf("bot: exploit: no connection\n");
		return;
	}
	if (write(fd, req, n) != (ssize_t)n)
		printf("bot: exploit: short write\n");
	else
		printf("bot: exploit sent (%zu bytes)\n", n);
	/* wait briefly for an answer (there is none when the IDS drops it) */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, BOT_TIMEOUT_MS) == 1) {
		char buf[64];
		ssize_t r = read(fd, buf, sizeof(buf));
		printf("bot: exploit answered (%zd bytes)\n", r);
	} else {
		printf("bot: exploit: no answer\n");
	}
	close(fd);
}

static unsigned short
icmp_sum(const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned long sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (unsigned long)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (unsigned long)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((unsigned short)~sum);
}

/* Step 2: ICMP echo requests; counts the replies. */
static void
send_pings(const struct in_addr *dst)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = *dst };
	unsigned char pkt[64], rbuf[256];
	int fd, replies = 0;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0) {
		printf("bot: ping: %s\n", strerror(errno));
		return;
	}
	for (int i = 0; i < BOT_PINGS; i++) {
		struct icmphdr *h = (struct icmphdr *)pkt;
		memset(pkt, 0, sizeof(pkt));
		h->type = ICMP_ECHO;
		h->un.echo.id = htons((unsigned short)getpid());
		h->un.echo.sequence = htons((unsigned short)(i + 1));
		memcpy(pkt + sizeof(*h), "apiary-lab-bot", 14);
		h->checksum = icmp_sum(pkt, sizeof(pkt));
		if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sa,
		    sizeof(sa)) < 0)
			continue;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 300) == 1 && recv(fd, rbuf, sizeof(rbuf), 0) > 0)
			replies++;
	}
	printf("bot: %d pings, %d answers\n", BOT_PINGS, replies);
	close(fd);
}

int
main(int argc, char **argv)
{
	const char *target = argc > 1 ? argv[1] : "198.51.100.200";
	int connects = argc > 2 ? atoi(argv[2]) : BOT_CONNECTS;
	int ok = 0, failed = 0, fd;
	struct in_addr dst;
	double t0 = now_s();

	if (inet_pton(AF_INET, target, &dst) != 1) {
		fprintf(stderr, "usage: bot [TARGET-IPV4 [CONNECTS]]\n");
		return 2;
	}
	if (connects < 1 || connects > BOT_MAX_CONNECTS)
		connects = BOT_CONNECTS;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("bot: hello from the apiary lab bot, target %s\n", target);
	send_exploit(&dst);
	send_pings(&dst);
	/* all at once, as a bot floods: non-blocking connects, one poll */
	struct pollfd pf[BOT_MAX_CONNECTS];
	struct sockaddr_in sa = { .sin_family = AF_INET,
	    .sin_port = htons(BOT_CC_PORT), .sin_addr = dst };
	int n = 0;
	for (int i = 0; i < connects; i++) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 &&
		    errno != EINPROGRESS) {
			close(fd);
			failed++;
			continue;
		}
		pf[n].fd = fd;
		pf[n].events = POLLOUT;
		n++;
	}
	for (int pending = n; pending > 0 && now_s() - t0 < BOT_MAX_SECONDS;) {
		if (poll(pf, (nfds_t)n, 500) < 0)
			break;
		pending = 0;
		for (int i = 0; i < n; i++) {
			if (pf[i].fd < 0)
				continue;
			if (pf[i].revents == 0) {
				pending++;
				continue;
			}
			int e = 0;
			socklen_t len = sizeof(e);
			if (getsockopt(pf[i].fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 &&
			    e == 0)
				ok++;
			else
				failed++;
			close(pf[i].fd);
			pf[i].fd = -1;
		}
		if (now_s() - t0 > 8)	/* the rest were dropped on the way */
			break;
	}
	for (int i = 0; i < n; i++)
		if (pf[i].fd >= 0) {
			failed++;
			close(pf[i].fd);
		}
	printf("bot: %d connection attempts to %s:%d, %d connected, %d failed\n",
	    ok + failed, target, BOT_CC_PORT, ok, failed);
	return 0;
}
