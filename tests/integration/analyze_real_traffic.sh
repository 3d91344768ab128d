#!/usr/bin/env bash
# summary: `apiary analyze` on a capture of real tools between namespaces, checked against tshark.
#
# scripts/make-sample-capture.sh records ping, curl, DNS, nc, ssh, nmap SYN
# and UDP scans between two namespaces.  Then:
#   - every TCP and UDP conversation agrees with tshark, frames and bytes
#     per direction (`tshark -z conv,tcp|udp` frames, and frame.len sums);
#   - eve.json loads in jq; conn.log has one row per flow;
#   - the nmap scans are reported as scan events;
#   - a truncated copy fails with the file and the record's byte offset,
#     and what came before is still analysed and written;
#   - a missing file and a non-capture fail with offset 0.
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
apiary=${APIARY_BIN:-$top/build/asan/bin}/apiary
. "$top/tests/lib/netns.sh"
netns_require tshark jq tcpdump nmap curl nc busybox
[ -x "$apiary" ] || { echo "FAIL: $apiary is not built" >&2; exit 1; }

tmp=$(mktemp -d /tmp/h3-analyze-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

bash "$top/scripts/make-sample-capture.sh" "$tmp/sample.pcap"
rc=$?
[ $rc -eq 77 ] && exit 77
[ $rc -eq 0 ] || { echo "FAIL: could not make the sample capture" >&2; exit 1; }

# ---- analyze ------------------------------------------------------------
"$apiary" analyze -o "$tmp/out" "$tmp/sample.pcap" >"$tmp/summary" 2>"$tmp/stderr"
rc=$?
cat "$tmp/summary"
[ $rc -eq 0 ] || { fail "analyze exited $rc: $(cat "$tmp/stderr")"; exit 1; }
eve=$tmp/out/eve.json
jq -e . "$eve" >/dev/null && ok "eve.json loads in jq ($(wc -l <"$eve") events)" || fail "eve.json is not JSON lines"
[ "$(jq -r 'select(.event_type == null)' "$eve" | wc -l)" -eq 0 ] || fail "an event without event_type"
[ "$(jq -c 'select(.event_type == "stats")' "$eve" | wc -l)" -eq 1 ] || fail "no single stats event"

frames=$(tshark -r "$tmp/sample.pcap" 2>/dev/null | wc -l)
grep -q "^packets    $frames " "$tmp/summary" && ok "packets: $frames, as tshark" ||
  fail "summary packets differ from tshark's $frames"

# ---- flows against tshark -------------------------------------------------
# Per direction "proto src:port>dst:port frames bytes", summed per key.
jq -r 'select(.event_type == "flow" and (.proto == "TCP" or .proto == "UDP")) |
  (.proto | ascii_downcase) as $p |
  "\($p) \(.src_ip):\(.src_port)>\(.dest_ip):\(.dest_port) \(.flow.pkts_toserver) \(.flow.bytes_toserver)",
  "\($p) \(.dest_ip):\(.dest_port)>\(.src_ip):\(.src_port) \(.flow.pkts_toclient) \(.flow.bytes_toclient)"' "$eve" |
  awk '$3 > 0 { f[$1" "$2] += $3; b[$1" "$2] += $4 } END { for (k in f) print k, f[k], b[k] }' |
  sort >"$tmp/ours"
for p in tcp udp; do
  tshark -r "$tmp/sample.pcap" -Y "$p && !icmp && !icmpv6" -T fields -E separator=' ' \
    -e ip.src -e ipv6.src -e $p.srcport -e ip.dst -e ipv6.dst -e $p.dstport -e frame.len 2>/dev/null |
    awk -v p=$p 'NF == 5 { k = p " " $1 ":" $2 ">" $3 ":" $4; f[k]++; b[k] += $5 }
      END { for (k in f) print k, f[k], b[k] }'
done | sort >"$tmp/theirs"
n=$(wc -l <"$tmp/theirs")
if [ "$n" -gt 100 ] && diff "$tmp/ours" "$tmp/theirs" >"$tmp/diff"; then
  ok "frames and bytes agree with tshark in all $n conversation directions"
else
  fail "flows differ from tshark ($n directions):"; head -20 "$tmp/diff" >&2
fi
# The conversation tables themselves (frames; tshark prints bytes with
# units).  Columns: A <-> B, then B->A frames, bytes, unit, A->B frames, ...
for p in tcp udp; do
  tshark -r "$tmp/sample.pcap" -q -z conv,$p 2>/dev/null |
    awk -v p=$p '$2 == "<->" { if ($4 > 0) print p, $3 ">" $1, $4; if ($7 > 0) print p, $1 ">" $3, $7 }'
done | awk '{ f[$1" "$2] += $3 } END { for (k in f) print k, f[k] }' | sort >"$tmp/conv"
awk '{ print $1, $2, $3 }' "$tmp/ours" >"$tmp/ours-frames"
if diff "$tmp/ours-frames" "$tmp/conv" >"$tmp/diff2"; then
  ok "frames agree with tshark -z conv,tcp and conv,udp ($(wc -l <"$tmp/conv") directions)"
else
  fail "frames differ from tshark -z conv:"; head -20 "$tmp/diff2" >&2
fi
nflows=$(jq -c 'select(.event_type == "flow")' "$eve" | wc -l)
rows=$(grep -vc '^#' "$tmp/out/conn.log")
[ "$rows" -eq "$nflows" ] && ok "conn.log: $rows rows, one per flow" || fail "conn.log has $rows rows for $nflows flows"
grep -P '\t80\ttcp\t.*\tSF\t' "$tmp/out/conn.log" >/dev/null && ok "conn.log has the HTTP connections as SF" ||
  fail "no SF HTTP connection in conn.log"

# ---- scans ----------------------------------------------------------------
syn=$(jq -c 'select(.event_type == "scan" and .scan.type == "syn_scan" and .src_ip == "192.0.2.10"
  and .dest_ip == "192.0.2.20" and .scan.ports_count >= 500)' "$eve" | wc -l)
[ "$syn" -eq 1 ] && ok "the nmap SYN scan is one syn_scan episode" || fail "nmap SYN scan: $syn matching scan events"
udp=$(jq -c 'select(.event_type == "scan" and .scan.type == "udp_scan" and .src_ip == "192.0.2.10"
  and .scan.ports_count >= 25)' "$eve" | wc -l)
[ "$udp" -eq 1 ] && ok "the nmap UDP scan is one udp_scan episode" ||
  { fail "nmap UDP scan: $udp matching scan events"; jq -c 'select(.event_type == "scan")' "$eve" >&2; }
grep -q '^  syn_scan      192.0.2.10 -> 192.0.2.20' "$tmp/summary" && ok "summary lists the scan" || fail "summary lacks the scan"
other=$(jq -c 'select(.event_type == "scan" and .src_ip != "192.0.2.10")' "$eve" | wc -l)
[ "$other" -eq 0 ] && ok "no scan reported for the server" || fail "$other scan events from other sources"

# ---- bad input ---------------------------------------------------------------
size=$(stat -c %s "$tmp/sample.pcap")
# Cut at 60%, then 5 bytes further so the cut falls inside a record.
head -c $((size * 6 / 10 + 5)) "$tmp/sample.pcap" >"$tmp/cut.pcap"
"$apiary" analyze -o "$tmp/cut" "$tmp/cut.pcap" >"$tmp/cut.summary" 2>"$tmp/cut.err"
rc=$?
good=$(tshark -r "$tmp/cut.pcap" -T fields -e frame.cap_len 2>/dev/null | wc -l)
offset=$(tshark -r "$tmp/cut.pcap" -T fields -e frame.cap_len 2>/dev/null | awk '{ s += 16 + $1 } END { print 24 + s }')
if [ $rc -eq 1 ] && grep -q "cut.pcap: offset $offset: truncated record after frame $good" "$tmp/cut.err"; then
  ok "truncated capture: exit 1, '$(grep -o 'offset.*frame [0-9]*' "$tmp/cut.err")'"
else
  fail "truncated capture: rc $rc, expected offset $offset after frame $good: $(cat "$tmp/cut.err")"
fi
grep -q "^packets    $good " "$tmp/cut.summary" && ok "the $good frames before the cut were analysed" ||
  fail "summary of the cut capture: $(head -1 "$tmp/cut.summary")"
[ "$(jq -c 'select(.event_type == "flow")' "$tmp/cut/eve.json" | wc -l)" -gt 0 ] &&
  [ "$(jq -c 'select(.event_type == "stats")' "$tmp/cut/eve.json" | wc -l)" -eq 1 ] &&
  grep -q '^#close' "$tmp/cut/conn.log" && ok "partial eve.json and conn.log written" || fail "no partial output"

"$apiary" analyze -q -o "$tmp/x" "$tmp/sample.pcap" "$tmp/nonexistent.pcap" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q "nonexistent.pcap: offset 0: cannot open: No such file" "$tmp/err" &&
  [ "$(jq -c 'select(.event_type == "flow")' "$tmp/x/eve.json" | wc -l)" -eq "$nflows" ] &&
  ok "missing second file: exit 1, the first file fully analysed" || fail "missing file: rc $rc $(cat "$tmp/err")"
"$apiary" analyze -q -o "$tmp/x" "$top/README.md" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q "README.md: offset 0: not a pcap or pcapng capture" "$tmp/err" &&
  ok "not a capture: exit 1, named" || fail "not a capture: rc $rc $(cat "$tmp/err")"
"$apiary" analyze --help | grep -q '^usage: apiary analyze' && ok "--help" || fail "--help"

[ $fails -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "all checks passed"
