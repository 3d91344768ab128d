/* summary: streaming JSON writer into a struct buf (EVE lines, reports). */
#ifndef APIARY_CORE_JSON_H
#define APIARY_CORE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * The writer inserts commas itself: call json_key() before each value in an
 * object, nothing before values in an array.  Strings are escaped per RFC
 * 8259; bytes that are not valid UTF-8 become \u00XX so any payload can be
 * written and the line stays valid JSON.  A failed append (bound reached,
 * no memory) makes the writer sticky-failed: json_failed() tells.
 */
#define JSON_MAX_DEPTH 32

struct json {
	struct buf *out;
	int depth;
	int failed;
	int after_key;
	uint8_t count[JSON_MAX_DEPTH];	/* values written at each depth (saturating) */
};

void json_init(struct json *j, struct buf *out);
int json_failed(const struct json *j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);

void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const void *s, size_t len);
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* Inserts already-formatted JSON (must be a complete value). */
void json_raw(struct json *j, const char *raw);

/* key + value shorthands */
void json_kv_str(struct json *j, const char *key, const char *s);
void json_kv_strn(struct json *j, const char *key, const void *s, size_t len);
void json_kv_uint(struct json *j, const char *key, uint64_t v);
void json_kv_int(struct json *j, const char *key, int64_t v);
void json_kv_double(struct json *j, const char *key, double v);
void json_kv_bool(struct json *j, const char *key, int v);

/* Appends an escaped JSON string literal (with quotes) to b. */
int json_escape(struct buf *b, const void *s, size_t len);

#endif
