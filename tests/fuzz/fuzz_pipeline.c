/* summary: libFuzzer target: decode + flow + scan + outputs on arbitrary frames. */
#include <stdint.h>
#include <string.h>

#include "engine/pipeline.h"

/*
 * Input: one byte choosing the link type, then frames, each a 2-byte
 * big-endian length, a 1-byte time step (in 100 ms) and that many bytes.
 * Bounds are set small so that flow eviction, scan episodes, source
 * eviction and timeouts all happen within a short input.  Events go to
 * /dev/null, so the EVE and conn.log writers run too.
 */
static const int linktypes[] = { 1, 12, 101, 113, 276, 0, 108, 228, 229, 14 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pipeline_config cfg;
	struct pipeline *pl;
	struct error err;
	uint64_t ts = 1700000000ull * 1000000000ull;
	int lt;

	if (size < 1)
		return 0;
	lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	data++;
	size--;
	pipeline_config_default(&cfg);
	cfg.flow.max_flows = 64;
	cfg.scan.max_sources = 8;
	cfg.scan.max_episodes = 4;
	cfg.scan.max_targets = 4;
	for (int t = 0; t < SCAN_NTYPES; t++)
		cfg.scan.t[t].count = 2;
	cfg.decoder.defrag_max_datagrams = 16;
	cfg.decoder.defrag_max_bytes = 256u << 10;
	cfg.max_talkers = 16;
	cfg.eve_path = "/dev/null";
	cfg.connlog_path = "/dev/null";
	pl = pipeline_new(&cfg, &err);
	if (pl == NULL)
		__builtin_trap();
	while (size >= 3) {
		size_t len = (size_t)data[0] << 8 | data[1];

		ts += (uint64_t)data[2] * 100000000ull;
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		pipeline_frame(pl, lt, data, (uint32_t)len,
		    (uint32_t)len + (len & 1), ts);
		data += len;
		size -= len;
	}
	pipeline_tick(pl, ts + 3600ull * 1000000000ull);
	(void)pipeline_finish(pl, &err);
	pipeline_free(pl);
	return 0;
}
