#!/usr/bin/env bash
# summary: apiary-logd over mutual TLS: framing, truncation, refusals, fingerprints, privileges, verify.
set -u
. "${APIARY_TOP:-.}/tests/lib/logd.sh"
logd_init
logd_pki hp-a hp-b
"$A" pki init "$T/other" >/dev/null && "$A" pki issue "$T/other" hp-a >/dev/null || fail "pki"

# leaks are checked here: no chroot (LSan needs /proc), still user nobody
logd_conf "$T/a.conf" "ca $T/pki/ca.crt" "max-message 1K" "chroot no" "checkpoint-records 4"
logd_start "$T/a.conf" || fail "start"

# 1. octet-counted and LF frames, an oversized message, a sequenceId
big=$(head -c 3000 /dev/zero | tr '\0' 'B')
m1='<14>1 2026-11-26T10:00:00Z hp-a app 42 ID1 [meta sequenceId="1"][x@32473 k="v\"q"] first'
m2='<14>1 2026-11-26T10:00:01Z hp-a app 42 ID1 [meta sequenceId="2"] second'
m3="<14>1 2026-11-26T10:00:02Z hp-a app 42 ID1 - $big"
{ printf '%d %s' ${#m1} "$m1"; printf '%d %s' ${#m2} "$m2"; printf '%d %s' ${#m2} "$m2"
  printf '<13>Nov 26 10:00:03 hp-a legacy[7]: lf framed\n'; printf '%d %s' ${#m3} "$m3"; } > "$T/in1"
tls_send hp-a "$T/in1" >/dev/null
wait_records 4 10 || fail "records not stored: $(count_records)"
sleep 0.3
[ "$(count_records)" = 4 ] || fail "expected 4 records (one resend dropped), got $(count_records)"
"$A" log cat "$T/store" --json > "$T/out.json"
python3 - "$T/out.json" <<'PY' || fail "json fields"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert [x["seq"] for x in r] == [1, 2, 3, 4], r
a = r[0]
assert a["sender"] == "hp-a" and a["sequence_id"] == 1 and a["pri"] == 14
assert a["hostname"] == "hp-a" and a["app_name"] == "app" and a["procid"] == "42" and a["msgid"] == "ID1"
assert a["structured_data"] == {"meta": {"sequenceId": "1"}, "x@32473": {"k": 'v"q'}}, a
assert a["message"] == "first" and a["format"] == "rfc5424" and a["timestamp"] == "2026-11-26T10:00:00Z"
assert r[2]["format"] == "rfc3164" and r[2]["app_name"] == "legacy" and r[2]["procid"] == "7"
assert r[2]["sequence_id"] is None
assert r[3]["truncated"] is True and r[3]["original_length"] > 3000, r[3]
PY
grep -q "truncated to 1024" "$T/logd.log" || fail "truncation not logged"

# 2. refusals: no certificate, a certificate from another CA
tls_send - "$T/in1" >/dev/null
tls_send hp-a "$T/in1" "$T/other" >/dev/null
sleep 0.5
grep -q "refused 127.0.0.1:[0-9]*: .*certificate" "$T/logd.log" || fail "no-cert refusal not logged"
grep -q "refused 127.0.0.1:[0-9]*: client certificate: unable to get local issuer" "$T/logd.log" ||
	fail "other-CA refusal not logged"
[ "$(count_records)" = 4 ] || fail "a refused peer got records in"

# 3. it runs as nobody and owns only the store
user=$(ps -o user= -p "$LOGD_PID" | tr -d ' ')
[ "$user" = nobody ] || fail "runs as '$user'"
[ "$(stat -c %U "$T/store/hp-a/00000001.seg")" = nobody ] || fail "segment owner"
signer=$(pgrep -P "$LOGD_PID" | head -1)
[ -n "$signer" ] || fail "no signer process"
[ "$(ps -o user= -p "$signer" | tr -d ' ')" = nobody ] || fail "signer not running as nobody"
[ -f "$T/sign.key.pub" ] || fail "public key not written beside the key"
logd_stop || fail "stop (sanitizer report?)"

# 4. verify: intact, then a flipped byte is found and named
"$A" log verify "$T/store" --key "$T/sign.key.pub" > "$T/v1" || { cat "$T/v1"; fail "verify intact"; }
grep -q "^hp-a: OK: 1 segments, 4 records" "$T/v1" || { cat "$T/v1"; fail "verify summary"; }
cp -a "$T/store" "$T/store2"
python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(300); b = f.read(1); f.seek(300); f.write(bytes([b[0] ^ 1]))' \
	"$T/store2/hp-a/00000001.seg"	# flip one bit
"$A" log verify "$T/store2" --key "$T/sign.key.pub" > "$T/v2"; rc=$?
[ $rc = 1 ] || { cat "$T/v2"; fail "verify exit $rc on a flipped byte"; }
grep -q "ALTERED: modified: hp-a/00000001.seg, record [0-9]*, offset [0-9]*" "$T/v2" || { cat "$T/v2"; fail "verify message"; }
"$A" log verify "$T/nonexistent" >/dev/null 2>&1; [ $? = 2 ] || fail "verify error exit"

# 5. fingerprint allow-list only (no CA): hp-b listed, hp-a not
fp=$("$A" pki fingerprint "$T/pki/hp-b.crt")
logd_conf "$T/b.conf" "fingerprint $fp" "chroot no"
logd_start "$T/b.conf" "$T/logd2.log" || fail "start fp"
printf '<13>1 - hp-b app - - - by fingerprint\n' > "$T/in2"
tls_send hp-b "$T/in2" >/dev/null
tls_send hp-a "$T/in2" >/dev/null
sleep 0.5
grep -q "accepted 'hp-b'" "$T/logd2.log" || fail "hp-b not accepted"
grep -q "refused .*fingerprint SHA256:.* not in the allow-list" "$T/logd2.log" || fail "hp-a not refused by fingerprint"
[ "$("$A" log cat "$T/store" --sender hp-b | wc -l)" = 1 ] || fail "hp-b record"
logd_stop || fail "stop 2"

# 5b. bring your own CA (plain openssl), next to apiary's: a CA bundle
B=$T/byo; mkdir -p "$B"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
	-subj "/CN=site CA" -keyout "$B/ca.key" -out "$B/ca.crt" 2>/dev/null || fail "openssl CA"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=byo-sender" \
	-keyout "$B/byo-sender.key" -out "$B/byo.csr" 2>/dev/null || fail "openssl csr"
openssl x509 -req -in "$B/byo.csr" -CA "$B/ca.crt" -CAkey "$B/ca.key" -CAcreateserial \
	-days 30 -out "$B/byo-sender.crt" 2>/dev/null || fail "openssl sign"
cat "$T/pki/ca.crt" "$B/ca.crt" > "$T/bundle.crt"
logd_conf "$T/c.conf" "ca $T/bundle.crt" "chroot no"
logd_start "$T/c.conf" "$T/logd3.log" || fail "start byo"
printf '<13>1 - byo app - - - from my own CA\n' > "$T/in3"
tls_send byo-sender "$T/in3" "$B" >/dev/null
tls_send hp-a "$T/in3" >/dev/null
sleep 0.5
grep -q "accepted 'byo-sender'" "$T/logd3.log" || { cat "$T/logd3.log"; fail "BYO CA sender not accepted"; }
grep -q "accepted 'hp-a'" "$T/logd3.log" || fail "apiary CA sender not accepted with a bundle"
logd_stop || fail "stop 3"

# 6. config errors name file:line
printf 'listen 127.0.0.1:6514\nbogus-option 1\n' > "$T/bad.conf"
"$L" -c "$T/bad.conf" -t 2> "$T/bad.err"; [ $? = 1 ] || fail "bad config accepted"
grep -q "bad.conf:2: unknown statement 'bogus-option'" "$T/bad.err" || { cat "$T/bad.err"; fail "file:line"; }
printf 'listen 127.0.0.1:99999\n' > "$T/bad2.conf"
"$L" -c "$T/bad2.conf" -t 2>&1 | grep -q "bad2.conf:1:" || fail "bad port not reported with file:line"
echo "logd_basic: ok"
