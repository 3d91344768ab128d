#!/usr/bin/env bash
# summary: Debian rsyslog -> apiary-logd over TLS with a client certificate; logger end to end; refusals.
set -u
. "${APIARY_TOP:-.}/tests/lib/logd.sh"
command -v rsyslogd >/dev/null || { echo "rsyslogd not installed" >&2; exit 77; }
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so ] || [ -n "$(find /usr/lib -name lmnsd_ossl.so 2>/dev/null)" ] ||
	{ echo "rsyslog-openssl not installed" >&2; exit 77; }
logd_init
logd_pki rsyslog-a
"$A" pki init "$T/other" >/dev/null && "$A" pki issue "$T/other" rsyslog-x >/dev/null || fail pki

# default chroot and user nobody; LSan cannot read /proc in the chroot
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0
logd_conf "$T/logd.conf" "ca $T/pki/ca.crt"
logd_start "$T/logd.conf" || fail start
[ "$(readlink /proc/$LOGD_PID/root)" = "$T/store" ] || fail "not chrooted into the store"
[ "$(ps -o user= -p "$LOGD_PID" | tr -d ' ')" = nobody ] || fail "not running as nobody"

# rsyslog_conf NAME CERTDIR INPORT: a forwarding rsyslogd (imptcp in, omfwd TLS out)
rsyslog_conf() {
	local name=$1 dir=$2 port=$3 w=$T/rs/$1
	mkdir -p "$w"
	cat > "$w/rsyslog.conf" <<CONF
global(workDirectory="$w"
       DefaultNetstreamDriver="ossl"
       DefaultNetstreamDriverCAFile="$T/pki/ca.crt"
       DefaultNetstreamDriverCertFile="$dir/$name.crt"
       DefaultNetstreamDriverKeyFile="$dir/$name.key")
module(load="imptcp")
input(type="imptcp" address="127.0.0.1" port="$port")
action(type="omfwd" target="127.0.0.1" port="6514" protocol="tcp"
       StreamDriver="ossl" StreamDriverMode="1"
       StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="127.0.0.1"
       TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"
       action.resumeRetryCount="-1" action.resumeInterval="1"
       queue.type="LinkedList" queue.filename="fwd_$name" queue.saveOnShutdown="on")
CONF
	echo "$w/rsyslog.conf"
}

# 1. logger -> rsyslog -> apiary-logd, every message, each once
rsyslog_start "$(rsyslog_conf rsyslog-a "$T/pki" 10514)" || fail "rsyslogd"
N=300
for i in $(seq $N); do
	nsx logger -n 127.0.0.1 -P 10514 -T --rfc5424 -t e2e -p local3.notice \
		--sd-id meta --sd-param "sequenceId=\"$i\"" "message number $i" || fail "logger $i"
done
wait_records $N 60 || fail "only $(count_records) of $N delivered"
sleep 1
"$A" log cat "$T/store" --json --sender rsyslog-a > "$T/a.json"
python3 - "$T/a.json" "$N" <<'PY' || fail "content check"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
n = int(sys.argv[2])
ids = [x["sequence_id"] for x in r]
assert sorted(ids) == list(range(1, n + 1)), "missing or duplicated: %d records" % len(r)
for x in r:
    assert x["app_name"] == "e2e" and x["pri"] == 19 * 8 + 5, x
    assert x["message"] == "message number %d" % x["sequence_id"], x
    assert x["sender"] == "rsyslog-a"
PY
grep -q "accepted 'rsyslog-a' (TLSv1.[23])" "$T/logd.log" || fail "TLS session not logged"

# 2. rsyslog with a certificate from another CA is refused, nothing stored
rsyslog_stop
rsyslog_start "$(rsyslog_conf rsyslog-x "$T/other" 10515)" || fail "rsyslogd x"
nsx logger -n 127.0.0.1 -P 10515 -T --rfc5424 -t e2e "from the wrong CA"
for _ in $(seq 50); do grep -q "refused .*unable to get local issuer" "$T/logd.log" && break; sleep 0.2; done
grep -q "refused 127.0.0.1:[0-9]*: client certificate: unable to get local issuer" "$T/logd.log" || fail "other CA not refused"
[ ! -d "$T/store/rsyslog-x" ] || fail "a refused sender got a directory"
rsyslog_stop

logd_stop || fail stop
"$A" log verify "$T/store" > "$T/v" || { cat "$T/v"; fail verify; }
echo "logd_rsyslog: ok ($N messages)"
