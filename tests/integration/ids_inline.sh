#!/usr/bin/env bash
# summary: inline IDS in apiary-gw: an outbound drop never reaches outside, replace delivers rewritten bytes with valid checksums, reject resets.
#
# Needs apiary-gw with the IDS wired in (config statements `ids-rules FILE`
# and `ids-var NAME VALUE`, parsed by detect_config_statement(); see
# docs/rules.md "INLINE USE"); skips (77) while `apiary-gw -n` rejects them.
set -u
cd "${APIARY_TOP:-$(dirname "$0")/../..}"
. tests/lib/gwnet.sh
fail() { echo "FAIL: $*" >&2; NETNS_KEEP_TMP=1; [ -n "${GW_LOG_FILE:-}" ] && tail -n 20 "$GW_LOG_FILE" >&2; exit 1; }

[ -x "$(gwnet_bin)" ] || { echo "skip: $(gwnet_bin) not built" >&2; exit 77; }
netns_require socat nc tcpdump
gwnet_setup h7i || fail "topology"
tmp=$NETNS_TMP
conf=$tmp/gw.conf
cat >"$tmp/inline.rules" <<RULES
drop tcp \$HOME_NET any -> \$EXTERNAL_NET any (msg:"outbound rm -rf"; content:"rm -rf"; sid:7001; rev:1;)
alert tcp \$HOME_NET any -> \$EXTERNAL_NET any (msg:"neuter shell"; content:"/bin/sh"; replace:"/ben/sh"; sid:7002; rev:1;)
reject tcp \$HOME_NET any -> \$EXTERNAL_NET any (msg:"reset kill"; content:"kill -9"; sid:7003; rev:1;)
RULES
gwnet_config "$conf" "honeypot $GW_HP" "inspect on" "ids-rules $tmp/inline.rules" \
    "ids-var HOME_NET [$GW_HP/32,$GW_HP2/32]" "ids-var EXTERNAL_NET !\$HOME_NET"
if ! "$(gwnet_bin)" -n -c "$conf" >/dev/null 2>&1; then
  echo "skip: apiary-gw does not take ids-rules yet" >&2; exit 77
fi
gwnet_start_gw "$conf" || fail "start"
netns_capture_start a eth0 "$tmp/outside.pcap" || fail "tcpdump"
# the honeypot's side of the gateway: resets it sends (a second tcpdump)
netns_bg h tcpdump -i eth0 -n -U --immediate-mode -w "$tmp/inside.pcap" 'tcp[tcpflags] & tcp-rst != 0' 2>"$tmp/inside.log"
inside_pid=$NETNS_LAST_PID
for ((i = 0; i < 100; i++)); do grep -q 'listening on' "$tmp/inside.log" && break; sleep 0.1; done

# a listener outside that records what arrives
netns_bg a socat -u TCP-LISTEN:9000,reuseaddr,fork OPEN:"$tmp/recv.txt",creat,append
netns_wait_tcp a 9000 || fail "listener"
send() { printf '%s\n' "$1" | netns_exec h nc -w 2 -q 1 "$GW_AT" 9000 >/dev/null 2>&1; }

send "hello world" || fail "plain payload did not pass"
send "GET /bin/sh HTTP/1.0" || true
send "please rm -rf / now" || true
out=$(printf 'kill -9 1\n' | netns_exec h timeout 5 nc -w 3 "$GW_AT" 9000 2>&1); rc=$?
sleep 0.5
netns_capture_stop
sleep 0.3
kill -INT "$inside_pid" 2>/dev/null; wait "$inside_pid" 2>/dev/null
gwnet_stop_gw

grep -q "hello world" "$tmp/recv.txt" || fail "plain payload missing outside"
grep -q "GET /ben/sh HTTP/1.0" "$tmp/recv.txt" || fail "replace: rewritten bytes not delivered: $(cat "$tmp/recv.txt")"
grep -q "/bin/sh" "$tmp/recv.txt" && fail "replace: original bytes reached outside"
grep -q "rm -rf" "$tmp/recv.txt" && fail "drop: payload reached the listener"
tcpdump -A -nr "$tmp/outside.pcap" 2>/dev/null | grep -q "rm -rf" && fail "drop: a frame with the payload left the gateway"
tcpdump -A -nr "$tmp/outside.pcap" 2>/dev/null | grep -q "kill -9" && fail "reject: the payload left the gateway"
bad=$(tcpdump -vvnr "$tmp/outside.pcap" 2>/dev/null | grep -c "incorrect")
[ "$bad" = 0 ] || fail "$bad frames with bad checksums outside"
# reject: the honeypot's connection was reset by the gateway (in the name
# of the listener: the listener itself never saw the payload)
tcpdump -nr "$tmp/inside.pcap" 2>/dev/null | grep -q "$GW_AT.9000 > $GW_HP.[0-9]*: Flags \[R" \
  || fail "reject: no reset reached the honeypot (nc: $rc $out)"
grep -q '"signature_id":7001' "$tmp/eve.json" || fail "no alert for the drop"
grep -q '"action":"blocked"' "$tmp/eve.json" || fail "drop alert not blocked"
grep -q '"signature_id":7002' "$tmp/eve.json" || fail "no alert for the replace"
echo "ok: inline drop, replace, reject"
