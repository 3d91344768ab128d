/* summary: the decoder: frames of any supported link type into struct packet. */
#ifndef APIARY_NET_DECODE_H
#define APIARY_NET_DECODE_H

#include <stdint.h>

#include "core/error.h"
#include "net/packet.h"

/*
 * CONTRACT (to be completed by the net module):
 *
 *   struct decoder *decoder_new(const struct decoder_config *cfg, struct error *err);
 *   void decoder_free(struct decoder *d);
 *   int decode_frame(struct decoder *d, struct packet *p, int linktype,
 *       const uint8_t *data, uint32_t caplen, uint32_t wirelen, uint64_t ts_ns);
 *
 * decode_frame() never fails hard: malformed input sets PKT_INVALID and
 * p->anomaly, counts the anomaly, and stops at the bad layer.
 */

#endif
