/* summary: error values: a message that flows up to the caller who decides. */
#ifndef APIARY_CORE_ERROR_H
#define APIARY_CORE_ERROR_H

#include <stddef.h>

/*
 * Library code never prints and never exits: a failing call fills a
 * struct error and returns -1 (or NULL).  Callers may add context in front
 * with error_prefix() ("rules.conf:12: " + "unknown keyword 'foo'"), and
 * only main() decides what to do with the final message.
 */
struct error {
	char msg[1024];
};

/* Sets the message; always returns -1 so callers can `return error_set(...)`. */
int error_set(struct error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* As error_set, appending ": strerror(errno)". */
int error_errno(struct error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Puts "prefix" in front of the current message. Returns -1. */
int error_prefix(struct error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void error_clear(struct error *err);

#endif
