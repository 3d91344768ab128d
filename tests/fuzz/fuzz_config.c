/* summary: libFuzzer target for the config language (core/config). */
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = NULL;
	struct error err;

	if (config_parse("fuzz.conf", (const char *)data, size, &cfg, &err) == 0)
		config_free(cfg);
	return 0;
}
