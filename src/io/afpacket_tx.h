/* summary: the transmit thread: hands frames queued in TX rings to the kernel off the forwarding thread. */
#ifndef APIARY_IO_AFPACKET_TX_H
#define APIARY_IO_AFPACKET_TX_H

#include <sched.h>
#include <stdint.h>

#include "core/error.h"
#include "io/afpacket.h"

/*
 * With veth (and any device whose transmit completes in the sender's
 * context) the send(2) that hands a TX ring to the kernel runs the whole
 * receiving side too: the peer's IP and TCP input, its ACKs, and the
 * sender's next segments landing in our RX ring.  Measured on the
 * benchmark topology that is about two thirds of the forwarding thread.
 * A transmit thread takes those system calls: the forwarding thread only
 * decides, captures and copies frames into the TX ring, then asks for a
 * kick (afp_tx_thread_kick: an atomic flag, a wake-up only when the thread
 * sleeps).  The TX ring is the queue between them; the kernel takes the
 * frames in ring order, so order is kept.
 */
struct afp_tx_thread;

struct afp_tx_thread *afp_tx_thread_new(struct afp_port *const *ports, int nports,
    struct error *err);
/* Frames were queued on ports[i]: have them sent soon. */
void afp_tx_thread_kick(struct afp_tx_thread *t, int i);
/* Pins the thread to cpus (cpu-affinity). */
int afp_tx_thread_set_cpus(struct afp_tx_thread *t, const cpu_set_t *cpus,
    struct error *err);
/* send(2) failures of the thread on ports[i] (other than a full queue). */
uint64_t afp_tx_thread_errors(const struct afp_tx_thread *t, int i);
/* Sends what is queued and stops the thread. */
void afp_tx_thread_free(struct afp_tx_thread *t);

#endif
