/* summary: libFuzzer target for the RFC 5424/3164 parser and structured data walk. */
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "syslog/syslog_msg.h"

static void
check_span(const struct syslog_span *s, const uint8_t *data, size_t size)
{
	if (s->ptr != NULL && ((const uint8_t *)s->ptr < data ||
	    (const uint8_t *)s->ptr + s->len > data + size))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct syslog_msg m;
	struct syslog_span id, params, name, value;
	struct buf b;
	size_t pos = 0;
	int guard = 0;

	syslog_parse(data, size, &m);
	check_span(&m.timestamp, data, size);
	check_span(&m.hostname, data, size);
	check_span(&m.app_name, data, size);
	check_span(&m.procid, data, size);
	check_span(&m.msgid, data, size);
	check_span(&m.sd, data, size);
	check_span(&m.msg, data, size);
	(void)syslog_sequence_id(&m);
	buf_init(&b, 1 << 16);
	while (syslog_sd_next(&m.sd, &pos, &id, &params) == 1 && guard++ < 10000) {
		size_t ppos = 0;

		check_span(&params, data, size);
		while (syslog_sd_param_next(&params, &ppos, &name, &value) == 1) {
			check_span(&value, data, size);
			buf_reset(&b);
			syslog_sd_unescape(&b, &value);
		}
	}
	buf_free(&b);
	return 0;
}
