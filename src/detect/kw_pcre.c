/* summary: pcre: PCRE2 with the Snort/Suricata modifier flags, relative matching (R). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_int.h"

/*
 * pcre:[!]"/regex/flags".  Perl flags i s m x, Snort's A (anchored), E
 * (dollar at the end only), G (ungreedy), R (relative to the last match),
 * B (raw bytes) and O (no match limit; ignored, we keep our limits) are
 * honoured.  The HTTP buffer flags (U I P Q H D M C K S Y V W) name
 * buffers the engine cannot fill yet: the rule is skipped as unsupported
 * ("pcre/U").  Patterns are JIT-compiled; matching is bounded by a match
 * limit (see inspect.c).
 */

int
kw_pcre_setup(struct parse_ctx *ctx, const char *kw, char *value)
{
	struct pcre_kw *pk;
	struct sm *sm;
	char *s, *first, *last;
	uint32_t opts = 0;
	int errcode, neg = 0, bufflag = 0;
	PCRE2_SIZE erroff;
	size_t n;

	if (value == NULL)
		return error_set(ctx->err, "needs a value");
	s = kw_trim(value);
	if (*s == '!') {
		neg = 1;
		s = kw_trim(s + 1);
	}
	n = strlen(s);
	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return error_set(ctx->err, "must be in double quotes");
	s[n - 1] = '\0';
	s++;
	first = strchr(s, '/');
	last = strrchr(s, '/');
	if (first != s || last == first)
		return error_set(ctx->err, "expected /regex/flags");
	*last = '\0';
	pk = calloc(1, sizeof(*pk));
	if (pk == NULL)
		return error_set(ctx->err, "out of memory");
	if (neg)
		pk->flags |= PF_NEGATED;
	for (char *f = last + 1; *f != '\0'; f++) {
		switch (*f) {
		case 'i': opts |= PCRE2_CASELESS; break;
		case 's': opts |= PCRE2_DOTALL; break;
		case 'm': opts |= PCRE2_MULTILINE; break;
		case 'x': opts |= PCRE2_EXTENDED; break;
		case 'A': opts |= PCRE2_ANCHORED; break;
		case 'E': opts |= PCRE2_DOLLAR_ENDONLY; break;
		case 'G': opts |= PCRE2_UNGREEDY; break;
		case 'R': pk->flags |= PF_RELATIVE; break;
		case 'B': case 'O': break;
		case 'U': case 'I': case 'P': case 'Q': case 'H': case 'D': case 'M':
		case 'C': case 'K': case 'S': case 'Y': case 'V': case 'W': {
			char nm[16];

			snprintf(nm, sizeof(nm), "pcre/%c", *f);
			kw_unsupported(ctx, nm);
			bufflag = 1;
			break;
		}
		case ' ': break;
		default:
			free(pk);
			return error_set(ctx->err, "unknown flag '%c'", *f);
		}
	}
	pk->code = pcre2_compile((PCRE2_SPTR)(s + 1), PCRE2_ZERO_TERMINATED, opts,
	    &errcode, &erroff, NULL);
	if (pk->code == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		free(pk);
		return error_set(ctx->err, "at %zu: %s", (size_t)erroff, (char *)msg);
	}
	(void)pcre2_jit_compile(pk->code, PCRE2_JIT_COMPLETE);	/* optional */
	pk->text = strdup(s + 1);
	if (pk->text == NULL) {
		pcre2_code_free(pk->code);
		free(pk);
		return error_set(ctx->err, "out of memory");
	}
	if ((sm = sm_append(ctx, bufflag ? DBUF_SINK : ctx->cur_buf, SM_PCRE)) == NULL) {
		pcre2_code_free(pk->code);
		free(pk->text);
		free(pk);
		return -1;
	}
	sm->u.pcre = pk;
	sm->relative = (pk->flags & PF_RELATIVE) != 0;
	return 0;
}
