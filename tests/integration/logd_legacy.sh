#!/usr/bin/env bash
# summary: apiary-logd's optional plain UDP/TCP listener: allow-list, flagging, connection limit.
set -u
. "${APIARY_TOP:-.}/tests/lib/logd.sh"
logd_init
logd_pki hp-a
ip -n "$NS" addr add 127.0.0.3/8 dev lo 2>/dev/null
logd_conf "$T/l.conf" "ca $T/pki/ca.crt" "chroot no" "legacy udp 127.0.0.1:10514" \
	"legacy tcp 127.0.0.1:10514" "legacy-allow 127.0.0.1/32" "max-connections 3" \
	"handshake-timeout 1s"
logd_start "$T/l.conf" || fail start
send_from() {	# SRC PROTO MESSAGE
	ip netns exec "$NS" /usr/bin/python3 - "$@" <<'PY'
import socket, sys
src, proto, msg = sys.argv[1], sys.argv[2], sys.argv[3].encode()
t = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, t)
s.bind((src, 0))
if proto == "udp":
    s.sendto(msg, ("127.0.0.1", 10514))
else:
    try:
        s.connect(("127.0.0.1", 10514)); s.sendall(msg + b"\n")
    except OSError:
        pass
s.close()
PY
}
send_from 127.0.0.1 udp '<13>Nov 26 10:00:00 old-host app: over udp'
send_from 127.0.0.1 tcp '<13>Nov 26 10:00:01 old-host app: over tcp'
send_from 127.0.0.3 udp '<13>not allowed udp'
send_from 127.0.0.3 tcp '<13>not allowed tcp'
wait_records 2 10 || fail "legacy records: $(count_records)"
sleep 0.5
[ "$(count_records)" = 2 ] || fail "a refused address got through"
"$A" log cat "$T/store" --json --sender plain-127.0.0.1 > "$T/p.json"
python3 - "$T/p.json" <<'PY' || fail "legacy json"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
assert len(r) == 2 and all(x["unauthenticated"] for x in r), r
assert sorted(x["message"] for x in r) == ["over tcp", "over udp"], r
PY
grep -q "refused 127.0.0.3:[0-9]*: legacy UDP: address not on the legacy-allow list" "$T/logd.log" || fail "udp refusal"
grep -q "refused 127.0.0.3:[0-9]*: legacy TCP: address not on the legacy-allow list" "$T/logd.log" || fail "tcp refusal"

# connection limit and handshake timeout: 3 silent TCP peers fill the slots
silent=()
for i in 1 2 3 4; do
	ip netns exec "$NS" timeout 4 bash -c 'exec 3<>/dev/tcp/127.0.0.1/6514; sleep 3' &
	silent+=($!)
done
sleep 0.5
grep -q "refused 127.0.0.1:[0-9]*: connection limit reached" "$T/logd.log" || fail "limit not enforced"
sleep 1.5
grep -q "TLS handshake timed out" "$T/logd.log" || fail "handshake timeout"
wait "${silent[@]}"
# a well-behaved sender still gets through afterwards
printf '<13>1 - hp-a app - - - after the flood\n' > "$T/in"
tls_send hp-a "$T/in" >/dev/null
wait_records 3 10 || fail "sender starved after the flood"
logd_stop || fail stop

# the sender limit: a second sender is refused by the store, logged once, closed
rm -rf "$T/store"
logd_conf "$T/m.conf" "ca $T/pki/ca.crt" "chroot no" "legacy udp 127.0.0.1:10514" \
	"legacy-allow 127.0.0.1/32" "max-senders 1"
logd_start "$T/m.conf" "$T/logd2.log" || fail "start max-senders"
send_from 127.0.0.1 udp '<13>first sender'
wait_records 1 10 || fail "first sender"
printf '<13>1 - hp-a app - - - one\n<13>1 - hp-a app - - - two\n' > "$T/in2"
tls_send hp-a "$T/in2" >/dev/null
sleep 0.5
[ "$(grep -c "sender limit (1) reached, 'hp-a' refused; closing" "$T/logd2.log")" = 1 ] ||
	{ cat "$T/logd2.log"; fail "sender limit not enforced once"; }
[ "$(count_records)" = 1 ] || fail "records past the sender limit"
logd_stop || fail "stop 2"
echo "logd_legacy: ok"
