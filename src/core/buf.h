/* summary: growable byte buffer with a hard size bound and checked growth. */
#ifndef APIARY_CORE_BUF_H
#define APIARY_CORE_BUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * A buffer never grows past `max` bytes (0 means SIZE_MAX/2): appends that
 * would cross it fail with -1 and leave the buffer unchanged, so an
 * attacker-fed buffer has a stated bound.  Allocation failure is also -1.
 */
struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);              /* len = 0, keeps memory */
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_str(struct buf *b, const char *s);
int buf_append_byte(struct buf *b, uint8_t c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Makes data a NUL-terminated string (NUL not counted in len). */
const char *buf_cstr(struct buf *b);

#endif
