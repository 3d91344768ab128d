/* summary: libFuzzer target for the decoders and fragment reassembly. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/decode.h"

/*
 * Input: the first byte selects the link type, the rest is the frame.  One
 * decoder lives across inputs (small bounds, so eviction and the bounds
 * are reached), and the packet time advances by the second byte's worth
 * of seconds so timeouts fire too.  Every pointer and length the decoder
 * hands out is read back in full, so ASan checks the promise of packet.h.
 */
static const int linktypes[] = {
	LINKTYPE_EN10MB, LINKTYPE_RAW, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
	LINKTYPE_NULL, LINKTYPE_LOOP, LINKTYPE_IPV4, LINKTYPE_IPV6,
	LINKTYPE_RAW_12, LINKTYPE_RAW_14,
};

static struct decoder *dec;
static uint64_t now_ns;

static unsigned
touch(const uint8_t *p, uint32_t n)
{
	unsigned s = 0;
	for (uint32_t i = 0; i < n; i++)
		s += p[i];
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (dec == NULL) {
		struct error err;
		struct decoder_config c = decoder_config_default();
		c.defrag_max_bytes = 256 * 1024;
		c.defrag_max_datagrams = 8;
		c.defrag_timeout_ns = 30ull * 1000000000ull;
		dec = decoder_new(&c, &err);
		if (dec == NULL)
			abort();
	}
	if (size < 2)
		return 0;
	int lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	now_ns += (uint64_t)(data[1] & 0x0f) * 1000000000ull;
	/* copy so a read past the frame is a heap overflow ASan sees */
	size_t n = size - 2;
	uint8_t *frame = malloc(n ? n : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data + 2, n);
	uint32_t wirelen = (uint32_t)n + ((data[1] & 0x80) ? 100u : 0u);
	struct packet p;
	decode_frame(dec, &p, lt, frame, (uint32_t)n, wirelen, now_ns);
	volatile unsigned sink = 0;
	if (p.l3)
		sink += touch(p.l3, p.l3_len);
	if (p.l4)
		sink += touch(p.l4, p.l4_len);
	if (p.payload)
		sink += touch(p.payload, p.payload_len);
	if (p.eth_src)
		sink += touch(p.eth_src, 6) + touch(p.eth_dst, 6);
	if ((p.layers & PKT_INVALID) && p.anomaly == ANOM_NONE)
		abort();	/* stopping at a bad layer always names it */
	if (p.payload_len > p.payload_wirelen)
		abort();
	(void)sink;
	free(frame);
	return 0;
}
