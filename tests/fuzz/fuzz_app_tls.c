/* summary: libFuzzer target: the TLS handshake parser fed both directions in input-chosen pieces. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_tls.h"

/*
 * Input: records of [dir:1 bit | length:7 bits] [length bytes], fed to
 * tls_feed() in that direction.  Checked: no read past the input, strings
 * terminated within their arrays, and everything released at the end.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tls_state s;
	size_t p = 0;

	tls_state_init(&s);
	while (p < size) {
		int dir = data[p] >> 7;
		size_t n = data[p] & 0x7f;

		p++;
		if (n == 0x7f)
			n = size - p;	/* the rest at once */
		if (n > size - p)
			n = size - p;
		if (tls_feed(&s, dir, data + p, n) < 0)
			break;
		p += n;
	}
	if (memchr(s.sni, 0, sizeof(s.sni)) == NULL ||
	    memchr(s.ja3, 0, sizeof(s.ja3)) == NULL ||
	    memchr(s.subject, 0, sizeof(s.subject)) == NULL ||
	    strlen(s.sni) > s.sni_len)
		abort();
	tls_state_free(&s);
	return 0;
}
