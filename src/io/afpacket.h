/* summary: AF_PACKET TPACKET_V2 RX and TX rings on one interface, for bridging. */
#ifndef APIARY_IO_AFPACKET_H
#define APIARY_IO_AFPACKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/*
 * One packet socket per bridge port, with an RX ring and a TX ring mapped
 * in one mmap (TPACKET_V2: Suricata's advice for inline use; V3's block
 * timeout adds latency).  A frame read on port A is forwarded by copying
 * it into port B's TX ring and kicking B's socket once per batch: the
 * kernel does not loop a frame back to the socket that sent it, and with
 * PACKET_QDISC_BYPASS it is not shown to other packet sockets either, so
 * the bridge never sees its own output.  PACKET_IGNORE_OUTGOING keeps the
 * host's own transmissions on the port out of the RX ring.  The port is
 * promiscuous while the socket is open (a membership, dropped by the
 * kernel when the process dies).
 *
 * Memory: 2 x ring_frames x frame_size per port (frame_size is the
 * smallest power of two >= 2048 holding an MTU-sized frame plus two VLAN
 * tags and the ring header).
 */
struct afp_config {
	uint32_t ring_frames;	/* per ring; rounded up to whole blocks */
	int qdisc_bypass;
};

struct afp_frame {
	const uint8_t *data;	/* from the destination MAC */
	uint32_t caplen, wirelen;
	uint64_t ts_ns;
	int vlan;		/* the kernel stripped a tag: tci/tpid below */
	int csum_not_ready;	/* L4 checksum left to the (absent) NIC: veth peers */
	uint16_t vlan_tci, vlan_tpid;
	void *slot;
};

struct afp_stats {
	uint64_t rx_packets, rx_kernel_drops;
	uint64_t tx_packets, tx_ring_full, tx_errors;
};

struct afp_port;

struct afp_port *afp_open(const char *ifname, const struct afp_config *cfg,
    struct error *err);
void afp_close(struct afp_port *p);
int afp_fd(const struct afp_port *p);
const char *afp_name(const struct afp_port *p);
uint32_t afp_mtu(const struct afp_port *p);
/* 1 and *f filled if a frame is waiting, else 0.  Give it back with afp_rx_done. */
int afp_rx_next(struct afp_port *p, struct afp_frame *f);
void afp_rx_done(struct afp_port *p, struct afp_frame *f);
/* Queues a frame given in up to two pieces; -1 if the TX ring is full. */
int afp_tx_queue(struct afp_port *p, const uint8_t *a, uint32_t alen,
    const uint8_t *b, uint32_t blen);
/* Hands queued frames to the kernel (one system call). */
void afp_tx_kick(struct afp_port *p);
/* The system call alone, for another thread (io/afpacket_tx.h): any
 * thread may call it; -1 if it failed other than with a full queue. */
int afp_tx_send(struct afp_port *p);
/* The caller handed the queued frames to that thread. */
void afp_tx_pending_clear(struct afp_port *p);
void afp_get_stats(struct afp_port *p, struct afp_stats *st);

/*
 * Checks a port before bridging: exists and is up, and carries no IPv4 or
 * non-link-local IPv6 address (it must not be a host on either network).
 * Unless keep_offloads, turns GRO, LRO, GSO and TSO off (ethtool ioctls) so
 * no frame larger than the MTU reaches or leaves the bridge, and checks they
 * are off.  Warnings (e.g. an IPv6 link-local address) go to warn.
 */
int afp_check_port(const char *ifname, int keep_offloads, char *warn,
    size_t warnlen, struct error *err);
/* 1 if the interface exists. */
int afp_if_exists(const char *ifname);

#endif
