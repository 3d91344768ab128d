/* summary: per-flow TCP tracking: Suricata state, Zeek endpoint states and history. */
#ifndef APIARY_FLOW_FLOW_TCP_H
#define APIARY_FLOW_FLOW_TCP_H

#include "flow/flow.h"

/* Payload length as the headers say (a snaplen may have cut what we have). */
static inline uint32_t
flow_pkt_payload(const struct packet *p)
{
	return p->payload_wirelen > p->payload_len ? p->payload_wirelen : p->payload_len;
}

/* Internal to src/flow: the table calls these for each TCP packet. */
void flow_tcp_update(struct flow *f, const struct packet *p, uint8_t dir);
/* A SYN that starts a new connection on a finished flow (port reuse). */
int flow_tcp_is_reuse(const struct flow *f, const struct packet *p);
/* Appends one history letter (bounded). */
void flow_history_add(struct flow *f, char c);
/* Appends the letter for dir once (uppercase for the initiator). */
void flow_history_add_once(struct flow *f, uint8_t dir, char upper);

#endif
