/* summary: the loader's state, shared by loader.c and the engine builder. */
#ifndef APIARY_DETECT_DETECT_LOADER_H
#define APIARY_DETECT_DETECT_LOADER_H

#include <stdarg.h>

#include "core/buf.h"
#include "detect/detect_int.h"

struct detect_loader {
	struct vars vars;
	struct classes classes;
	struct names flowbits;
	struct rule **rules;
	size_t nrules, cap;
	size_t *sidmap;			/* open addressing: index+1 into rules */
	size_t sidcap;
	detect_warn_fn warn;
	void *warn_ctx;
	uint64_t total, loaded, unsupported, broken, duplicates;
	size_t nkw;
	struct detect_kw_count kw[DETECT_KW_STATS_MAX];
};

#endif
