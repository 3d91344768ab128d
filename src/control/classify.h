/* summary: the gateway's own strict frame classifier for data-control decisions. */
#ifndef APIARY_CONTROL_CLASSIFY_H
#define APIARY_CONTROL_CLASSIFY_H

#include <stdint.h>

#include "net/packet.h"

/*
 * Fills the struct packet fields data control reads (layers, addresses,
 * protocol, ports, TCP flags, ICMP type, fragment fields) from an Ethernet
 * frame.  Policy must not depend on a decoder that is lenient on purpose
 * (an IDS decoder reads on past anomalies), so the gateway classifies with
 * this strict one: anything it cannot read to the transport header sets
 * PKT_INVALID and an outbound invalid frame is dropped.  Unlike the
 * pipeline's decoder it fills L4 for a first fragment (offset 0), which the
 * fragment policy needs.  Never reads past `len`.
 */
void classify_frame(struct packet *p, const uint8_t *frame, uint32_t len,
    uint32_t wirelen, uint64_t ts_ns);

#endif
