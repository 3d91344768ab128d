/* summary: libFuzzer target: the pcap/pcapng reader (io/pcap_source) over an in-memory file. */
#include <stdint.h>
#include <stdio.h>

#include "io/pcap_source.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcap_source *s;
	struct pcap_frame f;
	struct error err;
	uint64_t done, total, sum = 0;
	FILE *fp;
	int r;

	if (size == 0)
		return 0;
	fp = fmemopen((void *)data, size, "rb");
	if (fp == NULL)
		return 0;
	s = pcap_source_new_stream(fp, "fuzz", &err);
	if (s == NULL)
		return 0;
	while ((r = pcap_source_next(s, &f, &err)) == 1) {
		/* Touch every byte handed out: it must be inside the frame. */
		for (uint32_t i = 0; i < f.caplen; i++)
			sum += f.data[i];
		pcap_source_progress(s, &done, &total);
		if (done > size)
			__builtin_trap();
	}
	if (r < 0 && err.msg[0] == '\0')
		__builtin_trap();	/* an error always has a message */
	pcap_source_free(s);
	return sum == 0xdeadbeefcafeull;	/* keeps sum alive */
}
