/* summary: the EVE form of a scan episode (src_ip, dest_ip, scan{...}). */
#include "core/timefmt.h"
#include "scan/scan.h"

void
scan_episode_json(const struct scan_episode *ep, struct json *j,
    uint32_t max_ports_listed)
{
	char a[ADDR_STRLEN], t[TIMEFMT_LEN];
	uint32_t listed = 0;

	json_kv_str(j, "src_ip", addr_str(&ep->src, a));
	if (ep->ntargets == 1 && !ep->targets_estimated)
		json_kv_str(j, "dest_ip", addr_str(&ep->targets[0], a));
	json_key(j, "scan");
	json_object_begin(j);
	json_kv_str(j, "type", scan_type_name(ep->type));
	if (ep->src_prefix != 0) {
		struct prefix pf = { .addr = ep->src, .len = ep->src_prefix };
		char n[ADDR_STRLEN + 4];

		json_kv_str(j, "src_net", prefix_str(&pf, n));
	}
	timefmt_eve(ep->first_ns, t);
	json_kv_str(j, "start", t);
	timefmt_eve(ep->last_ns, t);
	json_kv_str(j, "end", t);
	json_kv_double(j, "duration",
	    (double)(ep->last_ns - ep->first_ns) / 1e9);
	json_kv_uint(j, "packets", ep->packets);
	json_kv_uint(j, "bytes", ep->bytes);
	json_kv_uint(j, "targets_count", ep->targets_count);
	if (ep->targets_estimated)
		json_kv_bool(j, "targets_estimated", 1);
	json_key(j, "targets");
	json_array_begin(j);
	for (uint32_t i = 0; i < ep->ntargets; i++)
		json_str(j, addr_str(&ep->targets[i], a));
	json_array_end(j);
	if (ep->port_bits != NULL) {
		json_kv_uint(j, "ports_count", ep->ports_count);
		json_key(j, "ports");
		json_array_begin(j);
		for (uint32_t p = 0; p < 65536 && listed < max_ports_listed; p++) {
			if (ep->port_bits[p >> 3] == 0) {
				p |= 7;
				continue;
			}
			if (ep->port_bits[p >> 3] & (1u << (p & 7))) {
				json_uint(j, p);
				listed++;
			}
		}
		json_array_end(j);
	}
	json_kv_str(j, "reason", ep->reason);
	json_object_end(j);
}
