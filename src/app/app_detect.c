/* summary: application protocol detection by content (HTTP, TLS, DNS), ports only as a hint. */
#include "app/app_detect.h"

#include "app/app_dns.h"
#include "app/app_http.h"
#include "app/app_tls.h"

/* 1 yes, 0 no, -1 need more: a TLS handshake record start. */
static int
tls_start(const uint8_t *d, size_t n)
{
	if (n >= 1 && d[0] != 22)
		return 0;
	if (n >= 2 && d[1] != 3)
		return 0;
	if (n >= 3 && d[2] > 4)
		return 0;
	if (n < 6)
		return -1;
	return tls_plausible(d, n);
}

/* DNS over TCP: a 2-byte length then a message. */
static int
dns_tcp_start(const uint8_t *d, size_t n, int port53)
{
	size_t len;

	if (n < 2)
		return -1;
	len = (size_t)(d[0] << 8 | d[1]);
	if (len < 12)
		return 0;
	if (port53)
		return 1;
	if (n < 2 + 12)
		return -1;
	/* one question, a sane opcode; then the whole message must parse */
	if (d[6] != 0 || d[7] != 1 || ((d[4] >> 3) & 0xf) > 5 || len > 4096)
		return 0;
	if (n < 2 + len)
		return n >= APP_DETECT_MAX ? 0 : -1;
	return dns_plausible(d + 2, len);
}

static enum app_proto
one_side(int dir, const uint8_t *d, size_t n, int port53, int *more)
{
	int r;

	if ((r = http_plausible(dir, d, n)) == 1)
		return APP_PROTO_HTTP;
	if (r < 0)
		*more = 1;
	if ((r = tls_start(d, n)) == 1)
		return APP_PROTO_TLS;
	if (r < 0)
		*more = 1;
	if (dir == 0 || port53) {
		if ((r = dns_tcp_start(d, n, port53)) == 1)
			return APP_PROTO_DNS;
		if (r < 0)
			*more = 1;
	}
	return APP_PROTO_UNKNOWN;
}

enum app_proto
app_detect_tcp(const uint8_t *const d[2], const size_t n[2], uint16_t sport,
    uint16_t dport)
{
	int port53 = sport == 53 || dport == 53;
	int more = 0;
	enum app_proto p;

	if (n[0] > 0) {
		p = one_side(0, d[0], n[0], port53, &more);
		if (p != APP_PROTO_UNKNOWN)
			return p;
		if (!more || n[0] >= APP_DETECT_MAX)
			return APP_PROTO_FAILED;
		return APP_PROTO_UNKNOWN;
	}
	if (n[1] > 0) {
		p = one_side(1, d[1], n[1], port53, &more);
		if (p != APP_PROTO_UNKNOWN)
			return p;
		if (!more || n[1] >= APP_DETECT_MAX)
			return APP_PROTO_FAILED;
	}
	return APP_PROTO_UNKNOWN;
}

enum app_proto
app_detect_udp(const uint8_t *d, size_t n, uint16_t sport, uint16_t dport)
{
	if (sport == 53 || dport == 53)
		return APP_PROTO_DNS;
	if (dns_plausible(d, n))
		return APP_PROTO_DNS;
	return APP_PROTO_FAILED;
}
