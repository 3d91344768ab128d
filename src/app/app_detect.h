/* summary: application protocol detection by content (HTTP, TLS, DNS), ports only as a hint. */
#ifndef APIARY_APP_APP_DETECT_H
#define APIARY_APP_APP_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"

/*
 * TCP: looks at the first bytes of each direction (d[0] to server, d[1]
 * to client; either may be empty).  Returns the protocol, APP_PROTO_FAILED
 * when no parser can take the flow, or APP_PROTO_UNKNOWN when more bytes
 * are needed.  The client's bytes decide when present; a flow picked up
 * after its request is recognised by the server's first bytes (HTTP
 * status line, TLS ServerHello).  DNS over TCP needs port 53 on either
 * side or a length-prefixed message that passes dns_plausible().
 */
enum app_proto app_detect_tcp(const uint8_t *const d[2], const size_t n[2],
    uint16_t sport, uint16_t dport);
/* UDP: DNS on port 53 (either side), or any datagram passing dns_plausible(). */
enum app_proto app_detect_udp(const uint8_t *d, size_t n, uint16_t sport,
    uint16_t dport);

#endif
