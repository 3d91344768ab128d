/* summary: the config file language shared by every apiary program. */
#include "core/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CONFIG_MAX_FILE (16u << 20)
#define CONFIG_MAX_WORDS 256
#define CONFIG_MAX_DEPTH 8

struct lexer {
	const char *name;
	const char *p, *end;
	int line;
	struct error *err;
};

enum tok { T_EOF, T_WORD, T_END, T_OPEN, T_CLOSE, T_ERR };

static void
stmt_free(struct config_stmt *st)
{
	for (int i = 0; i < st->argc; i++)
		free(st->argv[i]);
	free(st->argv);
	for (int i = 0; i < st->nchildren; i++)
		stmt_free(&st->children[i]);
	free(st->children);
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (int i = 0; i < cfg->nstmts; i++)
		stmt_free(&cfg->stmts[i]);
	free(cfg->stmts);
	free(cfg->path);
	free(cfg);
}

int
config_error(struct error *err, const struct config_stmt *st,
    const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_set(err, "%s:%d: %s", st->file, st->line, msg);
}

/* Next token; a word is returned malloc'ed in *word. */
static enum tok
next(struct lexer *lx, char **word, int *line)
{
	const char *p;

	for (;;) {
		while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' ||
		    *lx->p == '\r'))
			lx->p++;
		if (lx->p >= lx->end)
			return T_EOF;
		if (*lx->p == '\\' && lx->p + 1 < lx->end && lx->p[1] == '\n') {
			lx->p += 2;
			lx->line++;
			continue;
		}
		if (*lx->p == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
			continue;
		}
		break;
	}
	*line = lx->line;
	switch (*lx->p) {
	case '\n':
		lx->p++;
		lx->line++;
		return T_END;
	case ';':
		lx->p++;
		return T_END;
	case '{':
		lx->p++;
		return T_OPEN;
	case '}':
		lx->p++;
		return T_CLOSE;
	case '"': {
		size_t cap = 64, len = 0;
		char *w = malloc(cap);
		if (w == NULL) {
			error_set(lx->err, "%s:%d: out of memory", lx->name, lx->line);
			return T_ERR;
		}
		for (p = lx->p + 1;; p++) {
			if (p >= lx->end || *p == '\n') {
				free(w);
				error_set(lx->err, "%s:%d: unterminated quoted string",
				    lx->name, lx->line);
				return T_ERR;
			}
			if (*p == '"')
				break;
			if (*p == '\\' && p + 1 < lx->end &&
			    (p[1] == '"' || p[1] == '\\'))
				p++;
			if (len + 2 > cap) {
				char *n = realloc(w, cap *= 2);
				if (n == NULL) {
					free(w);
					error_set(lx->err, "%s:%d: out of memory",
					    lx->name, lx->line);
					return T_ERR;
				}
				w = n;
			}
			w[len++] = *p;
		}
		w[len] = '\0';
		lx->p = p + 1;
		*word = w;
		return T_WORD;
	}
	default:
		p = lx->p;
		while (p < lx->end && strchr(" \t\r\n;{}#\"", *p) == NULL &&
		    *p != '\0')
			p++;
		if (p == lx->p) {
			error_set(lx->err, "%s:%d: unexpected NUL byte", lx->name,
			    lx->line);
			return T_ERR;
		}
		if ((*word = strndup(lx->p, (size_t)(p - lx->p))) == NULL) {
			error_set(lx->err, "%s:%d: out of memory", lx->name, lx->line);
			return T_ERR;
		}
		lx->p = p;
		return T_WORD;
	}
}

static int
push_stmt(struct lexer *lx, struct config_stmt **v, int *n, int *cap,
    struct config_stmt *st)
{
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 16;
		struct config_stmt *nv = realloc(*v, (size_t)ncap * sizeof(**v));
		if (nv == NULL)
			return error_set(lx->err, "%s:%d: out of memory", lx->name,
			    st->line);
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *st;
	return 0;
}

/* Parses statements until EOF (depth 0) or '}' (inside a block). */
static int
parse_list(struct lexer *lx, int depth, struct config_stmt **out, int *nout)
{
	struct config_stmt *v = NULL, cur;
	int n = 0, cap = 0, line, open_line;
	char *word = NULL;
	enum tok t;

	memset(&cur, 0, sizeof(cur));
	for (;;) {
		t = next(lx, &word, &line);
		if (t == T_ERR)
			goto fail;
		if (t == T_WORD) {
			if (cur.has_block) {
				free(word);
				error_set(lx->err, "%s:%d: expected ';' or a new line "
				    "after '}'", lx->name, line);
				goto fail;
			}
			if (cur.argc == 0) {
				cur.file = lx->name;
				cur.line = line;
			}
			if (cur.argc >= CONFIG_MAX_WORDS) {
				free(word);
				error_set(lx->err, "%s:%d: more than %d words in one "
				    "statement", lx->name, line, CONFIG_MAX_WORDS);
				goto fail;
			}
			if (cur.argc % 8 == 0) {
				char **na = realloc(cur.argv,
				    (size_t)(cur.argc + 9) * sizeof(char *));
				if (na == NULL) {
					free(word);
					error_set(lx->err, "%s:%d: out of memory",
					    lx->name, line);
					goto fail;
				}
				cur.argv = na;
			}
			cur.argv[cur.argc++] = word;
			cur.argv[cur.argc] = NULL;
			continue;
		}
		if (t == T_OPEN) {
			if (cur.argc == 0 || cur.has_block) {
				error_set(lx->err, "%s:%d: '{' must follow a statement's "
				    "words", lx->name, line);
				goto fail;
			}
			if (depth + 1 >= CONFIG_MAX_DEPTH) {
				error_set(lx->err, "%s:%d: blocks nested deeper than %d",
				    lx->name, line, CONFIG_MAX_DEPTH);
				goto fail;
			}
			open_line = line;
			cur.has_block = 1;
			if (parse_list(lx, depth + 1, &cur.children,
			    &cur.nchildren) == -1)
				goto fail;
			(void)open_line;
			continue;
		}
		/* T_END, T_CLOSE or T_EOF end the current statement */
		if (cur.argc > 0) {
			if (push_stmt(lx, &v, &n, &cap, &cur) == -1)
				goto fail;
			memset(&cur, 0, sizeof(cur));
		}
		if (t == T_CLOSE) {
			if (depth == 0) {
				error_set(lx->err, "%s:%d: '}' without a matching '{'",
				    lx->name, line);
				goto fail;
			}
			break;
		}
		if (t == T_EOF) {
			if (depth > 0) {
				error_set(lx->err, "%s:%d: missing '}' at end of file",
				    lx->name, lx->line);
				goto fail;
			}
			break;
		}
	}
	*out = v;
	*nout = n;
	return 0;
fail:
	stmt_free(&cur);
	for (int i = 0; i < n; i++)
		stmt_free(&v[i]);
	free(v);
	return -1;
}

int
config_parse(const char *name, const char *text, size_t len,
    struct config **out, struct error *err)
{
	struct config *cfg;
	struct lexer lx;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->path = strdup(name)) == NULL) {
		free(cfg);
		return error_set(err, "%s: out of memory", name);
	}
	lx.name = cfg->path;
	lx.p = text;
	lx.end = text + len;
	lx.line = 1;
	lx.err = err;
	if (parse_list(&lx, 0, &cfg->stmts, &cfg->nstmts) == -1) {
		config_free(cfg);
		return -1;
	}
	*out = cfg;
	return 0;
}

int
config_load(const char *path, struct config **out, struct error *err)
{
	struct stat sb;
	char *text;
	size_t got = 0;
	FILE *f;
	int rc;

	if ((f = fopen(path, "r")) == NULL)
		return error_errno(err, "%s", path);
	if (fstat(fileno(f), &sb) == -1) {
		fclose(f);
		return error_errno(err, "%s: stat", path);
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > (off_t)CONFIG_MAX_FILE) {
		fclose(f);
		return error_set(err, "%s: not a regular file of at most %u bytes",
		    path, CONFIG_MAX_FILE);
	}
	if ((text = malloc((size_t)sb.st_size + 1)) == NULL) {
		fclose(f);
		return error_set(err, "%s: out of memory", path);
	}
	got = fread(text, 1, (size_t)sb.st_size, f);
	if (ferror(f)) {
		free(text);
		fclose(f);
		return error_errno(err, "%s: read", path);
	}
	fclose(f);
	rc = config_parse(path, text, got, out, err);
	free(text);
	return rc;
}
