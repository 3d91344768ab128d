/* summary: syslog stream framing: RFC 5425/6587 octet counting and LF frames. */
#include "syslog/syslog_frame.h"

#include <stdlib.h>
#include <string.h>

enum frame_state {
	ST_START,	/* between frames */
	ST_LEN,		/* reading MSG-LEN digits */
	ST_OCTET,	/* reading `want` bytes of an octet-counted message */
	ST_LF,		/* reading up to LF */
};

struct syslog_frame_decoder {
	enum frame_state state;
	size_t max;
	uint8_t *msg;		/* max bytes */
	size_t len;		/* bytes in msg */
	uint64_t seen;		/* bytes of this message seen (kept + skipped) */
	uint64_t want;		/* octet count announced */
	char digits[11];
	size_t ndigits;
};

struct syslog_frame_decoder *
syslog_frame_decoder_new(size_t max_msg)
{
	struct syslog_frame_decoder *d;

	if (max_msg == 0)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->msg = malloc(max_msg);
	if (d->msg == NULL) {
		free(d);
		return NULL;
	}
	d->max = max_msg;
	return d;
}

void
syslog_frame_decoder_free(struct syslog_frame_decoder *d)
{
	if (d == NULL)
		return;
	free(d->msg);
	free(d);
}

size_t
syslog_frame_buffered(const struct syslog_frame_decoder *d)
{
	return d->len + d->ndigits;
}

static void
keep(struct syslog_frame_decoder *d, const uint8_t *p, size_t n)
{
	size_t room = d->max - d->len;

	if (n > room)
		n = room;
	memcpy(d->msg + d->len, p, n);
	d->len += n;
}

static int
emit(struct syslog_frame_decoder *d, unsigned flags, syslog_frame_cb cb,
    void *arg)
{
	int rc;

	if (d->seen > d->len)
		flags |= SYSLOG_FRAME_TRUNCATED;
	rc = cb(arg, d->msg, d->len, d->seen, flags);
	d->len = 0;
	d->seen = 0;
	d->want = 0;
	d->ndigits = 0;
	d->state = ST_START;
	return rc;
}

/* The digits read so far turn out not to be a length: start an LF frame. */
static void
digits_to_lf(struct syslog_frame_decoder *d)
{
	keep(d, (const uint8_t *)d->digits, d->ndigits);
	d->seen = d->ndigits;
	d->ndigits = 0;
	d->state = ST_LF;
}

int
syslog_frame_feed(struct syslog_frame_decoder *d, const void *data,
    size_t len, syslog_frame_cb cb, void *arg)
{
	const uint8_t *p = data;
	size_t i = 0;

	while (i < len) {
		switch (d->state) {
		case ST_START:
			if (p[i] == '\n' || p[i] == '\r' || p[i] == '\0' ||
			    p[i] == ' ') {
				i++;
			} else if (p[i] >= '1' && p[i] <= '9') {
				d->state = ST_LEN;
			} else {
				d->state = ST_LF;
			}
			break;
		case ST_LEN:
			if (p[i] >= '0' && p[i] <= '9' && d->ndigits < 10) {
				d->digits[d->ndigits++] = (char)p[i++];
			} else if (p[i] == ' ' && d->ndigits > 0) {
				d->digits[d->ndigits] = '\0';
				d->want = strtoull(d->digits, NULL, 10);
				d->ndigits = 0;
				d->state = ST_OCTET;
				i++;
			} else {
				digits_to_lf(d);
			}
			break;
		case ST_OCTET: {
			size_t n = len - i;

			/* whole frame in this read: hand it over without a copy */
			if (d->seen == 0 && d->want <= d->max && n >= d->want) {
				size_t w = (size_t)d->want;

				d->want = 0;
				d->state = ST_START;
				if (cb(arg, p + i, w, w, SYSLOG_FRAME_OCTET) != 0)
					return -1;
				i += w;
				break;
			}

			if (n > d->want - d->seen)
				n = (size_t)(d->want - d->seen);
			keep(d, p + i, n);
			d->seen += n;
			i += n;
			if (d->seen == d->want &&
			    emit(d, SYSLOG_FRAME_OCTET, cb, arg) != 0)
				return -1;
			break;
		}
		case ST_LF: {
			const uint8_t *nl = memchr(p + i, '\n', len - i);
			size_t n = nl != NULL ? (size_t)(nl - (p + i)) : len - i;

			keep(d, p + i, n);
			d->seen += n;
			i += n;
			if (nl != NULL) {
				i++;
				/* a CR before the LF belongs to the trailer */
				if (d->len > 0 && d->seen == d->len &&
				    d->msg[d->len - 1] == '\r') {
					d->len--;
					d->seen--;
				}
				if (emit(d, 0, cb, arg) != 0)
					return -1;
			}
			break;
		}
		}
	}
	return 0;
}

int
syslog_frame_finish(struct syslog_frame_decoder *d, syslog_frame_cb cb,
    void *arg)
{
	unsigned flags = SYSLOG_FRAME_PARTIAL;

	if (d->state == ST_LEN)
		digits_to_lf(d);
	if (d->state == ST_START)
		return 0;
	if (d->state == ST_OCTET)
		flags |= SYSLOG_FRAME_OCTET;
	if (d->seen == 0) {
		d->state = ST_START;
		return 0;
	}
	return emit(d, flags, cb, arg) != 0 ? -1 : 0;
}

int
syslog_frame_octet(struct buf *out, const void *msg, size_t len)
{
	if (buf_printf(out, "%zu ", len) < 0)
		return -1;
	return buf_append(out, msg, len);
}
