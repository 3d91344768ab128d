# summary: shell harness for network tests: namespaces, veth links, processes, teardown.
#
# Source it from a test (bash), then:
#
#   netns_init h3t                 # prefix for this run's names; installs the trap
#   netns_add a; netns_add b       # namespaces "<prefix><pid>-a", lo up
#   netns_link a eth0 192.0.2.1/24 b eth0 192.0.2.2/24   # veth pair, up
#   netns_exec b ip addr           # run a command inside b
#   netns_bg b python3 -m http.server 80   # background, killed at teardown
#   netns_wait_tcp b 80            # until something listens (bounded)
#   netns_capture_start a eth0 "$dir/x.pcap"; ...; netns_capture_stop
#   netns_tmpdir                   # a temp dir removed at teardown ($NETNS_TMP)
#
# Everything created is recorded and torn down by netns_cleanup, which the
# EXIT trap runs on success, failure or interrupt.  A test that cannot run
# (not root, no `ip netns`) calls netns_require, which exits 77 (skip).
# Names carry the prefix and the shell's pid, so parallel runs never
# collide; interfaces are created directly inside their namespaces, so
# their (<= 15 character) names need not be unique on the host.  Only
# documentation addresses belong in these links (192.0.2.0/24,
# 198.51.100.0/24, 203.0.113.0/24); no namespace gets a route out.

NETNS_PREFIX=
NETNS_LIST=()
NETNS_PIDS=()
NETNS_TMP=
NETNS_CAPTURE_PID=
NETNS_CLEANUP_HOOKS=()

netns_log() { echo "netns: $*" >&2; }

# Exits 77 (skip) unless this can create namespaces.
netns_require() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "skip: needs root for network namespaces" >&2; exit 77
	fi
	if ! ip netns list >/dev/null 2>&1; then
		echo "skip: ip netns does not work here" >&2; exit 77
	fi
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "skip: $t is not installed" >&2; exit 77; }
	done
}

# netns_init PREFIX: names become PREFIX<pid>-NAME; installs the trap.
netns_init() {
	NETNS_PREFIX="${1:?prefix}$$-"
	# Made here, in the calling shell, so that $(netns_tmpdir) in a
	# subshell names the same folder and teardown removes it.
	NETNS_TMP=$(mktemp -d "/tmp/${NETNS_PREFIX}XXXXXX") || return 1
	trap netns_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# The full name of a namespace given its short name.
netns_name() { echo "${NETNS_PREFIX}$1"; }

# Runs "$@" at teardown (before the namespaces go).
netns_on_cleanup() { NETNS_CLEANUP_HOOKS+=("$*"); }

netns_tmpdir() { echo "${NETNS_TMP:?netns_init first}"; }

netns_add() {
	local n; n=$(netns_name "$1")
	ip netns add "$n" || return 1
	NETNS_LIST+=("$n")
	ip -n "$n" link set lo up
}

# netns_link NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN [MTU]
netns_link() {
	local n1 n2; n1=$(netns_name "$1"); n2=$(netns_name "$4")
	ip link add "$2" netns "$n1" ${7:+mtu $7} type veth peer name "$5" netns "$n2" ${7:+mtu $7} || return 1
	ip -n "$n1" addr add "$3" dev "$2" && ip -n "$n1" link set "$2" up &&
	ip -n "$n2" addr add "$6" dev "$5" && ip -n "$n2" link set "$5" up
}

# Turns off segmentation offloads on an interface, so captures hold
# wire-sized frames (as a real NIC would show them).
netns_no_offload() {
	ip netns exec "$(netns_name "$1")" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
}

netns_exec() {
	local n; n=$(netns_name "$1"); shift
	ip netns exec "$n" "$@"
}

# Runs "$@" in the background inside a namespace; its pid is NETNS_LAST_PID.
netns_bg() {
	local n; n=$(netns_name "$1"); shift
	ip netns exec "$n" "$@" &
	NETNS_LAST_PID=$!
	NETNS_PIDS+=("$NETNS_LAST_PID")
}

# netns_wait_tcp NS PORT [SECONDS]: waits until a TCP socket listens on PORT.
netns_wait_tcp() {
	local i max=$(( ${3:-10} * 10 ))
	for ((i = 0; i < max; i++)); do
		netns_exec "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	netns_log "nothing listens on tcp port $2 in $1"; return 1
}

# netns_wait_udp NS PORT [SECONDS]
netns_wait_udp() {
	local i max=$(( ${3:-10} * 10 ))
	for ((i = 0; i < max; i++)); do
		netns_exec "$1" ss -Hlun "sport = :$2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	netns_log "nothing listens on udp port $2 in $1"; return 1
}

# netns_capture_start NS IF FILE [tcpdump options...]: full packets, until stop.
# Immediate mode: with the default ring timeout tcpdump would lose the
# last second of traffic when stopped; a 32 MiB buffer absorbs bursts
# (nmap) while the machine is busy.  netns_capture_stop reports drops.
netns_capture_start() {
	local ns=$1 ifc=$2 file=$3 log i; shift 3
	log=$(netns_tmpdir)/tcpdump.$ifc.log
	netns_bg "$ns" tcpdump -i "$ifc" -s 0 -B 32768 -U --immediate-mode -n -w "$file" "$@" 2>"$log"
	NETNS_CAPTURE_PID=$NETNS_LAST_PID
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	netns_log "tcpdump did not start: $(cat "$log")"; return 1
}

# Stops the capture and waits until tcpdump has written everything.
netns_capture_stop() {
	[ -n "$NETNS_CAPTURE_PID" ] || return 0
	sleep 0.3	# let the last frames reach the socket
	kill -INT "$NETNS_CAPTURE_PID" 2>/dev/null
	wait "$NETNS_CAPTURE_PID" 2>/dev/null
	NETNS_CAPTURE_PID=
	# "N packets dropped by kernel": NETNS_CAPTURE_DROPS, and a warning
	NETNS_CAPTURE_DROPS=$(awk '/dropped by kernel/ { print $1 }' "$NETNS_TMP"/tcpdump.*.log 2>/dev/null | tail -n 1)
	NETNS_CAPTURE_DROPS=${NETNS_CAPTURE_DROPS:-0}
	[ "$NETNS_CAPTURE_DROPS" -eq 0 ] || netns_log "tcpdump dropped $NETNS_CAPTURE_DROPS packets"
	return 0
}

netns_cleanup() {
	local rc=$? p n h
	trap - EXIT INT TERM
	for h in "${NETNS_CLEANUP_HOOKS[@]}"; do eval "$h" || true; done
	for p in "${NETNS_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${NETNS_PIDS[@]}"; do
		# bounded: a process that ignores TERM gets KILL after 2 s
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for n in "${NETNS_LIST[@]}"; do
		# kill anything still running inside (started by a command we ran)
		ip netns pids "$n" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	[ -n "$NETNS_TMP" ] && [ -z "${NETNS_KEEP_TMP:-}" ] && rm -rf "$NETNS_TMP"
	NETNS_PIDS=(); NETNS_LIST=(); NETNS_TMP=
	return $rc
}
