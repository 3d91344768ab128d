/* summary: flags: TCP flag tests with the +, *, ! modifiers and an ignore mask. */
#include <string.h>
#include <stdlib.h>

#include "detect/detect_int.h"
#include "net/packet.h"

static int
flag_bit(char c, uint8_t *bit)
{
	switch (c) {
	case 'F': case 'f': *bit = TCP_FIN; return 0;
	case 'S': case 's': *bit = TCP_SYN; return 0;
	case 'R': case 'r': *bit = TCP_RST; return 0;
	case 'P': case 'p': *bit = TCP_PSH; return 0;
	case 'A': case 'a': *bit = TCP_ACK; return 0;
	case 'U': case 'u': *bit = TCP_URG; return 0;
	case 'C': case 'c': case '1': *bit = TCP_CWR; return 0;
	case 'E': case 'e': case '2': *bit = TCP_ECE; return 0;
	case '0': *bit = 0; return 0;
	}
	return -1;
}

/* flags:[!|*|+]<FSRPAUCE0>[,<ignored>]  (modifier before or after) */
int
kw_flags_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct flags_kw f;
	char *comma;

	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	memset(&f, 0, sizeof(f));
	f.mod = FLAGS_EXACT;
	comma = strchr(value, ',');
	if (comma != NULL) {
		*comma = '\0';
		for (char *p = kw_trim(comma + 1); *p; p++) {
			uint8_t b;

			if (flag_bit(*p, &b) == -1)
				return error_set(ctx->err, "bad flag '%c'", *p);
			f.ignore |= b;
		}
	}
	for (char *p = kw_trim(value); *p; p++) {
		uint8_t b;

		if (*p == '+' || *p == '*' || *p == '!') {
			f.mod = *p == '+' ? FLAGS_PLUS : *p == '*' ? FLAGS_ANY : FLAGS_NOT;
			continue;
		}
		if (flag_bit(*p, &b) == -1)
			return error_set(ctx->err, "bad flag '%c'", *p);
		f.set |= b;
	}
	if (ctx->r->tcp_flags != NULL)
		return error_set(ctx->err, "given twice");
	if ((ctx->r->tcp_flags = malloc(sizeof(f))) == NULL)
		return error_set(ctx->err, "out of memory");
	*ctx->r->tcp_flags = f;
	return 0;
}

int
flags_match(const struct flags_kw *f, uint8_t flags)
{
	uint8_t m = flags & (uint8_t)~f->ignore;

	switch (f->mod) {
	case FLAGS_EXACT: return m == f->set;
	case FLAGS_PLUS: return (m & f->set) == f->set;
	case FLAGS_ANY: return (m & f->set) != 0 || f->set == 0;
	case FLAGS_NOT: return (m & f->set) != f->set;
	}
	return 0;
}
