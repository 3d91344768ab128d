/* summary: test helper: strict RFC 8259 validation of JSON text and EVE lines. */
#ifndef APIARY_TESTS_JSONCHECK_H
#define APIARY_TESTS_JSONCHECK_H

#include <stddef.h>

/* 0 if s[0..len) is exactly one valid JSON value (whitespace around it). */
int json_check(const char *s, size_t len);
/*
 * 0 if text is newline-terminated lines, each one JSON object; *nlines
 * gets the number of lines.  -1 with *bad_line (1-based) otherwise.
 */
int json_check_lines(const char *text, size_t len, size_t *nlines, size_t *bad_line);

#endif
