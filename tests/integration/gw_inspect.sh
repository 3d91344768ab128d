#!/usr/bin/env bash
# summary: apiary-gw with 'inspect on': the shared pipeline writes scans and the only flow records (one per connection, direction, community_id).
set -u
cd "${APIARY_TOP:-$(dirname "$0")/../..}"
. tests/lib/gwnet.sh
fail() { echo "FAIL: $*" >&2; NETNS_KEEP_TMP=1; [ -n "${GW_LOG_FILE:-}" ] && tail -n 20 "$GW_LOG_FILE" >&2; exit 1; }

[ -x "$(gwnet_bin)" ] || { echo "skip: $(gwnet_bin) not built" >&2; exit 77; }
netns_require nmap nc jq
gwnet_setup h8i || fail "topology"
tmp=$NETNS_TMP
gwnet_config "$tmp/gw.conf" "honeypot $GW_HP { limit tcp 3/minute }" "inspect on"
netns_bg h nc -lk 80
netns_wait_tcp h 80 || fail "listener"
netns_bg a nc -lk 8080
netns_wait_tcp a 8080 || fail "outside listener"
gwnet_start_gw "$tmp/gw.conf" || fail "start"
# An inbound SYN scan of 60 ports: never limited, seen by scan detection.
netns_exec a timeout 60 nmap -n -Pn -sS -T4 --max-retries 0 -p 1-60,80 "$GW_HP" >"$tmp/nmap.txt" 2>&1 || fail "nmap"
grep -q "80/tcp *open" "$tmp/nmap.txt" || fail "scan did not reach the honeypot: $(cat "$tmp/nmap.txt")"
# One whole connection each way, with data.
echo inbound | netns_exec a nc -w 2 -q 1 -p 40001 "$GW_HP" 80 || fail "inbound connection"
echo outbound | netns_exec h nc -w 2 -q 1 -p 40002 "$GW_AT" 8080 || fail "outbound connection"
sleep 0.5
gwnet_stop_gw
[ "$GW_RC" = 0 ] || fail "exit status $GW_RC"
eve=$tmp/eve.json
# Every line is whole JSON although two writers append to the file.
jq -c . "$eve" >/dev/null || fail "interleaved EVE lines"
grep -q '"event_type":"scan"' "$eve" || fail "no scan event from the pipeline"
jq -c 'select(.event_type == "flow")' "$eve" >"$tmp/flows.json"
n=$(wc -l <"$tmp/flows.json")
[ "$n" -ge 63 ] || fail "only $n flow records (61 probes + 2 connections expected)"
# One record per connection: no 5-tuple twice (data control's own records,
# with in_iface and without community_id, are gone with inspect on).
dups=$(jq -r '[.proto, .src_ip, .src_port, .dest_ip, .dest_port] | @tsv' "$tmp/flows.json" | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || fail "$dups connections with more than one flow record"
[ "$(jq -c 'select(.community_id == null or .in_iface != null)' "$tmp/flows.json" | wc -l)" = 0 ] ||
  fail "a flow record without community_id, or the gateway's own"
[ "$(jq -c 'select(.direction == null)' "$tmp/flows.json" | wc -l)" = 0 ] || fail "a flow record without direction"
jq -e -s "any(.[]; .src_port == 40001 and .dest_ip == \"$GW_HP\" and .direction == \"inbound\" and .flow.bytes_toserver > 0)" \
  "$tmp/flows.json" >/dev/null || fail "the inbound connection is not an inbound flow"
jq -e -s "any(.[]; .src_ip == \"$GW_HP\" and .src_port == 40002 and .direction == \"outbound\" and .flow.bytes_toserver > 0)" \
  "$tmp/flows.json" >/dev/null || fail "the outbound connection is not an outbound flow"
# conn.log: the pipeline's rows only (uid C..., flow_id-based), one per
# connection, direction as Zeek's local_orig/local_resp.
cl=$tmp/conn.log
grep -q '^#fields' "$cl" || fail "conn.log without header"
grep -v '^#' "$cl" | awk -F'\t' '$2 !~ /^C/ { bad++ } END { exit bad > 0 }' || fail "conn.log rows not from the pipeline"
rows=$(grep -vc '^#' "$cl")
[ "$rows" = "$n" ] || fail "conn.log has $rows rows for $n flow records"
grep -v '^#' "$cl" | awk -F'\t' -v hp="$GW_HP" '$4 == 40001 && $5 == hp && $13 == "F" && $14 == "T" { ok = 1 } END { exit !ok }' ||
  fail "conn.log: inbound connection not local_orig F / local_resp T"
grep -v '^#' "$cl" | awk -F'\t' -v hp="$GW_HP" '$3 == hp && $4 == 40002 && $13 == "T" && $14 == "F" { ok = 1 } END { exit !ok }' ||
  fail "conn.log: outbound connection not local_orig T / local_resp F"
dups=$(grep -v '^#' "$cl" | cut -f3-7 | sort | uniq -d | wc -l)
[ "$dups" = 0 ] || fail "conn.log: $dups connections twice"
echo "ok: inspect ($n flow records, one per connection, with direction and community_id)"
