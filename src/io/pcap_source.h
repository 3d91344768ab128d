/* summary: capture files (pcap and pcapng) read in order, frame by frame. */
#ifndef APIARY_IO_PCAP_SOURCE_H
#define APIARY_IO_PCAP_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

/*
 * A pcap source reads one or more capture files, one after another, with
 * libpcap (classic pcap, nanosecond pcap and pcapng all work; classic pcap
 * in a regular file is mapped and read in place, with libpcap's checks)
 * and hands out their frames with nanosecond timestamps.  A frame's data
 * stays valid until the next call -- except after pcap_source_keep_mapped():
 * then the frames of mapped files (frame.stable == 1) stay valid until
 * pcap_source_free(), so a consumer may keep pointers to them (apiary
 * tcpflow hands payload to its writer thread without copying it).
 *
 * Errors always name the file and a byte offset: for a bad record, the
 * offset where that record starts (everything before it has been
 * delivered); for a file that cannot be opened or is not a capture, 0; for
 * an unsupported link type, where the link type is declared.
 *
 * Link types: by default every link type is accepted; a caller that can
 * decode only some sets them with pcap_source_accept_linktypes(), and a file
 * of another link type is then an error when it is reached.
 */
struct pcap_source;

struct pcap_frame {
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
	uint64_t ts_ns;
	int linktype;		/* DLT_* of the file (libpcap maps LINKTYPE_RAW 101 to DLT_RAW 12) */
	uint64_t frame_no;	/* 1-based, within its file */
	size_t file_index;	/* which of the files */
	int stable;		/* 1: data stays valid until pcap_source_free()
				 * (a mapped file, keep_mapped set); 0: until the
				 * next call */
};

/* Files are opened only when reached; a missing one is an error then. */
struct pcap_source *pcap_source_new(const char *const *paths, size_t npaths,
    struct error *err);
/* One capture from an open stream (fmemopen, a pipe); takes fp over. */
struct pcap_source *pcap_source_new_stream(FILE *fp, const char *name,
    struct error *err);
void pcap_source_free(struct pcap_source *s);

/*
 * Call before reading: mapped files stay mapped until pcap_source_free()
 * (by default a file is unmapped when it ends).  Memory: the mappings are
 * address space, not RSS: pages more than lag bytes behind the reader are
 * still dropped (MADV_DONTNEED; touching them again refaults them from the
 * page cache, same bytes), and a finished file's resident pages are all
 * dropped.  lag: how far behind the reader the consumers of the frames
 * read them (e.g. the writer threads of apiary tcpflow); a page they
 * touch after it was dropped comes back and stays until the end.
 */
void pcap_source_keep_mapped(struct pcap_source *s, uint64_t lag);

/* Accepts only these link types (copied); n == 0 accepts all again. */
int pcap_source_accept_linktypes(struct pcap_source *s, const int *types,
    size_t n, struct error *err);

/* 1: a frame in *f; 0: all files done; -1: error (err says file and offset). */
int pcap_source_next(struct pcap_source *s, struct pcap_frame *f,
    struct error *err);

/*
 * Calls fn for every frame until the end (0), an error (-1), or fn returns
 * non-zero (that value is returned).
 */
typedef int (*pcap_frame_fn)(void *ctx, const struct pcap_frame *f);
int pcap_source_run(struct pcap_source *s, pcap_frame_fn fn, void *ctx,
    struct error *err);

/* Progress: bytes consumed of all files, and their total size (0: unknown). */
void pcap_source_progress(const struct pcap_source *s, uint64_t *done,
    uint64_t *total);
/* The file currently read (or last read), and its link type (-1: none yet). */
const char *pcap_source_file(const struct pcap_source *s);
int pcap_source_linktype(const struct pcap_source *s);
/* Frames delivered so far, over all files. */
uint64_t pcap_source_frames(const struct pcap_source *s);

#endif
