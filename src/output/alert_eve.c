/* summary: the EVE `alert` event, with Suricata's fields. */
#include "output/alert_eve.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/timefmt.h"
#include "flow/flow.h"
#include "net/packet.h"

#define PAYLOAD_MAX 65535	/* bytes of payload written (as Suricata's default) */

void
alert_eve_object(struct json *j, const struct detect_alert *a)
{
	const struct detect_rule_info *r = a->rule;

	json_key(j, "alert");
	json_object_begin(j);
	json_kv_str(j, "action", a->blocked ? "blocked" : "allowed");
	json_kv_uint(j, "gid", r->gid);
	json_kv_uint(j, "signature_id", r->sid);
	json_kv_uint(j, "rev", r->rev);
	json_kv_str(j, "signature", r->msg);
	json_kv_str(j, "category", r->class_desc != NULL ? r->class_desc : "");
	json_kv_int(j, "severity", r->priority);
	if (r->nmetadata > 0) {
		/* {"key":["v1","v2"]}: values of a repeated key are grouped */
		json_key(j, "metadata");
		json_object_begin(j);
		for (size_t i = 0; i < r->nmetadata; i++) {
			size_t k;

			for (k = 0; k < i; k++)
				if (strcmp(r->metadata[k].key, r->metadata[i].key) == 0)
					break;
			if (k < i)
				continue;	/* already written with its first */
			json_key(j, r->metadata[i].key);
			json_array_begin(j);
			for (k = i; k < r->nmetadata; k++)
				if (strcmp(r->metadata[k].key, r->metadata[i].key) == 0)
					json_str(j, r->metadata[k].value);
			json_array_end(j);
		}
		json_object_end(j);
	}
	json_object_end(j);
}

static void
base64(struct json *j, const char *key, const uint8_t *data, size_t len)
{
	char *out;

	if (len > PAYLOAD_MAX)
		len = PAYLOAD_MAX;
	out = malloc(4 * ((len + 2) / 3) + 1);
	if (out == NULL)
		return;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	json_kv_str(j, key, out);
	free(out);
}

int
alert_eve_write(struct eve *e, const struct packet *p, const struct flow *f,
    const struct detect_alert *a, const struct alert_eve_options *o)
{
	struct json *j = eve_begin(e, "alert", p->ts_ns, f, p);

	alert_eve_object(j, a);
	if (f != NULL) {
		char ts[TIMEFMT_LEN], s[ADDR_STRLEN], d[ADDR_STRLEN];

		json_kv_str(j, "direction", p->dir == FLOW_TOSERVER ? "to_server" :
		    "to_client");
		json_key(j, "flow");
		json_object_begin(j);
		json_kv_uint(j, "pkts_toserver", f->pkts[FLOW_TOSERVER]);
		json_kv_uint(j, "pkts_toclient", f->pkts[FLOW_TOCLIENT]);
		json_kv_uint(j, "bytes_toserver", f->bytes[FLOW_TOSERVER]);
		json_kv_uint(j, "bytes_toclient", f->bytes[FLOW_TOCLIENT]);
		timefmt_eve(f->first_ns, ts);
		json_kv_str(j, "start", ts);
		json_kv_str(j, "src_ip", addr_str(&f->src, s));
		json_kv_str(j, "dest_ip", addr_str(&f->dst, d));
		if (f->proto == 6 || f->proto == 17) {
			json_kv_uint(j, "src_port", f->sport);
			json_kv_uint(j, "dest_port", f->dport);
		}
		json_object_end(j);
	}
	if (o != NULL && o->payload && a->payload != NULL) {
		char *pr = malloc(a->payload_len + 1);

		base64(j, "payload", a->payload, a->payload_len);
		if (pr != NULL) {
			uint32_t n = a->payload_len > PAYLOAD_MAX ? PAYLOAD_MAX : a->payload_len;

			for (uint32_t i = 0; i < n; i++)
				pr[i] = a->payload[i] >= 0x20 && a->payload[i] < 0x7f ?
				    (char)a->payload[i] : '.';
			json_kv_strn(j, "payload_printable", pr, n);
			free(pr);
		}
		json_kv_uint(j, "payload_length", a->payload_len);
	}
	json_kv_int(j, "stream", a->from_stream);
	if (o != NULL && o->packet && p->frame != NULL)
		base64(j, "packet", p->frame, p->caplen);
	return eve_end(e);
}
