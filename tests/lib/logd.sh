# summary: shell helpers for apiary-logd integration tests: namespace, PKI, daemon, rsyslog.
#
# Source it, then:
#   logd_init                 # root + ip netns or exit 77; $T tmp dir, $NS namespace, trap
#   logd_pki NAME...          # CA in $T/pki, server cert 127.0.0.1, client certs NAME...
#   logd_conf FILE [LINES]    # a config listening on 127.0.0.1:6514 in the namespace
#   logd_start FILE           # apiary-logd -n inside the namespace, waits until it listens
#   logd_stop                 # SIGTERM and wait (bounded)
#   rsyslog_start FILE        # a private rsyslogd -n (own pid file and work dir)
#   tls_send NAME FILE        # openssl s_client with client cert NAME, stdin from FILE
#   count_records             # records in $T/store (apiary log cat | wc -l)
# Everything runs in the test's own network namespace (only lo, 127.0.0.1),
# so ports never collide with anyone; the trap kills what was started and
# deletes the namespace and $T, on success or failure.

LOGD_PIDS=()
LOGD_PID=

logd_init() {
	if [ "$(id -u)" != 0 ]; then echo "needs root (network namespace, user nobody)" >&2; exit 77; fi
	if ! ip netns list >/dev/null 2>&1; then echo "no ip netns" >&2; exit 77; fi
	TOP=${APIARY_TOP:-$PWD}
	BIN=${APIARY_BIN:-$TOP/build/asan/bin}
	A=$BIN/apiary
	L=$BIN/apiary-logd
	if [ ! -x "$A" ] || [ ! -x "$L" ]; then echo "no apiary/apiary-logd in $BIN" >&2; exit 77; fi
	T=$(mktemp -d /tmp/logd-test.XXXXXX)
	chmod 755 "$T"
	NS=h5$$
	ip netns add "$NS" || exit 77
	ip -n "$NS" link set lo up
	trap logd_cleanup EXIT
	trap "exit 1" INT TERM
}

nsx() { ip netns exec "$NS" "$@"; }

logd_cleanup() {
	local p
	for p in "${LOGD_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${LOGD_PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}

logd_pki() {
	"$A" pki init "$T/pki" >/dev/null || return 1
	"$A" pki issue "$T/pki" 127.0.0.1 --server >/dev/null || return 1
	local n
	for n in "$@"; do "$A" pki issue "$T/pki" "$n" >/dev/null || return 1; done
}

logd_conf() {
	local f=$1; shift
	{
		echo "listen 127.0.0.1:6514"
		echo "cert  $T/pki/127.0.0.1.crt"
		echo "key   $T/pki/127.0.0.1.key"
		echo "store $T/store"
		echo "signing-key $T/sign.key"
		echo "user nobody"
		echo "idle-timeout 1h"
		local l
		for l in "$@"; do echo "$l"; done
	} > "$f"
}

logd_start() {
	local conf=$1 log=${2:-$T/logd.log}
	: > "$log"
	ip netns exec "$NS" "$L" -c "$conf" -n >>"$log" 2>&1 &
	LOGD_PID=$!
	LOGD_PIDS+=("$LOGD_PID")
	for _ in $(seq 100); do
		grep -q "listening on" "$log" && return 0
		kill -0 "$LOGD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "apiary-logd did not start:" >&2; cat "$log" >&2
	return 1
}

logd_stop() {
	[ -n "$LOGD_PID" ] || return 0
	kill -TERM "$LOGD_PID" 2>/dev/null
	local rc=0
	for _ in $(seq 100); do kill -0 "$LOGD_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$LOGD_PID" 2>/dev/null; then echo "apiary-logd did not stop" >&2; kill -9 "$LOGD_PID"; rc=1; fi
	wait "$LOGD_PID" 2>/dev/null || rc=$?
	LOGD_PID=
	return $rc
}

rsyslog_start() {
	local conf=$1
	mkdir -p "$T/rs"
	ip netns exec "$NS" rsyslogd -n -f "$conf" -i "$T/rs/rsyslogd.pid" >>"$T/rs/rsyslogd.log" 2>&1 &
	RSYSLOG_PID=$!
	LOGD_PIDS+=("$RSYSLOG_PID")
	sleep 1
	kill -0 "$RSYSLOG_PID" 2>/dev/null || { cat "$T/rs/rsyslogd.log" >&2; return 1; }
}

rsyslog_stop() {
	kill -TERM "$RSYSLOG_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$RSYSLOG_PID" 2>/dev/null || break; sleep 0.1; done
}

# tls_send NAME FILE [CA-DIR]: the file's bytes over TLS with NAME's certificate
# (NAME "-" means no client certificate); prints s_client's stderr.
tls_send() {
	local name=$1 file=$2 dir=${3:-$T/pki} certargs=()
	[ "$name" != - ] && certargs=(-cert "$dir/$name.crt" -key "$dir/$name.key")
	{ cat "$file"; sleep 0.5; } | nsx timeout 10 openssl s_client -quiet \
		-connect 127.0.0.1:6514 "${certargs[@]}" -CAfile "$T/pki/ca.crt" \
		-verify_ip 127.0.0.1 -verify_return_error 2>&1 >/dev/null
}

count_records() { "$A" log cat "$T/store" "$@" | wc -l; }

# wait_records N [SECONDS]: until the store holds N records (bounded)
wait_records() {
	local n=$1 t=${2:-30} i
	for i in $(seq $((t * 5))); do
		[ "$(count_records)" -ge "$n" ] && return 0
		sleep 0.2
	done
	return 1
}

fail() { echo "FAIL: $*" >&2; exit 1; }
