/* summary: libFuzzer target: the pcap/pcapng reader (io/pcap_source), mapped file against libpcap stream. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io/pcap_source.h"

/*
 * Differential: the input is read twice, as a regular file by name (a
 * memfd through /proc/self/fd/N: classic pcap is then mapped and walked by
 * pcap_source itself) and as a stream (fmemopen: always libpcap).  Both
 * must give the same frames and the same error message, offset included;
 * the stream is given the file's name so that the messages can match.
 */

static int
write_all(int fd, const uint8_t *data, size_t size)
{
	while (size > 0) {
		ssize_t n = write(fd, data, size);

		if (n <= 0)
			return -1;
		data += n;
		size -= (size_t)n;
	}
	return 0;
}

static int
same_frame(const struct pcap_frame *a, const struct pcap_frame *b)
{
	return a->caplen == b->caplen && a->wirelen == b->wirelen &&
	    a->ts_ns == b->ts_ns && a->linktype == b->linktype &&
	    a->frame_no == b->frame_no && a->file_index == b->file_index &&
	    memcmp(a->data, b->data, a->caplen) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcap_source *byname, *stream;
	struct pcap_frame fa, fb;
	struct error ea, eb;
	char path[64];
	const char *p = path;
	uint64_t done, total;
	FILE *fp;
	int fd, ra, rb;

	if (size == 0)
		return 0;
	fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write_all(fd, data, size) < 0) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	fp = fmemopen((void *)data, size, "rb");
	if (fp == NULL) {
		close(fd);
		return 0;
	}
	stream = pcap_source_new_stream(fp, path, &eb);
	byname = pcap_source_new(&p, 1, &ea);
	if (stream == NULL || byname == NULL)
		__builtin_trap();
	do {
		ra = pcap_source_next(byname, &fa, &ea);
		rb = pcap_source_next(stream, &fb, &eb);
		if (ra != rb)
			__builtin_trap();
		/* Every byte handed out is inside the frame (ASan). */
		if (ra == 1 && !same_frame(&fa, &fb))
			__builtin_trap();
		pcap_source_progress(byname, &done, &total);
		if (done > size)
			__builtin_trap();
		pcap_source_progress(stream, &done, &total);
		if (done > size)
			__builtin_trap();
	} while (ra == 1);
	if (ra < 0 && (ea.msg[0] == '\0' || strcmp(ea.msg, eb.msg) != 0))
		__builtin_trap();	/* an error always has a message, the same */
	pcap_source_free(byname);
	pcap_source_free(stream);
	close(fd);
	return 0;
}
