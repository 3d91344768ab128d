#!/usr/bin/env bash
# summary: VLAN tags, tunnels, IPv6, unknown ethertypes and stray fragments cannot carry traffic out past apiary-gw.
set -u
cd "${APIARY_TOP:-$(dirname "$0")/../..}"
. tests/lib/gwnet.sh
fail() { echo "FAIL: $*" >&2; NETNS_KEEP_TMP=1; [ -n "${GW_LOG_FILE:-}" ] && tail -n 20 "$GW_LOG_FILE" >&2; exit 1; }

[ -x "$(gwnet_bin)" ] || { echo "skip: $(gwnet_bin) not built" >&2; exit 77; }
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null ||
    { echo "skip: python3-scapy is not installed" >&2; exit 77; }
netns_require tcpdump
gwnet_setup h8e || fail "topology"
tmp=$NETNS_TMP
gwnet_config "$tmp/gw.conf" "honeypot $GW_HP" "drop-log 100/second"
gwnet_start_gw "$tmp/gw.conf" || fail "start"
hmac=$(netns_exec h cat /sys/class/net/eth0/address)
amac=$(netns_exec a cat /sys/class/net/eth0/address)

netns_capture_start a eth0 "$tmp/a.pcap" "not arp" || fail "tcpdump a"
netns_exec h /usr/bin/python3 - "$hmac" "$amac" "$GW_HP" "$GW_AT" <<'PY' || fail "scapy (out)"
import sys
from scapy.all import Ether, Dot1Q, IP, IPv6, UDP, TCP, GRE, Raw, sendp
hm, am, hp, at = sys.argv[1:5]
e = Ether(src=hm, dst=am)
frames = [
    e / IP(src=hp, dst=at) / UDP(sport=1111, dport=9999) / b"control",      # passes
    e / Dot1Q(vlan=5) / IP(src=hp, dst=at) / UDP(sport=1112, dport=9999) / b"vlan",
    e / IPv6(src="2001:db8::10", dst="2001:db8::1") / UDP(sport=1113, dport=9999) / b"v6",
    e / IP(src=hp, dst=at) / GRE() / IP(src=hp, dst=at) / UDP(sport=1114, dport=9999) / b"gre",
    e / IP(src=hp, dst=at, proto=4) / IP(src=hp, dst=at) / UDP(sport=1115, dport=9999) / b"ipip",
    Ether(src=hm, dst=am, type=0x88b5) / Raw(b"unknown ethertype payload"),
    e / IP(src=hp, dst=at, id=4242, frag=100, proto=17) / Raw(b"x" * 64),   # later fragment alone
    e / IP(src=hp, dst=at, id=4243, flags="MF", proto=6) / Raw(b"\x00" * 8),  # first fragment, no TCP header
]
sendp(frames, iface="eth0", verbose=False)
PY
sleep 0.5
netns_capture_stop
n=$(tcpdump -nr "$tmp/a.pcap" "ether src $hmac" 2>/dev/null | wc -l)
tcpdump -enr "$tmp/a.pcap" 2>/dev/null | grep -q "1111 > .*9999" || fail "the control datagram did not pass"
[ "$n" = 1 ] || { tcpdump -enr "$tmp/a.pcap" >&2; fail "$n frames left the honeynet, expected only the control one"; }

# Inbound, a VLAN-tagged frame passes unchanged (the tag put back).
netns_capture_start h eth0 "$tmp/h.pcap" "not arp" || fail "tcpdump h"
netns_exec a /usr/bin/python3 - "$amac" "$hmac" "$GW_AT" "$GW_HP" <<'PY' || fail "scapy (in)"
import sys
from scapy.all import Ether, Dot1Q, IP, UDP, sendp
am, hm, at, hp = sys.argv[1:5]
sendp(Ether(src=am, dst=hm) / Dot1Q(vlan=7) / IP(src=at, dst=hp, ttl=33) / UDP(sport=2222, dport=9999) / b"in-vlan",
      iface="eth0", verbose=False)
PY
sleep 0.5
netns_capture_stop
tcpdump -enr "$tmp/h.pcap" 2>/dev/null | grep "vlan 7" | grep -q "ttl 33\|2222 > " ||
    tcpdump -envr "$tmp/h.pcap" 2>/dev/null | grep -q "vlan 7" || fail "inbound VLAN frame not delivered with its tag"

gwnet_stop_gw
for r in vlan ipv6 tunnel ethertype fragment malformed; do
	grep '"event_type":"drop"' "$tmp/eve.json" | grep -q "\"reason\":\"$r\"" || fail "no drop event with reason $r"
done
echo "ok: no way around the policy"
