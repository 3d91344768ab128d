/* summary: test helper: strict RFC 8259 validation of JSON text and EVE lines. */
#include "jsoncheck.h"

#include <string.h>

struct cur {
	const char *p, *end;
	int depth;
};

static void
ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' ||
	    *c->p == '\r'))
		c->p++;
}

static int value(struct cur *c);

static int
lit(struct cur *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

static int
hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	    (ch >= 'A' && ch <= 'F');
}

static int
string(struct cur *c)
{
	unsigned char ch;
	int i, n;

	if (c->p >= c->end || *c->p != '"')
		return -1;
	c->p++;
	while (c->p < c->end) {
		ch = (unsigned char)*c->p++;
		if (ch == '"')
			return 0;
		if (ch < 0x20)
			return -1;
		if (ch == '\\') {
			if (c->p >= c->end)
				return -1;
			ch = (unsigned char)*c->p++;
			if (ch == 'u') {
				for (i = 0; i < 4; i++)
					if (c->p >= c->end || !hex(*c->p++))
						return -1;
			} else if (!strchr("\"\\/bfnrt", ch)) {
				return -1;
			}
		} else if (ch >= 0x80) {
			/* UTF-8: lead byte and continuation bytes */
			if (ch >= 0xf0 && ch <= 0xf4)
				n = 3;
			else if (ch >= 0xe0)
				n = 2;
			else if (ch >= 0xc2 && ch <= 0xdf)
				n = 1;
			else
				return -1;
			for (i = 0; i < n; i++)
				if (c->p >= c->end || ((unsigned char)*c->p++ & 0xc0) != 0x80)
					return -1;
		}
	}
	return -1;
}

static int
number(struct cur *c)
{
	const char *s = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (c->p < c->end && *c->p >= '1' && *c->p <= '9')
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	else
		return -1;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return -1;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return -1;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	return c->p > s ? 0 : -1;
}

static int
container(struct cur *c, char open, char close)
{
	if (++c->depth > 512)
		return -1;
	c->p++;		/* open */
	(void)open;
	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return 0;
	}
	for (;;) {
		ws(c);
		if (close == '}') {
			if (string(c) == -1)
				return -1;
			ws(c);
			if (c->p >= c->end || *c->p++ != ':')
				return -1;
			ws(c);
		}
		if (value(c) == -1)
			return -1;
		ws(c);
		if (c->p >= c->end)
			return -1;
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p == close) {
			c->p++;
			c->depth--;
			return 0;
		}
		return -1;
	}
}

static int
value(struct cur *c)
{
	if (c->p >= c->end)
		return -1;
	switch (*c->p) {
	case '{': return container(c, '{', '}');
	case '[': return container(c, '[', ']');
	case '"': return string(c);
	case 't': return lit(c, "true");
	case 'f': return lit(c, "false");
	case 'n': return lit(c, "null");
	default: return number(c);
	}
}

int
json_check(const char *s, size_t len)
{
	struct cur c = { s, s + len, 0 };

	ws(&c);
	if (value(&c) == -1)
		return -1;
	ws(&c);
	return c.p == c.end ? 0 : -1;
}

int
json_check_lines(const char *text, size_t len, size_t *nlines, size_t *bad_line)
{
	const char *p = text, *end = text + len, *nl;
	size_t n = 0;

	*nlines = 0;
	*bad_line = 0;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n++;
		if (nl == NULL || *p != '{' || json_check(p, (size_t)(nl - p)) == -1) {
			*bad_line = n;
			return -1;
		}
		p = nl + 1;
	}
	*nlines = n;
	return 0;
}
