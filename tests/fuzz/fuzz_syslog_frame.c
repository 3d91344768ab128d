/* summary: libFuzzer target for RFC 5425/6587 stream framing (octet counting and LF). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "syslog/syslog_frame.h"

#define MAX_MSG 512

static int
on_frame(void *arg, const uint8_t *msg, size_t len, uint64_t orig, unsigned fl)
{
	volatile uint8_t sink = 0;

	if (len > MAX_MSG || (!(fl & SYSLOG_FRAME_TRUNCATED) && orig != len &&
	    !(fl & SYSLOG_FRAME_PARTIAL)))
		__builtin_trap();
	for (size_t i = 0; i < len; i++)
		sink ^= msg[i];
	(*(size_t *)arg) += sink & 1;
	(*(size_t *)arg)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct syslog_frame_decoder *d = syslog_frame_decoder_new(MAX_MSG);
	size_t n = 0, off = 0, step;

	if (d == NULL)
		return 0;
	/* the first byte picks the read size, so splits get fuzzed too */
	step = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
	while (off < size) {
		size_t k = size - off < step ? size - off : step;

		syslog_frame_feed(d, data + off, k, on_frame, &n);
		if (syslog_frame_buffered(d) > MAX_MSG + 16)
			__builtin_trap();
		off += k;
	}
	syslog_frame_finish(d, on_frame, &n);
	syslog_frame_decoder_free(d);
	return 0;
}
