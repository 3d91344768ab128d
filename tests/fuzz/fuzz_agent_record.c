/* summary: libFuzzer target for the agent record decoder on the log server side. */
#include <stddef.h>
#include <stdint.h>

#include "agent/record.h"
#include "syslog/syslog_msg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_record rec;
	struct syslog_msg m;
	struct buf scratch;

	buf_init(&scratch, 1 << 20);
	syslog_parse(data, size, &m);
	if (agent_record_parse(&m, &rec, &scratch) == 0) {
		/* touch what the parser promised is valid */
		for (int i = 0; i < rec.argc; i++)
			(void)rec.argv[i][0];
		for (size_t i = 0; i < rec.len; i++)
			(void)rec.data[i];
	}
	buf_free(&scratch);
	return 0;
}
