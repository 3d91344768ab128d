#!/usr/bin/env bash
# summary: every scan type nmap and hping3 can make, recorded between namespaces, is reported once.
#
# A scanner namespace (198.51.100.7) probes a target (198.51.100.20) with
# nmap -sS, -sT, -sF, -sN, -sX, -sU and an hping3 ping flood, while an
# ordinary client (198.51.100.30) fetches a page 40 times; tcpdump records
# it all on the target's side.  `apiary analyze` must report exactly one
# episode of each type from the scanner, with the probed port count, and
# nothing from the client or the target.
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
apiary=${APIARY_BIN:-$top/build/asan/bin}/apiary
. "$top/tests/lib/netns.sh"
netns_require tcpdump nmap hping3 jq curl
[ -x "$apiary" ] || { echo "FAIL: $apiary is not built" >&2; exit 1; }
netns_init h3x
tmp=$(netns_tmpdir)
SC=198.51.100.7 CL=198.51.100.30 T=198.51.100.20

# scanner and client on one side of a bridge-less link each, via the target
netns_add scan && netns_add cli && netns_add tgt || exit 1
netns_link scan eth0 $SC/24 tgt eth0 $T/24 || exit 1
netns_link cli eth0 $CL/24 tgt eth1 198.51.100.21/24 || exit 1
netns_exec tgt ip route replace $CL/32 dev eth1
netns_exec cli ip route replace $T/32 dev eth0
netns_exec tgt sysctl -qw net.ipv4.icmp_ratelimit=0
mkdir -p "$tmp/www" && echo hello >"$tmp/www/index.html"
netns_bg tgt /usr/bin/python3 -m http.server 80 --bind $T --directory "$tmp/www" >/dev/null 2>&1
netns_wait_tcp tgt 80 || exit 1

netns_capture_start tgt any "$tmp/scans.pcap" || exit 1
for i in $(seq 40); do netns_exec cli curl -s -m 2 -o /dev/null http://$T/; done
for kind in sS sT sF sN sX; do
  netns_exec scan nmap -n -Pn -$kind -p 1-100 -T4 --max-rate 2000 --max-retries 0 --host-timeout 20s $T >/dev/null
done
netns_exec scan nmap -n -Pn -sU -p 1-40 -T4 --max-rate 2000 --max-retries 0 --host-timeout 20s $T >/dev/null
netns_exec scan hping3 -q -1 -i u2000 -c 100 $T >/dev/null 2>&1
netns_capture_stop
if [ "$NETNS_CAPTURE_DROPS" -gt 0 ]; then
  echo "skip: tcpdump dropped $NETNS_CAPTURE_DROPS packets (machine too busy to record every probe)" >&2
  exit 77
fi

"$apiary" analyze -o "$tmp/out" "$tmp/scans.pcap" >"$tmp/summary" 2>"$tmp/err" ||
  { echo "FAIL: analyze: $(cat "$tmp/err")" >&2; exit 1; }
sed -n '/^scans/,/^anomalies/p' "$tmp/summary"
eve=$tmp/out/eve.json
fails=0
check() {  # type min_ports
  local n
  n=$(jq -c --arg t "$1" --argjson p "$2" 'select(.event_type == "scan" and .scan.type == $t
    and .src_ip == "'$SC'" and .dest_ip == "'$T'" and (.scan.ports_count // 0) >= $p)' "$eve" | wc -l)
  if [ "$n" -eq 1 ]; then echo "ok: $1"; else echo "FAIL: $1: $n matching episodes" >&2; fails=$((fails + 1)); fi
}
check syn_scan 100
check tcp_port_scan 100
check fin_scan 100
check null_scan 100
check xmas_scan 100
check udp_scan 40
check ping_flood 0
total=$(jq -c 'select(.event_type == "scan")' "$eve" | wc -l)
[ "$total" -eq 7 ] && echo "ok: nothing else reported (client $CL, target $T)" ||
  { echo "FAIL: $total scan events, expected 7:" >&2; jq -c 'select(.event_type == "scan") | [.src_ip, .scan.type]' "$eve" >&2; fails=$((fails + 1)); }
[ $fails -eq 0 ] || exit 1
echo "all checks passed"
