/* summary: EVE http, dns, tls and fileinfo events (Suricata field names). */
#ifndef APIARY_OUTPUT_EVE_APP_H
#define APIARY_OUTPUT_EVE_APP_H

#include <stdint.h>

#include "app/app_dns.h"
#include "app/app_files.h"
#include "app/app_http.h"
#include "app/app_tls.h"
#include "output/eve.h"

/*
 * Each writes one line through the EVE writer, with the flow's header
 * (flow_id joins it to the flow event), "tx_id" where Suricata has one,
 * "app_proto", and the protocol object:
 *   http:     hostname, url, http_user_agent, http_content_type,
 *             http_refer, http_method, protocol, status, length, redirect
 *   dns:      type query|answer, id, rrname, rrtype, tx_id, opcode; for
 *             answers version 2, flags, qr/aa/tc/rd/ra, rcode, answers[]
 *             {rrname, rrtype, ttl, rdata}, grouped{TYPE:[rdata]}
 *   tls:      subject, issuerdn, serial, fingerprint, sni, version,
 *             notbefore, notafter, ja3{hash,string}, ja3s{hash,string}
 *   fileinfo: the http object of its transaction and fileinfo{filename,
 *             gaps, state, sha256, stored, size, tx_id, magic, file_id}
 * p (may be NULL) gives the event's addresses (DNS answers come from the
 * server); with NULL, the flow's initiator is src.  0 or -1 (eve_error()).
 */
int eve_app_http(struct eve *e, uint64_t ts_ns, const struct flow *f,
    const struct http_txinfo *tx);
int eve_app_dns(struct eve *e, uint64_t ts_ns, const struct flow *f,
    const struct packet *p, uint64_t tx_id, const struct dns_msg *m);
int eve_app_tls(struct eve *e, uint64_t ts_ns, const struct flow *f,
    const struct tls_state *t);
int eve_app_fileinfo(struct eve *e, uint64_t ts_ns, const struct flow *f,
    const struct http_txinfo *tx, int dir, const struct file_result *r);

#endif
