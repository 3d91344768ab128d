/* summary: rotating pcap writer fed through a bounded ring, off the forwarding path. */
#ifndef APIARY_CAPTURE_PCAP_RING_H
#define APIARY_CAPTURE_PCAP_RING_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * The forwarding thread copies each frame into a fixed-size ring and goes
 * on; a writer thread empties the ring into classic pcap files with
 * nanosecond timestamps (magic 0xa1b23c4d), rotated by size and/or time
 * like tcpdump -C/-G, keeping at most `keep_files` files and `keep_bytes`
 * bytes (the oldest are deleted, including ones left by an earlier run).
 * A full ring (slow disk) loses the frame, counted in `dropped`; it never
 * blocks the caller.  Memory: `ring_bytes` plus nothing else (writev from the ring).
 */
struct pcap_ring_config {
	const char *dir;
	const char *prefix;		/* file names: PREFIX-<UTC time>-<seq>.pcap */
	uint64_t rotate_bytes;		/* 0: no size rotation */
	uint64_t rotate_ns;		/* 0: no time rotation */
	uint64_t keep_files;		/* 0: no bound on the count */
	uint64_t keep_bytes;		/* 0: no bound on the total */
	size_t ring_bytes;		/* >= 64 KiB */
	uint32_t snaplen;
};

struct pcap_ring_stats {
	uint64_t packets;		/* written */
	uint64_t bytes;			/* written, headers included */
	uint64_t dropped;		/* ring full: lost to capture */
	uint64_t write_errors;		/* frames lost to a failing disk */
	uint64_t files_opened, files_deleted;
	uint64_t buffered_bytes;	/* written through the page cache to catch up */
};

struct pcap_ring;

struct pcap_ring *pcap_ring_new(const struct pcap_ring_config *cfg,
    struct error *err);
/* Copies one frame in; 0, or -1 if the ring is full (counted). */
int pcap_ring_write(struct pcap_ring *r, uint64_t ts_ns, const uint8_t *data,
    uint32_t caplen, uint32_t wirelen);
/* Like pcap_ring_write with the frame given in two pieces (a VLAN tag put back). */
int pcap_ring_write2(struct pcap_ring *r, uint64_t ts_ns, const uint8_t *a,
    uint32_t alen, const uint8_t *b, uint32_t blen, uint32_t wirelen);
/* Pins the writer thread to cpus (apiary-gw cpu-affinity capture). */
int pcap_ring_set_cpus(struct pcap_ring *r, const cpu_set_t *cpus,
    struct error *err);
void pcap_ring_get_stats(struct pcap_ring *r, struct pcap_ring_stats *st);
/* Waits until everything queued so far is on disk (flushed). */
void pcap_ring_sync(struct pcap_ring *r);
/* Test hook: 1 stops the writer thread from draining (a stalled disk). */
void pcap_ring_hold(struct pcap_ring *r, int hold);
/* Drains the ring, closes the file and stops the thread. */
void pcap_ring_free(struct pcap_ring *r);

#endif
