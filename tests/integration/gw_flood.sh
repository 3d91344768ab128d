#!/usr/bin/env bash
# summary: a bounded outbound SYN flood from the honeypot is held to its limit; gateway memory stays bounded.
set -u
cd "${APIARY_TOP:-$(dirname "$0")/../..}"
. tests/lib/gwnet.sh
fail() { echo "FAIL: $*" >&2; NETNS_KEEP_TMP=1; [ -n "${GW_LOG_FILE:-}" ] && tail -n 20 "$GW_LOG_FILE" >&2; exit 1; }

[ -x "$(gwnet_bin)" ] || { echo "skip: $(gwnet_bin) not built" >&2; exit 77; }
netns_require hping3 tcpdump
gwnet_setup h8f || fail "topology"
tmp=$NETNS_TMP
# A small flow table (the bound is tested too) and a fast drop-event cap.
gwnet_config "$tmp/gw.conf" "honeypot $GW_HP { limit tcp 10/hour }" \
    "flow-table max 1024" "drop-log 5/second"
gwnet_start_gw "$tmp/gw.conf" || fail "start"
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$GW_PID/status"; }

netns_exec a busybox ping -c 1 -W 2 "$GW_HP" >/dev/null || fail "no path"
sleep 1
rss0=$(rss)
netns_capture_start a eth0 "$tmp/a.pcap" "tcp[tcpflags] & tcp-syn != 0" || fail "tcpdump"
# 20000 SYNs, each from a new source port (a new connection), ~10 s max.
netns_exec h timeout 30 hping3 -q -S -p 8080 -c 20000 -i u200 "$GW_AT" >/dev/null 2>&1
# And 20000 SYNs inbound from random spoofed sources (inbound is never
# limited: they fill the flow table, which must stay at its bound).
netns_exec a timeout 30 hping3 -q -S -p 80 -c 20000 -i u200 --rand-source "$GW_HP" >/dev/null 2>&1
sleep 1.5
netns_capture_stop
rss1=$(rss)
n=$(tcpdump -nr "$tmp/a.pcap" "src $GW_HP and dst port 8080" 2>/dev/null | wc -l)
echo "SYNs that left the honeynet: $n of 20000; RSS ${rss0} kB -> ${rss1} kB"
[ "$n" -le 10 ] && [ "$n" -ge 9 ] || fail "outbound SYN flood: $n SYNs left (limit 10)"
# The flood may not grow the gateway by more than 16 MB (tables are fixed).
[ $((rss1 - rss0)) -lt 16384 ] || fail "RSS grew from $rss0 kB to $rss1 kB"
gwnet_stop_gw
[ "$GW_RC" = 0 ] || fail "exit status $GW_RC"
eve=$tmp/eve.json
nlimit=$(grep -c '"event_type":"limit"' "$eve")
[ "$nlimit" = 1 ] || fail "$nlimit limit events for one window"
ndrop=$(grep -c '"event_type":"drop"' "$eve")
[ "$ndrop" -lt 200 ] || fail "$ndrop drop events: not rate limited"
grep '"event_type":"drop"' "$eve" | grep -q '"suppressed":[1-9]' || fail "drop events lack the suppressed count"
tail -n 1 "$eve" | grep -q '"active":[0-9]*,"max":1024,"evicted":[1-9]' || fail "flow table bound not held: $(tail -n1 "$eve" | grep -o '"flows":{[^}]*}')"
echo "ok: flood held"
