/* summary: syslog stream framing: RFC 5425/6587 octet counting and LF frames. */
#ifndef APIARY_SYSLOG_SYSLOG_FRAME_H
#define APIARY_SYSLOG_SYSLOG_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

/*
 * A decoder turns a byte stream into messages.  Each frame picks its
 * framing from its first byte (RFC 6587 3.4): a digit starts "MSG-LEN SP
 * MSG" (octet counting, RFC 5425), anything else runs to the next LF
 * (non-transparent framing).  A bad length (no space after at most 10
 * digits) falls back to LF framing, as OpenBSD syslogd does.
 *
 * Memory bound: a decoder holds at most max_msg bytes of one message plus
 * its small state, whatever the peer sends.  A longer message is cut at
 * max_msg, the rest is skipped without buffering, and the frame is
 * delivered with SYSLOG_FRAME_TRUNCATED and its announced/seen length.
 */
#define SYSLOG_FRAME_TRUNCATED 0x01
#define SYSLOG_FRAME_OCTET     0x02
#define SYSLOG_FRAME_PARTIAL   0x04	/* stream ended inside the frame */

struct syslog_frame_decoder;

/* Return non-zero to stop decoding (syslog_frame_feed then returns -1). */
typedef int (*syslog_frame_cb)(void *arg, const uint8_t *msg, size_t len,
    uint64_t orig_len, unsigned flags);

struct syslog_frame_decoder *syslog_frame_decoder_new(size_t max_msg);
void syslog_frame_decoder_free(struct syslog_frame_decoder *d);
int syslog_frame_feed(struct syslog_frame_decoder *d, const void *data,
    size_t len, syslog_frame_cb cb, void *arg);
/* At end of stream: delivers a partial frame (flag PARTIAL), if any. */
int syslog_frame_finish(struct syslog_frame_decoder *d, syslog_frame_cb cb,
    void *arg);
/* Bytes currently buffered (for tests of the bound). */
size_t syslog_frame_buffered(const struct syslog_frame_decoder *d);

/* Appends "LEN SP MSG" to out. */
int syslog_frame_octet(struct buf *out, const void *msg, size_t len);

#endif
