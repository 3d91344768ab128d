#!/usr/bin/env bash
# summary: restart apiary-logd while rsyslog (disk-assisted queue) sends: nothing lost, nothing stored twice.
set -u
. "${APIARY_TOP:-.}/tests/lib/logd.sh"
command -v rsyslogd >/dev/null || { echo "rsyslogd not installed" >&2; exit 77; }
logd_init
logd_pki rsyslog-a
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0
logd_conf "$T/logd.conf" "ca $T/pki/ca.crt" "checkpoint-records 50" "segment-size 64K"
logd_start "$T/logd.conf" || fail start

w=$T/rs/q
mkdir -p "$w"
cat > "$w/rsyslog.conf" <<CONF
global(workDirectory="$w"
       DefaultNetstreamDriver="ossl"
       DefaultNetstreamDriverCAFile="$T/pki/ca.crt"
       DefaultNetstreamDriverCertFile="$T/pki/rsyslog-a.crt"
       DefaultNetstreamDriverKeyFile="$T/pki/rsyslog-a.key")
module(load="imptcp")
input(type="imptcp" address="127.0.0.1" port="10514")
action(type="omfwd" target="127.0.0.1" port="6514" protocol="tcp"
       StreamDriver="ossl" StreamDriverMode="1"
       StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="127.0.0.1"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"
       action.resumeRetryCount="-1" action.resumeInterval="1"
       queue.type="LinkedList" queue.filename="fwd_q" queue.saveOnShutdown="on"
       queue.highWatermark="100" queue.lowWatermark="50" queue.size="1000")
CONF
rsyslog_start "$w/rsyslog.conf" || fail rsyslogd

# a steady sender, ~100 messages/s, numbered
N=600
( for i in $(seq $N); do
	ip netns exec "$NS" logger -n 127.0.0.1 -P 10514 -T --rfc5424 -t restart \
		--sd-id meta --sd-param "sequenceId=\"$i\"" "restart test $i"
	sleep 0.01
  done ) &
SENDER=$!
LOGD_PIDS+=("$SENDER")

# stop apiary-logd twice while it runs: once briefly, once for 3 s
sleep 1.5
logd_stop || fail "stop 1"
logd_start "$T/logd.conf" "$T/logd2.log" || fail "restart 1"
sleep 1.5
logd_stop || fail "stop 2"
sleep 3
logd_start "$T/logd.conf" "$T/logd3.log" || fail "restart 2"
wait "$SENDER"
# All but the two a restart may lose (below), then the rest if it comes.
# rsyslog 8.2302 sometimes stops sending after apiary-logd came back: its
# impstats show the omfwd action queue holding the rest, not suspended,
# and its action thread blocked for ever in a read on a unix datagram
# socket (kernel stack: __unix_dgram_recvmsg; seen in ~1 run of 6 with
# both CPUs busy, never on an idle machine).  That is rsyslog's hang, and
# the batch that thread holds is lost even if rsyslog is restarted, so
# the run cannot say anything about apiary-logd: it is reported as
# inconclusive (77).  Any other stall (15 s without a new record): restart
# rsyslog once, as an operator would; it saves its queue on shutdown
# (queue.saveOnShutdown) and sends it when it starts, and what it sends
# twice must be stored once.
rsyslog_hung() {
	local t
	for t in /proc/"$RSYSLOG_PID"/task/*; do
		case $(cat "$t/comm" 2>/dev/null) in rs:action*) ;; *) continue;; esac
		grep -q unix_dgram_recvmsg "$t/stack" 2>/dev/null && return 0
	done
	return 1
}
last=-1 still=0 restarted=0
for i in $(seq 450); do		# 90 s
	c=$(count_records)
	[ "$c" -ge $((N - 2)) ] && break
	if [ "$c" = "$last" ]; then still=$((still + 1)); else still=0 last=$c; fi
	if [ $still -ge 75 ] && [ $restarted = 0 ]; then
		if rsyslog_hung; then
			echo "inconclusive: rsyslog's forwarding thread hangs in a unix socket read with $((N - c)) messages queued (rsyslog, not apiary-logd)"
			exit 77
		fi
		echo "rsyslog stalled with $((N - c)) messages to send: restarting it"
		rsyslog_stop
		rsyslog_start "$w/rsyslog.conf" || fail "rsyslogd restart"
		restarted=1 still=0
	fi
	sleep 0.2
done
wait_records $N 10 || true
sleep 2
"$A" log cat "$T/store" --json > "$T/all.json"
python3 - "$T/all.json" "$N" "$T/stored" <<'PY' || { cat "$T"/logd*.log | tail -20; fail "delivery"; }
import json, sys, collections
r = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
ids = collections.Counter(x["sequence_id"] for x in r)
missing = [i for i in range(1, n + 1) if ids[i] == 0]
twice = [i for i, c in ids.items() if c > 1]
print("records %d, distinct %d, missing %d, stored twice %d" % (len(r), len(ids), len(missing), len(twice)))
# Plain TCP syslog (RFC 5425) has no acknowledgement: a message rsyslog
# writes after its liveness check passed and just as the link goes is
# lost to both sides (RELP exists for that).  apiary-logd's half-close
# narrows the window to that race; on a loaded machine it was lost once
# in a few runs.  So at most one per restart, never one stored twice.
assert len(missing) <= 2, "missing %s" % missing[:20]
if missing:
    print("lost at a restart (plain TCP, no acknowledgement): %s" % missing)
assert not twice, "stored twice %s" % twice[:20]
open(sys.argv[3], "w").write("%d\n" % len(r))
PY
logd_stop || fail "final stop"
"$A" log verify "$T/store" > "$T/v" || { cat "$T/v"; fail verify; }
grep -q "^rsyslog-a: OK: [0-9]* segments, $(cat "$T/stored") records" "$T/v" || { cat "$T/v"; fail "verify count"; }
grep -h "duplicate" "$T"/logd*.log >&2
echo "logd_restart: ok"
