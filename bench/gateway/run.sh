#!/usr/bin/env bash
# summary: benchmark: apiary-gw (release, capture on) vs the Linux kernel bridge on the same veth topology.
#
#   bash bench/gateway/run.sh [SECONDS]      (default 5 s per measurement,
#                                            best of ROUNDS=3, alternating)
#
# Topology (tests/lib/gwnet.sh): attacker — gateway — honeypot, offloads
# off on every veth end for both bridges (a packet-socket bridge needs
# wire-sized frames; the kernel bridge gets the same conditions).
#   TCP: iperf3 attacker -> honeypot (inbound: never limited), 1 stream.
#   small frames: iperf3 UDP, 18-byte payload (60-byte frames), unlimited
#   rate; the rate is what the receiver got, in frames per second.
# apiary-gw runs with capture on (rotate 100M keep 5) and limits off for
# the honeypot.  Prints both results and the ratios apiary-gw / kernel.
#
# With two CPUs or more the gateway's threads are pinned as
# docs/apiary-gw.md recommends (cpu-affinity): the forwarding thread, the
# honeynet port's transmit thread and the capture writer on the first CPU,
# the uplink port's transmit thread on the second.  PIN=0 leaves them to
# the scheduler.
set -u
cd "$(dirname "$0")/../.."
secs=${1:-5}
top=$PWD
bin=${APIARY_RELEASE_BIN:-$top/bin}
if [ ! -x "$bin/apiary-gw" ]; then
	echo "building the release apiary-gw into $bin" >&2
	make -s BINDIR="$bin" "$bin/apiary-gw" >/dev/null || exit 1
fi
export APIARY_BIN=$bin
. tests/lib/gwnet.sh
netns_require iperf3 jq
gwnet_setup h8bench || exit 1
tmp=$NETNS_TMP

gwnet_config "$tmp/gw.conf" \
    "honeypot $GW_HP { limit tcp none; limit udp none; limit icmp none; limit other none }"
sed -i "s|capture .*|capture $tmp/pcap rotate 100M keep 5|; s|stats interval 1s|stats interval 10s|" "$tmp/gw.conf"
cpus=$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status)
cpu0=$(echo "$cpus" | tr ',-' '\n\n' | sort -n | head -n1)
cpu1=$(echo "$cpus" | tr ',-' '\n\n' | sort -n | sed -n 2p)
pinned="no (PIN=0 or one CPU)"
if [ "${PIN:-1}" != 0 ] && [ -n "$cpu1" ]; then
	printf 'cpu-affinity forward %s\ncpu-affinity tx-honeynet %s\ncpu-affinity capture %s\ncpu-affinity tx-uplink %s\n' \
	    "$cpu0" "$cpu0" "$cpu0" "$cpu1" >>"$tmp/gw.conf"
	pinned="forward, tx-honeynet, capture on CPU $cpu0; tx-uplink on CPU $cpu1"
fi

netns_bg h iperf3 -s -p 5201 >/dev/null 2>&1
netns_wait_tcp h 5201 || exit 1

measure() {	# label -> sets TCP_BPS, UDP_PPS
	sleep 0.5
	netns_exec a iperf3 -c "$GW_HP" -p 5201 -t "$secs" -J >"$tmp/$1-tcp.json" 2>/dev/null
	TCP_BPS=$(jq '.end.sum_received.bits_per_second' "$tmp/$1-tcp.json")
	sleep 0.5
	netns_exec a iperf3 -c "$GW_HP" -p 5201 -u -b 0 -l 18 -t "$secs" -J >"$tmp/$1-udp.json" 2>/dev/null
	UDP_PPS=$(jq '(.end.sum.packets - .end.sum.lost_packets) / .end.sum.seconds' "$tmp/$1-udp.json")
}

# Best of ROUNDS, alternating the two bridges, so that load from other jobs
# on the machine hits both alike.
rounds=${ROUNDS:-3}
GW_TCP=0; GW_UDP=0; K_TCP=0; K_UDP=0
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
for ((r = 0; r < rounds; r++)); do
	gwnet_start_gw "$tmp/gw.conf" || exit 1
	measure gw
	GW_TCP=$(max "$GW_TCP" "$TCP_BPS"); GW_UDP=$(max "$GW_UDP" "$UDP_PPS")
	gwnet_stop_gw
	gwnet_kernel_bridge || exit 1
	measure kernel
	K_TCP=$(max "$K_TCP" "$TCP_BPS"); K_UDP=$(max "$K_UDP" "$UDP_PPS")
	gwnet_kernel_bridge_del
done
lost=$(grep '"event_type":"stats"' "$tmp/eve.json" | tail -n1 | grep -o '"capture":{[^}]*}')

printf '\n%-28s %16s %16s %8s\n' "measurement" "apiary-gw" "kernel bridge" "ratio"
awk -v g="$GW_TCP" -v k="$K_TCP" 'BEGIN { printf "%-28s %11.0f Mb/s %11.0f Mb/s %8.2f\n", "TCP throughput (iperf3)", g/1e6, k/1e6, g/k }'
awk -v g="$GW_UDP" -v k="$K_UDP" 'BEGIN { printf "%-28s %11.0f f/s  %11.0f f/s  %8.2f\n", "60-byte frames (UDP)", g, k, g/k }'
echo "apiary-gw capture: $lost"
echo "apiary-gw threads pinned: $pinned; best of $rounds rounds of ${secs}s"
awk -v g="$GW_TCP" -v k="$K_TCP" 'BEGIN { if (g / k >= 0.5) print "TCP target (>= 0.5 of the kernel bridge): met"; else print "TCP target (>= 0.5 of the kernel bridge): NOT met" }'
