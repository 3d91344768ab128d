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
wait_records $N 90 || true
sleep 2
"$A" log cat "$T/store" --json > "$T/all.json"
python3 - "$T/all.json" "$N" <<'PY' || { cat "$T"/logd*.log | tail -20; fail "delivery"; }
import json, sys, collections
r = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
ids = collections.Counter(x["sequence_id"] for x in r)
missing = [i for i in range(1, n + 1) if ids[i] == 0]
twice = [i for i, c in ids.items() if c > 1]
print("records %d, distinct %d, missing %d, stored twice %d" % (len(r), len(ids), len(missing), len(twice)))
assert not missing, "missing %s" % missing[:20]
assert not twice, "stored twice %s" % twice[:20]
PY
logd_stop || fail "final stop"
"$A" log verify "$T/store" > "$T/v" || { cat "$T/v"; fail verify; }
grep -q "^rsyslog-a: OK: [0-9]* segments, $N records" "$T/v" || { cat "$T/v"; fail "verify count"; }
grep -h "duplicate" "$T"/logd*.log >&2
echo "logd_restart: ok"
