#!/usr/bin/env bash
# summary: bench `apiary analyze` against argus and a bare libpcap loop on one large real capture.
#
#   bench/analyze/run.sh            (root: it records traffic in namespaces)
#
# 1. Records real traffic between two namespaces with the sample maker
#    (curl, DNS, nc, ssh, ping, nmap SYN and UDP scans), then replicates it
#    COPIES times (default 200, ~300 MB, ~720k frames) with editcap time
#    shifts of 10 minutes and mergecap -a, so every copy is new flows and
#    new scan episodes.  The capture is kept in $BENCH_DIR for later runs
#    (BENCH_FRESH=1 makes a new one).
# 2. Times (CPU and wall), best of RUNS (default 3), capture in the page cache:
#      floor    bench/analyze/pcap_loop (pcap_next_ex over every frame)
#      apiary   apiary analyze -n --no-app     decode + flows + scans, summary only
#      apiary   apiary analyze -o DIR --no-app the same + EVE flow/scan/stats + conn.log
#      apiary   the same two with the app layer (issue 6: HTTP/DNS/TLS
#               parsing, on by default), for information
#      argus    argus -r FILE -w /dev/null   (Debian argus-server)
#    and prints the ratios.  Target (issue 2, flows + scans): apiary faster
#    than argus, and within 2x of the floor.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
apiary=${APIARY_RELEASE_BIN:-$top/bin}/apiary
work=${BENCH_DIR:-/tmp/apiary-bench-analyze}
copies=${COPIES:-200}
runs=${RUNS:-3}

for t in editcap mergecap argus gcc pkg-config; do
  command -v $t >/dev/null || { echo "bench: $t is missing (scripts/install-deps.sh)" >&2; exit 1; }
done
if [ ! -x "$apiary" ]; then
  echo "bench: building $apiary" >&2
  make -C "$top" -s "${apiary#$top/}" >&2
fi
mkdir -p "$work"
big=$work/big.pcap
if [ -n "${BENCH_FRESH:-}" ] || [ ! -s "$big" ]; then
  bash "$top/scripts/make-sample-capture.sh" "$work/base.pcap"
  rm -f "$work"/part*.pcap
  for ((i = 0; i < copies; i++)); do
    editcap -t $((i * 600)) "$work/base.pcap" "$(printf '%s/part%05d.pcap' "$work" $i)"
  done
  mergecap -a -F pcap -w "$big" "$work"/part*.pcap
  rm -f "$work"/part*.pcap
fi
gcc -O2 -o "$work/pcap_loop" "$top/bench/analyze/pcap_loop.c" $(pkg-config --cflags --libs libpcap)

frames=$("$work/pcap_loop" "$big" | awk '{ print $1 }')
size=$(stat -c %s "$big")
cat "$big" >/dev/null	# into the page cache: all tools read from memory

# "wall_ms cpu_ms": the best of $runs runs of "$@" (CPU = user + system).
# The ratios use CPU time: on a shared machine wall time mostly measures
# the neighbours.
best() {
  local bw= bc= i w c s e
  for ((i = 0; i < runs; i++)); do
    s=$(date +%s%N)
    c=
    if command -v perf >/dev/null; then	# task-clock: CPU ms, to 0.01 ms
      c=$(perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { printf "%d", $1 }')
    fi
    if [ -z "$c" ]; then			# getrusage of the child, via python3
      c=$(python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(int((u.ru_utime + u.ru_stime) * 1000) if r.returncode == 0 else "")' "$@")
    fi
    e=$(date +%s%N)
    [ -n "$c" ] || { echo "bench: failed: $*" >&2; return 1; }
    w=$(( (e - s) / 1000000 ))
    if [ -z "$bw" ] || [ "$w" -lt "$bw" ]; then bw=$w; fi
    if [ -z "$bc" ] || [ "$c" -lt "$bc" ]; then bc=$c; fi
  done
  echo "$bw $bc"
}
floor=$(best "$work/pcap_loop" "$big")
quick=$(best "$apiary" analyze -q -n --no-app "$big")
rm -rf "$work/out"
full=$(best "$apiary" analyze -q -o "$work/out" --no-app "$big")
quick_app=$(best "$apiary" analyze -q -n "$big")
rm -rf "$work/out"
full_app=$(best "$apiary" analyze -q -o "$work/out" "$big")
argus_ms=$(best argus -r "$big" -w /dev/null)

awk -v f="$floor" -v q="$quick" -v o="$full" -v qa="$quick_app" -v oa="$full_app" -v a="$argus_ms" -v n="$frames" -v sz="$size" -v r="$runs" 'BEGIN {
  split(f, F, " "); split(q, Q, " "); split(o, O, " "); split(a, A, " ")
  split(qa, QA, " "); split(oa, OA, " ")
  printf "capture: %d frames, %.1f MB (best of %d runs, page cache warm)\n\n", n, sz / 1e6, r
  printf "  %-50s %8s %8s %10s\n", "", "wall s", "CPU s", "Mframes/s"
  row("bare libpcap loop (floor)", F)
  row("apiary analyze -n --no-app (flows + scans)", Q)
  row("apiary analyze -o --no-app (+ eve.json, conn.log)", O)
  row("apiary analyze -n (+ app layer, issue 6)", QA)
  row("apiary analyze -o (+ app layer, issue 6)", OA)
  row("argus -r FILE -w /dev/null", A)
  printf "\nratios of CPU time (lower is better for apiary):\n"
  printf "  apiary -n / floor  = %5.2f   (target < 2)\n", Q[2] / F[2]
  printf "  apiary -n / argus  = %5.2f   (target < 1)\n", Q[2] / A[2]
  printf "  apiary -o / floor  = %5.2f\n", O[2] / F[2]
  printf "  apiary -o / argus  = %5.2f   (target < 1)\n", O[2] / A[2]
  printf "  with the app layer: -n / floor = %5.2f, -o / argus = %5.2f\n", QA[2] / F[2], OA[2] / A[2]
}
function row(name, T) {
  printf "  %-50s %8.3f %8.3f %10.2f\n", name, T[1] / 1000, T[2] / 1000, n / (T[2] > 0 ? T[2] : 1) / 1000
}'
