#!/usr/bin/env bash
# summary: apiary-gw holds a honeypot's outbound bandwidth cap within 10% on a bounded transfer.
set -u
cd "${APIARY_TOP:-$(dirname "$0")/../..}"
. tests/lib/gwnet.sh
fail() { echo "FAIL: $*" >&2; NETNS_KEEP_TMP=1; [ -n "${GW_LOG_FILE:-}" ] && tail -n 20 "$GW_LOG_FILE" >&2; exit 1; }

# Timing-sensitive: prefer the release build when there is one.
[ -x "${APIARY_RELEASE_BIN:-/nonexistent}/apiary-gw" ] && APIARY_BIN=$APIARY_RELEASE_BIN
[ -x "$(gwnet_bin)" ] || { echo "skip: $(gwnet_bin) not built" >&2; exit 77; }
netns_require iperf3 jq
gwnet_setup h8w || fail "topology"
tmp=$NETNS_TMP
gwnet_config "$tmp/gw.conf" "honeypot $GW_HP { bandwidth 4mbit }"
netns_bg a iperf3 -s -1 -p 5201
netns_wait_tcp a 5201 || fail "iperf3 server"
gwnet_start_gw "$tmp/gw.conf" || fail "start"

# 4 MB at 4 Mbit/s: about 8 s.  The receiver's rate is what got through.
netns_exec h timeout 40 iperf3 -c "$GW_AT" -p 5201 -n 4M -J >"$tmp/iperf.json" || fail "iperf3"
bps=$(jq '.end.sum_received.bits_per_second' "$tmp/iperf.json")
echo "outbound rate with a 4mbit cap: $bps bit/s"
awk -v b="$bps" 'BEGIN { exit !(b >= 3600000 && b <= 4400000) }' ||
    fail "rate $bps bit/s is not within 10% of 4000000"
gwnet_stop_gw
grep -q '"bandwidth_drops":[1-9]' "$tmp/eve.json" || fail "no bandwidth drops counted"

# Inbound is not capped: the same transfer the other way runs far faster.
gwnet_start_gw "$tmp/gw.conf" || fail "restart"
netns_bg h iperf3 -s -1 -p 5202
netns_wait_tcp h 5202 || fail "iperf3 server in h"
netns_exec a timeout 40 iperf3 -c "$GW_HP" -p 5202 -n 4M -J >"$tmp/iperf-in.json" || fail "iperf3 inbound"
bin=$(jq '.end.sum_received.bits_per_second' "$tmp/iperf-in.json")
echo "inbound rate: $bin bit/s"
awk -v b="$bin" 'BEGIN { exit !(b > 20000000) }' || fail "inbound limited to $bin bit/s"
echo "ok: bandwidth cap"
