/* summary: internal helpers of the byte_* keywords. */
#ifndef APIARY_DETECT_KW_BYTE_H
#define APIARY_DETECT_KW_BYTE_H

#include "detect/detect_int.h"

int byte_common_opt(struct parse_ctx *ctx, struct byte_kw *b, char *opt);
int byte_check_size(struct parse_ctx *ctx, struct byte_kw *b, const char *s);
int byte_finish(struct parse_ctx *ctx, struct byte_kw *b);

#endif
