#!/usr/bin/env bash
# summary: a million distinct SYNs through `apiary analyze` run in bounded memory, evictions counted.
#
# Issue 2: "A flood of a million distinct SYNs must run in bounded memory."
# A capture of SYN_FLOOD_N (default 1,000,000) SYNs, each a new 5-tuple
# (256 documentation sources x distinct source ports, over 10 s), is
# analysed with `flows max 1000`:
#   - release program, summary only: every SYN is a flow, all but 1000
#     evicted at the bound, and the peak RSS of the full run exceeds that
#     of a run over the first tenth by less than 16 MiB (memory does not
#     grow with the flood);
#   - ASan program over the first tenth, with outputs: EVE stats say
#     max_active <= 1000 and evicted = created - 1000, one EVE flow event
#     and one conn.log row per flow, eve.json loads in jq.
# No network: the capture is written by a small generator.
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
asan=${APIARY_BIN:-$top/build/asan/bin}/apiary
rel=${APIARY_RELEASE_BIN:-$top/bin}/apiary
n=${SYN_FLOOD_N:-1000000}
tenth=$((n / 10))
py=/usr/bin/python3
for t in "$py" jq; do
  command -v "$t" >/dev/null 2>&1 || { echo "skip: $t is not installed" >&2; exit 77; }
done
[ -x "$asan" ] || { echo "FAIL: $asan is not built" >&2; exit 1; }
[ -x "$rel" ] || rel=$asan	# memory check still holds, only slower
tmp=$(mktemp -d /tmp/apiary-synflood.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# pcap of $2 SYNs into $1: 198.51.100.(i % 256):(1024 + i / 256) -> 203.0.113.1:80
gen() {
  "$py" - "$1" "$2" <<'EOF'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
eth = bytes.fromhex('020000000002' '020000000001' '0800')
with open(path, 'wb') as out:
    out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(n):
        ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, i & 0xffff, 0x4000,
                                   64, 6, 0, bytes([198, 51, 100, i & 255]),
                                   bytes([203, 0, 113, 1])))
        ip[10:12] = struct.pack('!H', csum(bytes(ip)))
        tcp = struct.pack('!HHIIBBHHH', 1024 + (i >> 8) % 64000, 80 + (i >> 8) // 64000,
                          i, 0, 0x50, 0x02, 1024, 0, 0)
        frame = eth + bytes(ip) + tcp
        ts = 1700000000 * 1000000 + i * 10000000 // n   # spread over 10 s
        out.write(struct.pack('<IIII', ts // 1000000, ts % 1000000, len(frame), len(frame)))
        out.write(frame)
EOF
}

# "rss_kb exit": peak RSS of one child run.
run_rss() {
  "$py" -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=open(sys.argv[-1] + ".out", "w"), stderr=subprocess.STDOUT)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)' "$@"
}

gen "$tmp/flood.pcap" "$n" || fail "generator"
gen "$tmp/tenth.pcap" "$tenth" || fail "generator"
printf 'flows max 1000\n' >"$tmp/analyze.conf"

read -r rss_small rc < <(run_rss "$rel" analyze -c "$tmp/analyze.conf" -n "$tmp/tenth.pcap")
[ "$rc" = 0 ] || { cat "$tmp/tenth.pcap.out" >&2; fail "analyze of $tenth SYNs exited $rc"; }
read -r rss_big rc < <(run_rss "$rel" analyze -c "$tmp/analyze.conf" -n "$tmp/flood.pcap")
[ "$rc" = 0 ] || { cat "$tmp/flood.pcap.out" >&2; fail "analyze of $n SYNs exited $rc"; }
grep -q "^packets  *$n " "$tmp/flood.pcap.out" || { cat "$tmp/flood.pcap.out" >&2; fail "not all $n packets read"; }
grep -q "^flows  *$n ($((n - 1000)) evicted at the flow bound)" "$tmp/flood.pcap.out" ||
  { head -5 "$tmp/flood.pcap.out" >&2; fail "expected $n flows, $((n - 1000)) evicted"; }
echo "ok: $n SYNs: $n flows, $((n - 1000)) evicted; peak RSS ${rss_big} kB (${tenth} SYNs: ${rss_small} kB)"
[ $((rss_big - rss_small)) -lt 16384 ] || fail "memory grew with the flood: ${rss_small} kB -> ${rss_big} kB"
echo "ok: memory does not grow with the flood"

"$asan" analyze -q -c "$tmp/analyze.conf" -o "$tmp/out" "$tmp/tenth.pcap" ||
  fail "ASan analyze with outputs exited $?"
stats=$(jq -c 'select(.event_type == "stats") | .stats.flow' "$tmp/out/eve.json") ||
  fail "eve.json does not load in jq"
[ "$(jq -r .created <<<"$stats")" = "$tenth" ] || fail "stats.flow.created: $stats"
[ "$(jq -r '.max_active <= 1000' <<<"$stats")" = true ] || fail "stats.flow.max_active: $stats"
[ "$(jq -r .evicted <<<"$stats")" = $((tenth - 1000)) ] || fail "stats.flow.evicted: $stats"
flows=$(jq -c 'select(.event_type == "flow")' "$tmp/out/eve.json" | wc -l)
[ "$flows" = "$tenth" ] || fail "$flows EVE flow events, expected $tenth"
rows=$(grep -vc '^#' "$tmp/out/conn.log")
[ "$rows" = "$tenth" ] || fail "$rows conn.log rows, expected $tenth"
echo "ok: EVE stats $stats; $flows flow events; $rows conn.log rows"
echo "all checks passed"
