#!/usr/bin/env bash
# summary: bench/ids: IDS throughput per core with 100 rules and with all loadable ET Open rules, vs bare Hyperscan.
#
# Usage: bench/ids/run.sh [MEGABYTES]   (capture size, default 150)
# Builds the release library and bench/ids/ids_bench.c, writes a mixed
# capture once (bench/ids/mkmixed.py, cached in build/bench-ids/), and for
#   (a) 100 rules picked from ET Open's L4 rules (seeded),
#   (b) every loadable ET Open rule (../shared/rules/et-open),
# prints rules loaded, detection throughput per core (decode and flow
# lookup excluded), the throughput of one bare Hyperscan scan of the same
# payloads with the same patterns, and the ratio; then the end-to-end time
# of `apiary analyze -n -S` (decode, flows, scan detection, detection).
# One core, a minute or two in all.  BUILD/BINDIR choose the build folder.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
mb=${1:-150}
et=${ET_OPEN:-$top/../shared/rules/et-open}
work=$top/build/bench-ids
mkdir -p "$work"
[ -d "$et" ] || { echo "no ET Open rules at $et (set ET_OPEN)"; exit 1; }

build=${BUILD:-build}
bindir=${BINDIR:-bin}
make -s -j2 BUILD="$build" BINDIR="$bindir" "$build/release/libapiary.a" "$bindir/apiary" >/dev/null
PKGS=$(sed -n 's/^PKGS *:= *//p' Makefile)	# the libraries everything links
cc -std=gnu17 -O2 -g -Isrc -D_GNU_SOURCE $(pkg-config --cflags $PKGS) \
  bench/ids/ids_bench.c "$build/release/libapiary.a" $(pkg-config --libs $PKGS) \
  -lpthread -lm -o "$work/ids_bench"

pcap=$work/mixed-${mb}MB.pcap
[ -s "$pcap" ] || /usr/bin/python3 bench/ids/mkmixed.py "$pcap" "$mb"

cat "$et"/*.rules >"$work/et-all.rules"
# (a): 100 rules on plain L4 protocols without app-layer keywords
grep -E '^alert (tcp|udp|icmp|ip) ' "$work/et-all.rules" \
  | grep -vE 'http\.|dns\.|dns_query|tls\.|tls_|file\.data|file_data|dotprefix|urilen|ja3|stream_size|xbits|flowint|tag:|pcre:"[^"]*/[a-zA-Z]*[UIPQHDMCKSYVW][a-zA-Z]*"' \
  | shuf -n 100 --random-source=<(yes) >"$work/et-100.rules"

cpu() {	# CPU seconds (user + sys) of a command, best of 3: the machine is shared
  local best= t i
  for i in 1 2 3; do
    /usr/bin/time -f '%U %S' -o "$work/time" "$@" >/dev/null 2>&1
    t=$(awk '{ print $1 + $2 }' "$work/time")
    best=$(awk -v a="${best:-$t}" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
  done
  echo "$best"
}
bytes=$(stat -c %s "$pcap")
base=$(cpu "$bindir/apiary" analyze -n -q "$pcap")
echo "analyze, no rules ${base} s CPU (decode, flows, scan detection)"
for set in et-100 et-all; do
  echo "== ruleset $set"
  "$work/ids_bench" "$work/$set.rules" "$pcap"
  "$bindir/apiary" rules check -q "$work/$set.rules" | sed -n 's/^engine: /engine            /p'
  build=$(cpu "$bindir/apiary" rules check -q "$work/$set.rules")
  full=$(cpu "$bindir/apiary" analyze -n -q -S "$work/$set.rules" "$pcap")
  awk -v f="$full" -v b="$base" -v r="$build" -v n="$bytes" 'BEGIN {
    d = f - b - r; if (d <= 0) d = 0.001
    printf "analyze -S        %.2f s CPU; detection with TCP reassembly (minus the pipeline %.2f s and the rule build %.2f s): %.2f s, %.2f Gbit/s per core\n", f, b, r, d, n * 8 / d / 1e9 }'
done

# ---- mode "app" (h10, issue 6): bench/ids/run.sh MEGABYTES app ------------
# The app layer (HTTP on libhtp, DNS, TLS: protocol detection, its own TCP
# reassembly, parsing; -n so no EVE is written) and the IDS with every
# loadable ET Open rule, app-layer rules included, per core; tshark (which
# dissects HTTP, DNS and TLS too) is the peer for the parsing part.
if [ "${2:-}" = app ]; then
  echo "== app layer"
  noapp=$(cpu "$bindir/apiary" analyze -n -q --no-app "$pcap")
  app=$(cpu "$bindir/apiary" analyze -n -q "$pcap")
  "$bindir/apiary" rules check -q "$work/et-all.rules" | sed -n 's/^rules: /rules             /p'
  rbuild=$(cpu "$bindir/apiary" rules check -q "$work/et-all.rules")
  ids=$(cpu "$bindir/apiary" analyze -n -q -S "$work/et-all.rules" "$pcap")
  peer=
  if command -v tshark >/dev/null; then
    /usr/bin/time -f '%U %S' -o "$work/time" tshark -n -r "$pcap" -q -z io,stat,0,http,dns,tls >/dev/null 2>&1 &&
      peer=$(awk '{ print $1 + $2 }' "$work/time")
  fi
  awk -v a="$app" -v na="$noapp" -v i="$ids" -v r="$rbuild" -v n="$bytes" -v peer="$peer" 'BEGIN {
    d = a - na; if (d <= 0) d = 0.001
    printf "pipeline without app layer %.2f s CPU; with it %.2f s: app layer %.2f s, %.2f Gbit/s per core\n", na, a, d, n * 8 / d / 1e9
    e = i - r; if (e <= 0) e = 0.001
    x = i - r - na; if (x <= 0) x = 0.001
    printf "analyze -S all ET  %.2f s CPU (rule build %.2f s): end to end %.2f Gbit/s per core; app layer + detection %.2f s, %.2f Gbit/s per core\n", i, r, n * 8 / e / 1e9, x, n * 8 / x / 1e9
    if (peer != "") printf "tshark (dissects HTTP, DNS, TLS) %.2f s CPU, %.2f Gbit/s; apiary app layer + pipeline is %.1fx faster\n", peer, n * 8 / peer / 1e9, peer / a
  }'
fi
