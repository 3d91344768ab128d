/* summary: streaming JSON writer into a struct buf (EVE lines, reports). */
#include "core/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void
json_init(struct json *j, struct buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

int
json_failed(const struct json *j)
{
	return j->failed;
}

static void
put(struct json *j, const void *s, size_t len)
{
	if (!j->failed && buf_append(j->out, s, len) == -1)
		j->failed = 1;
}

/*
 * Comma before a value unless it follows a key or is first in its
 * container.  A key counts as the value's slot, so the value after it
 * gets no comma of its own.
 */
static void
value_start(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0 && j->count[j->depth - 1] > 0)
		put(j, ",", 1);
	if (j->depth > 0 && j->count[j->depth - 1] < 255)
		j->count[j->depth - 1]++;
}

void
json_key(struct json *j, const char *key)
{
	value_start(j);
	if (json_escape(j->out, key, strlen(key)) == -1)
		j->failed = 1;
	put(j, ":", 1);
	j->after_key = 1;
}

static void
open(struct json *j, char c)
{
	value_start(j);
	put(j, &c, 1);
	if (j->depth >= JSON_MAX_DEPTH) {
		j->failed = 1;
		return;
	}
	j->count[j->depth++] = 0;
}

static void
close_(struct json *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	put(j, &c, 1);
}

void json_object_begin(struct json *j) { open(j, '{'); }
void json_object_end(struct json *j) { close_(j, '}'); }
void json_array_begin(struct json *j) { open(j, '['); }
void json_array_end(struct json *j) { close_(j, ']'); }

/* Length of the valid UTF-8 sequence at s, or 0 if invalid. */
static size_t
utf8_len(const uint8_t *s, size_t left)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* reject overlong forms, surrogates and out-of-range code points */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

int
json_escape(struct buf *b, const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = data;
	size_t i = 0, run, n;
	char esc[7];

	if (buf_append_byte(b, '"') == -1)
		return -1;
	while (i < len) {
		/* copy the longest run of bytes that need no escaping at once */
		run = i;
		while (run < len && s[run] >= 0x20 && s[run] < 0x80 &&
		    s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i && buf_append(b, s + i, run - i) == -1)
			return -1;
		i = run;
		if (i >= len)
			break;
		if (s[i] >= 0x80 && (n = utf8_len(s + i, len - i)) > 0) {
			if (buf_append(b, s + i, n) == -1)
				return -1;
			i += n;
			continue;
		}
		switch (s[i]) {
		case '"': memcpy(esc, "\\\"", 3); break;
		case '\\': memcpy(esc, "\\\\", 3); break;
		case '\n': memcpy(esc, "\\n", 3); break;
		case '\r': memcpy(esc, "\\r", 3); break;
		case '\t': memcpy(esc, "\\t", 3); break;
		case '\b': memcpy(esc, "\\b", 3); break;
		case '\f': memcpy(esc, "\\f", 3); break;
		default:
			esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
			esc[4] = hex[s[i] >> 4]; esc[5] = hex[s[i] & 15]; esc[6] = 0;
		}
		if (buf_append_str(b, esc) == -1)
			return -1;
		i++;
	}
	return buf_append_byte(b, '"');
}

void
json_strn(struct json *j, const void *s, size_t len)
{
	value_start(j);
	if (!j->failed && json_escape(j->out, s, len) == -1)
		j->failed = 1;
}

void
json_str(struct json *j, const char *s)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void
json_uint(struct json *j, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRIu64, v);

	value_start(j);
	put(j, tmp, (size_t)n);
}

void
json_int(struct json *j, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

	value_start(j);
	put(j, tmp, (size_t)n);
}

void
json_double(struct json *j, double v)
{
	char tmp[64];
	int n;

	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.6g", v);
	value_start(j);
	put(j, tmp, (size_t)n);
}

void
json_bool(struct json *j, int v)
{
	value_start(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void
json_null(struct json *j)
{
	value_start(j);
	put(j, "null", 4);
}

void
json_raw(struct json *j, const char *raw)
{
	value_start(j);
	put(j, raw, strlen(raw));
}

void json_kv_str(struct json *j, const char *k, const char *s) { json_key(j, k); json_str(j, s); }
void json_kv_strn(struct json *j, const char *k, const void *s, size_t n) { json_key(j, k); json_strn(j, s, n); }
void json_kv_uint(struct json *j, const char *k, uint64_t v) { json_key(j, k); json_uint(j, v); }
void json_kv_int(struct json *j, const char *k, int64_t v) { json_key(j, k); json_int(j, v); }
void json_kv_double(struct json *j, const char *k, double v) { json_key(j, k); json_double(j, v); }
void json_kv_bool(struct json *j, const char *k, int v) { json_key(j, k); json_bool(j, v); }
