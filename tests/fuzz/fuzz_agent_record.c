/* summary: libFuzzer target for agent records on the log server side: decoder and session index. */
#include <stddef.h>
#include <stdint.h>

#include "agent/record.h"
#include "sessions/session.h"
#include "syslog/syslog_msg.h"

/*
 * A compromised honeypot holds its agent's key and can send anything: the
 * records' decoder and what the analysis side builds from them (sessions,
 * typed lines) must take any bytes.  The input is split at newlines into
 * several messages so that records of one session meet in the index.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct session_index *x = session_index_new();
	struct agent_record rec;
	struct syslog_msg m;
	struct buf scratch;
	struct error err;
	size_t start = 0;

	if (x == NULL)
		return 0;
	buf_init(&scratch, 1 << 20);
	while (start <= size) {
		size_t end = start;

		while (end < size && data[end] != '\n')
			end++;
		syslog_parse(data + start, end - start, &m);
		if (agent_record_parse(&m, &rec, &scratch) == 0) {
			/* touch what the parser promised is valid */
			for (int i = 0; i < rec.argc; i++)
				(void)rec.argv[i][0];
			for (size_t i = 0; i < rec.len; i++)
				(void)rec.data[i];
			(void)session_index_add(x, "fuzz", &rec, &err);
		}
		start = end + 1;
	}
	session_index_finish(x);
	for (size_t i = 0; i < session_index_count(x); i++)
		(void)session_index_find(x, session_index_get(x, i)->id);
	session_index_free(x);
	buf_free(&scratch);
	return 0;
}
