#!/usr/bin/env bash
# summary: apiary-gw 'sessions DIR': TCP sessions through the gateway become tcpflow-named files with the exchanged bytes, live.
set -u
cd "${APIARY_TOP:-$(dirname "$0")/../..}"
. tests/lib/gwnet.sh
fail() { echo "FAIL: $*" >&2; NETNS_KEEP_TMP=1; [ -n "${GW_LOG_FILE:-}" ] && tail -n 20 "$GW_LOG_FILE" >&2; exit 1; }

[ -x "$(gwnet_bin)" ] || { echo "skip: $(gwnet_bin) not built" >&2; exit 77; }
netns_require jq cmp
gwnet_setup h12s || fail "topology"
tmp=$NETNS_TMP
sess=$tmp/sessions
# no 'inspect on': 'sessions' turns it on; 'user nobody': files are created
# after the privilege drop.
gwnet_config "$tmp/gw.conf" "honeypot $GW_HP" "user nobody" "sessions $sess"
"$(gwnet_bin)" -n -c "$tmp/gw.conf" || fail "config refused"
head -c 150000 /dev/urandom >"$tmp/req.bin"
head -c 70000 /dev/urandom >"$tmp/reply.bin"
head -c 30000 /dev/urandom >"$tmp/out.bin"
# xchg.py: both ends send their file, half-close, keep what they get (FINs, no RST)
cat >"$tmp/xchg.py" <<'PY'
import socket, sys, threading
mode, host, port, lport, send, keep = sys.argv[1:7]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
if mode == "listen":
    s.bind((host, int(port))); s.listen(1); print("ready", flush=True); c, _ = s.accept()
else:
    s.bind(("0.0.0.0", int(lport))); s.settimeout(10); s.connect((host, int(port))); c = s
def tx():
    c.sendall(open(send, "rb").read()); c.shutdown(socket.SHUT_WR)
t = threading.Thread(target=tx); t.start()
with open(keep, "wb") as f:
    while True:
        b = c.recv(65536)
        if not b: break
        f.write(b)
t.join(); c.close()
PY
py=/usr/bin/python3
netns_bg h timeout 30 $py "$tmp/xchg.py" listen 0.0.0.0 80 0 "$tmp/reply.bin" "$tmp/got.bin"
netns_wait_tcp h 80 || fail "listener"
netns_bg a timeout 30 $py "$tmp/xchg.py" listen 0.0.0.0 8080 0 /dev/null "$tmp/got-out.bin"
netns_wait_tcp a 8080 || fail "outside listener"
gwnet_start_gw "$tmp/gw.conf" || fail "start"
netns_exec a timeout 20 $py "$tmp/xchg.py" connect "$GW_HP" 80 40001 "$tmp/req.bin" "$tmp/answer.bin" || fail "inbound session"
netns_exec h timeout 20 $py "$tmp/xchg.py" connect "$GW_AT" 8080 40002 "$tmp/out.bin" /dev/null || fail "outbound session"
sleep 1.5	# the writer flushes once a second: files appear while it runs
cmp -s "$tmp/req.bin" "$tmp/got.bin" && cmp -s "$tmp/reply.bin" "$tmp/answer.bin" || fail "the exchange itself failed"
live=$(ls "$sess" 2>/dev/null | grep -vc sessions.json)
gwnet_stop_gw
[ "$GW_RC" = 0 ] || fail "exit status $GW_RC"
[ "$live" -ge 3 ] || fail "only $live session files while the gateway ran"

in_fwd=203.000.113.001.40001-203.000.113.010.00080
in_rev=203.000.113.010.00080-203.000.113.001.40001
out_fwd=203.000.113.010.40002-203.000.113.001.08080
for f in $in_fwd $in_rev $out_fwd; do [ -f "$sess/$f" ] || fail "no session file $f: $(ls "$sess")"; done
cmp "$tmp/req.bin" "$sess/$in_fwd" || fail "inbound request bytes differ"
cmp "$tmp/reply.bin" "$sess/$in_rev" || fail "reply bytes differ"
cmp "$tmp/out.bin" "$sess/$out_fwd" || fail "outbound bytes differ"
[ "$(stat -c %U "$sess/$in_fwd")" = nobody ] || fail "session file not written after the privilege drop"
# sessions.json: one line per file, bytes = size
jq -e -s "any(.[]; .file == \"$in_fwd\" and .bytes == 150000 and .community_id != null)" "$sess/sessions.json" >/dev/null ||
  fail "sessions.json lacks $in_fwd"
[ "$(jq -s length "$sess/sessions.json")" = "$(ls "$sess" | grep -vc sessions.json)" ] || fail "sessions.json lines != files"
# the same files as tcpflow over the gateway's own capture
if command -v tcpflow >/dev/null; then
  rargs=(); for p in "$tmp"/pcap/*.pcap; do rargs+=(-r "$p"); done
  mkdir -p "$tmp/tf" && tcpflow "${rargs[@]}" -o "$tmp/tf" >/dev/null 2>&1
  diff -r -x sessions.json -x report.xml -x '*.pcap' "$tmp/tf" "$sess" || fail "files differ from tcpflow -r over the capture"
fi
grep -q '"sessions":{"sessions":[1-9]' "$tmp/eve.json" || fail "no sessions counters in the stats event"
echo "ok: live sessions ($(ls "$sess" | grep -vc sessions.json) files, same as tcpflow)"
