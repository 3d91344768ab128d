/* summary: libFuzzer target: apiary-gw's config parser (split + meaning). */
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "gw/gwconf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg;
	struct gw_config gc;
	struct error err;

	if (config_parse("fuzz.conf", (const char *)data, size, &cfg, &err) == -1)
		return 0;
	if (gwconf_from_config(cfg, &gc, &err) == 0)
		gwconf_free(&gc);
	config_free(cfg);
	return 0;
}
