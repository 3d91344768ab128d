#!/usr/bin/env bash
# summary: apiary-gw bridges inbound TCP/UDP/ICMP, captures them, fails closed on kill -9.
set -u
cd "${APIARY_TOP:-$(dirname "$0")/../..}"
. tests/lib/gwnet.sh
fail() { echo "FAIL: $*" >&2; NETNS_KEEP_TMP=1; [ -n "${GW_LOG_FILE:-}" ] && tail -n 20 "$GW_LOG_FILE" >&2; exit 1; }

[ -x "$(gwnet_bin)" ] || { echo "skip: $(gwnet_bin) not built" >&2; exit 77; }
netns_require socat nc tcpdump busybox
gwnet_setup h8b || fail "topology"
tmp=$NETNS_TMP
conf=$tmp/gw.conf

# -n: a good config passes, a bad line is named by file:line.
gwnet_config "$conf" "honeypot $GW_HP" "user nobody"
"$(gwnet_bin)" -n -c "$conf" >/dev/null || fail "-n rejects a good config"
printf 'honeynet-interface hn0\nuplink-interface up0\nhoneypot 203.0.113.10 { limit tcp 20/fortnight }\n' >"$tmp/bad.conf"
out=$("$(gwnet_bin)" -n -c "$tmp/bad.conf" 2>&1) && fail "-n accepts a bad config"
echo "$out" | grep -q "bad.conf:3:.*expected" || fail "error lacks file:line: $out"

# Not running: nothing crosses (no kernel bridge, no forwarding).
netns_exec a busybox ping -c 1 -W 1 "$GW_HP" >/dev/null 2>&1 && fail "frames cross with no gateway"

# cpu-affinity pins each named thread: the first and the last CPU this
# test may use (the same one on a single CPU).
cpus=$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status)
lo=$(echo "$cpus" | tr ',-' '\n\n' | sort -n | head -n1)
hi=$(echo "$cpus" | tr ',-' '\n\n' | sort -n | tail -n1)
printf 'cpu-affinity forward %s\ncpu-affinity tx-honeynet %s\ncpu-affinity tx-uplink %s\ncpu-affinity capture %s\n' \
    "$lo" "$lo" "$hi" "$hi" >>"$conf"
"$(gwnet_bin)" -n -c "$conf" >/dev/null || fail "-n rejects cpu-affinity"
gwnet_start_gw "$conf" || fail "start"
gwpid=$(pgrep -P "$GW_PID" -f apiary-gw || echo "$GW_PID")
# Privileges dropped to nobody after opening the sockets.
uid=$(awk '/^Uid:/ {print $2}' "/proc/$gwpid/status" 2>/dev/null)
[ "$uid" = "$(id -u nobody)" ] || fail "still uid $uid after start"
declare -A want=([apiary-gw]=$lo ["tx hn0"]=$lo ["tx up0"]=$hi [capture]=$hi)
seen=0
for t in /proc/"$gwpid"/task/*; do
	name=$(cat "$t/comm" 2>/dev/null) || continue
	[ -n "${want[$name]+x}" ] || continue
	got=$(awk '/^Cpus_allowed_list:/ {print $2}' "$t/status")
	[ "$got" = "${want[$name]}" ] || fail "thread '$name' on CPUs $got, want ${want[$name]}"
	seen=$((seen + 1))
done
# the main thread, and the transmit threads where there is more than one CPU
[ "$seen" -ge 2 ] || fail "only $seen pinned threads found"
grep -q "cpu-affinity: .*forward $lo" "$GW_LOG_FILE" || fail "cpu-affinity not logged"
# a changed pinning on SIGHUP is reported as needing a restart, and kept
# (needs two CPUs to change anything)
if [ "$lo" != "$hi" ]; then
	sed -i "s/^cpu-affinity tx-uplink .*/cpu-affinity tx-uplink $lo,$hi/" "$conf"
	kill -HUP "$gwpid"
	for i in $(seq 50); do grep -q "cpu-affinity and tx-thread changes need a restart" "$GW_LOG_FILE" && break; sleep 0.1; done
	grep -q "cpu-affinity and tx-thread changes need a restart" "$GW_LOG_FILE" || fail "changed cpu-affinity not reported on reload"
	for t in /proc/"$gwpid"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "tx up0" ] || continue
		got=$(awk '/^Cpus_allowed_list:/ {print $2}' "$t/status")
		[ "$got" = "$hi" ] || fail "tx up0 moved to $got on reload"
	done
fi

netns_bg h socat TCP-LISTEN:80,reuseaddr,fork SYSTEM:'echo hello-tcp'
netns_bg h socat UDP-RECVFROM:7777,fork SYSTEM:'read -r x; echo hello-udp'
netns_wait_tcp h 80 || fail "tcp listener"
netns_wait_udp h 7777 || fail "udp listener"

netns_exec a busybox ping -c 3 -W 2 "$GW_HP" >/dev/null || fail "inbound ICMP"
r=$(netns_exec a nc -w 3 "$GW_HP" 80 </dev/null) ; [ "$r" = hello-tcp ] || fail "inbound TCP: '$r'"
# UDP is lossy by nature and the reply comes from a forked shell: allow retries.
udp_ask() { local i r; for i in 1 2 3; do r=$(echo ping | netns_exec a socat -t 3 - "UDP:$GW_HP:7777" 2>/dev/null); [ "$r" = hello-udp ] && return 0; done; echo "$r"; return 1; }
r=$(udp_ask) || fail "inbound UDP: '$r'"

# veth peers with transmit checksum offload hand over unfinished checksums;
# the bridge finishes them as a NIC would.
netns_exec a ethtool -K eth0 tx on >/dev/null 2>&1; netns_exec h ethtool -K eth0 tx on >/dev/null 2>&1
r=$(netns_exec a nc -w 3 "$GW_HP" 80 </dev/null) ; [ "$r" = hello-tcp ] || fail "inbound TCP with peer checksum offload: '$r'"
r=$(udp_ask) || fail "inbound UDP with peer checksum offload: '$r'"
netns_exec a ethtool -K eth0 tx off >/dev/null 2>&1; netns_exec h ethtool -K eth0 tx off >/dev/null 2>&1

# SIGTERM: clean exit with outputs flushed.
gwnet_stop_gw
[ "$GW_RC" = 0 ] || fail "exit status $GW_RC after SIGTERM"
grep -q '"event_type":"flow".*"direction":"inbound"' "$tmp/eve.json" || fail "no inbound flow event"
grep -q '"event_type":"stats"' "$tmp/eve.json" || fail "no stats event"
grep -q "^#fields" "$tmp/conn.log" || fail "conn.log header"
grep -qP "\t$GW_HP\t80\ttcp\t" "$tmp/conn.log" || fail "conn.log lacks the TCP connection"

# Capture: readable by tcpdump, holds the exchanged frames.
ls "$tmp"/pcap/*.pcap >/dev/null 2>&1 || fail "no capture file"
for f in "$tmp"/pcap/*.pcap; do tcpdump -nr "$f" 2>/dev/null; done >"$tmp/cap.txt"
grep -q "ICMP echo request" "$tmp/cap.txt" || fail "capture lacks ICMP"
grep -q "ICMP echo reply" "$tmp/cap.txt" || fail "capture lacks ICMP reply"
grep -q "> $GW_HP.80: Flags \[S\]" "$tmp/cap.txt" || fail "capture lacks the TCP SYN"
grep -q "> $GW_HP.7777: UDP" "$tmp/cap.txt" || fail "capture lacks UDP"
head -c 4 "$(ls "$tmp"/pcap/*.pcap | head -n1)" | od -An -tx1 | grep -q "4d 3c b2 a1" || fail "not a nanosecond pcap"

# kill -9: fail-closed.
gwnet_start_gw "$conf" || fail "restart"
netns_exec a busybox ping -c 1 -W 2 "$GW_HP" >/dev/null || fail "no ICMP after restart"
kill -KILL "$GW_PID"; wait "$GW_PID" 2>/dev/null; GW_PID=
sleep 0.2
netns_capture_start h eth0 "$tmp/after-kill.pcap" || fail "tcpdump"
netns_exec a busybox ping -c 3 -W 1 "$GW_HP" >/dev/null 2>&1 && fail "ICMP crosses after kill -9"
netns_exec a nc -z -w 1 "$GW_HP" 80 && fail "TCP crosses after kill -9"
netns_capture_stop
n=$(tcpdump -nr "$tmp/after-kill.pcap" 2>/dev/null | wc -l)
[ "$n" = 0 ] || fail "$n frames reached the honeypot after kill -9"
[ "$(netns_exec g cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "ip_forward on in the gateway"
echo "ok: bridge, capture, fail-closed"
