/* summary: the EVE `alert` event, with Suricata's fields. */
#ifndef APIARY_OUTPUT_ALERT_EVE_H
#define APIARY_OUTPUT_ALERT_EVE_H

#include "core/json.h"
#include "detect/detect.h"
#include "output/eve.h"

struct flow;
struct packet;

struct alert_eve_options {
	int payload;		/* "payload" (base64) and "payload_printable" */
	int packet;		/* "packet": the frame, base64 */
};

/*
 * {header..., "alert":{"action":"allowed"|"blocked","gid","signature_id",
 *  "rev","signature","category","severity","metadata":{"k":["v"]}},
 *  "direction":"to_server"|"to_client", "flow":{pkts/bytes/start/src/dest},
 *  ["payload","payload_printable"], "stream":0|1, ["packet"]}
 * The header is eve_begin()'s (addresses of the packet, flow_id,
 * community_id).
 */
int alert_eve_write(struct eve *e, const struct packet *p, const struct flow *f,
    const struct detect_alert *a, const struct alert_eve_options *o);

/* Just the "alert" object (key included), for other event builders. */
void alert_eve_object(struct json *j, const struct detect_alert *a);

#endif
