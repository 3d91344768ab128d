#!/usr/bin/env bash
# summary: benchmark: the cost of apiary-agent on an output-heavy and an exec-heavy workload.
#
# A honeypot namespace runs each workload with and without apiary-agent
# recording it (scope: that namespace; records shipped over TLS to
# apiary-logd in a second namespace, as deployed).  Prints the median of
# RUNS timings each way and the slowdown ratio.  Target: under 5%.
#
#   output: OUT_MB (default 100) MB of text written to a pty (script(1) + cat)
#   exec:   EXECS (default 10000) short processes (/bin/true)
#
# Usage: bench/agent/run.sh   (as root; uses bin/ from `make`)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${APIARY_BIN:-$top/bin}
runs=${RUNS:-3}
out_mb=${OUT_MB:-100}
execs=${EXECS:-10000}
. "$top/tests/lib/netns.sh"
netns_require script
for p in apiary apiary-logd apiary-agent; do
	[ -x "$bin/$p" ] || { echo "build first: make ($bin/$p missing)" >&2; exit 1; }
done

netns_init bag
tmp=$(netns_tmpdir)
netns_add hp; netns_add log
netns_link hp eth0 192.0.2.10/24 log eth0 192.0.2.2/24
"$bin/apiary" pki init "$tmp/pki" >/dev/null
"$bin/apiary" pki issue "$tmp/pki" 192.0.2.2 --server >/dev/null
"$bin/apiary" pki issue "$tmp/pki" hp1 >/dev/null
mkdir -p "$tmp/store"
printf 'listen 192.0.2.2:6514\nca %s\ncert %s\nkey %s\nstore %s\n' \
    "$tmp/pki/ca.crt" "$tmp/pki/192.0.2.2.crt" "$tmp/pki/192.0.2.2.key" \
    "$tmp/store" >"$tmp/logd.conf"
netns_bg log "$bin/apiary-logd" -c "$tmp/logd.conf" -d 2>"$tmp/logd.log"
netns_wait_tcp log 6514 10 || { cat "$tmp/logd.log"; exit 1; }
printf 'server 192.0.2.2:6514\nca %s\ncert %s\nkey %s\nspool %s\nscope netns /run/netns/%s\nspool-size 1G\n' \
    "$tmp/pki/ca.crt" "$tmp/pki/hp1.crt" "$tmp/pki/hp1.key" "$tmp/spool" \
    "$(netns_name hp)" >"$tmp/agent.conf"

head -c $((out_mb * 3 / 4 * 1048576)) /dev/urandom | base64 >"$tmp/big.txt"

work_output() { netns_exec hp script -qfc "cat $tmp/big.txt" /dev/null >/dev/null; }
work_exec() { netns_exec hp bash -c "for ((i = 0; i < $execs; i++)); do /bin/true; done"; }

# median wall-clock seconds of RUNS runs of "$@"
measure() {
	local i t ts=()
	for ((i = 0; i < runs; i++)); do
		local t0 t1
		t0=$(date +%s.%N)
		"$@" >/dev/null
		t1=$(date +%s.%N)
		ts+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
	done
	printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

start_agent() {
	netns_bg hp "$bin/apiary-agent" -c "$tmp/agent.conf" 2>>"$tmp/agent.log"
	AGENT=$NETNS_LAST_PID
	for _ in $(seq 100); do grep -q 'connected' "$tmp/agent.log" && return 0; sleep 0.1; done
	echo "agent did not connect: $(cat "$tmp/agent.log")" >&2; exit 1
}
stop_agent() { kill -TERM "$AGENT"; wait "$AGENT" 2>/dev/null; }

echo "apiary-agent overhead ($(nproc) cores, median of $runs runs)"
printf '%-34s %10s %10s %8s\n' workload without with ratio
for w in output exec; do
	base=$(measure "work_$w")
	start_agent
	with=$(measure "work_$w")
	sleep 1
	stop_agent
	ratio=$(awk -v a="$with" -v b="$base" 'BEGIN { printf "%.3f", a / b }')
	case $w in
	output) label="$out_mb MB to a pty";;
	exec) label="$execs short processes";;
	esac
	printf '%-34s %9.2fs %9.2fs %8s\n' "$label" "$base" "$with" "$ratio"
done
records=$("$bin/apiary" log verify "$tmp/store" 2>/dev/null | grep -o '[0-9]* records' | head -1)
echo "log store: ${records:-?} (verified)"
