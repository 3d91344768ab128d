# summary: the gateway test topology: attacker — gateway (apiary-gw) — honeypot namespaces.
#
# Source after nothing else (it sources netns.sh), then:
#
#   gwnet_setup h8x              # namespaces a (attacker), g (gateway), h (honeypot)
#   gwnet_config "$conf" ...     # writes a gateway config (see below)
#   gwnet_start_gw "$conf"       # apiary-gw in g, waits until it bridges
#   netns_exec a ping -c1 "$GW_HP"
#   gwnet_stop_gw                # SIGTERM, waits (bounded); status in GW_RC
#
#   a:eth0 ──── up0 [g] hn0 ──── h:eth0
#
# The gateway's ports carry no address and no IPv6 (link-local disabled).
# The attacker side holds the "internet": $GW_AT, the DNS resolver $GW_DNS
# and the log server $GW_LOG; the honeypot is $GW_HP and reaches 192.0.2.0/24
# on-link (a bridge joins one segment).  Offloads are off on every end: on
# veth the peer's TSO/GSO and checksum offload would hand the bridge frames
# larger than the MTU or with unfinished checksums (see docs/apiary-gw.md).
# The same topology serves the IDS and the lab: gwnet_kernel_bridge swaps
# apiary-gw for the Linux bridge (the benchmark's peer).

. "$(dirname "${BASH_SOURCE[0]}")/netns.sh"

GW_AT=203.0.113.1
GW_HP=203.0.113.10
GW_HP2=203.0.113.11
GW_DNS=192.0.2.53
GW_LOG=192.0.2.2
GW_PID=
GW_LOG_FILE=
GW_RC=

gwnet_bin() {
	local d=${APIARY_BIN:-${APIARY_TOP:-.}/build/asan/bin}
	echo "$d/apiary-gw"
}

gwnet_setup() {
	netns_require ip ethtool
	netns_init "${1:?prefix}"
	netns_tmpdir >/dev/null && chmod 755 "$NETNS_TMP"	# here, not in a $(...)
	netns_add a && netns_add g && netns_add h || return 1
	local A G H
	A=$(netns_name a); G=$(netns_name g); H=$(netns_name h)
	ip link add up0 netns "$G" type veth peer name eth0 netns "$A" || return 1
	ip link add hn0 netns "$G" type veth peer name eth0 netns "$H" || return 1
	local ns
	for ns in a g h; do
		netns_exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
	done
	netns_no_offload a eth0; netns_no_offload h eth0
	netns_no_offload g up0; netns_no_offload g hn0
	ip -n "$A" addr add "$GW_AT/24" dev eth0 &&
	ip -n "$A" addr add "$GW_DNS/24" dev eth0 &&
	ip -n "$A" addr add "$GW_LOG/32" dev eth0 &&
	ip -n "$H" addr add "$GW_HP/24" dev eth0 &&
	ip -n "$H" addr add "$GW_HP2/32" dev eth0 || return 1
	ip -n "$A" link set eth0 up && ip -n "$H" link set eth0 up &&
	ip -n "$G" link set up0 up && ip -n "$G" link set hn0 up &&
	ip -n "$H" route add 192.0.2.0/24 dev eth0
}

# gwnet_config FILE [EXTRA-LINES...]: interfaces, one honeypot, outputs in
# the test's temp dir; extra lines are appended as they are.
gwnet_config() {
	local f=$1 tmp; shift
	tmp=$(netns_tmpdir)
	{
		echo "honeynet-interface hn0"
		echo "uplink-interface up0"
		echo "eve-log $tmp/eve.json"
		echo "conn-log $tmp/conn.log"
		echo "capture $tmp/pcap rotate 1M keep 50"
		echo "stats interval 1s"
		local l; for l in "$@"; do echo "$l"; done
	} >"$f"
}

# gwnet_start_gw CONF: runs apiary-gw in g; waits (10 s) until it bridges.
gwnet_start_gw() {
	local i n0 bin; bin=$(gwnet_bin)
	GW_LOG_FILE=$NETNS_TMP/gw.log
	n0=$(grep -c 'bridging' "$GW_LOG_FILE" 2>/dev/null)
	netns_bg g "$bin" -c "$1" 2>>"$GW_LOG_FILE"
	GW_PID=$NETNS_LAST_PID
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c 'bridging' "$GW_LOG_FILE" 2>/dev/null)" -gt "${n0:-0}" ] && return 0
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	netns_log "apiary-gw did not start: $(cat "$GW_LOG_FILE")"; return 1
}

# SIGTERM and wait up to 10 s; GW_RC holds the exit status.
gwnet_stop_gw() {
	[ -n "$GW_PID" ] || return 0
	kill -TERM "$GW_PID" 2>/dev/null
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$GW_PID" 2>/dev/null; GW_RC=$?
	GW_PID=
}

# Replaces the userspace bridge by the Linux bridge (benchmark peer).
gwnet_kernel_bridge() {
	netns_exec g ip link add br0 type bridge &&
	netns_exec g ip link set up0 master br0 &&
	netns_exec g ip link set hn0 master br0 &&
	netns_exec g ip link set br0 up
}

gwnet_kernel_bridge_del() {
	netns_exec g ip link del br0 2>/dev/null || true
}
